package store_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestDeployedClientRetriesAnAnswerFailingItsChecksum: the deployed client
// (no endpoint, the SDK's CRC32 check on) fails an answer whose body does
// not match its x-amz-crc32 and retries it, success or error alike; after
// the client's 5 tries it is README's "An answer from DynamoDB the SDK
// cannot read ... is 503: its verdict is unknown". aws-sdk-go-v2's
// DynamoDB client v1.74.1 made the check fail the call ("Fail DynamoDB
// operations, and retry them, when the response body does not match the
// X-Amz-Crc32 header"); up to v1.74.0 a mismatch only made Close return
// an error the SDK logged, and the item was read as sent (client.go said
// so, for this SDK version, until this test).
func TestDeployedClientRetriesAnAnswerFailingItsChecksum(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	for _, tc := range []struct {
		name   string
		answer func(*http.Request) *http.Response
	}{
		{"an item", func(req *http.Request) *http.Response {
			return storetest.Success(req, []byte(`{"Item":{"pk":{"S":"SESSION#x"},"n":{"S":"v"}}}`))
		}},
		{"a refusal", func(req *http.Request) *http.Response {
			return storetest.ErrorResponse(req, 400, "ResourceNotFoundException", "x")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tries := 0
			ic := &storetest.Interceptor{Hook: func(_ string, req *http.Request, _ []byte) (*http.Response, error) {
				tries++
				res := tc.answer(req)
				res.Header.Set("X-Amz-Crc32", "12345") // not the body's
				return res, nil
			}}
			db, err := store.NewClient(context.Background(), store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.GetItem(context.Background(), &dynamodb.GetItemInput{
				TableName: aws.String("t"), Key: map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "SESSION#x"}},
			})
			if err == nil {
				t.Fatalf("GetItem() read an answer failing its checksum (%d tries)", tries)
			}
			if got := session.ErrorCode(store.Classify(err)); got != session.EUNAVAILABLE {
				t.Errorf("GetItem() error %v (code %q); want %q", err, got, session.EUNAVAILABLE)
			}
			if tries != 5 {
				t.Errorf("tries %d; want 5 (a mismatch is retried)", tries)
			}
		})
	}
}
