package main

import "testing"

func TestFieldName(t *testing.T) {
	for prop, want := range map[string]string{
		"key_id":               "KeyID",
		"public_key":           "PublicKey",
		"uri":                  "URI",
		"kms_version":          "KMSVersion",
		"store_version_before": "StoreVersionBefore",
		"signed_at":            "SignedAt",
	} {
		if got := fieldName("T", prop); got != want {
			t.Errorf("fieldName(%q) = %q, want %q", prop, got, want)
		}
	}
	if got := fieldName("BackupSummary", "shares"); got != "ShareCount" {
		t.Errorf("the fieldNames table is not applied: %q", got)
	}
}

func TestTypeDoc(t *testing.T) {
	for _, c := range []struct{ goName, schemaName, desc, want string }{
		{"RotationOutcome", "RotationOutcome", "What a rotation did.", "RotationOutcome is what a rotation did."},
		{"Policy", "RotationPolicy", "How often.\n\nMore.", "Policy is how often. (Schema: RotationPolicy.)"},
		{"KeyState", "KeyState", "Where.\n\n| a | b |\n|---|---|", "KeyState is where."},
		{"X", "X", "`Foo` things.", "X: `Foo` things."},
		{"Y", "Y", "", "Y is the schema's Y."},
	} {
		if got := typeDoc(c.goName, c.schemaName, c.desc); got != c.want {
			t.Errorf("typeDoc(%q) = %q, want %q", c.desc, got, c.want)
		}
	}
}

func TestFirstParagraphSkipsTables(t *testing.T) {
	if got := firstParagraph("| a | b |\n|---|---|\n\nText\non two lines.\n\nMore."); got != "Text on two lines." {
		t.Errorf("firstParagraph = %q", got)
	}
}
