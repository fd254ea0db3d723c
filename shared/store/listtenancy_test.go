package store_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestListNeverListsAnotherMerchantsSession: the list reads each session
// from the table by the id its index entry gives, and lists it only if it
// is the caller's merchant's (ListByDay: "q.MerchantID's sessions"; a
// merchant never sees another's session): a session whose item names
// another merchant (an index entry the index's lag, a bug or a foreign
// answer left in this merchant's partition) is skipped, never listed.
// The table's answer to the list's BatchGetItem is rewritten to name
// merchant m-2. r91-mutate's mutant L45 (the merchant check dropped)
// listed it, and every test passed.
func TestListNeverListsAnotherMerchantsSession(t *testing.T) {
	// wholeOf: the item as m-2's session whole, its merchantDayShard
	// following its merchantId (or every read refuses it, 500, before any
	// merchant check); else only its merchantId changed, an item of m-2
	// the service did not write, whose index entry lies in m-1's
	// partition: README, Security, "a merchant's day list skips it as
	// another merchant's session", judged from the raw merchantId before
	// it is decoded (r111-mutate: with batchGet's ownedBy dropped the
	// list is 500 here; before this row only an item whose merchantId is
	// no string, TestMerchantIDOfAnotherTypeIsRefused, told it).
	var wholeOf bool
	rw := &storetest.RewriteTransport{Rewrite: func(op string, _, res []byte) []byte {
		if op != "BatchGetItem" {
			return res
		}
		res = bytes.ReplaceAll(res, []byte(`"merchantId":{"S":"m-1"}`), []byte(`"merchantId":{"S":"m-2"}`))
		if !wholeOf {
			return res
		}
		return bytes.ReplaceAll(res, []byte(`"merchantDayShard":{"S":"m-1#`), []byte(`"merchantDayShard":{"S":"m-2#`))
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	st := store.New(db, table, session.DefaultPolicy, 16, clock.Now)
	if err := st.ImportAll(context.Background(), sessions("m-1", t0, 2, false)); err != nil {
		t.Fatal(err)
	}
	for _, whole := range []bool{true, false} {
		wholeOf = whole
		var got []string
		next, err := st.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: t0}, func(v *session.Session) bool {
			got = append(got, v.ID+" of "+v.MerchantID)
			return true
		})
		if err != nil || len(got) != 0 || next != "" {
			t.Errorf("m-1's list with its sessions read as m-2's (whole: %v) = %v, next %q, %v; want none listed", whole, got, next, err)
		}
	}
}
