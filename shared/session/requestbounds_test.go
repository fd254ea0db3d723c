package session

import (
	"fmt"
	"strings"
	"testing"
)

// TestRequestBoundsAtTheEdge reads each bound docs/openapi.yaml gives the
// event, cancel and create bodies at its limit and one past it, in
// characters (README: code points, so four-byte ones here), and the
// schemas' other rules a mutation pass found unpinned:
//   - EventRequest: "reason: {type: string, maxLength: 500}", declineReasons'
//     "category: {type: string, maxLength: 255}", "reasons: … maxItems: 20,
//     items: {type: string, maxLength: 500}", "resultData: … maxProperties:
//     100, propertyNames: {minLength: 1, maxLength: 100},
//     additionalProperties: {type: string, maxLength: 1000}",
//     "providerSessionGuid: {$ref: '#/components/schemas/Uuid'}";
//   - CancelRequest: "reason: … maxLength: 500";
//   - CreateSessionRequest: "cardCategories: … maxItems: 20, items: {type:
//     string, maxLength: 64}", "metadata: … propertyNames: {minLength: 1,
//     maxLength: 40}", "parentSessionId: … $ref: '#/components/schemas/Uuid'".
func TestRequestBoundsAtTheEdge(t *testing.T) {
	const four = "😀"
	n := func(k int) string { return strings.Repeat(four, k) }
	list := func(k int, item string) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = item
		}
		return out
	}
	keys := func(k int) map[string]string {
		m := make(map[string]string, k)
		for i := range k {
			m[fmt.Sprintf("k%03d", i)] = "v"
		}
		return m
	}
	amount := int64(1)
	draft := func(f func(*Draft)) func() error {
		return func() error {
			d := Draft{Amount: &amount, Currency: "EUR"}
			f(&d)
			return d.Validate()
		}
	}
	event := func(e Event) func() error {
		return func() error {
			if e.Status == "" {
				e.Status = Failed
			}
			return e.Validate()
		}
	}
	cancel := func(reason string) func() error {
		return func() error { return (&CancelRequest{Reason: reason}).Validate() }
	}
	for _, tt := range []struct {
		name      string
		validate  func() error
		wantField string // "" for accepted
	}{
		{"event reason of 500", event(Event{Reason: n(500)}), ""},
		{"event reason of 501", event(Event{Reason: n(501)}), "reason"},
		{"declineReasons.category of 255", event(Event{DeclineReasons: &DeclineReasons{Category: n(255)}}), ""},
		{"declineReasons.category of 256", event(Event{DeclineReasons: &DeclineReasons{Category: n(256)}}), "declineReasons.category"},
		{"20 declineReasons.reasons", event(Event{DeclineReasons: &DeclineReasons{Reasons: list(20, "r")}}), ""},
		{"21 declineReasons.reasons", event(Event{DeclineReasons: &DeclineReasons{Reasons: list(21, "r")}}), "declineReasons.reasons"},
		{"a decline reason of 500", event(Event{DeclineReasons: &DeclineReasons{Reasons: []string{n(500)}}}), ""},
		{"a decline reason of 501", event(Event{DeclineReasons: &DeclineReasons{Reasons: []string{"r", n(501)}}}), "declineReasons.reasons[1]"},
		{"100 resultData keys", event(Event{ResultData: keys(100)}), ""},
		{"101 resultData keys", event(Event{ResultData: keys(101)}), "resultData"},
		{"resultData key of 100", event(Event{ResultData: map[string]string{n(100): "v"}}), ""},
		{"resultData key of 101", event(Event{ResultData: map[string]string{n(101): "v"}}), "resultData"},
		{"resultData key empty", event(Event{ResultData: map[string]string{"": "v"}}), "resultData"},
		{"resultData value of 1000", event(Event{ResultData: map[string]string{"k": n(1000)}}), ""},
		{"resultData value of 1001", event(Event{ResultData: map[string]string{"k": n(1001)}}), "resultData.k"},
		{"event providerSessionGuid a UUID", event(Event{ProviderSessionGUID: "0F8FAD5B-D9CB-469F-A165-70867728950E"}), ""},
		{"event providerSessionGuid not a UUID", event(Event{ProviderSessionGUID: "not-a-guid"}), "providerSessionGuid"},
		{"cancel reason of 500", cancel(n(500)), ""},
		{"cancel reason of 501", cancel(n(501)), "reason"},
		{"20 cardCategories", draft(func(d *Draft) { d.CardCategories = list(20, "c") }), ""},
		{"21 cardCategories", draft(func(d *Draft) { d.CardCategories = list(21, "c") }), "cardCategories"},
		{"a card category of 64", draft(func(d *Draft) { d.CardCategories = []string{n(64)} }), ""},
		{"a card category of 65", draft(func(d *Draft) { d.CardCategories = []string{"c", n(65)} }), "cardCategories[1]"},
		{"metadata key empty", draft(func(d *Draft) { d.Metadata = map[string]string{"": "v"} }), "metadata"},
		{"parentSessionId a UUID in upper case", draft(func(d *Draft) { d.ParentSessionID = "0F8FAD5B-D9CB-469F-A165-70867728950E" }), ""},
		{"parentSessionId of 36 characters not hexadecimal", draft(func(d *Draft) { d.ParentSessionID = "0f8fad5b-d9cb-469f-a165-70867728950g" }), "parentSessionId"},
		{"parentSessionId of 36 characters, a dash moved", draft(func(d *Draft) { d.ParentSessionID = "0f8fad5bd-9cb-469f-a165-70867728950e" }), "parentSessionId"},
		{"metadata key of one character", draft(func(d *Draft) { d.Metadata = map[string]string{"k": "v"} }), ""},
		// docs/openapi.yaml, "minLength: 1 maxLength: 128": an eventId of
		// 128 characters is an id (mutant 9 of input.go refused it).
		{"eventId of 128", event(Event{EventID: EventID(n(128))}), ""},
		{"eventId of 129", event(Event{EventID: EventID(n(129))}), "eventId"},
		// docs/openapi.yaml, "At most 50 keys of at most 40 characters,
		// values of at most 500.": each bound is reached, not only passed
		// (mutants 11, 13 and 15 of input.go refused 50 keys, a key of 40
		// and a value of 500).
		{"50 metadata keys", draft(func(d *Draft) { d.Metadata = keys(50) }), ""},
		{"metadata key of 40", draft(func(d *Draft) { d.Metadata = map[string]string{n(40): "v"} }), ""},
		{"metadata key of 41", draft(func(d *Draft) { d.Metadata = map[string]string{n(41): "v"} }), "metadata"},
		{"metadata value of 500", draft(func(d *Draft) { d.Metadata = map[string]string{"k": n(500)} }), ""},
		{"metadata value of 501", draft(func(d *Draft) { d.Metadata = map[string]string{"k": n(501)} }), "metadata.k"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.validate()
			if got := ErrorField(err); got != tt.wantField || (tt.wantField == "") != (err == nil) {
				t.Errorf("got %v (field %q); want field %q", err, got, tt.wantField)
			}
			if err != nil && ErrorReason(err) != ReasonValidation {
				t.Errorf("got reason %v; want %v", ErrorReason(err), ReasonValidation)
			}
		})
	}
}
