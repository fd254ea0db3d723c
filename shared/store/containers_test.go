package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// containerStores is one Store per clock offset on one table, as Lambda
// containers whose clocks are apart: each reads clock plus its offset.
func containerStores(db *dynamodb.Client, table string, policy session.Policy, clock *storetest.Clock, offsets []time.Duration, opts ...store.Option) []*store.Store {
	var stores []*store.Store
	for _, off := range offsets {
		stores = append(stores, store.New(db, table, policy, 16, func() time.Time { return clock.Now().Add(off) }, opts...))
	}
	return stores
}

// runAtOnce runs ops, each in its own goroutine, released together, and
// returns when all have.
func runAtOnce(ops []func()) {
	release := make(chan struct{})
	var wg sync.WaitGroup
	for _, op := range ops {
		wg.Go(func() { <-release; op() })
	}
	close(release)
	wg.Wait()
}

// noSettleWait is for a frozen clock: a refusal in the band would wait up
// to the band for writes in flight in real time; the races release them
// all together, so it reads again at once.
var noSettleWait = store.SettleWait(func(context.Context, time.Duration) error { return nil })

// TestContainersRaceAtTheInstants: several Lambda containers (one Store
// each on one table, clocks apart by up to 900 ms, within maxClockLead;
// the sweeper's ahead of every one by just under WRITE_GUARD, as
// docs/design.md §4 allows) act on families of a parent and its child at
// once, released together, at instants around the parent's expiresAt and
// its guard band: the same AUTHORISED eventId from two containers, a
// SETTLED, a parent cancel or FAILED, a child cancel, a new child created
// with one Idempotency-Key from three containers (two bodies alike, one
// not), a sweep and a day list. After each round, read from the table:
// each history is a legal sequence, oldest first, each eventId once, its
// last entry the status; the expiry index attribute is there exactly while
// the session is stored open; no child holds money its parent refused it;
// a closed parent has no open child outside its guard band; one key names
// one session; the sweep's counts add up; the list shows each session once
// and only in a state its history had; and nothing failed but as a 409.
func TestContainersRaceAtTheInstants(t *testing.T) {
	ctx := context.Background()
	guard := 30 * time.Second
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: guard}
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	offsets := []time.Duration{0, 450 * time.Millisecond, -450 * time.Millisecond}
	stores := containerStores(db, table, policy, clock, offsets, store.ListBudget(time.Hour), noSettleWait)
	sweepNow := func() time.Time { return clock.Now().Add(guard - 451*time.Millisecond) }
	sw := sweep.New(store.New(db, table, policy, 16, sweepNow), slog.New(slog.DiscardHandler), sweepNow)

	allowed := map[string]bool{
		session.ReasonInvalidTransition: true, session.ReasonSessionExpired: true, session.ReasonParentClosed: true,
		session.ReasonConcurrentUpdate: true, session.ReasonParentNotOpen: true, session.ReasonChildExists: true,
		session.ReasonIdempotencyReused: true, session.ReasonIdempotencyPending: true,
	}
	// The instants, from the parent's expiresAt: around the start of the
	// guard band, expiresAt itself, and the sweeper's first chance.
	instants := []time.Duration{-guard - time.Second, -guard - time.Millisecond, -guard, -guard + time.Millisecond, -time.Millisecond, 0, guard - time.Millisecond, guard}
	const families = 6
	day := clock.Now()
	for round, at := range instants {
		merchant := fmt.Sprintf("m-%d", round)
		start := day.Add(time.Duration(round) * time.Minute)
		clock.Set(start)
		type family struct{ parent, child string }
		fams := make([]family, families)
		var all []string
		for i := range fams {
			p := newSession(merchant, "", clock.Now(), policy)
			if _, _, err := stores[0].Create(ctx, p, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			// The child by a container whose clock is behind the
			// parent's creator's.
			c := newSession(merchant, p.ID, clock.Now().Add(offsets[2]), policy)
			if _, _, err := stores[2].Create(ctx, c, nil, 201, nil); err != nil {
				t.Fatal(err)
			}
			fams[i] = family{p.ID, c.ID}
			all = append(all, p.ID, c.ID)
		}
		expiresAt := start.Add(policy.Expiry)
		clock.Set(expiresAt.Add(at))

		var mu sync.Mutex
		var bad storetest.Failures
		fail := bad.Add
		check := func(what string, err error) {
			if err != nil && !(session.ErrorCode(err) == session.ECONFLICT && allowed[session.ErrorReason(err)]) {
				fail("%s: %v (%s)", what, err, session.ErrorReason(err))
			}
		}
		answers := map[string][]string{} // eventId -> each request's refusal ("" when 200)
		created := map[string][]string{} // family parent -> session ids the key answered, by body
		var ops []func()
		for i, f := range fams {
			ev := func(st int, id string, s session.Status, eventID string) func() {
				return func() {
					_, err := stores[st].ApplyEvent(ctx, "", id, &session.Event{Status: s, EventID: session.EventID(eventID)})
					check(fmt.Sprintf("container %d: %s on %s", st, s, id), err)
					reason := ""
					if err != nil {
						reason = session.ErrorReason(err)
					}
					mu.Lock()
					answers[eventID] = append(answers[eventID], reason)
					mu.Unlock()
				}
			}
			ops = append(ops,
				ev(0, f.child, session.Authorised, "auth-"+f.child),
				ev(1, f.child, session.Authorised, "auth-"+f.child),
				ev(2, f.child, session.Settled, "settle-"+f.child),
			)
			if i%3 == 0 {
				ops = append(ops, func() {
					_, err := stores[2].Cancel(ctx, merchant, f.child, "")
					check("child cancel", err)
				})
			}
			if i%2 == 0 {
				ops = append(ops, func() {
					_, err := stores[1].Cancel(ctx, merchant, f.parent, "")
					check("parent cancel", err)
				})
			} else {
				ops = append(ops, ev(0, f.parent, session.Failed, "fail-"+f.parent))
			}
			for st, body := range []string{"a", "a", "b"} {
				ops = append(ops, func() {
					v := newSession(merchant, f.parent, clock.Now().Add(offsets[st]), policy)
					idem := &store.Idempotency{MerchantID: merchant, Key: "k-" + f.parent, RequestHash: store.HashRequest([]byte(body))}
					_, replay, err := stores[st].Create(ctx, v, idem, 201, func(v *session.Session) ([]byte, error) { return []byte(v.ID), nil })
					check(fmt.Sprintf("container %d: create child of %s", st, f.parent), err)
					id := v.ID
					if replay != nil {
						id = replay.SessionID
					}
					if err == nil {
						mu.Lock()
						created[f.parent] = append(created[f.parent], body+"="+id)
						mu.Unlock()
					}
				})
			}
		}
		var res sweep.Result
		ops = append(ops, func() { res = sw.Run(ctx) })
		listed := map[string]int{}
		listedStatus := map[string]session.Status{}
		ops = append(ops, func() {
			_, err := stores[0].ListByDay(ctx, store.ListQuery{MerchantID: merchant, Day: day}, func(v *session.Session) bool {
				mu.Lock()
				listed[v.ID]++
				listedStatus[v.ID] = v.Status
				mu.Unlock()
				return true
			})
			check("list", err)
		})
		runAtOnce(ops)

		bad.Report(t, fmt.Sprintf("round %d (expiresAt%+v): ", round, at))
		if res.Errors != 0 || res.Found != res.Expired+res.Skipped+res.LeftToPurge+res.Deferred+res.Errors-res.QueryErrors {
			t.Errorf("round %d: sweep %+v; want no errors and found = expired + skipped + left to purge + deferred + errors - query errors", round, res)
		}
		// "An eventId already applied is acknowledged with 200" (§2): when
		// one request of an eventId was answered 200, every other was too,
		// but one that lost its races (CONCURRENT_UPDATE) before it.
		for e, got := range answers {
			if !slices.Contains(got, "") {
				continue
			}
			for _, r := range got {
				// A container whose clock is ahead may have refused it
				// in its guard band before the other applied it.
				if r != "" && r != session.ReasonConcurrentUpdate && r != session.ReasonSessionExpired {
					t.Errorf("round %d: event %s answered %q; want all 200 once one is", round, e, got)
				}
			}
		}
		for parent, got := range created {
			ids := map[string]bool{}
			bodies := map[string]bool{}
			for _, g := range got {
				bodies[g[:1]] = true
				ids[g[2:]] = true
				all = append(all, g[2:])
			}
			if len(ids) > 1 || len(bodies) > 1 {
				t.Errorf("round %d: one Idempotency-Key of %s answered %v; want one session, one body", round, parent, got)
			}
		}
		// Document 003's read of each family, at one instant: a parent
		// closed without money never beside an open child (§4: "A
		// parent's close closes its open child").
		for _, f := range fams {
			parent, child, err := stores[0].GetWithChild(ctx, merchant, f.parent)
			if err != nil {
				t.Fatalf("GetWithChild(%s) = %v", f.parent, err)
			}
			if child != nil && child.Status.Open() && (parent.Status == session.Canceled || parent.Status == session.Failed) {
				t.Errorf("round %d: parent %s %s beside its child %s %s", round, parent.ID, parent.Status, child.ID, child.Status)
			}
		}
		stored := map[string]*session.Session{}
		for _, id := range all {
			if stored[id] == nil {
				stored[id] = rawSession(t, db, table, id)
			}
		}
		for _, v := range stored {
			checkStored(t, round, v, stored)
		}
		for id, n := range listed {
			v := stored[id]
			if n != 1 {
				t.Errorf("round %d: %s listed %d times", round, id, n)
			}
			if v == nil {
				continue
			}
			had := listedStatus[id] == session.Expired
			for _, c := range v.History {
				had = had || c.Status == listedStatus[id]
			}
			if !had {
				t.Errorf("round %d: %s listed %s; its history %v never had it", round, id, listedStatus[id], v.History)
			}
		}
		for _, f := range fams {
			for _, id := range []string{f.parent, f.child} {
				if listed[id] == 0 {
					t.Errorf("round %d: %s, created before the list, not listed", round, id)
				}
			}
		}
	}
}

func newSession(merchant, parent string, now time.Time, p session.Policy) *session.Session {
	d := &session.Draft{Amount: amount(100), Currency: "EUR", ParentSessionID: session.ParentID(parent)}
	return session.New(d, merchant, uuid.NewString(), "tok", now, p)
}

// rawSession reads a session item as stored, with whether it carries the
// expiry index attribute (in Metadata["expiryShard"], for the check).
func rawSession(t *testing.T, db *dynamodb.Client, table, id string) *session.Session {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + id}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("GetItem(%s) = %v, %v", id, out, err)
	}
	v, err := store.DecodeSession(out.Item)
	if err != nil {
		t.Fatal(err)
	}
	_, indexed := out.Item["expiryShard"]
	if v.Metadata == nil {
		v.Metadata = map[string]string{}
	}
	v.Metadata["expiryShard"] = fmt.Sprint(indexed)
	return v
}

// checkStored holds one stored session (and its family, in stored) to the
// rules of docs/design.md §4 and §8.
func checkStored(t *testing.T, round int, v *session.Session, stored map[string]*session.Session) {
	t.Helper()
	h := v.History
	if len(h) == 0 || h[0].Status != session.Created || h[len(h)-1].Status != v.Status {
		t.Errorf("round %d: %s status %s, history %v", round, v.ID, v.Status, h)
		return
	}
	seen := map[string]bool{}
	for k := 1; k < len(h); k++ {
		from, to := h[k-1].Status, h[k].Status
		if !session.CanTransition(from, to) && !(to == session.Expired && from.Open()) {
			t.Errorf("round %d: %s history step %s -> %s", round, v.ID, from, to)
		}
		if h[k].At.Before(h[k-1].At) {
			t.Errorf("round %d: %s history not oldest first: %v", round, v.ID, h)
		}
		if to == session.Expired && !h[k].At.Equal(v.ExpiresAt) {
			t.Errorf("round %d: %s EXPIRED at %v; expiresAt %v", round, v.ID, h[k].At, v.ExpiresAt)
		}
		if to != session.Expired && !h[k].At.Before(v.ExpiresAt) && from.Open() {
			t.Errorf("round %d: %s %s at %v, from open, at or past expiresAt %v", round, v.ID, to, h[k].At, v.ExpiresAt)
		}
		if e := h[k].EventID; e != "" {
			if seen[e] {
				t.Errorf("round %d: %s event %s applied twice", round, v.ID, e)
			}
			seen[e] = true
		}
	}
	if indexed := v.Metadata["expiryShard"] == "true"; indexed != v.Status.Open() {
		t.Errorf("round %d: %s stored %s with expiry index attribute %v", round, v.ID, v.Status, indexed)
	}
	if v.ParentSessionID != "" {
		parent := stored[v.ParentSessionID]
		for _, c := range h {
			if c.Status != session.Authorised && c.Status != session.Settled {
				continue
			}
			// The parent as it was before c.At (at c.At itself it may
			// have followed the child in the same transaction).
			var ps session.Status
			for _, pc := range parent.History {
				if pc.At.Before(c.At) {
					ps = pc.Status
				}
			}
			if ps == session.Canceled || ps == session.Failed || ps == session.CancelRequested || ps == session.FraudCancellationRequested || ps == session.Expired {
				t.Errorf("round %d: child %s %s at %v under parent %s %v", round, v.ID, c.Status, c.At, ps, parent.History)
			}
		}
		if v.Status.Open() && !parent.Status.Open() && parent.Status != session.Expired && parent.ClosedAt.Add(30*time.Second).Before(v.ExpiresAt) && parent.ChildSessionID == v.ID {
			t.Errorf("round %d: child %s still %s under parent %s closed at %v", round, v.ID, v.Status, parent.Status, parent.ClosedAt)
		}
		if parent.ChildSessionID != v.ID && v.Status.Open() && v.ExpiresAt.After(parent.ClosedAt.Add(30*time.Second)) && !parent.Status.Open() {
			t.Errorf("round %d: replaced child %s still %s", round, v.ID, v.Status)
		}
	}
}

// TestChildCreatedByAContainerBehindItsParents: a parent created by one
// container and its child, a moment later, by another whose clock is
// behind (within maxClockLead). docs/design.md §8: "A change is made no
// earlier than the latest change it read, so a history stays oldest first
// whatever the instances' clocks": the child's creation
// reads the parent, so it is made no earlier than the parent's latest
// change, and its expiresAt (createdAt + SESSION_EXPIRY, no later than the
// parent's) is then the parent's. §4: "A parent's close closes its open
// child, whatever closed the parent ..., in the same transaction". A child
// stamped at the slower clock expired before its parent, so a close of
// the parent in between their guard bands left it open beside its
// CANCELED parent (document 003's read showed both), the child then in a
// guard band the parent was not in.
func TestChildCreatedByAContainerBehindItsParents(t *testing.T) {
	ctx := context.Background()
	guard := 30 * time.Second
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: guard}
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	tests := []struct {
		name   string
		behind time.Duration
	}{
		{"1 ms behind", time.Millisecond},
		{"100 ns behind", 100 * time.Nanosecond},
		{"450 ms behind", 450 * time.Millisecond},
		{"999 ms behind", 999 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(time.Hour)
			a, p, c := familyBehind(t, db, table, policy, clock, tc.behind)
			if c.CreatedAt.Before(p.UpdatedAt) || !c.ExpiresAt.Equal(p.ExpiresAt) {
				t.Errorf("child created at %v expiring at %v; want no earlier than its parent's latest change %v, expiring at the parent's %v", c.CreatedAt, c.ExpiresAt, p.UpdatedAt, p.ExpiresAt)
			}
			// Just before the parent's guard band, by the parent's
			// container: the parent is canceled.
			clock.Set(p.ExpiresAt.Add(-guard - 100*time.Nanosecond))
			if _, err := a.Cancel(ctx, "m-1", p.ID, ""); err != nil {
				t.Fatalf("Cancel(parent) = %v", err)
			}
			parent, child, err := a.GetWithChild(ctx, "m-1", p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if parent.Status != session.Canceled || child == nil || child.Status != session.Canceled {
				var cs session.Status
				if child != nil {
					cs = child.Status
				}
				t.Errorf("after the parent's cancel: parent %s, child %s; want both %s", parent.Status, cs, session.Canceled)
			}
		})
	}
}

// familyBehind creates a parent of merchant m-1 through a store on clock
// (returned) and then its child through a second store whose clock is
// behind by behind, as two Lambda containers on one table.
func familyBehind(t *testing.T, db *dynamodb.Client, table string, policy session.Policy, clock *storetest.Clock, behind time.Duration) (a *store.Store, p, c *session.Session) {
	t.Helper()
	a = store.New(db, table, policy, 16, clock.Now)
	b := store.New(db, table, policy, 16, func() time.Time { return clock.Now().Add(-behind) })
	p, c = createFamily(t, a, b, clock.Now(), clock.Now().Add(-behind), policy)
	return a, p, c
}

// createFamily creates a parent of merchant m-1, drafted at parentAt,
// through parents, then its child, drafted at childAt, through children.
func createFamily(t *testing.T, parents, children *store.Store, parentAt, childAt time.Time, policy session.Policy) (p, c *session.Session) {
	t.Helper()
	ctx := context.Background()
	p = newSession("m-1", "", parentAt, policy)
	if _, _, err := parents.Create(ctx, p, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	c = newSession("m-1", p.ID, childAt, policy)
	if _, _, err := children.Create(ctx, c, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	return p, c
}

// TestChildEventDecidedOnOneInstant: a child's event is decided on the
// child and its parent, read one after the other. When another container's
// event on the child (AUTHORISED, which moves the open parent to
// AUTHORISED in the same transaction) lands between the two reads, the
// pair read is the child before it and the parent after it: a state the
// family never had. Refused on it (PARENT_CLOSED: an open child under a
// parent no longer open), the answer contradicted docs/design.md §2, "An
// eventId already applied is acknowledged with 200 and the session as it
// is", and §8, "A lost race is re-decided on the winner's state": in no
// order of the two events is the second one refused.
func TestChildEventDecidedOnOneInstant(t *testing.T) {
	ctx := context.Background()
	policy := session.Policy{Expiry: 10 * time.Minute, Retention: time.Hour, WriteGuard: 30 * time.Second}
	hook := &afterRead{op: "GetItem"}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	slow := store.New(db, table, policy, 16, clock.Now)
	other := store.New(storetest.Client(t, store.ClientOptions{}), table, policy, 16, clock.Now)
	tests := []struct {
		name       string
		ev         session.Event // the slow container's, after other's AUTHORISED "auth"
		wantChild  session.Status
		wantParent session.Status
	}{
		{"the same eventId", session.Event{Status: session.Authorised, EventID: "auth"}, session.Authorised, session.Authorised},
		{"a settlement", session.Event{Status: session.Settled, EventID: "settle"}, session.Settled, session.Settled},
		{"a settlement without eventId", session.Event{Status: session.Settled}, session.Settled, session.Settled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(time.Minute)
			p, c := createFamily(t, other, other, clock.Now(), clock.Now(), policy)
			clock.Advance(time.Second)
			var otherErr error
			hook.then = func() {
				_, otherErr = other.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised, EventID: "auth"})
			}
			hook.armed.Store(true)
			got, err := slow.ApplyEvent(ctx, "", c.ID, &tc.ev)
			if otherErr != nil {
				t.Fatalf("the other container's AUTHORISED = %v", otherErr)
			}
			if err != nil {
				t.Fatalf("ApplyEvent(%s) after the other container's AUTHORISED = %v (%s); want 200", tc.ev.Status, err, session.ErrorReason(err))
			}
			parent, err := slow.Get(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.wantChild || parent.Status != tc.wantParent {
				t.Errorf("child %s, parent %s; want %s, %s", got.Status, parent.Status, tc.wantChild, tc.wantParent)
			}
		})
	}
}
