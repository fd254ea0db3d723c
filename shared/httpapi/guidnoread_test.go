package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/smithy-go/middleware"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestPaymentIDThatIsNoGUIDCostsNoDynamoDBCall: README, document 001:
// "anything that is no GUID names no payment: 404 ... never a DynamoDB
// read". Each id here is 404 SESSION_NOT_FOUND in 001's envelope with no
// DynamoDB call. An id reader that let such an id through to the store
// answered every one of them 404 alike (no item has that key) and passed
// every test; on DynamoDB a segment over its 2,048-byte key limit is then
// a ValidationException, 500.
func TestPaymentIDThatIsNoGUIDCostsNoDynamoDBCall(t *testing.T) {
	calls := &storetest.CallCounter{}
	h := newHarnessWith(t, store.ClientOptions{APIOptions: []func(*middleware.Stack) error{calls.APIOption}})
	tok := h.token("m-1", auth.ScopePaymentRead)
	for _, id := range []string{
		"not-a-guid",
		"00000000-0000-0000-0000-0000000000000",           // a digit too many
		"0x00000000-0000-0000-0000-000000000000",          // a "0x" before its first group
		"{0x0,0x0,0x0,{0x0,0x0,0x0,0x0,0x0,0x0,0x0,0x0}}", // X groups short of their width
		strings.Repeat("a", 3000),
	} {
		calls.Take()
		res := h.do(http.MethodGet, "/v2.0/payments/"+url.PathEscape(id)+"/status", tok, nil)
		var env struct {
			Notifications []struct{ Code string }
		}
		_ = json.Unmarshal(res.Body.Bytes(), &env)
		if res.Code != http.StatusNotFound || len(env.Notifications) != 1 || env.Notifications[0].Code != "SESSION_NOT_FOUND" {
			t.Errorf("%.40s: %d %.200s; want 404 SESSION_NOT_FOUND in the envelope", id, res.Code, res.Body)
		}
		if got := calls.Take(); len(got) != 0 {
			t.Errorf("%.40s: DynamoDB calls %q; want none", id, got)
		}
	}
}
