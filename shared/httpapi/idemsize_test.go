package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestIdempotencyRecordOfTheLargestAnswerFits: a create with an
// Idempotency-Key stores its 201 answer in the key's record, in the same
// transaction as the session, and DynamoDB refuses an item over 400 KB
// ("The maximum item size in DynamoDB is 400 KB, which includes both
// attribute name binary length (UTF-8 length) and attribute value
// lengths"): the whole create would fail, a 500. The answer is not bounded
// by the 64 KiB body limit alone: json.Marshal writes '<', '>' and '&' as
// \u003c, six bytes for one. A body of MaxBodyBytes made of them, in every
// field that takes them (the three 16 KiB objects, metadata, orderId), is
// the worst case (about 6 × 64 KiB, 391,733 bytes measured): it must be
// created, and replayed byte for byte. The test fails if a field is
// rendered twice, the body limit grows or a field's cap rises enough to
// push the record past the item limit.
func TestIdempotencyRecordOfTheLargestAnswerFits(t *testing.T) {
	h := newHarness(t)
	obj := func(n int) string { return `{"a":"` + strings.Repeat("<", n-8) + `"}` }
	var b strings.Builder
	b.WriteString(`{"amount":100,"currency":"EUR","provider":` + obj(16<<10) +
		`,"paymentMethodDetails":` + obj(16<<10) + `,"appearance":` + obj(16<<10) + `,"metadata":{`)
	for i := 0; i < 50; i++ {
		left := httpapi.MaxBodyBytes - b.Len() - 300 // room for orderId and the closing
		if left < 60 {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%02d%s":"%s"`, i, strings.Repeat(">", 38), strings.Repeat("<", min(500, left-50)))
	}
	b.WriteString(`},"orderId":"` + strings.Repeat("&", 255) + `"}`)
	body := b.String()
	if len(body) > httpapi.MaxBodyBytes || len(body) < httpapi.MaxBodyBytes-400 {
		t.Fatalf("body is %d bytes; want just under %d", len(body), httpapi.MaxBodyBytes)
	}
	tok := h.merchantToken("m-1")
	first := h.do("POST", "/sessions", tok, body, "Idempotency-Key", "largest-answer")
	if first.Code != 201 {
		t.Fatalf("create = %d %.300s; want 201", first.Code, first.Body)
	}
	if n := first.Body.Len(); n < 380_000 {
		t.Fatalf("answer is %d bytes; want the escaped worst case (over 380,000)", n)
	}
	again := h.do("POST", "/sessions", tok, body, "Idempotency-Key", "largest-answer")
	if again.Code != 201 || again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %d (%d bytes, replayed %q); want the first answer (%d bytes) replayed",
			again.Code, again.Body.Len(), again.Header().Get("Idempotent-Replayed"), first.Body.Len())
	}
}
