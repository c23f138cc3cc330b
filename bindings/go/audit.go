package cosignkeys

/*
#include "cosign_keys.h"
*/
import "C"

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
