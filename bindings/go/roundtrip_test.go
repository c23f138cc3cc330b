package cosignkeys

import (
	"bytes"
	"strings"
	"testing"
)

// Every algorithm: generate, export and re-import, encrypt and decrypt,
// change the password, sign and verify blobs and digests.
func TestRoundTripEveryAlgorithm(t *testing.T) {
	for _, alg := range Algorithms() {
		alg := alg
		t.Run(alg.String(), func(t *testing.T) {
			t.Parallel()
			roundTrip(t, alg)
		})
	}
}

func roundTrip(t *testing.T, alg Algorithm) {
	key := must(GenerateKey(alg))
	defer key.Close()
	if key.Algorithm() != alg {
		t.Fatalf("algorithm %s", key.Algorithm())
	}
	pub := must(key.PublicKey())
	defer pub.Close()
	fp := must(key.Fingerprint())
	if must(pub.Fingerprint()) != fp || pub.Algorithm() != alg {
		t.Fatal("public key does not match")
	}

	// Public key encodings.
	pem := must(pub.PEM())
	if !strings.HasPrefix(string(pem), "-----BEGIN PUBLIC KEY-----\n") {
		t.Fatalf("%s", pem)
	}
	fromPEM := must(PublicKeyFromPEM(pem))
	defer fromPEM.Close()
	fromDER := must(PublicKeyFromDER(must(pub.DER())))
	defer fromDER.Close()
	if !pub.Equal(fromPEM) || !fromPEM.Equal(fromDER) {
		t.Fatal("public key round trip")
	}

	// Unencrypted PKCS#8, re-imported three ways.
	p8pem := must(key.PKCS8PEM())
	defer Wipe(p8pem)
	p8der := must(key.PKCS8DER())
	defer Wipe(p8der)
	for name, load := range map[string]func() (*PrivateKey, error){
		"import PEM": func() (*PrivateKey, error) { return ImportKey(p8pem, nil) },
		"import DER": func() (*PrivateKey, error) { return ImportKey(p8der, nil) },
		"PKCS8":      func() (*PrivateKey, error) { return PrivateKeyFromPKCS8(p8der) },
	} {
		k := must(load())
		if must(k.Fingerprint()) != fp {
			t.Errorf("%s: fingerprint changed", name)
		}
		k.Close()
	}

	// Cosign key file at a cheap cost.
	sealed := must(key.EncryptWithParams(testPassword, fastParams))
	ek := must(ParseEncryptedKey(sealed))
	defer ek.Close()
	if ek.ScryptParams() != fastParams || ek.IsCosignCompatible() || ek.HasLegacyLabel() ||
		ek.MemoryBytes() != 128*8*(1024+1) {
		t.Errorf("params %+v", ek.ScryptParams())
	}
	if !bytes.Equal(must(ek.PEM()), sealed) {
		t.Error("PEM() does not reproduce the file")
	}
	fromJSON := must(ParseEncryptedKeyJSON(must(ek.JSON())))
	defer fromJSON.Close()
	for name, load := range map[string]func() (*PrivateKey, error){
		"Decrypt":        func() (*PrivateKey, error) { return fromJSON.Decrypt(testPassword) },
		"LoadPrivateKey": func() (*PrivateKey, error) { return LoadPrivateKey(sealed, testPassword) },
		"ImportKey":      func() (*PrivateKey, error) { return ImportKey(sealed, testPassword) },
	} {
		k := must(load())
		if must(k.Fingerprint()) != fp {
			t.Errorf("%s: fingerprint changed", name)
		}
		k.Close()
	}
	_, err := ek.Decrypt([]byte("wrong"))
	expectCode(t, err, ErrDecryptionFailed, "wrong password")

	changed := must(ek.ChangePassword(testPassword, []byte("new")))
	defer changed.Close()
	_, err = changed.Decrypt(testPassword)
	expectCode(t, err, ErrDecryptionFailed, "old password after change")
	reopened := must(changed.Decrypt([]byte("new")))
	if must(reopened.Fingerprint()) != fp {
		t.Error("change_password changed the key")
	}
	reopened.Close()

	// Signatures.
	sig := must(key.Sign(testMessage))
	for _, p := range []*PublicKey{pub, fromPEM, fromDER} {
		if err := p.Verify(testMessage, sig); err != nil {
			t.Error(err)
		}
	}
	expectCode(t, pub.Verify(testMessage[1:], sig), ErrSignatureInvalid, "other message")
	expectCode(t, pub.Verify(testMessage, sig[:len(sig)-1]), ErrSignatureInvalid, "cut signature")
	if err := pub.Verify(nil, must(key.Sign(nil))); err != nil {
		t.Error("empty message:", err)
	}
	if !bytes.Equal(must(DecodeSignature(EncodeSignature(sig))), sig) {
		t.Error("signature text round trip")
	}

	h := alg.Hash()
	if h == HashNone {
		_, err := key.SignDigest(make([]byte, 32))
		expectCode(t, err, ErrUnsupportedOperation, "Ed25519 SignDigest")
		expectCode(t, pub.VerifyDigest(make([]byte, 32), sig), ErrUnsupportedOperation, "Ed25519 VerifyDigest")
		return
	}
	digest := must(h.Digest(testMessage))
	if len(digest) != h.Size() {
		t.Fatalf("digest size %d", len(digest))
	}
	dsig := must(key.SignDigest(digest))
	if err := pub.Verify(testMessage, dsig); err != nil {
		t.Error("digest signature over the blob:", err)
	}
	if err := pub.VerifyDigest(digest, sig); err != nil {
		t.Error("blob signature over the digest:", err)
	}
	_, err = key.SignDigest(digest[1:])
	expectCode(t, err, ErrInvalidArgument, "short digest")
	expectCode(t, pub.VerifyDigest(digest[1:], sig), ErrInvalidArgument, "short digest (verify)")
}

// cosign's own cost once: the result is cosign-compatible.
func TestEncryptDefaultCost(t *testing.T) {
	key := must(GenerateKey(EcdsaP256))
	defer key.Close()
	sealed := must(key.Encrypt([]byte{}))
	ek := must(ParseEncryptedKey(sealed))
	defer ek.Close()
	if ek.ScryptParams() != CosignScryptParams || !ek.IsCosignCompatible() {
		t.Errorf("%+v", ek.ScryptParams())
	}
	_, err := ek.DecryptWithLimits(nil, Limits{MaxMemoryBytes: 1 << 20})
	expectCode(t, err, ErrKDFLimitExceeded, "memory limit")
	_, err = LoadPrivateKeyWithLimits(sealed, nil, Limits{MaxWork: 1024})
	expectCode(t, err, ErrKDFLimitExceeded, "work limit")
	defaults := DefaultLimits()
	if defaults.MaxMemoryBytes < 64<<20 || defaults.MaxWork < 65536*8 {
		t.Errorf("defaults %+v", defaults)
	}
	k := must(LoadPrivateKeyWithLimits(sealed, nil, defaults))
	defer k.Close()
	// A Cosign key file imports only with its password (here: empty).
	_, err = ImportKey(sealed, nil)
	expectCode(t, err, ErrInvalidArgument, "import without password")
	_, err = ImportKeyWithLimits(sealed, []byte{}, Limits{MaxMemoryBytes: 1 << 20})
	expectCode(t, err, ErrKDFLimitExceeded, "import over the limit")
	_, err = ek.ChangePasswordWithLimits(nil, []byte("new"), Limits{MaxWork: 1024})
	expectCode(t, err, ErrKDFLimitExceeded, "change password over the limit")
	k2 := must(ImportKey(sealed, []byte{}))
	defer k2.Close()
	if must(k2.Fingerprint()) != must(key.Fingerprint()) {
		t.Error("fingerprint")
	}
}
