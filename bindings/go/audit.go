package cosignkeys

/*
#include "cosign_keys.h"
*/
import "C"

import "time"

// AuditReport is what [VerifyAudit] found in a log that checks out.
type AuditReport struct {
	Records uint64    `json:"records"`
	Head    AuditHead `json:"head"` // keep it for the next verification
}

// AuditEntry is one record of an audit log. Only public facts: never a
// password, token or key bytes. Optional fields are empty when the event
// has none.
type AuditEntry struct {
	Seq            uint64    `json:"seq"`
	Time           time.Time `json:"time"`
	Event          string    `json:"event"` // key.rotated, key.compromised, artifact.signed, …
	Who            string    `json:"who"`
	Host           string    `json:"host"`
	Reason         string    `json:"reason"`
	Fingerprints   []string  `json:"fingerprints"`
	OldFingerprint string    `json:"old_fingerprint"`
	NewFingerprint string    `json:"new_fingerprint"`
	Incident       string    `json:"incident"`
	Artifact       string    `json:"artifact"`
	Digest         string    `json:"digest"`
	Pipeline       string    `json:"pipeline"`
	Target         string    `json:"target"`
	Keyring        string    `json:"keyring"`
	Operation      string    `json:"operation"`
}

// VerifyAudit checks the audit log at path: the whole hash chain (an
// edited, deleted, reordered or inserted record fails with ErrAuditTampered
// naming the record) and, with a non-nil expected head, that the log ends
// exactly there (truncation, records appended out of band). A missing file
// is an empty log.
func VerifyAudit(path string, expected *AuditHead) (*AuditReport, error) {
	var a cArgs
	defer a.free()
	var head *C.char
	if expected != nil {
		head = a.str(expected.String())
	}
	var out AuditReport
	err := jsonCall("audit report", &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_audit_verify(a.str(path), head, o, cerr)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ReadAuditHead is the current head of the audit log at path, from its
// last record alone (it does not verify the chain); the empty head for a
// missing or empty log.
func ReadAuditHead(path string) (AuditHead, error) {
	var a cArgs
	defer a.free()
	var out *C.ck_buf
	var cerr *C.ck_error
	if err := statusError(C.ck_audit_head(a.str(path), &out, &cerr), cerr); err != nil {
		return AuditHead{}, err
	}
	return ParseAuditHead(string(takeBuf(out)))
}

// AuditEntries is every record of the audit log at path, oldest first
// (without verifying the chain: use [VerifyAudit] for that).
func AuditEntries(path string) ([]AuditEntry, error) {
	var a cArgs
	defer a.free()
	var out []AuditEntry
	err := jsonCall("audit entries", &out, func(o **C.ck_buf, cerr **C.ck_error) C.ck_status {
		return C.ck_audit_entries(a.str(path), o, cerr)
	})
	return out, err
}
