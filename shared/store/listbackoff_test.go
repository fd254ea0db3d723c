package store

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// unprocessedDynamo answers every BatchGetItem with nothing read and every
// key left unprocessed, echoing the request's RequestItems (DynamoDB's
// UnprocessedKeys are "in the same form as RequestItems").
type unprocessedDynamo struct{ calls int }

func (u *unprocessedDynamo) RoundTrip(r *http.Request) (*http.Response, error) {
	u.calls++
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	out := append([]byte(`{"Responses":{},"UnprocessedKeys":`), bytes.TrimSuffix(bytes.TrimPrefix(bytes.TrimSpace(body), []byte(`{"RequestItems":`)), []byte("}"))...)
	out = append(out, '}')
	return okAnswer(r, out), nil
}

// okAnswer is DynamoDB's answer 200 with the JSON body out, handed back
// in its place by this package's own transports (storetest.Success, which
// the package's external tests use, cannot be imported here).
func okAnswer(r *http.Request, out []byte) *http.Response {
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body:          io.NopCloser(bytes.NewReader(out)),
		ContentLength: int64(len(out)),
		Request:       r,
	}
}

// TestListBatchGetBackoffIsExponential: the BatchGetItem reference says of
// unprocessed keys "we strongly recommend that you use an exponential
// backoff algorithm. If you retry the batch operation immediately, the
// underlying read or write requests can still fail due to throttling on the
// individual tables." The waits between the list's BatchGetItems of keys
// left unprocessed double (full jitter below each ceiling) up to a cap,
// and after maxBatchGets calls the read is unavailable (503), as before.
// The waits are recorded, never slept.
func TestListBatchGetBackoffIsExponential(t *testing.T) {
	rt := &unprocessedDynamo{}
	db, err := NewClient(context.Background(), ClientOptions{Endpoint: "http://dynamodb.invalid", HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	st := New(db, "sessions", session.DefaultPolicy, 1, time.Now)
	var waits []time.Duration
	st.list.wait = func(_ context.Context, ceiling time.Duration) error {
		waits = append(waits, ceiling)
		return nil
	}
	_, err = st.batchGetKeys(context.Background(), ddb.KeysAndAttributes{Keys: []map[string]ddb.AttributeValue{keyOf(sessionKey("00000000-0000-4000-8000-000000000001"))}}, time.Time{})
	if code := session.ErrorCode(err); code != session.EUNAVAILABLE {
		t.Fatalf("keys always unprocessed: error %v (code %q); want code %q", err, code, session.EUNAVAILABLE)
	}
	if rt.calls != maxBatchGets {
		t.Errorf("BatchGetItem calls = %d; want %d", rt.calls, maxBatchGets)
	}
	ms := time.Millisecond
	want := []time.Duration{25 * ms, 50 * ms, 100 * ms, 200 * ms, 400 * ms, 500 * ms, 500 * ms}
	if !slices.Equal(waits, want) {
		t.Errorf("backoff ceilings = %v; want %v", waits, want)
	}
}
