package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/store"
)

// TestLargestEscapedCreateIsRemembered: a create whose body fits the
// request limit but whose answer is as large as a body can make it is
// stored, answer and all, and replayed. The first answer is remembered
// with its Idempotency-Key in one item, which DynamoDB caps at 400 KB, and
// Go's JSON encoder writes each '<', '>' and '&' of the request as six
// bytes (\u003c): a 64 KiB body of them answers about 6 × 64 KiB. That
// item is not measured as a session's is (SESSION_TOO_LARGE); it fits
// because the body limit keeps it under 400 KB, which this test holds.
func TestLargestEscapedCreateIsRemembered(t *testing.T) {
	h := newHarnessWith(t, store.ClientOptions{})
	merchant := h.merchantToken("m-1")
	object := func(n int) json.RawMessage { return json.RawMessage(`{"a":"` + strings.Repeat("<", n) + `"}`) }
	body := map[string]any{"amount": 1, "currency": "EUR", "returnUrl": "https://shop.example/r?" + strings.Repeat("&", 2000)}
	for _, f := range []string{"provider", "paymentMethodDetails", "appearance"} {
		body[f] = object(16<<10 - 8) // each object at its 16 KiB limit
	}
	encode := func() string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // as a client sends it: one byte each
		if err := enc.Encode(body); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	// Metadata values of 500 '<' while the body fits, the last one cut to
	// fill the body to its limit (or dropped, when its key alone is over).
	md := map[string]string{}
	body["metadata"] = md
	for i := 0; ; i++ {
		k := fmt.Sprintf("k%02d", i)
		md[k] = strings.Repeat("<", 500)
		if over := len(encode()) - httpapi.MaxBodyBytes; over > 0 {
			if over < 500 {
				md[k] = md[k][:500-over]
			} else {
				delete(md, k)
			}
			break
		}
	}
	raw := encode()
	if len(raw) > httpapi.MaxBodyBytes || len(raw) < httpapi.MaxBodyBytes-16 {
		t.Fatalf("body of %d bytes; want %d, or a few bytes less", len(raw), httpapi.MaxBodyBytes)
	}
	first := h.do("POST", "/sessions", merchant, raw, "Idempotency-Key", "largest")
	if first.Code != 201 {
		t.Fatalf("create = %d %.300s; want 201", first.Code, first.Body)
	}
	if first.Body.Len() < 6*httpapi.MaxBodyBytes*9/10 {
		t.Fatalf("answer of %d bytes; want the escaped worst case, about 6 × %d", first.Body.Len(), httpapi.MaxBodyBytes)
	}
	replay := h.do("POST", "/sessions", merchant, raw, "Idempotency-Key", "largest")
	if replay.Code != 201 || replay.Header().Get("Idempotent-Replayed") != "true" || replay.Body.String() != first.Body.String() {
		t.Errorf("replay = %d (replayed %q), %d bytes; want the first answer, %d bytes", replay.Code, replay.Header().Get("Idempotent-Replayed"), replay.Body.Len(), first.Body.Len())
	}
	t.Logf("a %d-byte create answered %d bytes", len(raw), first.Body.Len())
}
