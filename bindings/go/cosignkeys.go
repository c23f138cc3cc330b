// Package cosignkeys is the Go binding of cosign-keys: generate, encrypt,
// import, fingerprint, sign and verify Cosign-compatible keys, through the
// library's C ABI (libcosign_keys, see include/cosign_keys.h).
//
// # Conventions
//
//   - Inputs and outputs are []byte; passwords are []byte so callers can
//     wipe them with [Wipe] (the library copies a password into memory it
//     wipes, and never keeps it).
//   - Secret outputs ([PrivateKey.PKCS8PEM], [PrivateKey.PKCS8DER]) are copied
//     into Go memory and the library's copy is wiped at once; wipe yours when
//     done.
//   - Errors are *[Error] values with a stable [ErrorCode]; test them with
//     errors.Is against the sentinels, e.g. errors.Is(err, ErrDecryptionFailed).
//   - [PrivateKey], [PublicKey] and [EncryptedKey] own a library handle. Call
//     Close when done (idempotent); a finalizer frees forgotten handles.
//     After Close, methods fail with ErrHandleClosed.
//   - All types are safe for concurrent use; Close waits for calls in
//     progress on the same value.
//   - Calls block: decrypting or encrypting a Cosign key file runs scrypt
//     (about 0.1-0.3 s at cosign's cost); RSA key generation can take seconds.
//
// # Linking
//
// By default the package links libcosign_keys.a statically from
// ../../target/release (build it with scripts/build-ffi.sh). With
// -tags cosignkeys_dynamic it links the shared library through pkg-config.
// The preamble references the version-named symbol ck_version_0_1_0, so a
// library of another version fails at link time.
package cosignkeys

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
// The library never keeps a pointer it is given and never calls back into
// Go: let cgo skip escaping arguments to the heap and the callback checks.
#cgo noescape ck_algorithm_hash
#cgo nocallback ck_algorithm_hash
#cgo noescape ck_algorithm_name
#cgo nocallback ck_algorithm_name
#cgo noescape ck_algorithm_parse
#cgo nocallback ck_algorithm_parse
#cgo noescape ck_buf_free
#cgo nocallback ck_buf_free
#cgo noescape ck_default_max_memory_bytes
#cgo nocallback ck_default_max_memory_bytes
#cgo noescape ck_default_max_work
#cgo nocallback ck_default_max_work
#cgo noescape ck_encrypted_key_change_password
#cgo nocallback ck_encrypted_key_change_password
#cgo noescape ck_encrypted_key_decrypt
#cgo nocallback ck_encrypted_key_decrypt
#cgo noescape ck_encrypted_key_free
#cgo nocallback ck_encrypted_key_free
#cgo noescape ck_encrypted_key_from_json
#cgo nocallback ck_encrypted_key_from_json
#cgo noescape ck_encrypted_key_from_pem
#cgo nocallback ck_encrypted_key_from_pem
#cgo noescape ck_encrypted_key_has_legacy_label
#cgo nocallback ck_encrypted_key_has_legacy_label
#cgo noescape ck_encrypted_key_is_cosign_compatible
#cgo nocallback ck_encrypted_key_is_cosign_compatible
#cgo noescape ck_encrypted_key_scrypt_memory_bytes
#cgo nocallback ck_encrypted_key_scrypt_memory_bytes
#cgo noescape ck_encrypted_key_scrypt_n
#cgo nocallback ck_encrypted_key_scrypt_n
#cgo noescape ck_encrypted_key_scrypt_p
#cgo nocallback ck_encrypted_key_scrypt_p
#cgo noescape ck_encrypted_key_scrypt_r
#cgo nocallback ck_encrypted_key_scrypt_r
#cgo noescape ck_encrypted_key_to_json
#cgo nocallback ck_encrypted_key_to_json
#cgo noescape ck_encrypted_key_to_pem
#cgo nocallback ck_encrypted_key_to_pem
#cgo noescape ck_error_free
#cgo nocallback ck_error_free
#cgo noescape ck_error_json
#cgo nocallback ck_error_json
#cgo noescape ck_features
#cgo nocallback ck_features
#cgo noescape ck_fingerprint_parse
#cgo nocallback ck_fingerprint_parse
#cgo noescape ck_fingerprint_to_hex
#cgo nocallback ck_fingerprint_to_hex
#cgo noescape ck_fingerprint_to_string
#cgo nocallback ck_fingerprint_to_string
#cgo noescape ck_hash_digest
#cgo nocallback ck_hash_digest
#cgo noescape ck_hash_len
#cgo nocallback ck_hash_len
#cgo noescape ck_hash_name
#cgo nocallback ck_hash_name
#cgo noescape ck_kms_create
#cgo nocallback ck_kms_create
#cgo noescape ck_kms_free
#cgo nocallback ck_kms_free
#cgo noescape ck_kms_open
#cgo nocallback ck_kms_open
#cgo noescape ck_kms_public_key
#cgo nocallback ck_kms_public_key
#cgo noescape ck_kms_rotate
#cgo nocallback ck_kms_rotate
#cgo noescape ck_kms_sign_blob
#cgo nocallback ck_kms_sign_blob
#cgo noescape ck_kms_sign_digest
#cgo nocallback ck_kms_sign_digest
#cgo noescape ck_kms_sign_digests
#cgo nocallback ck_kms_sign_digests
#cgo noescape ck_kms_uri
#cgo nocallback ck_kms_uri
#cgo noescape ck_kms_uri_check
#cgo nocallback ck_kms_uri_check
#cgo noescape ck_kms_versions
#cgo nocallback ck_kms_versions
#cgo noescape ck_private_key_algorithm
#cgo nocallback ck_private_key_algorithm
#cgo noescape ck_private_key_encrypt
#cgo nocallback ck_private_key_encrypt
#cgo noescape ck_private_key_encrypt_with_params
#cgo nocallback ck_private_key_encrypt_with_params
#cgo noescape ck_private_key_fingerprint
#cgo nocallback ck_private_key_fingerprint
#cgo noescape ck_private_key_free
#cgo nocallback ck_private_key_free
#cgo noescape ck_private_key_from_cosign_pem_with_limits
#cgo nocallback ck_private_key_from_cosign_pem_with_limits
#cgo noescape ck_private_key_from_pkcs8_der
#cgo nocallback ck_private_key_from_pkcs8_der
#cgo noescape ck_private_key_generate
#cgo nocallback ck_private_key_generate
#cgo noescape ck_private_key_import
#cgo nocallback ck_private_key_import
#cgo noescape ck_private_key_public_key
#cgo nocallback ck_private_key_public_key
#cgo noescape ck_private_key_sign
#cgo nocallback ck_private_key_sign
#cgo noescape ck_private_key_sign_digest
#cgo nocallback ck_private_key_sign_digest
#cgo noescape ck_private_key_to_pkcs8_der
#cgo nocallback ck_private_key_to_pkcs8_der
#cgo noescape ck_private_key_to_pkcs8_pem
#cgo nocallback ck_private_key_to_pkcs8_pem
#cgo noescape ck_public_key_algorithm
#cgo nocallback ck_public_key_algorithm
#cgo noescape ck_public_key_equal
#cgo nocallback ck_public_key_equal
#cgo noescape ck_public_key_fingerprint
#cgo nocallback ck_public_key_fingerprint
#cgo noescape ck_public_key_free
#cgo nocallback ck_public_key_free
#cgo noescape ck_public_key_from_der
#cgo nocallback ck_public_key_from_der
#cgo noescape ck_public_key_from_pem
#cgo nocallback ck_public_key_from_pem
#cgo noescape ck_public_key_to_der
#cgo nocallback ck_public_key_to_der
#cgo noescape ck_public_key_to_pem
#cgo nocallback ck_public_key_to_pem
#cgo noescape ck_public_key_verify
#cgo nocallback ck_public_key_verify
#cgo noescape ck_public_key_verify_digest
#cgo nocallback ck_public_key_verify_digest
#cgo noescape ck_sign_batch_free
#cgo nocallback ck_sign_batch_free
#cgo noescape ck_sign_batch_item
#cgo nocallback ck_sign_batch_item
#cgo noescape ck_sign_batch_len
#cgo nocallback ck_sign_batch_len
#cgo noescape ck_signature_from_base64
#cgo nocallback ck_signature_from_base64
#cgo noescape ck_signature_to_base64
#cgo nocallback ck_signature_to_base64
#cgo noescape ck_status_name
#cgo nocallback ck_status_name
#cgo noescape ck_store_delete
#cgo nocallback ck_store_delete
#cgo noescape ck_store_delete_all
#cgo nocallback ck_store_delete_all
#cgo noescape ck_store_free
#cgo nocallback ck_store_free
#cgo noescape ck_store_get
#cgo nocallback ck_store_get
#cgo noescape ck_store_get_public
#cgo nocallback ck_store_get_public
#cgo noescape ck_store_open
#cgo nocallback ck_store_open
#cgo noescape ck_store_put
#cgo nocallback ck_store_put
#cgo noescape ck_store_uri
#cgo nocallback ck_store_uri
#cgo noescape ck_store_uri_check
#cgo nocallback ck_store_uri_check
#cgo noescape ck_store_versions
#cgo nocallback ck_store_versions
#cgo noescape ck_stored_key_encrypted_key
#cgo nocallback ck_stored_key_encrypted_key
#cgo noescape ck_stored_key_free
#cgo nocallback ck_stored_key_free
#cgo noescape ck_stored_key_has_password
#cgo nocallback ck_stored_key_has_password
#cgo noescape ck_stored_key_metadata
#cgo nocallback ck_stored_key_metadata
#cgo noescape ck_stored_key_password
#cgo nocallback ck_stored_key_password
#cgo noescape ck_stored_key_public_key
#cgo nocallback ck_stored_key_public_key
#cgo noescape ck_stored_key_version
#cgo nocallback ck_stored_key_version
#cgo noescape ck_stored_public_key_free
#cgo nocallback ck_stored_public_key_free
#cgo noescape ck_stored_public_key_metadata
#cgo nocallback ck_stored_public_key_metadata
#cgo noescape ck_stored_public_key_public_key
#cgo nocallback ck_stored_public_key_public_key
#cgo noescape ck_stored_public_key_version
#cgo nocallback ck_stored_public_key_version
#cgo noescape ck_write_atomic
#cgo nocallback ck_write_atomic
#include <stdlib.h>
#include "cosign_keys.h"

// The version-named symbol: linking fails against a library of another
// version than the header this package was built with.
static const char *ckgo_linked_version(void) { return ck_version_0_1_0(); }

// One cgo call instead of two to read a buffer.
static const uint8_t *ckgo_buf(const ck_buf *b, size_t *len) {
	*len = ck_buf_len(b);
	return ck_buf_data(b);
}
*/
import "C"

import (
	"os"
	"unsafe"
)

//go:generate go run ./internal/gencodes -header ../../include/cosign_keys.h -out codes.go
//go:generate go run ./internal/genwire -schema ../../schema/cosign-keys.schema.json -out wire_gen.go

// emptyByte gives a non-NULL pointer for an empty, non-nil slice where the
// C API distinguishes "absent" (NULL) from "empty".
var emptyByte byte

// cBytes points C at a Go slice for the duration of one call (NULL if empty).
func cBytes(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// cOptionalBytes is cBytes, except that a nil slice is NULL ("absent") and an
// empty non-nil slice is a non-NULL pointer ("empty").
func cOptionalBytes(b []byte) *C.uint8_t {
	if b == nil {
		return nil
	}
	if len(b) == 0 {
		return (*C.uint8_t)(unsafe.Pointer(&emptyByte))
	}
	return cBytes(b)
}

// takeBuf copies a library buffer into Go memory, then wipes and frees it.
func takeBuf(b *C.ck_buf) []byte {
	var n C.size_t
	data := C.ckgo_buf(b, &n)
	out := make([]byte, int(n))
	if n > 0 {
		copy(out, unsafe.Slice((*byte)(unsafe.Pointer(data)), int(n)))
	}
	C.ck_buf_free(b)
	return out
}

// Version is the library's version, e.g. "0.1.0".
func Version() string {
	return C.GoString(C.ckgo_linked_version())
}

// Feature is a capability the library was built with.
type Feature uint64

// Capabilities reported by [Features].
const (
	FeatureECDSA         Feature = C.CK_FEATURE_ECDSA
	FeatureEd25519       Feature = C.CK_FEATURE_ED25519
	FeatureRSA           Feature = C.CK_FEATURE_RSA
	FeatureCosignKeyFile Feature = C.CK_FEATURE_COSIGN_KEY_FILE
	FeatureImport        Feature = C.CK_FEATURE_IMPORT
	FeatureAtomicWrite   Feature = C.CK_FEATURE_ATOMIC_WRITE
	FeatureFileStore     Feature = C.CK_FEATURE_FILE_STORE // directory and env:// stores
	FeatureVault         Feature = C.CK_FEATURE_VAULT      // vault-kv:// store, hashivault:// KMS
	FeatureAWSKMS        Feature = C.CK_FEATURE_AWS_KMS    // awskms://
	FeatureAzure         Feature = C.CK_FEATURE_AZURE      // azure-secret:// store, azurekms:// KMS
)

// Features is the set of capabilities the library was built with; test one
// with Features()&FeatureRSA != 0. FeatureVault, FeatureAWSKMS and
// FeatureAzure are missing from a library built without those backends.
func Features() Feature {
	return Feature(C.ck_features())
}

// Wipe overwrites b with zeros, e.g. a password or an exported key once it
// is no longer needed.
func Wipe(b []byte) {
	clear(b)
}

// Modes for [WriteFileAtomic].
const (
	PrivateFileMode os.FileMode = C.CK_PRIVATE_FILE_MODE // 0600, for private keys
	PublicFileMode  os.FileMode = C.CK_PUBLIC_FILE_MODE  // 0644, for public data
)

// WriteFileAtomic writes data to path atomically with permission bits perm:
// a temporary file in the same directory, flushed, then moved into place.
// Unless overwrite is true an existing file is never replaced
// (ErrAlreadyExists). I/O failures are ErrIO.
func WriteFileAtomic(path string, data []byte, perm os.FileMode, overwrite bool) error {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	mode := uint32(perm.Perm())
	if perm&os.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if perm&os.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if perm&os.ModeSticky != 0 {
		mode |= 0o1000
	}
	var cerr *C.ck_error
	st := C.ck_write_atomic(cpath, cBytes(data), C.size_t(len(data)), C.uint32_t(mode), C.bool(overwrite), &cerr)
	return statusError(st, cerr)
}

// EncodeSignature gives a raw signature's text form: standard padded base64,
// as `cosign sign-blob` prints it.
func EncodeSignature(signature []byte) string {
	var out *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(C.ck_signature_to_base64(cBytes(signature), C.size_t(len(signature)), &out, &cerr), cerr); err != nil {
		// Only possible for a NULL output, which cannot happen here.
		panic(err)
	}
	return string(takeBuf(out))
}

// DecodeSignature parses a signature's base64 text (surrounding whitespace,
// e.g. a .sig file's newline, is ignored). Fails with ErrMalformedSignature.
func DecodeSignature(text string) ([]byte, error) {
	b := []byte(text)
	var out *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(C.ck_signature_from_base64(cBytes(b), C.size_t(len(b)), &out, &cerr), cerr); err != nil {
		return nil, err
	}
	return takeBuf(out), nil
}
