package storetest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestClientWaitsForALateEngine: a test's client waits for its engine's
// answer (storetest.AttemptTimeout), where the service's cuts each attempt
// off at 3 s: every attempt of a call answered half a second past the
// service's cut-off still gets its answer. Before, five attempts cut off
// at 3 s failed the call, as DynamoDB Local at load 25 failed a test's
// setup. The engine is held in a proxy, not slowed by load, so the outcome
// is the same on any machine.
func TestClientWaitsForALateEngine(t *testing.T) {
	engine, err := url.Parse(storetest.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := storetest.ReverseProxy(engine)
	late := 3*time.Second + 500*time.Millisecond // past the service's 3 s cut-off
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ListTables") {
			// Read whole, so that net/http ends r's context when the
			// client gives up.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			select {
			case <-time.After(late):
			case <-r.Context().Done():
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	t.Setenv("DYNAMODB_ENDPOINT", srv.URL)
	db := storetest.Client(t, store.ClientOptions{})
	if _, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables() answered %v after each attempt = %v; want its answer", late, err)
	}
}
