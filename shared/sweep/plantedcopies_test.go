package sweep_test

import (
	"context"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestSweepExpiresSessionsBesideCopiesUnderOtherKeys: the sweeper reaches
// items through the expiry index alone, so copies of real sessions that
// another writer put under other keys, with the index's attributes, are
// entries it finds beside (and, one shard, on the same page as) the
// sessions they copy: under the id in upper case (an item the decoder
// reads as its own, no read reaches), under the session's own pk with
// another sk, under its bare id (no "SESSION#"), under an API key's pk,
// and in a shard no query reads. "A session a processor closed in the
// meantime fails the write's condition and is skipped (counted); two
// sweeps at once are harmless", and an entry that is no session of the
// service "stays in the index and ... every run finds, sends a write its
// condition refuses, and counts in SessionsSkipped" (README, The expiry
// sweeper). Each real session is stored EXPIRED by exactly one write
// (version + 1, one EXPIRED entry at expiresAt), whichever entry found it
// first; no copy holds up or fails a run; the copies the sweeper's writes
// do not key (another sk, another pk form, another shard) are left as
// they were; and the next run finds only the copies and skips those it
// writes to.
func TestSweepExpiresSessionsBesideCopiesUnderOtherKeys(t *testing.T) {
	ctx := context.Background()
	s := func(v string) ddb.AttributeValue { return &ddb.AttributeValueMemberS{Value: v} }
	f := newFixture(t)
	// One shard: every entry in one query's pages, the copies among the
	// sessions they copy.
	st := store.New(f.db, f.table, policy, 1, f.clock.Now)
	sw := sweep.New(st, slog.New(slog.NewJSONHandler(f.logs, nil)), f.clock.Now)
	vs := sessions(5, t0.Add(-31*time.Minute))
	if err := st.ImportAll(ctx, vs); err != nil {
		t.Fatal(err)
	}
	item := func(pk, sk string) map[string]ddb.AttributeValue {
		t.Helper()
		out, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: map[string]ddb.AttributeValue{"pk": s(pk), "sk": s(sk)}, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	originals := map[string]map[string]ddb.AttributeValue{}
	for _, v := range vs {
		originals[v.ID] = item("SESSION#"+v.ID, "SESSION")
	}
	upper := strings.ToUpper(vs[0].ID)
	copies := []struct {
		name, of, pk, sk string
		shard            string // "" keeps the session's
		// written: the sweeper's write is keyed to this copy (SESSION#<its
		// id>, SESSION), so it is stored EXPIRED as any item its condition
		// passes; else it must be left as planted.
		written bool
	}{
		{"id in upper case", vs[0].ID, "SESSION#" + upper, "SESSION", "", true},
		{"another sk", vs[1].ID, "SESSION#" + vs[1].ID, "COPY", "", false},
		{"bare id", vs[2].ID, vs[2].ID, "SESSION", "", false},
		{"an API key's pk", vs[3].ID, "APIKEY#0123456789abcdef", "SESSION", "", false},
		{"a shard no query reads", vs[4].ID, "SESSION#" + vs[4].ID, "SHARD", "999", false},
	}
	for _, c := range copies {
		it := maps.Clone(originals[c.of])
		it["pk"], it["sk"] = s(c.pk), s(c.sk)
		if c.pk == "SESSION#"+upper {
			it["id"] = s(upper)
		}
		if c.shard != "" {
			it["expiryShard"] = &ddb.AttributeValueMemberN{Value: c.shard}
		}
		if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: it}); err != nil {
			t.Fatalf("plant %s: %v", c.name, err)
		}
	}

	r := sw.Run(ctx)
	// Found: 5 sessions and the 4 copies in shard 0; expired: the 5 and
	// the upper-case copy; the rest skipped.
	if r.Found != 9 || r.Expired != 6 || r.Skipped != 3 || r.Errors != 0 || r.Deferred != 0 || !r.Complete {
		t.Errorf("first run: got %+v; want 9 found, 6 expired, 3 skipped, complete", r)
	}
	for _, v := range vs {
		got := item("SESSION#"+v.ID, "SESSION")
		var expired []string
		hist, _ := got["history"].(*ddb.AttributeValueMemberL)
		for _, h := range hist.Value {
			m := h.(*ddb.AttributeValueMemberM).Value
			if m["status"].(*ddb.AttributeValueMemberS).Value == string(session.Expired) {
				expired = append(expired, m["at"].(*ddb.AttributeValueMemberS).Value)
			}
		}
		want := originals[v.ID]["expiresAt"].(*ddb.AttributeValueMemberS).Value
		version, _ := got["version"].(*ddb.AttributeValueMemberN)
		_, inIndex := got["expiryShard"]
		if status := got["status"].(*ddb.AttributeValueMemberS).Value; status != string(session.Expired) || !reflect.DeepEqual(expired, []string{want}) || inIndex || version == nil || version.Value != "2" {
			t.Errorf("%s as stored: got status %s, EXPIRED entries at %v, version %v, in the index %v; want EXPIRED, one entry at %s, version 2, out of the index", v.ID, status, expired, version, inIndex, want)
		}
		if got, err := st.Get(ctx, v.ID); err != nil || got.Status != session.Expired {
			t.Errorf("Get(%s) after the sweep = %v, %v; want EXPIRED", v.ID, got, err)
		}
	}
	for _, c := range copies {
		got := item(c.pk, c.sk)
		if c.written {
			if status := got["status"].(*ddb.AttributeValueMemberS).Value; status != string(session.Expired) {
				t.Errorf("copy %s: got status %s; want EXPIRED", c.name, status)
			}
			continue
		}
		want := maps.Clone(originals[c.of])
		want["pk"], want["sk"] = s(c.pk), s(c.sk)
		if c.shard != "" {
			want["expiryShard"] = &ddb.AttributeValueMemberN{Value: c.shard}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("copy %s: changed by the sweep; want it as planted", c.name)
		}
	}
	// The API key's copy names no session: no write may create one.
	if got := item("SESSION#APIKEY#0123456789abcdef", "SESSION"); got != nil {
		t.Errorf("the sweep made an item SESSION#APIKEY#...: %v; want none", got)
	}

	r = sw.Run(ctx)
	if r.Found != 3 || r.Skipped != 3 || r.Expired != 0 || r.Errors != 0 || !r.Complete || r.Lag != 0 {
		t.Errorf("second run: got %+v; want the 3 copies found and skipped, complete, no lag", r)
	}
}
