package store_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestOwnWriteUnderLaterWrites: a single-item write that DynamoDB applied
// but whose answer was lost, when others wrote on top of it before the
// SDK's retry arrived. The retry's condition fails, and the item it finds
// was written by someone else; yet this request's change is in it. It must
// be answered as applied (200), never applied a second time (a repeat
// event, without eventId, entered twice in the history) nor refused (409
// for a change that landed: "a decision, once reported, is final",
// docs/design.md §4), and when the store can no longer tell, the outcome
// is unknown: 503, never a guess.
func TestOwnWriteUnderLaterWrites(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		setup    []session.Status // events before the write, through another instance
		write    func(st *store.Store, id string) (*session.Session, error)
		on       []session.Status // written by another instance on top of it, before the retry
		conflict bool             // the retry meets a running transaction (real DynamoDB) instead
		want     session.Status   // the answer; "" = 503
		entries  int              // history entries of the write's status it leaves
	}{
		{"a repeat open status, once", nil,
			applyEvent(session.Processing), []session.Status{session.RequiresAction}, false, session.Processing, 1},
		{"authorised, then settled on top", nil,
			applyEvent(session.Authorised), []session.Status{session.Settled}, false, session.Authorised, 1},
		{"a cancel request, then canceled on top", []session.Status{session.Authorised},
			func(st *store.Store, id string) (*session.Session, error) { return st.Cancel(ctx, "m-1", id, "") },
			[]session.Status{session.Canceled}, false, session.CancelRequested, 1},
		{"several writes on top", nil,
			applyEvent(session.Processing), []session.Status{session.RequiresAction, session.OTPPending, session.Sent, session.Processing}, false, session.Processing, 2},
		{"a running transaction on the retry", nil,
			applyEvent(session.Processing), []session.Status{session.RequiresAction}, true, session.Processing, 1},
		// docs/design.md §8: "a session item keeps the ids of the writes
		// that made its last 8 versions (`recentWrites`; 9 right after a
		// sweeper's write); past them the outcome is unknown (503), never a
		// guess."
		{"seven writes on top: its version the eighth latest", nil,
			applyEvent(session.Processing), manyOpen(7), false, session.Processing, 1},
		{"eight writes on top: its version the ninth latest", nil,
			applyEvent(session.Processing), manyOpen(8), false, "", 0},
		// The same past version 10, its versions read as decimal numbers
		// (docs/design.md §8: "a session item keeps the ids of the writes
		// that made its last 8 versions"): version 12 written, 19 stored.
		{"seven writes on top of a write past version 10", manyOpen(10),
			applyEvent(session.Processing), manyOpen(7), false, session.Processing, 1},
		{"more writes on top than the store remembers", nil,
			applyEvent(session.Processing), manyOpen(40), false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			var f *fixture
			var calls atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op != "PutItem" || !armed.Load() {
					return nil, nil
				}
				if calls.Add(1) > 1 {
					if tt.conflict {
						armed.Store(false)
						return storetest.TransactionConflict(req), nil
					}
					return nil, nil
				}
				if _, err := storetest.Apply(req); err != nil {
					return nil, err
				}
				other := f.clean()
				for _, s := range tt.on {
					if _, err := other.ApplyEvent(ctx, "", f.lastID, &session.Event{Status: s}); err != nil {
						t.Errorf("write on top (%s) = %v", s, err)
					}
				}
				return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET} // answer lost
			}}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			v := f.create(t, "m-1")
			f.lastID = v.ID
			for _, s := range tt.setup {
				if _, err := f.clean().ApplyEvent(ctx, "", v.ID, &session.Event{Status: s}); err != nil {
					t.Fatal(err)
				}
			}
			armed.Store(true)
			got, err := tt.write(f.st, v.ID)
			armed.Store(false)
			switch {
			case tt.want == "":
				if session.ErrorCode(err) != session.EUNAVAILABLE {
					t.Errorf("write = %v, %v; want EUNAVAILABLE (outcome unknown)", got, err)
				}
			case err != nil:
				t.Errorf("write = %v (%s); want %s: it was applied", err, session.ErrorReason(err), tt.want)
			case got.Status != tt.want:
				t.Errorf("write answered %s; want %s", got.Status, tt.want)
			}
			s := f.mustGet(t, v.ID)
			if tt.want != "" {
				n := 0
				for _, c := range s.History {
					if c.Status == tt.want {
						n++
					}
				}
				if n != tt.entries {
					t.Errorf("history %v holds %s %d times; want %d (the write applied once)", statuses(s), tt.want, n, tt.entries)
				}
			}
			if want := int64(len(s.History)); s.Version != want {
				t.Errorf("version %d with %d history entries", s.Version, len(s.History))
			}
		})
	}
}

func applyEvent(s session.Status) func(st *store.Store, id string) (*session.Session, error) {
	return func(st *store.Store, id string) (*session.Session, error) {
		return st.ApplyEvent(context.Background(), "", id, &session.Event{Status: s})
	}
}

func manyOpen(n int) []session.Status {
	out := make([]session.Status, n)
	for i := range out {
		out[i] = []session.Status{session.RequiresAction, session.Sent}[i%2]
	}
	return out
}

func statuses(v *session.Session) []session.Status {
	var out []session.Status
	for _, c := range v.History {
		out = append(out, c.Status)
	}
	return out
}

// createChild creates a new parent (one PutItem), then a child under it
// (one TransactWriteItems: the parent linked, the child created, idem's
// record if any), and reports "linked" when the parent, read back, holds
// that child.
func createChild(f *fixture, idem *store.Idempotency) (string, error) {
	ctx := context.Background()
	p := f.newDraftSession("m-1", "")
	if _, _, err := f.st.Create(ctx, p, nil, 0, nil); err != nil {
		return "", err
	}
	c := f.newDraftSession("m-1", p.ID)
	_, r, err := f.st.Create(ctx, c, idem, 201, func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil })
	if err != nil {
		return "", err
	}
	id := c.ID
	if r != nil {
		id = string(r.Body)
	}
	got, err := f.clean().Get(ctx, p.ID)
	if err != nil {
		return "", err
	}
	if got.ChildSessionID != id {
		return "parent holds child " + got.ChildSessionID + ", not " + id, nil
	}
	return "linked", nil
}

// TestTransactionRetryMeetsItsOwnWrite: a transaction DynamoDB applied
// whose answer was lost, retried by the SDK, and canceled on the retry
// because its conditions now fail against its own write (what DynamoDB
// answers when it no longer recognises the ClientRequestToken) — or
// because a table or index throttled the retry: a canceled retry tells
// nothing of the try before it, whose answer was lost. The change landed:
// the caller gets it, not 409 for its own change, a 503, nor a second
// application under a new token; an idempotent create gets its session.
func TestTransactionRetryMeetsItsOwnWrite(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(f *fixture, parent, child string) (string, error) // the status answered
		want  string
	}{
		{"a parent's cancel closing its child", func(f *fixture, parent, _ string) (string, error) {
			v, err := f.st.Cancel(ctx, "m-1", parent, "")
			if err != nil {
				return "", err
			}
			return string(v.Status), nil
		}, string(session.Canceled)},
		{"a child's money moving its parent", func(f *fixture, _, child string) (string, error) {
			v, err := f.st.ApplyEvent(ctx, "", child, &session.Event{Status: session.Authorised})
			if err != nil {
				return "", err
			}
			return string(v.Status), nil
		}, string(session.Authorised)},
		{"a child's create linking its parent", func(f *fixture, _, _ string) (string, error) {
			return createChild(f, nil)
		}, "linked"},
		{"an idempotent child's create linking its parent", func(f *fixture, _, _ string) (string, error) {
			return createChild(f, &store.Idempotency{MerchantID: "m-1", Key: "k-2", RequestHash: "h"})
		}, "linked"},
		{"an idempotent create", func(f *fixture, _, _ string) (string, error) {
			v := f.newDraftSession("m-1", "")
			idem := &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h"}
			_, r, err := f.st.Create(ctx, v, idem, 201, func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil })
			if err != nil {
				return "", err
			}
			id := v.ID
			if r != nil {
				id = string(r.Body)
			}
			if _, err := f.clean().Get(ctx, id); err != nil {
				return "", err
			}
			return "created", nil
		}, "created"},
	}
	for _, tt := range tests {
		for _, reason := range []string{"ConditionalCheckFailed", "ThrottlingError"} {
			t.Run(tt.name+" "+reason, func(t *testing.T) {
				var armed atomic.Bool
				var calls, weak atomic.Int64
				ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
					if armed.Load() && weakRead(op, body) {
						weak.Add(1)
					}
					if op != "TransactWriteItems" || !armed.Load() {
						return nil, nil
					}
					if n := calls.Add(1); n > 1 {
						if reason == "ThrottlingError" && n > 2 {
							return nil, nil // the throttle has cleared
						}
						return storetest.TransactionCanceled(req, body, reason, reason), nil
					}
					return storetest.AnswerLost(http.DefaultTransport, req)
				}}
				f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
				p := f.create(t, "m-1")
				c := f.newDraftSession("m-1", p.ID)
				if _, _, err := f.st.Create(ctx, c, nil, 0, nil); err != nil {
					t.Fatal(err)
				}
				armed.Store(true)
				got, err := tt.write(f, p.ID, c.ID)
				armed.Store(false)
				if err != nil || got != tt.want {
					t.Errorf("write = %q, %v (%s); want %s: it landed", got, err, session.ErrorReason(err), tt.want)
				}
				if calls.Load() < 2 {
					t.Errorf("the SDK did not retry (%d calls): the test tests nothing", calls.Load())
				}
				if n := weak.Load(); n != 0 {
					t.Errorf("%d GetItems without ConsistentRead; want 0", n)
				}
				for _, id := range []string{p.ID, c.ID} {
					s := f.mustGet(t, id)
					if want := int64(len(s.History)) + map[bool]int64{true: 1}[s.ChildSessionID != ""]; s.Version != want {
						t.Errorf("%s: version %d with %d history entries: written more than once", id, s.Version, len(s.History))
					}
				}
			})
		}
	}
}
