package session

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDraft: any create body either decodes and validates, and then holds
// nothing that looks like a card number anywhere, or is refused with an
// EINVALID error naming what is wrong. Never a panic.
func FuzzDraft(f *testing.F) {
	for _, s := range []string{
		`{"amount":8800,"currency":"ZAR","orderId":"o-1"}`,
		`{"amount":1,"currency":"EUR","metadata":{"k":"4111 1111 1111 1111"}}`,
		`{"amount":1,"currency":"EUR","provider":{"a":[{"b":4111111111111111}]}}`,
		`{"amount":1,"currency":"EUR","orderId":"\u0034111111111111111"}`,
		`{"amount":1,"currency":"EUR","cardCategories":["CREDIT","5555-5555-5555-4444"]}`,
		`{"amount":1,"currency":"EUR","returnUrl":"https://x.example/?pan=378282246310005"}`,
		`{"amount":1,"currency":"EUR","parentSessionId":"7D1541FA-5747-429A-A6A0-1939F4D88028"}`,
		`{"amount":1,"currency":"EUR","appearance":null,"provider":"x"}`,
		`{"amount":1,"currency":"EUR","provider":{"pan":"4111111111111111","pan":"ok"}}`,
		`{"amount":1,"currency":"EUR","provider":{"pan":"ok","pan":"4111111111111111"}}`,
		`{"amount":1,"currency":"EUR","provider":{"n":4.111111111111111e15,"m":[1.50,-0,1E+2]}}`,
		`{"amount":1,"currency":"EUR","appearance":{"a":"\ud800","b":"\u0000","c":1e999999}}`,
		`{"amount":1,"currency":"EUR","metadata":{"card":"4111 1111 1111 1111 12/28","tel":"+49 1512 3456787"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var d Draft
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&d) != nil {
			return
		}
		if err := d.Validate(); err != nil {
			if ErrorCode(err) != EINVALID || ErrorMessage(err) == "" {
				t.Fatalf("Validate() = %v; want an EINVALID error with a message", err)
			}
			return
		}
		out, err := json.Marshal(&d)
		if err != nil {
			t.Fatalf("accepted draft does not encode: %v", err)
		}
		if LooksLikeCardNumber(string(out)) {
			t.Fatalf("accepted draft holds a card number: %s", out)
		}
		// What is stored is the checked re-encoding: checking it again
		// changes nothing.
		for _, raw := range []json.RawMessage{d.Provider, d.PaymentMethodDetails, d.Appearance} {
			if raw == nil {
				continue
			}
			again, err := scanJSON("x", raw, true)
			if err != nil || !bytes.Equal(again, raw) {
				t.Fatalf("stored object %s checked again: %s, %v; want it unchanged", raw, again, err)
			}
		}
	})
}

// FuzzEvent: the same for processor events.
func FuzzEvent(f *testing.F) {
	for _, s := range []string{
		`{"status":"AUTHORISED","eventId":"e-1","resultData":{"a":"b"}}`,
		`{"status":"FAILED","declineReasons":{"category":"c","reasons":["4111111111111111"]}}`,
		`{"status":"SETTLED","paymentMethodDetails":{"x":{"y":"6011111111111117"}}}`,
		`{"status":"EXPIRED"}`,
		`{"status":"PROCESSING","provider":{"pan":"ok","pan":"4111111111111111"}}`,
		`{"status":"PROCESSING","paymentMethodDetails":{"n":[41111111111111110e-1]}}`,
		`{"status":"PROCESSING","reason":"4111_1111_1111_1111"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var e Event
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&e) != nil {
			return
		}
		if err := e.Validate(); err != nil {
			if ErrorCode(err) != EINVALID || ErrorMessage(err) == "" {
				t.Fatalf("Validate() = %v; want an EINVALID error with a message", err)
			}
			return
		}
		out, _ := json.Marshal(&e)
		if LooksLikeCardNumber(string(out)) {
			t.Fatalf("accepted event holds a card number: %s", out)
		}
	})
}
