package store_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestFamilyMemberUnreadIs503: a change of one family member that must
// read the other (a child's create reads its parent and the parent's
// present child; a child's money reads its parent; a child's cancel reads
// the parent that shows its money; a parent's close reads its open child)
// cannot decide without it. When that read fails, the answer is the
// read's failure, README: "DynamoDB throttling (a throttled transaction
// included) or failing past the SDK's retries" is 503, and nothing is
// written: never a decision taken as if the member were absent (a second
// open child beside the one unread, when docs/design.md §4 says "at most
// one open child at a time"; a parent canceled with its child left open).
func TestFamilyMemberUnreadIs503(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// prepare makes the family and returns the session whose read
		// fails and the change under test.
		prepare func(t *testing.T, f *fixture) (unread string, change func() error)
	}{
		{"a child's create, its parent unread", func(t *testing.T, f *fixture) (string, func() error) {
			p := f.create(t, "m-1")
			return p.ID, func() error {
				_, _, err := f.st.Create(ctx, f.newDraftSession("m-1", p.ID), nil, 0, nil)
				return err
			}
		}},
		{"a child's create, the parent's present open child unread", func(t *testing.T, f *fixture) (string, func() error) {
			p := f.create(t, "m-1")
			c := f.createChild(t, p)
			return c.ID, func() error {
				_, _, err := f.st.Create(ctx, f.newDraftSession("m-1", p.ID), nil, 0, nil)
				return err
			}
		}},
		{"a child's AUTHORISED, its parent unread", func(t *testing.T, f *fixture) (string, func() error) {
			p := f.create(t, "m-1")
			c := f.createChild(t, p)
			return p.ID, func() error {
				_, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised, EventID: "auth"})
				return err
			}
		}},
		{"an AUTHORISED child's cancel, its parent unread", func(t *testing.T, f *fixture) (string, func() error) {
			p := f.create(t, "m-1")
			c := f.createChild(t, p)
			if _, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised}); err != nil {
				t.Fatal(err)
			}
			return p.ID, func() error {
				_, err := f.st.Cancel(ctx, "m-1", c.ID, "Buyer changed their mind.")
				return err
			}
		}},
		{"a parent's cancel, its open child unread", func(t *testing.T, f *fixture) (string, func() error) {
			p := f.create(t, "m-1")
			c := f.createChild(t, p)
			return c.ID, func() error {
				_, err := f.st.Cancel(ctx, "m-1", p.ID, "Buyer changed their mind.")
				return err
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, unread := newUnreadFixture(t)
			id, change := tt.prepare(t, f)
			before := f.tableItems(t)
			unread.Store(id)
			err := change()
			unread.Store("")
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Errorf("got %v (code %q); want %s", err, got, session.EUNAVAILABLE)
			}
			if after := f.tableItems(t); after != before {
				t.Errorf("got %d items, %s; want %d, %s: nothing written", after.n, after.last, before.n, before.last)
			}
		})
	}
}

// newUnreadFixture is a fixture whose reads (GetItem) of the session whose
// id unread holds fail, with DynamoDB's 500 and no retry; of others, and
// of every session while unread holds "", they are answered.
func newUnreadFixture(t *testing.T) (*fixture, *atomic.Value) {
	t.Helper()
	unread := &atomic.Value{}
	unread.Store("")
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		id := unread.Load().(string)
		if op != "GetItem" || id == "" || !bytes.Contains(body, []byte(`"SESSION#`+id+`"`)) {
			return nil, nil
		}
		return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "injected"), nil
	}}
	return newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), unread
}

// createChild stores a child of p, of p's merchant.
func (f *fixture) createChild(t *testing.T, p *session.Session) *session.Session {
	t.Helper()
	c := f.newDraftSession(p.MerchantID, p.ID)
	if _, _, err := f.st.Create(context.Background(), c, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// tableState is what a Scan of the fixture's table shows: its item count
// and each item's key and version, in key order.
type tableState struct {
	n    int
	last string
}

func (f *fixture) tableItems(t *testing.T) tableState {
	t.Helper()
	out, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(f.table), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(out.Items))
	for _, it := range out.Items {
		k := it["pk"].(*ddb.AttributeValueMemberS).Value
		if v, ok := it["version"].(*ddb.AttributeValueMemberN); ok {
			k += "@" + v.Value
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return tableState{n: len(out.Items), last: strings.Join(keys, ",")}
}

// TestWriteOfAnUnreadSession: an event or a cancel whose session cannot be
// read is answered by the read: README: "unknown session, another
// merchant's, or past its retention (all alike" is 404, and a read that
// fails is 503 ("DynamoDB throttling (a throttled transaction included) or
// failing past the SDK's retries"), with nothing written.
func TestWriteOfAnUnreadSession(t *testing.T) {
	ctx := context.Background()
	ops := []struct {
		name  string
		write func(st *store.Store, id string) error
	}{
		{"an event", func(st *store.Store, id string) error {
			_, err := st.ApplyEvent(ctx, "", id, &session.Event{Status: session.Authorised, EventID: "auth"})
			return err
		}},
		{"a merchant's event", func(st *store.Store, id string) error {
			_, err := st.ApplyEvent(ctx, "m-1", id, &session.Event{Status: session.Authorised})
			return err
		}},
		{"a cancel", func(st *store.Store, id string) error {
			_, err := st.Cancel(ctx, "m-1", id, "Buyer changed their mind.")
			return err
		}},
	}
	for _, op := range ops {
		for _, fails := range []bool{false, true} {
			name, want := op.name+" on an unknown session", session.ENOTFOUND
			if fails {
				name, want = op.name+" on a session whose read fails", session.EUNAVAILABLE
			}
			t.Run(name, func(t *testing.T) {
				f, unread := newUnreadFixture(t)
				id := uuid.NewString()
				if fails {
					id = f.create(t, "m-1").ID
					unread.Store(id)
				}
				before := f.tableItems(t)
				err := op.write(f.st, id)
				unread.Store("")
				if got := session.ErrorCode(err); got != want {
					t.Errorf("got %v (code %q); want %s", err, got, want)
				}
				if after := f.tableItems(t); after != before {
					t.Errorf("got %d items, %s; want %d, %s: nothing written", after.n, after.last, before.n, before.last)
				}
			})
		}
	}
}

// TestChildCancelRefusedWhenItsParentIsFull: docs/design.md §4, "The
// child's cancel request, which can repeat, is refused (409
// `HISTORY_FULL`) when the parent's history holds 90 entries". The refusal
// is the answer and nothing is written: never the child's cancel request
// without its parent following, which would leave the parent showing
// AUTHORISED for money its child no longer holds.
func TestChildCancelRefusedWhenItsParentIsFull(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := f.create(t, "m-1")
	c := f.createChild(t, p)
	f.clock.Advance(time.Minute)
	if _, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised}); err != nil {
		t.Fatal(err)
	}
	// The parent's history filled to 90 entries before the child's
	// AUTHORISED it shows.
	full := f.mustGet(t, p.ID)
	last := full.History[len(full.History)-1]
	filler := make([]session.Change, 0, session.MaxHistory)
	filler = append(filler, full.History[0])
	for i := 1; len(filler) < session.MaxHistory-session.MaxHistoryReserve-1; i++ {
		filler = append(filler, session.Change{Status: session.Processing, Reason: "Filler.", At: full.CreatedAt.Add(time.Duration(i) * time.Millisecond)})
	}
	full.History = append(filler, last)
	if err := f.st.ImportAll(ctx, []*session.Session{full}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	before := f.tableItems(t)
	_, err := f.st.Cancel(ctx, "m-1", c.ID, "Buyer changed their mind.")
	if got := session.ErrorReason(err); got != session.ReasonHistoryFull {
		t.Errorf("got %v (%s); want %s", err, got, session.ReasonHistoryFull)
	}
	if after := f.tableItems(t); after != before {
		t.Errorf("got %d items, %s; want %d, %s: nothing written", after.n, after.last, before.n, before.last)
	}
}

// TestParentCloseWhoseChildIsGone: a parent whose child closed early and is
// past its own retention closes as any other, whether or not TTL has
// deleted the child's item: docs/design.md §4, "From that instant the
// session does not exist for any endpoint, reads and writes alike (404),
// whatever TTL has or has not deleted. TTL runs late, often by days;
// nothing depends on it." The parent's close reads its child to close it
// if open; a child gone is left alone, never a 404 for the parent.
func TestParentCloseWhoseChildIsGone(t *testing.T) {
	ctx := context.Background()
	for _, ttlRan := range []bool{false, true} {
		t.Run(fmt.Sprintf("TTL ran %v", ttlRan), func(t *testing.T) {
			f := newFixture(t)
			p := parentWithChildGone(t, f, ttlRan)
			got, err := f.st.Cancel(ctx, "m-1", p.ID, "Buyer changed their mind.")
			if err != nil || got.Status != session.Canceled {
				t.Errorf("got %v, %v; want the parent %s", got, err, session.Canceled)
			}
		})
	}
}

// TestParentOpenMoveLeavesItsChildOpen: docs/design.md §4, "A parent's
// close closes its open child": only its close. A parent moved to another
// open status (a processor's PROCESSING, REQUIRES_ACTION, CREATED again)
// leaves its open child as it is: not canceled, not written.
func TestParentOpenMoveLeavesItsChildOpen(t *testing.T) {
	ctx := context.Background()
	for _, st := range []session.Status{session.Processing, session.RequiresAction, session.Created} {
		t.Run(string(st), func(t *testing.T) {
			f := newFixture(t)
			p := f.create(t, "m-1")
			c := f.createChild(t, p)
			f.clock.Advance(time.Second)
			if _, err := f.st.ApplyEvent(ctx, "", p.ID, &session.Event{Status: st, EventID: "open-1"}); err != nil {
				t.Fatal(err)
			}
			if got := f.mustGet(t, c.ID); got.Status != session.Created || got.Version != 1 {
				t.Errorf("child after its parent's %s: got %s, version %d; want %s, version 1", st, got.Status, got.Version, session.Created)
			}
		})
	}
}

// TestCreateWhoseAnswerIsLostIs503: a create with an Idempotency-Key whose
// transaction DynamoDB applied but whose answer was lost (a 5xx on the
// SDK's only try) has an unknown outcome, README: "a write whose outcome
// is unknown (its deadline passed, or its answer was lost under more later
// writes than a session keeps: retry with the same `Idempotency-Key` or
// `eventId`)" is 503. It is not answered as a replay of its own first
// answer: only a refusal (400, 404, 409) is looked up in the key's record.
func TestCreateWhoseAnswerIsLostIs503(t *testing.T) {
	ctx := context.Background()
	var lose atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "TransactWriteItems" || !lose.Swap(false) {
			return nil, nil
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		res.Body.Close()
		return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "injected"), nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1})
	v := f.newDraftSession("m-1", "")
	lose.Store(true)
	body, replay, err := f.st.Create(ctx, v, &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h"}, 201, func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil })
	if got := session.ErrorCode(err); got != session.EUNAVAILABLE || replay != nil || body != nil {
		t.Errorf("got body %q, replay %v, error %v (code %q); want %s", body, replay, err, got, session.EUNAVAILABLE)
	}
}

// parentWithChildGone creates m-1's parent with a child that failed at
// once, and sets the clock a second past the child's retainUntil: the
// child is gone, its item deleted when ttlRan (as TTL would), kept
// otherwise. The parent stays open.
func parentWithChildGone(t *testing.T, f *fixture, ttlRan bool) *session.Session {
	t.Helper()
	ctx := context.Background()
	p := f.create(t, "m-1")
	c := f.createChild(t, p)
	f.clock.Advance(time.Second)
	failed, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Failed})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(failed.RetainUntil.Add(time.Second))
	if ttlRan {
		if _, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &f.table, Key: map[string]ddb.AttributeValue{
			"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + c.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	return p
}
