module cosign-keys/benches/go-unlock

go 1.25.0

// Pinned to the versions cosign v2.6.5 requires (its go.mod).
require (
	github.com/secure-systems-lab/go-securesystemslib v0.9.1
	golang.org/x/crypto v0.46.0 // indirect
)

require golang.org/x/sys v0.39.0 // indirect
