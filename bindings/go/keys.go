package cosignkeys

/*
#include "cosign_keys.h"
*/
import "C"

import "runtime"

// Limits bound the scrypt cost of a Cosign key file accepted for
// decryption, checked before anything is allocated. A zero field means the
// library's default ([DefaultLimits]).
type Limits struct {
	MaxMemoryBytes uint64 // largest memory scrypt may use
	MaxWork        uint64 // largest N·r·p
}

// DefaultLimits are the limits applied when none are given.
func DefaultLimits() Limits {
	return Limits{
		MaxMemoryBytes: uint64(C.ck_default_max_memory_bytes()),
		MaxWork:        uint64(C.ck_default_max_work()),
	}
}

// ScryptParams are the scrypt parameters of a Cosign key file.
type ScryptParams struct {
	N uint64 // CPU/memory cost, a power of two
	R uint32 // block size
	P uint32 // parallelization
}

// CosignScryptParams is what cosign writes (and [PrivateKey.Encrypt] uses).
var CosignScryptParams = ScryptParams{N: 65536, R: 8, P: 1}

// ---------------------------------------------------------------------------

// PrivateKey is an unlocked private key. Safe for concurrent use; Close
// wipes and frees it.
type PrivateKey struct {
	handle[*C.ck_private_key]
}

func newPrivateKey(p *C.ck_private_key) *PrivateKey {
	k := &PrivateKey{handle[*C.ck_private_key]{ptr: p, name: "PrivateKey", free: func(p *C.ck_private_key) { C.ck_private_key_free(p) }}}
	runtime.SetFinalizer(k, (*PrivateKey).Close)
	return k
}

// Close wipes and frees the key. It is idempotent and always returns nil.
func (k *PrivateKey) Close() error {
	if k.release() {
		runtime.SetFinalizer(k, nil)
	}
	return nil
}

// GenerateKey makes a new key pair from the operating system's CSPRNG.
func GenerateKey(alg Algorithm) (*PrivateKey, error) {
	var p *C.ck_private_key
	var cerr *C.ck_error
	if err := statusError(C.ck_private_key_generate(C.ck_algorithm(alg), &p, &cerr), cerr); err != nil {
		return nil, err
	}
	return newPrivateKey(p), nil
}

// LoadPrivateKey unlocks a Cosign key file (cosign.key) with its password,
// under the default scrypt limits. Runs scrypt.
func LoadPrivateKey(pem, password []byte) (*PrivateKey, error) {
	return LoadPrivateKeyWithLimits(pem, password, Limits{})
}

// LoadPrivateKeyWithLimits is [LoadPrivateKey] with explicit scrypt limits;
// a file over them fails with ErrKDFLimitExceeded.
func LoadPrivateKeyWithLimits(pem, password []byte, limits Limits) (*PrivateKey, error) {
	var p *C.ck_private_key
	var cerr *C.ck_error
	st := C.ck_private_key_from_cosign_pem_with_limits(cBytes(pem), C.size_t(len(pem)),
		cBytes(password), C.size_t(len(password)),
		C.uint64_t(limits.MaxMemoryBytes), C.uint64_t(limits.MaxWork), &p, &cerr)
	if err := statusError(st, cerr); err != nil {
		return nil, err
	}
	return newPrivateKey(p), nil
}

// ImportKey imports a private key written by another tool, as `cosign
// import-key-pair` does: PEM or DER PKCS#8, SEC1, PKCS#1, encrypted PKCS#8,
// or a Cosign key file. A nil password means "no password"; an empty
// non-nil one is the empty password.
func ImportKey(data, password []byte) (*PrivateKey, error) {
	return ImportKeyWithLimits(data, password, Limits{})
}

// ImportKeyWithLimits is [ImportKey] with explicit scrypt limits for an
// encrypted input (a Cosign key file, or encrypted PKCS#8 using scrypt).
func ImportKeyWithLimits(data, password []byte, limits Limits) (*PrivateKey, error) {
	var p *C.ck_private_key
	var cerr *C.ck_error
	st := C.ck_private_key_import(cBytes(data), C.size_t(len(data)), cOptionalBytes(password), C.size_t(len(password)),
		C.uint64_t(limits.MaxMemoryBytes), C.uint64_t(limits.MaxWork), &p, &cerr)
	if err := statusError(st, cerr); err != nil {
		return nil, err
	}
	return newPrivateKey(p), nil
}

// PrivateKeyFromPKCS8 loads an unencrypted PKCS#8 DER key.
func PrivateKeyFromPKCS8(der []byte) (*PrivateKey, error) {
	var p *C.ck_private_key
	var cerr *C.ck_error
	if err := statusError(C.ck_private_key_from_pkcs8_der(cBytes(der), C.size_t(len(der)), &p, &cerr), cerr); err != nil {
		return nil, err
	}
	return newPrivateKey(p), nil
}

// Algorithm is the key's algorithm (0 after Close).
func (k *PrivateKey) Algorithm() Algorithm {
	var alg Algorithm
	_ = k.use(func(p *C.ck_private_key) error {
		alg = Algorithm(C.ck_private_key_algorithm(p))
		return nil
	})
	return alg
}

// PublicKey returns the matching public key (an independent value; Close
// both).
func (k *PrivateKey) PublicKey() (*PublicKey, error) {
	var pub *PublicKey
	err := k.use(func(p *C.ck_private_key) error {
		var out *C.ck_public_key
		var cerr *C.ck_error
		if err := statusError(C.ck_private_key_public_key(p, &out, &cerr), cerr); err != nil {
			return err
		}
		pub = newPublicKey(out)
		return nil
	})
	return pub, err
}

// Fingerprint is the fingerprint of the key's public key.
func (k *PrivateKey) Fingerprint() (Fingerprint, error) {
	var fp Fingerprint
	err := k.use(func(p *C.ck_private_key) error {
		var cerr *C.ck_error
		return statusError(C.ck_private_key_fingerprint(p, fp.c(), &cerr), cerr)
	})
	return fp, err
}

// Encrypt seals the key into a Cosign key file with cosign's own scrypt
// cost and returns its PEM text, which the cosign CLI opens. Runs scrypt.
func (k *PrivateKey) Encrypt(password []byte) ([]byte, error) {
	return k.bufCall(func(p *C.ck_private_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_private_key_encrypt(p, cBytes(password), C.size_t(len(password)), out, cerr)
	})
}

// EncryptWithParams is [PrivateKey.Encrypt] with chosen scrypt parameters
// (only [CosignScryptParams]-like values give files cosign opens). Invalid
// parameters fail with ErrInvalidKDFParams.
func (k *PrivateKey) EncryptWithParams(password []byte, params ScryptParams) ([]byte, error) {
	return k.bufCall(func(p *C.ck_private_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_private_key_encrypt_with_params(p, cBytes(password), C.size_t(len(password)),
			C.uint64_t(params.N), C.uint32_t(params.R), C.uint32_t(params.P), out, cerr)
	})
}

// PKCS8PEM exports the unencrypted PKCS#8 "PRIVATE KEY" PEM. Secret: the
// library's copy is wiped; [Wipe] the result when done.
func (k *PrivateKey) PKCS8PEM() ([]byte, error) {
	return k.bufCall(func(p *C.ck_private_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_private_key_to_pkcs8_pem(p, out, cerr)
	})
}

// PKCS8DER exports the unencrypted PKCS#8 DER. Secret: [Wipe] it when done.
func (k *PrivateKey) PKCS8DER() ([]byte, error) {
	return k.bufCall(func(p *C.ck_private_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_private_key_to_pkcs8_der(p, out, cerr)
	})
}

// Sign signs a blob exactly as `cosign sign-blob --key` does and returns the
// raw signature ([EncodeSignature] gives cosign's base64 text).
func (k *PrivateKey) Sign(message []byte) ([]byte, error) {
	return k.bufCall(func(p *C.ck_private_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_private_key_sign(p, cBytes(message), C.size_t(len(message)), out, cerr)
	})
}

// SignDigest signs a digest of the blob made with the algorithm's hash
// ([Algorithm.Hash]). Ed25519 fails with ErrUnsupportedOperation, a digest
// of the wrong length with ErrInvalidArgument.
func (k *PrivateKey) SignDigest(digest []byte) ([]byte, error) {
	return k.bufCall(func(p *C.ck_private_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_private_key_sign_digest(p, cBytes(digest), C.size_t(len(digest)), out, cerr)
	})
}

// ---------------------------------------------------------------------------

// PublicKey is a public key. Safe for concurrent use.
type PublicKey struct {
	handle[*C.ck_public_key]
}

func newPublicKey(p *C.ck_public_key) *PublicKey {
	k := &PublicKey{handle[*C.ck_public_key]{ptr: p, name: "PublicKey", free: func(p *C.ck_public_key) { C.ck_public_key_free(p) }}}
	runtime.SetFinalizer(k, (*PublicKey).Close)
	return k
}

// Close frees the key. It is idempotent and always returns nil.
func (k *PublicKey) Close() error {
	if k.release() {
		runtime.SetFinalizer(k, nil)
	}
	return nil
}

// PublicKeyFromPEM parses a "PUBLIC KEY" PEM such as cosign.pub.
func PublicKeyFromPEM(pem []byte) (*PublicKey, error) {
	var p *C.ck_public_key
	var cerr *C.ck_error
	if err := statusError(C.ck_public_key_from_pem(cBytes(pem), C.size_t(len(pem)), &p, &cerr), cerr); err != nil {
		return nil, err
	}
	return newPublicKey(p), nil
}

// PublicKeyFromDER parses a DER SubjectPublicKeyInfo.
func PublicKeyFromDER(der []byte) (*PublicKey, error) {
	var p *C.ck_public_key
	var cerr *C.ck_error
	if err := statusError(C.ck_public_key_from_der(cBytes(der), C.size_t(len(der)), &p, &cerr), cerr); err != nil {
		return nil, err
	}
	return newPublicKey(p), nil
}

// Algorithm is the key's algorithm (0 after Close).
func (k *PublicKey) Algorithm() Algorithm {
	var alg Algorithm
	_ = k.use(func(p *C.ck_public_key) error {
		alg = Algorithm(C.ck_public_key_algorithm(p))
		return nil
	})
	return alg
}

// PEM is the "PUBLIC KEY" PEM, byte for byte what `cosign public-key` prints.
func (k *PublicKey) PEM() ([]byte, error) {
	return k.bufCall(func(p *C.ck_public_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_public_key_to_pem(p, out, cerr)
	})
}

// DER is the DER SubjectPublicKeyInfo.
func (k *PublicKey) DER() ([]byte, error) {
	return k.bufCall(func(p *C.ck_public_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_public_key_to_der(p, out, cerr)
	})
}

// Fingerprint is SHA-256 of the key's DER SubjectPublicKeyInfo.
func (k *PublicKey) Fingerprint() (Fingerprint, error) {
	var fp Fingerprint
	err := k.use(func(p *C.ck_public_key) error {
		var cerr *C.ck_error
		return statusError(C.ck_public_key_fingerprint(p, fp.c(), &cerr), cerr)
	})
	return fp, err
}

// Equal reports whether both are the same key (false if either is closed).
func (k *PublicKey) Equal(other *PublicKey) bool {
	if k == other {
		return k.use(func(*C.ck_public_key) error { return nil }) == nil
	}
	equal := false
	_ = k.use(func(a *C.ck_public_key) error {
		return other.use(func(b *C.ck_public_key) error {
			equal = bool(C.ck_public_key_equal(a, b))
			return nil
		})
	})
	return equal
}

// Verify checks a raw signature over a blob as `cosign verify-blob --key`
// does: nil if it verifies, ErrSignatureInvalid if not.
func (k *PublicKey) Verify(message, signature []byte) error {
	return k.use(func(p *C.ck_public_key) error {
		var cerr *C.ck_error
		return statusError(C.ck_public_key_verify(p, cBytes(message), C.size_t(len(message)),
			cBytes(signature), C.size_t(len(signature)), &cerr), cerr)
	})
}

// VerifyDigest checks a raw signature over a digest of the blob made with
// the algorithm's hash. Ed25519 fails with ErrUnsupportedOperation.
func (k *PublicKey) VerifyDigest(digest, signature []byte) error {
	return k.use(func(p *C.ck_public_key) error {
		var cerr *C.ck_error
		return statusError(C.ck_public_key_verify_digest(p, cBytes(digest), C.size_t(len(digest)),
			cBytes(signature), C.size_t(len(signature)), &cerr), cerr)
	})
}

// ---------------------------------------------------------------------------

// EncryptedKey is a parsed, still locked Cosign key file. It holds no
// secret. Safe for concurrent use.
type EncryptedKey struct {
	handle[*C.ck_encrypted_key]
}

func newEncryptedKey(p *C.ck_encrypted_key) *EncryptedKey {
	k := &EncryptedKey{handle[*C.ck_encrypted_key]{ptr: p, name: "EncryptedKey", free: func(p *C.ck_encrypted_key) { C.ck_encrypted_key_free(p) }}}
	runtime.SetFinalizer(k, (*EncryptedKey).Close)
	return k
}

// Close frees the key. It is idempotent and always returns nil.
func (k *EncryptedKey) Close() error {
	if k.release() {
		runtime.SetFinalizer(k, nil)
	}
	return nil
}

// ParseEncryptedKey parses a Cosign key file without decrypting it (no
// password, no key derivation).
func ParseEncryptedKey(pem []byte) (*EncryptedKey, error) {
	var p *C.ck_encrypted_key
	var cerr *C.ck_error
	if err := statusError(C.ck_encrypted_key_from_pem(cBytes(pem), C.size_t(len(pem)), &p, &cerr), cerr); err != nil {
		return nil, err
	}
	return newEncryptedKey(p), nil
}

// ParseEncryptedKeyJSON parses the JSON envelope alone (the PEM body).
func ParseEncryptedKeyJSON(json []byte) (*EncryptedKey, error) {
	var p *C.ck_encrypted_key
	var cerr *C.ck_error
	if err := statusError(C.ck_encrypted_key_from_json(cBytes(json), C.size_t(len(json)), &p, &cerr), cerr); err != nil {
		return nil, err
	}
	return newEncryptedKey(p), nil
}

// PEM is the key file text, always labelled ENCRYPTED SIGSTORE PRIVATE KEY.
func (k *EncryptedKey) PEM() ([]byte, error) {
	return k.bufCall(func(p *C.ck_encrypted_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_encrypted_key_to_pem(p, out, cerr)
	})
}

// JSON is the envelope as cosign writes it.
func (k *EncryptedKey) JSON() ([]byte, error) {
	return k.bufCall(func(p *C.ck_encrypted_key, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_encrypted_key_to_json(p, out, cerr)
	})
}

// ScryptParams are the parameters the file asks for (zero after Close).
func (k *EncryptedKey) ScryptParams() ScryptParams {
	var params ScryptParams
	_ = k.use(func(p *C.ck_encrypted_key) error {
		params = ScryptParams{
			N: uint64(C.ck_encrypted_key_scrypt_n(p)),
			R: uint32(C.ck_encrypted_key_scrypt_r(p)),
			P: uint32(C.ck_encrypted_key_scrypt_p(p)),
		}
		return nil
	})
	return params
}

// MemoryBytes is the memory decrypting will need, to compare with a limit.
func (k *EncryptedKey) MemoryBytes() uint64 {
	var n uint64
	_ = k.use(func(p *C.ck_encrypted_key) error {
		n = uint64(C.ck_encrypted_key_scrypt_memory_bytes(p))
		return nil
	})
	return n
}

// IsCosignCompatible reports whether the cosign CLI opens files with these
// scrypt parameters.
func (k *EncryptedKey) IsCosignCompatible() bool {
	var ok bool
	_ = k.use(func(p *C.ck_encrypted_key) error {
		ok = bool(C.ck_encrypted_key_is_cosign_compatible(p))
		return nil
	})
	return ok
}

// HasLegacyLabel reports whether the file used the legacy label
// ENCRYPTED COSIGN PRIVATE KEY.
func (k *EncryptedKey) HasLegacyLabel() bool {
	var ok bool
	_ = k.use(func(p *C.ck_encrypted_key) error {
		ok = bool(C.ck_encrypted_key_has_legacy_label(p))
		return nil
	})
	return ok
}

// Decrypt unlocks the key under the default limits. A wrong password and a
// tampered file both give ErrDecryptionFailed (by design).
func (k *EncryptedKey) Decrypt(password []byte) (*PrivateKey, error) {
	return k.DecryptWithLimits(password, Limits{})
}

// DecryptWithLimits unlocks the key under explicit scrypt limits.
func (k *EncryptedKey) DecryptWithLimits(password []byte, limits Limits) (*PrivateKey, error) {
	var key *PrivateKey
	err := k.use(func(p *C.ck_encrypted_key) error {
		var out *C.ck_private_key
		var cerr *C.ck_error
		st := C.ck_encrypted_key_decrypt(p, cBytes(password), C.size_t(len(password)),
			C.uint64_t(limits.MaxMemoryBytes), C.uint64_t(limits.MaxWork), &out, &cerr)
		if err := statusError(st, cerr); err != nil {
			return err
		}
		key = newPrivateKey(out)
		return nil
	})
	return key, err
}

// ChangePassword re-encrypts under a new password with a fresh salt and
// nonce, keeping the scrypt parameters; k is unchanged. The old password is
// checked under the default limits.
func (k *EncryptedKey) ChangePassword(oldPassword, newPassword []byte) (*EncryptedKey, error) {
	return k.ChangePasswordWithLimits(oldPassword, newPassword, Limits{})
}

// ChangePasswordWithLimits is [EncryptedKey.ChangePassword] with explicit
// scrypt limits for the file's parameters.
func (k *EncryptedKey) ChangePasswordWithLimits(oldPassword, newPassword []byte, limits Limits) (*EncryptedKey, error) {
	var changed *EncryptedKey
	err := k.use(func(p *C.ck_encrypted_key) error {
		var out *C.ck_encrypted_key
		var cerr *C.ck_error
		st := C.ck_encrypted_key_change_password(p, cBytes(oldPassword), C.size_t(len(oldPassword)),
			cBytes(newPassword), C.size_t(len(newPassword)),
			C.uint64_t(limits.MaxMemoryBytes), C.uint64_t(limits.MaxWork), &out, &cerr)
		if err := statusError(st, cerr); err != nil {
			return err
		}
		changed = newEncryptedKey(out)
		return nil
	})
	return changed, err
}
