package store_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestLostAnswerErrorQuotesNoStoredVersion: a write whose answer was lost
// and whose item now stands more versions on than it remembers writes is a
// 503 whose ERROR line carries the error's text, which counted those
// versions as "answer lost, <n> later writes on top": n is the version
// DynamoDB answered (a stored number) less the one written, so an item
// the service did not write, or an answer that is not DynamoDB's, put 19
// digits of its own on the line, where README, Security, names a stored
// number the store cannot hold by its length only (r102-regress) and a
// secret never reaches a log (r102-logs, by reading). Each row loses a
// write's answer while the item's version becomes such a number, and
// checks the logged error: EUNAVAILABLE, and none of the number's digits.
func TestLostAnswerErrorQuotesNoStoredVersion(t *testing.T) {
	const stored = "3141592653589793238" // fits an int64
	ctx := context.Background()
	for _, tt := range lostAnswerWrites(ctx) {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			var calls atomic.Int64
			var f *fixture
			var id string
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if op != tt.op || !armed.Load() {
					return nil, nil
				}
				if calls.Add(1) > 1 {
					if tt.op == "TransactWriteItems" {
						return storetest.TransactionCanceled(req, body, "ConditionalCheckFailed", "ConditionalCheckFailed"), nil
					}
					return nil, nil
				}
				// Not applied; the item moves on to the stored number.
				pk := &ddb.AttributeValueMemberS{Value: "SESSION#" + id}
				if _, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName:                 aws.String(f.table),
					Key:                       map[string]ddb.AttributeValue{"pk": pk, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}},
					UpdateExpression:          aws.String("SET version = :v"),
					ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": &ddb.AttributeValueMemberN{Value: stored}},
				}); err != nil {
					t.Errorf("UpdateItem() = %v", err)
				}
				return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET} // answer lost
			}}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			v := f.create(t, "m-1")
			other := f.create(t, "m-1")
			id = v.ID
			armed.Store(true)
			err := tt.write(f.st, v.ID, other.ID)
			armed.Store(false)
			if calls.Load() < 2 {
				t.Fatalf("the SDK did not retry (%d calls): the test tests nothing", calls.Load())
			}
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Fatalf("write = %v: got %s; want %s (outcome unknown)", err, got, session.EUNAVAILABLE)
			}
			if got := store.LoggedError(err); strings.Contains(got, stored[:12]) {
				t.Errorf("LoggedError() = %q: got the stored version's digits; want none of them", got)
			}
		})
	}
}
