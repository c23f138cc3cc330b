package cosignkeys

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// Azure Key Vault on the Lowkey Vault emulator (scripts/servers/azure-kv.sh):
// the tests read COSIGN_KEYS_TEST_AZURE_VAULT (localhost:PORT), and the
// library reads COSIGN_KEYS_AZURE_TOKEN and COSIGN_KEYS_AZURE_CA_BUNDLE.

func azureVault(t *testing.T) string {
	t.Helper()
	v := os.Getenv("COSIGN_KEYS_TEST_AZURE_VAULT")
	if v == "" {
		skipUnlessRequired(t, "COSIGN_KEYS_REQUIRE_AZURE", "COSIGN_KEYS_TEST_AZURE_VAULT is not set (eval \"$(scripts/servers/azure-kv.sh env)\")")
	}
	return v
}

func azureName(what string) string {
	return fmt.Sprintf("ck-go-%s-%d-%d", what, os.Getpid(), time.Now().UnixNano()%1_000_000_000_000)
}

// expectClean checks the code and that the message names needle and never
// carries the bearer token.
func expectClean(t *testing.T, err error, want *Error, what, needle string) {
	t.Helper()
	expectCode(t, err, want, what)
	if err == nil {
		return
	}
	if tok := os.Getenv("COSIGN_KEYS_AZURE_TOKEN"); tok != "" && strings.Contains(err.Error(), tok) {
		t.Errorf("%s: the message carries the token", what)
	}
	if needle != "" && !strings.Contains(err.Error(), needle) {
		t.Errorf("%s: %q lacks %q", what, err.Error(), needle)
	}
}

func isCode(err error, want *Error) bool { return errors.Is(err, want) }

func TestAzureKMS(t *testing.T) {
	vault := azureVault(t)
	uri := fmt.Sprintf("azurekms://%s/%s", vault, azureName("kms"))
	kmsRoundTrip(t, uri, true, false)

	// Both versions are listed; a handle pinned to each signs with it and
	// cannot rotate.
	k := openKMS(t, uri)
	versions := must(k.Versions())
	if len(versions) != 2 || versions[0].Fingerprint == versions[1].Fingerprint {
		t.Fatalf("versions after one rotation: %+v", versions)
	}
	for _, v := range versions {
		pinned := openKMS(t, uri+"/"+v.Version)
		pub := must(pinned.PublicKey())
		if must(pub.Fingerprint()) != v.Fingerprint {
			t.Errorf("pinned %s: fingerprint differs from the listed one", v.Version)
		}
		if err := pub.Verify(testMessage, must(pinned.SignBlob(testMessage))); err != nil {
			t.Errorf("pinned %s: %v", v.Version, err)
		}
		_, err := pinned.Rotate()
		expectCode(t, err, ErrInvalidArgument, "Rotate of a pinned version")
		pub.Close()
	}

	// Every algorithm cosign uses with Key Vault.
	for _, alg := range []Algorithm{EcdsaP384, EcdsaP521, Rsa2048} {
		k := openKMS(t, fmt.Sprintf("azurekms://%s/%s", vault, azureName("alg")))
		pub := must(k.Create(alg))
		if err := pub.Verify(testMessage, must(k.SignBlob(testMessage))); err != nil {
			t.Errorf("%v: %v", alg, err)
		}
		pub.Close()
	}
	_, err := openKMS(t, fmt.Sprintf("azurekms://%s/%s", vault, azureName("ed"))).Create(Ed25519)
	expectCode(t, err, ErrUnsupportedAlgorithm, "Ed25519 in Key Vault")
}

func TestAzureKMSErrors(t *testing.T) {
	vault := azureVault(t)
	missing := openKMS(t, fmt.Sprintf("azurekms://%s/%s", vault, azureName("missing")))
	_, err := missing.PublicKey()
	expectClean(t, err, ErrNotFound, "missing key", "ck-go-missing-")
	_, err = missing.SignBlob(testMessage)
	expectClean(t, err, ErrNotFound, "signing with a missing key", "ck-go-missing-")

	// 127.0.0.1:PORT is not a vault the emulator serves (it routes by Host).
	port := vault[strings.LastIndex(vault, ":"):]
	foreign := openKMS(t, fmt.Sprintf("azurekms://127.0.0.1%s/%s", port, azureName("nv")))
	_, err = foreign.PublicKey()
	if !(isCode(err, ErrNotFound) || isCode(err, ErrPermissionDenied) || isCode(err, ErrBackend)) ||
		!strings.Contains(fmt.Sprint(err), "127.0.0.1") {
		t.Errorf("a vault the server does not serve: %v", err)
	}

	// Nothing listens: UNAVAILABLE within seconds.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().(*net.TCPAddr).Port
	l.Close()
	start := time.Now()
	_, err = openKMS(t, fmt.Sprintf("azurekms://localhost:%d/k", down)).PublicKey()
	expectClean(t, err, ErrUnavailable, "stopped server", fmt.Sprint(down))
	if time.Since(start) > 15*time.Second {
		t.Errorf("stopped server took %v", time.Since(start))
	}
}

func TestAzureSecretStore(t *testing.T) {
	vault := azureVault(t)
	uri := fmt.Sprintf("azure-secret://%s/%s", vault, azureName("sec"))
	s := openStore(t, uri)
	_, err := s.Get(0)
	expectClean(t, err, ErrNotFound, "Get before Put", "ck-go-sec-")
	if v := must(s.Versions()); len(v) != 0 {
		t.Errorf("versions of a missing secret: %+v", v)
	}
	one, two := newTestPair(t), newTestPair(t)
	v1, err := s.Put(one.sealed, one.pub, PutOptions{Password: testPassword, CreatedBy: "go-azure", Labels: map[string]string{"team": "go"}, CheckVersion: true})
	if err != nil || v1 != 1 {
		t.Fatalf("Put = %d, %v", v1, err)
	}
	_, err = s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-azure"})
	expectCode(t, err, ErrAlreadyExists, "Put without Overwrite")
	_, err = s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-azure", Overwrite: true, CheckVersion: true, ExpectedVersion: 7})
	expectClean(t, err, ErrConflict, "Put with a stale version", "check-and-set")

	got := must(s.Get(0))
	if string(got.Password) != string(testPassword) || got.Metadata.CreatedBy != "go-azure" || got.Metadata.Labels["team"] != "go" {
		t.Errorf("stored v1: password kept %v, metadata %+v", got.Password != nil, got.Metadata)
	}
	checkStored(t, "azure v1", got, one, got.Password)
	got.Close()

	if v2 := must(s.Put(two.sealed, two.pub, PutOptions{CreatedBy: "go-azure", Overwrite: true, CheckVersion: true, ExpectedVersion: 1})); v2 != 2 {
		t.Fatalf("second version %d", v2)
	}
	pub := must(s.GetPublic(0))
	if pub.Version != 2 || !pub.PublicKey.Equal(two.pub) {
		t.Errorf("latest public key: version %d", pub.Version)
	}
	pub.Close()
	second := must(s.Get(2))
	if second.Password != nil {
		t.Error("a password nobody gave")
	}
	checkStored(t, "azure v2", second, two, testPassword)
	second.Close()
	// The first version stays readable by number.
	first := must(s.Get(1))
	checkStored(t, "azure pinned v1", first, one, testPassword)
	first.Close()
	versions := must(s.Versions())
	if len(versions) != 2 || versions[0].Fingerprint == nil || *versions[0].Fingerprint != one.fp ||
		versions[1].Fingerprint == nil || *versions[1].Fingerprint != two.fp {
		t.Errorf("versions %+v", versions)
	}

	// Deleting the secret is Azure's soft delete: gone for readers, the name stays taken.
	if err := s.DeleteAll(DeleteSoft); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(0)
	expectClean(t, err, ErrNotFound, "Get after delete", "")
	_, err = s.Put(one.sealed, one.pub, PutOptions{CreatedBy: "go-azure"})
	expectClean(t, err, ErrConflict, "Put over a soft-deleted secret", "soft-deleted")

	// Nothing listens: UNAVAILABLE.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = openStore(t, fmt.Sprintf("azure-secret://localhost:%d/k", down)).Get(0)
	expectClean(t, err, ErrUnavailable, "stopped server", "")
}
