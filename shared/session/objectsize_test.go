package session

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestObjectSizeBound: provider, paymentMethodDetails and appearance are
// at most maxObjectBytes (16 KiB) each; one byte more is 400
// VALIDATION_FAILED naming the field. No test sent one over the bound, so
// dropping the check survived every test.
func TestObjectSizeBound(t *testing.T) {
	object := func(n int) json.RawMessage {
		const head, tail = `{"a":"`, `"}`
		return json.RawMessage(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
	}
	amount := int64(1)
	for _, tc := range []struct {
		size int
		ok   bool
	}{{16 << 10, true}, {16<<10 + 1, false}} { // pinned as a literal: a change of maxObjectBytes must show here
		d := Draft{Amount: &amount, Currency: "EUR", Provider: object(tc.size)}
		err := d.Validate()
		if tc.ok && err != nil || !tc.ok && (ErrorReason(err) != ReasonValidation || ErrorField(err) != "provider") {
			t.Errorf("a provider of %d bytes: Validate() = %v; want ok %v", tc.size, err, tc.ok)
		}
		ev := Event{Status: Processing, PaymentMethodDetails: object(tc.size)}
		err = ev.Validate()
		if tc.ok && err != nil || !tc.ok && (ErrorReason(err) != ReasonValidation || ErrorField(err) != "paymentMethodDetails") {
			t.Errorf("paymentMethodDetails of %d bytes: Validate() = %v; want ok %v", tc.size, err, tc.ok)
		}
	}
}
