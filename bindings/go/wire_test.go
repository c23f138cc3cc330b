package cosignkeys

import "testing"

// TestWireFieldsReachGo checks fields the hand-written structs lacked and
// wire_gen.go (generated from the schema) now decodes: the manifest's
// audit anchor and a rotation's pending-operation details.
func TestWireFieldsReachGo(t *testing.T) {
	rb := newRunbook(t)
	kr := rb.kr
	if err := kr.Init(nil, alice, t0); err != nil {
		t.Fatal(err)
	}
	r := must(kr.Rotate(rb.newKey, RotateOptions{}, alice, t0))
	m, _, err := kr.Manifest()
	if err != nil || m == nil {
		t.Fatalf("manifest: %v", err)
	}
	if m.AuditHead == nil || *m.AuditHead != r.AuditHead {
		t.Errorf("manifest anchor %+v, rotation's audit head %+v", m.AuditHead, r.AuditHead)
	}
	if m.AuditOffset == 0 || len(m.AuditPending) != 0 || m.Deferred != nil {
		t.Errorf("manifest: offset %d, %d pending audit records, deferred %+v", m.AuditOffset, len(m.AuditPending), m.Deferred)
	}
	report := must(kr.VerifyAudit())
	if report.Head != r.AuditHead || report.IncompleteTail != 0 {
		t.Errorf("audit report %+v", report)
	}
}
