package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// answerItems calls f on every item of a read's answer (GetItem's Item,
// TransactGetItems' Items, BatchGetItem's and Query's lists) and returns
// the answer re-encoded.
func answerItems(op string, res []byte, f func(item map[string]any)) []byte {
	var out map[string]any
	if json.Unmarshal(res, &out) != nil {
		return res
	}
	each := func(v any) {
		if it, ok := v.(map[string]any); ok {
			f(it)
		}
	}
	switch op {
	case "GetItem":
		each(out["Item"])
	case "Query":
		for _, it := range asList(out["Items"]) {
			each(it)
		}
	case "TransactGetItems":
		for _, r := range asList(out["Responses"]) {
			if r, ok := r.(map[string]any); ok {
				each(r["Item"])
			}
		}
	case "BatchGetItem":
		tables, _ := out["Responses"].(map[string]any)
		for _, items := range tables {
			for _, it := range asList(items) {
				each(it)
			}
		}
	}
	b, _ := json.Marshal(out)
	return b
}

func asList(v any) []any { l, _ := v.([]any); return l }

// TestItemsDynamoDBNeverSends: an item in a read's answer that no item
// DynamoDB holds could give (one without the key it was read by, of
// another key, a list index entry without the index's sort key, an expiry
// index entry without the table's partition key or the index's sort key,
// all of which DynamoDB enforces on every write, whoever writes) is not
// DynamoDB's answer: its verdict is unknown, a retry may read the real
// item, so it is EUNAVAILABLE (503 with Retry-After), never a 500, and
// never read as another session or skipped (a short list, a session the
// sweeper leaves unexpired). An item of the key asked whose other
// attributes the store cannot decode is the store's own data, written
// badly: every read of it fails the same way, so it is EINTERNAL (500),
// where a retry would not help.
func TestItemsDynamoDBNeverSends(t *testing.T) {
	var rewrite atomic.Pointer[func(op string, item map[string]any)]
	rw := &storetest.RewriteTransport{Rewrite: func(op string, _, res []byte) []byte {
		f := rewrite.Load()
		if f == nil {
			return res
		}
		return answerItems(op, res, func(it map[string]any) { (*f)(op, it) })
	}}
	db := storetest.Client(t, store.ClientOptions{HTTPClient: &http.Client{Transport: rw}, MaxAttempts: 1})
	table := storetest.NewTable(t, db)
	clock := storetest.NewClock(t0)
	f := &fixture{db: db, table: table, clock: clock, st: store.New(db, table, session.DefaultPolicy, 16, clock.Now, store.ListBudget(time.Hour))}
	ctx := context.Background()
	v := f.create(t, "m-1")
	keyID := uuid.NewString()
	if err := f.st.CreateAPIKey(ctx, &store.APIKey{ID: keyID, MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: []byte("h"), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	other := uuid.NewString()
	s := func(v string) map[string]any { return map[string]any{"S": v} }

	get := func() error { _, err := f.st.Get(ctx, v.ID); return err }
	list := func() error {
		listed := 0
		_, err := f.st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: t0}, func(*session.Session) bool { listed++; return true })
		if err == nil && listed != 1 {
			return session.Errorf(session.EINVALID, "", "listed %d sessions of 1", listed) // a short list: no verdict
		}
		return err
	}
	apiKey := func() error { _, err := f.st.APIKey(ctx, keyID); return err }
	// The sweeper's query, at an instant the session is due.
	expired := func() error {
		due := v.ExpiresAt.Add(session.DefaultPolicy.WriteGuard + time.Second)
		found := 0
		for shard := range f.st.Shards() {
			if _, err := f.st.Expired(ctx, shard, due, 100, func(ks []store.ExpiryKey) bool { found += len(ks); return true }); err != nil {
				return err
			}
		}
		if found != 1 {
			return session.Errorf(session.EINVALID, "", "found %d sessions of 1", found) // one left unexpired: no verdict
		}
		return nil
	}
	tests := []struct {
		name   string
		op     string
		change func(it map[string]any)
		call   func() error
		want   session.Code
	}{
		{"a list index entry without the index's sort key", "Query", func(it map[string]any) { delete(it, "createdKey") }, list, session.EUNAVAILABLE},
		{"a list index entry whose sort key is a number", "Query", func(it map[string]any) { it["createdKey"] = map[string]any{"N": "1"} }, list, session.EUNAVAILABLE},
		{"a list index entry whose sort key is empty", "Query", func(it map[string]any) { it["createdKey"] = s("") }, list, session.EUNAVAILABLE},
		{"an expiry index entry without the table's partition key", "Query", func(it map[string]any) { delete(it, "pk") }, expired, session.EUNAVAILABLE},
		{"an expiry index entry whose partition key is a number", "Query", func(it map[string]any) { it["pk"] = map[string]any{"N": "1"} }, expired, session.EUNAVAILABLE},
		{"an expiry index entry whose partition key is empty", "Query", func(it map[string]any) { it["pk"] = s("") }, expired, session.EUNAVAILABLE},
		{"an expiry index entry without the index's sort key", "Query", func(it map[string]any) { delete(it, "expiresAt") }, expired, session.EUNAVAILABLE},
		{"an expiry index entry whose sort key is a number", "Query", func(it map[string]any) { it["expiresAt"] = map[string]any{"N": "1"} }, expired, session.EUNAVAILABLE},
		{"an expiry index entry whose sort key is empty", "Query", func(it map[string]any) { it["expiresAt"] = s("") }, expired, session.EUNAVAILABLE},
		{"a listed item without its key", "BatchGetItem", func(it map[string]any) { delete(it, "pk"); delete(it, "sk") }, list, session.EUNAVAILABLE},
		{"a listed item of a session not asked", "BatchGetItem", func(it map[string]any) {
			it["pk"], it["id"] = s("SESSION#"+other), s(other)
		}, list, session.EUNAVAILABLE},
		{"an item of another key", "GetItem", func(it map[string]any) { it["pk"] = s("SESSION#" + other) }, get, session.EUNAVAILABLE},
		{"an item without its sort key", "GetItem", func(it map[string]any) { delete(it, "sk") }, get, session.EUNAVAILABLE},
		{"an API key's item of another key", "GetItem", func(it map[string]any) { it["pk"] = s("APIKEY#" + other) }, apiKey, session.EUNAVAILABLE},
		// The store's own data, written badly: a real bug, 500.
		{"an item of the key asked with a status stored as a number", "GetItem", func(it map[string]any) { it["status"] = map[string]any{"N": "1"} }, get, session.EINTERNAL},
		{"an item of the key asked with an unreadable instant", "GetItem", func(it map[string]any) { it["createdAt"] = s("yesterday") }, get, session.EINTERNAL},
		// A field the session's own checks never look at, of another
		// type: kills decodeSession ignoring UnmarshalMap's error (store.go
		// mutant 158), which read the session without its orderId or version.
		{"an item of the key asked with an orderId stored as a boolean", "GetItem", func(it map[string]any) { it["orderId"] = map[string]any{"BOOL": true} }, get, session.EINTERNAL},
		{"an item of the key asked with its version stored as a string", "GetItem", func(it map[string]any) { it["version"] = s("x") }, get, session.EINTERNAL},
		// Kills toSession ignoring a history entry's parse error (mutant 54
		// of item.go): the entry was read as at the zero instant.
		{"an item of the key asked with an unreadable instant in its history", "GetItem", func(it map[string]any) {
			h, _ := it["history"].(map[string]any)
			for _, e := range asList(h["L"]) {
				e, _ := e.(map[string]any)
				if m, ok := e["M"].(map[string]any); ok {
					m["at"] = s("yesterday")
				}
			}
		}, get, session.EINTERNAL},
		{"a listed item of the key asked with a status stored as a number", "BatchGetItem", func(it map[string]any) { it["status"] = map[string]any{"N": "1"} }, list, session.EINTERNAL},
		{"an API key's item of the key asked with scopes stored as a number", "GetItem", func(it map[string]any) { it["scopes"] = map[string]any{"N": "1"} }, apiKey, session.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := 0
			fn := func(op string, it map[string]any) {
				if op == tt.op {
					changed++
					tt.change(it)
				}
			}
			rewrite.Store(&fn)
			err := tt.call()
			rewrite.Store(nil)
			if changed == 0 {
				t.Fatalf("no %s item changed: the row tests nothing", tt.op)
			}
			if got := session.ErrorCode(err); got != tt.want {
				t.Errorf("got %v (%v); want %v", got, err, tt.want)
			}
		})
	}
}
