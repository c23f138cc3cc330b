package cosignkeys

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func at(text string) time.Time {
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	alice   = Actor{Who: "alice@example.com", Reason: "runbook rehearsal"}
	ci      = Actor{Who: "release-pipeline", Reason: "release"}
	keyPass = []byte("key password")
	t0      = at("2026-01-05T09:00:00Z")
	t1      = at("2027-01-05T09:00:00Z")
	t1Next  = at("2027-01-06T09:00:00Z")
	t2      = at("2027-01-10T09:00:00Z")
	t3      = at("2027-01-11T09:00:00Z")
)

// digestOf is a made-up artifact digest: its "sha256:<hex>" text and bytes.
func digestOf(seed byte) (string, []byte) {
	d := make([]byte, 32)
	for i := range d {
		d[i] = seed*31 + byte(i)
	}
	return "sha256:" + hex.EncodeToString(d), d
}

// verifiesWith checks a base64 signature over a digest with a PEM key.
func verifiesWith(t *testing.T, pem string, digest []byte, signature string) {
	t.Helper()
	pub := must(PublicKeyFromPEM([]byte(pem)))
	defer pub.Close()
	if err := pub.VerifyDigest(digest, must(DecodeSignature(signature))); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
}

type runbook struct {
	dir, manifest, audit, store string
	kr                          *Keyring
	newKey                      NewKey
}

func newRunbook(t *testing.T) *runbook {
	dir := t.TempDir()
	rb := &runbook{
		dir:      dir,
		manifest: filepath.Join(dir, "keyring.json"),
		audit:    filepath.Join(dir, "audit.jsonl"),
		store:    filepath.Join(dir, "keys"),
	}
	rb.kr = must(OpenKeyring(rb.manifest, rb.audit))
	t.Cleanup(func() { rb.kr.Close() })
	rb.newKey = NewKey{URI: rb.store, Algorithm: EcdsaP256, Password: keyPass, Scrypt: &fastParams}
	return rb
}

// TestKeyringRunbook is the key runbook through the Go binding: init, two
// rotations, status and trust bundle, signing and the re-sign list, invalid
// transitions, revoke and emergency rotation, destroy, the audit log and
// tampering, a 2-of-3 backup and recovery.
func TestKeyringRunbook(t *testing.T) {
	rb := newRunbook(t)
	kr := rb.kr

	_, err := kr.Status(t0)
	expectCode(t, err, ErrNotFound, "status before init")
	if m, rev, err := kr.Manifest(); err != nil || m != nil || rev != 0 {
		t.Fatalf("manifest before init: %v %d %v", m, rev, err)
	}
	expectCode(t, kr.Init(&Policy{PeriodDays: 30, TransitionWindowDays: 30}, alice, t0), ErrInvalidArgument, "window = period")
	if err := kr.Init(&AnnualPolicy, alice, t0); err != nil {
		t.Fatal(err)
	}
	expectCode(t, kr.Init(nil, alice, t0), ErrConflict, "init twice")

	// 1. The first key, and signatures by it.
	r1 := must(kr.Rotate(rb.newKey, RotateOptions{}, alice, t0))
	if r1.NewKey != 1 || r1.OldKey != 0 || r1.OldFingerprint != nil || r1.Kind != "rotate" {
		t.Errorf("first rotation: %+v", r1)
	}
	if r1.Location.Kind != "store" || r1.Location.URI != "file://"+rb.store || r1.Location.StoreVersion != 1 {
		t.Errorf("location %+v", r1.Location)
	}
	hex1, d1 := digestOf(1)
	hex2, _ := digestOf(2)
	_, err = kr.SignDigest("registry.example/app:1.0", hex1, "pipeline-1", []byte("wrong"), ci, at("2026-02-01T10:00:00Z"))
	expectCode(t, err, ErrDecryptionFailed, "wrong key password")
	signed := must(kr.SignDigest("registry.example/app:1.0", hex1, "pipeline-1", keyPass, ci, at("2026-02-01T10:00:00Z")))
	if signed.KeyID != 1 || signed.Fingerprint != r1.NewFingerprint || !signed.SignedAt.Equal(at("2026-02-01T10:00:00Z")) {
		t.Errorf("signed: %+v", signed)
	}
	key1PEM := must(kr.TrustBundle(t0)).Keys[0].PublicKey
	verifiesWith(t, key1PEM, d1, signed.Signature)
	ev := must(kr.RecordSigning("registry.example/api:2.3", hex2, "pipeline-2", "", ci, at("2026-02-02T10:00:00Z")))
	if ev.KeyID != 1 || ev.Pipeline != "pipeline-2" {
		t.Errorf("recorded: %+v", ev)
	}
	if list := must(kr.ResignList()); len(list) != 0 {
		t.Errorf("re-sign list while key 1 is active: %+v", list)
	}

	// 2. Due after a year; the second rotation keeps key 1 trusted 30 days.
	if due := must(kr.Due(at("2027-01-04T09:00:00Z"))); due.RotationDue || !due.RotationDueAt.Equal(t1) {
		t.Errorf("due early: %+v", due)
	}
	if !must(kr.Due(t1)).RotationDue {
		t.Error("not due after a year")
	}
	r2 := must(kr.Rotate(rb.newKey, RotateOptions{}, alice, t1))
	if r2.NewKey != 2 || r2.OldKey != 1 || r2.OldFingerprint == nil || *r2.OldFingerprint != r1.NewFingerprint {
		t.Errorf("second rotation: %+v", r2)
	}
	if !r2.OldTrustedUntil.Equal(at("2027-02-04T09:00:00Z")) {
		t.Errorf("window end %v", r2.OldTrustedUntil)
	}

	st := must(kr.Status(t1Next))
	if st.ActiveKey != 2 || st.Key(1).State != KeyDeactivated || st.Key(2).State != KeyActive {
		t.Errorf("states: active %d, key 1 %s, key 2 %s", st.ActiveKey, st.Key(1).State, st.Key(2).State)
	}
	if !st.Key(1).Trusted || len(st.Trusted) != 2 || st.Trusted[0] != r2.NewFingerprint || st.ResignCount != 2 {
		t.Errorf("trust and re-sign count: %+v %d", st.Trusted, st.ResignCount)
	}
	if st.Key(1).Algorithm != EcdsaP256 || !strings.HasPrefix(st.Key(1).Status, "deactivated (trusted until") {
		t.Errorf("key 1: %s %q", st.Key(1).Algorithm, st.Key(1).Status)
	}
	if st.Pending != nil || st.Policy != AnnualPolicy {
		t.Errorf("pending %+v, policy %+v", st.Pending, st.Policy)
	}

	// 3. The trust bundle holds both keys, active first; it is written out.
	tb := must(kr.TrustBundle(t1Next))
	if len(tb.Keys) != 2 || tb.Keys[0].ID != 2 || tb.Keys[1].ID != 1 || tb.Keys[1].PublicKey != key1PEM {
		t.Errorf("bundle: %+v", tb)
	}
	pem := must(kr.TrustBundlePEM(t1Next))
	if bytes.Count(pem, []byte("-----BEGIN PUBLIC KEY-----")) != 2 {
		t.Errorf("PEM bundle:\n%s", pem)
	}
	trust := filepath.Join(rb.dir, "trust")
	must(kr.Distribute(trust, alice, t1Next))
	if old := must(os.ReadFile(filepath.Join(trust, "cosign.pub.old"))); string(old) != key1PEM {
		t.Error("cosign.pub.old is not key 1")
	}
	if list := must(kr.ResignList()); len(list) != 2 || !strings.HasPrefix(list[0].KeyState, "deactivated") {
		t.Errorf("re-sign list: %+v", list)
	}

	// 4. Invalid transitions change nothing.
	_, err = kr.Retire("1", alice, t1Next)
	expectCode(t, err, ErrInvalidTransition, "retire inside the window")
	_, err = kr.Destroy("2", alice, t1Next)
	expectCode(t, err, ErrInvalidTransition, "destroy the active key")
	_, err = kr.Destroy("9", alice, t1Next)
	expectCode(t, err, ErrNotFound, "destroy an unknown key")
	if ids := must(kr.Retire("", alice, t1Next)); len(ids) != 0 {
		t.Errorf("retired %v", ids)
	}

	// 5. Revoke key 1, then an emergency rotation away from key 2.
	_, err = kr.Revoke("1", Compromise{Reason: "leaked"}, alice.Who, t2)
	expectCode(t, err, ErrInvalidArgument, "revoke without incident")
	rv := must(kr.Revoke("1", Compromise{Reason: "old key on a laptop", Incident: "INC-1"}, alice.Who, t2))
	if rv.Key != 1 || rv.PreviousState != KeyDeactivated || rv.ActiveKey != 2 || rv.Incident != "INC-1" {
		t.Errorf("revocation: %+v", rv)
	}
	_, err = kr.Revoke("1", Compromise{Reason: "again", Incident: "INC-1"}, alice.Who, t2)
	expectCode(t, err, ErrInvalidTransition, "revoke twice")
	if n := len(must(kr.TrustBundle(t2)).Keys); n != 1 {
		t.Errorf("revoked key still trusted (%d keys)", n)
	}
	incident := Compromise{Reason: "key in a CI log", Incident: "INC-2"}
	er := must(kr.EmergencyRotate("2", incident, rb.newKey, alice.Who, t3))
	if er.NewKey != 3 || er.OldKey != 2 || er.Kind != "emergency-rotate" || !er.OldTrustedUntil.IsZero() {
		t.Errorf("emergency rotation: %+v", er)
	}
	_, err = kr.EmergencyRotate("2", incident, rb.newKey, alice.Who, t3)
	expectCode(t, err, ErrInvalidTransition, "a compromised key never comes back")
	st = must(kr.Status(t3))
	if st.Key(1).State != KeyCompromised || st.Key(2).State != KeyCompromised || st.Key(3).State != KeyActive {
		t.Errorf("states after the incident: %s %s %s", st.Key(1).State, st.Key(2).State, st.Key(3).State)
	}
	if st.Key(2).Compromise == nil || st.Key(2).Compromise.Incident != "INC-2" || st.Key(2).Successor != 3 || st.Key(3).Predecessor != 2 {
		t.Errorf("key 2 record: %+v", st.Key(2).KeyRecord)
	}

	// 6. Destroy key 1; the active key signs.
	must(kr.Destroy("1", alice, t3))
	_, err = kr.Unlock("1", keyPass, alice, t3)
	expectCode(t, err, ErrInvalidTransition, "unlock a destroyed key")
	priv := must(kr.Unlock("", keyPass, alice, t3))
	sig := must(priv.SignDigest(d1))
	priv.Close()
	verifiesWith(t, must(kr.TrustBundle(t3)).Keys[0].PublicKey, d1, EncodeSignature(sig))
	if kind := must(kr.Resume(nil, t3)); kind != "" {
		t.Errorf("resumed %q with nothing pending", kind)
	}
	m, rev, err := kr.Manifest()
	if err != nil || len(m.Keys) != 3 || rev < 5 || m.Keys[0].State != KeyDestroyed || m.Keys[0].PublicKey != key1PEM {
		t.Errorf("manifest: rev %d, %v", rev, err)
	}
	if err := kr.SetPolicy(QuarterlyPolicy, alice, t3); err != nil {
		t.Fatal(err)
	}

	// 7. The audit log verifies against the kept head and holds every act.
	st = must(kr.Status(t3))
	if st.Policy != QuarterlyPolicy {
		t.Errorf("policy %+v", st.Policy)
	}
	report := must(VerifyAudit(rb.audit, &st.AuditHead))
	if report.Records != st.AuditHead.Seq || report.Head != st.AuditHead || report.Records < 10 {
		t.Errorf("audit report %+v, head %+v", report, st.AuditHead)
	}
	if head := must(ReadAuditHead(rb.audit)); head != st.AuditHead {
		t.Errorf("head %v != %v", head, st.AuditHead)
	}
	if back := must(ParseAuditHead(st.AuditHead.String())); back != st.AuditHead {
		t.Errorf("head text round trip: %v", back)
	}
	entries := must(AuditEntries(rb.audit))
	kinds := map[string]int{}
	for _, e := range entries {
		kinds[e.Event]++
	}
	if uint64(len(entries)) != report.Records || entries[0].Event != "keyring.created" || !entries[0].Time.Equal(t0) ||
		kinds["key.rotated"] != 3 || kinds["artifact.signed"] != 2 || kinds["key.destroyed"] != 1 {
		t.Errorf("entries: %d, kinds %v", len(entries), kinds)
	}

	// 8. Backup with 2-of-3 shares; recovery needs two.
	backup := filepath.Join(rb.dir, "offsite", "backup.age")
	if err := os.MkdirAll(filepath.Dir(backup), 0o700); err != nil {
		t.Fatal(err)
	}
	_, _, err = kr.CreateBackup(backup, BackupOptions{WorkFactor: 10}, alice, t3)
	expectCode(t, err, ErrInvalidArgument, "backup without a secret")
	summary, shares, err := kr.CreateBackup(backup, BackupOptions{Threshold: 2, Shares: 3, WorkFactor: 10}, alice, t3)
	if err != nil {
		t.Fatal(err)
	}
	if len(shares) != 3 || summary.Threshold != 2 || summary.ShareCount != 3 || len(summary.Keys) != 2 || summary.ShareSet == "" {
		t.Fatalf("backup: %+v, %d shares", summary, len(shares))
	}
	for _, s := range shares {
		if !bytes.HasPrefix(s, []byte("CKS1-"+summary.ShareSet)) {
			t.Errorf("share %q", s)
		}
	}
	_, _, err = kr.CreateBackup(backup, BackupOptions{Threshold: 2, Shares: 3, WorkFactor: 10}, alice, t3)
	expectCode(t, err, ErrAlreadyExists, "backup over an existing file")

	passphrase := must(CombineShares(shares[1:]))
	if len(passphrase) != 64 {
		t.Errorf("passphrase of %d bytes", len(passphrase))
	}
	Wipe(passphrase)
	_, err = CombineShares(shares[:1])
	expectCode(t, err, ErrRecoveryFailed, "combine one share")

	target := filepath.Join(rb.dir, "restored", "keyring.json")
	targetAudit := filepath.Join(rb.dir, "restored", "audit.jsonl")
	targetStore := filepath.Join(rb.dir, "restored", "keys")
	opts := RecoveryOptions{Shares: shares[:1], StoreMap: map[string]string{rb.store: targetStore}}
	_, err = RecoverBackup(backup, target, targetAudit, opts, Actor{Who: "bob", Reason: "drill"}, t3)
	expectCode(t, err, ErrRecoveryFailed, "recover with one share")
	if err != nil && !strings.Contains(err.Error(), "2 of 3 shares needed, 1 given") {
		t.Errorf("message: %v", err)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("a failed recovery wrote the keyring: %v", err)
	}
	opts.Shares = [][]byte{shares[0], shares[2]}
	rec := must(RecoverBackup(backup, target, targetAudit, opts, Actor{Who: "bob", Reason: "drill"}, t3))
	if len(rec.Keys) != 2 || !rec.AuditRestored || rec.Keys[0].Location.URI != "file://"+targetStore {
		t.Errorf("recovery: %+v", rec)
	}
	_, err = RecoverBackup(backup, target, targetAudit, opts, Actor{Who: "bob", Reason: "again"}, t3)
	expectCode(t, err, ErrConflict, "recover over a keyring")
	for _, s := range shares {
		Wipe(s)
	}

	// The recovered keyring signs with the recovered active key.
	restored := must(OpenKeyring(target, targetAudit))
	defer restored.Close()
	rst := must(restored.Status(t3))
	if rst.ActiveKey != 3 || rst.Key(1).State != KeyDestroyed || rst.Key(2).State != KeyCompromised {
		t.Errorf("recovered states: %d %s %s", rst.ActiveKey, rst.Key(1).State, rst.Key(2).State)
	}
	hex9, d9 := digestOf(9)
	s9 := must(restored.SignDigest("registry.example/app:1.1", hex9, "pipeline-10", keyPass, ci, t3))
	verifiesWith(t, must(restored.TrustBundle(t3)).Keys[0].PublicKey, d9, s9.Signature)
	must(VerifyAudit(targetAudit, nil))

	// A passphrase backup refuses a wrong passphrase.
	pwBackup := filepath.Join(rb.dir, "offsite", "backup-pw.age")
	must2(kr.CreateBackup(pwBackup, BackupOptions{Passphrase: []byte("offline passphrase"), WorkFactor: 10}, alice, t3))
	_, err = RecoverBackup(pwBackup, filepath.Join(rb.dir, "other.json"), filepath.Join(rb.dir, "other.jsonl"),
		RecoveryOptions{Passphrase: []byte("wrong")}, alice, t3)
	expectCode(t, err, ErrRecoveryFailed, "wrong passphrase")

	// 9. Tampering: an edited record, then a cut-off end.
	head := must(ReadAuditHead(rb.audit))
	original := must(os.ReadFile(rb.audit))
	lines := bytes.SplitAfter(original, []byte("\n"))
	edited := bytes.Join([][]byte{lines[0], lines[1], bytes.Replace(lines[2], []byte(`"who":"`), []byte(`"who":"x`), 1)}, nil)
	edited = append(edited, bytes.Join(lines[3:], nil)...)
	writeFile(t, rb.audit, edited)
	_, err = VerifyAudit(rb.audit, nil)
	expectCode(t, err, ErrAuditTampered, "edited record")
	writeFile(t, rb.audit, bytes.Join(lines[:len(lines)-2], nil))
	must(VerifyAudit(rb.audit, nil))
	_, err = VerifyAudit(rb.audit, &head)
	expectCode(t, err, ErrAuditTampered, "truncated log against the kept head")
	writeFile(t, rb.audit, original)
	must(VerifyAudit(rb.audit, &head))
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestKeyringArguments covers the argument checks and closed handles.
func TestKeyringArguments(t *testing.T) {
	rb := newRunbook(t)
	_, err := OpenKeyring("", rb.audit)
	expectCode(t, err, ErrInvalidArgument, "empty manifest URI")
	// No password means a KMS key, which takes no scrypt parameters.
	_, err = rb.kr.Rotate(NewKey{URI: "hashivault://release", Algorithm: EcdsaP256, Scrypt: &fastParams}, RotateOptions{}, alice, t0)
	expectCode(t, err, ErrInvalidArgument, "KMS key with scrypt")
	_, err = rb.kr.Rotate(NewKey{URI: rb.store, Algorithm: 999, Password: keyPass}, RotateOptions{}, alice, t0)
	expectCode(t, err, ErrInvalidArgument, "unknown algorithm")
	_, err = rb.kr.Rotate(NewKey{URI: rb.store, Algorithm: EcdsaP256, Password: keyPass, Scrypt: &ScryptParams{N: 1000, R: 8, P: 1}}, RotateOptions{}, alice, t0)
	expectCode(t, err, ErrInvalidKDFParams, "bad scrypt N")
	_, err = ParseAuditHead("12:nothex")
	expectCode(t, err, ErrInvalidArgument, "bad head")
	// The core's rule: blanks around are ignored and the hash comes back lowercase.
	if h, err := ParseAuditHead(" 7:" + strings.Repeat("AB", 32) + "\n"); err != nil || h.Seq != 7 || h.Hash != strings.Repeat("ab", 32) {
		t.Errorf("ParseAuditHead: %+v, %v", h, err)
	}
	// The core's actor rule, the same in every language: a blank who is refused.
	_, err = rb.kr.Rotate(rb.newKey, RotateOptions{}, Actor{Who: " \t", Reason: "nobody"}, t0)
	expectCode(t, err, ErrInvalidArgument, "blank who")
	_, err = VerifyAudit(rb.audit, &AuditHead{Seq: 3, Hash: strings.Repeat("0", 64)})
	expectCode(t, err, ErrAuditTampered, "missing log against a head")

	// The first rotation creates the keyring with the policy asked for, and
	// a rotation expecting an old revision loses.
	window := uint32(7)
	r := must(rb.kr.Rotate(rb.newKey, RotateOptions{Policy: &QuarterlyPolicy}, alice, t0))
	if st := must(rb.kr.Status(t0)); st.Policy != QuarterlyPolicy || st.Revision != r.Revision {
		t.Errorf("policy %+v, revision %d vs %d", st.Policy, st.Revision, r.Revision)
	}
	stale := r.Revision - 1
	_, err = rb.kr.Rotate(rb.newKey, RotateOptions{ExpectRevision: &stale}, alice, t1)
	expectCode(t, err, ErrConflict, "stale revision")
	r2 := must(rb.kr.Rotate(rb.newKey, RotateOptions{ExpectRevision: &r.Revision, TransitionWindowDays: &window}, alice, t1))
	if !r2.OldTrustedUntil.Equal(t1.AddDate(0, 0, 7)) {
		t.Errorf("7-day window ends %v", r2.OldTrustedUntil)
	}

	rb.kr.Close()
	rb.kr.Close()
	_, err = rb.kr.Status(t0)
	expectCode(t, err, ErrHandleClosed, "closed keyring")
}

// TestKeyringConcurrentRotations: two rotations from the same revision,
// exactly one wins; the other gets ErrConflict and the keyring stays
// consistent.
func TestKeyringConcurrentRotations(t *testing.T) {
	rb := newRunbook(t)
	first := must(rb.kr.Rotate(rb.newKey, RotateOptions{}, alice, t0))
	other := must(OpenKeyring(rb.manifest, rb.audit))
	defer other.Close()
	// Different stores: a rotation to the same target would complete the
	// other one's (the retry rule), instead of racing it.
	keyB := rb.newKey
	keyB.URI = rb.store + "-b"
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, kr := range []*Keyring{rb.kr, other} {
		wg.Add(1)
		go func(i int, kr *Keyring, key NewKey) {
			defer wg.Done()
			_, errs[i] = kr.Rotate(key, RotateOptions{ExpectRevision: &first.Revision}, alice, t1)
		}(i, kr, []NewKey{rb.newKey, keyB}[i])
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			expectCode(t, err, ErrConflict, "the losing rotation")
		}
	}
	if won != 1 {
		t.Fatalf("%d rotations won: %v", won, errs)
	}
	st := must(rb.kr.Status(t1))
	if st.ActiveKey != 2 || len(st.Keys) != 2 || st.Pending != nil {
		t.Errorf("after the race: active %d, %d keys, pending %+v", st.ActiveKey, len(st.Keys), st.Pending)
	}
	must(VerifyAudit(rb.audit, &st.AuditHead))
}

// TestKeyringRevokeNeverBlockedByTheAuditLog: with the audit log deleted,
// VerifyAudit finds it through the manifest's anchor, a scheduled rotation
// is refused, and Revoke still marks the key compromised, saying the
// record is pending; once the log is back the next operation writes it.
func TestKeyringRevokeNeverBlockedByTheAuditLog(t *testing.T) {
	rb := newRunbook(t)
	kr := rb.kr
	must(kr.Rotate(rb.newKey, RotateOptions{}, alice, t0))
	must(kr.Rotate(rb.newKey, RotateOptions{}, alice, t1))
	must(kr.VerifyAudit())
	original := must(os.ReadFile(rb.audit))
	if err := os.Remove(rb.audit); err != nil {
		t.Fatal(err)
	}
	_, err := kr.VerifyAudit()
	expectCode(t, err, ErrAuditTampered, "deleted log against the anchor")
	_, err = kr.Rotate(rb.newKey, RotateOptions{}, alice, t2)
	expectCode(t, err, ErrAuditTampered, "rotation with a deleted log")
	if st := must(kr.Status(t2)); !strings.Contains(st.AuditProblem, "AUDIT_TAMPERED") {
		t.Errorf("status audit problem: %q", st.AuditProblem)
	}

	rv := must(kr.Revoke("2", Compromise{Reason: "leaked", Incident: "INC-11"}, alice.Who, t2))
	if rv.AuditPending != 1 || !strings.Contains(rv.AuditError, "AUDIT_TAMPERED") {
		t.Errorf("revocation outcome: %+v", rv)
	}
	if st := must(kr.Status(t2)); st.Key(2).State != KeyCompromised || st.AuditPending != 1 {
		t.Errorf("after revoke: key 2 %s, pending %d", st.Key(2).State, st.AuditPending)
	}

	writeFile(t, rb.audit, original)
	must(kr.Rotate(rb.newKey, RotateOptions{}, alice, t3))
	if st := must(kr.Status(t3)); st.AuditPending != 0 || st.AuditProblem != "" {
		t.Errorf("after the log came back: %+v", st)
	}
	report := must(kr.VerifyAudit())
	entries := must(AuditEntries(rb.audit))
	if uint64(len(entries)) != report.Records {
		t.Errorf("%d entries, report %d", len(entries), report.Records)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Event == "key.compromised" && e.Operation == rv.Operation)
	}
	if !found {
		t.Error("the queued key.compromised record was not written")
	}
}

// TestKeyMismatchAndMaterialGone: a key is its fingerprint. Another key at
// the recorded location is ErrKeyMismatch and nothing is destroyed; nothing
// there is ErrNotFound unless DestroyWith says the material is gone.
func TestKeyMismatchAndMaterialGone(t *testing.T) {
	rb := newRunbook(t)
	kr := rb.kr
	must(kr.Rotate(rb.newKey, RotateOptions{}, alice, t0))
	must(kr.Revoke("1", Compromise{Reason: "laptop stolen", Incident: "INC-11"}, alice.Who, t0))

	other := newRunbook(t)
	must(other.kr.Rotate(other.newKey, RotateOptions{}, alice, t0))
	if err := os.Rename(rb.store, rb.store+".orig"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other.store, rb.store); err != nil {
		t.Fatal(err)
	}
	state := func() KeyState {
		m, _, err := kr.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		return m.Keys[0].State
	}

	_, err := kr.Destroy("1", alice, t0)
	expectCode(t, err, ErrKeyMismatch, "destroy with another key there")
	if state() != KeyCompromised {
		t.Errorf("state after a mismatch: %s", state())
	}
	if _, err := os.Stat(filepath.Join(rb.store, "cosign.key")); err != nil {
		t.Errorf("the other key was touched: %v", err)
	}

	if err := os.RemoveAll(rb.store); err != nil {
		t.Fatal(err)
	}
	_, err = kr.Destroy("1", alice, t0)
	expectCode(t, err, ErrNotFound, "destroy with nothing there")
	must(kr.DestroyWith("1", DestroyOptions{MaterialGone: true}, alice, t0))
	if state() != KeyDestroyed {
		t.Errorf("state after material-gone: %s", state())
	}
}
