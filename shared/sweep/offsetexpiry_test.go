package sweep_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// TestSweepStoresNoExpiryBeforeItsTimeFromATextOfAnotherForm: the expiry
// index sorts expiresAt as text, and the sweeper's query and its write's
// condition compare that text with the service's fixed-width UTC form
// ("the service writes only its fixed-width UTC form", README). An item
// whose expiresAt another writer stored as RFC 3339 with an offset
// (2026-11-23T09:30:00-01:00, 10:30 UTC) sorts an hour earlier than the
// instant it names, which a read took (the session open until 10:30; a
// read now refuses such an item, r103-readtime):
// the sweeper found it at 09:30:31 UTC, the condition's text compare held,
// and it stored the session EXPIRED (closedAt 10:30) an hour before
// expiresAt, so every read then said EXPIRED (r102-sweeper). README: the
// sweeper "never stores it before expiresAt" by any instance's clock. An
// entry not in the service's form is taken as one whose expiresAt is not
// a time: sent no write, counted in SweepErrors, the run not complete.
func TestSweepStoresNoExpiryBeforeItsTimeFromATextOfAnotherForm(t *testing.T) {
	tests := []struct {
		name   string
		offset string // expiresAt as stored, for the session's expiresAt
		// at is the fixture's clock, relative to expiresAt, when the
		// sweeper runs.
		at time.Duration
	}{
		{"offset behind UTC, an hour early", "-01:00", -time.Hour + policy.WriteGuard + time.Second},
		{"offset behind UTC, due", "-01:00", policy.WriteGuard + time.Second},
		{"Z without the fraction, due", "Z", policy.WriteGuard + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := sessions(1, t0)[0]
			f.importAll(t, []*session.Session{v})
			text := v.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z07:00")
			if tt.offset != "Z" {
				loc := time.FixedZone("", -3600)
				text = v.ExpiresAt.In(loc).Format("2006-01-02T15:04:05-07:00")
			}
			if parsed, err := time.Parse(time.RFC3339Nano, text); err != nil || !parsed.Equal(v.ExpiresAt) {
				t.Fatalf("expiresAt text %q = %v, %v; want %v", text, parsed, err, v.ExpiresAt)
			}
			if _, err := f.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
				TableName:                 aws.String(f.table),
				Key:                       map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + v.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}},
				UpdateExpression:          aws.String("SET expiresAt = :e"),
				ExpressionAttributeValues: map[string]ddb.AttributeValue{":e": &ddb.AttributeValueMemberS{Value: text}},
			}); err != nil {
				t.Fatal(err)
			}
			f.clock.Set(v.ExpiresAt.Add(tt.at))
			// Reads refuse it too: a time not in the store's form is an
			// item the service did not write (README, Security).
			if got, err := f.st.Get(context.Background(), v.ID); session.ErrorCode(err) != session.EINTERNAL {
				t.Fatalf("Get() before the run = %v, %v: got %s; want %s", got, err, session.ErrorCode(err), session.EINTERNAL)
			}
			r := f.sw.Run(context.Background())
			if status := f.statuses(t)[v.ID].Status; status == session.Expired && f.clock.Now().Before(v.ExpiresAt) {
				t.Fatalf("Run() at expiresAt%+v = %+v: stored EXPIRED before expiresAt %s (stored as %q)", tt.at, r, v.ExpiresAt.Format(time.RFC3339Nano), text)
			}
			if r.Found == 1 && (r.Errors != 1 || r.Expired != 0 || r.Complete) {
				t.Errorf("Run() = %+v; got %d errors, %d expired, complete %v; want 1 error, none expired, not complete", r, r.Errors, r.Expired, r.Complete)
			}
			if status := f.statuses(t)[v.ID].Status; status != session.Created {
				t.Errorf("stored status after the run = %s; want %s (sent no write)", status, session.Created)
			}
		})
	}
}
