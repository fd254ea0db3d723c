package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// readMeter counts DynamoDB calls and the read units DynamoDB reports for
// them (it asks for them: ReturnConsumedCapacity TOTAL).
type readMeter struct {
	mu    sync.Mutex
	calls map[string]int
	units float64
}

func (m *readMeter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls, m.units = map[string]int{}, 0
}

func (m *readMeter) option(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("readMeter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			switch p := in.Parameters.(type) {
			case *dynamodb.QueryInput:
				p.ReturnConsumedCapacity = ddb.ReturnConsumedCapacityTotal
			case *dynamodb.BatchGetItemInput:
				p.ReturnConsumedCapacity = ddb.ReturnConsumedCapacityTotal
			}
			out, md, err := next.HandleInitialize(ctx, in)
			units := 0.0
			switch r := out.Result.(type) {
			case *dynamodb.QueryOutput:
				if r.ConsumedCapacity != nil {
					units += aws.ToFloat64(r.ConsumedCapacity.CapacityUnits)
				}
			case *dynamodb.BatchGetItemOutput:
				for _, c := range r.ConsumedCapacity {
					units += aws.ToFloat64(c.CapacityUnits)
				}
			}
			m.mu.Lock()
			m.calls[awsmiddleware.GetOperationName(ctx)]++
			m.units += units
			m.mu.Unlock()
			return out, md, err
		}), middleware.Before)
}

// listFiguresRow is the budget of TestListCapacity's run: it passed, and
// it printed the README's figures, all five of them (a run that printed
// fewer judged fewer).
func listFiguresRow(testErr error, found int) row {
	return row{Part: "list", Figure: "the README's records-per-answer figures hold (TestListCapacity -capacity.all)", Budget: "pass", Measured: fmt.Sprintf("%d figures", found), Pass: pass(testErr == nil && found == capacityFigures)}
}

// capacityFigures is how many records-per-answer figures TestListCapacity
// -capacity.all prints: README's table's.
const capacityFigures = 5

// runListCost measures document 004's list: how many records one answer
// takes (TestListCapacity, with the slow gzip figure), and, on DynamoDB
// Local, what listing a day of sessions costs — calls, read units as
// DynamoDB Local reports them, wall time — now (ids from the sharded index,
// sessions from the table with consistent BatchGetItems) and before (the
// one-partition index, the records rendered from its projection,
// eventually consistent), on the same engine and the same sessions.
func runListCost(s *suite) error {
	cmd := exec.Command("go", "test", "-count=1", "-run", "^TestListCapacity$", "-v", "./shared/httpapi", "-args", "-capacity.all")
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "DYNAMODB_ENDPOINT="+s.endpoint)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	fmt.Fprintln(s.log, "  go test -run TestListCapacity -capacity.all ...")
	testErr := cmd.Run()
	line := regexp.MustCompile(`list_test\.go:\d+: (.+?)\s+gzip=(true|false)\s+(\d+) records of (\d+) bytes of JSON fit`)
	sc := bufio.NewScanner(&out)
	found := 0
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		found++
		enc := "plain"
		if m[2] == "true" {
			enc = "gzip"
		}
		s.add(row{Part: "list", Figure: fmt.Sprintf("records in one whole-day answer, %s, %s records (%s bytes of JSON each)", enc, m[1], m[4]), Measured: m[3]})
	}
	s.add(listFiguresRow(testErr, found))

	ctx := context.Background()
	meter := &readMeter{}
	meter.reset()
	db, err := store.NewClient(ctx, store.ClientOptions{Endpoint: s.endpoint, APIOptions: []func(*middleware.Stack) error{meter.option}})
	if err != nil {
		return err
	}
	layouts, err := heatLayouts()
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	const n = 2000
	amount := int64(8800)
	var vs []*session.Session
	for i := range n {
		d := &session.Draft{Amount: &amount, Currency: "EUR", TransactionID: "20220211-0013-0000-0382", PartnerTransactionID: "ptx-77", ShopBuyerID: "buyer-42"}
		vs = append(vs, session.New(d, "bench-merchant", uuid.NewString(), "hcp", now.Add(-time.Minute).Add(time.Duration(i)*time.Millisecond), session.DefaultPolicy))
	}
	results := map[bool]string{}
	for _, l := range layouts {
		def := l.Table
		def.TableName = aws.String(fmt.Sprintf("bench-list-%d", time.Now().UnixNano()))
		if _, err := db.CreateTable(ctx, def); err != nil {
			return err
		}
		w := dynamodb.NewTableExistsWaiter(db)
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: def.TableName}, time.Minute); err != nil {
			return err
		}
		peer := l.Name != layouts[0].Name
		shards := store.DefaultListShards
		if peer {
			shards = 1
		}
		st := store.New(db, *def.TableName, session.DefaultPolicy, 16, time.Now, store.ListShards(shards))
		fmt.Fprintf(s.log, "  storing %d sessions (%s) ...\n", n, l.Name)
		if err := st.ImportAll(ctx, vs); err != nil {
			return err
		}
		meter.reset()
		start := time.Now()
		listed := 0
		if !peer {
			if _, err := st.ListByDay(ctx, store.ListQuery{MerchantID: "bench-merchant", Day: now}, func(*session.Session) bool { listed++; return true }); err != nil {
				return err
			}
		} else if listed, err = listFromProjection(ctx, db, *def.TableName, "bench-merchant#"+now.Format(time.DateOnly)+"#0"); err != nil {
			return err
		}
		took := time.Since(start)
		meter.mu.Lock()
		results[peer] = fmt.Sprintf("%d listed: %d Query + %d BatchGetItem calls, %.0f read units, %s", listed, meter.calls["Query"], meter.calls["BatchGetItem"], meter.units, took.Round(time.Millisecond))
		meter.mu.Unlock()
		_, _ = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: def.TableName})
	}
	s.add(row{Part: "list", Figure: fmt.Sprintf("whole day of %d sessions on DynamoDB Local: ids from the %d-partition index, sessions from the table (consistent BatchGetItem)", n, store.DefaultListShards), Measured: results[false]})
	s.add(row{Part: "list", Figure: "peer: the list before — one index partition, records rendered from its projection (eventually consistent)", Measured: results[true]})
	return nil
}

// listFromProjection lists a day as the list did before it read sessions
// from the table: one index partition, Query pages of the projected
// records, filtered on purgeAt.
func listFromProjection(ctx context.Context, db *dynamodb.Client, table, partition string) (int, error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key("merchantDayShard").Equal(expression.Value(partition))).
		WithFilter(expression.Name("purgeAt").GreaterThan(expression.Value(time.Now().UTC().Format("2006-01-02T15:04:05.0000000Z")))).
		Build()
	if err != nil {
		return 0, err
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(table), IndexName: aws.String(store.IndexByMerchantDayShard),
		KeyConditionExpression: expr.KeyCondition(), FilterExpression: expr.Filter(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}
	n := 0
	for {
		out, err := db.Query(ctx, in)
		if err != nil {
			return 0, err
		}
		n += len(out.Items)
		if out.LastEvaluatedKey == nil {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
