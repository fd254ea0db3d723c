package main

import (
	"context"
	"slices"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestNaiveScanFindsTheSweepersSessions: the sweep part's naive peer scans
// for exactly the sessions the sweeper expires: open and past their
// expiresAt, not the open ones still within it, not the closed ones.
func TestNaiveScanFindsTheSweepersSessions(t *testing.T) {
	ctx := context.Background()
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	p := session.DefaultPolicy
	st := store.New(db, table, p, 16, clock.Now)
	amount := int64(8800)
	create := func() string {
		v := session.New(&session.Draft{Amount: &amount, Currency: "EUR"}, "merchant-0001", uuid.NewString(), "t", clock.Now(), p)
		if _, _, err := st.Create(ctx, v, nil, 0, nil); err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	expired, canceled := create(), create()
	if _, err := st.Cancel(ctx, "merchant-0001", canceled, ""); err != nil {
		t.Fatal(err)
	}
	clock.Advance(p.Expiry / 2)
	create() // still open at the scan
	clock.Advance(p.Expiry/2 + time.Second)

	// runSweepCost scans at time.Now(), in the machine's zone: the filter
	// compares the stored UTC text, so the instant is read in UTC whatever
	// the zone (r106-mutate: without it, a machine west of UTC found none).
	for _, zone := range []*time.Location{time.UTC, time.FixedZone("UTC-5", -5*3600), time.FixedZone("UTC+9", 9*3600)} {
		in, err := naiveScan(table, clock.Now().In(zone))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			out, err := db.Scan(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range out.Items {
				var k struct{ PK string }
				if err := attributevalue.UnmarshalMap(it, &k); err != nil {
					t.Fatal(err)
				}
				got = append(got, k.PK)
			}
			if out.LastEvaluatedKey == nil {
				break
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
		if want := []string{"SESSION#" + expired}; !slices.Equal(got, want) {
			t.Errorf("naive scan at %v found: got %v; want %v", zone, got, want)
		}
	}
}

// TestNaivePeerWaitsOutASlowPage: the naive peer's Scan reads pages of up
// to 1 MB, which DynamoDB Local on a busy 2-core machine (load average
// 14-30, other processes' engines beside its own) took longer than the
// service's 3 s per attempt to answer: every attempt was cut, and the
// sweep part stopped with "Scan, exceeded maximum number of attempts, 5
// ... Client.Timeout exceeded" in 2 runs of 2 (2026-12-07). The peer is a
// naive sweep, not the service: its client waits for a page as the SDK's
// default does, up to naivePeerAttempt.
func TestNaivePeerWaitsOutASlowPage(t *testing.T) {
	o := naivePeerOptions("http://127.0.0.1:1")
	bc, ok := o.HTTPClient.(*awshttp.BuildableClient)
	if !ok {
		t.Fatalf("naive peer's HTTP client: got %T; want a client of its own (*awshttp.BuildableClient), not the service's 3 s attempts", o.HTTPClient)
	}
	if got := bc.GetTimeout(); got < time.Minute {
		t.Errorf("naive peer's attempt timeout: got %v; want at least %v", got, time.Minute)
	}
	if o.Endpoint != "http://127.0.0.1:1" {
		t.Errorf("naive peer's endpoint: got %q; want %q", o.Endpoint, "http://127.0.0.1:1")
	}
}
