package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// longest are a reason and an eventId at their longest in bytes: 500 and
// 128 four-byte characters.
var longestReason, longestEventID = strings.Repeat("😀", 500), strings.Repeat("😀", 128)

// TestChangeRoomHoldsAnyChangeWithoutData: the room the store keeps for
// each change still due (6 KB) holds any change that brings no data of
// its own, its texts at their longest: the status reason and its history
// entry, the eventId, the status and its times.
func TestChangeRoomHoldsAnyChangeWithoutData(t *testing.T) {
	st := store.New(nil, "t", session.DefaultPolicy, 16, func() time.Time { return t0 })
	size := func(v *session.Session) int {
		av, err := st.Item(v)
		if err != nil {
			t.Fatal(err)
		}
		return store.ItemSize(av)
	}
	for _, path := range [][]session.Status{
		{session.Processing}, {session.Authorised}, {session.Failed}, {session.Canceled},
		{session.Authorised, session.Settled}, {session.Authorised, session.FraudCancellationRequested},
		{session.Authorised, session.Canceled}, {session.Settled, session.FraudCancellationRequested},
	} {
		v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "tok", t0, session.DefaultPolicy)
		for i, to := range path {
			before := size(v)
			at := t0.Add(time.Duration(i+1) * time.Second)
			ev := &session.Event{Status: to, Reason: longestReason, EventID: session.EventID(longestEventID[:4*127] + fmt.Sprint(i))}
			if _, err := v.Apply(ev, at, session.DefaultPolicy); err != nil {
				t.Fatalf("%v: %s: %v", path, to, err)
			}
			if grew := size(v) - before; grew > 6<<10 {
				t.Errorf("%v: the change to %s grew the item by %d bytes; want at most %d", path, to, grew, 6<<10)
			}
		}
	}
}

// TestFullOfEventsStillCloses: README, "events between open statuses
// already at 90, so a processor can always still close a busy session";
// design.md: "room always left to close the session". A processor's
// events between open statuses, with long reasons and data, filled the
// item to the store's limit, and then the close was refused 409
// SESSION_TOO_LARGE, the processor's AUTHORISED and FAILED and the
// merchant's cancel alike, and the sweeper stored EXPIRED a payment the
// processor had authorised (r86-events, on make run and make start-api).
// Now such events leave room for the close and the changes that end its
// money; a close that brings no data of its own, its texts at their
// longest, always lands, and so do the settlement after it.
//
// It writes items at the limit README names, one step after another, each
// 5 to 30 times slower under the race detector; the store's writes it makes
// (the SDK's client beneath them) are checked under the detector by
// TestWriteRefusesWhereStoredChangeDoes and
// TestContainersRaceAtTheInstants, so make test runs it in its pass
// without the race detector (PLAIN_TESTS).
func TestFullOfEventsStillCloses(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // items at the limit, sequential: run without the race detector (PLAIN_TESTS)
	ctx := context.Background()
	type step struct {
		cancel bool // the merchant's cancel, else a processor's event
		to     session.Status
	}
	for _, tt := range []struct {
		name  string
		close []step
	}{
		{"the processor's AUTHORISED, then SETTLED", []step{{false, session.Authorised}, {false, session.Settled}}},
		{"the processor's FAILED", []step{{false, session.Failed}}},
		{"the merchant's cancel", []step{{true, session.Canceled}}},
		// r86-review: open events kept room for the close and the money's
		// three ends only, so the merchant's cancel request (a reason at
		// its longest) after the close was refused; they keep room for one
		// request and its answer too.
		{"AUTHORISED, the merchant's cancel request, declined, then every end of its money", []step{
			{false, session.Authorised}, {true, session.CancelRequested}, {false, session.Authorised},
			{false, session.Settled}, {false, session.FraudCancellationRequested}, {false, session.Canceled},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := newSession("m-1", "", f.clock.Now(), session.DefaultPolicy)
			if _, _, err := f.st.Create(ctx, v, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			f.fillWithOpenEvents(t, v.ID, longestReason)
			for i, s := range tt.close {
				var err error
				if s.cancel {
					_, err = f.st.Cancel(ctx, "m-1", v.ID, longestReason)
				} else {
					_, err = f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: s.to, Reason: longestReason, EventID: session.EventID(longestEventID[:4*127] + fmt.Sprint(i))})
				}
				if err != nil {
					t.Fatalf("after the session was full of open events, %s: got %v; want it applied", s.to, err)
				}
			}
			got, err := f.st.Get(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.close[len(tt.close)-1].to; got.Status != want {
				t.Errorf("status = %s; want %s", got.Status, want)
			}
		})
	}
}

// TestCloseWithDataStillEndsMoney: README, "so a session its own events
// have filled can always still be closed ... and its money still ended".
// A processor's close to AUTHORISED brought data (resultData), and the
// store let it fill the item to 380 KB, keeping no room for the changes
// that end its money: the SETTLED, FRAUD_CANCELLATION_REQUESTED and
// CANCELED after it, with no data of their own, were refused 409
// SESSION_TOO_LARGE (r86-review). A change that takes money keeps room
// for the changes that may still end it, as the history does; a close
// whose data leaves no such room is refused, and lands without it.
//
// It writes items at the limit README names, one step after another, each
// 5 to 30 times slower under the race detector; the store's writes it makes
// (the SDK's client beneath them) are checked under the detector by
// TestWriteRefusesWhereStoredChangeDoes and
// TestContainersRaceAtTheInstants, so make test runs it in its pass
// without the race detector (PLAIN_TESTS).
func TestCloseWithDataStillEndsMoney(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // items at the limit, sequential: run without the race detector (PLAIN_TESTS)
	ctx := context.Background()
	pad := padData
	for _, tt := range []struct {
		name string
		full session.Status // the change that brings data, as much as fits
		then []session.Status
	}{
		{"AUTHORISED with data, then SETTLED, FRAUD_CANCELLATION_REQUESTED, CANCELED", session.Authorised, []session.Status{session.Settled, session.FraudCancellationRequested, session.Canceled}},
		{"AUTHORISED with data, then FRAUD_CANCELLATION_REQUESTED, CANCELED", session.Authorised, []session.Status{session.FraudCancellationRequested, session.Canceled}},
		{"SETTLED with data, then FRAUD_CANCELLATION_REQUESTED, CANCELED", session.Settled, []session.Status{session.FraudCancellationRequested, session.Canceled}},
		// r87-mutate: a close to AUTHORISED kept room for the money's
		// three ends only, so with data it filled the item to 362 KB and
		// the merchant's cancel request (refused over 356 KB) was 409
		// SESSION_TOO_LARGE, though the history leaves room for it.
		// CANCEL_REQUESTED here is the merchant's cancel.
		{"AUTHORISED with data, then the merchant's cancel, its decline, SETTLED, FRAUD_CANCELLATION_REQUESTED, CANCELED", session.Authorised, []session.Status{session.CancelRequested, session.Authorised, session.Settled, session.FraudCancellationRequested, session.Canceled}},
		{"AUTHORISED with data, then the merchant's cancel, CANCELED", session.Authorised, []session.Status{session.CancelRequested, session.Canceled}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := newSession("m-1", "", f.clock.Now(), session.DefaultPolicy)
			if _, _, err := f.st.Create(ctx, v, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			cur := f.fillWithOpenEvents(t, v.ID, "")
			if tt.full != session.Authorised {
				if _, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "auth"}); err != nil {
					t.Fatal(err)
				}
			}
			// The change with the most data the store accepts beyond
			// that (to 512 bytes): its data replaces the session's.
			landed := false
			for n, step := 0, 32<<10; step > 0; step -= 512 {
				n++
				ev := &session.Event{Status: tt.full, EventID: session.EventID(fmt.Sprintf("full-%d", n)), ResultData: pad(cur + step)}
				_, err := f.st.ApplyEvent(ctx, "", v.ID, ev)
				if err == nil {
					landed = true
					break
				}
				if session.ErrorReason(err) != session.ReasonSessionTooLarge {
					t.Fatalf("%s with %d bytes of data: %v", tt.full, step, err)
				}
			}
			if !landed {
				t.Fatalf("no %s with data fitted", tt.full)
			}
			for i, to := range tt.then {
				var err error
				if to == session.CancelRequested {
					_, err = f.st.Cancel(ctx, "m-1", v.ID, longestReason)
				} else {
					_, err = f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: to, Reason: longestReason, EventID: session.EventID(longestEventID[:4*127] + fmt.Sprint(i))})
				}
				if err != nil {
					t.Fatalf("after %s filled the item with data, %s: got %v; want it applied", tt.full, to, session.ErrorReason(err))
				}
			}
		})
	}
}

// padData is resultData of n bytes, in values of at most 1,000.
func padData(n int) map[string]string {
	rd := map[string]string{}
	for i, left := 0, n; left > 0; i++ {
		k := min(left, 1000)
		rd[fmt.Sprintf("p%03d", i)] = strings.Repeat("x", k)
		left -= k
	}
	return rd
}

// fillWithOpenEvents sends session id open events with reason and ever
// larger data (each event's resultData replaces the last's) until the
// store refuses more by 64 bytes: the item is then as full as open events
// can make it. It returns the data's size.
func (f *fixture) fillWithOpenEvents(t *testing.T, id, reason string) int {
	t.Helper()
	cur := 0
	for n, step := 0, 256<<10; step >= 64; step /= 2 {
		n++
		ev := &session.Event{Status: session.Processing, Reason: reason, EventID: session.EventID(fmt.Sprintf("fill-%d", n)), ResultData: padData(cur + step)}
		_, err := f.st.ApplyEvent(context.Background(), "", id, ev)
		switch {
		case err == nil:
			cur += step
		case session.ErrorReason(err) != session.ReasonSessionTooLarge:
			t.Fatalf("open event %d: %v", n, err)
		}
	}
	if cur == 0 {
		t.Fatal("no open event fitted")
	}
	return cur
}
