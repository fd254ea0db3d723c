package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
)

// opaque are the members whose content is the merchant's or the
// processor's own: only their being an object is the document's shape.
var opaque = map[string]bool{"paymentResultData": true, "provider": true, "metadata": true, "appearance": true, "paymentMethod": true}

// sameShape reports where got differs from want in shape: the same keys at
// every level, the same JSON types, arrays compared element by element up
// to the shorter one.
func sameShape(t *testing.T, path string, got, want any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s = %T; want an object", path, got)
			return
		}
		if opaque[path[strings.LastIndex(path, ".")+1:]] {
			return
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				t.Errorf("%s.%s missing", path, k)
			}
		}
		for k, gv := range g {
			wv, ok := w[k]
			if !ok {
				t.Errorf("%s.%s present; the document has no such field", path, k)
				continue
			}
			sameShape(t, path+"."+k, gv, wv)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			t.Errorf("%s = %T; want an array", path, got)
			return
		}
		for i := 0; i < len(g) && i < len(w); i++ {
			sameShape(t, path, g[i], w[i])
		}
	default:
		if (got == nil) != (want == nil) || (got != nil && want != nil && jsonType(got) != jsonType(want)) {
			t.Errorf("%s = %v (%T); want a value like %v (%T)", path, got, got, want, want)
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "other"
}

// TestLocalServerAnswersEveryDialect creates, on the running local server
// and on make start-api's stack, sessions with each document's example data
// and checks that every endpoint answers in the document's shape and time
// format.
func TestLocalServerAnswersEveryDialect(t *testing.T) {
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) {
		answersEveryDialect(t, apitarget.Start(t, k, apitarget.Options{}).URL)
	})
}

func answersEveryDialect(t *testing.T, base string) {
	tok := mint(t, base, "merchant_id="+dialecttest.Merchant)
	proc := client{t, base, mint(t, base, "merchant_id=&scope=sessions:process")}
	c := client{t, base, tok}

	createAndMove := func(body string, events ...string) string {
		t.Helper()
		code, s := c.call("POST", "/sessions", body)
		if code != 201 {
			t.Fatalf("create = %d %v", code, s)
		}
		id := s["id"].(string)
		for _, ev := range events {
			if code, s := proc.call("POST", "/sessions/"+id+"/events", ev); code != 200 {
				t.Fatalf("event %s = %d %v", ev, code, s)
			}
		}
		return id
	}
	get := func(path string, headers ...string) any {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s = %d %s", path, res.StatusCode, raw)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	finished := createAndMove(`{"amount":1240,"currency":"GBP","callGuid":"a0dc3aca-92f7-4cac-9f12-208a2916be7d"}`,
		`{"status":"SETTLED","providerSessionGuid":"7d1541fa-5747-429a-a6a0-1939f4d88028","resultData":{"decision":"ACCEPT","reasonCode":"100"}}`)
	payment := createAndMove(`{"amount":8800,"currency":"ZAR","paymentMethod":"Card","paymentScenario":"Payment"}`,
		`{"status":"PROCESSING","reason":"Started processing payment."}`,
		`{"status":"SENT","reason":"The payment was sent to the payment provider."}`,
		`{"status":"REQUIRES_ACTION","actionUrl":"https://auth.payments.co.za/?id=2c5b9188-7d59-4c51-a486-24202821bfbc"}`,
		`{"status":"AUTHORISED","transactionId":"20220211-0013-0000-0382"}`)
	hosted := createAndMove(`{"amount":100,"currency":"USD","orderId":"e3f4a5b6-c7d8-9012-3456-123456789012","paymentProvider":"STRIPE","savePaymentProfile":true,"hosted":true,` +
		`"provider":{"clientSecret":"pi_1234_secret_abcd","publishableKey":"pk_test_1234567890abcdef","paymentIntentId":"pi_1234567890abcdef"},` +
		`"metadata":{"source":"mobile_app","campaign":"summer_2024"},"paymentProfileId":"f4a5b6c7-d8e9-0123-4567-234567890123",` +
		`"returnUrl":"https://example.com/order/confirmation","cancelUrl":"https://example.com/order/checkout"}`)
	checkout := createAndMove(`{"amount":1,"currency":"EUR","paymentMethodDetails":{"type":"CARD","brand":"VISA","last4":"1111"},"appearance":{"theme":"dark"},"cardCategories":["CREDIT","DEBIT"]}`)
	failed := createAndMove(`{"amount":1,"currency":"EUR","transactionId":"t-1","partnerTransactionId":"p-1","shopBuyerId":"b-1"}`,
		`{"status":"FAILED","declineReasons":{"category":"RISK","reasons":["score too high"]}}`)

	keyCode, keyBody := c.call("POST", "/api-keys", `{"scopes":["sessions:read"]}`)
	if keyCode != 201 {
		t.Fatalf("POST /api-keys = %d %v", keyCode, keyBody)
	}
	want003 := dialecttest.Checkout().Want
	delete(want003["data"].(map[string]any)["checkoutSession"].(map[string]any), "childSession") // no child here

	micro6 := `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`
	dotnet := `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?\+00:00$`
	seconds := `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`
	millis := `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`
	tests := []struct {
		doc     string
		got     any
		want    map[string]any
		times   map[string]string // JSON path (dots) -> format
		headers []string
	}{
		{"000", get("/v1/session/" + finished), dialecttest.V1Session().Want, map[string]string{"lastUpdatedOn": micro6, "createdOn": micro6}, nil},
		{"001", get("/v2.0/payments/" + payment + "/status"), dialecttest.PaymentStatus().Want, map[string]string{"data.createdOn": dotnet, "data.processedOn": dotnet}, nil},
		{"002", nil, dialecttest.PaymentSession().Want, map[string]string{"createdAt": seconds, "updatedAt": seconds}, []string{"X-Api-Key", keyBody["key"].(string)}},
		{"003", get("/v1/checkout-sessions/"+checkout+"?init=true", "X-Merchant-Id", dialecttest.Merchant), want003, map[string]string{"data.checkoutSession.createdAt": seconds, "data.checkoutSession.expiresAt": seconds}, nil},
		{"004", get("/pps/api/v1/session-record/" + failed), dialecttest.SessionRecord().Want, map[string]string{"created_date": millis, "updated_date": millis}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			got := tt.got
			if tt.doc == "002" {
				req, _ := http.NewRequest("GET", base+"/payment-sessions/"+hosted, nil)
				req.Header.Set(tt.headers[0], tt.headers[1])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				_ = json.NewDecoder(res.Body).Decode(&got)
			}
			sameShape(t, "$", got, tt.want)
			for path, format := range tt.times {
				v := got
				for _, p := range strings.Split(path, ".") {
					v = v.(map[string]any)[p]
				}
				if s, _ := v.(string); !regexp.MustCompile(format).MatchString(s) {
					t.Errorf("%s = %v; want the format %s", path, v, format)
				}
			}
		})
	}
	// The list answers the same records.
	var list any
	req, _ := http.NewRequest("GET", base+"/pps/api/v1/session-record?createdDate="+strings.Split(get("/pps/api/v1/session-record/" + failed).(map[string]any)["created_date"].(string), "T")[0], nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_ = json.NewDecoder(res.Body).Decode(&list)
	records, ok := list.([]any)
	if !ok || len(records) != 5 {
		t.Fatalf("list = %v; want the 5 sessions", list)
	}
	for _, r := range records {
		if r.(map[string]any)["session_id"] == failed {
			sameShape(t, "$[]", r, dialecttest.SessionRecord().Want)
		}
	}
}
