package cosignkeys

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// cosignPEM wraps a JSON envelope in the Cosign key file's PEM label.
func cosignPEM(json string) []byte {
	b := base64.StdEncoding.EncodeToString([]byte(json))
	var s strings.Builder
	s.WriteString("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
	for len(b) > 64 {
		s.WriteString(b[:64] + "\n")
		b = b[64:]
	}
	s.WriteString(b + "\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
	return []byte(s.String())
}

func envelope(kdf, n, cipher string) string {
	return `{"kdf":{"name":"` + kdf + `","params":{"N":` + n + `,"r":8,"p":1},"salt":"` +
		strings.Repeat("A", 43) + `="},"cipher":{"name":"` + cipher + `","nonce":"` + strings.Repeat("A", 32) +
		`"},"ciphertext":"` + strings.Repeat("A", 43) + `="}`
}

const otherPublicPEM = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnf0pF9LC+3clip7JGjBHb4pBGeob
qYKaRa+wlwho5mk9f6hQ7S7TMLE4/cQGdY7YHO3f65tDnsdtNaApMNl4SQ==
-----END PUBLIC KEY-----
`

// One named test per error code the Go API can produce (HANDLE_CLOSED only
// through a closed handle, see TestCloseIsIdempotentAndGuardsUse).
func TestEveryReachableErrorCode(t *testing.T) {
	key := must(GenerateKey(EcdsaP256))
	defer key.Close()
	ed := must(GenerateKey(Ed25519))
	defer ed.Close()
	pub := must(key.PublicKey())
	defer pub.Close()
	p8 := must(key.PKCS8PEM())
	defer Wipe(p8)
	cert := []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")

	cases := []struct {
		name string
		want *Error
		run  func() error
	}{
		{"INVALID_ARGUMENT unknown algorithm", ErrInvalidArgument, func() error { _, err := GenerateKey(0); return err }},
		{"INVALID_ARGUMENT digest length", ErrInvalidArgument, func() error { _, err := key.SignDigest([]byte("short")); return err }},
		{"MALFORMED_PEM", ErrMalformedPEM, func() error { _, err := PublicKeyFromPEM([]byte("not PEM")); return err }},
		{"MALFORMED_PEM empty", ErrMalformedPEM, func() error { _, err := LoadPrivateKey(nil, nil); return err }},
		{"UNKNOWN_PEM_LABEL", ErrUnknownPEMLabel, func() error { _, err := PublicKeyFromPEM(cert); return err }},
		{"WRONG_KEY_KIND public as private", ErrWrongKeyKind, func() error { _, err := ImportKey([]byte(otherPublicPEM), nil); return err }},
		{"WRONG_KEY_KIND private as public", ErrWrongKeyKind, func() error { _, err := PublicKeyFromPEM(p8); return err }},
		{"WRONG_KEY_KIND PKCS#8 as cosign.key", ErrWrongKeyKind, func() error { _, err := LoadPrivateKey(p8, nil); return err }},
		{"MALFORMED_ENVELOPE", ErrMalformedEnvelope, func() error { _, err := ParseEncryptedKeyJSON([]byte("{not json")); return err }},
		{"UNKNOWN_KDF", ErrUnknownKDF, func() error {
			_, err := ParseEncryptedKey(cosignPEM(envelope("argon2", "1024", "nacl/secretbox")))
			return err
		}},
		{"UNKNOWN_CIPHER", ErrUnknownCipher, func() error {
			_, err := ParseEncryptedKey(cosignPEM(envelope("scrypt", "1024", "aes-gcm")))
			return err
		}},
		{"INVALID_KDF_PARAMS in a file", ErrInvalidKDFParams, func() error {
			_, err := ParseEncryptedKey(cosignPEM(envelope("scrypt", "1000", "nacl/secretbox")))
			return err
		}},
		{"INVALID_KDF_PARAMS when encrypting", ErrInvalidKDFParams, func() error {
			_, err := key.EncryptWithParams(nil, ScryptParams{N: 1000, R: 8, P: 1})
			return err
		}},
		{"KDF_LIMIT_EXCEEDED", ErrKDFLimitExceeded, func() error {
			_, err := LoadPrivateKey(cosignPEM(envelope("scrypt", "1099511627776", "nacl/secretbox")), nil)
			return err
		}},
		{"MALFORMED_KEY", ErrMalformedKey, func() error { _, err := PrivateKeyFromPKCS8([]byte{0x30, 0x03, 0x02, 0x01, 0x00}); return err }},
		{"MALFORMED_KEY public DER", ErrMalformedKey, func() error { _, err := PublicKeyFromDER([]byte{0x30, 0x00}); return err }},
		{"UNSUPPORTED_ALGORITHM X25519", ErrUnsupportedAlgorithm, func() error {
			spki := append([]byte{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00}, make([]byte, 32)...)
			_, err := PublicKeyFromDER(spki)
			return err
		}},
		{"UNSUPPORTED_OPERATION", ErrUnsupportedOperation, func() error { _, err := ed.SignDigest(make([]byte, 32)); return err }},
		{"INVALID_FINGERPRINT", ErrInvalidFingerprint, func() error { _, err := ParseFingerprint("SHA256:nope"); return err }},
		{"MALFORMED_SIGNATURE", ErrMalformedSignature, func() error { _, err := DecodeSignature("!!"); return err }},
		{"DECRYPTION_FAILED", ErrDecryptionFailed, func() error {
			sealed, err := key.EncryptWithParams([]byte("right"), fastParams)
			if err != nil {
				return err
			}
			_, err = LoadPrivateKey(sealed, []byte("wrong"))
			return err
		}},
		{"SIGNATURE_INVALID", ErrSignatureInvalid, func() error {
			sig, err := ed.Sign(testMessage)
			if err != nil {
				return err
			}
			return pub.Verify(testMessage, sig)
		}},
		{"ALREADY_EXISTS", ErrAlreadyExists, func() error {
			path := t.TempDir() + "/k"
			if err := WriteFileAtomic(path, nil, PrivateFileMode, false); err != nil {
				return err
			}
			return WriteFileAtomic(path, nil, PrivateFileMode, false)
		}},
		{"IO", ErrIO, func() error { return WriteFileAtomic(t.TempDir()+"/no/dir/k", nil, PrivateFileMode, false) }},
		// Stores and KMS (NOT_FOUND, CONFLICT and the backend codes: store_test.go, kms_test.go).
		{"INVALID_URI store", ErrInvalidUri, func() error { _, err := OpenStore("s3://bucket/key"); return err }},
		{"INVALID_URI kms", ErrInvalidUri, func() error { _, err := OpenKMS("hashivault://bad key"); return err }},
		{"NOT_SUPPORTED gcpkms", ErrNotSupported, func() error {
			_, err := OpenKMS("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k")
			return err
		}},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			expectCode(t, c.run(), c.want, c.name)
		})
	}
}

// The error's fields arrive as data (the core's error document), so callers
// need not parse messages: the KDF limits of a hostile key file, the argument
// a boundary check refused.
func TestErrorDetails(t *testing.T) {
	_, err := LoadPrivateKey(cosignPEM(envelope("scrypt", "1099511627776", "nacl/secretbox")), nil)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeKDFLimitExceeded {
		t.Fatalf("got %v, want KDF_LIMIT_EXCEEDED", err)
	}
	if e.Details["kdf"] != "scrypt" {
		t.Errorf("kdf = %v", e.Details["kdf"])
	}
	// The work factor is N·r·p = 2^40 · 8 · 1, over the limit.
	work, ok := e.Details["required_work"].(json.Number)
	if !ok || work.String() != "8796093022208" {
		t.Errorf("required_work = %#v", e.Details["required_work"])
	}
	if !strings.Contains(e.Msg, "scrypt parameters need") {
		t.Errorf("message = %q", e.Msg)
	}

	key := must(GenerateKey(EcdsaP256))
	key.Close()
	_, err = key.Fingerprint()
	if !errors.As(err, &e) || e.Code != CodeHandleClosed || e.Details != nil {
		t.Fatalf("got %#v, want HANDLE_CLOSED without details", err)
	}
}
