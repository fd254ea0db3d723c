package store_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestExpiryLandedBehindAnUnknownAnswer: the sweeper's expiry write,
// applied by DynamoDB, its one answer replaced by one whose verdict is
// unknown: an answer the SDK cannot read, a 4xx status included (classify:
// "its verdict is unknown"), an empty success, the write's deadline
// passing. ExpireJudged reads the session back, as for any unknown
// outcome: the expiry is reported landed (true, read back), never an
// error the sweeper counts as a failed expiry.
func TestExpiryLandedBehindAnUnknownAnswer(t *testing.T) {
	t.Parallel() // mostly waits (back-offs, hung calls, real deadlines); its own table, clock and interceptor
	answer := func(status int, body string) func(req *http.Request) (*http.Response, error) {
		return func(req *http.Request) (*http.Response, error) {
			res := storetest.ErrorResponse(req, status, "X", "x")
			res.Header.Set("Content-Type", "application/x-amz-json-1.0")
			res.Body, res.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
			return res, nil
		}
	}
	tests := []struct {
		name  string
		after func(req *http.Request) (*http.Response, error)
	}{
		{"400 error body cut short", answer(400, `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceed`)},
		{"400 HTML page", answer(400, "<html><body>Bad Request</body></html>")},
		{"403 JSON naming no error", answer(403, `{"message":"Forbidden"}`)},
		{"400 naming an error DynamoDB does not have", answer(400, `{"__type":"com.amazonaws.dynamodb.v20120810#X","message":"x"}`)},
		{"400 TransactionCanceledException to an UpdateItem", answer(400, `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{"Code":"ConditionalCheckFailed"}]}`)},
		{"400 ResourceInUseException (table operations only)", answer(400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","message":"x"}`)},
		{"200 with an empty body", answer(200, "")},
		{"200 with its JSON cut short", answer(200, `{"Attributes":{"st`)},
		{"the write's deadline passes", func(req *http.Request) (*http.Response, error) {
			<-req.Context().Done()
			return nil, req.Context().Err()
		}},
	}
	// The write's deadline (WriteTimeout, four fifths of the band) bounds
	// in wall time both the expiry's UpdateItem, which the hook sends to
	// DynamoDB Local and reads whole before answering in its place, and
	// ExpireJudged's consistent read back: each must answer within it. At
	// a fifth of the default band that was 0.64 s, and a loaded machine
	// (-race, load 8-12) outlasted it: "context deadline exceeded"
	// (r98-flakes). At the default band each has 4 s; only the last row
	// waits for the deadline, 4 s of wall time.
	policy := session.DefaultPolicy
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var armed atomic.Bool
			var hits atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "UpdateItem" || !armed.CompareAndSwap(true, false) {
					return nil, nil
				}
				hits.Add(1)
				status, err := storetest.Apply(req)
				if err != nil {
					return nil, err
				}
				if status != 200 {
					t.Errorf("the expiry was refused: %d", status)
				}
				return tt.after(req)
			}}
			f := newFixture(t)
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, 16, f.clock.Now)
			v := f.create(t, "m-1")
			f.clock.Set(v.ExpiresAt.Add(session.DefaultWriteGuard)) // due for both stores
			keys := f.expiryKeys(t)
			if len(keys) != 1 {
				t.Fatalf("%d sessions due; want 1", len(keys))
			}
			armed.Store(true)
			ok, readBack, err := st.ExpireJudged(ctx, keys[0])
			if hits.Load() != 1 {
				t.Fatalf("%d expiry writes met the answer; want 1", hits.Load())
			}
			if !ok || !readBack || err != nil {
				t.Errorf("ExpireJudged() = %v, %v, %v (%s); want true, true, nil: it landed", ok, readBack, err, session.ErrorReason(err))
			}
			got, err := f.clean().Get(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range got.History {
				if c.Status == session.Expired {
					n++
				}
			}
			if got.Status != session.Expired || n != 1 || got.Version != 2 {
				t.Errorf("session %s v%d with %d expiry entries; want EXPIRED once, v2", got.Status, got.Version, n)
			}
		})
	}
}
