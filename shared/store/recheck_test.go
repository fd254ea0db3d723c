package store_test

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// everyNthRead runs then after each GetItem whose number (from 1) is k
// modulo n, and counts the GetItems.
type everyNthRead struct {
	n, k  int64
	reads atomic.Int64
	then  func()
}

func (e *everyNthRead) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && req.Header.Get("X-Amz-Target") == "DynamoDB_20120810.GetItem" {
		if i := e.reads.Add(1); i%e.n == e.k%e.n && e.then != nil {
			e.then()
		}
	}
	return res, err
}

// TestRefusalRecheckIsBounded: a refusal decided on two sessions read
// one after the other (a child's create: the parent, then its present
// child) reads the first again, once, and stands if it has not moved,
// whatever became of the last one read (the pair was one state at the
// instant of the last read); if the first moved each time, the create is
// decided again at most maxWriteAttempts (5) times, 3 reads each, then
// CONCURRENT_UPDATE. Another container moves the parent (or the present
// child) with an open status after the chosen read of each attempt.
func TestRefusalRecheckIsBounded(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	hook := &everyNthRead{n: 3}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	slow := store.New(db, table, policy, 16, clock.Now)
	other := store.New(storetest.Client(t, store.ClientOptions{}), table, policy, 16, clock.Now)
	tests := []struct {
		name       string
		after      int64 // the read of each attempt (1: the parent, 2: its child) after which one moves
		moveParent bool
		wantReason string
		wantReads  int64
	}{
		{"the parent moves after each of its reads", 1, true, session.ReasonConcurrentUpdate, 5 * 3},
		{"the present child moves after each of its reads", 2, false, session.ReasonChildExists, 3},
		{"nothing moves", 0, false, session.ReasonChildExists, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(time.Minute)
			p, c := createFamily(t, other, other, clock.Now(), clock.Now(), policy)
			moved := p.ID
			if !tc.moveParent {
				moved = c.ID
			}
			var n int
			var moveErr error
			hook.reads.Store(0)
			hook.k, hook.then = tc.after, nil
			if tc.after != 0 {
				hook.then = func() {
					n++
					st := session.Processing
					if n%2 == 0 {
						st = session.Sent
					}
					if _, err := other.ApplyEvent(ctx, "", moved, &session.Event{Status: st, EventID: session.EventID("move-" + strconv.Itoa(n))}); err != nil && moveErr == nil {
						moveErr = err
					}
				}
			}
			_, _, err := slow.Create(ctx, newSession("m-1", p.ID, clock.Now(), policy), nil, 201, nil)
			hook.then = nil
			if moveErr != nil {
				t.Fatalf("the other container's event = %v", moveErr)
			}
			if got := session.ErrorReason(err); got != tc.wantReason {
				t.Errorf("Create = %v (%s); want %s", err, got, tc.wantReason)
			}
			if got := hook.reads.Load(); got != tc.wantReads {
				t.Errorf("GetItems = %d; want %d", got, tc.wantReads)
			}
		})
	}
}

// TestChildOfAParentChangedBeyondTheLead: a child is made no earlier than
// its parent's latest change only up to the lead a change is followed (1 s,
// docs/design.md §8): a container whose clock is further behind the
// parent's makes the child at its own clock, and the child expires that
// much before its parent (the time rules are never judged in the future).
// The README's family rules say so; they had said "whatever the clock of
// the instance that creates it".
func TestChildOfAParentChangedBeyondTheLead(t *testing.T) {
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	tests := []struct {
		name        string
		behind      time.Duration
		wantEarlier time.Duration // how much before its parent the child expires
	}{
		{"1 s behind: followed", time.Second, 0},
		{"1 s + 100 ns behind: not followed", time.Second + 100*time.Nanosecond, time.Second + 100*time.Nanosecond},
		{"2 s behind: not followed", 2 * time.Second, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(time.Hour)
			_, p, c := familyBehind(t, db, table, policy, clock, tc.behind)
			if got := p.ExpiresAt.Sub(c.ExpiresAt); got != tc.wantEarlier {
				t.Errorf("child expires %v before its parent; want %v", got, tc.wantEarlier)
			}
		})
	}
}
