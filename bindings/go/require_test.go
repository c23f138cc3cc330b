package cosignkeys

import (
	"os"
	"testing"
)

// skipUnlessRequired skips a test whose server is missing, or fails it when
// the test run demands that server (scripts/test.sh exports
// COSIGN_KEYS_REQUIRE_VAULT, COSIGN_KEYS_REQUIRE_AWSKMS and
// COSIGN_KEYS_REQUIRE_SERVERS), so a missing server never passes as a skip.
func skipUnlessRequired(t *testing.T, variable, reason string) {
	t.Helper()
	for _, v := range []string{variable, "COSIGN_KEYS_REQUIRE_SERVERS"} {
		if os.Getenv(v) == "1" {
			t.Fatalf("%s=1 but %s", v, reason)
		}
	}
	t.Skip(reason)
}
