package store_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestIdempotencyKeyAtOnceAcrossALostAnswer: README (Decisions,
// Idempotency-Key) "Keys are per merchant and remembered for 24 hours",
// "the same key with another request is refused", and "Writes carry a
// writeId (transactions also carry a ClientRequestToken), so an SDK retry
// of a write that applied but lost its answer counts as success". Many
// creates under one key at once, the first create's transaction applied
// and its answer lost (the SDK retries it while the others race): one
// session is stored, every success (the first answer or a replay) names it
// with the first answer's bytes, a create with another body than the one
// stored (either may win) is 409 IDEMPOTENCY_KEY_REUSED, one while the
// first is deciding may be IDEMPOTENCY_KEY_IN_USE, and nothing is 5xx.
func TestIdempotencyKeyAtOnceAcrossALostAnswer(t *testing.T) {
	ctx := context.Background()
	for run := 0; run < 3; run++ {
		var lost atomic.Bool
		ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
			if op == "TransactWriteItems" && lost.CompareAndSwap(false, true) {
				return storetest.AnswerLost(http.DefaultTransport, req)
			}
			return nil, nil
		}}
		f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
		const same, other = 12, 4
		type outcome struct {
			body []byte
			err  error
			hash string
		}
		out := make([]outcome, same+other)
		made := make([]string, same+other)
		var wg sync.WaitGroup
		for i := range out {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				hash := "h-same"
				if i >= same {
					hash = "h-other"
				}
				v := f.newDraftSession("m-1", "")
				made[i] = v.ID
				body, replay, err := f.st.Create(ctx, v, &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: hash}, 201,
					func(v *session.Session) ([]byte, error) { return []byte(`{"id":"` + v.ID + `"}`), nil })
				if replay != nil {
					body = replay.Body
				}
				out[i] = outcome{body, err, hash}
			}(i)
		}
		wg.Wait()
		if !lost.Load() {
			t.Fatal("no answer was lost: the test tests nothing")
		}
		stored, maker := 0, -1
		var first []byte
		won := ""
		for i, id := range made {
			if _, err := f.clean().Get(ctx, id); err == nil {
				stored, maker = stored+1, i
				first = []byte(`{"id":"` + id + `"}`)
				won = out[i].hash
			}
		}
		if stored != 1 {
			t.Fatalf("run %d: %d sessions stored; want 1", run, stored)
		}
		// The create whose session is stored made it: its answer is the
		// first, never a refusal (its lost answer counts as success).
		if o := out[maker]; o.err != nil || !bytes.Equal(o.body, first) {
			t.Errorf("run %d: the create whose session is stored answered %s, %v (%s); want %s", run, o.body, o.err, session.ErrorReason(o.err), first)
		}
		answers := map[string]int{}
		for i, o := range out {
			if o.err == nil {
				answers[o.hash+" ok"]++
			} else {
				answers[o.hash+" "+session.ErrorReason(o.err)]++
			}
			switch {
			case o.err == nil && o.hash == won:
				if !bytes.Equal(o.body, first) {
					t.Errorf("run %d: create %d answered %s; want the first answer %s", run, i, o.body, first)
				}
			case o.err == nil:
				t.Errorf("run %d: create %d with another body than the first answered %s; want 409", run, i, o.body)
			case session.ErrorReason(o.err) == session.ReasonIdempotencyPending:
				// the first create was still deciding: retry later (README)
			case o.hash != won && session.ErrorReason(o.err) == session.ReasonIdempotencyReused:
			default:
				t.Errorf("run %d: create %d (%s) = %v (%s %s); want the first answer or a 409 of the key", run, i, o.hash, o.err, session.ErrorCode(o.err), session.ErrorReason(o.err))
			}
		}
		t.Logf("run %d: %s won; answers %v", run, won, answers)
	}
}
