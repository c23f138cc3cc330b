package cosignkeys

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openStore(t *testing.T, uri string) *Store {
	t.Helper()
	s, err := OpenStore(uri)
	if err != nil {
		t.Fatalf("OpenStore(%s): %v", uri, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testPair is a fresh P-256 key, its public key and its Cosign key file.
type testPair struct {
	key    *PrivateKey
	pub    *PublicKey
	sealed *EncryptedKey
	fp     Fingerprint
}

func newTestPair(t *testing.T) testPair {
	t.Helper()
	key := must(GenerateKey(EcdsaP256))
	pub := must(key.PublicKey())
	sealed := must(ParseEncryptedKey(must(key.EncryptWithParams(testPassword, fastParams))))
	t.Cleanup(func() { key.Close(); pub.Close(); sealed.Close() })
	return testPair{key, pub, sealed, must(pub.Fingerprint())}
}

// checkStored follows a stored key through the whole chain: decrypt with
// password, sign, verify with the stored public key; fingerprints equal to
// the original's everywhere.
func checkStored(t *testing.T, where string, got *StoredKey, want testPair, password []byte) {
	t.Helper()
	if !got.PublicKey.Equal(want.pub) {
		t.Errorf("%s: stored public key differs", where)
	}
	if got.Metadata.Fingerprint != want.fp || got.Metadata.Algorithm != EcdsaP256 {
		t.Errorf("%s: metadata %+v, want fingerprint %s", where, got.Metadata, want.fp)
	}
	key, err := got.Key.Decrypt(password)
	if err != nil {
		t.Fatalf("%s: decrypt: %v", where, err)
	}
	defer key.Close()
	if must(key.Fingerprint()) != want.fp {
		t.Errorf("%s: decrypted key has another fingerprint", where)
	}
	sig := must(key.Sign(testMessage))
	if err := got.PublicKey.Verify(testMessage, sig); err != nil {
		t.Errorf("%s: signature: %v", where, err)
	}
	if err := want.pub.Verify(testMessage, sig); err != nil {
		t.Errorf("%s: signature with the original key: %v", where, err)
	}
}

func TestStoreAndKMSURIChecks(t *testing.T) {
	for uri, want := range map[string]string{
		"keys/prod":                         "keys/prod",
		"file://localhost/etc/cosign/":      "file:///etc/cosign",
		"file:///etc/cosign?prefix=release": "file:///etc/cosign?prefix=release",
		"vault-kv://secret/team/cosign/":    "vault-kv://secret/team/cosign",
		"env://COSIGN_KEY":                  "env://COSIGN_KEY",
		"azure-secret://myvault/cosign-key": "azure-secret://myvault/cosign-key",
	} {
		if got, err := CheckStoreURI(uri); err != nil || got != want {
			t.Errorf("CheckStoreURI(%q) = %q, %v; want %q", uri, got, err, want)
		}
	}
	for uri, want := range map[string]string{
		"hashivault://release":                                    "hashivault://release",
		"awskms:///alias/release":                                 "awskms:///alias/release",
		"awskms://127.0.0.1:4566/alias/release":                   "awskms://127.0.0.1:4566/alias/release",
		"gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k": "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
	} {
		if got, err := CheckKMSURI(uri); err != nil || got != want {
			t.Errorf("CheckKMSURI(%q) = %q, %v; want %q", uri, got, err, want)
		}
	}
	for _, uri := range []string{"", "s3://bucket/key", "vault-kv://secret", "env://1X", "awskms:///alias/x", "file://evil.example/tmp/x"} {
		_, err := CheckStoreURI(uri)
		expectCode(t, err, ErrInvalidUri, "CheckStoreURI "+uri)
		_, err = OpenStore(uri)
		expectCode(t, err, ErrInvalidUri, "OpenStore "+uri)
	}
	for _, uri := range []string{"hashivault://bad key", "vault-kv://secret/x", "awskms://", "gcpkms://projects/p"} {
		_, err := CheckKMSURI(uri)
		expectCode(t, err, ErrInvalidUri, "CheckKMSURI "+uri)
		_, err = OpenKMS(uri)
		expectCode(t, err, ErrInvalidUri, "OpenKMS "+uri)
	}
	_, err := OpenStore("azure-secret://ab/cosign-key")
	expectCode(t, err, ErrInvalidUri, "azure-secret:// with a bad vault")
	if got := must(CheckKMSURI("azurekms://localhost:8443/release")); got != "azurekms://localhost:8443/release" {
		t.Errorf("CheckKMSURI(azurekms) = %q", got)
	}
	_, err = OpenKMS("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k")
	expectCode(t, err, ErrNotSupported, "gcpkms://")
	all := FeatureFileStore | FeatureVault | FeatureAWSKMS | FeatureAzure
	if f := Features(); f&all != all {
		t.Errorf("Features() = %b lacks the store and KMS backends", f)
	}
}

// Directory store: generate -> put -> get -> decrypt -> sign -> verify, with
// every error a caller can act on.
func TestFileStoreRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	uri := "file://" + dir
	s := openStore(t, uri)
	if got := must(s.URI()); got != uri {
		t.Errorf("URI() = %q", got)
	}
	if v := must(s.Versions()); len(v) != 0 {
		t.Errorf("empty store lists %+v", v)
	}
	_, err := s.Get(0)
	expectCode(t, err, ErrNotFound, "Get on an empty store")
	_, err = s.GetPublic(0)
	expectCode(t, err, ErrNotFound, "GetPublic on an empty store")

	one, two := newTestPair(t), newTestPair(t)
	_, err = s.Put(one.sealed, one.pub, PutOptions{Password: testPassword, CreatedBy: "go-test"})
	expectCode(t, err, ErrInvalidArgument, "a password in a file store")
	before := time.Now().Add(-time.Second)
	v1, err := s.Put(one.sealed, one.pub, PutOptions{CreatedBy: "go-test", Labels: map[string]string{"team": "go"}, CheckVersion: true})
	if err != nil || v1 != 1 {
		t.Fatalf("Put = %d, %v", v1, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "cosign.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cosign.key: %v %v", st, err)
	}
	_, err = s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-test"})
	expectCode(t, err, ErrAlreadyExists, "Put without Overwrite")
	_, err = s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-test", Overwrite: true, CheckVersion: true, ExpectedVersion: 0})
	expectCode(t, err, ErrConflict, "Put with a stale version")

	got := must(s.Get(0))
	defer got.Close()
	if got.Version != 1 || got.Password != nil {
		t.Errorf("Get: version %d, password kept: %v", got.Version, got.Password != nil)
	}
	checkStored(t, "file v1", got, one, testPassword)
	m := got.Metadata
	if m.CreatedBy != "go-test" || m.Labels["team"] != "go" || m.CreatedAt.Before(before) || m.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("metadata %+v", m)
	}
	pub := must(s.GetPublic(1))
	if pub.Version != 1 || !pub.PublicKey.Equal(one.pub) || pub.Metadata.Fingerprint != one.fp {
		t.Errorf("GetPublic: %+v", pub)
	}
	pub.Close()

	v2, err := s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-test", Overwrite: true, CheckVersion: true, ExpectedVersion: 1})
	if err != nil || v2 != 2 {
		t.Fatalf("second Put = %d, %v", v2, err)
	}
	versions := must(s.Versions())
	if len(versions) != 2 || versions[0].Version != 1 || versions[1].Version != 2 {
		t.Fatalf("versions %+v", versions)
	}
	for i, want := range []Fingerprint{one.fp, two.fp} {
		if versions[i].State != VersionLive || (versions[i].Fingerprint != nil && *versions[i].Fingerprint != want) {
			t.Errorf("version %d: %+v", i+1, versions[i])
		}
	}
	latest := must(s.Get(0))
	checkStored(t, "file latest", latest, two, testPassword)
	latest.Close()
	old := must(s.Get(1))
	checkStored(t, "file v1 after v2", old, one, testPassword)
	old.Close()
	_, err = s.Get(3)
	expectCode(t, err, ErrNotFound, "Get of a missing version")

	expectCode(t, s.Delete(0, DeleteSoft), ErrInvalidArgument, "Delete(0)")
	expectCode(t, s.Delete(1, DeleteMode(9)), ErrInvalidArgument, "unknown DeleteMode")
	if err := s.Delete(1, DeleteDestroy); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(1)
	expectCode(t, err, ErrNotFound, "Get of a deleted version")
	if err := s.DeleteAll(DeleteDestroy); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(0)
	expectCode(t, err, ErrNotFound, "Get after DeleteAll")
}

func TestEnvStoreIsReadOnly(t *testing.T) {
	pair := newTestPair(t)
	pem := must(pair.sealed.PEM())
	t.Setenv("CK_GO_TEST_ENV_KEY", string(pem))
	// The public key from VAR_PUB (the core's env:// convention).
	t.Setenv("CK_GO_TEST_ENV_KEY_PUB", string(must(pair.pub.PEM())))
	s := openStore(t, "env://CK_GO_TEST_ENV_KEY")
	got := must(s.Get(0))
	defer got.Close()
	if back := must(got.Key.PEM()); string(back) != string(pem) {
		t.Error("env:// gives back another key")
	}
	checkStored(t, "env://", got, pair, testPassword)
	// The process cannot change its parent's environment: writes are refused.
	_, err := s.Put(pair.sealed, pair.pub, PutOptions{CreatedBy: "go", Overwrite: true})
	if !errors.Is(err, ErrNotSupported) {
		expectCode(t, err, ErrInvalidArgument, "Put to env://")
	}
	missing := openStore(t, "env://CK_GO_TEST_UNSET_VARIABLE")
	_, err = missing.Get(0)
	expectCode(t, err, ErrNotFound, "Get from an unset variable")
}

// Two writers with check-and-set on the same version: exactly one wins, the
// other gets ErrConflict, and no version is lost (run with -race).
func TestStoreConcurrentWritersOneWins(t *testing.T) {
	s := openStore(t, "file://"+filepath.Join(t.TempDir(), "keys"))
	first := newTestPair(t)
	must(s.Put(first.sealed, first.pub, PutOptions{CreatedBy: "go"}))
	pairs := []testPair{newTestPair(t), newTestPair(t)}
	errs := make([]error, len(pairs))
	var wg sync.WaitGroup
	for i := range pairs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = s.Put(pairs[i].sealed, pairs[i].pub, PutOptions{CreatedBy: fmt.Sprint("writer ", i), Overwrite: true, CheckVersion: true, ExpectedVersion: 1})
		}(i)
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			expectCode(t, err, ErrConflict, "losing writer")
		}
	}
	if wins != 1 || len(must(s.Versions())) != 2 {
		t.Errorf("%d writers won; versions %+v", wins, must(s.Versions()))
	}
}

func TestStoreClosedAndArguments(t *testing.T) {
	s := openStore(t, "file://"+filepath.Join(t.TempDir(), "keys"))
	pair := newTestPair(t)
	_, err := s.Put(pair.sealed, pair.pub, PutOptions{CreatedBy: "go", Labels: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if s.Close() != nil {
			t.Fatal("Close returned an error")
		}
	}
	_, err = s.Get(0)
	expectCode(t, err, ErrHandleClosed, "Get after Close")
	_, err = s.Versions()
	expectCode(t, err, ErrHandleClosed, "Versions after Close")
	expectCode(t, s.Delete(1, DeleteSoft), ErrHandleClosed, "Delete after Close")
}

// Vault KV v2 (OpenBao): the password kept beside the key, check-and-set,
// versions with their fingerprints, soft delete and destroy, and a
// read-only token refused.
func TestVaultKVStore(t *testing.T) {
	if os.Getenv("VAULT_ADDR") == "" {
		skipUnlessRequired(t, "COSIGN_KEYS_REQUIRE_VAULT", "VAULT_ADDR is not set (eval \"$(scripts/servers/openbao.sh env)\")")
	}
	uri := fmt.Sprintf("vault-kv://secret/cosign-keys-go-test/%d-%d", os.Getpid(), time.Now().UnixNano())
	s := openStore(t, uri)
	_, err := s.Get(0)
	expectCode(t, err, ErrNotFound, "Get before Put")
	one, two := newTestPair(t), newTestPair(t)
	v1, err := s.Put(one.sealed, one.pub, PutOptions{Password: testPassword, CreatedBy: "go-vault", CheckVersion: true})
	if err != nil || v1 != 1 {
		t.Fatalf("Put = %d, %v", v1, err)
	}
	_, err = s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-vault"})
	expectCode(t, err, ErrAlreadyExists, "Put without Overwrite")
	_, err = s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-vault", Overwrite: true, CheckVersion: true})
	expectCode(t, err, ErrConflict, "Put with a stale version")

	got := must(s.Get(0))
	if string(got.Password) != string(testPassword) {
		t.Error("the stored password differs")
	}
	checkStored(t, "vault v1", got, one, got.Password)
	password := got.Password
	got.Close()
	for _, b := range password {
		if b != 0 {
			t.Fatal("Close did not wipe the password")
		}
	}

	v2 := must(s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-vault", Overwrite: true, CheckVersion: true, ExpectedVersion: 1}))
	if v2 != 2 {
		t.Fatalf("second version %d", v2)
	}
	second := must(s.Get(2))
	if second.Password != nil {
		t.Error("a password nobody gave")
	}
	checkStored(t, "vault v2", second, two, testPassword)
	second.Close()

	if err := s.Delete(1, DeleteSoft); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(1)
	expectCode(t, err, ErrNotFound, "Get of a soft-deleted version")
	if err := s.Delete(2, DeleteDestroy); err != nil {
		t.Fatal(err)
	}
	versions := must(s.Versions())
	if len(versions) != 2 || versions[0].State != VersionDeleted || versions[1].State != VersionDestroyed {
		t.Errorf("versions %+v", versions)
	}
	if versions[0].Fingerprint == nil || *versions[0].Fingerprint != one.fp {
		t.Errorf("version 1 fingerprint %v, want %s", versions[0].Fingerprint, one.fp)
	}
	if err := s.DeleteAll(DeleteDestroy); err != nil {
		t.Fatal(err)
	}

	if ro := os.Getenv("COSIGN_KEYS_TEST_READONLY_TOKEN"); ro != "" {
		t.Setenv("VAULT_TOKEN", ro)
		rs, err := OpenStore(uri)
		if err == nil {
			defer rs.Close()
			_, err = rs.Put(one.sealed, one.pub, PutOptions{CreatedBy: "go"})
		}
		expectCode(t, err, ErrPermissionDenied, "writing with a read-only token")
	}
}
