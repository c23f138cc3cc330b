package cosignkeys

/*
#include <stdlib.h>
#include <string.h>
#include "cosign_keys.h"
*/
import "C"

import (
	"encoding/json"
	"time"
	"unsafe"
)

// BackupOptions are the choices of [Keyring.CreateBackup].
type BackupOptions struct {
	// Passphrase, when not nil, protects the backup (non-empty UTF-8);
	// Threshold and Shares must then be 0.
	Passphrase []byte
	// Threshold and Shares, with a nil Passphrase: a generated passphrase
	// split into Shares shares of which any Threshold recover it
	// (2 <= Threshold <= Shares <= 255).
	Threshold, Shares uint8
	// WorkFactor is age's scrypt work factor (log2 N); 0: 17, the largest
	// recovery accepts under the default 256 MiB KDF limit.
	WorkFactor uint8
	// Overwrite replaces an existing backup file.
	Overwrite bool
}

// RecoveryOptions are the secret and choices of [RecoverBackup].
type RecoveryOptions struct {
	// Passphrase or Shares (at least the threshold of one set): exactly
	// one of the two.
	Passphrase []byte
	Shares     [][]byte
	// StoreMap restores keys of an original store URI into another one.
	StoreMap map[string]string
	// Overwrite replaces a keyring that exists at the target.
	Overwrite bool
	// MaxWorkFactor is the highest age work factor accepted; 0: age's
	// default bound.
	MaxWorkFactor uint8
}

// CreateBackup writes an encrypted backup of the keyring (an armored age
// file, mode 0600) to outPath: the manifest, the signature ledger, the audit
// log, and every stored key version that still has private material (still
// encrypted with its own password). With shares it returns them: each is a
// secret for a different person (wipe them with [Wipe] once handed out).
func (k *Keyring) CreateBackup(outPath string, opts BackupOptions, actor Actor, now time.Time) (*BackupSummary, [][]byte, error) {
	doc := map[string]any{"overwrite": opts.Overwrite}
	if opts.WorkFactor != 0 {
		doc["work_factor"] = opts.WorkFactor
	}
	options, _ := json.Marshal(doc)
	var text []byte
	err := k.use(func(p *C.ck_keyring) error {
		var a cArgs
		defer a.free()
		var out *C.ck_buf
		var cerr *C.ck_error
		st := C.ck_backup_create(p, a.str(outPath), cOptionalBytes(opts.Passphrase), C.size_t(len(opts.Passphrase)),
			C.uint8_t(opts.Threshold), C.uint8_t(opts.Shares), a.str(string(options)),
			a.str(actor.Who), a.opt(actor.Reason), a.time(now), &out, &cerr)
		if err := statusError(st, cerr); err != nil {
			return err
		}
		text = takeBuf(out)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	defer Wipe(text)
	// Shares are decoded as raw bytes (never strings) so callers can wipe
	// them; they are plain CKS1-… text, without escapes.
	var raw struct {
		Summary BackupSummary     `json:"summary"`
		Shares  []json.RawMessage `json:"shares"`
	}
	if err := decodeResult("backup summary", text, &raw); err != nil {
		return nil, nil, err
	}
	shares := make([][]byte, 0, len(raw.Shares))
	for _, s := range raw.Shares {
		if len(s) >= 2 {
			shares = append(shares, s[1:len(s)-1])
		}
	}
	return &raw.Summary, shares, nil
}

// RecoverBackup restores the backup at backupPath into the keyring whose
// manifest is manifestURI and whose audit log is auditPath, writing every
// key back into its store (or the one StoreMap names). Too few shares, a
// wrong passphrase or a damaged file fail with ErrRecoveryFailed; a
// keyring at the target without Overwrite with ErrConflict.
func RecoverBackup(backupPath, manifestURI, auditPath string, opts RecoveryOptions, actor Actor, now time.Time) (*RecoverySummary, error) {
	doc := map[string]any{"overwrite": opts.Overwrite}
	if len(opts.StoreMap) > 0 {
		doc["store_map"] = opts.StoreMap
	}
	if opts.MaxWorkFactor != 0 {
		doc["max_work_factor"] = opts.MaxWorkFactor
	}
	options, _ := json.Marshal(doc)
	var a cArgs
	defer a.free()
	var shares *C.char
	if opts.Shares != nil {
		var release func()
		shares, release = cSecretJSONArray(opts.Shares)
		defer release()
	}
	var out RecoverySummary
	err := jsonCall("recovery summary", &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_backup_recover(a.str(backupPath), cOptionalBytes(opts.Passphrase), C.size_t(len(opts.Passphrase)),
			shares, a.str(manifestURI), a.str(auditPath), a.str(string(options)),
			a.str(actor.Who), a.opt(actor.Reason), a.time(now), o, cerr)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CombineShares combines shares (at least the threshold of one set) into
// the backup passphrase, for `age -d` by hand. Wipe it when done.
func CombineShares(shares [][]byte) ([]byte, error) {
	doc, release := cSecretJSONArray(shares)
	defer release()
	var out *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(C.ck_backup_combine_shares(doc, &out, &cerr), cerr); err != nil {
		return nil, err
	}
	return takeBuf(out), nil
}

// cSecretJSONArray writes items as a JSON array of strings into C memory,
// which release wipes and frees.
func cSecretJSONArray(items [][]byte) (*C.char, func()) {
	size := 3
	for _, it := range items {
		size += 6*len(it) + 3
	}
	mem := C.malloc(C.size_t(size))
	buf := unsafe.Slice((*byte)(mem), size)
	n := 0
	put := func(b byte) { buf[n] = b; n++ }
	const hexDigits = "0123456789abcdef"
	put('[')
	for i, it := range items {
		if i > 0 {
			put(',')
		}
		put('"')
		for _, c := range it {
			switch {
			case c == '"' || c == '\\':
				put('\\')
				put(c)
			case c < 0x20:
				for _, e := range []byte{'\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15]} {
					put(e)
				}
			default:
				put(c)
			}
		}
		put('"')
	}
	put(']')
	put(0)
	return (*C.char)(mem), func() {
		C.memset(mem, 0, C.size_t(size))
		C.free(mem)
	}
}
