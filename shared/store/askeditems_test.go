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
		// Written without the lengths but with the colon ("S:" before
		// each value), the item would read as the first key with pk
		// first ("S:aS:bS:c") and as the second with sk first
		// ("S:bS:cS:a").
		{"an item whose values and separators run together as a key's", []map[string]ddb.AttributeValue{key(s("aS:b"), s("c")), key(s("cS:a"), s("b"))}, nil, nil, items{key(s("a"), s("bS:c"))}, false},
		// Written without the colon after each length, the item would
		// read as the key with pk first ("S15S15aaaaaaaaaaaaS1a" both): a
		// length's digits must end before the value's own. README: "a
		// BatchGetItem's item of a key not asked (a listed session
		// skipped)".
		{"an item whose length and value run together as a key's", []map[string]ddb.AttributeValue{key(s("5"), s("aaaaaaaaaaaaS1a"))}, nil, nil, items{key(s("S15aaaaaaaaaaaa"), s("a"))}, false},
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

// TestSameKeyValueComparesTypeAndValue: an item's key attribute is the key
// asked only with the same type and the same value (numbers as written),
// and a value of no key type is no key. README: "a GetItem's or
// TransactGetItems' item of another key than asked (another session served
// for the one asked)".
func TestSameKeyValueComparesTypeAndValue(t *testing.T) {
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	n := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberN{Value: v} }
	b := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberB{Value: []byte(v)} }
	m := &ddb.AttributeValueMemberM{Value: map[string]ddb.AttributeValue{"pk": s("a")}}
	tests := []struct {
		name string
		a, b ddb.AttributeValue
		want bool
	}{
		{"the same string", s("SESSION#1"), s("SESSION#1"), true},
		{"another string", s("SESSION#1"), s("SESSION#2"), false},
		{"the same number", n("12"), n("12"), true},
		{"another number", n("12"), n("13"), false},
		{"a number written otherwise", n("12"), n("12.0"), false},
		{"the same binary", b("k1"), b("k1"), true},
		{"another binary", b("k1"), b("k2"), false},
		{"a number of the string's text", s("12"), n("12"), false},
		{"a string of the number's text", n("12"), s("12"), false},
		{"a binary of the string's bytes", b("k1"), s("k1"), false},
		{"a string of the binary's bytes", s("k1"), b("k1"), false},
		{"a map", m, m, false},
		{"no value", nil, s("a"), false},
	}
	for _, tt := range tests {
		if got := sameKeyValue(tt.a, tt.b); got != tt.want {
			t.Errorf("%s: got %v; want %v", tt.name, got, tt.want)
		}
	}
}
