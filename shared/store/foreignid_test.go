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

// TestLostAnswerErrorQuotesNoForeignID: a write whose answer was lost and
// which others wrote eight times on top of is a 503 whose ERROR line
// carries the error's text (README, Security: "a token, key, secret or card
// number never reaches a log"). That text named the session written, and a
// session's id is stored text the store reads back to write it: a parent's
// childSessionId, a child's parentSessionId, an expiry entry's id, all of
// which an item the service did not write can fill with anything
// (decodeItemOf quotes neither id unless it is a UUID, for that). The
// single-item write's "write … of session <id>" and the transaction's
// "transaction … on session <id>" quoted it whole (r100-logs, by reading).
// Each row writes a session whose id holds a secret, loses the write's
// answer under eight writes on top, and checks the logged error: EUNAVAILABLE
// and none of the id's text.
func TestLostAnswerErrorQuotesNoForeignID(t *testing.T) {
	const foreign = "hunter2 Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4"
	ctx := context.Background()
	for _, tt := range lostAnswerWrites(ctx) {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			var calls atomic.Int64
			var f *fixture
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
				if _, err := storetest.Apply(req); err != nil {
					return nil, err
				}
				for range 8 {
					if err := touchSession(ctx, f.clean(), foreign); err != nil {
						t.Errorf("write on top = %v", err)
					}
				}
				return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET} // answer lost
			}}
			f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			// The foreign item: a session of the service's, copied under an
			// id that is a secret (its key and its id attribute agree).
			v := f.create(t, "m-1")
			other := f.create(t, "m-1")
			item := f.raw(t, v.ID)
			item["pk"] = &ddb.AttributeValueMemberS{Value: "SESSION#" + foreign}
			item["id"] = &ddb.AttributeValueMemberS{Value: foreign}
			// Its place in the list index follows its id, as every
			// read holds it to (else 500 before any write).
			item["createdKey"] = &ddb.AttributeValueMemberS{Value: strings.TrimSuffix(item["createdKey"].(*ddb.AttributeValueMemberS).Value, v.ID) + foreign}
			if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			armed.Store(true)
			err := tt.write(f.st, foreign, other.ID)
			armed.Store(false)
			if calls.Load() < 2 {
				t.Fatalf("the SDK did not retry (%d calls): the test tests nothing", calls.Load())
			}
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
				t.Fatalf("write = %v: got %s; want %s (outcome unknown)", err, got, session.EUNAVAILABLE)
			}
			if got := store.LoggedError(err); strings.Contains(got, "hunter2") || strings.Contains(got, "Zm9v") {
				t.Errorf("LoggedError() = %q: got the stored id's text; want none of it", got)
			}
		})
	}
}
