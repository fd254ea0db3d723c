package store_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestGetWithChildStraddlingTheChildsExpiry: GetWithChild, "As Get, a read
// that straddled the parent's or the child's expiry (or end of retention)
// is made again". The child expires first (5 minutes after its creation,
// its parent 30): a processor's AUTHORISED on the child, accepted a minute
// before the child's expiry, lands while the pair's read is on its way
// back, and the child's expiry passes before the read is judged. Judged
// then, the read's child (open, without the AUTHORISED) was EXPIRED, and
// the next read AUTHORISED: "A session read as EXPIRED or 404 never comes
// back" (docs/design.md §4).
func TestGetWithChildStraddlingTheChildsExpiry(t *testing.T) {
	ctx := context.Background()
	hook := &afterRead{op: "TransactGetItems"}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
	p := newSession("m-1", "", f.clock.Now(), session.DefaultPolicy)
	if _, _, err := f.st.Create(ctx, p, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	short := session.DefaultPolicy
	short.Expiry = 5 * time.Minute
	c := newSession("m-1", p.ID, f.clock.Now(), short)
	if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	expiresAt := f.mustGet(t, c.ID).ExpiresAt
	f.clock.Set(expiresAt.Add(-time.Minute))
	hook.then = func() {
		if _, err := f.clean().ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised}); err != nil {
			t.Errorf("AUTHORISED a minute before the child's expiry = %v", err)
		}
		f.clock.Set(expiresAt.Add(time.Millisecond))
	}
	hook.armed.Store(true)
	_, child, err := f.st.GetWithChild(ctx, "m-1", p.ID)
	if err != nil {
		t.Fatalf("GetWithChild() = %v", err)
	}
	if hook.armed.Load() {
		t.Fatal("the read sent no TransactGetItems")
	}
	final := f.mustGet(t, c.ID)
	if final.Status != session.Authorised {
		t.Fatalf("the child's stored status got %s; want %s", final.Status, session.Authorised)
	}
	if child == nil {
		t.Fatalf("the child read got none; want it as it was (open) or is (%s)", final.Status)
	}
	if child.Status == session.Expired {
		t.Errorf("the child read got %s; want it as it was (open) or is (%s)", child.Status, final.Status)
	}
}

// readsInTurn runs then[i] after the i-th answer to op (0-based) has come
// back, before the store reads it; answers past the list run nothing.
type readsInTurn struct {
	op   string
	mu   sync.Mutex
	n    int
	then []func()
}

func (r *readsInTurn) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || req.Header.Get("X-Amz-Target") != "DynamoDB_20120810."+r.op {
		return res, err
	}
	r.mu.Lock()
	i := r.n
	r.n++
	r.mu.Unlock()
	if i < len(r.then) {
		r.then[i]()
	}
	return res, err
}

func (r *readsInTurn) reads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// TestGetWithChildStraddlingTwoInstantsInARow: a read made again because it
// straddled the child's expiry straddles, made again, the parent's expiry a
// minute later, while the parent's own AUTHORISED (accepted 30 seconds
// before the parent's expiry) lands. "A third is needed only if the next
// instant, minutes later, passed during it too" (maxStraddledReads): judged
// after the second read, the parent read before its AUTHORISED landed (open)
// is EXPIRED at that instant, and the next read shows it AUTHORISED: "A
// session read as EXPIRED or 404 never comes back" (docs/design.md §4).
func TestGetWithChildStraddlingTwoInstantsInARow(t *testing.T) {
	ctx := context.Background()
	hook := &readsInTurn{op: "TransactGetItems"}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
	p := newSession("m-1", "", f.clock.Now(), session.DefaultPolicy)
	if _, _, err := f.clean().Create(ctx, p, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	short := session.DefaultPolicy
	short.Expiry -= time.Minute
	c := newSession("m-1", p.ID, f.clock.Now(), short)
	if _, _, err := f.clean().Create(ctx, c, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	parentExpiry, childExpiry := f.mustGet(t, p.ID).ExpiresAt, f.mustGet(t, c.ID).ExpiresAt
	if !childExpiry.Before(parentExpiry) {
		t.Fatalf("the child expires at %s; want before its parent (%s)", childExpiry, parentExpiry)
	}
	accepted := parentExpiry.Add(-30 * time.Second) // outside the parent's guard band
	hook.then = []func(){
		func() { f.clock.Set(childExpiry.Add(time.Millisecond)) },
		func() {
			early := store.New(f.db, f.table, session.DefaultPolicy, 16, func() time.Time { return accepted })
			if _, err := early.ApplyEvent(ctx, "", p.ID, &session.Event{Status: session.Authorised}); err != nil {
				t.Errorf("the parent's AUTHORISED accepted at %s = %v", accepted, err)
			}
			f.clock.Set(parentExpiry.Add(time.Millisecond))
		},
	}
	f.clock.Set(childExpiry.Add(-time.Millisecond))
	v, _, err := f.st.GetWithChild(ctx, "m-1", p.ID)
	if err != nil {
		t.Fatalf("GetWithChild() = %v", err)
	}
	if got := hook.reads(); got < len(hook.then) {
		t.Fatalf("the read sent %d TransactGetItems; want at least %d", got, len(hook.then))
	}
	if stored := f.mustGet(t, p.ID); stored.Status != session.Authorised {
		t.Fatalf("the parent's stored status got %s; want %s", stored.Status, session.Authorised)
	}
	if v.Status != session.Authorised {
		t.Errorf("the parent read got %s; want %s, as stored", v.Status, session.Authorised)
	}
}
