package session

import (
	"encoding/json"
	"strings"
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

// TestValidIDDashes: docs/design.md §3, GUIDs "are 8-4-4-4-12 hexadecimal
// digits": a hex digit where one of the four dashes stands, at the right
// length, is no id.
func TestValidIDDashes(t *testing.T) {
	const id = "a0dc3aca-92f7-4cac-9f12-208a2916be7d"
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{id, true},
		{id[:8] + "0" + id[9:], false},
		{id[:13] + "0" + id[14:], false},
		{id[:18] + "0" + id[19:], false},
		{id[:23] + "0" + id[24:], false},
	} {
		if got := ValidID(tt.s); got != tt.want {
			t.Errorf("ValidID(%q): got %v; want %v", tt.s, got, tt.want)
		}
	}
}

// TestStoredIDRefusesEachUpperCaseLetter: a stored family id or an
// Idempotency-Key record's sessionId is one create made (uuid.NewString,
// lower case), so each of the six hexadecimal letters in upper case, at
// any place, makes it foreign (StoredID); any other form ValidID refuses.
// The store's rows plant a random UUID in upper case, which a rule
// missing some of the six letters refused all the same most of the time
// (r110-review: a StoredID checking "F" alone lived).
func TestStoredIDRefusesEachUpperCaseLetter(t *testing.T) {
	const id = "a0dc3aca-92f7-4cac-9f12-208a2916be7d"
	type row struct {
		s    string
		want bool
	}
	tests := []row{
		{id, true},
		{"01234567-8901-2345-6789-012345678901", true},
		{"abcdefab-cdef-abcd-efab-cdefabcdefab", true},
		{strings.ToUpper(id), false},
		{"{" + id + "}", false},
		{strings.ReplaceAll(id, "-", ""), false},
		{"", false},
	}
	for _, c := range "ABCDEF" {
		for _, at := range []int{0, 35} {
			b := []byte("01234567-8901-2345-6789-012345678901")
			b[at] = byte(c)
			tests = append(tests, row{string(b), false})
		}
	}
	for _, tt := range tests {
		if got := StoredID(tt.s); got != tt.want {
			t.Errorf("StoredID(%q): got %v; want %v", tt.s, got, tt.want)
		}
	}
}

// TestEventValidateNullObjects: README, "a `null` field is taken as
// absent": an event's paymentMethodDetails or provider sent as null is an
// event without it, not a value that is no JSON object.
func TestEventValidateNullObjects(t *testing.T) {
	for _, tt := range []struct {
		name string
		e    Event
	}{
		{"paymentMethodDetails", Event{Status: Processing, PaymentMethodDetails: json.RawMessage(`null`)}},
		{"provider", Event{Status: Processing, Provider: json.RawMessage(`null`)}},
	} {
		e := tt.e
		if err := e.Validate(); err != nil {
			t.Errorf("%s null: got %v; want nil", tt.name, err)
		}
		if e.PaymentMethodDetails != nil || e.Provider != nil {
			t.Errorf("%s null: got %s %s; want both absent", tt.name, e.PaymentMethodDetails, e.Provider)
		}
	}
}

// TestEventValidateTransactionID: README, "Card numbers are refused ...
// anywhere in the input", and identifiers are at most 255 characters of
// clean text: an event's transactionId is checked as a draft's is.
func TestEventValidateTransactionID(t *testing.T) {
	for _, tt := range []struct {
		name, v, reason string
	}{
		{"255 characters", strings.Repeat("t", 255), ""},
		{"256 characters", strings.Repeat("t", 256), ReasonValidation},
		{"control character", "tx\x01-1", ReasonValidation},
		{"card number", "4111 1111 1111 1111", ReasonCardNumber},
	} {
		e := &Event{Status: Processing, TransactionID: tt.v}
		err := e.Validate()
		if tt.reason == "" {
			if err != nil {
				t.Errorf("%s: got %v; want nil", tt.name, err)
			}
			continue
		}
		if ErrorField(err) != "transactionId" || ErrorReason(err) != tt.reason {
			t.Errorf("%s: got %v (field %q, reason %q); want field %v reason %v", tt.name, err, ErrorField(err), ErrorReason(err), "transactionId", tt.reason)
		}
	}
}

// TestEventValidateDeclineReasonsList: docs/design.md §3, "`declineReasons`
// (`{category, reasons[]}`)": a processor's declineReasons without reasons
// is stored with an empty list, written [] and never null.
func TestEventValidateDeclineReasonsList(t *testing.T) {
	e := &Event{Status: Processing, DeclineReasons: &DeclineReasons{Category: "SOFT_DECLINE"}}
	if err := e.Validate(); err != nil {
		t.Fatalf("got %v; want nil", err)
	}
	b, err := json.Marshal(e.DeclineReasons)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"category":"SOFT_DECLINE","reasons":[]}`; got != want {
		t.Errorf("got %v; want %v", got, want)
	}
}
