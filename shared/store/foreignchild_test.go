package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestDamagedChildFailsItsParentsRead: document 003's read answers a
// parent with its child (GetWithChild), so a child item the service did
// not write (here a card number in its orderId) is the read's 500, as the
// child's own read is, never answered beside its parent. storetest.Memory
// stands in for the store in handler tests and must refuse it too: its
// GetWithChild judged the parent only, and no test planted a damaged
// child there (r104-mutate's mutant #107 lived). So are the parent's
// cancel, which closes its child, and a new child's create, which reads
// the current one, nothing written.
func TestDamagedChildFailsItsParentsRead(t *testing.T) {
	const card = "4111111111111111"
	f := newFixture(t)
	parent := f.create(t, "m-1")
	child := f.newDraftSession("m-1", parent.ID)
	if _, _, err := f.st.Create(context.Background(), child, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	parent = f.mustGet(t, parent.ID) // now names its child
	beforeParent := f.raw(t, parent.ID)
	beforeChild := f.plantChanged(t, child, func(item map[string]ddb.AttributeValue) {
		item["orderId"] = &ddb.AttributeValueMemberS{Value: card}
	})

	damaged := child.Clone()
	damaged.OrderID = card
	m := storetest.NewMemory(session.DefaultPolicy, func() time.Time { return f.clock.Now() })
	m.Plant(parent)
	m.Plant(damaged)

	for _, st := range []struct {
		name string
		s    sessionStore
	}{{"store", f.st}, {"memory", m}} {
		t.Run(st.name, func(t *testing.T) {
			expectForeignOps(t, []foreignOp{
				{"GetWithChild(parent)", func() error {
					_, _, err := st.s.GetWithChild(context.Background(), "m-1", parent.ID)
					return err
				}, session.EINTERNAL},
				{"GetOwned(child)", func() error { _, err := st.s.GetOwned(context.Background(), "m-1", child.ID); return err }, session.EINTERNAL},
				{"GetWithChild(parent), another merchant", func() error {
					_, _, err := st.s.GetWithChild(context.Background(), "m-other", parent.ID)
					return err
				}, session.ENOTFOUND},
				// A parent's close reads its child to close it, a new
				// child's create the current one (Memory passed over a
				// child it could not read, as none, until r110).
				{"Cancel(parent)", func() error {
					_, err := st.s.Cancel(context.Background(), "m-1", parent.ID, "")
					return err
				}, session.EINTERNAL},
				{"Create(another child)", func() error {
					_, _, err := st.s.Create(context.Background(), f.newDraftSession("m-1", parent.ID), nil, 0, nil)
					return err
				}, session.EINTERNAL},
			})
		})
	}
	if got := f.raw(t, parent.ID); !reflect.DeepEqual(got, beforeParent) {
		t.Errorf("parent after the operations: got it changed; want it as it was")
	}
	if got := f.raw(t, child.ID); !reflect.DeepEqual(got, beforeChild) {
		t.Errorf("child after the operations: got it changed; want it as it was")
	}
}
