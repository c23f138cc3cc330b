package cosignkeys

/*
#include <stdlib.h>
#include "cosign_keys.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Algorithm is a key algorithm. The names ("ecdsa-p256", "ed25519",
// "rsa-2048", ...) are the same in every language.
type Algorithm uint32

// Key algorithms (the C ABI's CK_ALGORITHM_* values).
const (
	EcdsaP256 Algorithm = C.CK_ALGORITHM_ECDSA_P256 // cosign's default
	EcdsaP384 Algorithm = C.CK_ALGORITHM_ECDSA_P384
	EcdsaP521 Algorithm = C.CK_ALGORITHM_ECDSA_P521
	Ed25519   Algorithm = C.CK_ALGORITHM_ED25519
	Rsa2048   Algorithm = C.CK_ALGORITHM_RSA_2048
	Rsa3072   Algorithm = C.CK_ALGORITHM_RSA_3072
	Rsa4096   Algorithm = C.CK_ALGORITHM_RSA_4096
)

// Algorithms lists every algorithm, in a stable order.
func Algorithms() []Algorithm {
	return []Algorithm{EcdsaP256, EcdsaP384, EcdsaP521, Ed25519, Rsa2048, Rsa3072, Rsa4096}
}

// String is the algorithm's stable name, e.g. "ecdsa-p256".
func (a Algorithm) String() string {
	if name := C.ck_algorithm_name(C.ck_algorithm(a)); name != nil {
		return C.GoString(name)
	}
	return fmt.Sprintf("Algorithm(%d)", uint32(a))
}

// ParseAlgorithm parses a name as [Algorithm.String] spells it; other names
// fail with ErrInvalidArgument.
func ParseAlgorithm(name string) (Algorithm, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var alg C.ck_algorithm
	var cerr *C.ck_error
	if err := statusError(C.ck_algorithm_parse(cname, &alg, &cerr), cerr); err != nil {
		return 0, err
	}
	return Algorithm(alg), nil
}

// Hash is the hash cosign applies to a blob before signing with this
// algorithm: the digest [PrivateKey.SignDigest] expects. HashNone for
// Ed25519, which signs the blob itself.
func (a Algorithm) Hash() HashAlg {
	return HashAlg(C.ck_algorithm_hash(C.ck_algorithm(a)))
}

// HashAlg is a hash function used for signing.
type HashAlg uint32

// Hash functions (the C ABI's CK_HASH_* values).
const (
	HashNone   HashAlg = C.CK_HASH_NONE
	HashSHA256 HashAlg = C.CK_HASH_SHA256
	HashSHA384 HashAlg = C.CK_HASH_SHA384
	HashSHA512 HashAlg = C.CK_HASH_SHA512
)

// String is the hash's name as cosign spells it ("sha256", ...), or "none".
func (h HashAlg) String() string {
	if name := C.ck_hash_name(C.ck_hash(h)); name != nil {
		return C.GoString(name)
	}
	return "none"
}

// Size is the digest length in bytes (0 for HashNone).
func (h HashAlg) Size() int {
	return int(C.ck_hash_len(C.ck_hash(h)))
}

// Digest hashes data. HashNone fails with ErrInvalidArgument.
func (h HashAlg) Digest(data []byte) ([]byte, error) {
	var out *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(C.ck_hash_digest(C.ck_hash(h), cBytes(data), C.size_t(len(data)), &out, &cerr), cerr); err != nil {
		return nil, err
	}
	return takeBuf(out), nil
}

// Fingerprint is a key fingerprint: SHA-256 of the key's DER
// SubjectPublicKeyInfo (the DER inside cosign.pub).
type Fingerprint [32]byte

func (f *Fingerprint) c() *C.ck_fingerprint {
	return (*C.ck_fingerprint)(unsafe.Pointer(f))
}

// String is "SHA256:" followed by unpadded standard base64.
func (f Fingerprint) String() string {
	var buf [C.CK_FINGERPRINT_STRING_SIZE]C.char
	var cerr *C.ck_error
	if err := statusError(C.ck_fingerprint_to_string(f.c(), &buf[0], C.size_t(len(buf)), &cerr), cerr); err != nil {
		panic(err) // the buffer is the documented size
	}
	return C.GoString(&buf[0])
}

// Hex is 64 lowercase hex digits.
func (f Fingerprint) Hex() string {
	var buf [C.CK_FINGERPRINT_HEX_SIZE]C.char
	var cerr *C.ck_error
	if err := statusError(C.ck_fingerprint_to_hex(f.c(), &buf[0], C.size_t(len(buf)), &cerr), cerr); err != nil {
		panic(err) // the buffer is the documented size
	}
	return C.GoString(&buf[0])
}

// ParseFingerprint accepts "SHA256:<unpadded base64>" or 64 hex digits;
// anything else fails with ErrInvalidFingerprint.
func ParseFingerprint(text string) (Fingerprint, error) {
	b := []byte(text)
	var fp Fingerprint
	var cerr *C.ck_error
	st := C.ck_fingerprint_parse((*C.char)(unsafe.Pointer(cBytes(b))), C.size_t(len(b)), fp.c(), &cerr)
	if err := statusError(st, cerr); err != nil {
		return Fingerprint{}, err
	}
	return fp, nil
}
