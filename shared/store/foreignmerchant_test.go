package store_test

import (
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestAnotherMerchantsDamagedItemIs404: a merchant reaches only its own
// sessions, and another merchant's is 404 as a missing one is (docs/
// design.md §7). A damaged item was decoded before its merchant was
// compared, so another merchant's read of it was 500, not 404: it told
// that merchant the id exists (r103-seeds24). Now the merchant is told
// from the raw merchantId first (ownedBy): the owner and callers acting
// for no merchant get the 500, every other merchant 404, on the store and
// storetest.Memory. An item whose merchantId is not a string is no
// merchant's: 404 to every merchant (TestMerchantIDOfAnotherTypeIsRefused).
func TestAnotherMerchantsDamagedItemIs404(t *testing.T) {
	text := func(name, s string) func(map[string]ddb.AttributeValue) {
		return func(item map[string]ddb.AttributeValue) { item[name] = &ddb.AttributeValueMemberS{Value: s} }
	}
	tests := []struct {
		name   string
		shown  bool // document 004's reads read the attribute
		change func(map[string]ddb.AttributeValue)
	}{
		{"status no release writes", true, text("status", "PARTIALLY_REFUNDED")},
		{"createdAt removed", true, func(item map[string]ddb.AttributeValue) { delete(item, "createdAt") }},
		{"parentSessionId not a session id", false, text("parentSessionId", "psk_0123456789abcdef")},
		{"version as text", false, text("version", "1")},
	}
	f := newFixture(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			merchant := "m-" + string(rune('a'+i))
			f.expectForeign(t, f.create(t, merchant), merchant, tt.shown, tt.change)
		})
	}
	t.Run("memory", func(t *testing.T) {
		v := f.create(t, "m-memory")
		v.Status = "PARTIALLY_REFUNDED"
		expectForeignInMemory(t, v, "m-memory", true)
	})
}
