package httpapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
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
// A piece that is itself a route's literal word (v1, api, events, ...)
// stays as sent when the search for a cut hcpToken finds the token (README:
// "but a route's literal word ..., which stays as sent": alone it reveals
// no more than the word; TestHCPTokenCutAtARouteWordNeverLogged), and is
// redacted with the rest when every piece is a token's piece (none only
// hex digits and dashes nor only lower-case letters and dashes: README's
// run of 32 or more, which keeps no word). A random token ending in "v1"
// (about one run in 40 draws one among its 98) was expected redacted
// whole, and the test failed by chance (r101-flakes5: 1 of 3 runs of the
// package, the token UsceuVWBK62Z7W6dO2U6t_lf-wcQAov1 cut as .../o/v1,
// logged /sessions/[redacted]/[redacted]/v1, as README says; the old
// expectation failed 4 of 300 runs of fresh tokens), so that cut is a row
// of TestHCPTokenCutAtARouteWordNeverLogged.
func TestHCPTokenCutAnywhereNeverLogged(t *testing.T) {
	mixed := func(s string) bool {
		return strings.ContainsAny(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") && strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(s, "0123456789")
	}
	// The fourth's only lower-case letter is 'z', the class's last
	// (r105-mutate: a window's lower-case test that stopped before 'z'
	// logged "z/UDVGSAXO160POZEOXAQYMHI_09BPXNz" as sent).
	tokens := []string{"aUDVGsaXO160poDEOXAQYmhI_09bpXn5", "eEUZTACnKGKtt4OOXaxmS5PCeZPkAnTk", "eJLhDpAa-2eizlNtohCzZnY8BlRE_zv1", "zUDVGSAXO160POZEOXAQYMHI_09BPXNz"}
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
		// one-character piece: the cut that logged "v1" (the lead saw
		// eJLhDpAa-2eizlNtohCzZnY8BlRE_/z/v1 fail the old expectation).
		cuts = append(cuts, []string{tok[:len(tok)-3], tok[len(tok)-3 : len(tok)-2], tok[len(tok)-2:]})
		for range 20 {
			i := 1 + r.IntN(len(tok)-2)
			j := i + 1 + r.IntN(len(tok)-i-1)
			cuts = append(cuts, []string{tok[:i], tok[i:j], tok[j:]})
		}
		for _, pieces := range cuts {
			joined := strings.Join(pieces, "/")
			// README's run: every piece a token's piece, none only hex
			// digits and dashes nor only lower-case letters and dashes.
			run := true
			for _, p := range pieces {
				if strings.Trim(p, "0123456789abcdefABCDEF-") == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz-") == "" {
					run = false
				}
			}
			logged := make([]string, len(pieces))
			for k, p := range pieces {
				logged[k] = redacted
				if routeLiterals[p] && !run {
					logged[k] = p // a route's word stays as sent
				}
			}
			red := strings.Join(logged, "/")
			for _, c := range []struct{ path, logged string }{
				{"/sessions/" + joined, "/sessions/" + red},
				{"/sessions/" + joined + "/events", "/sessions/" + red + "/events"},
				{"/v1/checkout-sessions/" + joined, "/v1/checkout-sessions/" + red},
			} {
				if got := loggedPath(c.path); got != c.logged {
					t.Fatalf("loggedPath(%q) = %q; want %q", c.path, got, c.logged)
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
		// r101-flakes5: a random token of TestHCPTokenCutAnywhereNeverLogged.
		{"/sessions/UsceuVWBK62Z7W6dO2U6t_lf-wcQA/o/v1", "/sessions/" + r + "/" + r + "/v1"},
		// Every piece a token's piece: README's run of 32 or more takes
		// them all, the word too.
		{"/sessions/UsceuVWBK62Z7W6dO2U6t_lf-wcQAo/v1", "/sessions/" + r + "/" + r},
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

// TestHCPTokenReadsBack: every hcpToken the service makes reads back (a
// read refuses a session whose token looks like a card number,
// session.ForeignField). 24 random bytes are any 32 base64url characters,
// a run of digits among them too (abcd4111111111111111abcdefghijkl, a Visa
// test number between letters): such a draw is drawn again, never stored.
func TestHCPTokenReadsBack(t *testing.T) {
	amount := int64(1)
	for _, first := range []string{
		"abcd4111111111111111abcdefghijkl",
		"4111111111111111abcdefghijklmnop",
		"ab-4111-1111-1111-1111_cdefghijk",
		"abcd4111_1111_1111_1111abcdefghi",
	} {
		draws := [][]byte{mustDecodeToken(t, first), mustDecodeToken(t, first), mustDecodeToken(t, "abcdefghijklmnopqrstuvwxyz012345")}
		tok := hcpTokenFrom(func(b []byte) (int, error) {
			n := copy(b, draws[0])
			draws = draws[1:]
			return n, nil
		})
		v := session.New(&session.Draft{Amount: &amount, Currency: "EUR"}, "m-1", "7f3c0a2e-91b4-4c6d-8e5f-a0b1c2d3e4f5", tok, time.Unix(0, 0), session.DefaultPolicy)
		if f := v.ForeignField(true); f != "" || len(tok) != 32 {
			t.Errorf("hcpTokenFrom(%q first) = %q (%d characters), read back as foreign at %q; want a 32-character token that reads back", first, tok, len(tok), f)
		}
	}
}

func mustDecodeToken(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		t.Fatalf("decode %q = %d bytes, %v", s, len(b), err)
	}
	return b
}
