package store_test

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/store"
)

// getItem makes one GetItem with db, cut off after 5 s.
func getItem(db *dynamodb.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]ddb.AttributeValue{
		"pk": &ddb.AttributeValueMemberS{Value: "SESSION#1"}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
	}})
	return err
}

// emptyGetItem is an engine answering every call {} (a GetItem of no item),
// counting the calls.
func emptyGetItem(calls *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	})
}

// TestNewClientReadsTheEnvironmentAsLambdaSetsIt holds NewClient to the
// README's configuration table: AWS_REGION (else AWS_DEFAULT_REGION) is
// "DynamoDB's region; elsewhere, without DYNAMODB_ENDPOINT, start-up fails
// unless one is set", "us-east-1 with DYNAMODB_ENDPOINT"; the credentials
// are "set by Lambda from the function's role; fixed local ones with
// DYNAMODB_ENDPOINT", and "DynamoDB's credentials, the only source read (no
// profile, SSO or instance metadata)": without both a key id and a secret
// (and no endpoint) there are none, and start-up fails.
func TestNewClientReadsTheEnvironmentAsLambdaSetsIt(t *testing.T) {
	tests := []struct {
		name                           string
		region, defRegion, key, secret string
		endpoint                       string
		wantRegion, wantKey            string // "": NewClient fails
	}{
		{"Lambda's environment", "eu-west-1", "", "AKID", "s", "", "eu-west-1", "AKID"},
		{"AWS_DEFAULT_REGION alone", "", "eu-west-2", "AKID", "s", "", "eu-west-2", "AKID"},
		{"AWS_REGION before AWS_DEFAULT_REGION", "eu-west-1", "eu-west-2", "AKID", "s", "", "eu-west-1", "AKID"},
		{"no region", "", "", "AKID", "s", "", "", ""},
		{"no credentials", "eu-west-1", "", "", "", "", "", ""},
		{"a key id without its secret", "eu-west-1", "", "AKID", "", "", "", ""},
		{"a local engine, nothing else set", "", "", "", "", "http://127.0.0.1:8000", "us-east-1", "local"},
		{"a local engine with a region and credentials", "eu-west-1", "", "AKID", "s", "http://127.0.0.1:8000", "eu-west-1", "AKID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_REGION", tt.region)
			t.Setenv("AWS_DEFAULT_REGION", tt.defRegion)
			t.Setenv("AWS_ACCESS_KEY_ID", tt.key)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tt.secret)
			t.Setenv("AWS_SESSION_TOKEN", "")
			t.Setenv("AWS_CA_BUNDLE", "")
			db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: tt.endpoint})
			if tt.wantRegion == "" {
				if err == nil {
					t.Fatalf("got a client (region %q); want NewClient to fail", db.Options().Region)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v; want a client", err)
			}
			if got := db.Options().Region; got != tt.wantRegion {
				t.Errorf("got region %q; want %q", got, tt.wantRegion)
			}
			creds, err := db.Options().Credentials.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != tt.wantKey {
				t.Errorf("got access key id %q (%v); want %q", creds.AccessKeyID, err, tt.wantKey)
			}
		})
	}
}

// TestClientCallsItsEndpointTrustingTheCABundle: DYNAMODB_ENDPOINT is "a
// local engine's URL (http or https ...)" that every call goes to, and
// AWS_CA_BUNDLE (README) "a PEM file of certificates trusted for
// DynamoDB's TLS beside the system's (behind a proxy that inspects TLS)":
// an https engine whose certificate the bundle holds is called, one whose
// certificate is trusted by nothing is refused, and a bundle that holds no
// certificate stops start-up.
func TestClientCallsItsEndpointTrustingTheCABundle(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	var calls atomic.Int64
	plain := httptest.NewServer(emptyGetItem(&calls))
	defer plain.Close()
	tlsEngine := httptest.NewTLSServer(emptyGetItem(&calls))
	defer tlsEngine.Close()
	dir := t.TempDir()
	trusted := filepath.Join(dir, "engine.pem")
	if err := os.WriteFile(trusted, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsEngine.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, endpoint, bundle string
		start, call            bool // NewClient succeeds; the GetItem reaches the engine and succeeds
	}{
		{"a plain-http engine", plain.URL, "", true, true},
		{"an https engine the bundle trusts", tlsEngine.URL, trusted, true, true},
		{"an https engine without a bundle", tlsEngine.URL, "", true, false},
		{"a bundle without a certificate", tlsEngine.URL, notPEM, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AWS_CA_BUNDLE", tt.bundle)
			db, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: tt.endpoint, MaxAttempts: 1})
			if got := err == nil; got != tt.start {
				t.Fatalf("NewClient: got error %v; want success %v", err, tt.start)
			}
			if err != nil {
				return
			}
			before := calls.Load()
			err = getItem(db)
			if got := err == nil && calls.Load() == before+1; got != tt.call {
				t.Fatalf("GetItem: got error %v, %d calls answered; want success %v", err, calls.Load()-before, tt.call)
			}
		})
	}
}

// TestNoClientSideRetryQuota: README, "no client-side retry quota (the
// default token bucket empties under a sustained fault rate and then fails
// requests long after the faults end". After more failed calls than the
// SDK's bucket holds retries for (500 tokens, 5 a retry), each call is
// still tried as often as it may be, and one whose retry succeeds
// succeeds.
func TestNoClientSideRetryQuota(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_SESSION_TOKEN", "")
	var attempts atomic.Int64
	var healed atomic.Bool
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		n := attempts.Add(1)
		status, body := 500, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"m"}`
		if healed.Load() && n%2 == 0 {
			status, body = 200, `{}`
		}
		return &http.Response{StatusCode: status, Request: req, ContentLength: int64(len(body)),
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
	})
	db, err := store.NewClient(context.Background(), store.ClientOptions{HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	const failing = 120
	for range failing {
		if err := getItem(db); err == nil {
			t.Fatal("got a success from an engine failing every call; want an error")
		}
	}
	if got := attempts.Load(); got != 2*failing {
		t.Fatalf("got %d attempts for %d calls failing; want %d (2 each)", got, failing, 2*failing)
	}
	healed.Store(true)
	if err := getItem(db); err != nil {
		t.Fatalf("got error %v once the faults ended (the first attempt failing, the retry answered); want success", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// TestCreateTableFindsItsTableThere: the table operations' errors are not
// judged as answers DynamoDB cannot give (refuseForeignAnswers judges only
// the operations the service calls): a CreateTable answered
// ResourceInUseException (the table exists: a shared engine, a second
// start) is a table found, as README says: "make run in terminal 2 creates
// the table (payment-sessions) at start-up."
func TestCreateTableFindsItsTableThere(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_SESSION_TOKEN", "")
	var ops []string
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		ops = append(ops, op)
		status, body := 200, `{"Table":{"TableName":"t","TableStatus":"ACTIVE"}}`
		if op == "CreateTable" {
			status, body = 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","message":"Cannot create preexisting table"}`
		}
		return &http.Response{StatusCode: status, Request: req, ContentLength: int64(len(body)),
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
	})
	db, err := store.NewClient(context.Background(), store.ClientOptions{HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := store.CreateTableWithoutTTL(ctx, db, "t"); err != nil {
		t.Fatalf("got error %v (calls %v); want the existing table found", err, ops)
	}
}

// TestBrokenConnectionIsRetried: docs/design.md §8, "The SDK's standard
// retryer: 5 attempts", which retries (client.go) "throttling, 5xx,
// timeouts and broken connections": an attempt whose connection fails,
// with no answer at all, is tried again and the call answered by the next.
// The checks on answers (an empty success, a panicked reading) have no
// answer to judge there and leave the failure the retryer's.
func TestBrokenConnectionIsRetried(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	t.Setenv("AWS_SESSION_TOKEN", "")
	var attempts atomic.Int64
	rt := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if attempts.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
		}
		return &http.Response{StatusCode: 200, Request: req, ContentLength: 2,
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}}, Body: io.NopCloser(strings.NewReader(`{}`))}, nil
	})
	db, err := store.NewClient(context.Background(), store.ClientOptions{HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := getItem(db); err != nil || attempts.Load() != 2 {
		t.Fatalf("got error %v after %d attempts; want success at the second", err, attempts.Load())
	}
}
