package cosignkeys

import "testing"

// Per-call cost through Go (cgo) of a cheap call (fingerprint) and of ECDSA
// P-256 signing. bindings/bench.sh runs these next to the same loops in C
// (bindings/c/bench) and native Rust (cosign-keys-ffi/examples/native_bench.rs)
// and prints the ratios.

func BenchmarkFingerprint(b *testing.B) {
	key, err := GenerateKey(EcdsaP256)
	if err != nil {
		b.Fatal(err)
	}
	defer key.Close()
	pub, err := key.PublicKey()
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := pub.Fingerprint(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignP256(b *testing.B) {
	key, err := GenerateKey(EcdsaP256)
	if err != nil {
		b.Fatal(err)
	}
	defer key.Close()
	msg := []byte("an artifact to sign")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := key.Sign(msg); err != nil {
			b.Fatal(err)
		}
	}
}
