package httpapi

import (
	"strings"
	"testing"
)

// TestAPIKeyPrefixRedactedInAnyCase: README ("Security"): the log line
// "redacts every path segment that holds … an API key (`psk_`)", and a
// panic's value is logged only when it holds no "API key (`psk_`)";
// holdsCredential says "psk_, in any case". A key's prefix in another case
// with a short fragment after it (too short for the run rules, which catch
// a whole key by its 64-hex secret) is still a key's text, and is not
// logged.
func TestAPIKeyPrefixRedactedInAnyCase(t *testing.T) {
	for _, prefix := range []string{"psk_", "PSK_", "Psk_", "pSk_"} {
		seg := prefix + "0123456789abcdef"
		if got, want := loggedPath("/api-keys/"+seg), "/api-keys/"+redacted; got != want {
			t.Errorf("loggedPath(/api-keys/%s): got %v; want %v", seg, got, want)
		}
		if got := loggedPanic("bad key " + seg); !strings.HasPrefix(got, redacted) {
			t.Errorf("loggedPanic(bad key %s): got %v; want %v and its type", seg, got, redacted)
		}
	}
}
