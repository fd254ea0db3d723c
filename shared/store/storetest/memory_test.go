// Package storetest_test holds the in-memory store and the fake DynamoDB to
// what they stand in for: the same operations on storetest.Memory and on a
// *store.Store over DynamoDB Local answer alike.
package storetest_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// contractStore is what the handler tests use of a store: the handlers'
// view (httpapi.Store), the authenticator's (auth.APIKeyStore) and the
// harness's seeding.
type contractStore interface {
	httpapi.Store
	auth.APIKeyStore
	Get(ctx context.Context, id string) (*session.Session, error)
	Import(ctx context.Context, v *session.Session) error
	ImportAll(ctx context.Context, vs []*session.Session) error
}

var (
	_ contractStore = (*store.Store)(nil)
	_ contractStore = (*storetest.Memory)(nil)
)

// contractRun is one store going through the script, on its own clock.
type contractRun struct {
	st     contractStore
	clock  *storetest.Clock
	cursor map[string]string // cursors a step kept for a later one
}

var ctx = context.Background()

// id is the n-th session id of the script: the same in every run.
func id(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

func amount(v int64) *int64 { return &v }

// newSession is session n of merchant, made now, a child of parent when
// parent is not 0.
func (r *contractRun) newSession(n int, merchant string, parent int) *session.Session {
	d := &session.Draft{
		Amount: amount(100 * int64(n)), Currency: "EUR", OrderID: fmt.Sprintf("order-%d", n),
		Metadata: map[string]string{}, Provider: json.RawMessage(`{"k":[1,2]}`), CardCategories: []string{},
	}
	if parent != 0 {
		d.ParentSessionID = session.ParentID(id(parent))
	}
	return session.New(d, merchant, id(n), fmt.Sprintf("hcp-%d", n), r.clock.Now(), r.st.Policy())
}

// observe writes down a session or an error, everything a handler could
// render of it: the session's JSON, its version, and its history's
// event ids; an error's code, reason and field.
func observe(v *session.Session, err error) string {
	if err != nil {
		return fmt.Sprintf("error %s %s field=%q", session.ErrorCode(err), session.ErrorReason(err), session.ErrorField(err))
	}
	if v == nil {
		return "nil"
	}
	b, merr := json.Marshal(v)
	if merr != nil {
		return "unrenderable: " + merr.Error()
	}
	var events []string
	for _, c := range v.History {
		events = append(events, c.EventID)
	}
	return fmt.Sprintf("%s version=%d events=%q", b, v.Version, events)
}

func render(v *session.Session) ([]byte, error) { return json.Marshal(v) }

func (r *contractRun) create(n int, merchant string, parent int, idem *store.Idempotency) string {
	v := r.newSession(n, merchant, parent)
	body, replay, err := r.st.Create(ctx, v, idem, 201, render)
	if replay != nil {
		return fmt.Sprintf("replay %s %d %s; %s", replay.SessionID, replay.Status, replay.Body, observe(nil, err))
	}
	if err != nil {
		return observe(nil, err)
	}
	return fmt.Sprintf("body %s; stored %s", body, observe(v, nil))
}

func (r *contractRun) get(n int) string { return observe(r.st.Get(ctx, id(n))) }

// record reads a session as document 004's single read does (GetRecord).
func (r *contractRun) record(merchant string, n int) string {
	return observe(r.st.GetRecord(ctx, merchant, id(n)))
}

func (r *contractRun) getWithChild(merchant string, n int) string {
	v, child, err := r.st.GetWithChild(ctx, merchant, id(n))
	return observe(v, err) + " child " + observe(child, nil)
}

func (r *contractRun) event(n int, status session.Status, eventID string) string {
	return observe(r.st.ApplyEvent(ctx, "", id(n), &session.Event{Status: status, EventID: session.EventID(eventID)}))
}

// fill sends session n open events until its history holds the 90
// entries that refuse the next one (MaxHistory-MaxHistoryReserve), and
// returns the last answer.
func (r *contractRun) fill(n int) string {
	v, err := r.st.Get(ctx, id(n))
	if err != nil {
		return observe(nil, err)
	}
	out := ""
	for i := len(v.History); i < session.MaxHistory-session.MaxHistoryReserve; i++ {
		st := session.Processing
		if i%2 == 1 {
			st = session.Sent
		}
		out = r.event(n, st, "")
	}
	return out
}

func (r *contractRun) cancel(merchant string, n int) string {
	return observe(r.st.Cancel(ctx, merchant, id(n), ""))
}

// list lists a day with a limit, refusing sessions after refuseAfter (0:
// none), and keeps the cursor as name.
func (r *contractRun) list(merchant, day string, limit int, cursor string, refuseAfter int, name string) string {
	d, _ := time.Parse(time.DateOnly, day)
	if c, ok := r.cursor[cursor]; ok {
		cursor = c
	}
	var seen []string
	next, err := r.st.ListByDay(ctx, store.ListQuery{MerchantID: merchant, Day: d, Limit: limit, Cursor: cursor}, func(v *session.Session) bool {
		if refuseAfter > 0 && len(seen) == refuseAfter {
			return false
		}
		seen = append(seen, observe(v, nil))
		return true
	})
	if name != "" {
		r.cursor[name] = next
	}
	return fmt.Sprintf("listed %q next=%v; %s", seen, next != "", observe(nil, err))
}

func (r *contractRun) key(id, secret, merchant string, expires *time.Time) *store.APIKey {
	sum := sha256.Sum256([]byte(secret))
	return &store.APIKey{ID: id, MerchantID: merchant, Scopes: []string{"sessions:read"}, SecretHash: sum[:], CreatedAt: r.clock.Now(), ExpiresAt: expires}
}

func observeKey(k *store.APIKey, err error) string {
	if err != nil {
		return observe(nil, err)
	}
	return fmt.Sprintf("%s %s %v %x created=%s expires=%v revoked=%v", k.ID, k.MerchantID, k.Scopes, k.SecretHash,
		k.CreatedAt.UTC().Format(time.RFC3339Nano), k.ExpiresAt != nil, k.RevokedAt != nil)
}

// contractScript is what the handlers rely on of a store, step by step:
// each step's observation must be the same on Memory as on store.Store.
var contractScript = []struct {
	name string
	do   func(r *contractRun) string
}{
	// Idempotency: the first response is remembered with the key and the
	// request's hash; the same key with another request is refused.
	{"create with a key", func(r *contractRun) string {
		return r.create(1, "m-1", 0, &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h-1"})
	}},
	{"the key again", func(r *contractRun) string {
		return r.create(2, "m-1", 0, &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h-1"})
	}},
	{"the key with another body", func(r *contractRun) string {
		return r.create(3, "m-1", 0, &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h-2"})
	}},
	{"another merchant's same key", func(r *contractRun) string {
		return r.create(4, "m-2", 0, &store.Idempotency{MerchantID: "m-2", Key: "k-1", RequestHash: "h-2"})
	}},
	{"the replayed create stored nothing", func(r *contractRun) string { return r.get(2) }},
	{"create without a key", func(r *contractRun) string { return r.create(5, "m-1", 0, nil) }},
	{"get", func(r *contractRun) string { return r.get(5) }},
	{"get an unknown id", func(r *contractRun) string { return r.get(99) }},
	{"a record", func(r *contractRun) string { return r.record("m-1", 5) }},
	{"another merchant's record", func(r *contractRun) string { return r.record("m-2", 5) }},
	{"an unknown record", func(r *contractRun) string { return r.record("m-1", 99) }},
	{"import over an existing id", func(r *contractRun) string {
		return observe(nil, r.st.Import(ctx, r.newSession(5, "m-1", 0)))
	}},

	// Parent and child.
	{"create a child", func(r *contractRun) string { return r.create(10, "m-1", 1, nil) }},
	{"the parent is linked", func(r *contractRun) string { return r.get(1) }},
	{"a second open child", func(r *contractRun) string { return r.create(11, "m-1", 1, nil) }},
	{"a child of a child", func(r *contractRun) string { return r.create(12, "m-1", 10, nil) }},
	{"a child of another merchant's session", func(r *contractRun) string { return r.create(13, "m-2", 1, nil) }},
	{"a child of no session", func(r *contractRun) string { return r.create(14, "m-1", 98, nil) }},
	{"parent and child at one instant", func(r *contractRun) string { return r.getWithChild("m-1", 1) }},
	{"another merchant's session with its child", func(r *contractRun) string { return r.getWithChild("m-2", 1) }},
	{"a session without a child", func(r *contractRun) string { return r.getWithChild("m-1", 5) }},
	{"an unknown session with its child", func(r *contractRun) string { return r.getWithChild("m-1", 99) }},

	// Events: a retried eventId is acknowledged; a child's authorisation
	// moves its parent.
	{"event", func(r *contractRun) string { return r.event(10, session.Processing, "e-1") }},
	{"the same event again", func(r *contractRun) string { return r.event(10, session.Processing, "e-1") }},
	{"the child authorised", func(r *contractRun) string { return r.event(10, session.Authorised, "e-2") }},
	{"the parent moved with it", func(r *contractRun) string { return r.getWithChild("m-1", 1) }},
	{"the child's record", func(r *contractRun) string { return r.record("m-1", 10) }},
	{"an event the status refuses", func(r *contractRun) string { return r.event(10, session.Processing, "e-3") }},
	{"an applied event retried after the close", func(r *contractRun) string {
		return r.event(10, session.Processing, "e-1")
	}},
	{"an event on an unknown session", func(r *contractRun) string { return r.event(99, session.Processing, "") }},

	// Cancels: ownership, CANCEL_REQUESTED, a parent's close closes its
	// open child.
	{"another merchant's cancel", func(r *contractRun) string { return r.cancel("m-2", 10) }},
	{"cancel an authorised session", func(r *contractRun) string { return r.cancel("m-1", 10) }},
	{"cancel it again", func(r *contractRun) string { return r.cancel("m-1", 10) }},
	// A parent that shows its child's money follows the child.
	{"the parent followed the cancel request", func(r *contractRun) string { return r.getWithChild("m-1", 1) }},
	{"the cancel declined", func(r *contractRun) string { return r.event(10, session.Authorised, "e-5") }},
	{"the parent followed it back", func(r *contractRun) string { return r.get(1) }},
	{"a following parent whose history is nearly full", func(r *contractRun) string {
		out := r.create(40, "m-1", 0, nil)
		for i := 0; i < session.MaxHistory-session.MaxHistoryReserve-3; i++ {
			st := session.Processing
			if i%2 == 1 {
				st = session.Sent
			}
			out += "; " + r.event(40, st, "")
		}
		return out + "; " + r.create(41, "m-1", 40, nil) + "; " + r.event(41, session.Authorised, "") +
			"; " + r.cancel("m-1", 41) + "; " + r.event(41, session.Authorised, "")
	}},
	{"the child's cancel it cannot follow changed nothing", func(r *contractRun) string { return r.getWithChild("m-1", 40) }},
	{"the child's money still closes, the parent with it", func(r *contractRun) string {
		return r.event(41, session.Canceled, "") + "; " + r.get(40)
	}},
	// Full histories (README, "History is bounded by refusing, not
	// trimming"): a session its own open events filled to 90 entries
	// takes no more of them, but takes a child, follows that child's
	// money, and closes with its open child by any cause; a child so
	// filled still takes its money, its parent following.
	{"a parent its own open events filled", func(r *contractRun) string { return r.create(50, "m-1", 0, nil) + "; " + r.fill(50) }},
	{"one more open event on it", func(r *contractRun) string { return r.event(50, session.Processing, "") }},
	{"a child of the full parent", func(r *contractRun) string { return r.create(51, "m-1", 50, nil) }},
	{"that child authorised, the full parent with it", func(r *contractRun) string {
		return r.event(51, session.Authorised, "") + "; " + r.get(50)
	}},
	{"that child settled, the full parent following", func(r *contractRun) string {
		return r.event(51, session.Settled, "") + "; " + r.get(50)
	}},
	{"a full parent canceled by its merchant closes its open child", func(r *contractRun) string {
		return r.create(52, "m-1", 0, nil) + "; " + r.fill(52) + "; " + r.create(53, "m-1", 52, nil) + "; " +
			r.cancel("m-1", 52) + "; " + r.get(53)
	}},
	{"a full parent settled by its processor closes its open child", func(r *contractRun) string {
		return r.create(54, "m-1", 0, nil) + "; " + r.fill(54) + "; " + r.create(55, "m-1", 54, nil) + "; " +
			r.event(54, session.Settled, "") + "; " + r.get(55)
	}},
	{"a full child's money, its parent following", func(r *contractRun) string {
		return r.create(56, "m-1", 0, nil) + "; " + r.create(57, "m-1", 56, nil) + "; " + r.fill(57) + "; " +
			r.event(57, session.Authorised, "") + "; " + r.get(56) + "; " + r.event(57, session.Settled, "") + "; " + r.get(56)
	}},
	{"a full child closed with its parent", func(r *contractRun) string {
		return r.create(58, "m-1", 0, nil) + "; " + r.create(59, "m-1", 58, nil) + "; " + r.fill(59) + "; " +
			r.event(58, session.Failed, "") + "; " + r.get(59)
	}},
	{"a parent for a cancel", func(r *contractRun) string { return r.create(20, "m-1", 0, nil) }},
	{"its child", func(r *contractRun) string { return r.create(21, "m-1", 20, nil) }},
	{"cancel the parent", func(r *contractRun) string { return r.cancel("m-1", 20) }},
	{"the child closed with it", func(r *contractRun) string { return r.get(21) }},
	{"a parent for an event", func(r *contractRun) string { return r.create(22, "m-1", 0, nil) }},
	{"its child too", func(r *contractRun) string { return r.create(23, "m-1", 22, nil) }},
	{"the parent fails", func(r *contractRun) string { return r.event(22, session.Failed, "e-4") }},
	{"that child closed too", func(r *contractRun) string { return r.getWithChild("m-1", 22) }},
	{"a child of a canceled parent", func(r *contractRun) string { return r.create(24, "m-1", 20, nil) }},
	{"an open parent for a closed child", func(r *contractRun) string { return r.create(25, "m-1", 0, nil) }},
	{"whose child is canceled", func(r *contractRun) string { return r.create(26, "m-1", 25, nil) }},
	{"the child canceled alone", func(r *contractRun) string { return r.cancel("m-1", 26) }},
	{"a new child for that parent", func(r *contractRun) string { return r.create(27, "m-1", 25, nil) }},

	// The item size.
	{"an event too large to store", func(r *contractRun) string {
		big := map[string]string{}
		for i := range 100 {
			big[fmt.Sprintf("k%03d", i)] = strings.Repeat("😀", 1000)
		}
		return observe(r.st.ApplyEvent(ctx, "", id(5), &session.Event{Status: session.Processing, ResultData: big}))
	}},
	{"unchanged after it", func(r *contractRun) string { return r.get(5) }},

	// Keys.
	{"create a key", func(r *contractRun) string {
		return observe(nil, r.st.CreateAPIKey(ctx, r.key("00000000000000a1", "s-1", "m-1", nil)))
	}},
	{"the same key again (a retried write)", func(r *contractRun) string {
		return observe(nil, r.st.CreateAPIKey(ctx, r.key("00000000000000a1", "s-1", "m-1", nil)))
	}},
	{"another key with its id", func(r *contractRun) string {
		return observe(nil, r.st.CreateAPIKey(ctx, r.key("00000000000000a1", "s-2", "m-1", nil)))
	}},
	{"read the key", func(r *contractRun) string { return observeKey(r.st.APIKey(ctx, "00000000000000a1")) }},
	{"read an unknown key", func(r *contractRun) string { return observeKey(r.st.APIKey(ctx, "00000000000000ff")) }},
	{"another merchant revokes it", func(r *contractRun) string {
		return observe(nil, r.st.DeleteAPIKey(ctx, "m-2", "00000000000000a1"))
	}},
	{"revoke it", func(r *contractRun) string { return observe(nil, r.st.DeleteAPIKey(ctx, "m-1", "00000000000000a1")) }},
	{"a revoked key reads as unknown", func(r *contractRun) string { return observeKey(r.st.APIKey(ctx, "00000000000000a1")) }},
	{"revoke it again", func(r *contractRun) string { return observe(nil, r.st.DeleteAPIKey(ctx, "m-1", "00000000000000a1")) }},
	{"another merchant revokes it once revoked", func(r *contractRun) string {
		return observe(nil, r.st.DeleteAPIKey(ctx, "m-2", "00000000000000a1"))
	}},
	{"revoke an unknown key", func(r *contractRun) string { return observe(nil, r.st.DeleteAPIKey(ctx, "m-1", "00000000000000ff")) }},
	{"a key that expires", func(r *contractRun) string {
		exp := r.clock.Now().Add(time.Minute)
		return observe(nil, r.st.CreateAPIKey(ctx, r.key("00000000000000a2", "s-3", "m-1", &exp)))
	}},

	// The list of a day, before time moves.
	{"a session of a listed day", func(r *contractRun) string { return r.create(30, "m-1", 0, nil) }},
	{"another", func(r *contractRun) string { r.clock.Advance(time.Millisecond); return r.create(31, "m-1", 0, nil) }},
	{"another merchant's", func(r *contractRun) string { return r.create(32, "m-2", 0, nil) }},
	{"a third, canceled", func(r *contractRun) string {
		r.clock.Advance(time.Millisecond)
		return r.create(33, "m-1", 0, nil) + r.cancel("m-1", 33)
	}},
	{"a fourth", func(r *contractRun) string { r.clock.Advance(time.Millisecond); return r.create(34, "m-1", 0, nil) }},
	{"list the whole day", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 0, "", 0, "") }},
	{"list a page", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 3, "", 0, "p1") }},
	{"list the next page", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 3, "p1", 0, "p2") }},
	{"list the page after", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 3, "p2", 0, "p3") }},
	{"an answer that fills up", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 0, "", 2, "full") }},
	{"the rest of it", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 0, "full", 0, "") }},
	{"another merchant's day", func(r *contractRun) string { return r.list("m-2", "2026-11-23", 0, "", 0, "") }},
	{"a day without sessions", func(r *contractRun) string { return r.list("m-1", "2026-11-24", 0, "", 0, "") }},
	{"a cursor of another merchant", func(r *contractRun) string { return r.list("m-2", "2026-11-23", 3, "p1", 0, "") }},
	{"a cursor of another day", func(r *contractRun) string { return r.list("m-1", "2026-11-24", 3, "p1", 0, "") }},
	{"no cursor at all", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 3, "!!", 0, "") }},

	// Time: the guard band, expiry on read, retention, the list's
	// entries of sessions gone.
	{"the guard band", func(r *contractRun) string {
		r.clock.Set(t0.Add(30*time.Minute - 3*time.Second))
		return r.event(5, session.Processing, "e-5") + " " + r.get(5)
	}},
	{"a cancel in the guard band", func(r *contractRun) string { return r.cancel("m-1", 5) }},
	{"a child in the parent's guard band", func(r *contractRun) string { return r.create(40, "m-1", 5, nil) }},
	{"expired on read", func(r *contractRun) string {
		r.clock.Set(t0.Add(30 * time.Minute))
		return r.get(5) + " " + r.getWithChild("m-1", 25)
	}},
	{"an event after expiry", func(r *contractRun) string { return r.event(5, session.Processing, "e-6") }},
	{"an expired key reads as it is", func(r *contractRun) string { return observeKey(r.st.APIKey(ctx, "00000000000000a2")) }},
	{"list while some are gone", func(r *contractRun) string {
		r.clock.Set(t0.Add(31 * time.Minute))
		return r.list("m-1", "2026-11-23", 0, "", 0, "")
	}},
	{"page over a gone session", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 2, "", 0, "g1") }},
	{"its next page", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 2, "g1", 0, "g2") }},
	{"and the next", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 2, "g2", 0, "g3") }},
	{"past retention", func(r *contractRun) string {
		r.clock.Set(t0.Add(45 * time.Minute))
		return r.get(5) + " " + r.getWithChild("m-1", 1) + " " + r.event(5, session.Failed, "e-7") + " " + r.cancel("m-1", 5)
	}},
	{"a child of a session past retention", func(r *contractRun) string { return r.create(41, "m-1", 5, nil) }},
	{"list after retention", func(r *contractRun) string { return r.list("m-1", "2026-11-23", 0, "", 0, "") }},
	{"the key is free again after 24 hours", func(r *contractRun) string {
		r.clock.Set(t0.Add(24*time.Hour + time.Second))
		return r.create(50, "m-1", 0, &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h-3"})
	}},
	{"and remembered anew", func(r *contractRun) string {
		return r.create(51, "m-1", 0, &store.Idempotency{MerchantID: "m-1", Key: "k-1", RequestHash: "h-3"})
	}},

	// Imports keep what they are given.
	{"import a document's example", func(r *contractRun) string {
		v := r.newSession(60, "m-1", 0)
		v.CreatedAt, v.ExpiresAt = t0.Add(-time.Hour), t0.Add(48*time.Hour)
		v.History[0].At = v.CreatedAt
		return observe(nil, r.st.Import(ctx, v)) + " " + r.get(60)
	}},
	{"import many", func(r *contractRun) string {
		a, b := r.newSession(61, "m-1", 0), r.newSession(62, "m-1", 0)
		err := r.st.ImportAll(ctx, []*session.Session{a, b})
		return observe(nil, err) + " " + r.get(61) + " " + r.list("m-1", r.clock.Now().Format(time.DateOnly), 0, "", 0, "")
	}},

	// A change is never entered before one already made (store.Txn.Now):
	// a child created on an instance whose clock is behind its parent's
	// last change is created at that change's instant, and so is its
	// Idempotency-Key record, whose expiry is rounded up to the second.
	{"a parent changed by an instance whose clock is ahead", func(r *contractRun) string {
		r.clock.Set(t0.Add(48*time.Hour + 300*time.Millisecond))
		out := r.create(70, "m-1", 0, nil)
		r.clock.Set(t0.Add(48*time.Hour + 1100*time.Millisecond))
		return out + "; " + r.event(70, session.Processing, "e-70")
	}},
	{"its child, created with a key on an instance behind it", func(r *contractRun) string {
		r.clock.Set(t0.Add(48*time.Hour + 600*time.Millisecond))
		return r.create(71, "m-1", 70, &store.Idempotency{MerchantID: "m-1", Key: "k-7", RequestHash: "h-7"}) + "; " + r.get(70)
	}},
	{"the key a day after the parent's change, plus 0.4 s", func(r *contractRun) string {
		r.clock.Set(t0.Add(72*time.Hour + 1500*time.Millisecond))
		return r.create(72, "m-1", 0, &store.Idempotency{MerchantID: "m-1", Key: "k-7", RequestHash: "h-7"})
	}},
	// The same rule, where a later instant allows what the clock would
	// refuse: a parent's open child (made under a shorter SESSION_EXPIRY)
	// has expired by the parent's last change, made by an instance whose
	// clock is ahead; a new child created behind that change is judged at
	// it, so the expired child no longer blocks it.
	{"a parent whose child expires first", func(r *contractRun) string {
		r.clock.Set(t0.Add(96 * time.Hour))
		out := r.create(80, "m-1", 0, nil)
		v := r.newSession(81, "m-1", 80)
		v.ExpiresAt = r.clock.Now().Add(10 * time.Minute)
		body, _, err := r.st.Create(ctx, v, nil, 201, render)
		return out + "; " + string(body) + observe(nil, err)
	}},
	{"the parent changed after its child expired, by an instance ahead", func(r *contractRun) string {
		r.clock.Set(t0.Add(96*time.Hour + 10*time.Minute + 500*time.Millisecond))
		return r.event(80, session.Processing, "e-80")
	}},
	{"a new child, created behind that change", func(r *contractRun) string {
		r.clock.Set(t0.Add(96*time.Hour + 10*time.Minute - 300*time.Millisecond))
		return r.create(82, "m-1", 80, nil) + "; " + r.getWithChild("m-1", 80)
	}},
}

// TestMemoryAgreesWithStore holds storetest.Memory to store.Store on
// DynamoDB Local: the same script, step by step, must give the same
// sessions, errors, replays, keys and lists on both — what makes the
// handler tests that run on Memory mean what they would mean on DynamoDB.
func TestMemoryAgreesWithStore(t *testing.T) {
	real, mem := newContractRuns(t)
	for _, step := range contractScript {
		want, got := step.do(real), step.do(mem)
		if got != want {
			t.Errorf("%s:\nMemory:      %s\nstore.Store: %s", step.name, got, want)
		}
	}
}

// newContractRuns returns a run on store.Store over a fresh DynamoDB Local
// table and one on storetest.Memory, each with its own clock at t0. The
// script runs one step at a time on a clock that stands still: a refusal
// in a guard band reads again at once, where the store would sleep until
// expiresAt in real time for writes in flight that cannot exist here.
func newContractRuns(t *testing.T) (real, mem *contractRun) {
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	real = &contractRun{clock: storetest.NewClock(t0), cursor: map[string]string{}}
	real.st = store.New(db, table, session.DefaultPolicy, 16, real.clock.Now,
		store.SettleWait(func(context.Context, time.Duration) error { return nil }))
	mem = &contractRun{clock: storetest.NewClock(t0), cursor: map[string]string{}}
	mem.st = storetest.NewMemory(session.DefaultPolicy, mem.clock.Now)
	return real, mem
}
