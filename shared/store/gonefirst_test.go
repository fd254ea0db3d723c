package store_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// goneOps are foreignOps of a session past its retention: every read and
// write finds it gone, as Store.Get's doc says ("A session past its
// retention is ENOTFOUND, whether or not TTL has deleted it"): ENOTFOUND,
// a child's create the 400 of a parent that is no session of the
// merchant's, and the day's list succeeds (listing nothing:
// expectNothingListed).
func goneOps(st sessionStore, v *session.Session, merchant string) []foreignOp {
	ops := foreignOps(st, v, merchant, true)
	for i := range ops {
		switch {
		case strings.HasPrefix(ops[i].name, "Create(child"):
			ops[i].want = session.EINVALID
		case strings.HasPrefix(ops[i].name, "ListByDay"):
			ops[i].want = ""
		default:
			ops[i].want = session.ENOTFOUND
		}
	}
	return ops
}

// expectNothingListed lists v's day for merchant, whose only session v
// is, and expects it to list nothing.
func expectNothingListed(t *testing.T, st sessionStore, v *session.Session, merchant string) {
	t.Helper()
	var listed []string
	if _, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: merchant, Day: v.CreatedAt}, func(v *session.Session) bool {
		listed = append(listed, v.ID)
		return true
	}); err != nil {
		t.Fatalf("ListByDay(%s) = %v; want no error", merchant, err)
	}
	if len(listed) != 0 {
		t.Errorf("ListByDay(%s) listed %v; want nothing (gone)", merchant, listed)
	}
}

// TestForeignItemsPastRetentionAreGone: a read judged an item before its
// retention, so an item the store cannot decode (damaged by hand, or
// written under a rule a later release tightened) was 500 at every read
// and write past its retention, until TTL deleted it (days at AWS, never
// on DynamoDB Local), where every session past its retention is 404
// (r107-review: tx-\uffff-1 planted in such an item on make run). Each row
// plants one damage on a session in one state and expects every
// operation to refuse it (500) a nanosecond before the end of its
// retention and to find it gone from that instant on, through the
// store's items and storetest.Memory alike; an item whose own time
// attributes are damaged says nothing of its end, and stays 500.
func TestForeignItemsPastRetentionAreGone(t *testing.T) {
	ctx := context.Background()
	damages := []struct {
		name   string
		shown  bool // document 004 shows the field
		change func(v *session.Session)
	}{
		{"transactionId noncharacter", true, func(v *session.Session) { v.TransactionID = "tx-\uffff-1" }},
		{"statusReason card number", true, func(v *session.Session) { v.StatusReason = "paid with 4111111111111111" }},
		{"provider member twice", false, func(v *session.Session) { v.Provider = []byte(`{"a":1,"a":2}`) }},
		{"history status not canonical", false, func(v *session.Session) { v.History[0].Status = "PAID" }},
	}
	states := []struct {
		name string
		// make stores a session of merchant in the state at t0 and
		// returns it and the end of its retention.
		make func(t *testing.T, f *fixture, merchant string) (*session.Session, time.Time)
		// item changes its stored item as an earlier release wrote it
		// (nil: as this one writes it).
		item func(map[string]ddb.AttributeValue)
	}{
		{"open", func(t *testing.T, f *fixture, merchant string) (*session.Session, time.Time) {
			v := f.create(t, merchant)
			return v, v.ExpiresAt.Add(session.DefaultPolicy.Retention)
		}, nil},
		// A release before purgeAt was read back wrote none: the end is
		// expiresAt + the retention the reader runs with.
		{"open, without purgeAt", func(t *testing.T, f *fixture, merchant string) (*session.Session, time.Time) {
			v := f.create(t, merchant)
			return v, v.ExpiresAt.Add(session.DefaultPolicy.Retention)
		}, func(item map[string]ddb.AttributeValue) { delete(item, "purgeAt") }},
		{"open, purgeAt empty", func(t *testing.T, f *fixture, merchant string) (*session.Session, time.Time) {
			v := f.create(t, merchant)
			return v, v.ExpiresAt.Add(session.DefaultPolicy.Retention)
		}, func(item map[string]ddb.AttributeValue) { item["purgeAt"] = &ddb.AttributeValueMemberS{Value: ""} }},
		{"authorised", func(t *testing.T, f *fixture, merchant string) (*session.Session, time.Time) {
			v := f.create(t, merchant)
			f.clock.Advance(time.Minute)
			v, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "e-1"})
			if err != nil {
				t.Fatal(err)
			}
			return v, v.RetainUntil
		}, nil},
		{"canceled", func(t *testing.T, f *fixture, merchant string) (*session.Session, time.Time) {
			v := f.create(t, merchant)
			f.clock.Advance(time.Minute)
			v, err := f.st.Cancel(ctx, merchant, v.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			return v, v.RetainUntil
		}, nil},
	}
	model := store.New(nil, "model", session.DefaultPolicy, 16, func() time.Time { return t0 })
	f := newFixture(t)
	for _, st := range states {
		for _, d := range damages {
			merchant := "m-gone-" + uuid.NewString()[:8] // a day list of its own
			t.Run(st.name+"/"+d.name, func(t *testing.T) {
				f.clock.Set(t0)
				v, end := st.make(t, f, merchant)
				if st.item != nil {
					f.plantChanged(t, v, st.item)
					// Undamaged, the earlier release's item reads.
					if _, err := f.st.Get(ctx, v.ID); err != nil {
						t.Fatalf("Get() of the earlier release's item = %v; want it read", err)
					}
				}
				changed := v.Clone()
				d.change(changed)
				damage := itemChangedTo(t, model, v, changed)
				if st.item != nil {
					damage = func(item map[string]ddb.AttributeValue) {
						itemChangedTo(t, model, v, changed)(item)
						st.item(item)
					}
				}
				t.Run("store", func(t *testing.T) {
					f.clock.Set(end.Add(-time.Nanosecond))
					f.expectForeign(t, v, merchant, d.shown, damage)
					f.clock.Set(end)
					expectForeignOps(t, goneOps(f.st, v, merchant))
					expectNothingListed(t, f.st, v, merchant)
				})
				t.Run("memory", func(t *testing.T) {
					clock := storetest.NewClock(end.Add(-time.Nanosecond))
					m := storetest.NewMemory(session.DefaultPolicy, clock.Now)
					m.Plant(changed)
					expectForeignOps(t, foreignOps(m, changed, merchant, d.shown))
					clock.Set(end)
					expectForeignOps(t, goneOps(m, changed, merchant))
					expectNothingListed(t, m, changed, merchant)
				})
			})
		}
	}
}

// TestItemsWhoseTimesAreDamagedAreNeverGone: an item whose own time
// attributes (those the end of its retention is read from:
// session.Session.PurgeAt) the store does not write so says nothing of
// when it is gone, so a read refuses it (500) at the instant its
// undamaged twin is gone and a day later, rather than guess.
func TestItemsWhoseTimesAreDamagedAreNeverGone(t *testing.T) {
	ctx := context.Background()
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	tests := []struct {
		name   string
		closed bool
		change func(item map[string]ddb.AttributeValue)
	}{
		{"status not canonical", true, func(item map[string]ddb.AttributeValue) { item["status"] = s("PAID") }},
		{"status a number", true, func(item map[string]ddb.AttributeValue) { item["status"] = &ddb.AttributeValueMemberN{Value: "1"} }},
		{"retainUntil of another form", true, func(item map[string]ddb.AttributeValue) {
			item["retainUntil"] = s(strings.Replace(item["retainUntil"].(*ddb.AttributeValueMemberS).Value, "Z", "+00:00", 1))
		}},
		{"retainUntil absent", true, func(item map[string]ddb.AttributeValue) { delete(item, "retainUntil") }},
		{"purgeAt a number", false, func(item map[string]ddb.AttributeValue) { item["purgeAt"] = &ddb.AttributeValueMemberN{Value: "1"} }},
		{"purgeAt of another form", false, func(item map[string]ddb.AttributeValue) { item["purgeAt"] = s("2026-11-23T10:45:00Z") }},
		{"expiresAt of another form, without purgeAt", false, func(item map[string]ddb.AttributeValue) {
			delete(item, "purgeAt")
			item["expiresAt"] = s("2026-11-23T10:30:00Z")
		}},
		{"expiresAt absent, without purgeAt", false, func(item map[string]ddb.AttributeValue) {
			delete(item, "purgeAt")
			delete(item, "expiresAt")
		}},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			merchant := "m-times-" + uuid.NewString()[:8]
			f.clock.Set(t0)
			v := f.create(t, merchant)
			end := v.ExpiresAt.Add(session.DefaultPolicy.Retention)
			if tt.closed {
				var err error
				if v, err = f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "e-1"}); err != nil {
					t.Fatal(err)
				}
				end = v.RetainUntil
			}
			f.plantChanged(t, v, tt.change)
			for _, at := range []time.Time{end, end.Add(24 * time.Hour)} {
				f.clock.Set(at)
				ops := foreignOps(f.st, v, merchant, true)
				if at != end {
					// A day on, the list's index no longer returns the
					// entry (listUntil): the day lists nothing.
					ops = ops[:len(ops)-1]
				}
				for _, op := range ops {
					if got := session.ErrorCode(op.call()); got != op.want {
						t.Errorf("at end of retention + %v: %s: got %q; want %q", at.Sub(end), op.name, got, op.want)
					}
				}
			}
		})
	}
}

// TestExpiredIdempotencyRecordIsFreeHoweverItReads: an Idempotency-Key's
// record past its expiry leaves the key free however its other attributes
// read, so a read rule tightened on records waits only for their 24 hours
// (README, Decisions): the create's write condition judges its
// expiresAtEpoch alone, and the record is read (and judged) only when
// that condition refuses the write. Before its expiry it is the store's
// 500.
func TestExpiredIdempotencyRecordIsFreeHoweverItReads(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(item map[string]ddb.AttributeValue)
	}{
		{"status a string", func(item map[string]ddb.AttributeValue) { item["status"] = &ddb.AttributeValueMemberS{Value: "201"} }},
		{"sessionId not a session id", func(item map[string]ddb.AttributeValue) {
			item["sessionId"] = &ddb.AttributeValueMemberS{Value: "4111111111111111"}
		}},
		{"body a list of numbers", func(item map[string]ddb.AttributeValue) {
			item["body"] = &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{&ddb.AttributeValueMemberN{Value: "123"}}}
		}},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Set(t0)
			idem := f.rememberedChanged(t, tt.change)
			f.clock.Set(t0.Add(store.IdempotencyTTL - time.Minute))
			if _, r, err := f.st.Create(ctx, f.newDraftSession("m-1", ""), idem, 201, idBody); session.ErrorCode(err) != session.EINTERNAL {
				t.Errorf("Create() before the key's expiry = %+v, %v: got %q; want %q", r, err, session.ErrorCode(err), session.EINTERNAL)
			}
			f.clock.Set(t0.Add(store.IdempotencyTTL + time.Second))
			v := f.newDraftSession("m-1", "")
			if _, r, err := f.st.Create(ctx, v, idem, 201, idBody); err != nil || r != nil {
				t.Fatalf("Create() past the key's expiry = %+v, %v; want a new session", r, err)
			}
			if _, err := f.st.Get(ctx, v.ID); err != nil {
				t.Errorf("Get() of the new session = %v; want it stored", err)
			}
		})
	}
}

// familyAtT0 stores, at t0, a parent and its child of a merchant of
// their own (a day list of their own).
func (f *fixture) familyAtT0(t *testing.T) (merchant string, parent, child *session.Session) {
	t.Helper()
	merchant = "m-family-" + uuid.NewString()[:8]
	f.clock.Set(t0)
	parent = f.create(t, merchant)
	return merchant, parent, f.createChild(t, parent)
}

// TestForeignChildPastRetentionIsGone: a child past its retention no
// longer exists for its parent either, however its other attributes read
// and however it is linked. Judged before its retention, an open parent
// whose closed child held a value the store refuses was 500 at its
// document-003 read, its cancel and its next child's create once the
// child was gone (r108-seeds013, on both local servers: tx-\uffff-1
// planted in the child), where a gone child is none; and so was one whose
// closed child, decodable, names another parent or merchant
// (foreignChild judged the link before the child's retention:
// r108-gonefirst). Each write is made on a family of its own, the parent
// still linking the gone child: the next child's create, the parent's
// cancel (which closes the child it links: closeOpenChild).
// storetest.Memory keeps no link to judge (it never refuses one): only a
// damage it can hold is planted there.
func TestForeignChildPastRetentionIsGone(t *testing.T) {
	ctx := context.Background()
	model := store.New(nil, "model", session.DefaultPolicy, 16, func() time.Time { return t0 })
	damages := []struct {
		name   string
		memory bool // storetest.Memory holds this damage
		change func(child *session.Session)
	}{
		{"transactionId noncharacter", true, func(c *session.Session) { c.TransactionID = "tx-\uffff-1" }},
		{"parentSessionId another session", false, func(c *session.Session) { c.ParentSessionID = uuid.NewString() }},
		{"merchantId another merchant", false, func(c *session.Session) { c.MerchantID = "m-other" }},
	}
	f := newFixture(t)
	writes := []struct {
		name string
		call func(s sessionStore, merchant string, parent *session.Session) error
	}{
		{"Create(a next child)", func(s sessionStore, merchant string, parent *session.Session) error {
			_, _, err := s.Create(ctx, f.newDraftSession(merchant, parent.ID), nil, 0, nil)
			return err
		}},
		{"Cancel(parent)", func(s sessionStore, merchant string, parent *session.Session) error {
			v, err := s.Cancel(ctx, merchant, parent.ID, "")
			if err == nil && v.Status != session.Canceled {
				t.Errorf("Cancel(parent) = %s; want it CANCELED", v.Status)
			}
			return err
		}},
	}
	for _, d := range damages {
		for _, w := range writes {
			t.Run(d.name+"/"+w.name, func(t *testing.T) {
				merchant, parent, child := f.familyAtT0(t)
				f.clock.Advance(time.Minute)
				child, err := f.st.Cancel(ctx, merchant, child.ID, "")
				if err != nil {
					t.Fatal(err)
				}
				changed := child.Clone()
				d.change(changed)
				f.plantChanged(t, child, itemChangedTo(t, model, child, changed))
				p, err := f.st.Get(ctx, parent.ID)
				if err != nil {
					t.Fatal(err)
				}
				stores := []struct {
					name string
					s    sessionStore
				}{{"store", f.st}}
				if d.memory {
					m := storetest.NewMemory(session.DefaultPolicy, f.clock.Now)
					m.Plant(p)
					m.Plant(changed)
					stores = append(stores, struct {
						name string
						s    sessionStore
					}{"memory", m})
				}
				for _, st := range stores {
					t.Run(st.name, func(t *testing.T) {
						f.clock.Set(child.RetainUntil.Add(-time.Nanosecond))
						if _, _, err := st.s.GetWithChild(ctx, merchant, parent.ID); session.ErrorCode(err) != session.EINTERNAL {
							t.Errorf("GetWithChild() before the child's end = %v; want %q", err, session.EINTERNAL)
						}
						f.clock.Set(child.RetainUntil)
						v, c, err := st.s.GetWithChild(ctx, merchant, parent.ID)
						if err != nil || v == nil || v.Status != session.Created || c != nil {
							t.Errorf("GetWithChild() at the child's end = %v, %v, %v; want the open parent and no child", v, c, err)
						}
						if err := w.call(st.s, merchant, parent); err != nil {
							t.Errorf("%s = %v; want it made", w.name, err)
						}
					})
				}
			})
		}
	}
}

// TestForeignParentPastRetentionIsGone: a child's change that reads its
// parent (session.NeedsParent) finds a parent past its retention gone,
// however its other attributes read and whichever merchant it names, as
// it finds an undamaged one gone: an open child's AUTHORISED is refused
// PARENT_CLOSED, an AUTHORISED child's cancel leaves the parent alone.
// Judged before its retention, a parent naming another merchant
// (foreignParent) was 500 at both until TTL deleted it (r108-gonefirst).
// Each row plants the parent closed, its retention ended, over its child
// (a state no release writes: a closed parent closes its open child, and
// follows its AUTHORISED one, so only an item written behind the store's
// back holds it).
func TestForeignParentPastRetentionIsGone(t *testing.T) {
	ctx := context.Background()
	model := store.New(nil, "model", session.DefaultPolicy, 16, func() time.Time { return t0 })
	damages := []struct {
		name   string
		change func(parent *session.Session)
	}{
		{"undamaged", func(*session.Session) {}},
		{"transactionId noncharacter", func(p *session.Session) { p.TransactionID = "tx-\uffff-1" }},
		{"merchantId another merchant", func(p *session.Session) { p.MerchantID = "m-other" }},
	}
	changes := []struct {
		name       string
		authorised bool // the child is AUTHORISED before the parent is planted
		change     func(f *fixture, merchant string, child *session.Session) error
		want       string // the error's reason, "" for none
	}{
		{"AUTHORISED event of an open child", false, func(f *fixture, _ string, c *session.Session) error {
			_, err := f.st.ApplyEvent(ctx, "", c.ID, &session.Event{Status: session.Authorised})
			return err
		}, session.ReasonParentClosed},
		{"cancel of an AUTHORISED child", true, func(f *fixture, merchant string, c *session.Session) error {
			_, err := f.st.Cancel(ctx, merchant, c.ID, "")
			return err
		}, ""},
	}
	f := newFixture(t)
	for _, d := range damages {
		for _, ch := range changes {
			t.Run(d.name+"/"+ch.name, func(t *testing.T) {
				merchant, parent, child := f.familyAtT0(t)
				if ch.authorised {
					if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised, EventID: "e-1"}); err != nil {
						t.Fatal(err)
					}
				}
				parent = f.mustGet(t, parent.ID)
				changed := parent.Clone()
				changed.Status = session.Canceled
				changed.ClosedAt = t0.Add(time.Minute)
				changed.RetainUntil = t0.Add(2 * time.Minute)
				d.change(changed)
				f.plantChanged(t, parent, itemChangedTo(t, model, parent, changed))
				f.clock.Set(t0.Add(2 * time.Minute))
				got := ""
				err := ch.change(f, merchant, child)
				if err != nil {
					got = session.ErrorReason(err)
				}
				if got != ch.want {
					t.Errorf("got %v: reason %q; want %q", err, got, ch.want)
				}
			})
		}
	}
}

// TestItemDamagedBetweenReadsPastRetentionIsGone: a read after the first
// of one request judges an item it cannot decode gone first too: document
// 003's pair read, when the parent the first read found was written
// behind the store's back meanwhile, and the item a single-item write lost
// to (its condition refused it), when that is such an item. Each is past
// its retention by its own attributes, as a read of it then finds it
// (404); judged before its retention (decodeItemOf), each was 500. The
// damage is planted between the request's reads, as the first is
// answered.
func TestItemDamagedBetweenReadsPastRetentionIsGone(t *testing.T) {
	ctx := context.Background()
	var arm atomic.Value // func(): plants the damage, once, before the op it is armed for
	var armedOp atomic.Value
	arm.Store(func() {})
	armedOp.Store("")
	ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if op == armedOp.Load().(string) {
			armedOp.Store("")
			arm.Load().(func())()
		}
		return nil, nil
	}}
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1})
	damage := func(v *session.Session, end time.Time) func() {
		return func() {
			item := f.raw(t, v.ID)
			item["transactionId"] = &ddb.AttributeValueMemberS{Value: "tx-\uffff-1"}
			// The store writes purgeAt (its ttl's instant) on every item,
			// a closed one's its retainUntil.
			at := &ddb.AttributeValueMemberS{Value: end.UTC().Format("2006-01-02T15:04:05.0000000Z")}
			item["purgeAt"] = at
			if !v.Status.Open() {
				item["retainUntil"] = at
			}
			f.plant(t, item)
		}
	}
	tests := []struct {
		name string
		// run stores what the request reads at t0 and returns the
		// operation to damage before, the damage and the request.
		run func(t *testing.T, merchant string) (op string, plant func(), call func() error)
	}{
		{"document 003's pair read", func(t *testing.T, merchant string) (string, func(), func() error) {
			parent := f.create(t, merchant)
			f.createChild(t, parent)
			parent = f.mustGet(t, parent.ID)
			f.clock.Set(parent.ExpiresAt.Add(session.DefaultPolicy.Retention))
			return "TransactGetItems", damage(parent, parent.PurgeAt(session.DefaultPolicy)), func() error {
				_, _, err := f.st.GetWithChild(ctx, merchant, parent.ID)
				return err
			}
		}},
		{"a write lost to it", func(t *testing.T, merchant string) (string, func(), func() error) {
			v := f.create(t, merchant)
			f.clock.Advance(time.Minute)
			v, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "e-1"})
			if err != nil {
				t.Fatal(err)
			}
			// The cancel is decided before its guard band; the item it
			// loses to ended its retention a minute before.
			f.clock.Advance(time.Minute)
			return "PutItem", damage(v, f.clock.Now().Add(-time.Minute)), func() error {
				_, err := f.st.Cancel(ctx, merchant, v.ID, "")
				return err
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Set(t0)
			op, plant, call := tt.run(t, "m-between-"+uuid.NewString()[:8])
			arm.Store(plant)
			armedOp.Store(op)
			err := call()
			if op := armedOp.Load().(string); op != "" {
				t.Fatalf("no %s was made: the damage was never planted", op)
			}
			if got := session.ErrorCode(err); got != session.ENOTFOUND {
				t.Errorf("got %v (code %q); want %q", err, got, session.ENOTFOUND)
			}
		})
	}
}

// TestListPagesPastAGoneItem: a page of the day's list that ends after an
// item skipped as gone (however its other attributes read) is resumed by
// the same cursor through the store's items and storetest.Memory: the
// double advanced no cursor past the gone item, so its next page began
// before it where the store's began after it (r108-gonefirst: a mutant
// that dropped the double's advance lived).
func TestListPagesPastAGoneItem(t *testing.T) {
	ctx := context.Background()
	const merchant = "m-pages"
	model := store.New(nil, "model", session.DefaultPolicy, 16, func() time.Time { return t0 })
	f := newFixture(t)
	f.clock.Set(t0)
	var vs []*session.Session
	for range 3 {
		vs = append(vs, f.create(t, merchant))
		f.clock.Advance(time.Second)
	}
	gone, err := f.st.Cancel(ctx, merchant, vs[1].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	changed := gone.Clone()
	changed.TransactionID = "tx-\uffff-1"
	f.plantChanged(t, gone, itemChangedTo(t, model, gone, changed))
	m := storetest.NewMemory(session.DefaultPolicy, f.clock.Now)
	for _, v := range []*session.Session{vs[0], changed, vs[2]} {
		m.Plant(v)
	}
	f.clock.Set(gone.RetainUntil)
	var cursors []string
	for _, st := range []sessionStore{f.st, m} {
		var listed []string
		cursor, err := st.ListByDay(ctx, store.ListQuery{MerchantID: merchant, Day: t0, Limit: 1}, func(v *session.Session) bool {
			listed = append(listed, v.ID)
			return true
		})
		if err != nil || len(listed) != 1 || listed[0] != vs[0].ID {
			t.Fatalf("%T: first page = %v, %v; want %s", st, listed, err, vs[0].ID)
		}
		cursors = append(cursors, cursor)
	}
	if cursors[0] != cursors[1] {
		t.Errorf("first page's cursor: got %q from the double; want the store's %q", cursors[1], cursors[0])
	}
}

// TestReadStraddlingRetentionIsReadAgain: decodeRead judges only an item
// it cannot decode gone at its own instant; a decodable one is judged by
// the caller, which reads it again when the read straddled the end of its
// retention (Get). A processor's SETTLED, accepted a minute before an
// AUTHORISED session's end (which it moves on), lands while a read is on
// its way back, and the end passes before the read is judged: answered
// 404 from the item read, the session came back SETTLED at the next read
// (r108-gonefirst: a mutant judging every item gone in decodeRead lived
// the straddle tests, which straddle expiry).
func TestReadStraddlingRetentionIsReadAgain(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		op   string // the read's DynamoDB operation
		read func(f *fixture, merchant, id string) (*session.Session, error)
	}{
		{"Get", "GetItem", func(f *fixture, _, id string) (*session.Session, error) { return f.st.Get(ctx, id) }},
		{"GetRecord", "GetItem", func(f *fixture, merchant, id string) (*session.Session, error) {
			return f.st.GetRecord(ctx, merchant, id)
		}},
		{"GetWithChild", "GetItem", func(f *fixture, merchant, id string) (*session.Session, error) {
			v, _, err := f.st.GetWithChild(ctx, merchant, id)
			return v, err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hook := &afterRead{op: tc.op}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: hook}})
			const merchant = "m-1"
			v := f.create(t, merchant)
			f.clock.Advance(time.Minute)
			v, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: "e-1"})
			if err != nil {
				t.Fatal(err)
			}
			end := v.RetainUntil
			f.clock.Set(end.Add(-time.Minute))
			hook.then = func() {
				// Another instance, a minute before the end: accepted.
				if _, err := f.clean().ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Settled, EventID: "e-2"}); err != nil {
					t.Errorf("SETTLED a minute before the end = %v", err)
				}
				f.clock.Set(end.Add(time.Millisecond))
			}
			hook.armed.Store(true)
			got, err := tc.read(f, merchant, v.ID)
			if hook.armed.Load() {
				t.Fatalf("the read sent no %s", tc.op)
			}
			if err != nil || got.Status != session.Settled {
				t.Errorf("read = %v, %v; want it SETTLED, as it is", got, err)
			}
		})
	}
}
