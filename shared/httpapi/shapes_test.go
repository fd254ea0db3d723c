package httpapi_test

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
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
	// Absent or empty: required.
	for _, values := range [][]string{nil, {""}, {" "}, {"\t"}} {
		t.Run(fmt.Sprintf("%q", values), func(t *testing.T) {
			if b := wantProblem(t, get(values...), 400, session.ReasonValidation); b != nil && b["field"] != "X-Merchant-Id" {
				t.Errorf("field = %v; want X-Merchant-Id", b["field"])
			}
		})
	}
}
