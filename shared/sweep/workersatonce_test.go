package sweep_test

import (
	"context"
	"testing"
	"time"
)

// TestSweepWritesWorkersAtOnce: a shard's expiry writes are Workers at a
// time ("writes in flight per shard", sweep.go; README, "the writes already
// in flight (at most 16 × 8)"), not one after the other: a backlog of one
// shard is written at Workers times one write's pace. The table holds its
// first writes until Workers of them are in flight (2 s at most), as
// TestSweepQueriesShardsAtOnce does for the queries. r94-mutate's mutant of
// the writes' semaphore (one write at a time whatever Workers) passed every
// test.
func TestSweepWritesWorkersAtOnce(t *testing.T) {
	const workers, n = 4, 6
	f := newFixture(t)
	ic, most := heldUntilAtOnce(t, "UpdateItem", workers)
	sw := f.oneShardSweeper(t, ic, sessions(n, t0.Add(-31*time.Minute)))
	sw.Workers = workers
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r := sw.Run(ctx)
	if got := most(); got != workers || !r.Complete || r.Expired != n {
		t.Errorf("Run() = %+v: got %d writes at once; want %d, %d expired, complete", r, got, workers, n)
	}
}
