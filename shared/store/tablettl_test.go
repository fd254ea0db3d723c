package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestCreateTableWhileAnotherServerEnablesTTL: two local servers started
// at once on one new table (two `make run`s with one TABLE_NAME, as README's
// configuration allows) both read TTL off, and the second UpdateTimeToLive
// is refused (DynamoDB and DynamoDB Local: ValidationException "TimeToLive
// is already enabled"): r91-retention saw the second make run stop with
// "enable TTL on ...". The engine here answers as DynamoDB Local did then;
// TTL being on afterwards is what CreateTable was asked for.
func TestCreateTableWhileAnotherServerEnablesTTL(t *testing.T) {
	var mu sync.Mutex
	enabled := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		switch op {
		case "CreateTable":
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","message":"Cannot create preexisting table"}`))
		case "DescribeTable":
			_, _ = w.Write([]byte(`{"Table":{"TableName":"t","TableStatus":"ACTIVE"}}`))
		case "DescribeTimeToLive":
			status := "DISABLED"
			if enabled {
				status = "ENABLED"
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"TimeToLiveDescription": map[string]any{"AttributeName": "ttl", "TimeToLiveStatus": status}})
			// The other server enables TTL between this answer and our update.
			enabled = true
		case "UpdateTimeToLive":
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"__type":"com.amazon.coral.validate#ValidationException","message":"TimeToLive is already enabled"}`))
		default:
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"__type":"com.amazon.coral.validate#ValidationException","message":"unexpected ` + op + `"}`))
		}
	}))
	defer srv.Close()
	db := dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""),
	})
	s := store.New(db, "t", session.Policy{Expiry: time.Minute, Retention: time.Minute}, 1, time.Now)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.CreateTable(ctx); err != nil {
		t.Fatalf("CreateTable with TTL enabled meanwhile by another server: %v", err)
	}
}
