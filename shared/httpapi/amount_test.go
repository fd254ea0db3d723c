package httpapi_test

import (
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestAmountHasOneSpelling: docs/design.md §3, "`amount` (an integer in
// minor units)", "`amount` an integer from 0 to 10^15"; docs/openapi.yaml, "Minor
// units, written as a JSON integer (digits only; `100.0`, `1e2` and `-0` are
// 400, though JSON Schema's `integer` admits them)";
// README, Decisions: "a money amount has one spelling". An amount is its
// digits: a sign, a fraction, an exponent, a string or a value past the
// range is refused naming amount, and nothing is stored. -0 is 0 spelled
// with a minus sign (RFC 8259 §6 allows it), so it is refused too: its
// only spelling is 0.
func TestAmountHasOneSpelling(t *testing.T) { eachStore(t, testAmountHasOneSpelling) }

func testAmountHasOneSpelling(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	for _, tt := range []struct {
		amount string
		status int
		code   string
	}{
		{"0", 201, ""},
		{"8800", 201, ""},
		{"1000000000000000", 201, ""}, // 10^15, the largest
		{"-0", 400, session.ReasonValidation},
		{"-0.0", 400, session.ReasonValidation},
		{"0.0", 400, session.ReasonValidation},
		{"100.0", 400, session.ReasonValidation},
		{"1e2", 400, session.ReasonValidation},
		{"1E+2", 400, session.ReasonValidation},
		{"-0e0", 400, session.ReasonValidation},
		{`"100"`, 400, session.ReasonValidation},
		{"-1", 400, session.ReasonValidation},
		{"1000000000000001", 400, session.ReasonValidation},
		{"9223372036854775808", 400, session.ReasonValidation},
		{"-9223372036854775809", 400, session.ReasonValidation},
		{"99999999999999999999999999", 400, session.ReasonValidation},
		{"true", 400, session.ReasonValidation},
		{"null", 400, session.ReasonValidation},
		{"{}", 400, session.ReasonValidation},
		{"0100", 400, session.ReasonMalformedJSON},
		{"+1", 400, session.ReasonMalformedJSON},
		{".5", 400, session.ReasonMalformedJSON},
		{"0x10", 400, session.ReasonMalformedJSON},
		{"NaN", 400, session.ReasonMalformedJSON},
		{"-", 400, session.ReasonMalformedJSON},
	} {
		t.Run(tt.amount, func(t *testing.T) {
			before := sessionsOfDay(t, h, "m-1")
			res := h.do("POST", "/sessions", tok, `{"amount":`+tt.amount+`,"currency":"EUR"}`)
			if tt.status == 201 {
				if res.Code != 201 {
					t.Fatalf("amount %s = %d %s; want 201", tt.amount, res.Code, res.Body)
				}
				return
			}
			p := wantProblem(t, res, tt.status, tt.code)
			if tt.code == session.ReasonValidation && p["field"] != "amount" {
				t.Errorf("amount %s: field = %v; want amount", tt.amount, p["field"])
			}
			if after := sessionsOfDay(t, h, "m-1"); after != before {
				t.Errorf("amount %s refused, but the day holds %d sessions; want %d", tt.amount, after, before)
			}
		})
	}
}
