package sweep_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestSweepOwesTheNewestReadOfAShardNotReadToItsEnd: a run that expired
// every session of a shard's first page, and whose query of the next page
// was throttled, left nothing but did not read the shard to its end; the
// pages it did not read hold no session older than the newest it read
// (README, "Its lag"). The next run, its query throttled a minute later,
// reports the age of that newest session: not the oldest one (expired),
// nor the run's start less WRITE_GUARD (the shard was not swept to it).
func TestSweepOwesTheNewestReadOfAShardNotReadToItsEnd(t *testing.T) {
	tests := []struct {
		name    string
		ago     []time.Duration // the sessions' expiry before t0, oldest first
		wantLag time.Duration   // the throttled run's, a minute later
	}{
		{"pages of two, the second throttled", []time.Duration{10 * time.Minute, 9 * time.Minute, 5 * time.Minute, 4 * time.Minute}, 10 * time.Minute},
		{"the newest read is the oldest unread", []time.Duration{10 * time.Minute, 7 * time.Minute, 7 * time.Minute, 2 * time.Minute}, 8 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var vs []*session.Session
			for _, ago := range tt.ago {
				vs = append(vs, sessions(1, t0.Add(-ago-policy.Expiry))...)
			}
			var queries atomic.Int64
			var throttleAll atomic.Bool
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if op == "Query" && (queries.Add(1) > 1 || throttleAll.Load()) {
					return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
				}
				return nil, nil
			}}
			sw := f.oneShardSweeper(t, ic, vs)
			sw.PageSize = 2
			if r := sw.Run(context.Background()); r.Expired != 2 || r.Deferred != 0 || r.Errors != 0 || !r.BackedOff {
				t.Fatalf("first run: Run() = %+v; want 2 expired, nothing left, backed off", r)
			}
			ms, percent := lagOf(t, f.logs)
			wantLag(t, "first run", ms, percent, tt.ago[0])

			throttleAll.Store(true)
			f.clock.Set(t0.Add(time.Minute))
			if r := sw.Run(context.Background()); !r.BackedOff || r.Found != 0 {
				t.Fatalf("throttled query: Run() = %+v; want backed off, nothing found", r)
			}
			ms, percent = lagOf(t, f.logs)
			wantLag(t, "throttled query", ms, percent, tt.wantLag)
		})
	}
}

// TestSweepOwesALeftEntryWhoseExpiryDoesNotParse: for a shard a run cannot
// read, the lag counts from "the oldest entry the last run that read it
// found there and left for later (deferred, failed; not those it expired)"
// (README, "Its lag"). An entry whose expiresAt is not a time (written by
// hand, not by this store) fails and is left, but its age is unknown: it
// sorts at or after the oldest the page held, so the run owes it from that
// oldest, never from the run's start less WRITE_GUARD, which would report
// a shard holding a failing entry as swept.
func TestSweepOwesALeftEntryWhoseExpiryDoesNotParse(t *testing.T) {
	f := newFixture(t)
	expired := sessions(1, t0.Add(-10*time.Minute-policy.Expiry))
	broken := sessions(1, t0.Add(-9*time.Minute-policy.Expiry))
	var throttle atomic.Bool
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
		if op == "Query" && throttle.Load() {
			return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
		}
		return nil, nil
	}}
	sw := f.oneShardSweeper(t, ic, append(expired, broken...))
	f.breakExpiresAt(t, broken[0])

	if r := sw.Run(context.Background()); r.Found != 2 || r.Expired != 1 || r.Errors != 1 {
		t.Fatalf("first run: Run() = %+v; want 2 found, 1 expired, 1 error", r)
	}
	ms, percent := lagOf(t, f.logs)
	wantLag(t, "first run", ms, percent, 10*time.Minute)

	throttle.Store(true)
	f.clock.Set(t0.Add(time.Minute))
	if r := sw.Run(context.Background()); !r.BackedOff || r.Found != 0 {
		t.Fatalf("throttled query: Run() = %+v; want backed off, nothing found", r)
	}
	ms, percent = lagOf(t, f.logs)
	wantLag(t, "throttled query", ms, percent, 11*time.Minute)
}

// TestSweepLearnsNothingOfAgeFromEntriesThatDoNotParse: a shard whose
// pages held only entries whose expiresAt is not a time teaches the sweeper
// no age. Read to its end, it was swept up to "that run's start less
// WRITE_GUARD" (README, "Its lag"), as a shard that left nothing; stopped
// after such a page, "the newest entry it read there" is unknown and what
// the sweeper knew of the shard before stands, growing "a minute each
// minute they go unread". Neither reports an age no entry had.
func TestSweepLearnsNothingOfAgeFromEntriesThatDoNotParse(t *testing.T) {
	type run struct {
		at        time.Duration // after t0
		okQueries int64         // queries answered before the rest are throttled; -1: all
	}
	tests := []struct {
		name     string
		pageSize int
		valid    bool // a valid session due after the broken one
		runs     []run
		wantLag  time.Duration // the last run's, its queries throttled
	}{
		{"read to its end", 10, false, []run{{0, -1}}, time.Minute + policy.WriteGuard},
		{"stopped after a page of it", 1, true, []run{{0, 0}, {time.Minute, 1}}, 2*time.Minute + policy.WriteGuard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			broken := sessions(1, t0.Add(-9*time.Minute-policy.Expiry))
			vs := broken
			if tt.valid {
				vs = append(vs, sessions(1, t0.Add(-5*time.Minute-policy.Expiry))...)
			}
			var queries, okQueries atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if op == "Query" {
					if ok := okQueries.Load(); ok >= 0 && queries.Add(1) > ok {
						return storetest.ErrorResponse(req, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput."), nil
					}
				}
				return nil, nil
			}}
			sw := f.oneShardSweeper(t, ic, vs)
			sw.PageSize = tt.pageSize
			f.breakExpiresAt(t, broken[0])
			for i, r := range tt.runs {
				queries.Store(0)
				okQueries.Store(r.okQueries)
				f.clock.Set(t0.Add(r.at))
				got := sw.Run(context.Background())
				if r.okQueries != 0 && (got.Found != 1 || got.Errors != 1 || got.Expired != 0) {
					t.Fatalf("run %d: Run() = %+v; want the broken entry found, 1 error", i+1, got)
				}
				f.logs.Reset()
			}
			queries.Store(0)
			okQueries.Store(0)
			last := tt.runs[len(tt.runs)-1].at + time.Minute
			f.clock.Set(t0.Add(last))
			if r := sw.Run(context.Background()); !r.BackedOff || r.Found != 0 {
				t.Fatalf("throttled query: Run() = %+v; want backed off, nothing found", r)
			}
			ms, percent := lagOf(t, f.logs)
			wantLag(t, "throttled query", ms, percent, tt.wantLag)
		})
	}
}

// breakExpiresAt writes v's stored expiresAt as no store writes it: the
// instant it was, then a byte that is no part of a time, so the entry keeps
// its place in the expiry index but does not parse.
func (f *fixture) breakExpiresAt(t *testing.T, v *session.Session) {
	t.Helper()
	if _, err := f.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(f.table),
		Key: map[string]ddb.AttributeValue{
			"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + v.ID},
			"sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
		},
		UpdateExpression:          aws.String("SET expiresAt = :at"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":at": &ddb.AttributeValueMemberS{Value: v.ExpiresAt.UTC().Format(time.RFC3339Nano) + "x"}},
	}); err != nil {
		t.Fatal(err)
	}
}
