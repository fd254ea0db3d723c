package storetest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
)

// FakeDynamo is an in-process stand-in for DynamoDB's HTTP endpoint, for
// benchmarks that must measure the service's own cost and not the engine's:
// it keeps items in memory and answers PutItem, GetItem, TransactWriteItems
// (Puts), BatchGetItem and Query (every item whose attribute named first in
// the key condition holds the value named there, in one page). It checks no
// condition, applies no filter or projection, and is not a test double for
// behaviour.
type FakeDynamo struct {
	mu    sync.RWMutex
	items map[string]json.RawMessage // "pk|sk" -> item
}

// NewFakeDynamo returns an empty fake.
func NewFakeDynamo() *FakeDynamo { return &FakeDynamo{items: map[string]json.RawMessage{}} }

type avItem map[string]map[string]any

func itemKey(item json.RawMessage) string {
	var m avItem
	_ = json.Unmarshal(item, &m)
	pk, _ := m["pk"]["S"].(string)
	sk, _ := m["sk"]["S"].(string)
	return pk + "|" + sk
}

// ServeHTTP answers one DynamoDB call, as FakeDynamo says.
func (f *FakeDynamo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	var in struct {
		Item          json.RawMessage
		Key           json.RawMessage
		TransactItems []struct {
			Put struct{ Item json.RawMessage }
		}
		ExpressionAttributeValues map[string]map[string]any
		ExpressionAttributeNames  map[string]string
		KeyConditionExpression    string
		RequestItems              map[string]struct{ Keys []json.RawMessage }
	}
	_ = json.Unmarshal(body, &in)
	switch op {
	case "PutItem":
		f.mu.Lock()
		f.items[itemKey(in.Item)] = in.Item
		f.mu.Unlock()
		_, _ = io.WriteString(w, `{}`)
	case "TransactWriteItems":
		f.mu.Lock()
		for _, ti := range in.TransactItems {
			f.items[itemKey(ti.Put.Item)] = ti.Put.Item
		}
		f.mu.Unlock()
		_, _ = io.WriteString(w, `{}`)
	case "GetItem":
		f.mu.RLock()
		item, ok := f.items[itemKey(in.Key)]
		f.mu.RUnlock()
		if !ok {
			_, _ = io.WriteString(w, `{}`)
			return
		}
		_, _ = w.Write(append(append([]byte(`{"Item":`), item...), '}'))
	case "BatchGetItem":
		responses := map[string][]json.RawMessage{}
		f.mu.RLock()
		for table, req := range in.RequestItems {
			items := []json.RawMessage{}
			for _, k := range req.Keys {
				if item, ok := f.items[itemKey(k)]; ok {
					items = append(items, item)
				}
			}
			responses[table] = items
		}
		f.mu.RUnlock()
		b, _ := json.Marshal(map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}})
		_, _ = w.Write(b)
	case "Query":
		// "#0 = :0", or "(#0 = :0) AND (...)": the partition's attribute
		// and value; the rest of the condition is not applied.
		f0 := strings.Fields(strings.NewReplacer("(", "", ")", "").Replace(in.KeyConditionExpression))
		var name, value string
		if len(f0) >= 3 {
			if name = in.ExpressionAttributeNames[f0[0]]; name == "" {
				name = f0[0]
			}
			value, _ = in.ExpressionAttributeValues[f0[2]]["S"].(string)
		}
		f.mu.RLock()
		out := []json.RawMessage{} // DynamoDB sends "Items": [] for no match, never null
		for _, item := range f.items {
			var m avItem
			_ = json.Unmarshal(item, &m)
			if v, ok := m[name]["S"].(string); ok && v == value {
				out = append(out, item)
			}
		}
		f.mu.RUnlock()
		b, _ := json.Marshal(map[string]any{"Items": out, "Count": len(out), "ScannedCount": len(out)})
		_, _ = w.Write(b)
	default:
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"not supported by the fake"}`)
	}
}
