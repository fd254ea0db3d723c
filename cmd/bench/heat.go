package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/samlocal"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// The partition-heat model: how many writes, and write units, each
// partition key of the table and of each index takes per second under a
// workload, counted as DynamoDB counts them. It drives the store's own item
// function (store.Item: the keys and index attributes a write really sets)
// and derives each index's entry from the table's own definition (key
// schema and projection), so it models any layout the store and the
// definition describe — today's, and the one before it, as the peer.
//
// DynamoDB's rules, as its documentation gives them for global secondary
// indexes: a write that gives an item an index's key attributes puts an
// entry; one that removes them deletes the entry; one that changes the
// index key deletes the old entry and puts the new one (two writes, on two
// partition keys); one that keeps the key but changes a projected attribute
// rewrites the entry; any other write leaves the index alone. An entry's
// size is its keys, the table's keys and its projected attributes, plus
// 100 bytes; a write costs one write unit per KB started, of the item's
// larger image (before or after) for the table, and twice that for an item
// written in a transaction (TransactWriteItems: a create with an
// Idempotency-Key writes the session and the key's record in one). A TTL
// deletion costs the table no write unit, but its index entries are
// deleted as by any other delete: the model counts those index writes,
// and the deletion as a write of 0 units on the table. A partition key
// takes at most 1,000 write units per second; an index that cannot keep up
// throttles the table's writes.
//
// Steady state, one second: every second, Creates new sessions are created,
// the sessions of earlier seconds make their status changes, and those past
// their retention are deleted by TTL — so one second holds Creates creates,
// Creates changes of each kind and Creates TTL deletions (on the same day's
// list partitions: the model puts them on the creates' day, the worst
// case), each from different sessions. The model makes exactly that: for
// each step of the lifecycle, Creates fresh sessions (ids from a seeded
// generator), moved through the steps before it uncounted, then the step
// itself counted. TTL may run days late and then delete in bursts the
// model cannot foresee; a late day's deletions fall on that day's
// partitions, not on today's.

// heatLayout is a table definition and a store that writes items for it.
type heatLayout struct {
	Name  string
	Table *dynamodb.CreateTableInput
	Store *store.Store
}

// heatWorkload is one second of steady traffic.
type heatWorkload struct {
	Name      string
	Merchants int
	Creates   int              // sessions created per second, all merchants together
	Changes   []session.Status // the status changes of every session, in order
	// IdempotencyKeys: every create sends an Idempotency-Key, so it is a
	// transaction that also writes the key's record (deleted by TTL a day
	// later): the costlier create, and what a payment client sends.
	IdempotencyKeys bool
}

// fourChanges is a card payment's life after its creation: the buyer is
// sent on, a 3-D Secure challenge, the authorisation, the settlement.
var fourChanges = []session.Status{session.Processing, session.RequiresAction, session.Authorised, session.Settled}

// heatWorkloads are the scale targets of docs/design.md §8.
var heatWorkloads = []heatWorkload{
	{Name: "one merchant, 5,000 creates/s, 4 status changes each", Merchants: 1, Creates: 5000, Changes: fourChanges, IdempotencyKeys: true},
	{Name: "the service, 20,000 creates/s over 1,000 merchants, 4 status changes each", Merchants: 1000, Creates: 20000, Changes: fourChanges, IdempotencyKeys: true},
}

// heatBudget is DynamoDB's limit per partition key: write units per second.
const heatBudget = 1000

// keyLoad is what one partition key takes in the second.
type keyLoad struct{ Writes, Units int }

// heatResult is the load of every partition key: per index ("" for the
// table), per key.
type heatResult map[string]map[string]*keyLoad

// hottest returns the index's partition key with the most write units, its
// load, and how many keys the index was written on.
func (r heatResult) hottest(index string) (string, keyLoad, int) {
	var key string
	var top keyLoad
	for k, l := range r[index] {
		if l.Units > top.Units || l.Units == top.Units && l.Writes > top.Writes || key == "" {
			key, top = k, *l
		}
	}
	return key, top, len(r[index])
}

// heatLayouts are the layout this repository deploys, with the settings'
// defaults, and its peer: the layout before the sharded list index — one
// list partition per merchant and day (LIST_SHARDS 1), the list index
// projecting the fields of document 004's record (so every status change
// rewrote it), EXPIRY_SHARDS 16.
func heatLayouts() ([]heatLayout, error) {
	env, err := deployedSettings()
	if err != nil {
		return nil, err
	}
	env["TABLE_NAME"] = "sessions"
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	now := func() time.Time { return time.Time{} }
	before := store.TableDefinition("sessions")
	for i, g := range before.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == store.IndexByMerchantDayShard {
			g.Projection = &ddb.Projection{ProjectionType: ddb.ProjectionTypeInclude, NonKeyAttributes: recordProjection}
			before.GlobalSecondaryIndexes[i] = g
		}
	}
	return []heatLayout{
		{
			Name:  fmt.Sprintf("this layout (LIST_SHARDS %d, EXPIRY_SHARDS %d)", cfg.ListShards, cfg.ExpiryShards),
			Table: store.TableDefinition("sessions"),
			Store: store.New(nil, "sessions", cfg.Policy(), cfg.ExpiryShards, now, store.ListShards(cfg.ListShards)),
		},
		{
			Name:  "peer: the layout before (one list partition per merchant-day, record fields projected, EXPIRY_SHARDS 16)",
			Table: before,
			Store: store.New(nil, "sessions", cfg.Policy(), 16, now, store.ListShards(1)),
		},
	}, nil
}

// deployedSettings are the layout's settings (EXPIRY_SHARDS, LIST_SHARDS)
// as template.yaml deploys them, a parameter's default for a !Ref: the
// model is of the layout the repository deploys, so a default changed in
// the template alone (where config's default no longer applies) is
// modelled, not config's.
func deployedSettings() (map[string]string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
	raw, err := os.ReadFile(filepath.Join(dir, "template.yaml"))
	if err != nil {
		return nil, err
	}
	return layoutSettings(raw)
}

// layoutSettings reads EXPIRY_SHARDS and LIST_SHARDS from a template's
// Globals (every function has them; none overrides them).
func layoutSettings(template []byte) (map[string]string, error) {
	root, err := samlocal.DecodeCFN(template)
	if err != nil {
		return nil, fmt.Errorf("template.yaml: %w", err)
	}
	at := func(v any, keys ...string) any {
		for _, k := range keys {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		return v
	}
	vars := at(root, "Globals", "Function", "Environment", "Variables")
	out := map[string]string{}
	for _, k := range []string{"EXPIRY_SHARDS", "LIST_SHARDS"} {
		switch v := at(vars, k).(type) {
		case string:
			out[k] = v
		case map[string]any:
			name, _ := v["Ref"].(string)
			d, ok := at(root, "Parameters", name, "Default").(string)
			if !ok {
				return nil, fmt.Errorf("template.yaml: %s is %v, not a parameter with a default", k, v)
			}
			out[k] = d
		default:
			return nil, fmt.Errorf("template.yaml: Globals declare no %s", k)
		}
	}
	return out, nil
}

// recordProjection is what the list index projected before it held keys and
// listUntil only: the fields of document 004's record and the time rules.
var recordProjection = []string{
	"id", "merchantId", "status", "statusReason", "transactionId", "partnerTransactionId",
	"shopBuyerId", "declineReasons", "createdAt", "updatedAt", "expiresAt", "closedAt", "retainUntil", "purgeAt",
}

// runHeat runs one second of w on each layout: the same sessions, each
// written as its layout's store writes it. The sessions' ids and creation
// instants are drawn from the seeded generator first, in order, so the
// sessions do not depend on how the work is then shared: it is split over
// workers (make bench and the test: GOMAXPROCS), each counting into its own
// results, summed at the end (a count is a sum, so the order of the writes
// changes nothing; TestHeatWorkersChangeNoCount holds it, under the race
// detector).
func runHeat(layouts []heatLayout, w heatWorkload, seed uint64, workers int) ([]heatResult, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	day := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	// Steps: 0 the create, 1..len(Changes) the changes, then the TTL
	// deletion.
	steps := len(w.Changes) + 2
	type drawn struct {
		id      uuid.UUID
		created time.Time
	}
	draws := make([]drawn, steps*w.Creates)
	for n := range draws {
		d := &draws[n]
		for j := range d.id {
			d.id[j] = byte(rng.Uint32())
		}
		d.id[6], d.id[8] = d.id[6]&0x0f|0x40, d.id[8]&0x3f|0x80
		d.created = day.Add(time.Duration(rng.Int64N(int64(time.Second))))
	}
	workers = max(1, min(workers, len(draws)))
	parts := make([][]heatResult, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		parts[k] = make([]heatResult, len(layouts))
		for i := range parts[k] {
			parts[k][i] = heatResult{}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := k; n < len(draws); n += workers {
				if err := heatWrite(parts[k], layouts, w, n/w.Creates, n%w.Creates, draws[n].id, draws[n].created); err != nil {
					errs[k] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res := parts[0]
	for _, part := range parts[1:] {
		for li, r := range part {
			for ix, keys := range r {
				if res[li][ix] == nil {
					res[li][ix] = map[string]*keyLoad{}
				}
				for key, l := range keys {
					if sum := res[li][ix][key]; sum != nil {
						sum.Writes += l.Writes
						sum.Units += l.Units
					} else {
						res[li][ix][key] = l
					}
				}
			}
		}
	}
	return res, nil
}

// heatWrite counts, into res, step's write of session i of w (id, created):
// the session is moved through the steps before it uncounted.
func heatWrite(res []heatResult, layouts []heatLayout, w heatWorkload, step, i int, id uuid.UUID, created time.Time) error {
	policy := layouts[0].Store.Policy()
	images := func(v *session.Session) ([]map[string]ddb.AttributeValue, error) {
		out := make([]map[string]ddb.AttributeValue, len(layouts))
		for i, l := range layouts {
			var err error
			if out[i], err = image(l.Store, v); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	amount := int64(8800)
	purge := step > len(w.Changes)
	d := &session.Draft{Amount: &amount, Currency: "EUR", OrderID: "order-" + id.String()[:8], PaymentMethod: "Card",
		TransactionID: "20220211-0013-0000-0382", PartnerTransactionID: "ptx-77", ShopBuyerID: "buyer-42"}
	v := session.New(d, fmt.Sprintf("merchant-%04d", i%w.Merchants), id.String(), "hcp-token-0123456789", created, policy)
	v.Version = 1
	var body []byte // the create's answer, as the key's record keeps it
	if w.IdempotencyKeys && (step == 0 || purge) {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return err
		}
	}
	before := make([]map[string]ddb.AttributeValue, len(layouts))
	for k := range min(step, len(w.Changes)) {
		if k == step-1 {
			var err error
			if before, err = images(v); err != nil {
				return err
			}
		}
		at := created.Add(time.Duration(k+1) * time.Second)
		if _, err := v.Apply(&session.Event{Status: w.Changes[k], Reason: "model"}, at, policy); err != nil {
			return fmt.Errorf("%s: %w", w.Changes[k], err)
		}
		v.Version++
	}
	after, err := images(v)
	if err != nil {
		return err
	}
	kind := writePlain
	switch {
	case purge:
		before, after, kind = after, make([]map[string]ddb.AttributeValue, len(layouts)), writeTTL
	case step == 0 && w.IdempotencyKeys:
		kind = writeTransact
	}
	for li, l := range layouts {
		countWrite(res[li], l.Table, before[li], after[li], kind)
		if !w.IdempotencyKeys || step != 0 && !purge {
			continue
		}
		idem := &store.Idempotency{MerchantID: v.MerchantID, Key: "order-" + id.String(), RequestHash: store.HashRequest(body)}
		rec, err := l.Store.IdempotencyItem(idem, v.ID, 201, body, created)
		if err != nil {
			return err
		}
		if purge {
			countWrite(res[li], l.Table, rec, nil, writeTTL)
		} else {
			countWrite(res[li], l.Table, nil, rec, writeTransact)
		}
	}
	return nil
}

// writeKind is how a write reaches the table, which sets its write units
// there.
type writeKind int

const (
	writePlain    writeKind = iota // PutItem, UpdateItem: a unit per KB
	writeTransact                  // in TransactWriteItems: two units per KB
	writeTTL                       // a TTL deletion: no unit on the table
)

// image is v's item as the store writes it, with the attributes every write
// adds: writeId, and recentWrites, the ids of the writes that made its
// latest versions (one a version, at most recentWritesKept) — about 300
// bytes on a session written 8 times, which can take a write past a KB.
func image(st *store.Store, v *session.Session) (map[string]ddb.AttributeValue, error) {
	av, err := st.Item(v)
	if err != nil {
		return nil, err
	}
	av["writeId"] = &ddb.AttributeValueMemberS{Value: uuid.Nil.String()}
	writes := make([]ddb.AttributeValue, max(1, min(v.Version, recentWritesKept)))
	for i := range writes {
		writes[i] = &ddb.AttributeValueMemberS{Value: uuid.Nil.String()}
	}
	av["recentWrites"] = &ddb.AttributeValueMemberL{Value: writes}
	return av, nil
}

// recentWritesKept is how many write ids the store keeps on a session
// item (TestHeatImageIsTheStoredItem holds the two together).
const recentWritesKept = 8

// countWrite adds one write to the table, before → after (before nil: a
// new item; after nil: a deletion), and what it costs each index. Index
// entries cost a unit per KB whatever kind of write changed the item.
func countWrite(res heatResult, t *dynamodb.CreateTableInput, before, after map[string]ddb.AttributeValue, kind writeKind) {
	tableKeys := keyNames(t.KeySchema)
	add := func(index, key string, u int) {
		if res[index] == nil {
			res[index] = map[string]*keyLoad{}
		}
		l := res[index][key]
		if l == nil {
			l = &keyLoad{}
			res[index][key] = l
		}
		l.Writes++
		l.Units += u
	}
	item := after
	if item == nil {
		item = before
	}
	tableUnits := units(max(store.ItemSize(before), store.ItemSize(after)))
	switch kind {
	case writeTransact:
		tableUnits *= 2
	case writeTTL:
		tableUnits = 0
	}
	add("", keyString(item, tableKeys[0]), tableUnits)
	for _, g := range t.GlobalSecondaryIndexes {
		name := aws.ToString(g.IndexName)
		old, oldIn := indexEntryOf(g, tableKeys, before)
		cur, curIn := indexEntryOf(g, tableKeys, after)
		indexKeys := keyNames(g.KeySchema)
		sameKey := oldIn && curIn && reflect.DeepEqual(pick(old, indexKeys), pick(cur, indexKeys))
		switch {
		case sameKey && reflect.DeepEqual(old, cur):
			// nothing the index holds changed: no write
		case sameKey:
			add(name, keyString(cur, indexKeys[0]), units(max(entrySize(old), entrySize(cur))))
		default:
			if oldIn {
				add(name, keyString(old, indexKeys[0]), units(entrySize(old))) // delete
			}
			if curIn {
				add(name, keyString(cur, indexKeys[0]), units(entrySize(cur))) // put
			}
		}
	}
}

// indexEntryOf is item's entry in index g, if the item has g's key
// attributes: the index's keys, the table's keys and the projected
// attributes.
func indexEntryOf(g ddb.GlobalSecondaryIndex, tableKeys []string, item map[string]ddb.AttributeValue) (map[string]ddb.AttributeValue, bool) {
	if item == nil {
		return nil, false
	}
	names := keyNames(g.KeySchema)
	for _, k := range names {
		if _, ok := item[k]; !ok {
			return nil, false
		}
	}
	names = append(names, tableKeys...)
	switch g.Projection.ProjectionType {
	case ddb.ProjectionTypeAll:
		return item, true
	case ddb.ProjectionTypeInclude:
		names = append(names, g.Projection.NonKeyAttributes...)
	}
	return pick(item, names), true
}

func pick(item map[string]ddb.AttributeValue, names []string) map[string]ddb.AttributeValue {
	out := map[string]ddb.AttributeValue{}
	for _, n := range names {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}

// entrySize is an index entry's size as DynamoDB counts it: its attributes
// and 100 bytes.
func entrySize(e map[string]ddb.AttributeValue) int { return store.ItemSize(e) + 100 }

// units is the write units of a write of size bytes: one per KB started.
func units(size int) int { return max(1, (size+1023)/1024) }

func keyNames(ks []ddb.KeySchemaElement) []string {
	var names []string
	for _, t := range []ddb.KeyType{ddb.KeyTypeHash, ddb.KeyTypeRange} {
		for _, k := range ks {
			if k.KeyType == t {
				names = append(names, aws.ToString(k.AttributeName))
			}
		}
	}
	return names
}

func keyString(item map[string]ddb.AttributeValue, name string) string {
	switch v := item[name].(type) {
	case *ddb.AttributeValueMemberS:
		return v.Value
	case *ddb.AttributeValueMemberN:
		return v.Value
	}
	return ""
}

// heatRow is the hottest partition key of the table or of an index, under
// one workload and one layout.
type heatRow struct {
	Workload, Layout, Index, Key string
	Load                         keyLoad
	Keys                         int // partition keys written
	Total                        int // writes on all of them
	Peer                         bool
}

// indexLabel names an index for the report.
func indexLabel(name string) string {
	switch name {
	case "":
		return "table"
	case store.IndexByMerchantDayShard:
		return "list index"
	case store.IndexByExpiry:
		return "expiry index"
	}
	return name
}

// runHeatTable runs every workload on every layout.
func runHeatTable() ([]heatRow, error) {
	layouts, err := heatLayouts()
	if err != nil {
		return nil, err
	}
	// The model holds every partition key's count live (over 400,000 in
	// all) while it makes millions of short-lived items: at the default
	// GOGC the collector rescans the counts after every few MB of items,
	// about a third of the model's CPU. Four times the headroom cuts that
	// for a few hundred MB more, for the length of the model only.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	var rows []heatRow
	for _, w := range heatWorkloads {
		results, err := runHeat(layouts, w, 1, runtime.GOMAXPROCS(0))
		if err != nil {
			return nil, err
		}
		for li, l := range layouts {
			indexes := []string{""}
			for _, g := range l.Table.GlobalSecondaryIndexes {
				indexes = append(indexes, aws.ToString(g.IndexName))
			}
			for _, ix := range indexes {
				key, load, n := results[li].hottest(ix)
				total := 0
				for _, kl := range results[li][ix] {
					total += kl.Writes
				}
				rows = append(rows, heatRow{Workload: w.Name, Layout: l.Name, Index: ix, Key: key, Load: load, Keys: n, Total: total, Peer: li > 0})
			}
		}
	}
	return rows, nil
}

// runHeatModel is make bench's part "heat".
func runHeatModel(s *suite) error {
	rows, err := runHeatTable()
	if err != nil {
		return err
	}
	for _, r := range rows {
		s.add(heatReportRow(r))
	}
	return nil
}

// heatReportRow is r's row of the report: a peer's is reported, any other
// is judged against heatBudget.
func heatReportRow(r heatRow) row {
	fig := fmt.Sprintf("%s; %s; %s: hottest of %d partition keys (%d writes/s on all)", r.Workload, r.Layout, indexLabel(r.Index), r.Keys, r.Total)
	measured := fmt.Sprintf("%d writes/s, %d WCU/s", r.Load.Writes, r.Load.Units)
	if r.Peer {
		return row{Part: "heat", Figure: fig, Budget: "(peer)", Measured: measured}
	}
	return row{Part: "heat", Figure: fig, Budget: fmt.Sprintf("< %d WCU/s", heatBudget), Measured: measured, Pass: pass(r.Load.Units < heatBudget)}
}
