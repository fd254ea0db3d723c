package storetest_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestFakeDynamoAnswersReadAsDynamoDBs: the benchmarks' fake answers every
// call the way DynamoDB does, so the store's own client (with its checks
// of answers DynamoDB never sends: refuseEmptySuccess,
// refuseForeignAnswers) reads them as answers, found or not. A Query that
// matched nothing once came back as "Items": null, which the client
// rightly refuses (503), and the benchmarks measured that refusal.
func TestFakeDynamoAnswersReadAsDynamoDBs(t *testing.T) {
	srv := httptest.NewServer(storetest.NewFakeDynamo())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	db, err := store.NewClient(ctx, store.ClientOptions{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	const table = "t"
	key := func(pk string) map[string]ddb.AttributeValue {
		return map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: pk}, "sk": &ddb.AttributeValueMemberS{Value: "s"}}
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: key("there")}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	query := func(pk string) (int, error) {
		out, err := db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(table),
			KeyConditionExpression:    aws.String("#0 = :0"),
			ExpressionAttributeNames:  map[string]string{"#0": "pk"},
			ExpressionAttributeValues: map[string]ddb.AttributeValue{":0": &ddb.AttributeValueMemberS{Value: pk}},
		})
		if err != nil {
			return 0, err
		}
		return len(out.Items), nil
	}
	batch := func(pk string) (int, error) {
		out, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{
			table: {Keys: []map[string]ddb.AttributeValue{key(pk)}},
		}})
		if err != nil {
			return 0, err
		}
		return len(out.Responses[table]), nil
	}
	get := func(pk string) (int, error) {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(pk)})
		if err != nil {
			return 0, err
		}
		return len(out.Item) / 2, nil
	}
	tests := []struct {
		name string
		call func(pk string) (int, error)
		pk   string
		want int
	}{
		{"Query, a match", query, "there", 1},
		{"Query, no match", query, "missing", 0},
		{"BatchGetItem, found", batch, "there", 1},
		{"BatchGetItem, not found", batch, "missing", 0},
		{"GetItem, found", get, "there", 1},
		{"GetItem, not found", get, "missing", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call(tt.pk)
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v; want %d, nil", got, err, tt.want)
			}
		})
	}
}
