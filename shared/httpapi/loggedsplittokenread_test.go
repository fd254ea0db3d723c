package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathSplitTokenPastALongPieceAsRead: README: a token cut by '/'
// is redacted, "both searched in each segment as written and as
// URL-decoded up to three more times, a `/` it decodes to cutting it too";
// "a token, key, secret or card number never reaches a log". The search
// past a long piece redacted for itself (r93-logs) read the path as
// written only: a header with one byte percent-encoded (%65yJ, e%4A, a '.'
// as %2E), or a signature piece holding %2F, left the signature's pieces
// logged (r93-review2: /sessions/[redacted]/WuGsdV9i0Mi_IcpNLNrj/...).
func TestLoggedPathSplitTokenPastALongPieceAsRead(t *testing.T) {
	header, claims, sig := splitHeader, splitClaims, splitSig
	sp := sig[:20] + "/" + sig[20:40] + "/" + sig[40:]
	for _, path := range []string{
		"/sessions/%65" + header[1:] + "." + claims + "/" + sp,
		"/sessions/" + strings.Replace(header, "J", "%4A", 1) + "." + claims + "/" + sp,
		"/sessions/" + header + "%2E" + claims + "/" + sp,
		"/sessions/" + header + "%252E" + claims + "/" + sp,
		"/sessions/" + header + "\\u002e" + claims + "/" + sp,
		"/sessions/" + header + "." + claims + "%2F" + sp,
		"/sessions/" + header + "." + claims + "/" + sig[:20] + "%2F" + sig[20:40] + "/" + sig[40:],
	} {
		got := loggedPath(path)
		for _, p := range []string{sig[:20], sig[20:40], sig[40:]} {
			if strings.Contains(got, p) {
				t.Errorf("loggedPath(%q)\n = %q; holds the signature's piece %q", path, got, p)
			}
		}
	}
}
