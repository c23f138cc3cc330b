package cosignkeys

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The shared, language-neutral vectors of tests/vectors (also read by the
// Rust, C and Python suites).
var vectorsDir = filepath.Join("..", "..", "tests", "vectors")

func loadVectors[T any](t *testing.T, name string) []T {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var cases []T
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s has no cases", name)
	}
	return cases
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// expectName checks a result against a vector's expect field ("OK" or a
// code name).
func expectName(t *testing.T, err error, expect string) {
	t.Helper()
	if expect == "OK" {
		if err != nil {
			t.Fatalf("want OK, got %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want %s, got %v", expect, err)
	}
	if e.Code.String() != expect {
		t.Fatalf("want %s, got %v", expect, err)
	}
}

type cosignGenerated struct {
	Description       string `json:"description"`
	Algorithm         string `json:"algorithm"`
	Password          string `json:"password"`
	PrivateKeyPEM     string `json:"private_key_pem"`
	PublicKeyPEM      string `json:"public_key_pem"`
	FingerprintHex    string `json:"fingerprint_hex"`
	FingerprintSHA256 string `json:"fingerprint_sha256"`
	BlobB64           string `json:"blob_b64"`
	SignatureB64      string `json:"signature_b64"`
}

func TestVectorsCosignGenerated(t *testing.T) {
	for i, c := range loadVectors[cosignGenerated](t, "cosign-generated.json") {
		c := c
		t.Run(c.Description, func(t *testing.T) {
			t.Parallel()
			key := must(LoadPrivateKey([]byte(c.PrivateKeyPEM), []byte(c.Password)))
			defer key.Close()
			if key.Algorithm().String() != c.Algorithm {
				t.Errorf("case %d: algorithm %s", i+1, key.Algorithm())
			}
			derived := must(key.PublicKey())
			defer derived.Close()
			if string(must(derived.PEM())) != c.PublicKeyPEM {
				t.Error("public key PEM differs from cosign's")
			}
			pub := must(PublicKeyFromPEM([]byte(c.PublicKeyPEM)))
			defer pub.Close()
			fp := must(pub.Fingerprint())
			if fp.String() != c.FingerprintSHA256 || fp.Hex() != c.FingerprintHex {
				t.Errorf("fingerprint %s %s", fp, fp.Hex())
			}
			blob, sig := b64(t, c.BlobB64), b64(t, c.SignatureB64)
			if err := pub.Verify(blob, sig); err != nil {
				t.Error("cosign's signature:", err)
			}
			if h := key.Algorithm().Hash(); h != HashNone {
				if err := pub.VerifyDigest(must(h.Digest(blob)), sig); err != nil {
					t.Error("cosign's signature over the digest:", err)
				}
			}
			if err := pub.Verify(blob, must(key.Sign(blob))); err != nil {
				t.Error("fresh signature:", err)
			}
			sig[len(sig)/2] ^= 1
			expectCode(t, pub.Verify(blob, sig), ErrSignatureInvalid, "flipped bit")
		})
	}
}

type badInput struct {
	Description       string `json:"description"`
	InputPEM          string `json:"input_pem"`
	Password          string `json:"password"`
	Expect            string `json:"expect"`
	FingerprintSHA256 string `json:"fingerprint_sha256"`
}

func TestVectorsBadInput(t *testing.T) {
	for _, c := range loadVectors[badInput](t, "bad-input.json") {
		c := c
		t.Run(c.Description, func(t *testing.T) {
			t.Parallel()
			key, err := LoadPrivateKey([]byte(c.InputPEM), []byte(c.Password))
			expectName(t, err, c.Expect)
			if c.Expect == "OK" {
				defer key.Close()
				if fp := must(key.Fingerprint()); fp.String() != c.FingerprintSHA256 {
					t.Errorf("fingerprint %s", fp)
				}
			} else if key != nil {
				t.Error("a key was returned with the error")
			}
		})
	}
}

type importCase struct {
	Description       string  `json:"description"`
	InputB64          string  `json:"input_b64"`
	Password          *string `json:"password"`
	Expect            string  `json:"expect"`
	Algorithm         string  `json:"algorithm"`
	FingerprintSHA256 string  `json:"fingerprint_sha256"`
}

func TestVectorsImport(t *testing.T) {
	for _, c := range loadVectors[importCase](t, "import.json") {
		c := c
		t.Run(c.Description, func(t *testing.T) {
			t.Parallel()
			var password []byte // nil: no password
			if c.Password != nil {
				password = []byte(*c.Password)
				if password == nil {
					password = []byte{}
				}
			}
			key, err := ImportKey(b64(t, c.InputB64), password)
			expectName(t, err, c.Expect)
			if c.Expect != "OK" {
				return
			}
			defer key.Close()
			if key.Algorithm().String() != c.Algorithm {
				t.Errorf("algorithm %s, want %s", key.Algorithm(), c.Algorithm)
			}
			if fp := must(key.Fingerprint()); fp.String() != c.FingerprintSHA256 {
				t.Errorf("fingerprint %s", fp)
			}
		})
	}
}
