package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestExpiryIsItsCreatorsOwn: README, Configuration, "A change of
// `SESSION_EXPIRY` applies to sessions created after it": a session's
// expiresAt is written when it is created, by the instance that creates it,
// and every instance reads it from the item, whatever SESSION_EXPIRY each
// runs with. Two stores on one table, one with 10 minutes and one with 30
// (a stack update changing the functions one by one, a rollback, or two
// instances of one release: r105-lifecycle ran `make run` with 30 s beside
// 10 s and `make start-api` with 20 s on one table): each session, created
// by either, is open (read and written) until its own expiresAt less the
// guard band at both, reads EXPIRED from that expiresAt at both, and is
// found and stored EXPIRED by either's sweeper only from its own expiresAt
// plus the band, never from the other's.
func TestExpiryIsItsCreatorsOwn(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	guard := session.DefaultWriteGuard
	policies := map[string]session.Policy{"10m": session.DefaultPolicy, "30m": session.DefaultPolicy}
	p := policies["10m"]
	p.Expiry = 10 * time.Minute
	policies["10m"] = p
	stores := map[string]*store.Store{}
	for name, p := range policies {
		stores[name] = store.New(f.db, f.table, p, 16, f.clock.Now)
	}
	tests := []struct {
		name       string
		since      time.Duration // after the creator's expiresAt
		wantStatus session.Status
		wantReason string // the event's refusal; "" applied
		wantSwept  bool   // the sweeper finds it and stores it EXPIRED
	}{
		{"a tick before the band", -guard - 100*time.Nanosecond, session.Created, "", false},
		{"the band's start", -guard, session.Created, session.ReasonSessionExpired, false},
		{"at expiresAt", 0, session.Expired, session.ReasonSessionExpired, false},
		{"the band after expiresAt", guard, session.Expired, session.ReasonSessionExpired, true},
	}
	for _, creator := range []string{"10m", "30m"} {
		for _, actor := range []string{"10m", "30m"} {
			for _, tt := range tests {
				t.Run(creator+" made, "+actor+" acts, "+tt.name, func(t *testing.T) {
					f.clock.Set(t0)
					merchant := "m-" + uuid.NewString()
					v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, merchant, uuid.NewString(), "tok", t0, policies[creator])
					if _, _, err := stores[creator].Create(ctx, v, nil, 0, nil); err != nil {
						t.Fatal(err)
					}
					// The actor's own instant, where it comes first: the session
					// is still open there, and not due for its sweeper.
					if own := t0.Add(policies[actor].Expiry); own.Before(v.ExpiresAt) {
						f.clock.Set(own.Add(guard))
						if got, err := stores[actor].Get(ctx, v.ID); err != nil || got.Status != session.Created {
							t.Errorf("Get() at the actor's own expiry + band = %s, %v; want CREATED until %v", statusOf(got), err, v.ExpiresAt)
						}
						if keys := f.expiryKeysOf(t, stores[actor]); containsKey(keys, v.ID) {
							t.Errorf("the actor's sweep at its own expiry + band found %v; want the session not yet due", keys)
						}
					}
					f.clock.Set(v.ExpiresAt.Add(tt.since))
					got, err := stores[actor].Get(ctx, v.ID)
					if err != nil || got.Status != tt.wantStatus {
						t.Errorf("Get() = %s, %v; want %s", statusOf(got), err, tt.wantStatus)
					}
					keys := f.expiryKeysOf(t, stores[actor])
					if containsKey(keys, v.ID) != tt.wantSwept {
						t.Errorf("the actor's sweep found %v; want the session found: %v", keys, tt.wantSwept)
					}
					if tt.wantSwept {
						for _, k := range keys {
							if k.ID == v.ID {
								if ok, err := stores[actor].Expire(ctx, k); !ok || err != nil {
									t.Errorf("Expire() = %v, %v; want true, nil", ok, err)
								}
							}
						}
					}
					_, err = stores[actor].ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Processing})
					if tt.wantReason == "" && err != nil || tt.wantReason != "" && session.ErrorReason(err) != tt.wantReason {
						t.Errorf("ApplyEvent(PROCESSING) = %v; want refusal %q (\"\": applied)", err, tt.wantReason)
					}
					for name, st := range stores {
						if got, err := st.Get(ctx, v.ID); err != nil || !got.ExpiresAt.Equal(v.ExpiresAt) {
							t.Errorf("Get() at the %s store: expiresAt %v, %v; want %v", name, expiresOf(got), err, v.ExpiresAt)
						}
					}
				})
			}
		}
	}
}

// TestChildOfAnotherExpiry: README, Child sessions, "the child's
// `expiresAt` is no later than the parent's": a child made by an instance
// with a shorter SESSION_EXPIRY than its parent's creator expires at its
// own, before its parent, which then takes a new child, capped at its own
// expiresAt; one made by an instance with a longer one is capped at the
// parent's.
func TestChildOfAnotherExpiry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	shortP, longP := session.DefaultPolicy, session.DefaultPolicy
	shortP.Expiry = 10 * time.Minute
	short, long := store.New(f.db, f.table, shortP, 16, f.clock.Now), store.New(f.db, f.table, longP, 16, f.clock.Now)
	create := func(st *store.Store, p session.Policy, merchant, parent string) (*session.Session, error) {
		v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR", ParentSessionID: session.ParentID(parent)}, merchant, uuid.NewString(), "tok", f.clock.Now(), p)
		_, _, err := st.Create(ctx, v, nil, 0, nil)
		return v, err
	}
	f.clock.Set(t0)
	parent, err := create(long, longP, "m-1", "")
	if err != nil {
		t.Fatal(err)
	}
	child, err := create(short, shortP, "m-1", parent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(shortP.Expiry); !child.ExpiresAt.Equal(want) {
		t.Errorf("the short store's child expires at %v; want %v, its own", child.ExpiresAt, want)
	}
	f.clock.Set(child.ExpiresAt)
	for name, st := range map[string]*store.Store{"short": short, "long": long} {
		p, c, err := st.GetWithChild(ctx, "m-1", parent.ID)
		if err != nil || p.Status != session.Created || c == nil || c.Status != session.Expired {
			t.Errorf("GetWithChild() at the %s store at the child's expiresAt = %s, %s, %v; want CREATED beside an EXPIRED child", name, statusOf(p), statusOf(c), err)
		}
	}
	second, err := create(long, longP, "m-1", parent.ID)
	if err != nil {
		t.Fatalf("a new child once the first expired: %v; want it made", err)
	}
	if !second.ExpiresAt.Equal(parent.ExpiresAt) {
		t.Errorf("the long store's child expires at %v; want %v, its parent's", second.ExpiresAt, parent.ExpiresAt)
	}
}

// expiresOf is v's expiresAt, the zero time for no session.
func expiresOf(v *session.Session) time.Time {
	if v == nil {
		return time.Time{}
	}
	return v.ExpiresAt
}

func containsKey(keys []store.ExpiryKey, id string) bool {
	for _, k := range keys {
		if k.ID == id {
			return true
		}
	}
	return false
}
