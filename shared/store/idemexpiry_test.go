package store_test

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store"
)

// TestIdempotencyExpiryRoundsUpOnlyAFraction: README's table, "idempotency
// record | … | its expiry and `ttl`: 24 h on, rounded up to the second", and
// "Keys are per merchant and remembered for 24 hours". A key first used at
// a whole second is free again exactly 24 h on, not a second later; one
// first used any fraction past a second (100 ns, the stored times'
// resolution) is free from the next whole second, never before 24 h have
// passed. Kills epochCeil's `t.Nanosecond() > 0` → `>= 0` (a whole second
// rounded up a second too far), which no engine test saw: their instants
// all carry a fraction.
func TestIdempotencyExpiryRoundsUpOnlyAFraction(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name  string
		first time.Time
		want  time.Time
	}{
		{"a whole second", t0, t0.Add(day)},
		{"100 ns past a second", t0.Add(100 * time.Nanosecond), t0.Add(day + time.Second)},
		// An instant read off a clock, not yet stored: "rounded up to the
		// second" holds for any fraction. Kills `> 0` → `> 1`.
		{"1 ns past a second", t0.Add(time.Nanosecond), t0.Add(day + time.Second)},
		{"0.7 s past a second", t0.Add(700 * time.Millisecond), t0.Add(day + time.Second)},
		{"100 ns before a second", t0.Add(-100 * time.Nanosecond), t0.Add(day)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.IdempotencyExpiry(tt.first); got != tt.want.Unix() {
				t.Errorf("IdempotencyExpiry(%s) = %s; want %s", tt.first.Format(time.RFC3339Nano),
					time.Unix(got, 0).UTC().Format(time.RFC3339), tt.want.Format(time.RFC3339))
			}
		})
	}
}
