package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathFindsASplitSecretAsRead: README's "a token, key, secret or
// card number never reaches a log". A key's secret cut in two by a '/'
// sent encoded — %2F, which a function reads as the separator, or a JSON
// escape \u002F, as the card rule reads a segment — is one segment as
// written, whose runs (20 and 22 hex digits, the '%' or '\' between them)
// every rule on a segment keeps; read as decoded it is a run of pieces
// holding 42 hex digits, a split secret. Without the search of the JSON
// reading (r91-mutate's mutant R9), the secret's 42 digits cut by \u002F
// were logged as sent.
func TestLoggedPathFindsASplitSecretAsRead(t *testing.T) {
	a, b := strings.Repeat("a1", 10), strings.Repeat("b2", 11)
	for _, path := range []string{
		"/x/" + a + "%2F" + b + "/y",
		"/x/" + a + "%252F" + b + "/y",
		"/x/" + a + `\u002F` + b + "/y",
		"/x/" + a + `\u002f` + b + "/y",
	} {
		if got := loggedPath(path); got != "/x/"+redacted+"/y" {
			t.Errorf("loggedPath(%q) = %q; want the segment redacted", path, got)
		}
	}
}
