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
