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
	})
}

// FuzzEvent: the same for processor events.
func FuzzEvent(f *testing.F) {
	for _, s := range []string{
		`{"status":"AUTHORISED","eventId":"e-1","resultData":{"a":"b"}}`,
		`{"status":"FAILED","declineReasons":{"category":"c","reasons":["4111111111111111"]}}`,
		`{"status":"SETTLED","paymentMethodDetails":{"x":{"y":"6011111111111117"}}}`,
		`{"status":"EXPIRED"}`,
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
