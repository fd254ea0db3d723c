package session

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
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
		`{"amount":999999999999,"currency":"EUR","hosted":true,"returnUrl":"https://shop.example/r?q=%C3%A9","cancelUrl":"https://xn--bcher-kva.example/c","callGuid":"7D1541FA-5747-429A-A6A0-1939F4D88028","orderId":"ORD-2026-11-29-000123","cardCategories":["CREDIT"],"metadata":{"ref":"20220211-0013-0000-0382"},"provider":{"a":"\u00e9\u2028<>&","b":[1.50,-0,1E+2]}}`,
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
			again, err := scanJSON("x", raw, onInput)
			if err != nil || !bytes.Equal(again, raw) {
				t.Fatalf("stored object %s checked again: %s, %v; want it unchanged", raw, again, err)
			}
		}
		// Every read judges what it reads by create's rules (ForeignField):
		// a session made from an accepted draft is never refused by them,
		// read whole or through the list's projection, or its every read,
		// event and cancel would be 500 for its whole life.
		v := New(&d, "m-1", "1bbb38a6-c081-4a56-8e5e-92c8a6c847b0", "v0I_dOYOj8bQ8BoC2DBgH2mHhOzjLD_B", t0, DefaultPolicy)
		for _, whole := range []bool{true, false} {
			if f := v.ForeignField(whole); f != "" {
				t.Fatalf("session of an accepted draft: ForeignField(%v) = %q; want \"\" (%s)", whole, f, body)
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
		`{"status":"AUTHORISED","eventId":"e-2","reason":"ok","transactionId":"t-1","providerSessionGuid":"7d1541fa-5747-429a-a6a0-1939f4d88028","actionUrl":"https://pay.example/3ds?x=1","provider":{"a":"\u00e9"},"resultData":{"code":"00"},"declineReasons":{"category":"c","reasons":["r"]}}`,
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
		// A session an accepted event changed is never refused by the
		// rules every read judges it by (ForeignField), nor one an accepted
		// event's reason canceled.
		amount := int64(100)
		v := New(&Draft{Amount: &amount, Currency: "EUR"}, "m-1", "1bbb38a6-c081-4a56-8e5e-92c8a6c847b0", "tok", t0, DefaultPolicy)
		c := v.Clone()
		if applied, err := v.Apply(&e, t0.Add(time.Minute), DefaultPolicy); err == nil && applied {
			if f := v.ForeignField(true); f != "" {
				t.Fatalf("session an accepted event changed: ForeignField(true) = %q; want \"\" (%s)", f, body)
			}
		}
		if (&CancelRequest{Reason: e.Reason}).Validate() == nil && c.Cancel(e.Reason, t0.Add(time.Minute), DefaultPolicy) == nil {
			if f := c.ForeignField(true); f != "" {
				t.Fatalf("session canceled with an accepted reason: ForeignField(true) = %q; want \"\" (%s)", f, body)
			}
		}
	})
}
