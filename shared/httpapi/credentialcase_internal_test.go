package httpapi

import "testing"

// TestStoredSubjectRedactsPskInAnyUnicodeCase: README, the log line's
// subject is the token's sub "only when it is clean text ... with no
// credential in it (`psk_` in any case, ...)", and "an API key's record
// keeps its creator the same way". KELVIN SIGN (U+212A) is an upper-case
// k: its lower case is "k", so "PS\u212A_" is psk_ in another case, which
// quotesCredential's strings.ToLower finds and credentialAt's byte-wise
// EqualFold does not. (r90-mutate: quotesCredential without ToLower, its
// ASCII cases left to credentialAt, passed every test; this sub was then
// stored and logged as sent.)
func TestStoredSubjectRedactsPskInAnyUnicodeCase(t *testing.T) {
	for _, sub := range []string{"svc psk_0123", "svc PSK_0123", "svc PS\u212A_0123", "svc ps\u212A_"} {
		if got := storedSubject(sub); got != redacted {
			t.Errorf("storedSubject(%q) = %q; want %q", sub, got, redacted)
		}
	}
	if got := storedSubject("svc \u212Aelvin"); got != "svc \u212Aelvin" {
		t.Errorf("storedSubject(svc \\u212Aelvin) = %q; want it kept (no credential)", got)
	}
}
