package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestSweepWindowToTheInstant holds both ends of the sweeper's window, in
// its query and in its write, to the 100 ns ("Times are exact to 100 ns",
// docs/design.md §4). The early end: "It writes only once the guard band
// has passed since `expiresAt` by its own clock (`expiresAt <= now -
// WRITE_GUARD`, in its query and in the write's condition)". The late end:
// "writes are refused during a guard band (`WRITE_GUARD`, default 5 s)
// before `expiresAt` and before `retainUntil`", and Expire's doc comment:
// "A session that has come within the guard band before its purge since
// the sweeper's query found it is not sent a write at all: ErrNearPurge".
func TestSweepWindowToTheInstant(t *testing.T) {
	ctx := context.Background()
	band := session.DefaultWriteGuard
	retention := session.DefaultPolicy.Retention
	tests := []struct {
		name    string
		at      func(expiresAt time.Time) time.Time // the sweeper's clock
		found   int                                 // entries its query finds
		expired bool                                // Expire's answer
		err     error
	}{
		{"100 ns before expiresAt + band", func(e time.Time) time.Time { return e.Add(band - 100*time.Nanosecond) }, 0, false, nil},
		{"at expiresAt + band", func(e time.Time) time.Time { return e.Add(band) }, 1, true, nil},
		{"100 ns before the band before purge", func(e time.Time) time.Time { return e.Add(retention - band - 100*time.Nanosecond) }, 1, true, nil},
		{"at the band before purge", func(e time.Time) time.Time { return e.Add(retention - band) }, 0, false, store.ErrNearPurge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.create(t, "m-1")
			// The key as a query well inside the window finds it.
			f.clock.Set(v.ExpiresAt.Add(band + time.Minute))
			keys := f.expiryKeys(t)
			if len(keys) != 1 {
				t.Fatalf("expiry keys inside the window: got %v; want 1", keys)
			}
			f.clock.Set(tt.at(v.ExpiresAt))
			if got := len(f.expiryKeys(t)); got != tt.found {
				t.Errorf("entries the query finds: got %d; want %d", got, tt.found)
			}
			ok, err := f.st.Expire(ctx, keys[0])
			if ok != tt.expired || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("Expire() = %v, %v; want %v, %v", ok, err, tt.expired, tt.err)
			}
			wantVersion := int64(1)
			if tt.expired {
				wantVersion = 2
			}
			item := f.raw(t, v.ID)
			if got := numberAttr(t, item, "version"); got != wantVersion {
				t.Errorf("stored version: got %d; want %d", got, wantVersion)
			}
			// "(closedAt = expiresAt, a history entry at expiresAt, ttl
			// moved, the index attribute removed)" (§4); "A session is in
			// it only while open" (§8).
			if _, in := item["expiryShard"]; in == tt.expired {
				t.Errorf("expiryShard stored: got %v; want %v", in, !tt.expired)
			}
			if got := len(f.expiryKeys(t)); tt.expired && got != 0 {
				t.Errorf("entries the query finds once expired: got %d; want 0", got)
			}
		})
	}
}

// TestExpireOnlyAtTheInstantItsKeyNames: Expire's doc comment, "The write
// happens only if the session is still open, still expires at that
// instant"; docs/design.md §4, the sweeper writes "exactly what reads were
// already reporting". A session restored (ImportAll, "overwriting any with
// the same id") with another expiresAt after the sweeper's query found it
// is not written EXPIRED at the instant the query found: reads report its
// own expiresAt.
func TestExpireOnlyAtTheInstantItsKeyNames(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		moved   time.Duration // how far the restore moves expiresAt
		expired bool
	}{
		{"expiresAt as found", 0, true},
		{"expiresAt moved a minute on", time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.create(t, "m-1")
			f.clock.Set(v.ExpiresAt.Add(session.DefaultWriteGuard + 5*time.Minute))
			keys := f.expiryKeys(t)
			if len(keys) != 1 {
				t.Fatalf("expiry keys: got %v; want 1", keys)
			}
			restored := f.mustGet(t, v.ID)
			restored.Status, restored.ClosedAt, restored.RetainUntil = session.Created, time.Time{}, time.Time{}
			restored.History = restored.History[:1]
			restored.ExpiresAt = v.ExpiresAt.Add(tt.moved)
			if err := f.st.ImportAll(ctx, []*session.Session{restored}); err != nil {
				t.Fatal(err)
			}
			ok, err := f.st.Expire(ctx, keys[0])
			if ok != tt.expired || err != nil {
				t.Fatalf("Expire() = %v, %v; want %v, nil", ok, err, tt.expired)
			}
			got := f.mustGet(t, v.ID)
			if want := restored.ExpiresAt; !got.ClosedAt.Equal(want) {
				t.Errorf("closedAt read: got %v; want %v (the session's own expiresAt)", got.ClosedAt, want)
			}
		})
	}
}
