// Package interop holds tests only: keys and signatures made by the Go
// binding (github.com/cosign-keys/cosign-keys/bindings/go) checked with
// cosign's own code (pkg/cosign.LoadPrivateKey) and with
// github.com/sigstore/sigstore/pkg/signature.
package interop
