package httpapi

import (
	"strings"
	"testing"
)

// TestLoggedPathCredentialCutByDotSegments: README's "a token, key,
// secret or card number never reaches a log", for a credential cut by
// '/' with a dot-segment between its pieces: "/./" reads as "/" to every
// URL resolver (RFC 3986 §5.2.4), and "a/../" as nothing, so
// /sessions/w/./d7--dLyPuc85LUgF8v3wG6AZnDhdDqG holds the hcpToken
// wd7--dLyPuc85LUgF8v3wG6AZnDhdDqG as surely as /sessions/w/d7--... does.
// The '.' piece ended the run of pieces the split-secret search joins (it
// is no base64url or hex piece, and in a token's run it read as the
// token's own '.'), so 31 of the token's 32 characters were logged, on
// make run and make start-api alike (r99-authz: the '/' sent as %252F on
// start-api, where GetSessionFunction logged
// "/sessions/Z/./IcDJF41Yo8hJPYxdQcmxwBEO951VGIw"); so were 15 of a key's
// 64 secret hex digits and the first pieces of a JWT's header. The dot
// segments themselves stay as sent.
func TestLoggedPathCredentialCutByDotSegments(t *testing.T) {
	hcp := "aUDVGsaXO160poDEOXAQYmhI_09bpXn5"
	secret := "b4bca21f0ed05354" + "72398005bc62c60c" + "0c4c1cc0053cd187" + "a0c632112fe00e11"
	header, claims := splitHeader, splitClaims
	type cut struct {
		name   string
		pieces []string // the path's segments after /sessions/
		want   []string // as logged
	}
	R := redacted
	cases := []cut{
		{"hcpToken 1/31 by /./", []string{hcp[:1], ".", hcp[1:]}, []string{R, ".", R}},
		{"hcpToken 16/16 by /./", []string{hcp[:16], ".", hcp[16:]}, []string{R, ".", R}},
		{"hcpToken 31/1 by /./", []string{hcp[:31], ".", hcp[31:]}, []string{R, ".", R}},
		{"hcpToken by /././", []string{hcp[:10], ".", ".", hcp[10:]}, []string{R, ".", ".", R}},
		{"hcpToken by /.//", []string{hcp[:10], ".", "", hcp[10:]}, []string{R, ".", "", R}},
		{"hcpToken in three by /./", []string{hcp[:5], ".", hcp[5:20], ".", hcp[20:]}, []string{R, ".", R, ".", R}},
		{"hcpToken by /../", []string{hcp[:12], "..", hcp[12:]}, []string{R, "..", R}},
		{"hcpToken by x/../", []string{hcp[:12], "zq", "..", hcp[12:]}, []string{R, "zq", "..", R}},
		{"key secret by /./", []string{secret[:15], ".", secret[15:40], ".", secret[40:]}, []string{R, ".", R, ".", R}},
		{"JWT header by /./", []string{header[:11], ".", header[11:20], ".", header[20:] + "." + claims}, []string{R, ".", R, ".", R}},
	}
	for _, c := range cases {
		path := "/sessions/" + strings.Join(c.pieces, "/")
		want := "/sessions/" + strings.Join(c.want, "/")
		if got := loggedPath(path); got != want {
			t.Errorf("%s: loggedPath(%q) = %q; want %q", c.name, path, got, want)
		}
		// The '/' sent as %252F, as a function sees a cut path on AWS.
		enc := "/sessions/" + strings.Join(c.pieces, "%252F")
		if got, want := loggedPath(enc), "/sessions/"+redacted; got != want {
			t.Errorf("%s: loggedPath(%q) = %q; want %q", c.name, enc, got, want)
		}
	}
	// Ids beside dot segments stay readable: no route takes two ids in a
	// row, and a dot segment joins nothing that is no credential.
	for _, path := range []string{
		"/sessions/./00000000-0000-4000-8000-000000000001/events",
		"/sessions/0123456789abcdef/./0123456789abcdef",
		"/v1/./session/../sessions/7f3c0a2e91b44c6d8e5fa0b1c2d3e4f5",
	} {
		if got := loggedPath(path); got != path {
			t.Errorf("loggedPath(%q) = %q; want it as sent", path, got)
		}
	}
}

// TestLoggedPathCredentialInFullWidthForms: README's "a token, key,
// secret or card number never reaches a log", for a credential in a path
// segment written partly or wholly in the full-width forms NFKC reads as
// ASCII (U+FF01 to U+FF5E), as the card rule reads a segment "as a text
// normalised to NFKC reads it, as a search index or a log pipeline stores
// it". /sessions/ａＵＤＶＧｓａＸＯ１60poDEOXAQYmhI_09bpXn5 (52 bytes, under
// the 64 a segment is logged whole within) was logged as sent on make run
// and make start-api alike (r99-authz): NFKC reads it as the hcpToken
// aUDVGsaXO160poDEOXAQYmhI_09bpXn5. Ids written so stay readable.
func TestLoggedPathCredentialInFullWidthForms(t *testing.T) {
	wide := FullWidth
	hcp := "aUDVGsaXO160poDEOXAQYmhI_09bpXn5"
	secret := "b4bca21f0ed05354" + "72398005bc62c60c" + "0c4c1cc0053cd187" + "a0c632112fe00e11"
	for _, seg := range []string{
		wide(hcp[:10]) + hcp[10:],
		hcp[:20] + wide(hcp[20:]),
		wide(hcp[:1]) + hcp[1:],
		"psk" + wide("_") + "0123456789abcdef",
		wide(secret[:10]) + secret[10:40],
		// A full-width E (U+FF25) percent-encoded as sent over the wire,
		// and once more, as a function reads a path decoded twice.
		hcp[:15] + "%EF%BC%A5" + hcp[16:],
		hcp[:15] + "%25EF%25BC%25A5" + hcp[16:],
	} {
		path := "/sessions/" + seg + "/events"
		if got, want := loggedPath(path), "/sessions/"+redacted+"/events"; got != want {
			t.Errorf("loggedPath(%q) = %q; want %q", path, got, want)
		}
		// A panic's value is judged "as for a path" (README).
		if !strings.Contains(seg, "%") {
			p := "no session " + seg
			if got, want := loggedPanic(p), redacted+" (string)"; got != want {
				t.Errorf("loggedPanic(%q) = %q; want %q", p, got, want)
			}
		}
	}
	for _, path := range []string{
		"/sessions/" + wide("7f3c0a2e") + "-91b4-4c6d-8e5f-a0b1c2d3e4f5",
		"/sessions/" + wide("0123456789abcdef"),
		"/v1/session/" + wide("7f3c0a2e91b44c6d") + "8e5fa0b1c2d3e4f5",
	} {
		if got := loggedPath(path); got != path {
			t.Errorf("loggedPath(%q) = %q; want it as sent", path, got)
		}
	}
}

// TestLoggedPathJWTCutAtItsOwnDots: README's "every segment of a run of
// segments of base64url characters and `.` that, joined, holds a JWT's
// header ... from the segment it starts in to the run's end", for a token
// cut by '/' on both sides of its own '.'s: "H/./C/./S" joined is H.C.S,
// the token. Read with each "." as a dot segment alone (an empty piece),
// it is HCS, no JWT, and since r99-authz (1035e52) its pieces were logged
// as sent where they were redacted before: a signature's pieces
// ("c/2lnbmF0dXJl"), a header's first pieces (8,651 of 20,000 random
// further cuts of a short token logged a piece of more than 3 of its
// characters, 467 of 20,000 of a development token's; none before). The
// dot segments stay as sent, as beside a cut hcpToken.
func TestLoggedPathJWTCutAtItsOwnDots(t *testing.T) {
	R := redacted
	short := []string{"eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxIn0", "c2lnbmF0dXJl"}
	for _, c := range []struct{ pieces, want []string }{
		{[]string{short[0], ".", short[1], ".", "c", "2lnbmF0dXJl"}, []string{R, ".", R, ".", R, R}},
		{[]string{short[0], ".", "x"}, []string{R, ".", R}},
		{[]string{short[0], "."}, []string{R, "."}},
		{[]string{short[0][:9], short[0][9:], ".", short[1][:4], short[1][4:], ".", short[2]}, []string{R, R, ".", R, R, ".", R}},
		{[]string{"eyJhbGciOiJSUzI1NiIsImtpZCI", "6", splitHeader[28:], ".", splitClaims, ".", splitSig}, []string{R, R, R, ".", R, ".", R}},
	} {
		path := "/sessions/" + strings.Join(c.pieces, "/")
		want := "/sessions/" + strings.Join(c.want, "/")
		if got := loggedPath(path); got != want {
			t.Errorf("loggedPath(%q) = %q; want %q", path, got, want)
		}
	}
}

// TestLoggedPathSecretCutPastALongPieceAndXDotDot: README's "a dot
// segment between the pieces is read as a URL resolver reads it, ...
// `x/../` as nothing", for a key's secret whose first piece is long
// enough to be redacted for itself (more than 32 hex digits). The search
// of the path as written redacted the next piece, which with the
// first made a run of more than 32 hex digits, and the reading with the
// dot segments removed was then taken from that text, [redacted] in that
// piece's place, which ended the run: the pieces after the "x/../" (19 of
// the secret's 64 digits in /sessions/<39>/<6>/zq/../<19>/status) were
// logged as sent (1,116 of 200,000 random cuts of a secret, none of an
// hcpToken's; r99-review). Each reading is taken from the path as read.
func TestLoggedPathSecretCutPastALongPieceAndXDotDot(t *testing.T) {
	secret := "dd9af5a35dfa28020b9613b2ec67aeb372e2aa8" + "b953df" + "63952520252b817665c"
	R := redacted
	for _, c := range []struct{ pieces, want []string }{
		{[]string{secret[:39], secret[39:45], "zq", "..", secret[45:], "status"}, []string{R, R, "zq", "..", R, "status"}},
		{[]string{secret[:40], "zq", "..", secret[40:50], "zq", "..", secret[50:]}, []string{R, "zq", "..", R, "zq", "..", R}},
		{[]string{secret[:12], "zq", "..", secret[12:30], ".", secret[30:]}, []string{R, "zq", "..", R, ".", R}},
	} {
		path := "/sessions/" + strings.Join(c.pieces, "/")
		want := "/sessions/" + strings.Join(c.want, "/")
		if got := loggedPath(path); got != want {
			t.Errorf("loggedPath(%q) = %q; want %q", path, got, want)
		}
	}
}
