package store_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// Real DynamoDB answers a single-item write on an item that a running
// transaction holds with TransactionConflictException (HTTP 400, not retried
// by the SDK), and cancels a transaction whose table or index is throttled
// with TransactionCanceledException and a ThrottlingError or
// ProvisionedThroughputExceeded reason. DynamoDB Local produces neither, so
// these tests inject DynamoDB's own error bodies through the HTTP client.
// "A lost race is retried or answered 409, never overwritten" and throttling
// is "503 with Retry-After" (docs/design.md §6, §8): never a 500.

// failFirst answers the first n calls of op with answer, then lets calls
// through; it counts the calls of op. With off set, it lets everything
// through and counts nothing.
type failFirst struct {
	op     string
	n      int64
	answer func(req *http.Request, body []byte) *http.Response
	calls  atomic.Int64
	off    atomic.Bool
}

func (f *failFirst) hook(op string, req *http.Request, body []byte) (*http.Response, error) {
	if op != f.op || f.off.Load() {
		return nil, nil
	}
	if f.calls.Add(1) <= f.n {
		return f.answer(req, body), nil
	}
	return nil, nil
}

func conflict(req *http.Request, _ []byte) *http.Response { return storetest.TransactionConflict(req) }

// weakRead reports whether a call is a GetItem that does not ask for a
// consistent read: docs/design.md §8, "One session read is one `GetItem`
// with `ConsistentRead`: a poll after a write sees the write". A write that
// met a running transaction judges itself by the item as it stands, which
// an eventually consistent read may show from before the write.
func weakRead(op string, body []byte) bool {
	return op == "GetItem" && !bytes.Contains(body, []byte(`"ConsistentRead":true`))
}

func TestTransactionConflictOnSingleWrite(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		conflicts int64
		reason    string // "" = applied
	}{
		{"one conflict, then the write lands", 1, ""},
		{"conflicts every time", 1 << 30, session.ReasonConcurrentUpdate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff := &failFirst{op: "PutItem", n: tt.conflicts, answer: conflict}
			var weak atomic.Int64
			hook := func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if !ff.off.Load() && weakRead(op, body) {
					weak.Add(1)
				}
				return ff.hook(op, req, body)
			}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: hook}}})
			ff.off.Store(true)
			v := f.create(t, "m-1")
			ff.off.Store(false)
			_, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Processing, EventID: "e-1"})
			got := f.mustGet(t, v.ID)
			if n := weak.Load(); n != 0 {
				t.Errorf("%d GetItems without ConsistentRead; want 0", n)
			}
			if tt.reason == "" {
				if err != nil || got.Version != 2 || len(got.History) != 2 {
					t.Fatalf("ApplyEvent after a conflict = %v; stored v%d with %d entries; want applied once", err, got.Version, len(got.History))
				}
				if n := ff.calls.Load(); n != 2 {
					t.Errorf("PutItem calls = %d; want 2 (the conflict, then the write)", n)
				}
				return
			}
			if session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != tt.reason {
				t.Fatalf("ApplyEvent under constant conflicts = %v; want 409 %s", err, tt.reason)
			}
			if !store.Transient(err) {
				t.Errorf("Transient(%v) = false; want true", err)
			}
			if got.Version != 1 {
				t.Errorf("stored version %d; want 1 (nothing written)", got.Version)
			}
			if n := ff.calls.Load(); n != 5 {
				t.Errorf("PutItem calls = %d; want 5 (bounded retries)", n)
			}
		})
	}
}

// TestConflictAfterALostAnswer: the write is applied but its answer lost;
// the SDK's retry then meets a transaction holding the item. The write is
// this request's own success, recognised by its writeId, and applied once:
// not decided again (which would answer 409 for an applied event).
func TestConflictAfterALostAnswer(t *testing.T) {
	ctx := context.Background()
	var attempts, weak atomic.Int64
	var armed atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if armed.Load() && weakRead(op, body) {
			weak.Add(1)
		}
		if op != "PutItem" || !armed.Load() {
			return nil, nil
		}
		if attempts.Add(1) == 1 {
			return storetest.AnswerLost(http.DefaultTransport, req)
		}
		return storetest.TransactionConflict(req), nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	v := f.create(t, "m-1")
	armed.Store(true)
	got, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised})
	if err != nil || got.Status != session.Authorised {
		t.Fatalf("ApplyEvent = %v, %v; want AUTHORISED (its own write)", got, err)
	}
	if s := f.mustGet(t, v.ID); s.Version != 2 || len(s.History) != 2 {
		t.Errorf("stored v%d with %d entries; want the event applied once", s.Version, len(s.History))
	}
	if n := weak.Load(); n != 0 {
		t.Errorf("%d GetItems without ConsistentRead; want 0", n)
	}
}

// TestThrottledTransactionIs503: a transaction canceled by throttling
// (on-demand scaling, GSI back-pressure) is 503 with Retry-After, not 500,
// and nothing is written.
func TestThrottledTransactionIs503(t *testing.T) {
	t.Parallel() // mostly waits (back-offs, hung calls, real deadlines); its own table, clock and interceptor
	ctx := context.Background()
	for _, reason := range []string{"ThrottlingError", "ProvisionedThroughputExceeded"} {
		t.Run(reason, func(t *testing.T) {
			ff := &failFirst{op: "TransactWriteItems", n: 1 << 30, answer: func(req *http.Request, body []byte) *http.Response {
				return storetest.TransactionCanceled(req, body, "None", reason)
			}}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: ff.hook}}})
			parent := f.create(t, "m-1")
			child := f.newDraftSession("m-1", parent.ID)
			_, _, err := f.st.Create(ctx, child, nil, 201, nil)
			if session.ErrorCode(err) != session.EUNAVAILABLE {
				t.Fatalf("Create(child) under a throttled transaction = %v; want %s (503)", err, session.EUNAVAILABLE)
			}
			if !store.Transient(err) {
				t.Errorf("Transient(%v) = false; want true", err)
			}
			if p := f.mustGet(t, parent.ID); p.ChildSessionID != "" || p.Version != 1 {
				t.Errorf("parent after the refused transaction: child %q v%d; want untouched", p.ChildSessionID, p.Version)
			}
		})
	}
}

// TestClassifyRealBodies: what classify makes of the SDK's errors for the
// real bodies, straight from a client call.
func TestClassifyRealBodies(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	answer := func(op string, fn func(req *http.Request, body []byte) *http.Response) *dynamodb.Client {
		ff := &failFirst{op: op, n: 1 << 30, answer: fn}
		return storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: ff.hook}}, MaxAttempts: 1})
	}
	key := map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + uuid.NewString()}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}}
	put := &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: key}
	txn := &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{{Put: &ddb.Put{TableName: aws.String(f.table), Item: key}}}}
	key2 := map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + uuid.NewString()}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}}
	txn2 := &dynamodb.TransactWriteItemsInput{TransactItems: []ddb.TransactWriteItem{{Put: &ddb.Put{TableName: aws.String(f.table), Item: key}}, {Put: &ddb.Put{TableName: aws.String(f.table), Item: key2}}}}
	tests := []struct {
		name   string
		call   func() error
		code   session.Code
		reason string
	}{
		{"TransactionConflictException", func() error {
			_, err := answer("PutItem", conflict).PutItem(ctx, put)
			return err
		}, session.ECONFLICT, session.ReasonConcurrentUpdate},
		{"canceled: ThrottlingError", func() error {
			_, err := answer("TransactWriteItems", func(req *http.Request, body []byte) *http.Response {
				return storetest.TransactionCanceled(req, body, "ThrottlingError")
			}).TransactWriteItems(ctx, txn)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
		{"canceled: ProvisionedThroughputExceeded", func() error {
			_, err := answer("TransactWriteItems", func(req *http.Request, body []byte) *http.Response {
				return storetest.TransactionCanceled(req, body, "ProvisionedThroughputExceeded")
			}).TransactWriteItems(ctx, txn)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
		// docs/design.md §8: "Throttling … is 503 with `Retry-After`":
		// each of DynamoDB's throttling errors, after the SDK's retries,
		// not only ThrottlingException (r96-mutate: a single-item write's
		// ProvisionedThroughputExceededException read as our bug's 500
		// passed).
		{"ProvisionedThroughputExceededException", func() error {
			_, err := answer("PutItem", func(req *http.Request, _ []byte) *http.Response {
				return storetest.ErrorResponse(req, http.StatusBadRequest, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.")
			}).PutItem(ctx, put)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
		{"RequestLimitExceeded", func() error {
			_, err := answer("PutItem", func(req *http.Request, _ []byte) *http.Response {
				return storetest.ErrorResponse(req, http.StatusBadRequest, "RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account.")
			}).PutItem(ctx, put)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
		// A transaction DynamoDB is still applying under the same
		// ClientRequestToken (a retry racing its first try) is not a
		// verdict: 503, which the client retries, never our bug's 500
		// (r96-mutate: throttled() without it passed).
		{"TransactionInProgressException", func() error {
			_, err := answer("TransactWriteItems", func(req *http.Request, _ []byte) *http.Response {
				return storetest.ErrorResponse(req, http.StatusBadRequest, "TransactionInProgressException", "Transaction is in progress")
			}).TransactWriteItems(ctx, txn)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
		// docs/design.md §8: "Throttling, including a transaction canceled
		// for index back-pressure, is 503": also when another item of
		// the transaction met a conflict (r96-mutate: a conflict reason
		// winning over throttling passed).
		{"canceled: TransactionConflict and ThrottlingError", func() error {
			_, err := answer("TransactWriteItems", func(req *http.Request, body []byte) *http.Response {
				return storetest.TransactionCanceled(req, body, "TransactionConflict", "ThrottlingError")
			}).TransactWriteItems(ctx, txn2)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
		{"canceled: ValidationError stays our bug", func() error {
			_, err := answer("TransactWriteItems", func(req *http.Request, body []byte) *http.Response {
				return storetest.TransactionCanceled(req, body, "ValidationError")
			}).TransactWriteItems(ctx, txn)
			return err
		}, session.EINTERNAL, session.ReasonInternal},
		// A canceled transaction applied nothing, and DynamoDB names the
		// reason of at least one item: one whose every reason is None,
		// or that has none, or fewer than its items, is not DynamoDB's
		// answer (README: "a transaction canceled without one reason per
		// item"), 503, which a client may retry.
		{"canceled: every reason None", func() error {
			_, err := answer("TransactWriteItems", func(req *http.Request, body []byte) *http.Response {
				return storetest.TransactionCanceled(req, body, "None")
			}).TransactWriteItems(ctx, txn)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
		{"canceled: every reason without a code", func() error {
			_, err := answer("TransactWriteItems", func(req *http.Request, body []byte) *http.Response {
				res := storetest.ErrorResponse(req, http.StatusBadRequest, "TransactionCanceledException", "Transaction cancelled")
				b := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{}],"Message":"Transaction cancelled"}`
				res.Body, res.ContentLength = io.NopCloser(strings.NewReader(b)), int64(len(b))
				return res
			}).TransactWriteItems(ctx, txn)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
		{"canceled: no reasons", func() error {
			_, err := answer("TransactWriteItems", func(req *http.Request, body []byte) *http.Response {
				return storetest.ErrorResponse(req, http.StatusBadRequest, "TransactionCanceledException", "Transaction cancelled")
			}).TransactWriteItems(ctx, txn)
			return err
		}, session.EUNAVAILABLE, session.ReasonUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := store.Classify(tt.call())
			if session.ErrorCode(err) != tt.code || session.ErrorReason(err) != tt.reason {
				t.Errorf("classify = %v; want %s %s", err, tt.code, tt.reason)
			}
		})
	}
}

// TestIdempotencyKeyHeldByARunningCreate: on real DynamoDB, creates racing
// with one Idempotency-Key meet in the key's record, and the losers'
// transactions are canceled with a TransactionConflict on that record
// (the last item) while the winner's is running. If that lasts past the
// retries, the answer is the one that names the cause, 409
// IDEMPOTENCY_KEY_IN_USE ("Another request with this Idempotency-Key is in
// progress; retry."), whose retry gets the first answer once it is
// remembered, not a generic CONCURRENT_UPDATE. A conflict on the session
// (a child's parent being changed) stays CONCURRENT_UPDATE.
func TestIdempotencyKeyHeldByARunningCreate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		child   bool
		reasons []string // per item: [parent,] session, key record
		reason  string
		noKey   bool // a create without Idempotency-Key: no key record
	}{
		{"key record held", false, []string{"None", "TransactionConflict"}, session.ReasonIdempotencyPending, false},
		{"child create, key record held", true, []string{"None", "None", "TransactionConflict"}, session.ReasonIdempotencyPending, false},
		{"child create, parent held", true, []string{"TransactionConflict", "None", "None"}, session.ReasonConcurrentUpdate, false},
		// Without a key, the last item is the child: a conflict there is
		// on a session, CONCURRENT_UPDATE, never a key in use.
		{"child create without a key, child held", true, []string{"None", "TransactionConflict"}, session.ReasonConcurrentUpdate, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ff := &failFirst{op: "TransactWriteItems", n: 1 << 30, answer: func(req *http.Request, body []byte) *http.Response {
				return storetest.TransactionCanceled(req, body, tt.reasons...)
			}}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: ff.hook}}})
			ff.off.Store(true)
			parent := ""
			if tt.child {
				parent = f.create(t, "m-1").ID
			}
			ff.off.Store(false)
			v := f.newDraftSession("m-1", parent)
			idem := &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h"}
			if tt.noKey {
				idem = nil
			}
			_, r, err := f.st.Create(ctx, v, idem, 201, nil)
			if r != nil || session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != tt.reason {
				t.Fatalf("Create under constant conflicts = %v, %v; want 409 %s", r, err, tt.reason)
			}
			if n := ff.calls.Load(); n != 5 {
				t.Errorf("TransactWriteItems calls = %d; want 5 (bounded retries)", n)
			}
		})
	}
}

// TestThrottledTransactionIsRetried: "503 with `Retry-After` when DynamoDB
// throttles past the SDK's retries" (docs/design.md §6). The SDK retries a
// throttled single-item call, but not a transaction DynamoDB canceled for
// throttling (TransactionCanceledException with a ThrottlingError or
// ProvisionedThroughputExceeded reason: on-demand scaling, GSI
// back-pressure), so the store must: a momentary throttle of a
// transaction — a child's creation, a write moving parent and child, an
// idempotent create, document 003's read of parent and child — is tried
// again, and succeeds once it clears; only one that outlasts the retries is
// 503 (TestThrottledTransactionIs503).
func TestThrottledTransactionIsRetried(t *testing.T) {
	t.Parallel() // mostly waits (back-offs, hung calls, real deadlines); its own table, clock and interceptor
	ctx := context.Background()
	for _, reason := range []string{"ThrottlingError", "ProvisionedThroughputExceeded"} {
		for _, op := range []string{"TransactWriteItems", "TransactGetItems"} {
			t.Run(op+" "+reason, func(t *testing.T) {
				ff := &failFirst{op: op, n: 2, answer: func(req *http.Request, body []byte) *http.Response {
					return storetest.TransactionCanceled(req, body, "None", reason)
				}}
				f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: ff.hook}}})
				ff.off.Store(op == "TransactGetItems")
				parent := f.create(t, "m-1")
				child := f.newDraftSession("m-1", parent.ID)
				_, _, err := f.st.Create(ctx, child, &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h"}, 201, func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil })
				if err != nil {
					t.Fatalf("Create(child) after two throttled tries = %v (%s); want it created", err, session.ErrorReason(err))
				}
				if op == "TransactWriteItems" {
					if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised}); err != nil {
						t.Fatalf("ApplyEvent(child AUTHORISED) = %v", err)
					}
				}
				ff.off.Store(false)
				ff.calls.Store(0)
				if op == "TransactWriteItems" {
					if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Settled}); err != nil {
						t.Fatalf("ApplyEvent(child SETTLED) after two throttled tries = %v (%s); want it applied", err, session.ErrorReason(err))
					}
				} else if _, c, err := f.st.GetWithChild(ctx, "m-1", parent.ID); err != nil || c == nil || c.ID != child.ID {
					t.Fatalf("GetWithChild after two throttled tries = %v, %v; want the pair", c, err)
				}
				if n := ff.calls.Load(); n != 3 {
					t.Errorf("%s calls = %d; want 3 (two throttled, then through)", op, n)
				}
				p, c := f.mustGet(t, parent.ID), f.mustGet(t, child.ID)
				for _, v := range []*session.Session{p, c} {
					if want := int64(len(v.History)) + map[bool]int64{true: 1}[v.ChildSessionID != ""]; v.Version != want {
						t.Errorf("%s: version %d with %d history entries: written more than once", v.ID, v.Version, len(v.History))
					}
				}
			})
		}
	}
}

// TestThrottledTransactionCutMidWait: a request whose context ends while
// the store waits to try a throttled transaction again (the function's
// deadline, less the reserve to answer) is 503 EUNAVAILABLE at once: the
// write was not applied, and no further try is sent after the cut.
func TestThrottledTransactionCutMidWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var armed atomic.Bool
	ff := &failFirst{op: "TransactWriteItems", n: 1 << 30, answer: func(req *http.Request, body []byte) *http.Response {
		cancel() // the deadline passes while the store waits to try again
		return storetest.TransactionCanceled(req, body, "None", "ThrottlingError")
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if !armed.Load() {
			return nil, nil
		}
		return ff.hook(op, req, body)
	}}}})
	parent := f.create(t, "m-1")
	child := f.newDraftSession("m-1", parent.ID)
	armed.Store(true)
	_, _, err := f.st.Create(ctx, child, nil, 0, nil)
	armed.Store(false)
	if code := session.ErrorCode(err); code != session.EUNAVAILABLE {
		t.Fatalf("Create(child) cut while throttled: %v (code %q); want %q", err, code, session.EUNAVAILABLE)
	}
	if n := ff.calls.Load(); n != 1 {
		t.Errorf("TransactWriteItems calls = %d; want 1 (none after the cut)", n)
	}
	if _, err := f.clean().Get(context.Background(), child.ID); session.ErrorCode(err) != session.ENOTFOUND {
		t.Errorf("Get(child) = %v; want ENOTFOUND: nothing was written", err)
	}
}

// TestConflictThenUnreadIs503: a single write that met a running
// transaction is judged by the item as it then stands; when that read
// fails past the SDK's retries, the write was not applied and no verdict
// can be had: README, "DynamoDB throttling (a throttled transaction
// included) or failing past the SDK's retries" is 503, nothing written.
func TestConflictThenUnreadIs503(t *testing.T) {
	ctx := context.Background()
	var armed atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if !armed.Load() {
			return nil, nil
		}
		switch op {
		case "PutItem":
			return storetest.TransactionConflict(req), nil
		case "GetItem":
			armed.Store(false) // the read after the conflict fails
			return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "injected"), nil
		}
		return nil, nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1})
	v := f.create(t, "m-1")
	err := f.st.Transact(ctx, func(tx *store.Txn) error {
		w, err := tx.Get(v.ID)
		if err != nil {
			return err
		}
		w.StatusReason = "changed"
		tx.Put(w)
		armed.Store(true)
		return nil
	})
	if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
		t.Errorf("Transact = %v (%s); want %s", err, got, session.EUNAVAILABLE)
	}
	if got := f.mustGet(t, v.ID); got.Version != 1 {
		t.Errorf("version %d; want 1 (nothing written)", got.Version)
	}
}
