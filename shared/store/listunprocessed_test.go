package store

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// wholeUnprocessedOnce answers the first BatchGetItem with every key left
// unprocessed, in the form first gives (the request's RequestItems put in
// for %s), and every later one with the keys read, none found.
type wholeUnprocessedOnce struct {
	first string
	calls int
}

func (u *wholeUnprocessedOnce) RoundTrip(r *http.Request) (*http.Response, error) {
	u.calls++
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	out := []byte(`{"Responses":{"sessions":[]},"UnprocessedKeys":{}}`)
	if u.calls == 1 {
		items := bytes.TrimSuffix(bytes.TrimPrefix(bytes.TrimSpace(body), []byte(`{"RequestItems":`)), []byte("}"))
		out = bytes.Replace([]byte(u.first), []byte("%s"), items, 1)
	}
	return okAnswer(r, out), nil
}

// TestListWholeTableUnprocessedIsAskedAgain: a BatchGetItem whose table's
// keys were all left unprocessed is asked again, however the answer says
// nothing was read: with the table's empty list in Responses (as DynamoDB
// sends it), with Responses empty, or without Responses at all. "A table
// whose keys were all left unprocessed is not required in Responses"
// (refuseForeignAnswers; docs/design.md §8 refuses only a table "not left
// unprocessed either"). Without Responses it was 503 on the first call.
func TestListWholeTableUnprocessedIsAskedAgain(t *testing.T) {
	tests := []struct{ name, first string }{
		{"the table's empty list in Responses", `{"Responses":{"sessions":[]},"UnprocessedKeys":%s}`},
		{"Responses empty", `{"Responses":{},"UnprocessedKeys":%s}`},
		{"no Responses", `{"UnprocessedKeys":%s}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &wholeUnprocessedOnce{first: tt.first}
			db, err := NewClient(context.Background(), ClientOptions{Endpoint: "http://dynamodb.invalid", HTTPClient: &http.Client{Transport: rt}, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			st := New(db, "sessions", session.DefaultPolicy, 1, time.Now)
			st.list.wait = func(context.Context, time.Duration) error { return nil }
			items, err := st.batchGetKeys(context.Background(), ddb.KeysAndAttributes{Keys: []map[string]ddb.AttributeValue{keyOf(sessionKey("00000000-0000-4000-8000-000000000001"))}}, time.Time{})
			if err != nil || len(items) != 0 || rt.calls != 2 {
				t.Errorf("got %d items, error %v (code %q), %d calls; want 0, <nil>, 2", len(items), err, session.ErrorCode(err), rt.calls)
			}
		})
	}
}
