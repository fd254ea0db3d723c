package store_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestExpiryNotLandedBehindAnUnknownAnswer holds the rest of Expire's
// reading of an unknown outcome (TestExpiryLandedBehindAnUnknownAnswer
// holds the landed one): "A write whose outcome is unknown (its every
// answer lost, a 5xx, a timeout: see ambiguous) is judged by the session
// read back ...: closed otherwise (or gone) is false, as a failed
// condition would have said; still open, or a read that fails too, is the
// write's error." Every try of the expiry write is answered 500 without
// reaching DynamoDB: a session someone else closed, or one gone, is not
// expired by it and not an error (the sweeper skips it); one still open
// and due is the write's error (the sweeper counts a failed expiry).
func TestExpiryNotLandedBehindAnUnknownAnswer(t *testing.T) {
	t.Parallel() // mostly waits (back-offs, hung calls, real deadlines); its own table, clock and interceptor
	tests := []struct {
		name     string
		meantime func(t *testing.T, f *fixture, v *session.Session)
		wantErr  bool
		// readFails: the read back is answered 500 too.
		readFails bool
	}{
		{"still open", func(*testing.T, *fixture, *session.Session) {}, true, false},
		{"the read back fails too", func(*testing.T, *fixture, *session.Session) {}, true, true},
		{"closed by a processor", func(t *testing.T, f *fixture, v *session.Session) {
			closed := v // as created: open
			if _, err := closed.Apply(&session.Event{Status: session.Failed}, v.CreatedAt.Add(time.Second), session.DefaultPolicy); err != nil {
				t.Fatal(err)
			}
			if err := f.st.ImportAll(context.Background(), []*session.Session{closed}); err != nil {
				t.Fatal(err)
			}
		}, false, false},
		{"gone", func(t *testing.T, f *fixture, v *session.Session) {
			if _, err := f.db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(f.table), Key: map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + v.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
			}}); err != nil {
				t.Fatal(err)
			}
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int64
			ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
				if op == "GetItem" && tt.readFails {
					return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "lost (injected)"), nil
				}
				if op != "UpdateItem" {
					return nil, nil
				}
				hits.Add(1)
				return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "lost (injected)"), nil
			}}
			f := newFixture(t)
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, session.DefaultPolicy, 16, f.clock.Now)
			v := f.create(t, "m-1")
			f.clock.Set(v.ExpiresAt.Add(session.DefaultWriteGuard))
			keys := f.expiryKeys(t)
			if len(keys) != 1 {
				t.Fatalf("%d sessions due; want 1", len(keys))
			}
			tt.meantime(t, f, v)
			ok, readBack, err := st.ExpireJudged(context.Background(), keys[0])
			if hits.Load() == 0 {
				t.Fatal("no expiry write was sent")
			}
			if ok || !readBack || (err != nil) != tt.wantErr {
				t.Errorf("ExpireJudged() = %v, %v, %v; want false, true, error %v", ok, readBack, err, tt.wantErr)
			}
			// The error is the write's, not the read back's (its own
			// failure is no news of the write).
			var oe *smithy.OperationError
			if tt.wantErr && (!errors.As(err, &oe) || oe.Operation() != "UpdateItem") {
				t.Errorf("ExpireJudged() error = %v; want the UpdateItem's", err)
			}
		})
	}
}

// TestExpiryNotLandedBehindAnUnknownAnswerDueElsewhen: afterUnknown, "false
// if it is gone, closed or no longer due at that expiresAt (someone else's
// write: the sweeper skips it)". The expiry write's one try is answered 500
// without reaching DynamoDB, and the session read back is open but was
// restored meanwhile with an expiresAt a minute later than the key's: not
// expired by this write, and not an error.
func TestExpiryNotLandedBehindAnUnknownAnswerDueElsewhen(t *testing.T) {
	ic := &storetest.Interceptor{Hook: func(op string, req *http.Request, _ []byte) (*http.Response, error) {
		if op != "UpdateItem" {
			return nil, nil
		}
		return storetest.ErrorResponse(req, http.StatusInternalServerError, "InternalServerError", "lost (injected)"), nil
	}}
	f := newFixture(t)
	st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}, MaxAttempts: 1}), f.table, session.DefaultPolicy, 16, f.clock.Now)
	v := f.create(t, "m-1")
	f.clock.Set(v.ExpiresAt.Add(session.DefaultWriteGuard))
	keys := f.expiryKeys(t)
	if len(keys) != 1 {
		t.Fatalf("%d sessions due; want 1", len(keys))
	}
	moved := *v
	moved.ExpiresAt = v.ExpiresAt.Add(time.Minute)
	if err := f.st.ImportAll(context.Background(), []*session.Session{&moved}); err != nil {
		t.Fatal(err)
	}
	if ok, readBack, err := st.ExpireJudged(context.Background(), keys[0]); ok || !readBack || err != nil {
		t.Errorf("ExpireJudged() = %v, %v, %v; want false, true, nil", ok, readBack, err)
	}
}
