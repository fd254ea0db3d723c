package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestAmountReadsBackAsCreated: docs/design.md §3, "`amount` (an integer in
// minor units)", and §6, 001's "`amount` is a JSON number"; document 001's
// sample, "currency": "ZAR", "amount": 8800. The amount is never converted:
// whatever the currency's ISO 4217 exponent (JPY 0, EUR 2, BHD 3, CLF 4, or a
// code with none such as XXX, which the service accepts), the native answer,
// an Idempotency-Key replay and 001, before and after the processor's
// events, and on a child session, carry the very digits the merchant sent:
// no fraction, no exponent (10^15 is not 1e+15), no float artefact. The
// documents 000, 002, 003 and 004 show no amount, and none is added.
func TestAmountReadsBackAsCreated(t *testing.T) { eachStore(t, testAmountReadsBackAsCreated) }

func testAmountReadsBackAsCreated(t *testing.T, h *harness) {
	merchant := h.token("m-1", auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopePaymentRead, auth.ScopeUser)
	proc := h.processorToken()
	key002 := h.apiKey("m-1", auth.ScopeSessionsRead) // 002 is read with an X-Api-Key
	amounts := []string{"0", "1", "3", "10", "100", "8800", "123456789", "999999999999999", "1000000000000000"}
	currencies := []string{"JPY", "KRW", "EUR", "USD", "ZAR", "BHD", "KWD", "TND", "CLF", "XXX", "ABC"}
	n := 0
	for _, cur := range currencies {
		for _, amt := range amounts {
			n++
			// Spread the pairs so every amount meets every kind of exponent
			// without 99 sessions per store.
			if n%3 != 0 && amt != "1000000000000000" && amt != "0" && amt != "8800" {
				continue
			}
			name := cur + "/" + amt
			body := `{"amount":` + amt + `,"currency":"` + cur + `"}`
			key := fmt.Sprintf("money-%s-%s", cur, amt)
			created := h.do("POST", "/sessions", merchant, body, "Idempotency-Key", key)
			if created.Code != http.StatusCreated {
				t.Fatalf("%s: create = %d %s; want 201", name, created.Code, created.Body)
			}
			id := created.json(t)["id"].(string)
			wantAmount(t, name+" create", created.Body.Bytes(), amt, cur)
			replay := h.do("POST", "/sessions", merchant, body, "Idempotency-Key", key)
			if replay.Code != http.StatusCreated || !bytes.Equal(replay.Body.Bytes(), created.Body.Bytes()) {
				t.Errorf("%s: replay = %d %s; want 201 %s", name, replay.Code, replay.Body, created.Body)
			}
			wantAmount(t, name+" native", h.do("GET", "/sessions/"+id, merchant, nil).Body.Bytes(), amt, cur)
			wantAmount001(t, name+" 001", h.do("GET", "/v2.0/payments/"+id+"/status", merchant, nil), amt, cur)
			for _, p := range []string{"/v1/session/" + id, "/payment-sessions/" + id, "/v1/checkout-sessions/" + id + "?init=true", "/pps/api/v1/session-record/" + id} {
				token, headers := merchant, []string{"X-Merchant-Id", "m-1"}
				if p == "/payment-sessions/"+id {
					token, headers = "", []string{"X-Api-Key", key002}
				}
				res := h.do("GET", p, token, nil, headers...)
				if res.Code != http.StatusOK {
					t.Fatalf("%s: GET %s = %d %s; want 200", name, p, res.Code, res.Body)
				}
				if bytes.Contains(bytes.ToLower(res.Body.Bytes()), []byte(`"amount"`)) || bytes.Contains(res.Body.Bytes(), []byte(`"`+cur+`"`)) {
					t.Errorf("%s: GET %s = %s; want no amount or currency (the document shows none)", name, p, res.Body)
				}
			}
			// A child with the same money, then the processor's events.
			child := h.do("POST", "/sessions", merchant, `{"amount":`+amt+`,"currency":"`+cur+`","parentSessionId":"`+id+`"}`)
			if child.Code != http.StatusCreated {
				t.Fatalf("%s: child create = %d %s; want 201", name, child.Code, child.Body)
			}
			childID := child.json(t)["id"].(string)
			for _, st := range []string{"PROCESSING", "AUTHORISED", "SETTLED"} {
				if res := h.do("POST", "/sessions/"+childID+"/events", proc, `{"status":"`+st+`"}`); res.Code != http.StatusOK {
					t.Fatalf("%s: child event %s = %d %s; want 200", name, st, res.Code, res.Body)
				}
			}
			for _, sid := range []string{id, childID} {
				wantAmount(t, name+" native after events", h.do("GET", "/sessions/"+sid, merchant, nil).Body.Bytes(), amt, cur)
				wantAmount001(t, name+" 001 after events", h.do("GET", "/v2.0/payments/"+sid+"/status", merchant, nil), amt, cur)
			}
		}
	}
	// 004's day list, every record of the day: no amount either.
	day := h.do("GET", "/pps/api/v1/session-record?createdDate=2026-11-23", merchant, nil)
	if day.Code != http.StatusOK || bytes.Contains(bytes.ToLower(day.Body.Bytes()), []byte(`"amount"`)) {
		t.Errorf("004 day list = %d %.300s; want 200 without an amount", day.Code, day.Body)
	}
}

// wantAmount checks a native session body's amount and currency members,
// byte for byte.
func wantAmount(t *testing.T, name string, body []byte, amount, currency string) {
	t.Helper()
	var v struct {
		Amount   json.RawMessage `json:"amount"`
		Currency json.RawMessage `json:"currency"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %s: %v", name, body, err)
	}
	if string(v.Amount) != amount || string(v.Currency) != `"`+currency+`"` {
		t.Errorf("%s: amount %s currency %s; want %s %q", name, v.Amount, v.Currency, amount, currency)
	}
}

// wantAmount001 checks 001's data.amount and data.currency, byte for byte.
func wantAmount001(t *testing.T, name string, res response, amount, currency string) {
	t.Helper()
	if res.Code != http.StatusOK {
		t.Fatalf("%s = %d %s; want 200", name, res.Code, res.Body)
	}
	var e struct{ Data json.RawMessage }
	if err := json.Unmarshal(res.Body.Bytes(), &e); err != nil {
		t.Fatalf("%s: %s: %v", name, res.Body, err)
	}
	wantAmount(t, name, e.Data, amount, currency)
}
