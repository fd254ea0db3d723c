package store_test

import (
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestItemTimesAndDayAreUTCWhateverTheZone: docs/design.md §8, "Times are
// stored as fixed-width UTC strings, so string order is time order and
// conditions compare them directly", and the day list "partitioned by
// `<merchantId>#<yyyy-mm-dd>#<shard>`" for the sessions "created on that UTC
// day" (README). An instant handed over in another zone (a clock read as
// local time where TZ is not UTC: `make run` on a laptop) is stored as the
// same UTC string, and its session listed on its UTC day: written as the
// zone's wall clock with the layout's literal "Z", 22:30 UTC at +05:00
// would be stored as 03:30 the next day, in the next day's list partition.
// Kills formatTime and merchantDay without their .UTC(), which no test saw
// (every test's clock is UTC).
func TestItemTimesAndDayAreUTCWhateverTheZone(t *testing.T) {
	at := time.Date(2026, 11, 23, 22, 30, 0, 0, time.UTC)
	v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a", "tok", at, session.DefaultPolicy)
	east := time.FixedZone("UTC+5", 5*60*60)
	v.CreatedAt, v.UpdatedAt, v.ExpiresAt = v.CreatedAt.In(east), v.UpdatedAt.In(east), v.ExpiresAt.In(east)
	st := store.New(nil, "t", session.DefaultPolicy, 16, func() time.Time { return at })
	item, err := st.Item(v)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		attr   string
		prefix string // the attribute's value, or its start
		whole  bool
	}{
		{"createdAt", "2026-11-23T22:30:00.0000000Z", true},
		{"updatedAt", "2026-11-23T22:30:00.0000000Z", true},
		{"expiresAt", "2026-11-23T23:00:00.0000000Z", true},
		{"createdKey", "2026-11-23T22:30:00.0000000Z#" + v.ID, true},
		{"merchantDayShard", "m-1#2026-11-23#", false},
	}
	for _, tt := range tests {
		t.Run(tt.attr, func(t *testing.T) {
			s, ok := item[tt.attr].(*ddb.AttributeValueMemberS)
			switch {
			case !ok:
				t.Fatalf("%s: got %v; want a string", tt.attr, item[tt.attr])
			case tt.whole && s.Value != tt.prefix:
				t.Errorf("%s: got %q; want %q", tt.attr, s.Value, tt.prefix)
			case !tt.whole && (len(s.Value) < len(tt.prefix) || s.Value[:len(tt.prefix)] != tt.prefix):
				t.Errorf("%s: got %q; want it to start %q", tt.attr, s.Value, tt.prefix)
			}
		})
	}
}
