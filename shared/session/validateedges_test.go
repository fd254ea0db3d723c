package session

import (
	"encoding/json"
	"testing"
)

// TestDraftValidateEdges holds the edges of Draft.Validate's rules that
// TestDraftValidate does not reach, each quoted from the documents.
func TestDraftValidateEdges(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Draft)
		field  string // "" when valid
	}{
		// docs/design.md §3: "`amount` an integer from 0 to 10^15": the
		// upper bound is allowed.
		{"amount of 10^15", func(d *Draft) { d.Amount = amount(1_000_000_000_000_000) }, ""},
		// README: "An optional field sent as `null` is the same as one left
		// out": so for each of the three free-form objects.
		{"appearance null", func(d *Draft) { d.Appearance = json.RawMessage(`null`) }, ""},
		{"paymentMethodDetails null", func(d *Draft) { d.PaymentMethodDetails = json.RawMessage(` null `) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Draft{Amount: amount(100), Currency: "EUR"}
			tt.change(d)
			err := d.Validate()
			if got := ErrorField(err); (err == nil) != (tt.field == "") || got != tt.field {
				t.Fatalf("got %v (field %q); want field %q (\"\" is nil)", err, got, tt.field)
			}
		})
	}
}
