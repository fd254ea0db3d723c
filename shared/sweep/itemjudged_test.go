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

// TestSweepJudgesAnItemByItsWriteAlone: the sweeper reads only the expiry
// index entries of what it expires (README: "It reads only the index
// entries of the sessions it expires", 1.00 item read per session), never
// the items: an item the service did not write as it is stored is judged
// by the expiry write's condition (the index attribute, an open status,
// the same expiresAt, purgeAt clear of the band) and by what DynamoDB
// makes of its update, not by whether a read can decode it. README (The
// expiry sweeper) says what each kind gets; r102-sweeper measured each
// against DynamoDB Local.
func TestSweepJudgesAnItemByItsWriteAlone(t *testing.T) {
	type outcome int
	const (
		expired outcome = iota
		skipped
		failed
	)
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	n := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberN{Value: v} }
	tests := []struct {
		name   string
		update string
		values map[string]ddb.AttributeValue
		want   outcome
		// readAfter, for an item stored EXPIRED: what a read answers
		// once the runs are done, the session ("") or an error's code.
		// The write sets status, statusReason, closedAt, updatedAt and
		// retainUntil (from the item's purgeAt, the end a read judged
		// the damaged item by before): damage in one of those is
		// replaced, damage elsewhere stays; either way the item is gone
		// (404) at the same end.
		readAfter session.Code
	}{
		// A read of each is 500; the write's condition holds and
		// DynamoDB applies it.
		{"amount no int64 holds", "SET amount = :v", map[string]ddb.AttributeValue{":v": n("1e100")}, expired, session.EINTERNAL},
		{"statusReason not the service's", "SET statusReason = :v", map[string]ddb.AttributeValue{":v": s("4111111111111111")}, expired, ""},
		{"closedAt on an open item, not a time", "SET closedAt = :v", map[string]ddb.AttributeValue{":v": s("x")}, expired, ""},
		// DynamoDB refuses the update (list_append of a non-list, ADD to a
		// string): an error each run.
		{"history a string", "SET history = :v", map[string]ddb.AttributeValue{":v": s("x")}, failed, ""},
		{"no history", "REMOVE history", nil, failed, ""},
		{"recentWrites a string", "SET recentWrites = :v", map[string]ddb.AttributeValue{":v": s("x")}, failed, ""},
		{"version a string", "SET version = :v", map[string]ddb.AttributeValue{":v": s("x")}, failed, ""},
		// The condition fails: skipped each run.
		{"no purgeAt", "REMOVE purgeAt", nil, skipped, ""},
		{"purgeAt a number", "SET purgeAt = :v", map[string]ddb.AttributeValue{":v": n("99999999999")}, skipped, ""},
		{"status not canonical", "SET #s = :v", map[string]ddb.AttributeValue{":v": s("created")}, skipped, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := sessions(1, t0.Add(-31*time.Minute))[0]
			f.importAll(t, []*session.Session{v})
			in := &dynamodb.UpdateItemInput{
				TableName:                 aws.String(f.table),
				Key:                       map[string]ddb.AttributeValue{"pk": s("SESSION#" + v.ID), "sk": s("SESSION")},
				UpdateExpression:          aws.String(tt.update),
				ExpressionAttributeValues: tt.values,
			}
			if tt.name == "status not canonical" {
				in.ExpressionAttributeNames = map[string]string{"#s": "status"}
			}
			if _, err := f.db.UpdateItem(context.Background(), in); err != nil {
				t.Fatal(err)
			}
			// Two runs: what one gets, every run gets while the entry is
			// in the window.
			for run := 1; run <= 2; run++ {
				r := f.sw.Run(context.Background())
				var got outcome
				switch {
				case r.Found == 1 && r.Expired == 1 && r.Errors == 0 && r.Skipped == 0 && r.Complete:
					got = expired
				case r.Found == 1 && r.Skipped == 1 && r.Expired == 0 && r.Errors == 0 && r.Complete:
					got = skipped
				case r.Found == 1 && r.Errors == 1 && r.Expired == 0 && r.Skipped == 0 && !r.Complete:
					got = failed
				default:
					t.Fatalf("run %d: Run() = %+v; want one found and %v", run, r, tt.want)
				}
				if got != tt.want {
					t.Fatalf("run %d: Run() = %+v: got %v; want %v (0 expired, 1 skipped, 2 failed)", run, r, got, tt.want)
				}
				if got == expired {
					break // the entry left the index with the write
				}
			}
			if tt.want != expired {
				return
			}
			ctx := context.Background()
			got, err := f.st.Get(ctx, v.ID)
			switch {
			case session.ErrorCode(err) != tt.readAfter:
				t.Errorf("Get() after the sweep = %v: got code %q; want %q", err, session.ErrorCode(err), tt.readAfter)
			case err == nil && (got.Status != session.Expired || !got.RetainUntil.Equal(v.PurgeAt(policy))):
				t.Errorf("Get() after the sweep = %s until %s; want EXPIRED until %s", got.Status, got.RetainUntil, v.PurgeAt(policy))
			}
			// The end a read judged the open item by.
			f.clock.Set(v.PurgeAt(policy).Add(-time.Nanosecond))
			if _, err := f.st.Get(ctx, v.ID); session.ErrorCode(err) != tt.readAfter {
				t.Errorf("Get() a nanosecond before its end = %v; want code %q", err, tt.readAfter)
			}
			f.clock.Set(v.PurgeAt(policy))
			if _, err := f.st.Get(ctx, v.ID); session.ErrorCode(err) != session.ENOTFOUND {
				t.Errorf("Get() at its end = %v; want %q", err, session.ENOTFOUND)
			}
		})
	}
}
