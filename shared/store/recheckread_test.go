package store_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestRefusalRecheckUnreadIs503: a refusal decided on two sessions read one
// after the other (a child's create: its parent, then the parent's present
// open child) is checked by reading the first again, docs/design.md §8: "a
// refusal stands only on a state the table had". When that read fails, the
// pair was never seen as one state: the answer is the read's failure
// (README: "DynamoDB throttling (a throttled transaction included) or
// failing past the SDK's retries" is 503), never the refusal taken as if the
// parent had not moved.
func TestRefusalRecheckUnreadIs503(t *testing.T) {
	ctx := context.Background()
	var reads atomic.Int64
	var armed atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "GetItem" || !armed.Load() || reads.Add(1) < 3 {
			return nil, nil // the parent's read and its present child's are answered
		}
		return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "injected"), nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1})
	p := f.create(t, "m-1")
	f.createChild(t, p)
	armed.Store(true)
	_, _, err := f.st.Create(ctx, f.newDraftSession("m-1", p.ID), nil, 0, nil)
	armed.Store(false)
	if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
		t.Errorf("got %v (%s %s); want %s", err, got, session.ErrorReason(err), session.EUNAVAILABLE)
	}
	if got := reads.Load(); got != 3 {
		t.Errorf("GetItems = %d; want 3 (the parent, its child, the parent again)", got)
	}
}

// TestRetriedOnFreshReads: once a check of a refusal decided on two
// sessions found the first moved, or a transaction of two sessions lost a
// race, the attempt is decided again on the sessions as they now stand
// (docs/design.md §8: "A lost race is re-decided on the winner's state"),
// not on a winner an earlier attempt's lost single write returned: that one
// is stale by then, and every later attempt would lose on it again, until
// CONCURRENT_UPDATE. Attempt 1 writes X alone and loses to another writer
// (its failed write returns X as the winner made it); attempt 2 reads that
// X, X moves again, then Y is read, and the attempt refuses (or writes both
// in one transaction, which X's move cancels); so attempt 3 reads X and Y
// again, nothing moves, and its refusal stands (or its write lands).
func TestRetriedOnFreshReads(t *testing.T) {
	ctx := context.Background()
	refused := session.Errorf(session.ECONFLICT, session.ReasonInvalidTransition, "refused")
	tests := []struct {
		name   string
		refuse bool // else attempts 2 and 3 write X and Y
		check  bool // Y checked (Txn.Check), not written
		want   string
	}{
		{"a refusal whose check found X moved", true, false, session.ReasonInvalidTransition},
		{"a transaction X's move canceled", false, false, ""},
		{"a write of X checking Y, X's move canceled", false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			x, y := f.create(t, "m-1"), f.create(t, "m-1")
			other := f.clean()
			move := func(st session.Status, id string) {
				t.Helper()
				if _, err := other.ApplyEvent(ctx, "", x.ID, &session.Event{Status: st, EventID: session.EventID(id)}); err != nil {
					t.Fatalf("the other writer's event: %v", err)
				}
			}
			var attempts int
			var versions []int64
			err := f.st.Transact(ctx, func(tx *store.Txn) error {
				attempts++
				v, err := tx.Get(x.ID)
				if err != nil {
					return err
				}
				versions = append(versions, v.Version)
				switch attempts {
				case 1:
					move(session.Processing, "move-1")
					tx.Put(v) // refused: X moved since its read
					return nil
				case 2:
					move(session.RequiresAction, "move-2")
				}
				w, err := tx.Get(y.ID)
				if err != nil {
					return err
				}
				if tt.refuse {
					return refused
				}
				tx.Put(v)
				if tt.check {
					tx.Check(w)
				} else {
					tx.Put(w)
				}
				return nil
			})
			if tt.want == "" && err != nil || tt.want != "" && session.ErrorReason(err) != tt.want {
				t.Errorf("Transact = %v (%s); want %q (\"\": applied)", err, session.ErrorReason(err), tt.want)
			}
			if len(versions) != 3 || versions[0] != 1 || versions[1] != 2 || versions[2] != 3 {
				t.Errorf("X's version read by each attempt = %v; want [1 2 3]", versions)
			}
		})
	}
}

// TestDecidedAgainAtALaterChangeIsBounded: a session read after the
// attempt's instant was handed out, changed later than it by an instance
// whose clock is ahead (within the second a change is followed), makes the
// attempt be decided again at that change's instant (docs/design.md §8: "A
// change is made no earlier than the latest change it read"). When such a
// change lands again before every read, the decision is not retried
// without end: "retried with jitter a bounded number of times, then 409
// `CONCURRENT_UPDATE`", five attempts, as a lost race.
func TestDecidedAgainAtALaterChangeIsBounded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	x := f.create(t, "m-1")
	var lead time.Duration
	ahead := store.New(f.db, f.table, session.DefaultPolicy, 16, func() time.Time { return f.clock.Now().Add(lead) })
	var attempts int
	err := f.st.Transact(ctx, func(tx *store.Txn) error {
		attempts++
		tx.Now()
		lead = time.Duration(attempts) * 100 * time.Millisecond
		st := []session.Status{session.Processing, session.RequiresAction}[attempts%2]
		if _, err := ahead.ApplyEvent(ctx, "", x.ID, &session.Event{Status: st, EventID: session.EventID(fmt.Sprint("ahead-", attempts))}); err != nil {
			t.Fatalf("the writer ahead: %v", err)
		}
		v, err := tx.Get(x.ID)
		if err != nil {
			return err
		}
		tx.Put(v)
		return nil
	})
	if session.ErrorReason(err) != session.ReasonConcurrentUpdate {
		t.Errorf("Transact = %v (%s); want %s", err, session.ErrorReason(err), session.ReasonConcurrentUpdate)
	}
	if attempts != 5 {
		t.Errorf("attempts = %d; want 5", attempts)
	}
}

// TestRefusalRecheckFindsTheFirstGone: a refusal decided on two sessions
// read one after the other stands only if the first is still as read
// (docs/design.md §8: "a refusal stands only on a state the table had").
// The first gone meanwhile (past its retention, deleted by TTL) has moved:
// the attempt is decided again on the table as it now is, where a change
// that leaves a gone member alone (as a child's cancel leaves a parent past
// its retention) is made, not refused on the member it no longer has.
func TestRefusalRecheckFindsTheFirstGone(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	x, y := f.create(t, "m-1"), f.create(t, "m-1")
	var attempts int
	err := f.st.Transact(ctx, func(tx *store.Txn) error {
		attempts++
		if _, err := tx.Get(x.ID); session.ErrorCode(err) == session.ENOTFOUND {
			return nil // a gone member is left alone
		} else if err != nil {
			return err
		}
		if _, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(f.table),
			Key: map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + x.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
			},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Get(y.ID); err != nil {
			return err
		}
		return session.Errorf(session.ECONFLICT, session.ReasonInvalidTransition, "refused")
	})
	if err != nil || attempts != 2 {
		t.Errorf("Transact = %v (%s) after %d attempts; want nil after 2 (decided again without the gone session)", err, session.ErrorReason(err), attempts)
	}
}

// TestWriteOfASessionNotReadIsABug: docs/design.md §8, "Every write is
// conditional (on `version`, on the time rules with the guard band of §4,
// or on the item not existing)": a session marked for writing, or checked,
// without being read in the attempt has no version to hold it to. That is
// the store's own bug (500), and nothing is written — never the session
// overwritten without a condition.
func TestWriteOfASessionNotReadIsABug(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		mark func(tx *store.Txn, x, y *session.Session)
	}{
		{"a single write", func(tx *store.Txn, x, _ *session.Session) { tx.Put(x) }},
		{"a transaction", func(tx *store.Txn, x, y *session.Session) { tx.Put(y); tx.Put(x) }},
		{"a check", func(tx *store.Txn, x, y *session.Session) { tx.Put(y); tx.Check(x) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			x, y := f.create(t, "m-1"), f.create(t, "m-1")
			err := f.st.Transact(ctx, func(tx *store.Txn) error {
				w, err := tx.Get(y.ID)
				if err != nil {
					return err
				}
				v := x.Clone()
				v.StatusReason = "written unread"
				tt.mark(tx, v, w)
				return nil
			})
			if got := session.ErrorCode(err); got != session.EINTERNAL {
				t.Errorf("Transact = %v (%s); want %s", err, got, session.EINTERNAL)
			}
			for _, id := range []string{x.ID, y.ID} {
				if got := f.mustGet(t, id); got.Version != 1 {
					t.Errorf("session %s: version %d; want 1 (nothing written)", id, got.Version)
				}
			}
		})
	}
}
