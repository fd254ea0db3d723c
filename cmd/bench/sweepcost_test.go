package main

import (
	"context"
	"slices"
	"testing"
	"time"

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

	in, err := naiveScan(table, clock.Now())
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
		t.Errorf("naive scan found: got %v; want %v", got, want)
	}
}
