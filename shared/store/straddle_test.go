package store_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// afterRead is a transport that, once armed, calls then right after the
// answer to the first call of operation op arrives: between the read and
// the clock reading that judges it.
type afterRead struct {
	op    string
	armed atomic.Bool
	then  func()
}

func (a *afterRead) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.Header.Get("X-Amz-Target") == "DynamoDB_20120810."+a.op && a.armed.CompareAndSwap(true, false) {
		a.then()
	}
	return res, err
}

// TestReadStraddlingExpiryNeverReportsEXPIREDBeforeMoney: a processor's
// AUTHORISED, accepted a minute before the session's expiry, lands while a
// read of the session is on its way back, and the expiry passes before
// the read is judged. Judged at that later instant, the read's item (open,
// without the AUTHORISED) would be reported EXPIRED, and the next read
// AUTHORISED: "A session read as EXPIRED or 404 never comes back"
// (docs/design.md §4), and a merchant told EXPIRED does not ship goods a
// customer paid for. Every read path is made to straddle: each answer must
// be what the session was (open) or is (AUTHORISED), its history a prefix
// of the stored one, never EXPIRED.
func TestReadStraddlingExpiryNeverReportsEXPIREDBeforeMoney(t *testing.T) {
	ctx := context.Background()
	type read func(f *fixture, id string) (*session.Session, error)
	cases := []struct {
		name  string
		op    string // the read's DynamoDB operation
		child bool   // the session read has a child
		read  read
	}{
		{"Get", "GetItem", false, func(f *fixture, id string) (*session.Session, error) { return f.st.Get(ctx, id) }},
		{"GetWithChild without a child", "GetItem", false, func(f *fixture, id string) (*session.Session, error) {
			v, _, err := f.st.GetWithChild(ctx, "m-1", id)
			return v, err
		}},
		{"GetWithChild with a child", "TransactGetItems", true, func(f *fixture, id string) (*session.Session, error) {
			v, _, err := f.st.GetWithChild(ctx, "m-1", id)
			return v, err
		}},
		{"ListByDay", "BatchGetItem", false, func(f *fixture, id string) (*session.Session, error) {
			var got *session.Session
			_, err := f.st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: t0}, func(v *session.Session) bool {
				if v.ID == id {
					got = v
				}
				return true
			})
			if got == nil && err == nil {
				return nil, session.NotFound()
			}
			return got, err
		}},
		{"a repeated eventId's acknowledgement", "GetItem", false, func(f *fixture, id string) (*session.Session, error) {
			return f.st.ApplyEvent(ctx, "", id, &session.Event{Status: session.Processing, EventID: "e-1"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hook := &afterRead{op: tc.op}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
			v := f.create(t, "m-1")
			if tc.child {
				c := f.newDraftSession("m-1", v.ID)
				if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Processing, EventID: "e-1"}); err != nil {
				t.Fatal(err)
			}
			expiresAt := f.mustGet(t, v.ID).ExpiresAt
			f.clock.Set(expiresAt.Add(-time.Minute))
			hook.then = func() {
				// Another instance, a minute before expiry: accepted.
				if _, err := f.clean().ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised}); err != nil {
					t.Errorf("AUTHORISED a minute before expiry = %v", err)
				}
				f.clock.Set(expiresAt.Add(time.Millisecond))
			}
			hook.armed.Store(true)
			got, err := tc.read(f, v.ID)
			if err != nil {
				t.Fatalf("read = %v", err)
			}
			if hook.armed.Load() {
				t.Fatalf("the read sent no %s", tc.op)
			}
			final := f.mustGet(t, v.ID)
			if final.Status != session.Authorised {
				t.Fatalf("stored status got %s; want %s", final.Status, session.Authorised)
			}
			if got.Status == session.Expired || !historyPrefix(got.History, final.History) {
				t.Errorf("read got %s %v; want the session as it was or is (now %s %v)", got.Status, statuses(got), final.Status, statuses(final))
			}
		})
	}
}

func historyPrefix(a, b []session.Change) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i].Status != b[i].Status || !a[i].At.Equal(b[i].At) {
			return false
		}
	}
	return true
}

// afterEach is a transport that, once armed, calls the next of then right
// after each answer to operation op arrives, until none is left.
type afterEach struct {
	op   string
	mu   sync.Mutex
	then []func()
}

func (a *afterEach) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.Header.Get("X-Amz-Target") == "DynamoDB_20120810."+a.op {
		a.mu.Lock()
		var f func()
		if len(a.then) > 0 {
			f, a.then = a.then[0], a.then[1:]
		}
		a.mu.Unlock()
		if f != nil {
			f()
		}
	}
	return res, err
}

// TestListStraddlingManyExpiriesNeverReportsEXPIREDBeforeMoney: the 004
// list reads up to 400 sessions at once, so its reads can straddle many
// sessions' expiries in a row (a busy merchant's day, a slow DynamoDB).
// Three sessions expire a second and ten seconds apart; the list's first
// read straddles the first expiry, its second read the second's, and while
// its third read is on its way a processor's AUTHORISED, accepted well
// before the third session's expiry, lands and the expiry passes. The
// third session must be listed as it was or is, never EXPIRED: "A session
// read as EXPIRED or 404 never comes back" (docs/design.md §4).
func TestListStraddlingManyExpiriesNeverReportsEXPIREDBeforeMoney(t *testing.T) {
	ctx := context.Background()
	hook := &afterEach{op: "BatchGetItem"}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
	a := f.create(t, "m-1")
	f.clock.Advance(time.Second)
	b := f.create(t, "m-1")
	f.clock.Advance(10 * time.Second)
	c := f.create(t, "m-1")
	f.clock.Set(a.ExpiresAt.Add(-time.Minute))
	hook.mu.Lock()
	hook.then = []func(){
		func() { f.clock.Set(a.ExpiresAt.Add(time.Millisecond)) },
		func() { f.clock.Set(b.ExpiresAt.Add(time.Millisecond)) },
		func() {
			// Accepted: the clock is ten seconds before c's expiry,
			// outside the guard band.
			if _, err := f.clean().ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised}); err != nil {
				t.Errorf("AUTHORISED ten seconds before expiry = %v", err)
			}
			f.clock.Set(c.ExpiresAt.Add(time.Millisecond))
		},
	}
	hook.mu.Unlock()
	got := map[string]*session.Session{}
	if _, err := f.st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: t0}, func(v *session.Session) bool {
		got[v.ID] = v
		return true
	}); err != nil {
		t.Fatal(err)
	}
	hook.mu.Lock()
	left := len(hook.then)
	hook.mu.Unlock()
	if left > 0 {
		t.Fatalf("the list sent %d BatchGetItems fewer than the test needs", left)
	}
	final := f.mustGet(t, c.ID)
	if final.Status != session.Authorised {
		t.Fatalf("stored status got %s; want %s", final.Status, session.Authorised)
	}
	v := got[c.ID]
	if v == nil {
		t.Fatalf("the list left out %s", c.ID)
	}
	if v.Status == session.Expired {
		t.Errorf("listed %s got %s; want the session as it was or is (now %s)", c.ID, v.Status, final.Status)
	}
	for _, s := range []*session.Session{a, b} {
		if got[s.ID] == nil || got[s.ID].Status != session.Expired {
			t.Errorf("listed %s got %v; want %s (it expired, untouched)", s.ID, got[s.ID], session.Expired)
		}
	}
}
