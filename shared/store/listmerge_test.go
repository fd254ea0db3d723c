package store_test

import (
	"context"
	"hash/fnv"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListMergeWaitsForAPartitionStillBeingRead: the partitions of a day
// are "merged by sort key" (ListByDay), so a partition whose Query
// evaluated only entries the filter dropped (purged sessions), with more
// to read, may hold the next session: take stops there until it is read.
// Partition 0 holds 100 purged sessions, then a live one; partition 1 a
// live one created a second later. A page of 1 lists partition 0's live
// session first, then partition 1's. r91-mutate's mutant L37 (take went
// on past such a partition) listed partition 1's first and skipped the
// other for good, and every test passed.
func TestListMergeWaitsForAPartitionStillBeingRead(t *testing.T) {
	f := newListFixture(t, store.ListShards(2))
	in := func(shard int, created time.Time, closed bool) *session.Session {
		for {
			v := sessions("m-1", created, 1, closed)[0]
			h := fnv.New32a()
			_, _ = h.Write([]byte(v.ID))
			if int(h.Sum32()%2) == shard {
				return v
			}
		}
	}
	var vs []*session.Session
	for i := range 100 {
		vs = append(vs, in(0, t0.Add(time.Duration(i)*time.Millisecond), true))
	}
	first, second := in(0, t0.Add(50*time.Minute), false), in(1, t0.Add(50*time.Minute+time.Second), false)
	vs = append(vs, first, second)
	if err := f.st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(51 * time.Minute)) // every purged one is past its retention
	var got []string
	cursor := ""
	for range 4 {
		ids, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: 1, Cursor: cursor})
		got = append(got, ids...)
		if cursor = next; cursor == "" {
			break
		}
	}
	if want := []string{first.ID, second.ID}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("pages of 1 listed %v; want %v (partition 0's live session, then partition 1's)", got, want)
	}
}
