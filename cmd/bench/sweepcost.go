package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/sweep"
)

// runSweepCost measures the sweep on 20,000 open sessions, 1 % of them
// expired: items read per expired session (the sparse index: 1.0) and wall
// time, against the naive peer, a Scan of the table for the same sessions.
func runSweepCost(s *suite) error {
	ctx := context.Background()
	db, err := store.NewClient(ctx, store.ClientOptions{Endpoint: s.endpoint})
	if err != nil {
		return err
	}
	table := fmt.Sprintf("bench-sweep-%d", time.Now().UnixNano())
	if err := store.CreateTableWithoutTTL(ctx, db, table); err != nil {
		return err
	}
	st := store.New(db, table, session.DefaultPolicy, 16, time.Now)
	now := time.Now()
	amount := int64(1)
	var vs []*session.Session
	for i := 0; i < 20_000; i++ {
		created := now.Add(-time.Minute)
		if i%100 == 0 {
			created = now.Add(-31 * time.Minute)
		}
		vs = append(vs, session.New(&session.Draft{Amount: &amount, Currency: "EUR"}, "bench", uuid.NewString(), "t", created, session.DefaultPolicy))
	}
	fmt.Fprintln(s.log, "  storing 20,000 sessions ...")
	if err := st.ImportAll(ctx, vs); err != nil {
		return err
	}

	// The naive peer: Scan everything, keep the open ones past expiry.
	start := time.Now()
	scanned, found := 0, 0
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(table),
		FilterExpression:          aws.String("attribute_exists(expiryShard) AND expiresAt <= :now"),
		ExpressionAttributeValues: map[string]ddb.AttributeValue{":now": &ddb.AttributeValueMemberS{Value: time.Now().UTC().Format("2006-01-02T15:04:05.0000000Z")}},
	}
	for {
		out, err := db.Scan(ctx, in)
		if err != nil {
			return err
		}
		scanned += int(out.ScannedCount)
		found += int(out.Count)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	scanTook := time.Since(start)

	sw := sweep.New(st, slog.New(slog.NewJSONHandler(io.Discard, nil)), time.Now)
	r := sw.Run(ctx)
	perExpired := float64(r.ItemsRead) / float64(max(r.Expired, 1))
	s.add(row{Part: "sweep", Figure: "sweep of 20,000 open sessions, 200 expired: expired, items read, wall time", Measured: fmt.Sprintf("%d, %d, %s", r.Expired, r.ItemsRead, r.Duration.Round(time.Millisecond))})
	s.add(row{Part: "sweep", Figure: "items read per expired session", Budget: "1.0", Measured: fmt.Sprintf("%.2f", perExpired), Pass: pass(r.Expired == 200 && perExpired <= 1.0)})
	s.add(row{Part: "sweep", Figure: "naive peer: Scan for the same sessions: found, items read, wall time", Measured: fmt.Sprintf("%d, %d (%.0f per expired session), %s", found, scanned, float64(scanned)/float64(max(found, 1)), scanTook.Round(time.Millisecond))})
	return nil
}
