package interop

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// A key pair put into a directory store through the binding is a cosign.key
// and cosign.pub that cosign's own loader opens.
func TestCosignLoadsAKeyPutIntoADirectoryStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	store, err := cosignkeys.OpenStore("file://" + dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key := must(cosignkeys.GenerateKey(cosignkeys.EcdsaP256))
	defer key.Close()
	pub := must(key.PublicKey())
	defer pub.Close()
	sealed := must(cosignkeys.ParseEncryptedKey(must(key.Encrypt(password))))
	defer sealed.Close()
	if _, err := store.Put(sealed, pub, cosignkeys.PutOptions{CreatedBy: "interop"}); err != nil {
		t.Fatal(err)
	}
	sv, err := cosign.LoadPrivateKey(must(os.ReadFile(filepath.Join(dir, "cosign.key"))), password, nil)
	if err != nil {
		t.Fatalf("cosign.LoadPrivateKey(cosign.key of the store): %v", err)
	}
	der := must(x509.MarshalPKIXPublicKey(must(sv.PublicKey())))
	if !bytes.Equal(der, must(pub.DER())) {
		t.Fatal("cosign loaded another key from the store")
	}
	if !bytes.Equal(must(os.ReadFile(filepath.Join(dir, "cosign.pub"))), must(pub.PEM())) {
		t.Fatal("the store's cosign.pub is not the key's PEM")
	}
}

// Signatures made in a KMS through the binding verify with sigstore's
// verifier for the KMS's public key PEM, as `cosign verify-blob --key` does.
func TestSigstoreVerifiesKMSSignatures(t *testing.T) {
	uris := map[string]string{}
	if os.Getenv("VAULT_ADDR") != "" {
		uris["hashivault"] = fmt.Sprintf("hashivault://cosign-keys-interop-%d-%d", os.Getpid(), time.Now().UnixNano())
	} else {
		t.Log("VAULT_ADDR is not set: hashivault:// skipped")
	}
	if ep := os.Getenv("COSIGN_KEYS_TEST_AWSKMS_ENDPOINT"); ep != "" {
		uris["awskms"] = fmt.Sprintf("awskms://%s/alias/cosign-keys-interop-%d-%d", ep, os.Getpid(), time.Now().UnixNano())
	} else {
		t.Log("COSIGN_KEYS_TEST_AWSKMS_ENDPOINT is not set: awskms:// skipped")
	}
	if len(uris) == 0 {
		t.Skip("no KMS server configured (scripts/servers/openbao.sh env, moto.sh env)")
	}
	for name, uri := range uris {
		t.Run(name, func(t *testing.T) {
			k, err := cosignkeys.OpenKMS(uri)
			if err != nil {
				t.Fatal(err)
			}
			defer k.Close()
			pub, err := k.Create(cosignkeys.EcdsaP256)
			if err != nil {
				t.Fatal(err)
			}
			defer pub.Close()
			parsed, err := cryptoutils.UnmarshalPEMToPublicKey(must(pub.PEM()))
			if err != nil {
				t.Fatal(err)
			}
			verifier, err := signature.LoadVerifier(parsed, crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			sig := must(k.SignBlob(blob))
			if err := verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(blob)); err != nil {
				t.Fatalf("sigstore rejects the KMS signature: %v", err)
			}
			if err := verifier.VerifySignature(bytes.NewReader(sig), bytes.NewReader(blob[1:])); err == nil {
				t.Fatal("sigstore accepts the KMS signature over another blob")
			}
		})
	}
}
