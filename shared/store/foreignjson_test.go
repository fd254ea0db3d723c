package store_test

import (
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestSessionWhoseObjectIsNotJSONIsRefused: provider, paymentMethodDetails
// and appearance are stored as JSON text, checked at input and served back
// as stored (docs/design.md §3). A text that is not JSON is in no item the
// service writes, yet the store read it: documents 000 and 001, which do
// not show these fields, answered such a session 200 while the native
// read and documents 002 and 003 were 500 (their answers cannot be
// encoded), and a processor's event and a merchant's cancel were written
// (the item's version 1 to 2 to 3, PROCESSING then CANCELED) and then
// answered 500, a retry of the event 500 again (r104-seeds013, both local
// servers, a planted item). Each row writes one such attribute: every
// read but document 004's (which does not read these attributes), an
// event and a cancel are EINTERNAL, nothing is written, and another
// merchant is told nothing (expectForeign).
func TestSessionWhoseObjectIsNotJSONIsRefused(t *testing.T) {
	texts := []string{"{bad", `{"a":1`, "nul", `{"a":1}x`, `{"a":1}{"b":2}`, "hunter2"}
	f := newFixture(t)
	for _, attr := range []string{"provider", "paymentMethodDetails", "appearance"} {
		for _, text := range texts {
			t.Run(attr+" "+text, func(t *testing.T) {
				v := f.create(t, "m-1")
				f.expectForeign(t, v, "m-1", false, func(item map[string]ddb.AttributeValue) {
					item[attr] = &ddb.AttributeValueMemberS{Value: text}
				})
			})
		}
	}
}
