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

// TestDraftValidateLowersParent: README, "`parentSessionId` is read in any
// case, so its case does not matter": Validate leaves the id in the lower
// case session ids are stored in, so an upper-case one finds its parent.
func TestDraftValidateLowersParent(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"A0DC3ACA-92F7-4CAC-9F12-208A2916BE7D", "a0dc3aca-92f7-4cac-9f12-208a2916be7d"},
		{"a0dc3aca-92F7-4cac-9f12-208a2916be7d", "a0dc3aca-92f7-4cac-9f12-208a2916be7d"},
		{"a0dc3aca-92f7-4cac-9f12-208a2916be7d", "a0dc3aca-92f7-4cac-9f12-208a2916be7d"},
	} {
		d := &Draft{Amount: amount(100), Currency: "EUR", ParentSessionID: ParentID(tt.in)}
		if err := d.Validate(); err != nil {
			t.Fatalf("%s: got %v; want nil", tt.in, err)
		}
		if got := string(d.ParentSessionID); got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.in, got, tt.want)
		}
	}
}
