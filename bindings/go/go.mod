module github.com/cosign-keys/cosign-keys/bindings/go

go 1.22
