package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestStoreKeepsItsGuardBand: README, "**Guard band (`WRITE_GUARD`, 5
// s).**", "each write call is cut off after 4 s", and `WRITE_GUARD`'s row,
// "writes are refused this long before `expiresAt`": a store keeps the
// band it is given, and one given none (or less) gets the default band,
// never none; a write call is cut off after four fifths of it. Kills New's
// `WriteGuard <= 0` turned (store.go mutants 15, 16: a band of 0 kept, or
// a configured band replaced by the default) or its default dropped
// (19, 20), which no test saw: every test's policy had the default band.
func TestStoreKeepsItsGuardBand(t *testing.T) {
	for _, tt := range []struct {
		guard, want, timeout time.Duration
	}{
		{2 * time.Second, 2 * time.Second, 1600 * time.Millisecond},
		{30 * time.Second, 30 * time.Second, 24 * time.Second},
		{0, 5 * time.Second, 4 * time.Second},
		{-time.Second, 5 * time.Second, 4 * time.Second},
	} {
		t.Run(fmt.Sprint(tt.guard), func(t *testing.T) {
			p := session.Policy{Expiry: 30 * time.Minute, Retention: 15 * time.Minute, WriteGuard: tt.guard}
			st := store.New(nil, "t", p, 16, func() time.Time { return t0 })
			if got := st.Policy().WriteGuard; got != tt.want {
				t.Errorf("WriteGuard: got %v; want %v", got, tt.want)
			}
			if got := st.WriteTimeout(); got != tt.timeout {
				t.Errorf("WriteTimeout(): got %v; want %v", got, tt.timeout)
			}
		})
	}
}
