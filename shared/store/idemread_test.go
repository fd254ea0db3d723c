package store_test

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestIdempotencyRecordUnreadable: a create retried with its
// Idempotency-Key reads the key's record for the first answer. A read
// DynamoDB keeps failing is README's 503 ("DynamoDB throttling ... or
// failing past the SDK's retries"), and a record the store cannot decode
// is its 500 ("a stored item of the key asked that the store cannot
// decode"); neither is a replay nor a new session. Kills store.go mutants
// 179 (the read's error ignored: a panic on the answer it did not have)
// and 185 (the decoding's error ignored: a record read as expired or with
// another status).
func TestIdempotencyRecordUnreadable(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		fail  bool // the record's read answers 500, every try
		spoil func(f *fixture) error
		want  session.Code
	}{
		{"its read failing", true, nil, session.EUNAVAILABLE},
		{"its status written as a string", false, func(f *fixture) error {
			return setIdempotencyAttr(f, "status", &ddb.AttributeValueMemberS{Value: "x"})
		}, session.EINTERNAL},
		{"its expiry written as a string", false, func(f *fixture) error {
			return setIdempotencyAttr(f, "expiresAtEpoch", &ddb.AttributeValueMemberS{Value: "x"})
		}, session.EINTERNAL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var armed atomic.Bool
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, body []byte) (*http.Response, error) {
				if op == "GetItem" && armed.Load() && tt.fail && bytes.Contains(body, []byte("IDEMPOTENCY#")) {
					return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)."), nil
				}
				return nil, nil
			}}
			f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
			idem := &store.Idempotency{MerchantID: "m-1", Key: "order-1", RequestHash: store.HashRequest([]byte("body"))}
			first := f.newDraftSession("m-1", "")
			if _, r, err := f.st.Create(ctx, first, idem, 201, idBody); err != nil || r != nil {
				t.Fatalf("first Create() = %+v, %v; want a new session", r, err)
			}
			if tt.spoil != nil {
				if err := tt.spoil(f); err != nil {
					t.Fatal(err)
				}
			}
			armed.Store(true)
			retry := f.newDraftSession("m-1", "")
			_, r, err := f.st.Create(ctx, retry, idem, 201, idBody)
			if got := session.ErrorCode(err); got != tt.want || r != nil {
				t.Errorf("retried Create() = %+v, %v; got code %v; want %v", r, err, got, tt.want)
			}
			armed.Store(false)
			if _, err := f.st.Get(ctx, retry.ID); session.ErrorCode(err) != session.ENOTFOUND {
				t.Errorf("the retry's session: Get() = %v; want not found (nothing stored)", err)
			}
		})
	}
}

// setIdempotencyAttr writes attribute name of the m-1/order-1 key's record
// by hand: the store's own data written badly.
func setIdempotencyAttr(f *fixture, name string, v ddb.AttributeValue) error {
	_, err := f.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(f.table),
		Key: map[string]ddb.AttributeValue{
			"pk": &ddb.AttributeValueMemberS{Value: "IDEMPOTENCY#m-1#order-1"},
			"sk": &ddb.AttributeValueMemberS{Value: "IDEMPOTENCY"},
		},
		UpdateExpression:          aws.String("SET #a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": name},
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": v},
	})
	return err
}
