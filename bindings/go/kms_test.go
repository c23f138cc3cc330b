package cosignkeys

import (
	"crypto/sha256"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

func openKMS(t *testing.T, uri string) *KMSKey {
	t.Helper()
	k, err := OpenKMS(uri)
	if err != nil {
		t.Fatalf("OpenKMS(%s): %v", uri, err)
	}
	t.Cleanup(func() { k.Close() })
	return k
}

// kmsRoundTrip creates a key, signs blobs and digests one by one, in bulk
// and from several goroutines, checks every signature with the KMS's public
// key, then rotates the key. digestsVerify is false for moto, which signs
// DIGEST requests over the hash of the digest (tests/servers/NOTES.md).
// transit: versions are "1", "2", ... and all listed (AWS rotates an alias
// to a new key and lists the current key alone).
func kmsRoundTrip(t *testing.T, uri string, digestsVerify, transit bool) {
	k := openKMS(t, uri)
	if got := must(k.URI()); got != uri {
		t.Errorf("URI() = %q", got)
	}
	_, err := k.PublicKey()
	expectCode(t, err, ErrNotFound, "PublicKey before Create")
	_, err = k.Create(Algorithm(99))
	expectCode(t, err, ErrInvalidArgument, "Create with an unknown algorithm")
	pub, err := k.Create(EcdsaP256)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	defer pub.Close()
	_, err = k.Create(EcdsaP256)
	expectCode(t, err, ErrAlreadyExists, "second Create")
	fetched := must(k.PublicKey())
	if !fetched.Equal(pub) || fetched.Algorithm() != EcdsaP256 {
		t.Error("PublicKey differs from Create's")
	}
	fetched.Close()

	sig := must(k.SignBlob(testMessage))
	if err := pub.Verify(testMessage, sig); err != nil {
		t.Errorf("SignBlob: %v", err)
	}
	digest := sha256.Sum256(testMessage)
	dsig := must(k.SignDigest(digest[:]))
	if digestsVerify {
		if err := pub.VerifyDigest(digest[:], dsig); err != nil {
			t.Errorf("SignDigest: %v", err)
		}
	}
	_, err = k.SignDigest(digest[:31])
	expectCode(t, err, ErrInvalidArgument, "SignDigest of 31 bytes")

	// Bulk: in input order, one bad item does not lose the others.
	digests := make([][]byte, 8)
	for i := range digests {
		d := sha256.Sum256([]byte(fmt.Sprint("digest ", i)))
		digests[i] = d[:]
	}
	digests[5] = digests[5][:20]
	results, err := k.SignDigests(digests)
	if err != nil || len(results) != len(digests) {
		t.Fatalf("SignDigests: %d results, %v", len(results), err)
	}
	for i, r := range results {
		if i == 5 {
			expectCode(t, r.Err, ErrInvalidArgument, "bad item")
			continue
		}
		if r.Err != nil {
			t.Errorf("item %d: %v", i, r.Err)
			continue
		}
		if digestsVerify {
			if err := pub.VerifyDigest(digests[i], r.Sig); err != nil {
				t.Errorf("item %d: %v", i, err)
			}
			other := (i + 1) % len(digests)
			if other == 5 {
				other++
			}
			expectCode(t, pub.VerifyDigest(digests[other], r.Sig), ErrSignatureInvalid, "item out of order")
		}
	}
	if empty, err := k.SignDigests(nil); err != nil || len(empty) != 0 {
		t.Errorf("SignDigests(nil) = %v, %v", empty, err)
	}

	// Many goroutines on one key (run with -race).
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				s, err := k.SignBlob(testMessage)
				if err == nil {
					err = pub.Verify(testMessage, s)
				}
				if err != nil {
					t.Errorf("concurrent SignBlob: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()

	versions := must(k.Versions())
	if len(versions) < 1 || versions[0].Algorithm != EcdsaP256 || versions[0].Fingerprint != must(pub.Fingerprint()) {
		t.Fatalf("versions %+v", versions)
	}
	fromPEM := must(PublicKeyFromPEM(versions[0].PublicKeyPEM))
	if !fromPEM.Equal(pub) {
		t.Error("version 1's PEM differs")
	}
	fromPEM.Close()
	v := must(k.Rotate())
	if v == "" || v == versions[len(versions)-1].Version || (transit && v != "2") {
		t.Errorf("Rotate() = %q after %+v", v, versions)
	}
	after := must(k.Versions())
	listed := false
	for _, a := range after {
		listed = listed || a.Version == v
	}
	// Transit lists versions in order; Key Vault's order within one second of creation is
	// not defined, so only membership is checked there.
	if !listed || (transit && (len(after) != 2 || after[1].Version != v)) {
		t.Fatalf("versions after Rotate %+v", after)
	}
	current := must(k.PublicKey())
	defer current.Close()
	if current.Equal(pub) {
		t.Error("rotation kept the public key")
	}
	if err := current.Verify(testMessage, must(k.SignBlob(testMessage))); err != nil {
		t.Errorf("signature after Rotate: %v", err)
	}
	// Signatures made before the rotation still verify with their version.
	if err := pub.Verify(testMessage, sig); err != nil {
		t.Errorf("old signature: %v", err)
	}
}

func TestHashiVaultKMS(t *testing.T) {
	if os.Getenv("VAULT_ADDR") == "" {
		skipUnlessRequired(t, "COSIGN_KEYS_REQUIRE_VAULT", "VAULT_ADDR is not set (eval \"$(scripts/servers/openbao.sh env)\")")
	}
	kmsRoundTrip(t, fmt.Sprintf("hashivault://cosign-keys-go-test-%d-%d", os.Getpid(), time.Now().UnixNano()), true, true)
}

func TestAWSKMS(t *testing.T) {
	endpoint := os.Getenv("COSIGN_KEYS_TEST_AWSKMS_ENDPOINT")
	if endpoint == "" {
		skipUnlessRequired(t, "COSIGN_KEYS_REQUIRE_AWSKMS", "COSIGN_KEYS_TEST_AWSKMS_ENDPOINT is not set (eval \"$(scripts/servers/moto.sh env)\")")
	}
	uri := fmt.Sprintf("awskms://%s/alias/cosign-keys-go-test-%d-%d", endpoint, os.Getpid(), time.Now().UnixNano())
	kmsRoundTrip(t, uri, false, false)
	// A key named by its id cannot rotate (only an alias can move).
	k := openKMS(t, uri)
	versions := must(k.Versions())
	byID := openKMS(t, fmt.Sprintf("awskms://%s/%s", endpoint, versions[0].Version))
	if !must(byID.PublicKey()).Equal(must(k.PublicKey())) {
		t.Error("the key by id differs from the key by alias")
	}
	_, err := byID.Rotate()
	expectCode(t, err, ErrNotSupported, "Rotate of a key id")
}

func TestKMSClosed(t *testing.T) {
	if os.Getenv("VAULT_ADDR") == "" {
		skipUnlessRequired(t, "COSIGN_KEYS_REQUIRE_VAULT", "VAULT_ADDR is not set (eval \"$(scripts/servers/openbao.sh env)\")")
	}
	k := openKMS(t, "hashivault://cosign-keys-go-closed")
	for i := 0; i < 2; i++ {
		if k.Close() != nil {
			t.Fatal("Close returned an error")
		}
	}
	_, err := k.SignBlob(testMessage)
	expectCode(t, err, ErrHandleClosed, "SignBlob after Close")
	_, err = k.SignDigests([][]byte{make([]byte, 32)})
	expectCode(t, err, ErrHandleClosed, "SignDigests after Close")
}
