package httpapi_test

import (
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// FuzzOtherMerchant sends any path id, from another merchant's
// credentials (a token with every scope, an API key), to every endpoint
// that takes one, twice: to a store holding merchant m-1's session and to
// one that does not hold it (another of m-1's sessions in its place).
// docs/design.md §6: "404 unknown, another merchant's, or past retention,
// all alike"; §7 and the README: existence never leaks. So the two answers
// must be the same (status, Content-Type, body but for the request id)
// whatever the spelling of the id (its case, 001's GUID layouts, white
// space, escapes), and neither a 2xx; a cancel cannot touch m-1's session
// (it would change the next answer, which must again match). Both stores
// are storetest.Memory, which TestMemoryAgreesWithStore holds to the store.
func FuzzOtherMerchant(f *testing.F) {
	const id, other = "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b", "3b9d7f21-8a6c-4e0d-b5f3-2c1e9d8a7b6f"
	held, ghost := otherMerchantHarness(f, id), otherMerchantHarness(f, other)
	hex := strings.ReplaceAll(id, "-", "")
	for _, s := range []string{
		id, strings.ToUpper(id), hex, "{" + id + "}", "(" + strings.ToUpper(id) + ")", " " + id + "\u3000", "\t" + id + "\n",
		"{0x" + hex[:8] + ",0x" + hex[8:12] + ",0x" + hex[12:16] + ",{0x" + hex[16:18] + ",0x" + hex[18:20] + ",0x" + hex[20:22] + ",0x" + hex[22:24] + ",0x" + hex[24:26] + ",0x" + hex[26:28] + ",0x" + hex[28:30] + ",0x" + hex[30:] + "}}",
		id + "?init=true", id + "%00", "%36" + id[1:], id[:35], id + " ", other, "0123456789abcdef",
	} {
		f.Add(s)
	}
	templates := []struct {
		method, path string
		apiKey       bool
	}{
		{"GET", "/sessions/%s", false}, {"GET", "/sessions/%s", true},
		{"POST", "/sessions/%s/cancel", false}, {"POST", "/sessions/%s/cancel", true},
		{"GET", "/v1/session/%s", false}, {"GET", "/v2.0/payments/%s/status", false},
		{"GET", "/v1/checkout-sessions/%s", false}, {"GET", "/pps/api/v1/session-record/%s", false},
		{"GET", "/payment-sessions/%s", true},
	}
	f.Fuzz(func(t *testing.T, seg string) {
		for _, tp := range templates {
			var answers [2]string
			for i, h := range []*otherHarness{held, ghost} {
				r := request(tp.method, strings.Replace(tp.path, "%s", seg, 1), "", nil)
				if tp.apiKey {
					r.Header.Set("X-Api-Key", h.key)
				} else {
					r.Header.Set("Authorization", "Bearer "+h.tok)
					r.Header.Set("X-Merchant-Id", "m-2")
				}
				w := serve(h.harness, r)
				checkAnswer(t, w, seg, strings.HasPrefix(tp.path, "/v2.0/"))
				if w.Code/100 == 2 {
					t.Fatalf("%s %s with id %q from merchant m-2 = %d %s; want m-1's session never answered", tp.method, tp.path, seg, w.Code, w.Body)
				}
				body := w.Body.String()
				if rid := w.Header().Get("X-Request-Id"); rid != "" {
					body = strings.ReplaceAll(body, rid, "<request id>")
				}
				answers[i] = w.Result().Status + " " + w.Header().Get("Content-Type") + " " + w.Header().Get("WWW-Authenticate") + " " + body
			}
			if answers[0] != answers[1] {
				t.Fatalf("%s %s with id %q from merchant m-2: %s where m-1 holds the session; %s where it does not", tp.method, tp.path, seg, answers[0], answers[1])
			}
		}
	})
}

// otherHarness is a harness holding m-1's session id, and another
// merchant's (m-2's) credentials.
type otherHarness struct {
	*harness
	tok, key string
}

func otherMerchantHarness(f *testing.F, id string) *otherHarness {
	clock := storetest.NewClock(t0)
	h := serveStore(f, storetest.NewMemory(session.DefaultPolicy, clock.Now), clock)
	amount := int64(8800)
	h.seed(session.New(&session.Draft{Amount: &amount, Currency: "ZAR", OrderID: "order-1"}, "m-1", id, "hcp-"+id, t0, session.DefaultPolicy))
	return &otherHarness{
		harness: h,
		tok:     h.token("m-2", auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopePaymentRead, auth.ScopeUser),
		key:     h.apiKey("m-2", auth.ScopeSessionsRead, auth.ScopeSessionsWrite),
	}
}
