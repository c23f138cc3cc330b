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
	"strconv"
	"time"
	"unsafe"
)

// KeyState is where a key version is in its life (NIST SP 800-57 / KMIP
// names). A retired key is [KeyDeactivated] with a non-zero RetiredAt.
type KeyState string

// Key states; newer libraries may report others.
const (
	KeyPreActive   KeyState = "pre-active"
	KeyActive      KeyState = "active"
	KeyDeactivated KeyState = "deactivated"
	KeyCompromised KeyState = "compromised"
	KeyDestroyed   KeyState = "destroyed"
)

// AnnualPolicy and QuarterlyPolicy are the two usual policies. A
// TransitionWindowDays of 0 in [Keyring.Init] and [Keyring.SetPolicy] means
// 30 days (or one day less than a shorter period).
var (
	AnnualPolicy    = Policy{PeriodDays: 365, TransitionWindowDays: 30}
	QuarterlyPolicy = Policy{PeriodDays: 90, TransitionWindowDays: 30}
)

func (p Policy) document() string {
	if p.TransitionWindowDays == 0 {
		return fmt.Sprintf(`{"period_days":%d}`, p.PeriodDays)
	}
	return fmt.Sprintf(`{"period_days":%d,"transition_window_days":%d}`, p.PeriodDays, p.TransitionWindowDays)
}

// KeyLocation is where a key version's private key lives: a key store
// version (Kind "store", StoreVersion) or a KMS key version (Kind "kms",
// KMSVersion).
type KeyLocation struct {
	Kind         string // "store" or "kms"
	URI          string
	StoreVersion uint64 // Kind "store"
	KMSVersion   string // Kind "kms"
}

// UnmarshalJSON reads {"kind", "uri", "version"}, whose version is a
// number for a store and a string for a KMS.
func (l *KeyLocation) UnmarshalJSON(data []byte) error {
	var raw struct {
		Kind    string          `json:"kind"`
		URI     string          `json:"uri"`
		Version json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*l = KeyLocation{Kind: raw.Kind, URI: raw.URI}
	if len(raw.Version) == 0 {
		return nil
	}
	if raw.Kind == "store" {
		return json.Unmarshal(raw.Version, &l.StoreVersion)
	}
	if err := json.Unmarshal(raw.Version, &l.KMSVersion); err != nil {
		// A number from a KMS that numbers its versions.
		var n json.Number
		if json.Unmarshal(raw.Version, &n) != nil {
			return err
		}
		l.KMSVersion = n.String()
	}
	return nil
}

// String is the location as people read it, e.g. "keys/prod (version 3)".
func (l KeyLocation) String() string {
	if l.Kind == "store" {
		return l.URI + " (version " + strconv.FormatUint(l.StoreVersion, 10) + ")"
	}
	return l.URI + " (KMS version " + l.KMSVersion + ")"
}

// AuditHead is the end of an audit log: its number of records and the
// SHA-256 of its last line. Keep it where the log's writers cannot change
// it, and pass it to [VerifyAudit] to detect truncation.
type AuditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"` // lowercase hex
}

// String is the head's text form, "<seq>:<hash>".
func (h AuditHead) String() string { return strconv.FormatUint(h.Seq, 10) + ":" + h.Hash }

// ParseAuditHead parses the text form "<seq>:<64 hex>" by the core's rule
// (the same in C, Go and Python: surrounding blanks ignored, hex in either
// case, returned lowercase).
func ParseAuditHead(text string) (AuditHead, error) {
	var a cArgs
	defer a.free()
	var head AuditHead
	err := jsonCall("audit head", &head, func(out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_audit_head_parse(a.str(text), out, cerr)
	})
	return head, err
}

// Key is the record of the key with this id, or nil.
func (s *Status) Key(id uint32) *KeyStatus {
	for i := range s.Keys {
		if s.Keys[i].ID == id {
			return &s.Keys[i]
		}
	}
	return nil
}

// NewKey is the key a rotation creates: with a non-nil Password, generated
// here, encrypted in cosign's format and put into the key store URI (a
// directory, file://…, vault-kv://…); with a nil Password, created in the
// KMS URI (hashivault://…, awskms://…).
type NewKey struct {
	URI       string
	Algorithm Algorithm
	Password  []byte // nil: a KMS key; empty non-nil: the empty password
	// KeepPasswordInStore also keeps the password in the store (Vault KV's
	// password field).
	KeepPasswordInStore bool
	// Scrypt, when not nil, sets the key file's scrypt cost (default:
	// cosign's).
	Scrypt *ScryptParams
}

// RotateOptions are the choices of [Keyring.Rotate]; the zero value is the
// default.
type RotateOptions struct {
	// TransitionWindowDays, when not nil, is the old key's window instead
	// of the policy's.
	TransitionWindowDays *uint32
	// ExpectRevision, when not nil, makes the rotation happen only if the
	// keyring is still at that revision (else ErrConflict).
	ExpectRevision *uint64
	// Policy, when not nil, is the policy of a keyring this rotation
	// creates.
	Policy *Policy
}

// rotateDocument is the options_json of the rotating calls.
func rotateDocument(key *NewKey, opts RotateOptions) string {
	doc := map[string]any{}
	if opts.TransitionWindowDays != nil {
		doc["transition_window_days"] = *opts.TransitionWindowDays
	}
	if opts.ExpectRevision != nil {
		doc["expect_revision"] = *opts.ExpectRevision
	}
	if opts.Policy != nil {
		p := map[string]uint32{"period_days": opts.Policy.PeriodDays}
		if opts.Policy.TransitionWindowDays != 0 {
			p["transition_window_days"] = opts.Policy.TransitionWindowDays
		}
		doc["policy"] = p
	}
	if key.KeepPasswordInStore {
		doc["keep_password_in_store"] = true
	}
	if key.Scrypt != nil {
		doc["scrypt"] = map[string]uint64{"n": key.Scrypt.N, "r": uint64(key.Scrypt.R), "p": uint64(key.Scrypt.P)}
	}
	text, _ := json.Marshal(doc)
	return string(text)
}

// cArgs holds the C strings of one call and frees them afterwards.
type cArgs struct{ ptrs []unsafe.Pointer }

// str is a C copy of s.
func (a *cArgs) str(s string) *C.char {
	p := C.CString(s)
	a.ptrs = append(a.ptrs, unsafe.Pointer(p))
	return p
}

// opt is a C copy of s, or NULL for "".
func (a *cArgs) opt(s string) *C.char {
	if s == "" {
		return nil
	}
	return a.str(s)
}

// time is t as RFC 3339 UTC (to the second), or NULL ("now") for the zero
// time.
func (a *cArgs) time(t time.Time) *C.char {
	if t.IsZero() {
		return nil
	}
	return a.str(t.UTC().Format(time.RFC3339))
}

func (a *cArgs) free() {
	for _, p := range a.ptrs {
		C.free(p)
	}
	a.ptrs = nil
}

// jsonCall runs a C function that fills a ck_buf with a JSON document and
// decodes it into v.
func jsonCall(what string, v any, f func(out **C.ck_buf, cerr **C.ck_error) C.ck_status) error {
	var out *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(f(&out, &cerr), cerr); err != nil {
		return err
	}
	return decodeResult(what, takeBuf(out), v)
}

// decodeResult decodes a JSON document of the library.
func decodeResult(what string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return &Error{Code: CodeBackend, Msg: fmt.Sprintf("unreadable %s from the library: %v", what, err)}
	}
	return nil
}

// keyringDoc runs a keyring call that fills a ck_buf with a JSON document
// and decodes it into a new T. f gets the live handle and a cArgs whose
// strings stay valid for the call.
func keyringDoc[T any](k *Keyring, what string, f func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status) (*T, error) {
	var out T
	err := k.use(func(p *C.ck_keyring) error {
		var a cArgs
		defer a.free()
		return jsonCall(what, &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status { return f(p, &a, o, cerr) })
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Keyring is a keyring: its manifest (a file or Vault KV document), the
// signature ledger beside it, and its local audit log. It holds no secret
// and no lock: every call reads the manifest afresh and saves with
// check-and-set, so a call that loses a race fails with ErrConflict.
// Safe for concurrent use; Close when done.
//
// Times: a zero time.Time means "now"; times are handled to the second,
// in UTC.
type Keyring struct {
	handle[*C.ck_keyring]
}

// OpenKeyring opens the keyring whose manifest is at manifestURI (a file
// path, file://…, vault-kv://mount/path) with its audit log at the local
// file auditPath. Nothing is read or created yet: [Keyring.Init] or a
// first [Keyring.Rotate] creates the keyring.
func OpenKeyring(manifestURI, auditPath string) (*Keyring, error) {
	var a cArgs
	defer a.free()
	var p *C.ck_keyring
	var cerr *C.ck_error
	if err := statusError(C.ck_keyring_open(a.str(manifestURI), a.str(auditPath), &p, &cerr), cerr); err != nil {
		return nil, err
	}
	k := &Keyring{handle[*C.ck_keyring]{ptr: p, name: "Keyring", free: func(p *C.ck_keyring) { C.ck_keyring_free(p) }}}
	runtime.SetFinalizer(k, (*Keyring).Close)
	return k, nil
}

// Close frees the handle (nothing on disk changes). Idempotent; always nil.
func (k *Keyring) Close() error {
	if k.release() {
		runtime.SetFinalizer(k, nil)
	}
	return nil
}

// Init creates an empty keyring with a policy (nil: [AnnualPolicy]).
// ErrConflict if it exists.
func (k *Keyring) Init(policy *Policy, actor Actor, now time.Time) error {
	return k.use(func(p *C.ck_keyring) error {
		var a cArgs
		defer a.free()
		var doc *C.char
		if policy != nil {
			doc = a.str(policy.document())
		}
		var cerr *C.ck_error
		return statusError(C.ck_keyring_init(p, doc, a.str(actor.Who), a.opt(actor.Reason), a.time(now), &cerr), cerr)
	})
}

// SetPolicy changes the rotation policy (for keys deactivated from now on).
func (k *Keyring) SetPolicy(policy Policy, actor Actor, now time.Time) error {
	return k.use(func(p *C.ck_keyring) error {
		var a cArgs
		defer a.free()
		var cerr *C.ck_error
		return statusError(C.ck_keyring_set_policy(p, a.str(policy.document()), a.str(actor.Who), a.opt(actor.Reason), a.time(now), &cerr), cerr)
	})
}

// Rotate creates a new key, activates it and deactivates the old one with
// the transition window; it creates the keyring if needed. After a failure
// the old key still signs, and calling again with the same target completes
// the rotation.
func (k *Keyring) Rotate(key NewKey, opts RotateOptions, actor Actor, now time.Time) (*RotationOutcome, error) {
	return keyringDoc[RotationOutcome](k, "rotation outcome", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_rotate(p, a.str(key.URI), C.ck_algorithm(key.Algorithm),
			cOptionalBytes(key.Password), C.size_t(len(key.Password)), a.str(rotateDocument(&key, opts)),
			a.str(actor.Who), a.opt(actor.Reason), a.time(now), o, cerr)
	})
}

// EmergencyRotate marks key (an id such as "2", or a fingerprint)
// compromised — untrusted at once, never active again — and rotates to a
// new key, in one call. The compromise reason is also the audit reason.
func (k *Keyring) EmergencyRotate(key string, c Compromise, newKey NewKey, who string, now time.Time) (*RotationOutcome, error) {
	return keyringDoc[RotationOutcome](k, "rotation outcome", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_emergency_rotate(p, a.str(key), a.str(c.Reason), a.str(c.Incident),
			a.str(newKey.URI), C.ck_algorithm(newKey.Algorithm),
			cOptionalBytes(newKey.Password), C.size_t(len(newKey.Password)),
			a.str(rotateDocument(&newKey, RotateOptions{})), a.str(who), a.time(now), o, cerr)
	})
}

// Revoke marks key (id or fingerprint) compromised: untrusted at once and
// never active again. If it was the active key there is none until the
// next rotation. The compromise reason is also the audit reason.
func (k *Keyring) Revoke(key string, c Compromise, who string, now time.Time) (*RevocationOutcome, error) {
	return keyringDoc[RevocationOutcome](k, "revocation outcome", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_revoke(p, a.str(key), a.str(c.Reason), a.str(c.Incident), a.str(who), a.time(now), o, cerr)
	})
}

// Retire retires deactivated keys whose window has ended: key (id or
// fingerprint) alone, or every key due for it when key is "". It returns
// the ids retired.
func (k *Keyring) Retire(key string, actor Actor, now time.Time) ([]uint32, error) {
	var out struct {
		Retired []uint32 `json:"retired"`
	}
	err := k.use(func(p *C.ck_keyring) error {
		var a cArgs
		defer a.free()
		return jsonCall("retire result", &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status {
			return C.ck_keyring_retire(p, a.opt(key), a.str(actor.Who), a.opt(actor.Reason), a.time(now), o, cerr)
		})
	})
	return out.Retired, err
}

// Destroy deletes key's private material from its store (irrecoverably)
// and records it destroyed; the record stays. Allowed for pre-active,
// compromised and retired keys. It returns the audit head afterwards.
//
// The key at the recorded location must be the recorded one: another key
// there is ErrKeyMismatch, nothing there ErrNotFound; both erase and record
// nothing (see [Keyring.DestroyWith] for material known to be gone).
func (k *Keyring) Destroy(key string, actor Actor, now time.Time) (AuditHead, error) {
	return k.DestroyWith(key, DestroyOptions{}, actor, now)
}

// DestroyOptions are the choices of [Keyring.DestroyWith]; the zero value
// is the default.
type DestroyOptions struct {
	// MaterialGone records the key destroyed when nothing is found at its
	// recorded location (the caller knows the material is gone); the audit
	// record says it was not verified. Another key found there is still
	// ErrKeyMismatch.
	MaterialGone bool
}

// DestroyWith is [Keyring.Destroy] with options.
func (k *Keyring) DestroyWith(key string, opts DestroyOptions, actor Actor, now time.Time) (AuditHead, error) {
	var out struct {
		AuditHead AuditHead `json:"audit_head"`
	}
	doc := "{}"
	if opts.MaterialGone {
		doc = `{"material_gone":true}`
	}
	err := k.use(func(p *C.ck_keyring) error {
		var a cArgs
		defer a.free()
		return jsonCall("destroy result", &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status {
			return C.ck_keyring_destroy_with(p, a.str(key), a.str(doc), a.str(actor.Who), a.opt(actor.Reason), a.time(now), o, cerr)
		})
	})
	return out.AuditHead, err
}

// Resume completes an interrupted operation and returns its kind ("" when
// nothing was pending). A rotation stopped before its new key was stored
// needs the same newKey it was started with; otherwise pass nil.
func (k *Keyring) Resume(newKey *NewKey, now time.Time) (string, error) {
	var out struct {
		Completed *string `json:"completed"`
	}
	err := k.use(func(p *C.ck_keyring) error {
		var a cArgs
		defer a.free()
		return jsonCall("resume result", &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status {
			if newKey == nil {
				return C.ck_keyring_resume(p, nil, 0, nil, 0, nil, a.time(now), o, cerr)
			}
			return C.ck_keyring_resume(p, a.str(newKey.URI), C.ck_algorithm(newKey.Algorithm),
				cOptionalBytes(newKey.Password), C.size_t(len(newKey.Password)),
				a.str(rotateDocument(newKey, RotateOptions{})), a.time(now), o, cerr)
		})
	})
	if err != nil || out.Completed == nil {
		return "", err
	}
	return *out.Completed, nil
}

// Status is the keyring's state at now. ErrNotFound before it exists.
func (k *Keyring) Status(now time.Time) (*Status, error) {
	return keyringDoc[Status](k, "status", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_status(p, a.time(now), o, cerr)
	})
}

// VerifyAudit verifies the keyring's audit log: the whole hash chain, and
// that the log still holds the record the manifest was last saved after
// (its anchor), so a deleted, truncated or replaced log is found without a
// head kept elsewhere. The error is CodeAuditTampered naming the record.
func (k *Keyring) VerifyAudit() (*AuditReport, error) {
	return keyringDoc[AuditReport](k, "audit report", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_verify_audit(p, o, cerr)
	})
}

// Due is what the rotation policy asks for at now.
func (k *Keyring) Due(now time.Time) (*Due, error) {
	return keyringDoc[Due](k, "due", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_due(p, a.time(now), o, cerr)
	})
}

// TrustBundle is the set of public keys verifiers should trust at at.
func (k *Keyring) TrustBundle(at time.Time) (*TrustBundle, error) {
	return keyringDoc[TrustBundle](k, "trust bundle", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_trust_bundle_json(p, a.time(at), o, cerr)
	})
}

// TrustBundlePEM is the trust bundle at at as one multi-key PEM (active key
// first), the cosign-trust-bundle.pem admission controllers read.
func (k *Keyring) TrustBundlePEM(at time.Time) ([]byte, error) {
	var a cArgs
	defer a.free()
	return k.bufCall(func(p *C.ck_keyring, out **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_trust_bundle(p, a.time(at), out, cerr)
	})
}

// Distribute writes cosign.pub, cosign.pub.old and cosign-trust-bundle.pem
// for now into dir (removing a stale cosign.pub or cosign.pub.old) and
// audits it.
func (k *Keyring) Distribute(dir string, actor Actor, now time.Time) (*TrustBundle, error) {
	return keyringDoc[TrustBundle](k, "trust bundle", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_distribute(p, a.str(dir), a.str(actor.Who), a.opt(actor.Reason), a.time(now), o, cerr)
	})
}

// Manifest is the keyring document and its revision; nil and 0 before the
// keyring exists.
func (k *Keyring) Manifest() (*Manifest, uint64, error) {
	var out struct {
		Revision uint64    `json:"revision"`
		Manifest *Manifest `json:"manifest"`
	}
	err := k.use(func(p *C.ck_keyring) error {
		return jsonCall("manifest", &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status {
			return C.ck_keyring_manifest(p, o, cerr)
		})
	})
	return out.Manifest, out.Revision, err
}

// Unlock reads and decrypts a stored key of the keyring: key (id or
// fingerprint), or the active key for "". The access is audited.
func (k *Keyring) Unlock(key string, password []byte, actor Actor, now time.Time) (*PrivateKey, error) {
	var priv *C.ck_private_key
	err := k.use(func(p *C.ck_keyring) error {
		var a cArgs
		defer a.free()
		var cerr *C.ck_error
		return statusError(C.ck_keyring_unlock(p, a.opt(key), cOptionalBytes(password), C.size_t(len(password)),
			a.str(actor.Who), a.opt(actor.Reason), a.time(now), &priv, &cerr), cerr)
	})
	if err != nil {
		return nil, err
	}
	return newPrivateKey(priv), nil
}

// SignDigest signs an artifact's digest ("sha256:<hex>" or hex) with the
// active key (a stored key unlocked with password; for a KMS key password
// is unused), records the signing event and audits it.
func (k *Keyring) SignDigest(artifact, digest, pipeline string, password []byte, actor Actor, now time.Time) (*SignedArtifact, error) {
	return keyringDoc[SignedArtifact](k, "signed artifact", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_sign_digest(p, a.str(artifact), a.str(digest), a.str(pipeline),
			cOptionalBytes(password), C.size_t(len(password)), a.str(actor.Who), a.opt(actor.Reason), a.time(now), o, cerr)
	})
}

// RecordSigning records that artifact at digest was signed in pipeline by
// the key with fingerprint ("" for the active key), for a signature made
// elsewhere, and audits it.
func (k *Keyring) RecordSigning(artifact, digest, pipeline, fingerprint string, actor Actor, now time.Time) (*SigningEvent, error) {
	return keyringDoc[SigningEvent](k, "signing event", func(p *C.ck_keyring, a *cArgs, o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_keyring_record_signing(p, a.str(artifact), a.str(digest), a.str(pipeline), a.opt(fingerprint),
			a.str(actor.Who), a.opt(actor.Reason), a.time(now), o, cerr)
	})
}

// ResignList is the artifacts whose newest signature is by a key that is no
// longer active: exactly those to sign again.
func (k *Keyring) ResignList() ([]ResignEntry, error) {
	var out []ResignEntry
	err := k.use(func(p *C.ck_keyring) error {
		return jsonCall("re-sign list", &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status {
			return C.ck_keyring_resign_list(p, o, cerr)
		})
	})
	return out, err
}

// UnmarshalText parses a fingerprint's text form (SHA256:… or hex), so
// library documents decode into Fingerprint fields.
func (f *Fingerprint) UnmarshalText(text []byte) error {
	fp, err := ParseFingerprint(string(text))
	if err != nil {
		return err
	}
	*f = fp
	return nil
}

// MarshalText is the SHA256:… form.
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// UnmarshalText parses an algorithm name ("ecdsa-p256", …).
func (a *Algorithm) UnmarshalText(text []byte) error {
	alg, err := ParseAlgorithm(string(text))
	if err != nil {
		return err
	}
	*a = alg
	return nil
}

// MarshalText is the algorithm's name.
func (a Algorithm) MarshalText() ([]byte, error) { return []byte(a.String()), nil }
