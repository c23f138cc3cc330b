package cosignkeys

/*
#include <stdlib.h>
#include "cosign_keys.h"
*/
import "C"

import (
	"encoding/json"
	"runtime"
	"time"
	"unsafe"
)

// KMSKey is a key inside a KMS, named with cosign's URI syntax:
// hashivault://KEY (Vault/OpenBao transit), awskms://[ENDPOINT]/KEY-ID,
// alias/NAME or ARN, azurekms://VAULT/KEY[/VERSION] (Azure Key Vault; VAULT
// is a vault name or a host[:port], credentials as for azure-secret://, see
// [OpenStore]). gcpkms:// parses but fails with ErrNotSupported. The private key never leaves the KMS. Safe for
// concurrent use; Close frees the connection (the key stays in the KMS).
type KMSKey struct {
	handle[*C.ck_kms]
}

// KMSKeyVersion is one version of a KMS key, as [KMSKey.Versions] lists it.
type KMSKeyVersion struct {
	Version      string // the KMS's identifier ("1", "2", ... for transit)
	PublicKeyPEM []byte // that version's public key
	Fingerprint  Fingerprint
	Algorithm    Algorithm
	CreatedAt    time.Time // zero when the KMS does not say
}

// SignResult is one result of [KMSKey.SignDigests]: the signature of the
// digest at the same index, or its error (the others are unaffected).
type SignResult struct {
	Sig []byte
	Err error
}

// CheckKMSURI validates a KMS URI without connecting and returns its
// canonical form. A bad one fails with ErrInvalidURI.
func CheckKMSURI(uri string) (string, error) {
	curi := C.CString(uri)
	defer C.free(unsafe.Pointer(curi))
	var out *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(C.ck_kms_uri_check(curi, &out, &cerr), cerr); err != nil {
		return "", err
	}
	return string(takeBuf(out)), nil
}

// OpenKMS connects to the KMS key a URI names; the key need not exist yet
// ([KMSKey.Create]). Settings come from the environment as cosign reads
// them: VAULT_ADDR, VAULT_TOKEN, TRANSIT_SECRET_ENGINE_PATH; the standard
// AWS variables.
func OpenKMS(uri string) (*KMSKey, error) {
	curi := C.CString(uri)
	defer C.free(unsafe.Pointer(curi))
	var p *C.ck_kms
	var cerr *C.ck_error
	if err := statusError(C.ck_kms_open(curi, &p, &cerr), cerr); err != nil {
		return nil, err
	}
	k := &KMSKey{handle[*C.ck_kms]{ptr: p, name: "KMSKey", free: func(p *C.ck_kms) { C.ck_kms_free(p) }}}
	runtime.SetFinalizer(k, (*KMSKey).Close)
	return k, nil
}

// Close frees the connection. It is idempotent, waits for calls in
// progress, and always returns nil.
func (k *KMSKey) Close() error {
	if k.release() {
		runtime.SetFinalizer(k, nil)
	}
	return nil
}

// URI is the key's URI in canonical form.
func (k *KMSKey) URI() (string, error) {
	b, err := k.bufCall(func(p *C.ck_kms, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_kms_uri(p, out, cerr)
	})
	return string(b), err
}

// publicKeyCall runs a C function that returns a new public key.
func (k *KMSKey) publicKeyCall(f func(p *C.ck_kms, out **C.ck_public_key, cerr **C.ck_error) C.ck_status) (*PublicKey, error) {
	var pub *PublicKey
	err := k.use(func(p *C.ck_kms) error {
		var out *C.ck_public_key
		var cerr *C.ck_error
		if err := statusError(f(p, &out, &cerr), cerr); err != nil {
			return err
		}
		pub = newPublicKey(out)
		return nil
	})
	return pub, err
}

// Create makes the key inside the KMS (EcdsaP256 is cosign's default) and
// returns its public key. Errors: ErrAlreadyExists, ErrUnsupportedAlgorithm,
// ErrInvalidArgument (unknown algorithm), backend errors.
func (k *KMSKey) Create(alg Algorithm) (*PublicKey, error) {
	return k.publicKeyCall(func(p *C.ck_kms, out **C.ck_public_key, cerr **C.ck_error) C.ck_status {
		return C.ck_kms_create(p, C.ck_algorithm(alg), out, cerr)
	})
}

// PublicKey is the public key of the key's current version (its PEM is what
// `cosign verify-blob --key` takes). ErrNotFound if the key does not exist.
func (k *KMSKey) PublicKey() (*PublicKey, error) {
	return k.publicKeyCall(func(p *C.ck_kms, out **C.ck_public_key, cerr **C.ck_error) C.ck_status {
		return C.ck_kms_public_key(p, out, cerr)
	})
}

// SignDigest signs a digest made with the key's hash (SHA-256 for P-256)
// in the KMS; the signature is what cosign makes (ASN.1 DER for ECDSA).
func (k *KMSKey) SignDigest(digest []byte) ([]byte, error) {
	return k.bufCall(func(p *C.ck_kms, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_kms_sign_digest(p, cBytes(digest), C.size_t(len(digest)), out, cerr)
	})
}

// SignBlob hashes a blob locally and signs the digest in the KMS, as
// `cosign sign-blob --key <kms uri>` does.
func (k *KMSKey) SignBlob(blob []byte) ([]byte, error) {
	return k.bufCall(func(p *C.ck_kms, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_kms_sign_blob(p, cBytes(blob), C.size_t(len(blob)), out, cerr)
	})
}

// SignDigests signs many digests in one call (Vault transit's batch API,
// bounded concurrency for AWS). The results are in input order, one per
// digest; a failed item has Err set and does not affect the others. The
// returned error is only for the call as a whole (a closed key).
func (k *KMSKey) SignDigests(digests [][]byte) ([]SignResult, error) {
	n := len(digests)
	results := make([]SignResult, n)
	err := k.use(func(p *C.ck_kms) error {
		// The C API takes an array of pointers; cgo forbids passing Go
		// memory that holds Go pointers, so the digests are copied into C
		// memory for the call (they are small and not secret).
		var ptrs **C.uint8_t
		var lens *C.size_t
		if n > 0 {
			total := 0
			for _, d := range digests {
				total += len(d)
			}
			mem := C.malloc(C.size_t(n)*C.size_t(unsafe.Sizeof(uintptr(0))+unsafe.Sizeof(C.size_t(0))) + C.size_t(total))
			if mem == nil {
				return &Error{Code: CodeOutOfMemory, Msg: "no memory for the digests"}
			}
			defer C.free(mem)
			ptrSlice := unsafe.Slice((**C.uint8_t)(mem), n)
			lenSlice := unsafe.Slice((*C.size_t)(unsafe.Add(mem, n*int(unsafe.Sizeof(uintptr(0))))), n)
			data := unsafe.Add(mem, n*int(unsafe.Sizeof(uintptr(0))+unsafe.Sizeof(C.size_t(0))))
			for i, d := range digests {
				lenSlice[i] = C.size_t(len(d))
				if len(d) == 0 {
					ptrSlice[i] = nil
					continue
				}
				ptrSlice[i] = (*C.uint8_t)(data)
				copy(unsafe.Slice((*byte)(data), len(d)), d)
				data = unsafe.Add(data, len(d))
			}
			ptrs = &ptrSlice[0]
			lens = &lenSlice[0]
		}
		var batch *C.ck_sign_batch
		var cerr *C.ck_error
		if err := statusError(C.ck_kms_sign_digests(p, ptrs, lens, C.size_t(n), &batch, &cerr), cerr); err != nil {
			return err
		}
		defer C.ck_sign_batch_free(batch)
		if got := int(C.ck_sign_batch_len(batch)); got != n {
			return &Error{Code: CodeBackend, Msg: "the library returned a batch of another length"}
		}
		for i := range results {
			var sig *C.ck_buf
			var ierr *C.ck_error
			if err := statusError(C.ck_sign_batch_item(batch, C.size_t(i), &sig, &ierr), ierr); err != nil {
				results[i].Err = err
				continue
			}
			results[i].Sig = takeBuf(sig)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// Versions lists every version of the key, oldest first.
func (k *KMSKey) Versions() ([]KMSKeyVersion, error) {
	text, err := k.bufCall(func(p *C.ck_kms, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_kms_versions(p, out, cerr)
	})
	if err != nil {
		return nil, err
	}
	var raw []struct {
		Version     string     `json:"version"`
		PublicKey   string     `json:"public_key"`
		Fingerprint string     `json:"fingerprint"`
		Algorithm   string     `json:"algorithm"`
		CreatedAt   *time.Time `json:"created_at"`
	}
	if err := json.Unmarshal(text, &raw); err != nil {
		return nil, badDocument("KMS version list", err)
	}
	list := make([]KMSKeyVersion, 0, len(raw))
	for _, r := range raw {
		fp, err := ParseFingerprint(r.Fingerprint)
		if err != nil {
			return nil, err
		}
		alg, err := ParseAlgorithm(r.Algorithm)
		if err != nil {
			return nil, err
		}
		v := KMSKeyVersion{Version: r.Version, PublicKeyPEM: []byte(r.PublicKey), Fingerprint: fp, Algorithm: alg}
		if r.CreatedAt != nil {
			v.CreatedAt = r.CreatedAt.UTC()
		}
		list = append(list, v)
	}
	return list, nil
}

// Rotate makes a new version with the KMS's native rotation and returns its
// identifier; later signatures use it. ErrNotSupported where the KMS has no
// on-demand rotation.
func (k *KMSKey) Rotate() (string, error) {
	b, err := k.bufCall(func(p *C.ck_kms, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_kms_rotate(p, out, cerr)
	})
	return string(b), err
}
