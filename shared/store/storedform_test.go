package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// otherForms are texts RFC 3339 (and time.Parse) read as an instant but
// the store never writes: its one form is 2006-01-02T15:04:05.0000000Z
// (UTC, seven fraction digits), whose text order is time order. Each names
// an instant near the fixture's clock (t0 + 5 min), so a read would take
// the session as open or, for the rows marked so, as expired.
var otherForms = []struct {
	name, text string
}{
	// 10:05:00 UTC, yet it sorts before 10:00:05 (now plus the band): a
	// write's condition refused, for ever, a session every read showed
	// open (409 CONCURRENT_UPDATE on both local servers, r103-readtime).
	{"an offset behind UTC", "2026-11-23T09:56:00-00:09"},
	// 2026-11-22 20:05 UTC: every read showed it expired, its text sorts
	// after the clock, and the offset was echoed in the native read and
	// in the 409's detail (r103-readtime).
	{"an offset ahead of UTC", "2026-11-23T10:05:00+14:00"},
	{"+00:00", "2026-11-23T10:05:00.0000000+00:00"},
	{"-00:00", "2026-11-23T10:05:00.0000000-00:00"},
	{"no fraction", "2026-11-23T10:05:00Z"},
	{"three fraction digits", "2026-11-23T10:05:00.000Z"},
	{"nine fraction digits", "2026-11-23T10:05:00.000000000Z"},
	{"a decimal comma", "2026-11-23T10:05:00,0000000Z"},
	{"a lower-case z", "2026-11-23T10:05:00.0000000z"},
	{"a lower-case t", "2026-11-23t10:05:00.0000000Z"},
	{"a leap second", "2026-11-23T10:04:60.0000000Z"},
	{"February 30", "2026-02-30T10:05:00.0000000Z"},
	{"a one-digit hour", "2026-11-23T9:05:00.00000000Z"},
	{"a sign in a field", "2026-11-23T+9:05:00.0000000Z"},
	// formatTime writes the zero time as "" (no time), never as text.
	{"the zero time", "0001-01-01T00:00:00.0000000Z"},
	{"a year past 9999", "10000-01-01T00:00:00.0000000Z"},
	{"a trailing NUL", "2026-11-23T10:05:00.0000000Z\x00"},
	{"a leading space", " 2026-11-23T10:05:00.0000000Z"},
}

// TestStoredTimeOfAnotherFormIsForeign: README, Security: a stored item
// the store cannot decode, "a time that is not one" or one not in the form
// the store writes, is an item the service did not write: 500, nothing
// written, nothing of its text quoted. Reads took any RFC 3339 text for
// the instant it names while the indexes and every write's condition
// compare the text: with expiresAt 2026-11-23T09:56:00-00:09 (10:05 UTC)
// every read showed the session open and every event and cancel was 409
// CONCURRENT_UPDATE; with +14:00 every read showed it expired, the offset
// echoed. Each row writes one time attribute of an open session in
// another form, then reads, sends an event, cancels and creates a child
// under it: EINTERNAL each time, the item as planted, no child written,
// and no text of it in the logged error.
func TestStoredTimeOfAnotherFormIsForeign(t *testing.T) {
	attrs := []struct {
		name string
		set  func(item map[string]ddb.AttributeValue, text string)
	}{
		// With the list index attributes of the instant the text names,
		// in the store's form (r103-seeds24: they must follow createdAt),
		// so that the form rule alone judges the row.
		{"createdAt", func(item map[string]ddb.AttributeValue, text string) {
			setS("createdAt")(item, text)
			at, err := time.Parse(time.RFC3339Nano, text)
			if err != nil || at.IsZero() {
				return
			}
			at = at.UTC()
			id := item["id"].(*ddb.AttributeValueMemberS).Value
			setS("createdKey")(item, at.Format("2006-01-02T15:04:05.0000000Z")+"#"+id)
			shard := item["merchantDayShard"].(*ddb.AttributeValueMemberS).Value
			setS("merchantDayShard")(item, "m-1#"+at.Format(time.DateOnly)+shard[strings.LastIndexByte(shard, '#'):])
		}},
		{"updatedAt", setS("updatedAt")}, {"expiresAt", setS("expiresAt")},
		{"closedAt", setS("closedAt")}, {"retainUntil", setS("retainUntil")}, {"purgeAt", setS("purgeAt")},
		{"a history entry's at", func(item map[string]ddb.AttributeValue, text string) {
			h := item["history"].(*ddb.AttributeValueMemberL)
			h.Value[0].(*ddb.AttributeValueMemberM).Value["at"] = &ddb.AttributeValueMemberS{Value: text}
		}},
	}
	f := newFixture(t)
	ctx := context.Background()
	for _, a := range attrs {
		for _, form := range otherForms {
			t.Run(a.name+"/"+form.name, func(t *testing.T) {
				v := f.create(t, "m-1")
				item := f.raw(t, v.ID)
				a.set(item, form.text)
				if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
					t.Fatal(err)
				}
				planted := f.raw(t, v.ID)
				child := f.newDraftSession("m-1", v.ID)
				ops := []struct {
					name string
					do   func() error
				}{
					{"Get", func() error { _, err := f.st.Get(ctx, v.ID); return err }},
					{"GetOwned", func() error { _, err := f.st.GetOwned(ctx, "m-1", v.ID); return err }},
					{"ApplyEvent", func() error {
						_, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Authorised, EventID: session.EventID("ev-" + uuid.NewString())})
						return err
					}},
					{"Cancel", func() error { _, err := f.st.Cancel(ctx, "m-1", v.ID, ""); return err }},
					{"Create a child", func() error {
						_, _, err := f.st.Create(ctx, child, nil, 0, nil)
						return err
					}},
				}
				for _, op := range ops {
					err := op.do()
					if got := session.ErrorCode(err); got != session.EINTERNAL {
						t.Errorf("%s() = %v: got %s; want %s", op.name, err, got, session.EINTERNAL)
					}
					if err == nil {
						continue
					}
					if logged := store.LoggedError(err); strings.Contains(logged, strings.TrimSpace(strings.TrimRight(form.text, "\x00"))) {
						t.Errorf("%s(): LoggedError() = %q: got the stored text; want none of it", op.name, logged)
					}
				}
				if got := f.raw(t, v.ID); !reflect.DeepEqual(got, planted) {
					t.Errorf("item after the writes: got %v; want it as planted %v", got, planted)
				}
				if got := f.raw(t, child.ID); got != nil {
					t.Errorf("the child's item: got %v; want none written", got)
				}
			})
		}
	}
}

// TestStoredTimeInTheStoresFormIsRead: the other side of the rule: any
// instant formatTime writes reads back as that instant, UTC, whatever its
// year (0000 and 9999 included: their text order is still time order).
func TestStoredTimeInTheStoresFormIsRead(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, text := range []string{"0000-01-01T00:00:00.0000000Z", "2026-11-23T10:05:00.0000001Z", "9999-12-31T23:59:59.9999999Z"} {
		t.Run(text, func(t *testing.T) {
			want, err := time.Parse(time.RFC3339Nano, text)
			if err != nil {
				t.Fatal(err)
			}
			v := f.create(t, "m-1")
			item := f.raw(t, v.ID)
			setS("createdAt")(item, text)
			// The list index's attributes follow createdAt: an item whose
			// do not is one the service did not write (r103-seeds24).
			setS("createdKey")(item, text+"#"+v.ID)
			shard := item["merchantDayShard"].(*ddb.AttributeValueMemberS).Value
			setS("merchantDayShard")(item, "m-1#"+text[:len(time.DateOnly)]+shard[strings.LastIndexByte(shard, '#'):])
			if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			got, err := f.st.Get(ctx, v.ID)
			if err != nil || !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
				t.Fatalf("Get() = %v, %v: got createdAt %v; want %v in UTC", got, err, got, want)
			}
		})
	}
}

func setS(name string) func(map[string]ddb.AttributeValue, string) {
	return func(item map[string]ddb.AttributeValue, text string) {
		item[name] = &ddb.AttributeValueMemberS{Value: text}
	}
}

// TestAPIKeyTimeOfAnotherFormIsForeign: an API key's record is read as a
// session's (README, Security), but keys live up to a year and a release
// before 8f7f748 (2026-12-01) stored their times in time.Time's own text:
// createdAt and expiresAt in UTC at 100 ns, revokedAt the clock's reading
// to the nanosecond in the process's zone. Exactly those texts read as
// the instant they name; any other form is EINTERNAL, nothing of it
// quoted.
func TestAPIKeyTimeOfAnotherFormIsForeign(t *testing.T) {
	tests := []struct {
		attr, text string
		want       time.Time // the zero time: EINTERNAL
	}{
		{"createdAt", "2026-11-23T10:00:00.0000000Z", t0},
		{"createdAt", "2026-11-23T10:00:00Z", t0},
		{"createdAt", "2026-11-23T10:00:00.5Z", t0.Add(5e8)},
		{"createdAt", "2026-11-23T10:00:00.1234567Z", t0.Add(123456700)},
		{"createdAt", "2026-11-23T10:00:00.12345678Z", time.Time{}},
		{"createdAt", "2026-11-23T10:00:00.50Z", time.Time{}},
		{"createdAt", "2026-11-23T11:00:00+01:00", time.Time{}},
		{"createdAt", "2026-11-23T10:00:00+00:00", time.Time{}},
		{"createdAt", "0001-01-01T00:00:00Z", time.Time{}},
		{"expiresAt", "2026-11-23T11:00:00Z", t0.Add(time.Hour)},
		{"expiresAt", "2026-11-23T11:00:00.0000001Z", t0.Add(time.Hour + 100)},
		// An offset: the expired key's text sorts after the clock.
		{"expiresAt", "2026-11-23T10:51:00-00:09", time.Time{}},
		{"expiresAt", "2026-11-24T00:00:00+14:00", time.Time{}},
		{"expiresAt", "2026-11-23T11:00:00.000000000Z", time.Time{}},
		{"expiresAt", "2026-11-23T11:00:00,5Z", time.Time{}},
		// Within a key's lifetime of its createdAt, or past it (r104-schema:
		// a key remembered past what any create allows).
		{"expiresAt", "2027-11-23T10:00:00.0000000Z", t0.Add(store.MaxAPIKeyLifetime)},
		{"expiresAt", "2027-11-23T10:00:00.0000001Z", time.Time{}},
		{"expiresAt", "9999-12-31T23:59:59.9999999Z", time.Time{}},
		{"expiresAt", "2026-11-23T10:00:00.0000000Z", time.Time{}},
		{"expiresAt", "2026-11-23T09:00:00.0000000Z", time.Time{}},
		{"revokedAt", "2026-11-23T10:05:00.0000000Z", t0.Add(5 * time.Minute)},
		{"revokedAt", "2026-11-23T10:05:00.123456789Z", t0.Add(5*time.Minute + 123456789)},
		{"revokedAt", "2026-11-23T11:05:00.123456789+01:00", t0.Add(5*time.Minute + 123456789)},
		{"revokedAt", "2026-11-23T10:05:00+00:00", time.Time{}},
		{"revokedAt", "2026-11-23T10:05:00.1234567890Z", time.Time{}},
	}
	f := newFixture(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.attr+"/"+tt.text, func(t *testing.T) {
			id := uuid.NewString()
			if err := f.st.CreateAPIKey(ctx, &store.APIKey{ID: id, MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: []byte("h"), CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			key := map[string]ddb.AttributeValue{
				"pk": &ddb.AttributeValueMemberS{Value: "APIKEY#" + id},
				"sk": &ddb.AttributeValueMemberS{Value: "APIKEY"},
			}
			out, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: key, ConsistentRead: aws.Bool(true)})
			if err != nil || out.Item == nil {
				t.Fatalf("GetItem() = %v, %v; want the key's record", out, err)
			}
			out.Item[tt.attr] = &ddb.AttributeValueMemberS{Value: tt.text}
			if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: out.Item}); err != nil {
				t.Fatal(err)
			}
			k, err := f.st.APIKey(ctx, id)
			switch {
			case tt.want.IsZero():
				if got := session.ErrorCode(err); got != session.EINTERNAL {
					t.Fatalf("APIKey() = %+v, %v: got %s; want %s", k, err, got, session.EINTERNAL)
				}
				if logged := store.LoggedError(err); err != nil && strings.Contains(logged, tt.text) {
					t.Errorf("LoggedError() = %q: got the stored text; want none of it", logged)
				}
			case tt.attr == "revokedAt":
				// Read, and revoked: not found, as every revoked key.
				if got := session.ErrorCode(err); got != session.ENOTFOUND {
					t.Fatalf("APIKey() = %+v, %v: got %s; want %s", k, err, got, session.ENOTFOUND)
				}
			default:
				if err != nil {
					t.Fatalf("APIKey() = %v; want the key", err)
				}
				got := k.CreatedAt
				if tt.attr == "expiresAt" {
					got = *k.ExpiresAt
				}
				if !got.Equal(tt.want) || got.Location() != time.UTC {
					t.Errorf("APIKey() %s = %v; want %v in UTC", tt.attr, got, tt.want)
				}
			}
		})
	}
}
