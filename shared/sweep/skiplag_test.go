package sweep_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
)

// TestSweepLagOwesNothingItSkipped: the lag is "how old the oldest session
// it still owes could be" (README, "Its lag"). An expiry index entry whose
// write's condition fails is skipped: closed by someone else, or no open
// session of the service at all (an item another writer gave the index's
// attributes). Such an entry is not owed, yet it stays in the index: every
// run finds it again and skips it. Counted in the lag, it made the lag
// climb a second a second until the entry left the window (r96-sweeper,
// make run, RESULT_RETENTION=100s: an APIKEY item and a SESSION item
// without a status, expiresAt 10 s before, skipped by every 2 s run,
// SweepLagPercent 46.22, 48.33, 50.44, 52.54: SweeperLagAlarm pages for a
// sweeper that owes nothing). Skipped entries count in no run's lag.
func TestSweepLagOwesNothingItSkipped(t *testing.T) {
	tests := []struct {
		name    string
		foreign func(exp string, shard int) map[string]ddb.AttributeValue
		due     []time.Duration // sessions of the service, expired this long before t0
		want    time.Duration
	}{
		{"an item that is no session", func(exp string, shard int) map[string]ddb.AttributeValue {
			return map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: fmt.Sprintf("APIKEY#%016x", shard)}, "sk": &ddb.AttributeValueMemberS{Value: "APIKEY"},
				"expiryShard": &ddb.AttributeValueMemberN{Value: strconv.Itoa(shard)}, "expiresAt": &ddb.AttributeValueMemberS{Value: exp},
			}
		}, nil, 0},
		{"a session item without a status", func(exp string, shard int) map[string]ddb.AttributeValue {
			return map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + uuid.NewString()}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
				"expiryShard": &ddb.AttributeValueMemberN{Value: strconv.Itoa(shard)}, "expiresAt": &ddb.AttributeValueMemberS{Value: exp},
			}
		}, nil, 0},
		{"beside a session due a minute ago", func(exp string, shard int) map[string]ddb.AttributeValue {
			return map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: fmt.Sprintf("APIKEY#%016x", shard)}, "sk": &ddb.AttributeValueMemberS{Value: "APIKEY"},
				"expiryShard": &ddb.AttributeValueMemberN{Value: strconv.Itoa(shard)}, "expiresAt": &ddb.AttributeValueMemberS{Value: exp},
			}
		}, []time.Duration{time.Minute}, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var vs []*session.Session
			for _, ago := range tt.due {
				vs = append(vs, sessions(3, t0.Add(-ago-policy.Expiry))...)
			}
			f.importAll(t, vs)
			// Ten minutes old, in every shard: whichever shards a run reads.
			exp := t0.Add(-10 * time.Minute).UTC().Format("2006-01-02T15:04:05.0000000Z")
			for shard := range f.st.Shards() {
				if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: tt.foreign(exp, shard)}); err != nil {
					t.Fatal(err)
				}
			}
			for run := range 3 {
				r := f.sw.Run(context.Background())
				if r.Skipped != f.st.Shards() {
					t.Fatalf("run %d: Skipped %d; want %d (Run() = %+v)", run+1, r.Skipped, f.st.Shards(), r)
				}
				ms, percent := lagOf(t, f.logs)
				want := tt.want
				if run > 0 {
					want = 0 // the sessions due were swept by the first run
				}
				wantLag(t, "run "+strconv.Itoa(run+1), ms, percent, want)
				f.clock.Advance(time.Minute)
			}
		})
	}
}
