package store

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestAskedItemsAsEachItemAgainstEachKey: askedItems, which looks each
// item up in a set of the keys asked (appendKey), accepts exactly the
// items that comparing each item with each key (holdsKey) accepts, with
// several keys asked: an item mixing the attributes of two keys, a key
// value of another type with the same text, values whose concatenation
// is another key's (the lengths keep them apart, whichever order the
// attributes are written in), a projection keeping some key attributes
// or none, duplicate keys asked, no key asked, extra attributes.
func TestAskedItemsAsEachItemAgainstEachKey(t *testing.T) {
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	n := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberN{Value: v} }
	b := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberB{Value: []byte(v)} }
	key := func(pk, sk ddb.AttributeValue) map[string]ddb.AttributeValue {
		m := map[string]ddb.AttributeValue{}
		if pk != nil {
			m["pk"] = pk
		}
		if sk != nil {
			m["sk"] = sk
		}
		return m
	}
	with := func(m map[string]ddb.AttributeValue, name string, v ddb.AttributeValue) map[string]ddb.AttributeValue {
		m[name] = v
		return m
	}
	k1, k2 := key(s("SESSION#1"), s("A")), key(s("SESSION#2"), s("B"))
	type items = []map[string]ddb.AttributeValue
	tests := []struct {
		name  string
		keys  []map[string]ddb.AttributeValue
		proj  *string
		names map[string]string
		items items
		want  bool
	}{
		{"every key's item", []map[string]ddb.AttributeValue{k1, k2}, nil, nil, items{key(s("SESSION#2"), s("B")), key(s("SESSION#1"), s("A"))}, true},
		{"no item", []map[string]ddb.AttributeValue{k1, k2}, nil, nil, nil, true},
		{"an item of a key not asked", []map[string]ddb.AttributeValue{k1, k2}, nil, nil, items{key(s("SESSION#1"), s("A")), key(s("SESSION#3"), s("A"))}, false},
		{"an item of one key's pk and another's sk", []map[string]ddb.AttributeValue{k1, k2}, nil, nil, items{key(s("SESSION#1"), s("B"))}, false},
		{"an item whose pk is binary of the same bytes", []map[string]ddb.AttributeValue{k1, k2}, nil, nil, items{key(b("SESSION#1"), s("A"))}, false},
		{"an item whose pk is a number of the same text", []map[string]ddb.AttributeValue{key(s("1"), s("A"))}, nil, nil, items{key(n("1"), s("A"))}, false},
		// Written without lengths, the item would read as the first key
		// with pk first ("SaSbSc") and as the second with sk first
		// ("SbScSa").
		{"an item whose values run together as a key's", []map[string]ddb.AttributeValue{key(s("aSb"), s("c")), key(s("cSa"), s("b"))}, nil, nil, items{key(s("a"), s("bSc"))}, false},
		{"an item without its sort key", []map[string]ddb.AttributeValue{k1, k2}, nil, nil, items{key(s("SESSION#1"), nil)}, false},
		{"an item whose sort key is a map", []map[string]ddb.AttributeValue{k1, k2}, nil, nil, items{key(s("SESSION#1"), &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{"sk": s("A")}})}, false},
		{"an item with other attributes", []map[string]ddb.AttributeValue{k1, k2}, nil, nil, items{with(key(s("SESSION#1"), s("A")), "id", s("2"))}, true},
		{"duplicate keys asked", []map[string]ddb.AttributeValue{k1, k1}, nil, nil, items{key(s("SESSION#1"), s("A"))}, true},
		{"no key asked", nil, nil, nil, items{key(s("SESSION#1"), s("A"))}, false},
		{"a projection without sk: an item of a key's pk", []map[string]ddb.AttributeValue{k1, k2}, aws.String("pk, id"), nil, items{key(s("SESSION#2"), nil)}, true},
		{"a projection without sk: an item of another pk", []map[string]ddb.AttributeValue{k1, k2}, aws.String("pk, id"), nil, items{key(s("SESSION#3"), nil)}, false},
		{"a projection by names: an item of a key", []map[string]ddb.AttributeValue{k1, k2}, aws.String("#0, #1"), map[string]string{"#0": "pk", "#1": "sk"}, items{key(s("SESSION#1"), s("A"))}, true},
		{"a projection by names: one key's pk and another's sk", []map[string]ddb.AttributeValue{k1, k2}, aws.String("#0, #1"), map[string]string{"#0": "pk", "#1": "sk"}, items{key(s("SESSION#1"), s("B"))}, false},
		{"a projection of no key attribute", []map[string]ddb.AttributeValue{k1, k2}, aws.String("id"), nil, items{key(nil, nil)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka := ddb.KeysAndAttributes{Keys: tt.keys, ProjectionExpression: tt.proj, ExpressionAttributeNames: tt.names}
			each := true
			for _, it := range tt.items {
				if !slices.ContainsFunc(tt.keys, func(k map[string]ddb.AttributeValue) bool { return holdsKey(it, k, tt.proj, tt.names) }) {
					each = false
				}
			}
			if each != tt.want {
				t.Fatalf("each item against each key: got %v; want %v (the row is wrong)", each, tt.want)
			}
			// Map order varies: the set is written in a new order each call.
			for range 8 {
				if got := askedItems(tt.items, ka); got != tt.want {
					t.Fatalf("askedItems = %v; want %v", got, tt.want)
				}
			}
		})
	}
}
