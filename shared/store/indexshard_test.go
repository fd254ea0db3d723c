package store_test

import (
	"context"
	"hash/fnv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestSessionOfTheLastShardIsRead: README, Security: a session's
// merchantDayShard is "<merchantId>#<yyyy-mm-dd>#<shard> with a shard
// from 0 to 31 as the service writes it". Under LIST_SHARDS 32, the most
// "Configuration" allows, the service writes shard 31 for an id whose hash
// falls there: that session is the service's own, read 200 alone and in
// its day's list, never refused as foreign.
func TestSessionOfTheLastShardIsRead(t *testing.T) {
	f := newFixture(t)
	st := store.New(f.db, f.table, session.DefaultPolicy, 16, f.clock.Now, store.ListShards(store.MaxListShards))
	ctx := context.Background()
	id := idOfShard(store.MaxListShards - 1)
	d := &session.Draft{Amount: amount(8800), Currency: "ZAR", OrderID: "order-1", PaymentMethod: "Card", ReturnURL: "https://example.com/return"}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	v := session.New(d, "m-1", id, "hcp-"+uuid.NewString(), f.clock.Now(), session.DefaultPolicy)
	if _, _, err := st.Create(ctx, v, nil, 0, nil); err != nil {
		t.Fatalf("Create() = %v", err)
	}
	if got, want := f.raw(t, id)["merchantDayShard"], "m-1#2026-11-23#31"; got.(*ddb.AttributeValueMemberS).Value != want {
		t.Fatalf("merchantDayShard = %v; want %s", got, want)
	}
	if _, err := st.Get(ctx, id); err != nil {
		t.Errorf("Get() = %v; want the session", err)
	}
	if _, err := st.GetRecord(ctx, "m-1", id); err != nil {
		t.Errorf("GetRecord() = %v; want the session", err)
	}
	var listed []string
	if _, err := st.ListByDay(ctx, store.ListQuery{MerchantID: "m-1", Day: t0}, func(v *session.Session) bool {
		listed = append(listed, v.ID)
		return true
	}); err != nil || len(listed) != 1 || listed[0] != id {
		t.Errorf("ListByDay() = %v, %v; want the one session %s", listed, err, id)
	}
}

// idOfShard is a session id whose list index shard under LIST_SHARDS
// MaxListShards is shard: the FNV-1a hash of the id modulo the count, as
// the store writes it (README, "byMerchantDayShard").
func idOfShard(shard int) string {
	for {
		id := uuid.NewString()
		h := fnv.New32a()
		_, _ = h.Write([]byte(id))
		if int(h.Sum32()%uint32(store.MaxListShards)) == shard {
			return id
		}
	}
}

// TestStoredItemsNoReleaseWritesAreForeign: README, Security: an item
// whose list index attributes do not follow its id, merchantId and
// createdAt ("a createdKey not <createdAt>#<id>, a merchantDayShard not a
// partition of its merchant's day, <merchantId>#<yyyy-mm-dd>#<shard> with
// a shard from 0 to 31 as the service writes it"), or whose history entry holds "a
// time that is not one, or not in the one form the store writes" (the
// zero instant "is never written as text", and an entry is never written
// without its time), is an item the service did not write: 500
// (EINTERNAL) at every read that reads the attribute.
func TestStoredItemsNoReleaseWritesAreForeign(t *testing.T) {
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	entry := func(item map[string]ddb.AttributeValue) map[string]ddb.AttributeValue {
		return item["history"].(*ddb.AttributeValueMemberL).Value[0].(*ddb.AttributeValueMemberM).Value
	}
	// One table for every row: each plants its own session.
	f := newFixture(t)
	for _, c := range []struct {
		name   string
		set    func(map[string]ddb.AttributeValue)
		record bool // whether document 004's record (GetRecord) reads the attribute
	}{
		// A shard alone: no list reads a partition named by a number.
		{"a merchantDayShard of a shard alone", func(it map[string]ddb.AttributeValue) { it["merchantDayShard"] = s("3") }, true},
		{"a merchantDayShard of shard 0 alone", func(it map[string]ddb.AttributeValue) { it["merchantDayShard"] = s("0") }, true},
		// strconv.Itoa never writes a sign: no LIST_SHARDS makes shard -1.
		{"a merchantDayShard of shard -1", func(it map[string]ddb.AttributeValue) { it["merchantDayShard"] = s("m-1#2026-11-23#-1") }, true},
		// Its merchant and a shard, another day than its createdAt's: the
		// list of that day would find it (r103 lead: validDayShard
		// compares the day without building it; a mutant comparing the
		// merchant and shard alone passed every test before this row).
		{"a merchantDayShard of another day", func(it map[string]ddb.AttributeValue) {
			day := it["createdAt"].(*ddb.AttributeValueMemberS).Value[:len(time.DateOnly)]
			other := "2026-11-24"
			if day == other {
				other = "2026-11-25"
			}
			it["merchantDayShard"] = s("m-1#" + other + "#3")
		}, true},
		// Its merchant and day, a shard no LIST_SHARDS writes ("#01 or
		// #32 no setting writes, and no list ever read it"): strconv.Itoa
		// writes no leading zero, and MaxListShards is 32 (r111-mutate:
		// validDayShard without either rule passed every test before
		// these rows).
		{"a merchantDayShard of shard 01", func(it map[string]ddb.AttributeValue) {
			it["merchantDayShard"] = s("m-1#" + it["createdAt"].(*ddb.AttributeValueMemberS).Value[:len(time.DateOnly)] + "#01")
		}, true},
		{"a merchantDayShard of shard 32", func(it map[string]ddb.AttributeValue) {
			it["merchantDayShard"] = s("m-1#" + it["createdAt"].(*ddb.AttributeValueMemberS).Value[:len(time.DateOnly)] + "#32")
		}, true},
		// Its createdAt's text, another session's id.
		{"a createdKey of another id", func(it map[string]ddb.AttributeValue) {
			it["createdKey"] = s(it["createdAt"].(*ddb.AttributeValueMemberS).Value + "#" + uuid.NewString())
		}, true},
		// Every release wrote createdKey (the list index's sort key): an
		// item without it is in no list, and its single read answered it
		// 200 while its day's list was 200 [] (make run, r103-mutate).
		{"no createdKey", func(it map[string]ddb.AttributeValue) { delete(it, "createdKey") }, true},
		// Another session's id, its createdKey following it: read alone,
		// that session's record was answered in the asked one's stead.
		{"an id not its key's", func(it map[string]ddb.AttributeValue) {
			id := uuid.NewString()
			it["id"] = s(id)
			it["createdKey"] = s(it["createdAt"].(*ddb.AttributeValueMemberS).Value + "#" + id)
		}, true},
		// listUntil, the index's filter, "not a time in the store's form at
		// or past the session's purge instant, or absent beside a
		// merchantDayShard": one before it, or none, hid the session from
		// its day's list while its single read answered it (r103-review;
		// r111-mutate: the rule without either half passed every test
		// before these rows).
		{"a listUntil before its purge instant", func(it map[string]ddb.AttributeValue) { it["listUntil"] = it["createdAt"] }, true},
		{"no listUntil beside its merchantDayShard", func(it map[string]ddb.AttributeValue) { delete(it, "listUntil") }, true},
		// Without purgeAt too (an open session's purge instant is then
		// expiresAt + retention, session.PurgeAt), an absent listUntil is
		// no time, not the zero time at or past a zero purgeAt
		// (r111-mutate: listUntil read as storedTime reads an absent time
		// passed every test before this row).
		{"no listUntil nor purgeAt beside its merchantDayShard", func(it map[string]ddb.AttributeValue) {
			delete(it, "listUntil")
			delete(it, "purgeAt")
		}, true},
		// A closed session's purge instant is its retainUntil, not the
		// purgeAt it was written with open (r111-mutate: the rule judging
		// every session by purgeAt, none for a closed one, passed every
		// test before this row).
		{"a closed session's listUntil before its retainUntil", func(it map[string]ddb.AttributeValue) {
			it["status"], it["closedAt"], it["retainUntil"] = s(string(session.Failed)), it["updatedAt"], it["listUntil"]
			it["listUntil"] = it["createdAt"]
		}, true},
		{"a history entry's empty at", func(it map[string]ddb.AttributeValue) { entry(it)["at"] = s("") }, false},
		{"a history entry without its at", func(it map[string]ddb.AttributeValue) { delete(entry(it), "at") }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			v := f.create(t, "m-1")
			item := f.raw(t, v.ID)
			c.set(item)
			if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			reads := map[string]func() error{
				"Get":      func() error { _, err := f.st.Get(ctx, v.ID); return err },
				"GetOwned": func() error { _, err := f.st.GetOwned(ctx, "m-1", v.ID); return err },
			}
			if c.record {
				reads["GetRecord"] = func() error { _, err := f.st.GetRecord(ctx, "m-1", v.ID); return err }
			}
			for name, read := range reads {
				if err := read(); session.ErrorCode(err) != session.EINTERNAL {
					t.Errorf("%s() = %v: got %s; want %s", name, err, session.ErrorCode(err), session.EINTERNAL)
				}
			}
		})
	}
}
