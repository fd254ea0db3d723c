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
	}{
		// A read of each is 500; the write's condition holds and
		// DynamoDB applies it.
		{"amount no int64 holds", "SET amount = :v", map[string]ddb.AttributeValue{":v": n("1e100")}, expired},
		// DynamoDB refuses the update (list_append of a non-list, ADD to a
		// string): an error each run.
		{"history a string", "SET history = :v", map[string]ddb.AttributeValue{":v": s("x")}, failed},
		{"no history", "REMOVE history", nil, failed},
		{"recentWrites a string", "SET recentWrites = :v", map[string]ddb.AttributeValue{":v": s("x")}, failed},
		{"version a string", "SET version = :v", map[string]ddb.AttributeValue{":v": s("x")}, failed},
		// The condition fails: skipped each run.
		{"no purgeAt", "REMOVE purgeAt", nil, skipped},
		{"purgeAt a number", "SET purgeAt = :v", map[string]ddb.AttributeValue{":v": n("99999999999")}, skipped},
		{"status not canonical", "SET #s = :v", map[string]ddb.AttributeValue{":v": s("created")}, skipped},
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
		})
	}
}
