package sweep_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepMeetsAnEntryChangedSinceItsQuery: the sweeper reads the expiry
// index, then writes each session found; in between, the item may have
// been deleted (by hand, a restore), closed by a processor, or moved to
// another open status. README: "A session a processor closed in the
// meantime fails the write's condition and is skipped (counted)", and the
// write is "exactly what reads already reported". A deleted item is
// skipped and not written back (an UpdateItem without its condition would
// create a stub item of the write's attributes alone); a closed one is
// skipped and keeps its close; one moved to another open status is still
// expired. Only the one expired counts in the run's lag, its age: a
// skipped entry was not owed.
func TestSweepMeetsAnEntryChangedSinceItsQuery(t *testing.T) {
	tests := []struct {
		name                  string
		change                func(t *testing.T, f *fixture, proc *store.Store, v *session.Session)
		wantExpired, wantSkip int
		wantGone              bool
		wantStatus            session.Status
	}{
		{"deleted", func(t *testing.T, f *fixture, _ *store.Store, v *session.Session) {
			if _, err := f.db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(f.table), Key: map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + v.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}}}); err != nil {
				t.Error(err)
			}
		}, 0, 1, true, ""},
		{"closed by a processor", func(t *testing.T, _ *fixture, proc *store.Store, v *session.Session) {
			if _, err := proc.ApplyEvent(context.Background(), "", v.ID, &session.Event{Status: session.Authorised}); err != nil {
				t.Error(err)
			}
		}, 0, 1, false, session.Authorised},
		{"moved to another open status", func(t *testing.T, _ *fixture, proc *store.Store, v *session.Session) {
			if _, err := proc.ApplyEvent(context.Background(), "", v.ID, &session.Event{Status: session.Processing}); err != nil {
				t.Error(err)
			}
		}, 1, 0, false, session.Expired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := sessions(1, t0.Add(-31*time.Minute))[0]
			// The processor's clock is before the session's guard band, as
			// an event's that was decided then and lands now.
			proc := store.New(f.db, f.table, policy, 16, storetest.NewClock(v.ExpiresAt.Add(-policy.WriteGuard-time.Second)).Now)
			var once sync.Once
			ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
				if op == "UpdateItem" {
					once.Do(func() { tt.change(t, f, proc, v) })
				}
				return nil, nil
			}}
			st := store.New(storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}}), f.table, policy, 16, f.clock.Now)
			if err := st.ImportAll(context.Background(), []*session.Session{v}); err != nil {
				t.Fatal(err)
			}
			sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
			r := sw.Run(context.Background())
			if r.Found != 1 || r.Expired != tt.wantExpired || r.Skipped != tt.wantSkip || r.Errors != 0 || !r.Complete || r.Lag != time.Duration(tt.wantExpired)*time.Minute {
				t.Errorf("Run() = %+v; want 1 found, %d expired, %d skipped, no error, complete, lag %v", r, tt.wantExpired, tt.wantSkip, time.Duration(tt.wantExpired)*time.Minute)
			}
			out, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(f.table), ConsistentRead: aws.Bool(true), Key: map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + v.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}}})
			if err != nil {
				t.Fatal(err)
			}
			if gone := out.Item == nil; gone != tt.wantGone {
				t.Fatalf("item gone %v (%v); want %v", gone, out.Item, tt.wantGone)
			}
			if !tt.wantGone {
				if st, _ := f.status(t, v.ID); st != tt.wantStatus {
					t.Errorf("stored status %s; want %s", st, tt.wantStatus)
				}
			}
			// The next run finds nothing and owes nothing.
			f.logs.Reset()
			if r := sw.Run(context.Background()); r.Found != 0 || r.Lag != 0 {
				t.Errorf("next Run() = %+v; want nothing found, no lag", r)
			}
		})
	}
}
