package interop

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"testing"

	cosignkeys "github.com/cosign-keys/cosign-keys/bindings/go"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

var (
	password = []byte("interop password")
	blob     = []byte("an artifact signed through the Go binding\n")
)

func cryptoHash(h cosignkeys.HashAlg) crypto.Hash {
	switch h {
	case cosignkeys.HashSHA256:
		return crypto.SHA256
	case cosignkeys.HashSHA384:
		return crypto.SHA384
	case cosignkeys.HashSHA512:
		return crypto.SHA512
	default:
		return crypto.Hash(0) // Ed25519 signs the message itself
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// For every algorithm: a cosign.key written by the binding (cosign's own
// scrypt cost) loads with cosign's LoadPrivateKey and holds the same key;
// the binding's signatures verify with sigstore's verifier for our
// cosign.pub; and cosign's signer's signatures verify with the binding.
func TestCosignLoadsOurKeysAndSigstoreVerifiesOurSignatures(t *testing.T) {
	for _, alg := range cosignkeys.Algorithms() {
		alg := alg
		t.Run(alg.String(), func(t *testing.T) {
			t.Parallel()
			key := must(cosignkeys.GenerateKey(alg))
			defer key.Close()
			pub := must(key.PublicKey())
			defer pub.Close()
			keyPEM := must(key.Encrypt(password))
			pubPEM := must(pub.PEM())

			// cosign's own loader, with cosign's defaults.
			sv, err := cosign.LoadPrivateKey(keyPEM, password, nil)
			if err != nil {
				t.Fatalf("cosign.LoadPrivateKey: %v", err)
			}
			cosignPub, err := sv.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			cosignDER, err := x509.MarshalPKIXPublicKey(cosignPub)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cosignDER, must(pub.DER())) {
				t.Fatal("cosign loaded a different public key")
			}
			if _, err := cosign.LoadPrivateKey(keyPEM, []byte("wrong"), nil); err == nil {
				t.Fatal("cosign opened the key with a wrong password")
			}

			// sigstore's verifier for our cosign.pub accepts our signature.
			parsed, err := cryptoutils.UnmarshalPEMToPublicKey(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			verifier, err := signature.LoadVerifier(parsed, cryptoHash(alg.Hash()))
			if err != nil {
				t.Fatal(err)
			}
			sig := must(key.Sign(blob))
			if err := verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(blob)); err != nil {
				t.Fatalf("sigstore rejects our signature: %v", err)
			}
			if err := verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(blob[1:])); err == nil {
				t.Fatal("sigstore accepts our signature over another blob")
			}
			if h := alg.Hash(); h != cosignkeys.HashNone {
				dsig := must(key.SignDigest(must(h.Digest(blob))))
				if err := verifier.VerifySignature(bytes.NewReader(dsig), bytes.NewReader(blob)); err != nil {
					t.Fatalf("sigstore rejects our digest signature: %v", err)
				}
			}

			// And the other way: cosign's signer, our verifier. Cosign signs
			// blobs with pure Ed25519 (no Rekor upload), so load it that way.
			opts := (*[]signature.LoadOption)(nil)
			if alg == cosignkeys.Ed25519 {
				opts = &[]signature.LoadOption{}
			}
			signer, err := cosign.LoadPrivateKey(keyPEM, password, opts)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := signer.SignMessage(bytes.NewReader(blob))
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.Verify(blob, theirs); err != nil {
				t.Fatalf("we reject cosign's signature: %v", err)
			}
		})
	}
}

// A key imported from PKCS#8 and re-sealed by the binding also loads in
// cosign, with the same fingerprint.
func TestCosignLoadsImportedKeys(t *testing.T) {
	key := must(cosignkeys.GenerateKey(cosignkeys.EcdsaP256))
	defer key.Close()
	p8 := must(key.PKCS8PEM())
	defer cosignkeys.Wipe(p8)
	imported := must(cosignkeys.ImportKey(p8, nil))
	defer imported.Close()
	sealed := must(imported.Encrypt([]byte{}))
	sv, err := cosign.LoadPrivateKey(sealed, []byte{}, nil)
	if err != nil {
		t.Fatalf("cosign.LoadPrivateKey: %v", err)
	}
	der, err := x509.MarshalPKIXPublicKey(must(sv.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	pub := must(cosignkeys.PublicKeyFromDER(der))
	defer pub.Close()
	if must(pub.Fingerprint()) != must(key.Fingerprint()) {
		t.Fatal("fingerprint differs after import")
	}
}
