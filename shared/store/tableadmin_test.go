package store_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

var adminTableSeq atomic.Int64

// TestTableAdministrationOutlastsTheRequestsAttempts: make run and make
// start-api create their table (CreateTable, the wait for it, TTL turned
// on) on an engine they may have just started; at load 30 to 35 on 2
// cores a fresh DynamoDB Local answered no CreateTable within the request
// path's 3 s attempt, all five attempts were cut off ("exceeded maximum
// number of attempts, 5 ... Client.Timeout exceeded while awaiting
// headers"), and make run did not start. Here the engine answers one of
// those calls, every attempt of it, half a second past the request's
// attempt timeout, through the client NewClient builds (its production
// timeouts): the table is still made, TTL on. The calls are held in a
// proxy, not slowed by load, so the outcome is the same on any machine;
// the rows run at once, each waiting seconds.
func TestTableAdministrationOutlastsTheRequestsAttempts(t *testing.T) {
	t.Parallel() // its rows wait (hung calls, budgets) on tables of their own: the whole test with the other waiting ones, not before them
	engine, err := url.Parse(storetest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, slow := range []string{"CreateTable", "DescribeTable", "UpdateTimeToLive"} {
		t.Run(slow, func(t *testing.T) {
			t.Parallel()
			proxy := storetest.ReverseProxy(engine)
			var held atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.") == slow {
					held.Add(1)
					// Read whole, so that net/http watches the connection
					// and ends r's context when the client gives up; an
					// attempt given up must not reach the engine.
					body, err := io.ReadAll(r.Body)
					if err != nil {
						return
					}
					r.Body = io.NopCloser(bytes.NewReader(body))
					select {
					case <-time.After(store.AttemptTimeout + 500*time.Millisecond):
					case <-r.Context().Done():
						return // the attempt was given up: nothing reaches the engine
					}
				}
				proxy.ServeHTTP(w, r)
			}))
			defer srv.Close()
			db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("admin-%d-%d", os.Getpid(), adminTableSeq.Add(1))
			direct := storetest.Client(t, store.ClientOptions{})
			t.Cleanup(func() {
				_, _ = direct.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
			})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			st := store.New(db, name, session.DefaultPolicy, 16, time.Now)
			if err := st.CreateTable(ctx); err != nil {
				t.Fatalf("CreateTable() with every %s answered %v after it was sent = %v; want the table made", slow, store.AttemptTimeout+500*time.Millisecond, err)
			}
			if held.Load() == 0 {
				t.Fatalf("no %s was sent: the test tests nothing", slow)
			}
			ttl, err := direct.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
			if err != nil {
				t.Fatal(err)
			}
			if got := ttl.TimeToLiveDescription.TimeToLiveStatus; got != ddb.TimeToLiveStatusEnabled {
				t.Errorf("TTL after CreateTable() = %v; want %v", got, ddb.TimeToLiveStatusEnabled)
			}
		})
	}
}
