package sweep

import (
	"log/slog"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestDefaultsAreTheDocumentedNumbers: README, "it stops starting calls
// before its deadline (3 s before the function's 55 s timeout ...)", "the
// writes already in flight (at most 16 × 8) finish", "The shards are swept
// 16 at a time, taking turns a page (200 index entries) at a time", "once 8
// calls in a row ... have failed", "Only the run's first 10 failed calls get
// an ERROR line each". The numbers are written out here: the other tests
// set Margin, Workers, PageSize and ShardsAtOnce themselves or count from the
// constants, so a change of any default passed every test (r94-mutate: a
// margin of 2 s, 1 write per shard, pages of 100 and 1 shard at a time
// each survived).
func TestDefaultsAreTheDocumentedNumbers(t *testing.T) {
	st := store.New(nil, "sessions", session.DefaultPolicy, 16, time.Now)
	s := New(st, slog.New(slog.DiscardHandler), time.Now)
	tests := []struct {
		name      string
		got, want any
	}{
		{"Margin", s.Margin, 3 * time.Second},
		{"Workers", s.Workers, 8},
		{"PageSize", s.PageSize, 200},
		{"ShardsAtOnce", s.ShardsAtOnce, 16},
		{"FailuresToStop", FailuresToStop, 8},
		{"ErrorLines", ErrorLines, 10},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.name, tt.got, tt.want)
		}
	}
}
