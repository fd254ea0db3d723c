package sweep

import (
	"log/slog"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestColdStartedSweeperStartsAtARandomShard: README, "the next run starts
// with the first shard it left waiting (a cold-started sweeper at a random
// one)": sweepers started afresh (a new container each) do not all begin
// with the same shard, so runs cut short every minute by cold starts still
// reach every shard. 64 new sweepers over 16 shards all starting at one
// shard has a chance of 16^-63 when the start is random (sweep.go mutants
// 16, 18, 21 and 22 started every sweeper at shard 0 and passed every
// test).
func TestColdStartedSweeperStartsAtARandomShard(t *testing.T) {
	st := store.New(nil, "sessions", session.DefaultPolicy, 16, time.Now)
	starts := map[int64]int{}
	for range 64 {
		s := New(st, slog.New(slog.DiscardHandler), time.Now)
		n := s.next.Load()
		if n < 0 || n >= 16 {
			t.Fatalf("a cold-started sweeper's first shard: got %d; want 0 to 15", n)
		}
		starts[n]++
	}
	if got := len(starts); got < 2 {
		t.Errorf("first shards of 64 cold-started sweepers: got %v (%d distinct); want more than one", starts, got)
	}
}
