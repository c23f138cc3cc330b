package cosignkeys

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	testPassword = []byte("correct horse battery")
	testMessage  = []byte("an artifact to sign")
	// A cheap scrypt cost for round trips (cosign itself uses N = 65536).
	fastParams = ScryptParams{N: 1024, R: 8, P: 1}
)

// expectCode fails unless err is an *Error with the code of want, matched
// through errors.Is.
func expectCode(t *testing.T, err error, want *Error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %s", what, err, want.Code)
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Msg == "" {
		t.Errorf("%s: %v has no message", what, err)
	}
}

// must unwraps a result in tests; an error panics, which fails the test
// with its stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestVersionFeaturesAndCodes(t *testing.T) {
	if Version() != "0.1.0" {
		t.Errorf("Version() = %q", Version())
	}
	all := FeatureECDSA | FeatureEd25519 | FeatureRSA | FeatureCosignKeyFile | FeatureImport | FeatureAtomicWrite
	if Features()&all != all {
		t.Errorf("Features() = %b", Features())
	}
	// The generated codes are exactly the ones the library names.
	known := map[ErrorCode]bool{}
	for _, c := range allCodes {
		known[c] = true
	}
	for n := 0; n < 1000; n++ {
		c := ErrorCode(n)
		named := !strings.HasPrefix(c.String(), "ErrorCode(")
		if named != known[c] {
			t.Errorf("code %d: named by the library %v, generated %v", n, named, known[c])
		}
	}
	if CodeDecryptionFailed.String() != "DECRYPTION_FAILED" || CodeOK != 0 || CodeIO != 402 {
		t.Errorf("codes: %s %d %d", CodeDecryptionFailed, CodeOK, CodeIO)
	}
	if ErrorCode(999).String() != "ErrorCode(999)" {
		t.Error("unknown code name")
	}
}

func TestErrorsIsMatchesCodesOnly(t *testing.T) {
	err := error(&Error{Code: CodeDecryptionFailed, Msg: "wrong password"})
	wrapped := fmt.Errorf("loading: %w", err)
	if !errors.Is(wrapped, ErrDecryptionFailed) || errors.Is(wrapped, ErrSignatureInvalid) {
		t.Error("errors.Is does not compare codes")
	}
	if !strings.Contains(err.Error(), "wrong password") || !strings.Contains(err.Error(), "DECRYPTION_FAILED") {
		t.Errorf("Error() = %q", err.Error())
	}
	if ErrIO.Error() != "cosignkeys: IO" {
		t.Errorf("sentinel Error() = %q", ErrIO.Error())
	}
}

func TestAlgorithmsAndHashes(t *testing.T) {
	names := []string{"ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519", "rsa-2048", "rsa-3072", "rsa-4096"}
	hashes := []HashAlg{HashSHA256, HashSHA384, HashSHA512, HashNone, HashSHA256, HashSHA256, HashSHA256}
	for i, alg := range Algorithms() {
		if alg.String() != names[i] {
			t.Errorf("%d: %s", i, alg)
		}
		if parsed := must(ParseAlgorithm(names[i])); parsed != alg {
			t.Errorf("ParseAlgorithm(%s) = %v", names[i], parsed)
		}
		if alg.Hash() != hashes[i] {
			t.Errorf("%s hash %s", alg, alg.Hash())
		}
	}
	_, err := ParseAlgorithm("rsa-1024")
	expectCode(t, err, ErrInvalidArgument, "ParseAlgorithm(rsa-1024)")
	if Algorithm(99).String() != "Algorithm(99)" {
		t.Error("unknown algorithm name")
	}
	d := must(HashSHA256.Digest([]byte("abc")))
	if fmt.Sprintf("%x", d) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("sha256(abc) = %x", d)
	}
	if HashSHA384.Size() != 48 || HashSHA512.String() != "sha512" || HashNone.String() != "none" {
		t.Error("hash metadata")
	}
	_, err = HashNone.Digest(nil)
	expectCode(t, err, ErrInvalidArgument, "HashNone.Digest")
}

func TestFingerprintText(t *testing.T) {
	var fp Fingerprint
	for i := range fp {
		fp[i] = byte(i)
	}
	s, h := fp.String(), fp.Hex()
	if !strings.HasPrefix(s, "SHA256:") || len(s) != 50 || len(h) != 64 {
		t.Fatalf("%s %s", s, h)
	}
	if must(ParseFingerprint(s)) != fp || must(ParseFingerprint(strings.ToUpper(h))) != fp {
		t.Error("fingerprint round trip")
	}
	for _, bad := range []string{"", "SHA256:", "SHA256:!!!", "abc", "sha256:AAAA", strings.Repeat("g", 64)} {
		_, err := ParseFingerprint(bad)
		expectCode(t, err, ErrInvalidFingerprint, "ParseFingerprint("+bad+")")
	}
}

func TestSignatureText(t *testing.T) {
	sig := []byte{0x30, 0x45, 0x02, 0x21}
	if EncodeSignature(sig) != "MEUCIQ==" {
		t.Error(EncodeSignature(sig))
	}
	if !bytes.Equal(must(DecodeSignature("MEUCIQ==\n")), sig) {
		t.Error("decode")
	}
	for _, bad := range []string{"", " \n", "not base64!"} {
		_, err := DecodeSignature(bad)
		expectCode(t, err, ErrMalformedSignature, "DecodeSignature("+bad+")")
	}
}

func TestWipe(t *testing.T) {
	b := []byte("secret")
	Wipe(b)
	if !bytes.Equal(b, make([]byte, 6)) {
		t.Error(b)
	}
	Wipe(nil)
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cosign.key")
	if err := WriteFileAtomic(path, []byte("one"), PrivateFileMode, false); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", st.Mode(), err)
	}
	expectCode(t, WriteFileAtomic(path, []byte("two"), PrivateFileMode, false), ErrAlreadyExists, "no overwrite")
	if err := WriteFileAtomic(path, []byte("three"), PublicFileMode, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "three" {
		t.Errorf("content %q", got)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	expectCode(t, WriteFileAtomic(filepath.Join(dir, "no", "such", "x"), nil, PublicFileMode, false), ErrIO, "missing dir")
	expectCode(t, WriteFileAtomic("", nil, PublicFileMode, false), ErrInvalidArgument, "empty path")
}

func TestCloseIsIdempotentAndGuardsUse(t *testing.T) {
	key := must(GenerateKey(Ed25519))
	pub := must(key.PublicKey())
	sealed := must(key.EncryptWithParams(nil, fastParams))
	ek := must(ParseEncryptedKey(sealed))
	for i := 0; i < 2; i++ {
		if key.Close() != nil || pub.Close() != nil || ek.Close() != nil {
			t.Fatal("Close returned an error")
		}
	}
	_, err := key.Sign(testMessage)
	expectCode(t, err, ErrHandleClosed, "Sign after Close")
	_, err = pub.Fingerprint()
	expectCode(t, err, ErrHandleClosed, "Fingerprint after Close")
	_, err = ek.Decrypt(nil)
	expectCode(t, err, ErrHandleClosed, "Decrypt after Close")
	if key.Algorithm() != 0 || pub.Algorithm() != 0 || ek.ScryptParams() != (ScryptParams{}) || pub.Equal(pub) {
		t.Error("getters after Close")
	}
}

// One key and one public key used from many goroutines at once, while
// another goroutine closes a separate key (run with -race).
func TestConcurrentUse(t *testing.T) {
	key := must(GenerateKey(EcdsaP256))
	defer key.Close()
	pub := must(key.PublicKey())
	defer pub.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				sig, err := key.Sign(testMessage)
				if err == nil {
					err = pub.Verify(testMessage, sig)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	other := must(GenerateKey(Ed25519))
	wg.Add(2)
	go func() { defer wg.Done(); _, _ = other.Sign(testMessage) }()
	go func() { defer wg.Done(); _ = other.Close() }()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
