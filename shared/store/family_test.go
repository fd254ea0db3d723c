package store_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// newDraftSession makes a session for merchant at the fixture's clock; with
// parent set it asks to be that session's child.
func (f *fixture) newDraftSession(merchant, parent string) *session.Session {
	d := &session.Draft{Amount: amount(100), Currency: "EUR", ParentSessionID: session.ParentID(parent)}
	return session.New(d, merchant, uuid.NewString(), "tok", f.clock.Now(), session.DefaultPolicy)
}

func (f *fixture) mustGet(t *testing.T, id string) *session.Session {
	t.Helper()
	v, err := f.st.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s) = %v", id, err)
	}
	return v
}

func TestChildCreation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		setup  func(f *fixture) (parent string) // returns the parentSessionId to use
		code   session.Code
		reason string
	}{
		{"open parent", func(f *fixture) string { return f.create(t, "m-1").ID }, "", ""},
		{"other merchant's parent", func(f *fixture) string { return f.create(t, "m-2").ID }, session.EINVALID, session.ReasonValidation},
		{"unknown parent", func(f *fixture) string { return uuid.NewString() }, session.EINVALID, session.ReasonValidation},
		{"closed parent", func(f *fixture) string {
			p := f.create(t, "m-1")
			if _, err := f.st.Cancel(ctx, "m-1", p.ID, ""); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}, session.ECONFLICT, session.ReasonParentNotOpen},
		{"expired parent", func(f *fixture) string {
			p := f.create(t, "m-1")
			f.clock.Advance(30 * time.Minute)
			return p.ID
		}, session.ECONFLICT, session.ReasonParentNotOpen},
		{"parent within its guard band", func(f *fixture) string {
			p := f.create(t, "m-1")
			f.clock.Set(p.ExpiresAt.Add(-time.Minute - time.Second)) // the child comes a minute later
			return p.ID
		}, session.ECONFLICT, session.ReasonParentNotOpen},
		{"parent past its retention", func(f *fixture) string {
			p := f.create(t, "m-1")
			f.clock.Set(p.ExpiresAt.Add(15 * time.Minute))
			return p.ID
		}, session.EINVALID, session.ReasonValidation},
		{"parent with an open child", func(f *fixture) string {
			p := f.create(t, "m-1")
			if _, _, err := f.st.Create(ctx, f.newDraftSession("m-1", p.ID), nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}, session.ECONFLICT, session.ReasonChildExists},
		{"parent whose child closed", func(f *fixture) string {
			p := f.create(t, "m-1")
			c := f.newDraftSession("m-1", p.ID)
			if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Failed}); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}, "", ""},
		{"grandchild", func(f *fixture) string {
			p := f.create(t, "m-1")
			c := f.newDraftSession("m-1", p.ID)
			if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}, session.EINVALID, session.ReasonValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			parentID := tt.setup(f)
			f.clock.Advance(time.Minute)
			child := f.newDraftSession("m-1", parentID)
			_, _, err := f.st.Create(ctx, child, nil, 201, nil)
			if session.ErrorCode(err) != tt.code || (tt.reason != "" && session.ErrorReason(err) != tt.reason) {
				t.Fatalf("Create(child) = %v; want code %q reason %q", err, tt.code, tt.reason)
			}
			if tt.code != "" {
				if _, err := f.st.Get(ctx, child.ID); session.ErrorCode(err) != session.ENOTFOUND {
					t.Errorf("refused child was stored (Get = %v)", err)
				}
				return
			}
			parent := f.mustGet(t, parentID)
			got := f.mustGet(t, child.ID)
			if parent.ChildSessionID != child.ID || got.ParentSessionID != parentID {
				t.Errorf("link parent→%q child→%q; want %s↔%s", parent.ChildSessionID, got.ParentSessionID, parentID, child.ID)
			}
			if !got.ExpiresAt.Equal(parent.ExpiresAt) || got.ExpiresAt.After(got.CreatedAt.Add(30*time.Minute)) {
				t.Errorf("child expiresAt = %v; want capped at the parent's %v", got.ExpiresAt, parent.ExpiresAt)
			}
		})
	}
}

func TestChildAuthorisedMovesOpenParent(t *testing.T) {
	ctx := context.Background()
	for _, st := range []session.Status{session.Authorised, session.Settled} {
		t.Run(string(st), func(t *testing.T) {
			f := newFixture(t)
			parent := f.create(t, "m-1")
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: st}); err != nil {
				t.Fatal(err)
			}
			p := f.mustGet(t, parent.ID)
			if p.Status != st || !p.ClosedAt.Equal(f.clock.Now()) {
				t.Errorf("parent = %s closed %v; want %s at %v", p.Status, p.ClosedAt, st, f.clock.Now())
			}
			if last := p.History[len(p.History)-1]; last.Status != st {
				t.Errorf("parent's last history entry = %+v; want %s", last, st)
			}
		})
	}
	t.Run("an authorised child still settles, and its parent follows", func(t *testing.T) {
		f := newFixture(t)
		parent := f.create(t, "m-1")
		child := f.newDraftSession("m-1", parent.ID)
		if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		for _, st := range []session.Status{session.Authorised, session.Settled} {
			if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: st}); err != nil {
				t.Fatalf("child %s: %v", st, err)
			}
		}
		if p, c := f.mustGet(t, parent.ID), f.mustGet(t, child.ID); p.Status != session.Settled || c.Status != session.Settled {
			t.Errorf("parent %s, child %s; want SETTLED (it shows its child's money), SETTLED", p.Status, c.Status)
		}
	})
	// docs/design.md §5: "a payment whose money will not move never reads
	// as a success": "A client that ships goods on COMPLETED must never see
	// it for a canceled, cancel-requested, failed or expired payment". A
	// parent that shows its child's money follows the child when that money
	// is given back, by the processor or by the merchant's cancel.
	t.Run("a parent showing its child's money follows its cancellation", func(t *testing.T) {
		f := newFixture(t)
		parent := f.create(t, "m-1")
		child := f.newDraftSession("m-1", parent.ID)
		if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name string
			do   func() error
			want session.Status // the parent's, and the child's
		}{
			{"child AUTHORISED", func() error {
				_, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised})
				return err
			}, session.Authorised},
			{"merchant cancels the child", func() error { _, err := f.st.Cancel(ctx, "m-1", child.ID, ""); return err }, session.CancelRequested},
			{"cancellation declined", func() error {
				_, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised})
				return err
			}, session.Authorised},
			{"merchant cancels the child again", func() error { _, err := f.st.Cancel(ctx, "m-1", child.ID, ""); return err }, session.CancelRequested},
			{"processor cancels the child", func() error {
				_, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Canceled})
				return err
			}, session.Canceled},
		}
		for _, s := range steps {
			f.clock.Advance(time.Second)
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			p, c := f.mustGet(t, parent.ID), f.mustGet(t, child.ID)
			if p.Status != s.want || c.Status != s.want {
				t.Errorf("after %s: parent %s, child %s; want both %s", s.name, p.Status, c.Status, s.want)
			}
			if p.StatusReason != session.ChildReason(child.ID, s.want) {
				t.Errorf("after %s: parent's reason %q; want %q", s.name, p.StatusReason, session.ChildReason(child.ID, s.want))
			}
		}
	})
	t.Run("other statuses do not propagate", func(t *testing.T) {
		f := newFixture(t)
		parent := f.create(t, "m-1")
		child := f.newDraftSession("m-1", parent.ID)
		if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Failed}); err != nil {
			t.Fatal(err)
		}
		if p := f.mustGet(t, parent.ID); p.Status != session.Created {
			t.Errorf("parent = %s; want CREATED", p.Status)
		}
	})
}

// TestParentCloseClosesOpenChild: "A parent's close closes its open child,
// whatever closed the parent (a merchant cancel, a processor's CANCELED,
// FAILED, AUTHORISED or SETTLED, or expiry), in the same transaction: the
// child becomes CANCELED with reason "Parent session closed."" and "A child
// can never reach AUTHORISED or SETTLED under a closed parent: 409
// PARENT_CLOSED" (docs/design.md §4).
func TestParentCloseClosesOpenChild(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		close func(f *fixture, id string) error
	}{
		{"merchant cancel", func(f *fixture, id string) error { _, err := f.st.Cancel(ctx, "m-1", id, ""); return err }},
		{"processor CANCELED", event(session.Canceled)},
		{"processor FAILED", event(session.Failed)},
		{"processor AUTHORISED", event(session.Authorised)},
		{"processor SETTLED", event(session.Settled)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := &storetest.CallCounter{}
			f := newFixtureWith(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
			parent := f.create(t, "m-1")
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			calls.Take()
			if err := tt.close(f, parent.ID); err != nil {
				t.Fatal(err)
			}
			// One transaction writes both.
			if got := strings.Join(calls.Take(), " "); got != "GetItem GetItem TransactWriteItems" {
				t.Errorf("DynamoDB calls %q; want the parent and child read, then one TransactWriteItems", got)
			}
			c := f.mustGet(t, child.ID)
			if c.Status != session.Canceled || c.StatusReason != session.ReasonParentClosedText || !c.ClosedAt.Equal(f.clock.Now()) {
				t.Errorf("child = %s %q closed %v; want CANCELED %q at %v", c.Status, c.StatusReason, c.ClosedAt, session.ReasonParentClosedText, f.clock.Now())
			}
			// No money under a closed parent.
			for _, st := range []session.Status{session.Authorised, session.Settled} {
				_, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: st})
				if session.ErrorCode(err) != session.ECONFLICT || session.ErrorReason(err) != session.ReasonParentClosed {
					t.Errorf("child event %s = %v; want 409 %s", st, err, session.ReasonParentClosed)
				}
			}
			if got := f.mustGet(t, child.ID); got.Version != c.Version {
				t.Errorf("child written after its parent closed (v%d, then v%d)", c.Version, got.Version)
			}
		})
	}
	// A closed child stays as it is.
	f := newFixture(t)
	parent := f.create(t, "m-1")
	child := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Failed}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Cancel(ctx, "m-1", parent.ID, ""); err != nil {
		t.Fatal(err)
	}
	if c := f.mustGet(t, child.ID); c.Status != session.Failed {
		t.Errorf("closed child = %s; want FAILED, untouched", c.Status)
	}
}

func event(st session.Status) func(f *fixture, id string) error {
	return func(f *fixture, id string) error {
		_, err := f.st.ApplyEvent(context.Background(), "", id, &session.Event{Status: st})
		return err
	}
}

// TestNoMoneyUnderAClosedParent: a child that is open under a parent
// already closed (as stored before this rule, or a parent past its
// retention) cannot be authorised or settled.
func TestNoMoneyUnderAClosedParent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	d := &session.Draft{Amount: amount(1), Currency: "EUR"}
	parent := session.New(d, "m-1", uuid.NewString(), "t", f.clock.Now(), session.DefaultPolicy)
	child := session.New(d, "m-1", uuid.NewString(), "t", f.clock.Now(), session.DefaultPolicy)
	if err := session.Adopt(parent, child, nil, f.clock.Now(), session.DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	if _, err := parent.Apply(&session.Event{Status: session.Canceled}, f.clock.Now(), session.DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	orphan := session.New(&session.Draft{Amount: amount(1), Currency: "EUR", ParentSessionID: session.ParentID(uuid.NewString())}, "m-1", uuid.NewString(), "t", f.clock.Now(), session.DefaultPolicy)
	for _, v := range []*session.Session{parent, child, orphan} {
		if err := f.st.Import(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(time.Minute)
	for _, id := range []string{child.ID, orphan.ID} {
		_, err := f.st.ApplyEvent(ctx, "", id, &session.Event{Status: session.Authorised})
		if session.ErrorReason(err) != session.ReasonParentClosed {
			t.Errorf("AUTHORISED on a child whose parent is closed or gone = %v; want 409 %s", err, session.ReasonParentClosed)
		}
		if got := f.mustGet(t, id); got.Status != session.Created {
			t.Errorf("child = %s; want CREATED, untouched", got.Status)
		}
	}
	// Other events still reach it (it can fail, or be canceled).
	if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Failed}); err != nil {
		t.Errorf("FAILED on that child = %v; want accepted", err)
	}
}

// TestParentCanceledWhileChildTakesMoney: a processor cancels the parent
// between the child's read and its write. The child's transaction holds the
// parent's version, so its write fails and is decided again: PARENT_CLOSED,
// and no money under the canceled parent. Either the child's AUTHORISED
// races an open parent (which the cancel closes with its child), or the
// child's SETTLED races a parent its AUTHORISED had moved to AUTHORISED.
func TestParentCanceledWhileChildTakesMoney(t *testing.T) {
	tests := []struct {
		name             string
		before           []session.Status // the child's events before the race
		racing           session.Status
		wantParent, want session.Status
	}{
		{"child AUTHORISED, parent open", nil, session.Authorised, session.Canceled, session.Canceled},
		{"child SETTLED, parent AUTHORISED by it", []session.Status{session.Authorised}, session.Settled, session.Canceled, session.Authorised},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var armed atomic.Bool
			var f *fixture
			var parentID string
			ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
				if (op == "TransactWriteItems" || op == "PutItem") && armed.CompareAndSwap(true, false) {
					if _, err := f.clean().ApplyEvent(ctx, "", parentID, &session.Event{Status: session.Canceled}); err != nil {
						t.Errorf("parent CANCELED = %v", err)
					}
				}
				return nil, nil
			}}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			parent := f.create(t, "m-1")
			parentID = parent.ID
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			for _, st := range tt.before {
				if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: st}); err != nil {
					t.Fatal(err)
				}
			}
			armed.Store(true)
			_, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: tt.racing})
			if session.ErrorReason(err) != session.ReasonParentClosed {
				t.Errorf("child %s racing the parent's cancel = %v; want 409 %s", tt.racing, err, session.ReasonParentClosed)
			}
			p, c := f.mustGet(t, parent.ID), f.mustGet(t, child.ID)
			if p.Status != tt.wantParent || c.Status != tt.want {
				t.Errorf("parent %s, child %s; want %s and %s", p.Status, c.Status, tt.wantParent, tt.want)
			}
		})
	}
}

// TestChildExpiresWithParent: the child's expiry is capped at the parent's,
// so an expired parent's child has expired too: the parent's expiry needs no
// write to the child (reads report both EXPIRED, the sweeper stores each),
// and neither takes money from then on — nor within the guard band before.
func TestChildExpiresWithParent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	parent := f.create(t, "m-1")
	f.clock.Advance(10 * time.Minute)
	child := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(parent.ExpiresAt.Add(-time.Second))
	if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised}); session.ErrorReason(err) != session.ReasonSessionExpired {
		t.Errorf("child AUTHORISED within the guard band = %v; want 409 %s", err, session.ReasonSessionExpired)
	}
	f.clock.Set(parent.ExpiresAt)
	if p, c := f.mustGet(t, parent.ID), f.mustGet(t, child.ID); p.Status != session.Expired || c.Status != session.Expired {
		t.Errorf("at the parent's expiry: parent %s, child %s; want both EXPIRED", p.Status, c.Status)
	}
	if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised}); session.ErrorReason(err) != session.ReasonSessionExpired {
		t.Errorf("child AUTHORISED after the parent's expiry = %v; want 409 %s", err, session.ReasonSessionExpired)
	}
}

// tickingClock answers base, base+step, base+2·step, … one step per call:
// a store that reads the clock twice sees two instants.
type tickingClock struct {
	base time.Time
	step time.Duration
	n    atomic.Int64
}

func (c *tickingClock) Now() time.Time { return c.base.Add(time.Duration(c.n.Add(1)-1) * c.step) }

// TestGetWithChildReadsOneInstant: "Document 003 reads parent and child at
// one instant (TransactGetItems, one clock)" (docs/design.md §4), and a
// session without a child is still one GetItem.
func TestGetWithChildReadsOneInstant(t *testing.T) {
	ctx := context.Background()
	calls := &storetest.CallCounter{}
	f := newFixtureWith(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
	parent := f.create(t, "m-1")
	lone := f.create(t, "m-1")
	child := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	calls.Take()
	if v, c, err := f.st.GetWithChild(ctx, "m-1", lone.ID); err != nil || v.ID != lone.ID || c != nil {
		t.Fatalf("GetWithChild(no child) = %v, %v, %v", v, c, err)
	}
	if got := strings.Join(calls.Take(), " "); got != "GetItem" {
		t.Errorf("a session without a child: DynamoDB calls %q; want one GetItem", got)
	}

	// Parent and child expire at the same instant. A clock that moves on
	// by 1 µs at every reading starts 2 µs before it: the read begins at
	// -2 µs and is judged at -1 µs, when both are open; judged with a
	// second reading, the two would disagree. (A start 1 µs before it
	// would make the read straddle the expiry, and be made again.)
	clock := &tickingClock{base: parent.ExpiresAt.Add(-2 * time.Microsecond), step: time.Microsecond}
	st := store.New(storetest.Client(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}}), f.table, session.DefaultPolicy, 16, clock.Now)
	calls.Take()
	v, c, err := st.GetWithChild(ctx, "m-1", parent.ID)
	if err != nil || c == nil || c.ID != child.ID {
		t.Fatalf("GetWithChild(parent) = %v, %v, %v; want the parent and its child", v, c, err)
	}
	if v.Status != c.Status {
		t.Errorf("parent %s beside child %s; want one instant for both", v.Status, c.Status)
	}
	if got := strings.Join(calls.Take(), " "); got != "GetItem TransactGetItems" {
		t.Errorf("a parent with a child: DynamoDB calls %q; want GetItem TransactGetItems", got)
	}
}

// TestGetWithChildFollowsTheLink: the parent's child is replaced between
// the first read and the pair's read (the child failed, a new one was
// made): the pair is read again with the new child, never shown with the
// one it no longer links.
func TestGetWithChildFollowsTheLink(t *testing.T) {
	ctx := context.Background()
	var armed atomic.Bool
	var f *fixture
	var parent *session.Session
	var first, second *session.Session
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if op == "TransactGetItems" && armed.CompareAndSwap(true, false) {
			clean := f.clean()
			if _, err := clean.ApplyEvent(ctx, "", first.ID, &session.Event{Status: session.Failed}); err != nil {
				t.Errorf("fail the first child: %v", err)
			}
			second = f.newDraftSession("m-1", parent.ID)
			if _, _, err := clean.Create(ctx, second, nil, 201, nil); err != nil {
				t.Errorf("create the second child: %v", err)
			}
		}
		return nil, nil
	}}
	f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	parent = f.create(t, "m-1")
	first = f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, first, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	v, c, err := f.st.GetWithChild(ctx, "m-1", parent.ID)
	if err != nil || c == nil || second == nil {
		t.Fatalf("GetWithChild() = %v, %v, %v", v, c, err)
	}
	if v.ChildSessionID != second.ID || c.ID != second.ID || c.Status != session.Created {
		t.Errorf("parent links %s, child read %s (%s); want the new child %s, open", v.ChildSessionID, c.ID, c.Status, second.ID)
	}
}

// TestGetWithChildUnderTransactionConflict: TransactGetItems canceled
// because a write transaction holds an item (real DynamoDB only) is read
// again; if it never clears, 503 — never a 500, and never two reads at two
// instants. A read canceled by throttling is tried again too. Either way
// "up to 5 attempts; then 503" (README, Lost races: "Document 003's read
// of parent and child does the same").
func TestGetWithChildUnderTransactionConflict(t *testing.T) {
	t.Parallel() // mostly waits (back-offs, hung calls, real deadlines); its own table, clock and interceptor
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		conflicts int64
		reason    string
		code      session.Code
		reads     int64 // TransactGetItems calls
	}{
		{"one conflict", 1, "TransactionConflict", "", 2},
		{"always", 1 << 30, "TransactionConflict", session.EUNAVAILABLE, 5},
		{"one throttled", 1, "ThrottlingError", "", 2},
		{"always throttled", 1 << 30, "ThrottlingError", session.EUNAVAILABLE, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ff := &failFirst{op: "TransactGetItems", n: tt.conflicts, answer: func(req *http.Request, body []byte) *http.Response {
				return storetest.TransactionCanceled(req, body, "None", tt.reason)
			}}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: ff.hook}}})
			parent := f.create(t, "m-1")
			child := f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			v, c, err := f.st.GetWithChild(ctx, "m-1", parent.ID)
			if session.ErrorCode(err) != tt.code {
				t.Fatalf("GetWithChild() = %v, %v, %v; want code %q", v, c, err, tt.code)
			}
			if err == nil && (c == nil || c.ID != child.ID) {
				t.Errorf("child = %v; want %s", c, child.ID)
			}
			if got := ff.calls.Load(); got != tt.reads {
				t.Errorf("TransactGetItems calls: got %v; want %v", got, tt.reads)
			}
		})
	}
}

// TestParentPastRetentionIsGoneWhetherOrNotTTLRan: docs/design.md §4,
// "From that instant [retainUntil] the session does not exist for any
// endpoint, reads and writes alike (404), whatever TTL has or has not
// deleted. TTL runs late, often by days; nothing depends on it." A child
// that holds money (AUTHORISED, then a cancel request) outlives a parent
// its processor canceled; once the parent is past its retention, the
// child's declined cancellation gets one answer, whether the parent's item
// is still in the table (DynamoDB Local never deletes it; real TTL runs
// late) or TTL has deleted it; and so does the merchant's cancel of the
// child after it.
func TestParentPastRetentionIsGoneWhetherOrNotTTLRan(t *testing.T) {
	ctx := context.Background()
	answer := func(t *testing.T, ttlRan bool) (session.Code, session.Status) {
		f := newFixture(t)
		parent := f.create(t, "m-1")
		child := f.newDraftSession("m-1", parent.ID)
		if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Second)
		for _, step := range []func() error{
			func() error { return event(session.Authorised)(f, child.ID) },               // the parent follows: AUTHORISED
			func() error { return event(session.Canceled)(f, parent.ID) },                // its processor cancels it
			func() error { _, err := f.st.Cancel(ctx, "m-1", child.ID, ""); return err }, // CANCEL_REQUESTED, later
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(5 * time.Minute)
		}
		p, err := f.clean().Get(ctx, parent.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Past the parent's retention, within the child's.
		f.clock.Set(p.RetainUntil.Add(time.Second))
		if _, err := f.st.Get(ctx, parent.ID); session.ErrorCode(err) != session.ENOTFOUND {
			t.Fatalf("Get(parent past its retention) = %v; want ENOTFOUND", err)
		}
		if ttlRan {
			pk, sk := "SESSION#"+parent.ID, "SESSION"
			if _, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &f.table, Key: map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: pk}, "sk": &ddb.AttributeValueMemberS{Value: sk},
			}}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised})
		if err != nil {
			return session.ErrorCode(err), f.mustGet(t, child.ID).Status
		}
		// And the merchant's cancel of the child, AUTHORISED again: "A
		// parent gone (past its retention) is left alone" (Store.followChild).
		_, err = f.st.Cancel(ctx, "m-1", child.ID, "")
		return session.ErrorCode(err), f.mustGet(t, child.ID).Status
	}
	var codes [2]session.Code
	var statuses [2]session.Status
	for i, ttlRan := range []bool{false, true} {
		t.Run(fmt.Sprintf("TTL ran %v", ttlRan), func(t *testing.T) { codes[i], statuses[i] = answer(t, ttlRan) })
	}
	if codes[0] != codes[1] || statuses[0] != statuses[1] {
		t.Errorf("declined cancellation of the child: parent item present: code %q, child %s; parent item deleted by TTL: code %q, child %s; want the same answer", codes[0], statuses[0], codes[1], statuses[1])
	}
}

// TestGetWithChildParentGoneBetweenReads: the parent's item is deleted
// between the first read and the pair's (TTL, once its retention is over;
// "past its retention, whether or not TTL has deleted it", README, Child
// sessions): the pair's read finds no parent, and the answer is 404, as
// for a session never stored — not a 500 for an item it could not decode.
func TestGetWithChildParentGoneBetweenReads(t *testing.T) {
	ctx := context.Background()
	var armed atomic.Bool
	var f *fixture
	var parent *session.Session
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if op == "TransactGetItems" && armed.CompareAndSwap(true, false) {
			if _, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName: aws.String(f.table),
				Key: map[string]ddb.AttributeValue{
					"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + parent.ID},
					"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
				},
			}); err != nil {
				t.Errorf("delete the parent: %v", err)
			}
		}
		return nil, nil
	}}
	f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
	parent = f.create(t, "m-1")
	child := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	v, c, err := f.st.GetWithChild(ctx, "m-1", parent.ID)
	if got, want := session.ErrorCode(err), session.ENOTFOUND; got != want || v != nil || c != nil {
		t.Errorf("GetWithChild() = %v, %v, %v (code %q); got %v; want %v", v, c, err, got, got, want)
	}
}

// TestGetWithChildItemsChangedBetweenReads: document 003's read of a
// parent and its child reads the parent, then the pair in one transaction;
// what happens to either item between the two reads decides the answer as
// it would any read's. README: "From the instant `retainUntil` on, the
// session does not exist for any endpoint (404), whether or not DynamoDB
// TTL has deleted it yet": a child TTL deleted between the reads is no
// child, and the parent is answered without it. README's 500 row: "a
// stored item of the key asked that the store cannot decode": a parent or
// child item written badly between the reads is 500, never a parent read
// as nil (store.go mutant 129 went on with the parent it could not decode
// and panicked) nor a missing child decoded from nothing (mutant 132
// checked the parent's answer for the child's, and decoded no item).
func TestGetWithChildItemsChangedBetweenReads(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name      string
		change    func(f *fixture, parent, child string) error
		wantCode  session.Code
		wantChild bool
	}{
		{"child deleted", func(f *fixture, _, child string) error {
			_, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.table), Key: sessionItemKey(child)})
			return err
		}, "", false},
		{"parent written badly", func(f *fixture, parent, _ string) error {
			return setID(f, parent, "another-id")
		}, session.EINTERNAL, false},
		{"child written badly", func(f *fixture, _, child string) error {
			return setID(f, child, "another-id")
		}, session.EINTERNAL, false},
		{"nothing changed", func(*fixture, string, string) error { return nil }, "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			var f *fixture
			var parent, child *session.Session
			ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
				if op == "TransactGetItems" && armed.CompareAndSwap(true, false) {
					if err := tt.change(f, parent.ID, child.ID); err != nil {
						t.Errorf("change the items: %v", err)
					}
				}
				return nil, nil
			}}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			parent = f.create(t, "m-1")
			child = f.newDraftSession("m-1", parent.ID)
			if _, _, err := f.st.Create(ctx, child, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			armed.Store(true)
			v, c, err := f.st.GetWithChild(ctx, "m-1", parent.ID)
			if tt.wantCode != "" {
				if got := session.ErrorCode(err); got != tt.wantCode || v != nil || c != nil {
					t.Errorf("GetWithChild() = %v, %v, %v; got code %v; want %v", v, c, err, got, tt.wantCode)
				}
				return
			}
			if err != nil || v == nil || v.ID != parent.ID {
				t.Fatalf("GetWithChild() = %v, %v, %v; want the parent %s", v, c, err, parent.ID)
			}
			if got := c != nil && c.ID == child.ID; got != tt.wantChild {
				t.Errorf("child %v: got %v; want %v", c, got, tt.wantChild)
			}
		})
	}
}

func sessionItemKey(id string) map[string]ddb.AttributeValue {
	return map[string]ddb.AttributeValue{
		"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + id},
		"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
	}
}

// setID writes another id into session id's item, by hand: the store's
// own data written badly.
func setID(f *fixture, id, other string) error {
	_, err := f.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(f.table),
		Key:                       sessionItemKey(id),
		UpdateExpression:          aws.String("SET #id = :v"),
		ExpressionAttributeNames:  map[string]string{"#id": "id"},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": &ddb.AttributeValueMemberS{Value: other}},
	})
	return err
}

// TestWriteOfAnItemWrittenBadlyIs500: README's 500 row, "a stored item of
// the key asked that the store cannot decode": a write reads the session
// first, and an item it cannot decode (here one whose id is another's) is
// 500 for a processor's event and a merchant's cancel as for a read, the
// item left as it is; never a write on a session read as nothing (store.go
// mutant 148 went on without the session and panicked).
func TestWriteOfAnItemWrittenBadlyIs500(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		write func(f *fixture, id string) error
	}{
		{"processor event", func(f *fixture, id string) error {
			_, err := f.st.ApplyEvent(ctx, "", id, &session.Event{Status: session.Processing})
			return err
		}},
		{"merchant cancel", func(f *fixture, id string) error {
			_, err := f.st.Cancel(ctx, "m-1", id, "")
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.create(t, "m-1")
			if err := setID(f, v.ID, "another-id"); err != nil {
				t.Fatal(err)
			}
			if got, want := session.ErrorCode(tt.write(f, v.ID)), session.EINTERNAL; got != want {
				t.Errorf("write of an item written badly: got %v; want %v", got, want)
			}
			out, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: sessionItemKey(v.ID)})
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := out.Item["status"].(*ddb.AttributeValueMemberS); !ok || got.Value != string(v.Status) {
				t.Errorf("stored status: got %v; want %v, unchanged", out.Item["status"], v.Status)
			}
		})
	}
}
