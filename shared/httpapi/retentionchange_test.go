package httpapi_test

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

// TestLoweredRetentionKeepsOpenSessionsEnd: docs/design.md §4, "An open
// session's end is the one its item was written with (its purgeAt, which
// ttl follows): a changed RESULT_RETENTION, raised or lowered, applies to
// sessions created after it". A session created under the default 15
// minutes, expired and not swept, reads EXPIRED until expiresAt + 15 min
// under a service whose retention was lowered to 5 minutes since, on
// storetest.Memory as on DynamoDB.
func TestLoweredRetentionKeepsOpenSessionsEnd(t *testing.T) {
	eachStore(t, func(t *testing.T, h *harness) {
		id := h.create("m-1", nil)
		lowered := h.withPolicy(session.Policy{Expiry: session.DefaultPolicy.Expiry, Retention: 5 * time.Minute, WriteGuard: session.DefaultPolicy.WriteGuard})
		// expiresAt + 10 min: past the lowered retention, within the one
		// the item was written with.
		h.clock.Advance(session.DefaultPolicy.Expiry + 10*time.Minute)
		res := lowered.do("GET", "/sessions/"+id, lowered.merchantToken("m-1"), nil)
		if res.Code != 200 {
			t.Fatalf("GET under the lowered retention = %d %s; want 200 EXPIRED", res.Code, res.Body)
		}
		if st := res.json(t)["status"]; st != "EXPIRED" {
			t.Errorf("status = %v; want EXPIRED", st)
		}
	})
}
