package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestListItemHoldingAnotherIDIs500: an item of the key the list asked
// whose id is not its key's is the store's own data written badly, as for
// a single read (docs/design.md §8, "An item of the key asked whose other
// attributes the store cannot decode is the store's own data written
// badly: a bug, 500"), and the list agrees with single reads (README, "The
// list agrees with single reads"). Read by its id, the list skipped the
// session asked as gone (a day answered without it, where
// /session-record/{id} is 500), or, with the id of another session of the
// page, listed that session's place with this item's data. The single read
// of the same item is checked beside it.
func TestListItemHoldingAnotherIDIs500(t *testing.T) {
	r := newReadFixture(t)
	item := func(i int) string { return r.items["SESSION#"+r.ids[i]] }
	withID := func(i int, id string) string {
		return strings.Replace(item(i), `"id":{"S":"`+r.ids[i]+`"}`, `"id":{"S":"`+id+`"}`, 1)
	}
	tests := []struct {
		name, item string
		want       session.Code
	}{
		{"its own id", item(2), ""},
		{"an id of no session listed", withID(2, "2c1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b"), session.EINTERNAL},
		{"the id of another session listed", withID(2, r.ids[0]), session.EINTERNAL},
	}
	for _, tt := range tests {
		if tt.want != "" && tt.item == item(2) {
			t.Fatalf("%s: the item is not written as the test expects: %s", tt.name, item(2))
		}
		t.Run(tt.name, func(t *testing.T) {
			s, _ := r.store(t, "GetItem", false, 200, "", []byte(`{"Item":`+tt.item+`}`))
			if _, err := s.Get(context.Background(), r.ids[2]); session.ErrorCode(err) != tt.want {
				t.Fatalf("single read: got error %v (code %q); want %q", err, session.ErrorCode(err), tt.want)
			}
			body := `{"Responses":{"t":[` + item(0) + `,` + item(1) + `,` + tt.item + `]}}`
			s, ft := r.store(t, "BatchGetItem", false, 200, "", []byte(body))
			var listed []string
			_, err := s.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: r.now}, func(v *session.Session) bool {
				listed = append(listed, v.ID)
				return true
			})
			if ft.calls["BatchGetItem"] == 0 {
				t.Fatal("no BatchGetItem made")
			}
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("list: got error %v (code %q), %d sessions listed %v; want %q", err, got, len(listed), listed, tt.want)
			}
			if err == nil && strings.Join(listed, ",") != strings.Join(r.ids, ",") {
				t.Fatalf("got sessions %v listed; want %v", listed, r.ids)
			}
		})
	}
}
