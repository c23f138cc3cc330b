// go-unlock times cosign's key unlock path in-process: pem.Decode,
// go-securesystemslib encrypted.Decrypt (scrypt + nacl/secretbox) and
// x509.ParsePKCS8PrivateKey, exactly the steps of cosign's LoadPrivateKey
// (pkg/cosign/keys.go) before it wraps the key in a signer.
//
// Usage: go-unlock KEYFILE PASSWORD ITERS
// Prints one JSON object per iteration: {"op":"unlock","us":<microseconds>}.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

func unlock(keyPEM, pass []byte) error {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return fmt.Errorf("invalid pem block")
	}
	if block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" && block.Type != "ENCRYPTED COSIGN PRIVATE KEY" {
		return fmt.Errorf("unsupported pem type: %s", block.Type)
	}
	der, err := encrypted.Decrypt(block.Bytes, pass)
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	if _, err := x509.ParsePKCS8PrivateKey(der); err != nil {
		return fmt.Errorf("parsing private key: %w", err)
	}
	return nil
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go-unlock KEYFILE PASSWORD ITERS")
		os.Exit(2)
	}
	keyPEM, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pass := []byte(os.Args[2])
	iters, err := strconv.Atoi(os.Args[3])
	if err != nil || iters < 1 {
		fmt.Fprintln(os.Stderr, "ITERS must be a positive integer")
		os.Exit(2)
	}
	for i := 0; i < iters; i++ {
		start := time.Now()
		if err := unlock(keyPEM, pass); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("{\"op\":\"unlock\",\"us\":%.3f}\n", float64(time.Since(start).Nanoseconds())/1000.0)
	}
}
