package storetest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// racingClock is a test clock for Memory. Once armed, its next reading
// made while the store's lock is free runs race: another endpoint's call
// landing between a read and the clock reading that judges it. What race
// returns is the reading. A reading made under the lock runs nothing:
// nothing can land between the read and it.
type racingClock struct {
	*Clock
	m    *Memory
	race atomic.Pointer[func(read time.Time) time.Time]
	ran  atomic.Bool
}

func (c *racingClock) Now() time.Time {
	t := c.Clock.Now()
	if race := c.race.Swap(nil); race != nil && c.m.state.mu.TryLock() {
		c.m.state.mu.Unlock()
		c.ran.Store(true)
		return (*race)(t)
	}
	return t
}

// TestMemoryReadsAtOneInstant: a real read is judged at an instant after
// its item was read, and read again when it straddled the session's expiry
// (store.Store.Get), so "A session read as EXPIRED or 404 never comes
// back" (docs/design.md §4), and a session another endpoint reported
// EXPIRED is never listed open. Memory reads its sessions and its clock at
// one instant, under its lock, so neither a write nor another endpoint's
// read lands in between. Each read path is raced: a processor's AUTHORISED
// a minute before expiry, then the expiry passing (Get, GetWithChild); or
// the expiry passing and a Get answering EXPIRED (ListByDay, whose clock
// reading came first). The answer must agree with what the store holds
// and what was answered before it.
func TestMemoryReadsAtOneInstant(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		list bool // the race is a Get answering EXPIRED; else a payment landing
		read func(m *Memory, id string) (*session.Session, error)
	}{
		{"Get", false, func(m *Memory, id string) (*session.Session, error) { return m.Get(ctx, id) }},
		{"GetOwned", false, func(m *Memory, id string) (*session.Session, error) { return m.GetOwned(ctx, "m-1", id) }},
		{"GetWithChild", false, func(m *Memory, id string) (*session.Session, error) {
			v, _, err := m.GetWithChild(ctx, "m-1", id)
			return v, err
		}},
		{"ListByDay", true, func(m *Memory, id string) (*session.Session, error) {
			var got *session.Session
			_, err := m.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: t0}, func(v *session.Session) bool {
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
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := &racingClock{Clock: NewClock(t0)}
			m := NewMemory(session.DefaultPolicy, clock.Now)
			clock.m = m
			amount := int64(100)
			d := &session.Draft{Amount: &amount, Currency: "EUR"}
			v := session.New(d, "m-1", uuid.NewString(), "tok", clock.Clock.Now(), session.DefaultPolicy)
			if _, _, err := m.Create(ctx, v, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			clock.Set(v.ExpiresAt.Add(-time.Minute))
			var before *session.Session // what another endpoint answered during the read
			race := func(read time.Time) time.Time {
				if tc.list {
					clock.Set(v.ExpiresAt.Add(time.Millisecond))
					got, err := m.Get(ctx, v.ID)
					if err != nil {
						t.Fatalf("Get during the list = %v", err)
					}
					before = got
					return read
				}
				if _, err := m.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised}); err != nil {
					t.Errorf("AUTHORISED a minute before expiry = %v", err)
				}
				clock.Set(v.ExpiresAt.Add(time.Millisecond))
				return clock.Clock.Now()
			}
			clock.race.Store(&race)
			got, err := tc.read(m, v.ID)
			if err != nil {
				t.Fatalf("read = %v", err)
			}
			final, err := m.Get(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == session.Expired && final.Status != session.Expired {
				t.Errorf("read got EXPIRED, then the store holds %s; a session read as EXPIRED never comes back", final.Status)
			}
			if before != nil && before.Status == session.Expired && got.Status != session.Expired {
				t.Errorf("listed %s after another endpoint read it EXPIRED", got.Status)
			}
			t.Logf("race ran during the read: %v; read %s, then %s", clock.ran.Load(), got.Status, final.Status)
		})
	}
}
