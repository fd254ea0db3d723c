package session

import (
	"strings"
	"testing"
)

// TestEveryCreateTextIsBounded: docs/openapi.yaml's CreateSessionRequest
// gives each free text "{type: [string, 'null'], maxLength: 255, pattern:
// '^[^\x00-\x1F\x7F-\x9F]*$'}": orderId, paymentMethod, paymentScenario,
// transactionId, partnerTransactionId, shopBuyerId, paymentProvider and
// paymentProfileId. TestRequestBoundsAtTheEdge reads the event's and the
// lists' bounds; no test held each of these texts, so a Validate that left
// paymentProfileId out of its checks (any length, control characters, a
// card number) passed every test (r94-mutate).
func TestEveryCreateTextIsBounded(t *testing.T) {
	fields := []struct {
		name string
		set  func(*Draft, string)
	}{
		{"orderId", func(d *Draft, v string) { d.OrderID = v }},
		{"paymentMethod", func(d *Draft, v string) { d.PaymentMethod = v }},
		{"paymentScenario", func(d *Draft, v string) { d.PaymentScenario = v }},
		{"transactionId", func(d *Draft, v string) { d.TransactionID = v }},
		{"partnerTransactionId", func(d *Draft, v string) { d.PartnerTransactionID = v }},
		{"shopBuyerId", func(d *Draft, v string) { d.ShopBuyerID = v }},
		{"paymentProvider", func(d *Draft, v string) { d.PaymentProvider = v }},
		{"paymentProfileId", func(d *Draft, v string) { d.PaymentProfileID = v }},
	}
	values := []struct {
		name   string
		v      string
		reason string // "" = accepted
	}{
		{"255 characters", strings.Repeat("😀", 255), ""},
		{"256 characters", strings.Repeat("😀", 256), ReasonValidation},
		{"a control character", "ab\x1fc", ReasonValidation},
		{"a C1 control character", "ab\u0085c", ReasonValidation},
		{"a card number", "4111 1111 1111 1111", ReasonCardNumber},
	}
	for _, f := range fields {
		for _, tt := range values {
			t.Run(f.name+"/"+tt.name, func(t *testing.T) {
				amount := int64(1)
				d := &Draft{Amount: &amount, Currency: "EUR"}
				f.set(d, tt.v)
				err := d.Validate()
				if got := reasonOrNone(err); got != tt.reason {
					t.Errorf("got reason %q (%v); want %q", got, err, tt.reason)
				}
				if want := map[bool]string{true: "", false: f.name}[tt.reason == ""]; ErrorField(err) != want {
					t.Errorf("got field %q; want %q", ErrorField(err), want)
				}
			})
		}
	}
}
