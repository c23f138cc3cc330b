package cosignkeys

/*
#include <stdlib.h>
#include "cosign_keys.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

// DeleteMode says how [Store.Delete] removes a version.
type DeleteMode uint32

// Delete modes.
const (
	// DeleteSoft is recoverable where the store supports it (Vault KV
	// delete); a plain removal elsewhere.
	DeleteSoft DeleteMode = C.CK_DELETE_SOFT
	// DeleteDestroy is irrecoverable: Vault KV destroy; for files,
	// overwritten then unlinked (best effort).
	DeleteDestroy DeleteMode = C.CK_DELETE_DESTROY
)

// VersionState says whether a stored version can still be read.
type VersionState string

// Version states reported by [Store.Versions]; newer libraries may report
// other values.
const (
	VersionLive      VersionState = "live"
	VersionDeleted   VersionState = "deleted"   // soft-deleted, recoverable
	VersionDestroyed VersionState = "destroyed" // gone for good; the record remains
)

// KeyMetadata is what a store keeps beside a key pair. Never secret.
type KeyMetadata struct {
	Fingerprint Fingerprint       // of the public key, as stored
	Algorithm   Algorithm         // the key's algorithm
	CreatedBy   string            // who stored it
	CreatedAt   time.Time         // when (UTC, as precise as the store records it)
	Labels      map[string]string // free-form labels (never nil)
}

// VersionInfo is one version of a stored key, as [Store.Versions] lists it.
type VersionInfo struct {
	Version     uint64       // the number to pass to Get
	Fingerprint *Fingerprint // nil when the store does not record it
	CreatedAt   time.Time    // zero when the store does not record it
	State       VersionState
}

// PutOptions are the choices of [Store.Put].
type PutOptions struct {
	// Password, when not nil, is kept beside the key by stores that hold
	// one (Vault KV's password field); an empty non-nil slice stores the
	// empty password. nil keeps it out of the store.
	Password []byte
	// CreatedBy names who stored the key (a user, a pipeline id).
	CreatedBy string
	// Labels are stored with the metadata.
	Labels map[string]string
	// Overwrite allows a new version over an existing key; without it an
	// existing key gives ErrAlreadyExists.
	Overwrite bool
	// CheckVersion makes the write check-and-set: it happens only if the
	// current version is ExpectedVersion (0: nothing stored yet), else
	// ErrConflict and nothing changes.
	CheckVersion    bool
	ExpectedVersion uint64
}

// StoredKey is a key pair read by [Store.Get]. Close it to free the keys and
// wipe the password.
type StoredKey struct {
	Version   uint64
	Key       *EncryptedKey // the Cosign key file, still locked
	PublicKey *PublicKey
	Password  []byte // nil when the store keeps none; wiped by Close
	Metadata  KeyMetadata
}

// Close frees the keys and wipes the password. Idempotent; returns nil.
func (s *StoredKey) Close() error {
	if s.Key != nil {
		s.Key.Close()
	}
	if s.PublicKey != nil {
		s.PublicKey.Close()
	}
	Wipe(s.Password)
	return nil
}

// StoredPublicKey is a public key read by [Store.GetPublic], without the
// private key. Close frees the key.
type StoredPublicKey struct {
	Version   uint64
	PublicKey *PublicKey
	Metadata  KeyMetadata
}

// Close frees the key. Idempotent; returns nil.
func (s *StoredPublicKey) Close() error {
	if s.PublicKey != nil {
		s.PublicKey.Close()
	}
	return nil
}

// Store is an open key store: a directory (a path or file://DIR, with
// cosign.key and cosign.pub), env://VAR (read-only; the public key of an
// encrypted key in VAR comes from VAR_PUB) or vault-kv://MOUNT/PATH
// (Vault or OpenBao KV v2). Safe for concurrent use; Close frees it. Calls
// block until the store answers (network stores have bounded timeouts).
type Store struct {
	handle[*C.ck_store]
}

// CheckStoreURI validates a key location without opening anything and
// returns its canonical form. A bad one fails with ErrInvalidURI, whose
// message says what is wrong.
func CheckStoreURI(uri string) (string, error) {
	curi := C.CString(uri)
	defer C.free(unsafe.Pointer(curi))
	var out *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(C.ck_store_uri_check(curi, &out, &cerr), cerr); err != nil {
		return "", err
	}
	return string(takeBuf(out)), nil
}

// OpenStore opens the key store a URI names. Vault settings come from the
// environment (VAULT_ADDR, VAULT_TOKEN or VAULT_ROLE_ID + VAULT_SECRET_ID,
// VAULT_NAMESPACE, VAULT_CACERT); azure-secret://VAULT/NAME (Azure Key Vault
// secrets) reads COSIGN_KEYS_AZURE_TOKEN (else Azure's credential chain:
// AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, workload or managed
// identity, Azure CLI) and COSIGN_KEYS_AZURE_CA_BUNDLE. Backends the library
// was built without fail with ErrNotSupported.
func OpenStore(uri string) (*Store, error) {
	curi := C.CString(uri)
	defer C.free(unsafe.Pointer(curi))
	var p *C.ck_store
	var cerr *C.ck_error
	if err := statusError(C.ck_store_open(curi, &p, &cerr), cerr); err != nil {
		return nil, err
	}
	s := &Store{handle[*C.ck_store]{ptr: p, name: "Store", free: func(p *C.ck_store) { C.ck_store_free(p) }}}
	runtime.SetFinalizer(s, (*Store).Close)
	return s, nil
}

// Close frees the store. It is idempotent, waits for calls in progress, and
// always returns nil.
func (s *Store) Close() error {
	if s.release() {
		runtime.SetFinalizer(s, nil)
	}
	return nil
}

// URI is the store's location in canonical form.
func (s *Store) URI() (string, error) {
	b, err := s.bufCall(func(p *C.ck_store, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_store_uri(p, out, cerr)
	})
	return string(b), err
}

// Put stores a key pair (the encrypted private key and its public key) as a
// new version and returns its number. The metadata's fingerprint and
// algorithm are computed from pub. Errors: ErrAlreadyExists, ErrConflict,
// ErrInvalidArgument (a password the store does not keep, such as the
// directory store; the read-only env:// store), ErrIO, ErrPermissionDenied,
// ErrUnavailable, ErrBackend.
func (s *Store) Put(key *EncryptedKey, pub *PublicKey, opts PutOptions) (uint64, error) {
	var labels *C.char
	if opts.Labels != nil {
		text, err := json.Marshal(opts.Labels)
		if err != nil {
			return 0, &Error{Code: CodeInvalidArgument, Msg: "labels: " + err.Error()}
		}
		labels = C.CString(string(text))
		defer C.free(unsafe.Pointer(labels))
	}
	createdBy := C.CString(opts.CreatedBy)
	defer C.free(unsafe.Pointer(createdBy))
	var version C.uint64_t
	err := s.use(func(sp *C.ck_store) error {
		return key.use(func(kp *C.ck_encrypted_key) error {
			return pub.use(func(pp *C.ck_public_key) error {
				var cerr *C.ck_error
				st := C.ck_store_put(sp, kp, pp, cOptionalBytes(opts.Password), C.size_t(len(opts.Password)),
					createdBy, labels, C.bool(opts.Overwrite), C.bool(opts.CheckVersion),
					C.uint64_t(opts.ExpectedVersion), &version, &cerr)
				return statusError(st, cerr)
			})
		})
	})
	return uint64(version), err
}

// Get reads a version (1, 2, ...; 0 for the latest): the encrypted key,
// public key, password if stored, and metadata. Close the result. Errors:
// ErrNotFound and the backend errors.
func (s *Store) Get(version uint64) (*StoredKey, error) {
	var result *StoredKey
	err := s.use(func(sp *C.ck_store) error {
		var rec *C.ck_stored_key
		var cerr *C.ck_error
		if err := statusError(C.ck_store_get(sp, C.uint64_t(version), &rec, &cerr), cerr); err != nil {
			return err
		}
		defer C.ck_stored_key_free(rec)
		var err error
		result, err = readStoredKey(rec)
		return err
	})
	return result, err
}

// readStoredKey copies a ck_stored_key into Go values.
func readStoredKey(rec *C.ck_stored_key) (*StoredKey, error) {
	out := &StoredKey{Version: uint64(C.ck_stored_key_version(rec))}
	var ek *C.ck_encrypted_key
	var pub *C.ck_public_key
	var meta *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(C.ck_stored_key_encrypted_key(rec, &ek, &cerr), cerr); err != nil {
		return nil, err
	}
	out.Key = newEncryptedKey(ek)
	if err := statusError(C.ck_stored_key_public_key(rec, &pub, &cerr), cerr); err != nil {
		out.Close()
		return nil, err
	}
	out.PublicKey = newPublicKey(pub)
	if C.ck_stored_key_has_password(rec) {
		var pw *C.ck_buf
		if err := statusError(C.ck_stored_key_password(rec, &pw, &cerr), cerr); err != nil {
			out.Close()
			return nil, err
		}
		out.Password = takeBuf(pw)
	}
	if err := statusError(C.ck_stored_key_metadata(rec, &meta, &cerr), cerr); err != nil {
		out.Close()
		return nil, err
	}
	m, err := parseMetadata(takeBuf(meta))
	if err != nil {
		out.Close()
		return nil, err
	}
	out.Metadata = m
	return out, nil
}

// GetPublic reads a version's public key and metadata without reading the
// private key or the password (0 for the latest). Close the result.
func (s *Store) GetPublic(version uint64) (*StoredPublicKey, error) {
	var result *StoredPublicKey
	err := s.use(func(sp *C.ck_store) error {
		var rec *C.ck_stored_public_key
		var cerr *C.ck_error
		if err := statusError(C.ck_store_get_public(sp, C.uint64_t(version), &rec, &cerr), cerr); err != nil {
			return err
		}
		defer C.ck_stored_public_key_free(rec)
		var pub *C.ck_public_key
		var meta *C.ck_buf
		if err := statusError(C.ck_stored_public_key_public_key(rec, &pub, &cerr), cerr); err != nil {
			return err
		}
		out := &StoredPublicKey{Version: uint64(C.ck_stored_public_key_version(rec)), PublicKey: newPublicKey(pub)}
		if err := statusError(C.ck_stored_public_key_metadata(rec, &meta, &cerr), cerr); err != nil {
			out.Close()
			return err
		}
		m, err := parseMetadata(takeBuf(meta))
		if err != nil {
			out.Close()
			return err
		}
		out.Metadata = m
		result = out
		return nil
	})
	return result, err
}

// Versions lists every version, oldest first (empty for an empty location).
func (s *Store) Versions() ([]VersionInfo, error) {
	text, err := s.bufCall(func(p *C.ck_store, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_store_versions(p, out, cerr)
	})
	if err != nil {
		return nil, err
	}
	var raw []struct {
		Version     uint64     `json:"version"`
		Fingerprint *string    `json:"fingerprint"`
		CreatedAt   *time.Time `json:"created_at"`
		State       string     `json:"state"`
	}
	if err := json.Unmarshal(text, &raw); err != nil {
		return nil, badDocument("version list", err)
	}
	list := make([]VersionInfo, 0, len(raw))
	for _, r := range raw {
		v := VersionInfo{Version: r.Version, State: VersionState(r.State)}
		if r.Fingerprint != nil {
			fp, err := ParseFingerprint(*r.Fingerprint)
			if err != nil {
				return nil, err
			}
			v.Fingerprint = &fp
		}
		if r.CreatedAt != nil {
			v.CreatedAt = r.CreatedAt.UTC()
		}
		list = append(list, v)
	}
	return list, nil
}

// Delete removes one version (version >= 1; 0 fails with
// ErrInvalidArgument, see [Store.DeleteAll]).
func (s *Store) Delete(version uint64, mode DeleteMode) error {
	return s.use(func(p *C.ck_store) error {
		var cerr *C.ck_error
		return statusError(C.ck_store_delete(p, C.uint64_t(version), C.ck_delete_mode(mode), &cerr), cerr)
	})
}

// DeleteAll removes every version of the key and its metadata.
func (s *Store) DeleteAll(mode DeleteMode) error {
	return s.use(func(p *C.ck_store) error {
		var cerr *C.ck_error
		return statusError(C.ck_store_delete_all(p, C.ck_delete_mode(mode), &cerr), cerr)
	})
}

// parseMetadata reads the metadata document of ck_stored_key_metadata.
func parseMetadata(text []byte) (KeyMetadata, error) {
	var raw struct {
		Fingerprint string            `json:"fingerprint"`
		Algorithm   string            `json:"algorithm"`
		CreatedBy   string            `json:"created_by"`
		CreatedAt   time.Time         `json:"created_at"`
		Labels      map[string]string `json:"labels"`
	}
	if err := json.Unmarshal(text, &raw); err != nil {
		return KeyMetadata{}, badDocument("key metadata", err)
	}
	fp, err := ParseFingerprint(raw.Fingerprint)
	if err != nil {
		return KeyMetadata{}, err
	}
	alg, err := ParseAlgorithm(raw.Algorithm)
	if err != nil {
		return KeyMetadata{}, err
	}
	if raw.Labels == nil {
		raw.Labels = map[string]string{}
	}
	return KeyMetadata{
		Fingerprint: fp,
		Algorithm:   alg,
		CreatedBy:   raw.CreatedBy,
		CreatedAt:   raw.CreatedAt.UTC(),
		Labels:      raw.Labels,
	}, nil
}

// badDocument is the error for a JSON document of the library that does not
// parse (a library bug or a version mismatch).
func badDocument(what string, err error) error {
	return &Error{Code: CodeBackend, Msg: fmt.Sprintf("unreadable %s from the library: %v", what, err)}
}
