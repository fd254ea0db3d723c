package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestDocument003MerchantHeaderIsTheMerchant: document 003's sample request
// sends "X-Merchant-Id: {merchantId}", and "Access Control - Returns 403 if
// the merchant is not authorized". The header names one merchant, as sent:
// only the optional white space HTTP allows around a field value (SP and
// HTAB, RFC 9110 §5.5) is not part of it. A value padded with other white
// space (NO-BREAK SPACE, LINE SEPARATOR, NEL, IDEOGRAPHIC SPACE, VT, FF)
// names another merchant, which the caller does not act for: 403, as the
// Spring service behind the document compares it (String.equals after the
// container's trim of SP and HTAB). A value with a comma is two values (API
// Gateway joins a repeated header with commas), empty ones included: 400.
func TestDocument003MerchantHeaderIsTheMerchant(t *testing.T) {
	h := newMemoryHarness(t)
	user := h.token("m-1", auth.ScopeUser)
	id := h.create("m-1", nil)
	get := func(values ...string) response {
		r := httptest.NewRequest("GET", "/v1/checkout-sessions/"+id, nil)
		r.Header.Set("Authorization", "Bearer "+user)
		if values != nil {
			r.Header["X-Merchant-Id"] = values
		}
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		return response{w}
	}
	for _, v := range []string{"m-1", " m-1", "m-1 ", "\tm-1\t", " \t m-1 \t "} {
		if res := get(v); res.Code != 200 {
			t.Errorf("X-Merchant-Id %q = %d %s; want 200", v, res.Code, res.Body)
		}
	}
	for _, v := range []string{
		"m-1\u00a0", "\u00a0m-1", "m-1\u2028", "\u2029m-1", "m-1\u0085", "m-1\u3000", "\u1680m-1", "m-1\u200b",
		"m-1\v", "\fm-1", "m-1\r", "m-1\x00", "M-1", "m-1.", "m-1 m-1",
	} {
		t.Run(fmt.Sprintf("%q", v), func(t *testing.T) { wantProblem(t, get(v), 403, session.ReasonMerchantMismatch) })
	}
	for _, values := range [][]string{
		{",m-1"}, {"m-1,"}, {" , m-1"}, {"m-1, "}, {"m-1,m-1"}, {"m-1, m-2"}, {","},
		{"m-1", "m-1"}, {"m-1", ""}, {"", "m-1"},
	} {
		t.Run(fmt.Sprintf("%q", values), func(t *testing.T) {
			if b := wantProblem(t, get(values...), 400, session.ReasonValidation); b != nil && b["field"] != "X-Merchant-Id" {
				t.Errorf("field = %v; want X-Merchant-Id", b["field"])
			}
		})
	}
	// docs/design.md §3: the service refuses "anything that could be a
	// full card number, wherever input is taken", `X-Merchant-Id` among
	// them: 400 naming it, not the 403 of another merchant's id
	// (r81-design: it was 403).
	for _, v := range []string{"4111111111111111", "4111 1111 1111 1111", " 4111-1111-1111-1111 ", "\uff14111111111111111"} {
		t.Run(fmt.Sprintf("%q", v), func(t *testing.T) {
			if b := wantProblem(t, get(v), 400, session.ReasonCardNumber); b != nil && b["field"] != "X-Merchant-Id" {
				t.Errorf("field = %v; want X-Merchant-Id", b["field"])
			}
		})
	}
	// Absent or empty: required.
	for _, values := range [][]string{nil, {""}, {" "}, {"\t"}} {
		t.Run(fmt.Sprintf("%q", values), func(t *testing.T) {
			if b := wantProblem(t, get(values...), 400, session.ReasonValidation); b != nil && b["field"] != "X-Merchant-Id" {
				t.Errorf("field = %v; want X-Merchant-Id", b["field"])
			}
		})
	}
}

// TestStatusEndpointsFailInTheirShape: document 001 "returns our
// ApiResponse envelope", and docs/design.md §6 "Errors ... use the same
// envelope with data: null ..."; the other status endpoints answer errors
// as RFC 9457 problems; "Every response the service makes carries
// Cache-Control: no-store" and a 503 "Retry-After". A stored session the
// service cannot read (500) and DynamoDB throttling past the SDK's retries
// (503) are answered so by each of 000, 001, 002 and 003, with no internal
// text in the body.
func TestStatusEndpointsFailInTheirShape(t *testing.T) {
	faults := storetest.NewFaultTransport(0, storetest.Throttle)
	h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faults}, MaxAttempts: 2})
	d := newDialectReader(h, "m-1")
	id := h.create("m-1", nil)
	check := func(t *testing.T, rs map[string]response, status int, code string) {
		t.Helper()
		for _, name := range []string{"000", "001", "002", "003"} {
			res := rs[name]
			if res.Code != status || res.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("%s = %d, Cache-Control %q; want %d, no-store", name, res.Code, res.Header().Get("Cache-Control"), status)
				continue
			}
			if status == http.StatusServiceUnavailable && res.Header().Get("Retry-After") == "" {
				t.Errorf("%s: 503 without Retry-After", name)
			}
			for _, leak := range []string{"decode", "parsing", "Throttling", "injected", "dynamodb", "operation error"} {
				if strings.Contains(res.Body.String(), leak) {
					t.Errorf("%s body %s leaks %q", name, res.Body, leak)
				}
			}
			if name == "001" {
				wantEnvelope(t, res, status, code)
			} else {
				wantProblem(t, res, status, code)
			}
		}
	}
	t.Run("throttled", func(t *testing.T) {
		faults.SetEvery(1)
		defer faults.SetEvery(0)
		check(t, d.all(id), http.StatusServiceUnavailable, session.ReasonUnavailable)
	})
	t.Run("unreadable item", func(t *testing.T) {
		pk, _ := attributevalue.Marshal("SESSION#" + id)
		if _, err := h.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
			TableName:                 aws.String(h.table),
			Key:                       map[string]ddb.AttributeValue{"pk": pk, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}},
			UpdateExpression:          aws.String("SET createdAt = :bad"),
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":bad": &ddb.AttributeValueMemberS{Value: "not a time"}},
		}); err != nil {
			t.Fatal(err)
		}
		check(t, d.all(id), http.StatusInternalServerError, session.ReasonInternal)
	})
}
