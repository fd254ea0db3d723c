package sweep_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// queryShard is the expiry shard a Query request's body asks for: its one
// number value.
func queryShard(t *testing.T, body []byte) int {
	t.Helper()
	var in struct {
		ExpressionAttributeValues map[string]struct{ N string }
	}
	if err := json.Unmarshal(body, &in); err != nil {
		t.Errorf("query body: %v", err)
		return -1
	}
	for _, v := range in.ExpressionAttributeValues {
		if v.N != "" {
			n, err := strconv.Atoi(v.N)
			if err != nil {
				t.Errorf("query shard %q: %v", v.N, err)
			}
			return n
		}
	}
	t.Errorf("query body %s names no shard", body)
	return -1
}

// backlog makes open sessions expired 31 minutes before t0, at least
// perShard in each of st's shards, and stores them.
func (f *fixture) backlog(t *testing.T, st *store.Store, perShard int) []*session.Session {
	t.Helper()
	count := make([]int, st.Shards())
	var vs []*session.Session
	for full := 0; full < st.Shards(); {
		v := sessions(1, t0.Add(-31*time.Minute))[0]
		item, err := st.Item(v)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := item["expiryShard"].(*ddb.AttributeValueMemberN)
		shard, err := strconv.Atoi(n.Value)
		if err != nil {
			t.Fatal(err)
		}
		if count[shard] == perShard {
			continue
		}
		if count[shard]++; count[shard] == perShard {
			full++
		}
		vs = append(vs, v)
	}
	if err := st.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestSweepServesEveryShardInTurn: a backlog larger than a run can finish
// (docs/design.md §4: "The sweeper runs every minute ... It finds open
// sessions past expiresAt through a sparse index ... and writes each one
// EXPIRED"; "the next run finishes the work"). A run sweeps a few
// shards at a time; if each one swept its shard to the end before the next
// shard was started, a backlog in the first shards would take every run's
// time, run after run, and the sessions of the other shards would never be
// expired (past their retention they drop out of the query's window, left
// to TTL). So shards take turns, a page at a time: every shard's oldest page
// is swept before any shard's second page.
func TestSweepServesEveryShardInTurn(t *testing.T) {
	const shards, pageSize = 8, 2
	f := newFixture(t)
	var mu sync.Mutex
	var order []int
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, body []byte) (*http.Response, error) {
		if op == "Query" {
			shard := queryShard(t, body)
			mu.Lock()
			order = append(order, shard)
			mu.Unlock()
		}
		return nil, nil
	}}
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, shards, f.clock.Now)
	vs := f.backlog(t, st, 3*pageSize)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	sw.ShardsAtOnce, sw.PageSize, sw.Workers = 1, pageSize, 1
	r := sw.Run(context.Background())
	if r.Expired != len(vs) || !r.Complete {
		t.Fatalf("Run() = %+v; want all %d expired", r, len(vs))
	}
	seen := map[int]bool{}
	for i, shard := range order {
		if seen[shard] && len(seen) < shards {
			t.Fatalf("queries by shard %v: shard %d read again (query %d) before every shard was read once; want each shard's first page first", order, shard, i+1)
		}
		seen[shard] = true
	}
	if len(seen) != shards {
		t.Errorf("queries by shard %v; want all %d shards", order, shards)
	}
}

// TestSweepStartsNoQueryAfterItStops: docs/design.md §4, "a sweep stops
// starting writes shortly before its deadline", "reading only what it
// expires": once a
// run has stopped, the shards it has not reached yet are not queried (a
// Query of up to PageSize index entries, none of which it would expire).
func TestSweepStartsNoQueryAfterItStops(t *testing.T) {
	t.Parallel() // mostly waits out a real deadline; its own table, clock, interceptor and logs
	const shards = 2 * sweep.DefaultShardsAtOnce
	f := newFixture(t)
	// The backlog first, then the run's 6 s: an import slowed by a loaded
	// engine would shorten the run, and a run of under 4 s keeps a quarter
	// of it (Run's stopAt), stopping later than stopAt here: its queries
	// then answered before it stopped, and it wrote.
	f.backlog(t, store.New(f.db, f.table, policy, shards, f.clock.Now), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	deadline, _ := ctx.Deadline()
	const margin = time.Second
	stopAt := deadline.Add(-margin) // a quarter of the run is longer
	var late atomic.Int64
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "Query" {
			return nil, nil
		}
		if time.Now().After(stopAt) {
			late.Add(1)
		}
		// Every query answers just after the run stopped.
		select {
		case <-time.After(time.Until(stopAt.Add(100 * time.Millisecond))):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		return nil, nil
	}}
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, shards, f.clock.Now)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	sw.Margin = margin
	r := sw.Run(ctx)
	if r.Complete || r.Expired != 0 {
		t.Errorf("Run() = %+v; want a run stopped before any write", r)
	}
	if n := late.Load(); n != 0 {
		t.Errorf("%d queries started after the run stopped; want none (Run() = %+v)", n, r)
	}
	if !strings.Contains(f.logs.String(), `"msg":"sweep"`) {
		t.Errorf("no summary line:\n%s", f.logs)
	}
}
