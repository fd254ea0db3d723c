package store_test

import (
	"context"
	"net/http"
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
