package store_test

import (
	"context"
	"errors"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestAnswersThatPanicTheSDKAre503: the SDK's JSON reader (smithy-go
// v1.28.8, schema serde) panics on some answers that are not JSON where a
// map's key is due (a slice out of range on a one-byte token:
// {"Responses":{"":[}[{), and the list reads its BatchGetItems and
// Queries in goroutines of its own, where a panic ends the process (every
// request the instance serves, the sweeper's run). docs/design.md §8: "An
// answer the SDK cannot read (cut short, not DynamoDB's), 4xx included,
// names no verdict: 503", and its log line names "that answer's HTTP
// status" (README). (Found by FuzzListAnswer; before the fix this
// test ended the test binary with the SDK's panic.)
func TestAnswersThatPanicTheSDKAre503(t *testing.T) {
	r := newReadFixture(t)
	tests := []struct{ name, op, body string }{
		{"Responses' table list cut by a }", "BatchGetItem", `{"Responses":{"":[}[{`},
		{"a second table's list cut by a }", "BatchGetItem", `{"Responses":{"t":[],"u":[}]`},
		{"a table list cut by a } before a number", "BatchGetItem", `{"Responses":{"t":[}1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := r.store(t, tt.op, false, 200, "", []byte(tt.body))
			_, err := s.ListByDay(context.Background(), store.ListQuery{MerchantID: "m-1", Day: r.now}, func(*session.Session) bool { return true })
			var re *awshttp.ResponseError
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE || !errors.As(err, &re) || re.HTTPStatusCode() != 200 {
				t.Errorf("got error %v (code %q); want EUNAVAILABLE naming the answer's status, 200", err, got)
			}
		})
	}
}
