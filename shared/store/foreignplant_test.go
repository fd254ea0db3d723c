package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The foreign-item tests' one scaffolding: plant a session's item as the
// service never writes it (by hand, by another tool), behind the store's
// back, then read and write it every public way and expect the store's
// 500 (EINTERNAL) with nothing written, and 404 for another merchant.

// sessionStore is what the foreign-item tests call on store.Store and
// storetest.Memory alike.
type sessionStore interface {
	Get(ctx context.Context, id string) (*session.Session, error)
	GetOwned(ctx context.Context, merchantID, id string) (*session.Session, error)
	GetRecord(ctx context.Context, merchantID, id string) (*session.Session, error)
	GetWithChild(ctx context.Context, merchantID, id string) (v, child *session.Session, err error)
	ListByDay(ctx context.Context, q store.ListQuery, yield func(*session.Session) bool) (string, error)
	ApplyEvent(ctx context.Context, merchantID, id string, ev *session.Event) (*session.Session, error)
	Cancel(ctx context.Context, merchantID, id, reason string) (*session.Session, error)
	Create(ctx context.Context, v *session.Session, idem *store.Idempotency, status int, render func(*session.Session) ([]byte, error)) ([]byte, *store.Replay, error)
}

// plant writes item (a session's or an API key's record), behind the
// store's back.
func (f *fixture) plant(t *testing.T, item map[string]ddb.AttributeValue) {
	t.Helper()
	if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

// plantChanged writes v's stored item as change leaves it and returns the
// item planted.
func (f *fixture) plantChanged(t *testing.T, v *session.Session, change func(map[string]ddb.AttributeValue)) map[string]ddb.AttributeValue {
	t.Helper()
	item := f.raw(t, v.ID)
	change(item)
	f.plant(t, item)
	return f.raw(t, v.ID)
}

// itemChangedTo is the change of v's stored item that makes it the item
// model writes for changed: each attribute it writes otherwise set, each
// it does not write removed (the rest, the store's own attributes such as
// writeId, kept).
func itemChangedTo(t *testing.T, model *store.Store, v, changed *session.Session) func(map[string]ddb.AttributeValue) {
	return func(item map[string]ddb.AttributeValue) {
		was, err := model.Item(v)
		if err != nil {
			t.Fatal(err)
		}
		now, err := model.Item(changed)
		if err != nil {
			t.Fatal(err)
		}
		for k := range was {
			if _, ok := now[k]; !ok {
				delete(item, k)
			}
		}
		for k, x := range now {
			if !reflect.DeepEqual(x, was[k]) {
				item[k] = x
			}
		}
	}
}

// setAttr is a plant's change that sets the item's attribute name to v.
func setAttr(name string, v ddb.AttributeValue) func(map[string]ddb.AttributeValue) {
	return func(item map[string]ddb.AttributeValue) { item[name] = v }
}

// plantKey stores API key id of merchant m-1 (sessions:read, secret hash
// sum, expiring in an hour), revoked when revoke says so, then changes its
// record as change leaves it (plantKeyChanged).
func (f *fixture) plantKey(t *testing.T, id string, sum []byte, revoke bool, change func(map[string]ddb.AttributeValue)) {
	t.Helper()
	ctx := context.Background()
	exp := f.clock.Now().Add(time.Hour)
	if err := f.st.CreateAPIKey(ctx, &store.APIKey{ID: id, MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: sum, CreatedAt: f.clock.Now(), CreatedBy: "sub-1", ExpiresAt: &exp}); err != nil {
		t.Fatal(err)
	}
	if revoke {
		if err := f.st.DeleteAPIKey(ctx, "m-1", id); err != nil {
			t.Fatal(err)
		}
	}
	f.plantKeyChanged(t, id, change)
}

// plantKeyChanged writes API key id's stored record as change leaves it,
// behind the store's back, as plantChanged does a session's item.
func (f *fixture) plantKeyChanged(t *testing.T, id string, change func(map[string]ddb.AttributeValue)) {
	t.Helper()
	item := f.rawKey(t, id)
	if item == nil {
		t.Fatalf("API key %s: no stored record to change", id)
	}
	change(item)
	f.plant(t, item)
}

// foreignOp is one public operation on a planted session: want is its
// error code (0 for success).
type foreignOp struct {
	name string
	call func() error
	want session.Code
}

// foreignOps are every read and write of session v of merchant on st,
// each expected to refuse the session as foreign (EINTERNAL), but for
// document 004's two reads when shown is false (the changed attribute is
// one they do not read: README, Decisions), and for another merchant,
// which is told nothing (ENOTFOUND).
func foreignOps(st sessionStore, v *session.Session, merchant string, shown bool) []foreignOp {
	ctx := context.Background()
	record := session.EINTERNAL
	if !shown {
		record = ""
	}
	list := func(m string) func() error {
		return func() error {
			_, err := st.ListByDay(ctx, store.ListQuery{MerchantID: m, Day: v.CreatedAt}, func(*session.Session) bool { return true })
			return err
		}
	}
	var ops []foreignOp
	for _, m := range []struct {
		id   string
		want session.Code
	}{{merchant, session.EINTERNAL}, {"m-other", session.ENOTFOUND}} {
		rec, child := m.want, session.EINTERNAL
		if m.id == merchant {
			rec = record
		} else {
			child = session.EINVALID // parentSessionId names no session of this merchant
		}
		ops = append(ops,
			foreignOp{"GetOwned(" + m.id + ")", func() error { _, err := st.GetOwned(ctx, m.id, v.ID); return err }, m.want},
			foreignOp{"GetWithChild(" + m.id + ")", func() error { _, _, err := st.GetWithChild(ctx, m.id, v.ID); return err }, m.want},
			foreignOp{"GetRecord(" + m.id + ")", func() error { _, err := st.GetRecord(ctx, m.id, v.ID); return err }, rec},
			foreignOp{"ApplyEvent(" + m.id + ")", func() error {
				_, err := st.ApplyEvent(ctx, m.id, v.ID, &session.Event{Status: session.Processing, EventID: "e-foreign"})
				return err
			}, m.want},
			foreignOp{"Cancel(" + m.id + ")", func() error { _, err := st.Cancel(ctx, m.id, v.ID, ""); return err }, m.want},
			// A child's create reads its parent (GetOwned): the owner's
			// damaged parent is the store's 500, not the 400 of a parent
			// that is no session of this merchant.
			foreignOp{"Create(child of " + m.id + ")", func() error {
				d := &session.Draft{Amount: amount(100), Currency: "EUR", ParentSessionID: session.ParentID(v.ID)}
				_, _, err := st.Create(ctx, session.New(d, m.id, uuid.NewString(), "tok", v.CreatedAt, session.DefaultPolicy), nil, 201, idBody)
				return err
			}, child},
		)
	}
	return append(ops,
		foreignOp{"Get", func() error { _, err := st.Get(ctx, v.ID); return err }, session.EINTERNAL},
		foreignOp{"ApplyEvent(processor)", func() error {
			_, err := st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Processing, EventID: "e-foreign"})
			return err
		}, session.EINTERNAL},
		foreignOp{"ListByDay(" + merchant + ")", list(merchant), record},
	)
}

// expectForeignOps runs ops and reports each whose code is not its want.
func expectForeignOps(t *testing.T, ops []foreignOp) {
	t.Helper()
	for _, op := range ops {
		if got := session.ErrorCode(op.call()); got != op.want {
			t.Errorf("%s: got %q; want %q", op.name, got, op.want)
		}
	}
}

// expectForeign plants item (v's, changed) on the fixture's table and
// expects every operation of foreignOps, the item unchanged after them.
func (f *fixture) expectForeign(t *testing.T, v *session.Session, merchant string, shown bool, change func(map[string]ddb.AttributeValue)) {
	t.Helper()
	before := f.plantChanged(t, v, change)
	expectForeignOps(t, foreignOps(f.st, v, merchant, shown))
	if got := f.raw(t, v.ID); !reflect.DeepEqual(got, before) {
		t.Errorf("item after the operations: got it changed; want it unchanged")
	}
}

// expectForeignInMemory plants v (changed) in a storetest.Memory and
// expects every operation of foreignOps there, as on the store.
func expectForeignInMemory(t *testing.T, v *session.Session, merchant string, shown bool) {
	t.Helper()
	m := storetest.NewMemory(session.DefaultPolicy, func() time.Time { return t0 })
	m.Plant(v)
	expectForeignOps(t, foreignOps(m, v, merchant, shown))
}
