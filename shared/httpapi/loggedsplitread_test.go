package httpapi

import (
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
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

// TestLoggedPathSplitSecretRunIsHexOnly: a run of pieces is a key's
// secret only while each piece is hex digits alone (README: "every segment
// of a run of segments made of hex digits alone"): a piece with a letter
// past 'f' ends the run, so 16 hex digits beside "g" and 16 more are
// words and ids, logged as sent. r91-mutate's mutant R11 (a 'g' read as a
// hex digit) redacted them, and every test passed.
func TestLoggedPathSplitSecretRunIsHexOnly(t *testing.T) {
	for _, path := range []string{
		"/x/" + strings.Repeat("a1", 8) + "/g" + strings.Repeat("1", 16) + "/y",
		"/x/" + strings.Repeat("a1", 8) + "/" + strings.Repeat("1", 16) + "g/y",
	} {
		if got := loggedPath(path); got != path {
			t.Errorf("loggedPath(%q) = %q; want it as sent", path, got)
		}
	}
}

// TestLoggedPathSplitTokenPastALongPiece: README: "every segment of a run
// of segments of base64url characters and `.` that, joined, holds a JWT's
// header ... from the segment it starts in to the run's end (a token cut
// by `/`". A piece long enough to be redacted for itself (the header and
// claims, over 32 base64url characters) ended the run, as a card number's
// redacted segments do, so the signature after it, cut into 20-character
// pieces, was logged whole: "/sessions/<header>.<claims>/<signature in 20s>"
// logged "/sessions/[redacted]/WuGsdV9i0Mi_IcpNLNrj/..." on make run
// (r93-logs); so too a header cut once before its long rest.
func TestLoggedPathSplitTokenPastALongPiece(t *testing.T) {
	header, claims, sig := splitHeader, splitClaims, splitSig
	sigPieces := sig[:20] + "/" + sig[20:40] + "/" + sig[40:]
	for _, c := range []struct{ path, want string }{
		{"/sessions/" + header + "." + claims + "/" + sigPieces, "/sessions/" + strings.Repeat("/"+redacted, 4)[1:]},
		{"/sessions/" + header[:20] + "/" + header[20:] + "." + claims + "/" + sigPieces, "/sessions/" + strings.Repeat("/"+redacted, 5)[1:]},
		{"/sessions/" + header + "/." + claims + "./" + sigPieces, "/sessions/" + strings.Repeat("/"+redacted, 5)[1:]},
	} {
		if got := loggedPath(c.path); got != c.want {
			t.Errorf("loggedPath(%q)\n = %q\nwant %q", c.path, got, c.want)
		}
	}
}

// The parts of a development token the split-token tests cut by '/': a
// header and claims long enough to be redacted for themselves, and a
// signature cut into 20-character pieces.
const (
	splitHeader = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImMzM2Y4Njc0LTg2NDMtNDUwYi1iOGNhLWYyMDI1NThiNGRlYSIsInR5cCI6IkpXVCJ9"
	splitClaims = "eyJhdWQiOlsicGF5c2Vzc2lvbnMtbG9jYWwiXSwiZXhwIjoxNzk2NTI1OTk4fQ"
	splitSig    = "WuGsdV9i0Mi_IcpNLNrj2CfZJUmzrjB1E-k3ACjcJuB-pu_LufUQdgPItJTN"
)

// TestLoggedPathSplitSecretPastALongPiece: README's "every segment of a
// run of segments made of hex digits alone (empty ones between them aside)
// that holds more than 32 hex digits in all, decimal digits and letters
// both among them (a key's secret cut by `/`". A piece of more than 32 hex
// digits is redacted for itself first, and its [redacted] ended the run, so
// the rest of the secret beside it was logged:
// /payment-sessions/<20 hex>/<44 hex> logged its first 20 digits on make
// run (the 404 of a path no route matches) and in PaymentSessionFunction
// under make start-api (the '/' sent as %252F), as the token rule did
// before r93-logs (TestLoggedPathSplitTokenPastALongPiece).
func TestLoggedPathSplitSecretPastALongPiece(t *testing.T) {
	secret := strings.Repeat("0123456789abcdef", 4) // 64 hex digits, as a key's secret
	for _, c := range []struct{ path, want string }{
		{"/payment-sessions/" + secret[:20] + "/" + secret[20:], "/payment-sessions/" + redacted + "/" + redacted},
		{"/payment-sessions/" + secret[:44] + "/" + secret[44:], "/payment-sessions/" + redacted + "/" + redacted},
		{"/payment-sessions/" + secret[:31] + "/" + secret[31:], "/payment-sessions/" + redacted + "/" + redacted},
		{"/x/" + secret[:10] + "//" + secret[10:] + "/y", "/x/" + redacted + "//" + redacted + "/y"},
		{"/x/" + secret[:8] + "/" + secret[8:48] + "/" + secret[48:] + "/y", "/x/" + redacted + "/" + redacted + "/" + redacted + "/y"},
	} {
		if got := loggedPath(c.path); got != c.want {
			t.Errorf("loggedPath(%q)\n = %q\nwant %q", c.path, got, c.want)
		}
		if got, want := redactedPath(c.path), loggedPathByRounds(c.path); got != want {
			t.Errorf("redactedPath(%q) = %q; want %q (as by rounds)", c.path, got, want)
		}
	}
}

// TestLoggedPathSplitSecretPastACardNumber: README's "every segment of a
// run of segments made of hex digits alone ... that holds more than 32 hex
// digits in all" and "a token, key, secret or card number never reaches a
// log". A key is drawn again while it holds a card number (auth.NewAPIKey),
// but a '/' that cuts its secret can make one: a piece starting at the cut
// may hold 13 to 19 decimal digits that pass the card rule where the whole
// secret's run of digits did not. That piece was redacted as a card
// number, its [redacted] ended the run, and the rest of the secret was
// logged: here the first 32 digits of /payment-sessions/<32 hex>/<32 hex>,
// README's own example (5 of 100,000 keys made by auth.NewAPIKey, cut
// 32/32 or at 1 to 3 random places, leaked a piece; 21 of 100,000 random
// 64-digit secrets). A card number written with marks (dashes) is no hex
// segment: the run ends there and the ids beside it stay readable.
func TestLoggedPathSplitSecretPastACardNumber(t *testing.T) {
	secret := "9717571016b2e8a1e597468b0e2458f9" + "48685793011935d20e2f8e4d63229a8a" // a secret auth.NewAPIKey made
	if session.HoldsCardNumber(secret) || !session.HoldsCardNumber(secret[32:]) {
		t.Fatalf("the secret holds a card number %v, its second half %v; want false, true", session.HoldsCardNumber(secret), session.HoldsCardNumber(secret[32:]))
	}
	h20, h28 := secret[:20], secret[36:]
	r := redacted
	for _, c := range []struct{ path, want string }{
		{"/payment-sessions/" + secret[:32] + "/" + secret[32:], "/payment-sessions/" + r + "/" + r},
		{"/payment-sessions/" + h20 + "/4111111111111111/" + h28, "/payment-sessions/" + r + "/" + r + "/" + r},
		{"/x/" + h20 + "/41111111/11111111/" + h28 + "/y", "/x/" + r + "/" + r + "/" + r + "/" + r + "/y"},
		{"/x/" + h20 + "/" + secret[:36] + "/4111111111111111/" + h28, "/x/" + r + "/" + r + "/" + r + "/" + r},
		{"/x/" + h20 + "%2F4111111111111111%2F" + h28 + "/y", "/x/" + r + "/y"},
		{"/x/" + h20 + "/4111-1111-1111-1111/" + h28 + "/y", "/x/" + h20 + "/" + r + "/" + h28 + "/y"},
	} {
		if got := loggedPath(c.path); got != c.want {
			t.Errorf("loggedPath(%q)\n = %q\nwant %q", c.path, got, c.want)
		}
		if got, want := redactedPath(c.path), loggedPathByRounds(c.path); got != want {
			t.Errorf("redactedPath(%q) = %q; want %q (as by rounds)", c.path, got, want)
		}
	}
}

// TestLoggedPathSplitSecretBesideWords: README's "a token, key, secret or
// card number never reaches a log". A key's secret cut into pieces of at
// most 32 hex digits with a route's literal segment between them (cancel,
// v1) was logged whole: the search for a split secret read only runs of
// consecutive hex pieces, which the word ended. Under make start-api,
// GET /sessions/<32 hex>%252Fcancel%252F<32 hex> reached
// GetSessionFunction, whose line logged "/sessions/<32 hex>/cancel/<32 hex>"
// (r100-regress; so did make run for /sessions/<32 hex>/events/<32 hex>).
// A routed path holds one id at most, so its ids stay readable; another
// word still ends the run, as README says.
func TestLoggedPathSplitSecretBesideWords(t *testing.T) {
	const secret = "7a6a538dae75f5f397e52d36e2c689a008acea20c27b2ae5a4e367c9b529799e"
	a, b := secret[:32], secret[32:]
	q := [4]string{secret[:16], secret[16:32], secret[32:48], secret[48:]}
	r := redacted
	tests := []struct{ path, want string }{
		{"/sessions/" + a + "/cancel/" + b, "/sessions/" + r + "/cancel/" + r},
		{"/sessions/" + a + "/events/" + b + "/events", "/sessions/" + r + "/events/" + r + "/events"},
		{"/v2.0/payments/" + a + "/status/" + b + "/status", "/v2.0/payments/" + r + "/status/" + r + "/status"},
		{"/" + a + "/v1/" + b, "/" + r + "/v1/" + r},
		{"/sessions/" + q[0] + "/v1/" + q[1] + "/status/" + q[2] + "/events/" + q[3], "/sessions/" + r + "/v1/" + r + "/status/" + r + "/events/" + r},
		// Another word ends the run, as README says: logged as sent.
		{"/x/" + a + "/y/" + b, "/x/" + a + "/y/" + b},
		{"/sessions/" + a + "/./cancel/../" + b, "/sessions/" + r + "/./cancel/../" + r},
		// Routed paths: one id each, logged as sent.
		{"/v2.0/payments/" + a + "/status", "/v2.0/payments/" + a + "/status"},
		{"/api-keys/" + q[0], "/api-keys/" + q[0]},
		{"/sessions/7a6a538d-ae75-45f3-97e5-2d36e2c689a0/events", "/sessions/7a6a538d-ae75-45f3-97e5-2d36e2c689a0/events"},
		// Hex pieces of 32 digits in all, or all letters: no secret.
		{"/x/" + q[0] + "/y/" + q[1], "/x/" + q[0] + "/y/" + q[1]},
		{"/x/abcdefabcdefabcdef/y/facadebeefcafedeadbeef", "/x/abcdefabcdefabcdef/y/facadebeefcafedeadbeef"},
	}
	for _, tc := range tests {
		if got := loggedPath(tc.path); got != tc.want {
			t.Errorf("loggedPath(%q) = %q; want %q", tc.path, got, tc.want)
		}
		if got, want := redactedPath(tc.path), loggedPathByRounds(tc.path); got != want {
			t.Errorf("redactedPath(%q) = %q; want %q (as by rounds)", tc.path, got, want)
		}
	}
}

// TestLoggedPathCutHCPTokenBesideWords: README's "a token, key, secret or
// card number never reaches a log". A session's hcpToken cut in two with a
// route's literal segment between the pieces was logged whole: under make
// start-api, GET /sessions/<16>%252Fcancel%252F<16> reached
// GetSessionFunction, whose line logged "/sessions/<16>/cancel/<16>"
// (r100-regress; make run logged /sessions/<16>/events/<16> so). The
// window of exactly 32 characters counted the word, as a token's own piece
// may be one; it is now also read with the words left out.
func TestLoggedPathCutHCPTokenBesideWords(t *testing.T) {
	const token = "LerRwW7lOCjPD8Vja7nitsr4H161f5pV" // an hcpToken: 32 base64url characters
	a, b := token[:16], token[16:]
	r := redacted
	tests := []struct {
		path, want string
		byRounds   bool // the rounds reference reads it so too
	}{
		{"/sessions/" + a + "/cancel/" + b, "/sessions/" + r + "/cancel/" + r, true},
		{"/sessions/" + a + "/events/" + b + "/events", "/sessions/" + r + "/events/" + r + "/events", true},
		{"/" + token[:5] + "/v1/" + token[5:20] + "/status/" + token[20:], "/" + r + "/v1/" + r + "/status/" + r, true},
		// v2.0 is a route's word too, though no base64url: it ended the
		// run, so /sessions/<16>%252Fv2.0%252F<16> reached GetSessionFunction
		// under make start-api, which logged the token whole (r100-review;
		// make run too, its 404 of /sessions/<16>/v2.0/<16>).
		{"/sessions/" + a + "/v2.0/" + b, "/sessions/" + r + "/v2.0/" + r, true},
		{"/v2.0/" + token[:10] + "/v2.0/" + token[10:20] + "/v1/" + token[20:] + "/status", "/v2.0/" + r + "/v2.0/" + r + "/v1/" + r + "/status", true},
		// A token's own piece may be a route's word: still found (the
		// reference ends a run at a route's word, and does not).
		{"/sessions/L_QzYbA2iTUNwKrU/i/NdZB5Mj82yGDu/v1", "/sessions/" + r + "/" + r + "/" + r + "/v1", false},
		// Routed paths stay as sent.
		{"/sessions/7a6a538d-ae75-45f3-97e5-2d36e2c689a0/cancel", "/sessions/7a6a538d-ae75-45f3-97e5-2d36e2c689a0/cancel", true},
		{"/v1/checkout-sessions/7a6a538d-ae75-45f3-97e5-2d36e2c689a0", "/v1/checkout-sessions/7a6a538d-ae75-45f3-97e5-2d36e2c689a0", true},
	}
	for _, tc := range tests {
		if got := loggedPath(tc.path); got != tc.want {
			t.Errorf("loggedPath(%q) = %q; want %q", tc.path, got, tc.want)
		}
		if got, want := redactedPath(tc.path), loggedPathByRounds(tc.path); tc.byRounds && got != want {
			t.Errorf("redactedPath(%q) = %q; want %q (as by rounds)", tc.path, got, want)
		}
	}
}
