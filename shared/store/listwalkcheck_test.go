package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListWalksNeverSkipOrDouble: issue 14, "the whole-day answer and the
// opt-in limit/cursor (an opaque cursor that carries each shard's
// position) stay exactly as they are for clients". A day over
// LIST_SHARDS partitions holds, interleaved in creation order, sessions
// that list, sessions whose index entry the index query already filters
// out (listUntil long past: the partitions' own positions move past them),
// and sessions the table read drops (closed early, past their retention,
// their entries still in the index). Walked page by page at page sizes 1
// (days of up to 64 sessions), 7 and 50, with sessions created between pages, the first page by a
// store of the LIST_SHARDS the sessions were written with and the rest by
// one of the same or a raised LIST_SHARDS ("raising it is safe", README),
// and some pages' cursors replayed after the walk: each walk lists every
// session the whole-day answer lists, and those created meanwhile, each
// once, in creation order. (An independent check; it passed on the code
// as written. A cursor position past a partition's buffered entries, or
// one inside them, fails it.)
func TestListWalksNeverSkipOrDouble(t *testing.T) {
	t.Parallel() // its rows wait (hung calls, budgets) on tables of their own: the whole test with the other waiting ones, not before them
	ctx := context.Background()
	// Over 64 entries a partition (minPageQuery), a partition's Query
	// stops before its end: its position is then the cursor's.
	// The longest row first: the rows run in parallel (go test -parallel,
	// GOMAXPROCS at a time), and a long row started last ran alone after
	// the others.
	for _, c := range []struct{ write, read, n int }{{16, 32, 48}, {1, 1, 300}, {1, 16, 200}, {16, 16, 48}, {8, 16, 48}} {
		t.Run(fmt.Sprintf("LIST_SHARDS=%d then %d", c.write, c.read), func(t *testing.T) {
			// Each row its own table, store and clock: the rows walk beside
			// each other (one after another, they were the package's
			// longest test under -race, its rows waiting on DynamoDB Local's
			// answers one at a time).
			t.Parallel()
			f := newListFixture(t, store.ListShards(c.write))
			now := t0.Add(30 * time.Minute)
			rng := rand.New(rand.NewPCG(uint64(c.write), uint64(c.read)))
			var vs []*session.Session
			filtered := map[string]bool{}
			for i := range c.n {
				// Created 25 to 16 minutes or 14 to 1 minutes before now: away
				// from the instant closed-early sessions pass their retention.
				var created time.Time
				if rng.IntN(2) == 0 {
					created = now.Add(-25*time.Minute + time.Duration(rng.Int64N(int64(9*time.Minute))))
				} else {
					created = now.Add(-14*time.Minute + time.Duration(rng.Int64N(int64(13*time.Minute))))
				}
				v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "h", created, session.DefaultPolicy)
				if rng.IntN(3) == 0 {
					if _, err := v.Apply(&session.Event{Status: session.Failed}, created.Add(time.Second), session.DefaultPolicy); err != nil {
						t.Fatal(err)
					}
				}
				vs = append(vs, v)
				if i%4 == 1 {
					filtered[v.ID] = true
				}
			}
			if err := f.st.ImportAll(ctx, vs); err != nil {
				t.Fatal(err)
			}
			for id := range filtered {
				if _, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: aws.String(f.table),
					Key: map[string]ddb.AttributeValue{
						"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + id}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
					},
					UpdateExpression:          aws.String("SET listUntil = :u"),
					ExpressionAttributeValues: map[string]ddb.AttributeValue{":u": &ddb.AttributeValueMemberS{Value: "2026-11-23T00:00:00.0000000Z"}},
				}); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Set(now)
			day := store.ListQuery{MerchantID: "m-1", Day: t0}
			whole, next := f.list(t, day)
			if next != "" || len(whole) == 0 {
				t.Fatalf("whole day = %d sessions, cursor %q", len(whole), next)
			}
			reader := store.New(f.db, f.table, session.DefaultPolicy, 16, f.clock.Now, store.ListShards(c.read), store.ListBudget(time.Hour))
			listWith := func(st *store.Store, q store.ListQuery) ([]string, string) {
				var ids []string
				next, err := st.ListByDay(ctx, q, func(v *session.Session) bool { ids = append(ids, v.ID); return true })
				if err != nil {
					t.Fatalf("ListByDay(%+v) = %v", q, err)
				}
				return ids, next
			}
			limits := []int{1, 7, 50}
			if c.n > 64 {
				// A walk a session a page over hundreds of sessions costs
				// minutes under -race and finds nothing the smaller days'
				// walks at 1 do not.
				limits = limits[1:]
			}
			for _, limit := range limits {
				want := slices.Clone(whole)
				var got []string
				type mark struct {
					cursor string
					at     int // sessions listed before it
				}
				var marks []mark
				q := day
				q.Limit = limit
				for pages := 0; ; pages++ {
					if pages > 1000 {
						t.Fatalf("limit %d: more than 1000 pages", limit)
					}
					st := f.st
					if pages > 0 {
						st = reader
					}
					ids, next := listWith(st, q)
					if len(ids) > limit {
						t.Fatalf("limit %d: a page of %d", limit, len(ids))
					}
					got = append(got, ids...)
					if next == "" {
						break
					}
					marks = append(marks, mark{next, len(got)})
					q.Cursor = next
					if pages%3 == 0 {
						// Created meanwhile: later than every position.
						f.clock.Advance(time.Millisecond)
						v := session.New(&session.Draft{Amount: amount(1), Currency: "EUR"}, "m-1", uuid.NewString(), "h", f.clock.Now(), session.DefaultPolicy)
						// Written as the walk's first store writes (a store of
						// fewer partitions does not see the others' sessions).
						if err := f.st.Import(ctx, v); err != nil {
							t.Fatal(err)
						}
						want = append(want, v.ID)
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("limit %d: walked %d %v;\nwant %d %v", limit, len(got), got, len(want), want)
				}
				// Replayed from the last mark back, each replay ending at a
				// cursor a later mark's replay passed, with what that
				// replay listed from it: the day no longer changes and the
				// clock stands still, so a cursor lists what it listed then
				// (the same ListByDay calls, the same answers). The replays
				// then read about a walk's pages, not three walks'.
				rests := map[string][]string{}
				for k := len(marks) - 1; k >= 0; k-- {
					m := marks[k]
					if k%max(1, len(marks)/5) != 0 {
						continue
					}
					rest := walkFrom(t, listWith, reader, day, m.cursor, limit, rests)
					if !slices.Equal(rest, want[m.at:]) {
						t.Fatalf("limit %d: cursor after %d replayed = %v;\nwant %v", limit, m.at, rest, want[m.at:])
					}
				}
				whole = want
			}
		})
	}
}

// walkFrom lists the pages from cursor to the day's end and returns their
// sessions. rests holds what the cursors of earlier walks (of the same day,
// unchanged since, with the same store and limit) list to the day's end: a
// walk reaching one of them ends there with it, and adds its own.
func walkFrom(t *testing.T, listWith func(*store.Store, store.ListQuery) ([]string, string), st *store.Store, day store.ListQuery, cursor string, limit int, rests map[string][]string) []string {
	t.Helper()
	var got []string
	type visit struct {
		cursor string
		at     int // sessions listed before it
	}
	var visited []visit
	q := day
	q.Limit, q.Cursor = limit, cursor
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("replaying %q: more than 1000 pages", cursor)
		}
		if rest, ok := rests[q.Cursor]; ok {
			got = append(got, rest...)
			break
		}
		visited = append(visited, visit{q.Cursor, len(got)})
		ids, next := listWith(st, q)
		got = append(got, ids...)
		if next == "" {
			break
		}
		q.Cursor = next
	}
	for _, v := range visited {
		rests[v.cursor] = got[v.at:]
	}
	return got
}
