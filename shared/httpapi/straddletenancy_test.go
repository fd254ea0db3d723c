package httpapi_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestAnotherMerchantsStraddledReadCostsAnUnknownOne: a read that
// straddles a session's expiry is made again (docs/design.md §4), but
// never for another merchant's session: "another merchant's session
// answers exactly as an unknown one (404)" (docs/design.md §7), and an
// extra GetItem is a timing oracle telling m-1 that the id exists and
// expires at that instant. Every endpoint that reads one session with
// GetItem is asked about m-2's session while its read straddles the
// expiry (the clock passes expiresAt while the GetItem is on its way) and
// about an unknown id: the DynamoDB calls must be the same.
func TestAnotherMerchantsStraddledReadCostsAnUnknownOne(t *testing.T) {
	var straddle atomic.Bool
	var h *harness
	var expiresAt time.Time
	var theirs string
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op == "GetItem" && strings.Contains(string(body), theirs) && straddle.CompareAndSwap(true, false) {
			h.clock.Set(expiresAt.Add(time.Millisecond)) // after the read began, before it is judged
		}
		return nil, nil
	}}
	calls := &storetest.CallCounter{}
	h = newHarnessWith(t, store.ClientOptions{
		HTTPClient: &http.Client{Transport: ic},
		APIOptions: []func(*middleware.Stack) error{calls.APIOption},
	})
	theirs = h.create("m-2", nil)
	at, err := time.Parse(time.RFC3339Nano, h.do("GET", "/sessions/"+theirs, h.merchantToken("m-2"), nil).json(t)["expiresAt"].(string))
	if err != nil {
		t.Fatal(err)
	}
	expiresAt = at
	const unknown = "0f2c9b7e-5d4a-4c1b-9e8f-7a6b5c4d3e2f"

	key := h.apiKey("m-1", auth.ScopeSessionsRead, auth.ScopeSessionsWrite)
	h.do("GET", "/payment-sessions/"+unknown, "", nil, "X-Api-Key", key) // the key is cached from here on
	endpoints := sessionReads(h, key)
	for _, e := range endpoints {
		t.Run(e.name, func(t *testing.T) {
			h.clock.Set(expiresAt.Add(-time.Minute))
			e.do(unknown) // an API key's cache, warm for both answers
			calls.Take()
			mine := e.do(unknown)
			unknownCalls := strings.Join(calls.Take(), " ")
			h.clock.Set(expiresAt.Add(-time.Minute))
			straddle.Store(true)
			other := e.do(theirs)
			theirCalls := strings.Join(calls.Take(), " ")
			if straddle.Load() {
				t.Fatal("the read of m-2's session sent no GetItem")
			}
			if got, want := answerOf(other), answerOf(mine); got != want {
				t.Errorf("m-2's session answered\n%s\nan unknown one\n%s; want the same", got, want)
			}
			if theirCalls != unknownCalls {
				t.Errorf("DynamoDB calls for m-2's session %q; for an unknown one %q; want the same", theirCalls, unknownCalls)
			}
		})
	}
}
