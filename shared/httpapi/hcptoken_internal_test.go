package httpapi

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestHCPTokenNeverLogged: a session's hcpToken (32 base64url characters,
// '-' and '_' among them; the credential that opens the hosted card page)
// pasted into a path segment or carried by a panic's value is never
// logged ("never a token, key or card number", docs/design.md §7): every
// token the service makes (newHCPToken) is caught, whatever '-' and '_'
// split it into. Real ids stay readable: a session id (a UUID with its
// dashes), document 001's GUID forms (32 hex digits; with dashes, braces
// or parentheses, or the hexadecimal structure of Guid.ToString("X"),
// 68 characters), an API key id (16 hex digits).
func TestHCPTokenNeverLogged(t *testing.T) {
	for range 2000 {
		tok := newHCPToken()
		// A token holding psk_ in any case (pSK_: about one in 70,000, so
		// about one run of this test in 35) is a key's prefix to the
		// search, and README's "a word right after it ... reads as more of
		// it": the segment after it is redacted too (a run here met
		// 4BSEk6w0vNpSK_MBPnIqwOSztC1jLipH; the row after the loop).
		events := "/events"
		if strings.Contains(strings.ToLower(tok), "psk_") {
			events = "/" + redacted
		}
		paths := []struct{ path, logged string }{
			{"/sessions/" + tok, "/sessions/" + redacted},
			{"/sessions/" + tok + "/events", "/sessions/" + redacted + events},
			{"/v1/checkout-sessions/" + tok + "x", "/v1/checkout-sessions/" + redacted},
		}
		for _, p := range paths {
			if got := loggedPath(p.path); got != p.logged {
				t.Fatalf("loggedPath(%q) = %q; want %q", p.path, got, p.logged)
			}
		}
		for _, p := range []any{tok, "bad hcpToken " + tok, fmt.Errorf("session: hcpToken %q refused", tok), errors.New(tok + ": no such page")} {
			if got, want := loggedPanic(p), fmt.Sprintf("%s (%T)", redacted, p); got != want {
				t.Fatalf("loggedPanic(%q) = %q; want %q", p, got, want)
			}
		}
	}
	if got, want := loggedPath("/sessions/4BSEk6w0vNpSK_MBPnIqwOSztC1jLipH/events"), "/sessions/"+redacted+"/"+redacted; got != want {
		t.Errorf("loggedPath of a token holding pSK_ = %q; want %q", got, want)
	}
	for _, id := range []string{
		"00000000-0000-4000-8000-000000000001",
		"7f3c0a2e-91b4-4c6d-8e5f-a0b1c2d3e4f5",
		"7F3C0A2E-91B4-4C6D-8E5F-A0B1C2D3E4F5",
		"7f3c0a2e91b44c6d8e5fa0b1c2d3e4f5",
		"{7f3c0a2e-91b4-4c6d-8e5f-a0b1c2d3e4f5}",
		"(7f3c0a2e-91b4-4c6d-8e5f-a0b1c2d3e4f5)",
		"{0x7f3c0a2e,0x91b4,0x4c6d,{0x8e,0x5f,0xa0,0xb1,0xc2,0xd3,0xe4,0xf5}}",
		"{0X7F3C0A2E,0X91B4,0X4C6D,{0X8E,0X5F,0XA0,0XB1,0XC2,0XD3,0XE4,0XF5}}",
		"0123456789abcdef",
	} {
		if got := loggedPath("/sessions/" + id); got != "/sessions/"+id {
			t.Errorf("loggedPath of id %s = %q; want it as sent", id, got)
		}
		if got, want := loggedPanic("session "+id), "session "+id; got != want {
			t.Errorf("loggedPanic(%q) = %q; want %q", want, got, want)
		}
	}
}

// TestHCPTokenCutAnywhereNeverLogged: README's "a token, key, secret or
// card number never reaches a log", for an hcpToken cut by '/' at every
// place ("wherever the cut falls"): an hcpToken with a digit and
// letters of both cases (all but about one in 230) cut by '/' (sent as
// %252F, a function sees the '/') is redacted whole wherever the cut falls,
// also where a piece it leaves is only lower-case letters or only hex
// digits (r98-regress: "/sessions/aUDVG/sa/XO160poDEOXAQYmhI_09bpXn5" and a
// cut after a token's first character, "a", were logged as sent on make
// run and make start-api), and the literal words beside it stay readable.
// A piece that is a route's literal word may stay as sent (README: "a
// token's piece may be such a word ... and alone it reveals no more than
// the word"): the tokens are random, and one in about 4,000 ends in v1,
// which failed this test by chance (the lead, 2026-12-06:
// "/sessions/eJLhDpAa-2eizlNtohCzZnY8BlRE_/z/v1" logged ".../[redacted]/v1").
func TestHCPTokenCutAnywhereNeverLogged(t *testing.T) {
	mixed := func(s string) bool {
		return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(s, "0123456789")
	}
	tokens := []string{"aUDVGsaXO160poDEOXAQYmhI_09bpXn5", "eEUZTACnKGKtt4OOXaxmS5PCeZPkAnTk", "eJLhDpAa-2eizlNtohCzZnY8BlRE_zv1"}
	for len(tokens) < 100 {
		if tok := newHCPToken(); mixed(tok) && !strings.Contains(strings.ToLower(tok), "psk_") {
			tokens = append(tokens, tok)
		}
	}
	r := rand.New(rand.NewPCG(98, 3))
	for _, tok := range tokens {
		var cuts [][]string
		for i := 1; i < len(tok); i++ {
			cuts = append(cuts, []string{tok[:i], tok[i:]})
		}
		// Its last two characters a piece of their own, after a
		// one-character piece: the cut that logged "v1" above.
		cuts = append(cuts, []string{tok[:len(tok)-3], tok[len(tok)-3 : len(tok)-2], tok[len(tok)-2:]})
		for range 20 {
			i := 1 + r.IntN(len(tok)-2)
			j := i + 1 + r.IntN(len(tok)-i-1)
			cuts = append(cuts, []string{tok[:i], tok[i:j], tok[j:]})
		}
		for _, pieces := range cuts {
			joined := strings.Join(pieces, "/")
			for _, c := range []struct{ before, after string }{
				{"/sessions/", ""},
				{"/sessions/", "/events"},
				{"/v1/checkout-sessions/", ""},
			} {
				path := c.before + joined + c.after
				if got := loggedPath(path); !loggedAsCut(got, c.before, pieces, c.after) {
					red := strings.TrimSuffix(strings.Repeat(redacted+"/", len(pieces)), "/")
					t.Fatalf("loggedPath(%q) = %q; want %q (a piece that is a route's literal word may stay as sent)", path, got, c.before+red+c.after)
				}
			}
		}
	}
}

// TestHCPTokenCutAtARouteWordNeverLogged: README's "a token, key, secret
// or card number never reaches a log", for an hcpToken cut by '/' so that
// one piece is a route's literal word (v1, api, pps, events) and another
// only lower-case letters or only hex digits: r99-regress found
// "/sessions/L_QzYbA2iTUNwKrU/i/NdZB5Mj82yGDu/v1" (the token
// L_QzYbA2iTUNwKrUiNdZB5Mj82yGDuv1, one in 200,000 random cuts of one to
// four places) logged as sent on make run, and so on make start-api sent
// with %252F. The token's other pieces are redacted; the word, which
// alone reveals nothing of it, stays as sent.
func TestHCPTokenCutAtARouteWordNeverLogged(t *testing.T) {
	r := redacted
	for _, c := range []struct{ path, logged string }{
		{"/sessions/L_QzYbA2iTUNwKrU/i/NdZB5Mj82yGDu/v1", "/sessions/" + r + "/" + r + "/" + r + "/v1"},
		{"/sessions/v1/abc/Q7xR2mK9pL4nW8sT3vY6zB1cD5e", "/sessions/v1/" + r + "/" + r},
		{"/sessions/Q7xR2mK9pL4nW8/api/fff/T3vY6zB1cD5e", "/sessions/" + r + "/api/" + r + "/" + r},
		{"/sessions/Xy3/events/abcd/Q7xR2mK9pL4nW8sT3vY/events", "/sessions/" + r + "/events/" + r + "/" + r + "/events"},
		{"/v1/checkout-sessions/pps/q/Q7xR2mK9pL4nW8sT3vY6zB1cD5eW", "/v1/checkout-sessions/pps/" + r + "/" + r},
	} {
		if got := loggedPath(c.path); got != c.logged {
			t.Errorf("loggedPath(%q) = %q; want %q", c.path, got, c.logged)
		}
	}
}

// loggedAsCut reports whether got is before, then pieces each logged
// [redacted] (or as sent when it is a route's literal word, which
// redactCutHCPTokens keeps), then after.
func loggedAsCut(got, before string, pieces []string, after string) bool {
	rest, ok := strings.CutPrefix(got, before)
	if !ok {
		return false
	}
	if rest, ok = strings.CutSuffix(rest, after); !ok {
		return false
	}
	segs := strings.Split(rest, "/")
	if len(segs) != len(pieces) {
		return false
	}
	for i, seg := range segs {
		if seg != redacted && !(routeLiterals[pieces[i]] && seg == pieces[i]) {
			return false
		}
	}
	return true
}
