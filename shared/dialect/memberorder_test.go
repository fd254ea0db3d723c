package dialect

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
)

// TestMembersInTheDocumentsOrder: each answer writes its members in the
// order its document's example does (docs/design.md §6 lists them so:
// 000 "{lastUpdatedOn, callGuid, createdOn, sessionGuid, …}", 004
// "{session_id, transaction_id, partner_transaction_id, shop_buyer_id,
// session_status, decline_reasons, created_date, updated_date}"), so a
// client that reads the answer as text, or compares it with the
// document's, meets the document's shape. TestGolden compares values only,
// and the README's walkthrough, the one test that held the order, runs a
// whole server on DynamoDB Local: two members of 001 or of 004 swapped
// (r112-mutate, mutants T24 and O01) passed every fast test. Objects the
// service copies from input (a string map, in code-point order, or stored
// JSON as sent) keep their own order and are not compared here.
func TestMembersInTheDocumentsOrder(t *testing.T) {
	checkout := dialecttest.Checkout()
	body, err := Checkout(checkout.Session, checkout.Child, true)
	if err != nil {
		t.Fatal(err)
	}
	copied := []string{"paymentResultData", "metadata", "provider", "appearance", "paymentMethod"}
	for _, tt := range []struct {
		doc string
		got any
	}{
		{"000", V1Session(dialecttest.V1Session().Session)},
		{"001", PaymentStatus(dialecttest.PaymentStatus().Session)},
		{"002", PaymentSession(dialecttest.PaymentSession().Session)},
		{"003", body},
		{"004", SessionRecord(dialecttest.SessionRecord().Session)},
	} {
		t.Run(tt.doc, func(t *testing.T) {
			raw, err := os.ReadFile("dialecttest/testdata/" + tt.doc + ".json")
			if err != nil {
				t.Fatal(err)
			}
			rendered, err := json.Marshal(tt.got)
			if err != nil {
				t.Fatal(err)
			}
			want, got := memberOrders(t, raw), memberOrders(t, rendered)
			for path, names := range want {
				if slices.Contains(copied, path[strings.LastIndex(path, ".")+1:]) {
					continue
				}
				g := slices.DeleteFunc(slices.Clone(got[path]), func(n string) bool { return !slices.Contains(names, n) })
				if !slices.Equal(g, names) {
					t.Errorf("%s members: got %v; want %v (the document's order)", path, g, names)
				}
			}
		})
	}
}

// memberOrders returns the member names of every object in the JSON text
// raw, in the order written, by path ("$.data.history[]" for the objects of
// an array: the first one's).
func memberOrders(t *testing.T, raw []byte) map[string][]string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	out := map[string][]string{}
	var walk func(path string)
	walk = func(path string) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tok {
		case json.Delim('{'):
			names := []string{}
			for dec.More() {
				name, err := dec.Token()
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, name.(string))
				walk(path + "." + name.(string))
			}
			if _, err := dec.Token(); err != nil {
				t.Fatal(err)
			}
			if _, seen := out[path]; !seen {
				out[path] = names
			}
		case json.Delim('['):
			for dec.More() {
				walk(path + "[]")
			}
			if _, err := dec.Token(); err != nil {
				t.Fatal(err)
			}
		}
	}
	walk("$")
	return out
}
