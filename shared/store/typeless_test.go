package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestTypelessAttributeValuesAreNotDynamoDBs: an attribute value naming
// no type DynamoDB has ({}, {"X":1}) is in no answer of DynamoDB's, which
// types every value it sends; the SDK (service/dynamodb v1.73) reads one
// in a map or list as the value before it in the same map or list (it
// reuses one variable for them all: {"pk":{"S":"a"},"expiresAt":{}} reads
// expiresAt "a"), or as nil first. docs/design.md §8: an answer "not
// DynamoDB's ... names no verdict: 503", "never read as an item not
// found". Before the check a session item whose merchantId was {} was read
// as another merchant's session (ENOTFOUND), an expiry entry's expiresAt
// {} as its pk (EINTERNAL from the sweeper's write), and keys left
// unprocessed with a typeless sk were sent back in a BatchGetItem request
// that is not JSON. (Found by FuzzExpiryAnswer and FuzzListAnswer.)
func TestTypelessAttributeValuesAreNotDynamoDBs(t *testing.T) {
	r := newReadFixture(t)
	id := r.ids[0]
	item := r.items["SESSION#"+id]
	const entry = `{"M":{"at":{"S":"2026-11-23T10:00:00.0000000Z"},"reason":{"S":"Session created."},"status":{"S":"CREATED"}}}`
	if !strings.Contains(item, entry) || !strings.Contains(item, `]},"hosted"`) {
		t.Fatalf("the item is not written as the test expects: %s", item)
	}
	tests := []struct {
		name, op, body string
	}{
		{"merchantId {} after another attribute", "GetItem", `{"Item":` + strings.Replace(item, `"merchantId":{"S":"m-1"}`, `"merchantId":{}`, 1) + `}`},
		{"merchantId of an unknown type", "GetItem", `{"Item":` + strings.Replace(item, `"merchantId":{"S":"m-1"}`, `"merchantId":{"X":"m-1"}`, 1) + `}`},
		{"a history entry {} after another", "GetItem", `{"Item":` + strings.Replace(item, `]},"hosted"`, `,{}]},"hosted"`, 1) + `}`},
		// Within a map: the history entry's reason {} reads as its at.
		{"a history entry's reason {}", "GetItem", `{"Item":` + strings.Replace(item, `"reason":{"S":"Session created."}`, `"reason":{}`, 1) + `}`},
		// A long list is checked with a set rather than pair by pair.
		{"the 34th history entry {}", "GetItem", `{"Item":` + strings.Replace(item, `]},"hosted"`, strings.Repeat(`,`+entry, 32)+`,{}]},"hosted"`, 1) + `}`},
		{"expiresAt {} after pk", "Query", `{"Items":[{"pk":{"S":"SESSION#` + id + `"},"expiresAt":{}}],"Count":1,"ScannedCount":1}`},
		{"an unprocessed key's sk {}", "BatchGetItem", `{"Responses":{"t":[]},"UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"SESSION#` + id + `"},"sk":{}}]}}}`},
		{"an unprocessed key's first attribute {}", "BatchGetItem", `{"Responses":{"t":[]},"UnprocessedKeys":{"t":{"Keys":[{"sk":{},"pk":{"S":"SESSION#` + id + `"}}]}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := r.store(t, tt.op, false, 200, "", []byte(tt.body))
			var err error
			switch tt.op {
			case "GetItem":
				_, err = s.GetOwned(context.Background(), "m-1", id)
			case "Query":
				_, err = s.Expired(context.Background(), 0, r.now, 100, func([]store.ExpiryKey) bool { return true })
			case "BatchGetItem":
				_, err = s.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: r.now}, func(*session.Session) bool { return true })
			}
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Errorf("got error %v (code %q); want EUNAVAILABLE", err, got)
			}
		})
	}
}

// TestLongTypedListsAreDynamoDBs: a list of more values than the check
// compares pair by pair (a history of 34 entries), every value typed, is
// DynamoDB's answer and read as it is; only a value of no type is refused
// (TestTypelessAttributeValuesAreNotDynamoDBs). README: "So is an
// attribute value of no type DynamoDB has".
func TestLongTypedListsAreDynamoDBs(t *testing.T) {
	r := newReadFixture(t)
	id := r.ids[0]
	item := r.items["SESSION#"+id]
	const entry = `{"M":{"at":{"S":"2026-11-23T10:00:00.0000000Z"},"reason":{"S":"Session created."},"status":{"S":"CREATED"}}}`
	body := `{"Item":` + strings.Replace(item, `]},"hosted"`, strings.Repeat(`,`+entry, 33)+`]},"hosted"`, 1) + `}`
	s, _ := r.store(t, "GetItem", false, 200, "", []byte(body))
	v, err := s.GetOwned(context.Background(), "m-1", id)
	if err != nil {
		t.Fatalf("got error %v (code %q); want the session", err, session.ErrorCode(err))
	}
	if got := len(v.History); got != 34 {
		t.Fatalf("got %d history entries; want 34", got)
	}
}
