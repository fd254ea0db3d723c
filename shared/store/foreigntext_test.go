package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestUndecodedSessionErrorQuotesNoStoredText: a session item the store
// cannot decode is a 500 whose ERROR line carries the error's text
// (README, Security), and an item the service did not write can fill any
// attribute with anything: the expiry index entry's id and expiresAt were
// left out of the sweeper's line for that (r100-sweeper). The item's own
// status, times and id were quoted whole ("session <id>: parsing time
// \"<text>\"...", "stored status \"<text>\"", "holds the id \"<text>\""), so
// a secret no rule of LoggedError knows (an hcpToken, free text) reached
// the line. Each row writes one attribute of a stored session with such a
// text and reads the session back: EINTERNAL, and no text of the item in
// the logged error.
func TestUndecodedSessionErrorQuotesNoStoredText(t *testing.T) {
	const secret = "hunter2 Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4"
	hostile := func(name string) func(map[string]ddb.AttributeValue) {
		return func(item map[string]ddb.AttributeValue) {
			item[name] = &ddb.AttributeValueMemberS{Value: secret}
		}
	}
	tests := []struct {
		name   string
		change func(map[string]ddb.AttributeValue)
	}{
		{"id", hostile("id")},
		{"status", hostile("status")},
		{"createdAt", hostile("createdAt")},
		{"updatedAt", hostile("updatedAt")},
		{"expiresAt", hostile("expiresAt")},
		{"purgeAt", hostile("purgeAt")},
		{"id and createdAt", func(item map[string]ddb.AttributeValue) {
			hostile("id")(item)
			hostile("createdAt")(item)
		}},
		// A status no release of the service writes, in a history entry:
		// document 001's history answered it as "" (outside its word
		// list) with a 200, where the same status at the top was a 500
		// (r101-regress).
		{"a history entry's status", func(item map[string]ddb.AttributeValue) {
			h := item["history"].(*ddb.AttributeValueMemberL)
			e := h.Value[0].(*ddb.AttributeValueMemberM)
			e.Value["status"] = &ddb.AttributeValueMemberS{Value: secret}
		}},
		{"a history entry's status, not canonical", func(item map[string]ddb.AttributeValue) {
			h := item["history"].(*ddb.AttributeValueMemberL)
			e := h.Value[0].(*ddb.AttributeValueMemberM)
			e.Value["status"] = &ddb.AttributeValueMemberS{Value: "PARTIALLY_REFUNDED"}
		}},
		// A parent's or child's id that is not one the service makes:
		// answered as stored in the native shape's parentSessionId
		// (r101-lambda: a psk_ key there, 200), and read back by the
		// store to read and write the family by.
		// The list index's attributes, which must follow the id, the
		// merchant and createdAt (r103-seeds24).
		{"createdKey", hostile("createdKey")},
		{"merchantDayShard", hostile("merchantDayShard")},
		{"parentSessionId", hostile("parentSessionId")},
		{"childSessionId", hostile("childSessionId")},
		// A merchant id the service never makes (a token's merchant_id is
		// refused so): it was answered to a processor's event as the
		// session's merchantId and written into the list index's key
		// (r102-writes, both local servers).
		{"merchantId", hostile("merchantId")},
		// JSON text that is not JSON: answered 200 by documents 000 and
		// 001 and 500 by the reads that show it (r104-seeds013).
		{"provider", hostile("provider")},
		{"paymentMethodDetails", hostile("paymentMethodDetails")},
		{"appearance", hostile("appearance")},
		{"a history entry's at", func(item map[string]ddb.AttributeValue) {
			h := item["history"].(*ddb.AttributeValueMemberL)
			e := h.Value[0].(*ddb.AttributeValueMemberM)
			e.Value["at"] = &ddb.AttributeValueMemberS{Value: secret}
		}},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := f.create(t, "m-1")
			item := f.raw(t, v.ID)
			tt.change(item)
			if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			_, err := f.st.Get(context.Background(), v.ID)
			if got := session.ErrorCode(err); got != session.EINTERNAL {
				t.Fatalf("Get() = %v: got %s; want %s", err, got, session.EINTERNAL)
			}
			if got := store.LoggedError(err); strings.Contains(got, "hunter2") || strings.Contains(got, "Zm9v") {
				t.Errorf("LoggedError() = %q: got the item's text; want none of it", got)
			}
		})
	}
}

// TestUndecodedAPIKeyErrorQuotesNoStoredText: as for a session, a key's
// record the store cannot decode is a 500 whose logged error named its
// createdAt, expiresAt or revokedAt text, or the id it holds, whole. The
// 500 is a request's that proves the key's secret (auth compares it with
// the secretHash the store hands it, store.UndecodedAPIKeyError), and its
// ERROR line carries neither that secret nor the hash: "Tokens, keys and
// secrets never reach a log" (docs/design.md §7), and "the record's
// secretHash is never in it" (UndecodedAPIKeyError.Error). Until
// r109-mutate every row's hash was one byte, so no row made an
// UndecodedAPIKeyError: its Error quoting the hash, or auth wrapping the
// error with the secret, passed every test.
func TestUndecodedAPIKeyErrorQuotesNoStoredText(t *testing.T) {
	const secret = "hunter2 Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4"
	const keySecret = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"
	sum := sha256.Sum256([]byte(keySecret))
	f := newFixture(t)
	for _, attr := range []string{"keyId", "createdAt", "expiresAt", "revokedAt"} {
		t.Run(attr, func(t *testing.T) {
			ctx := context.Background()
			id := strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
			if err := f.st.CreateAPIKey(ctx, &store.APIKey{ID: id, MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: sum[:], CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
			f.plantKeyChanged(t, id, func(item map[string]ddb.AttributeValue) { item[attr] = &ddb.AttributeValueMemberS{Value: secret} })
			_, err := f.st.APIKey(ctx, id)
			if got := session.ErrorCode(err); got != session.EINTERNAL {
				t.Fatalf("APIKey() = %v: got %s; want %s", err, got, session.EINTERNAL)
			}
			if got := store.LoggedError(err); strings.Contains(got, "hunter2") || strings.Contains(got, "Zm9v") {
				t.Errorf("LoggedError() = %q: got the record's text; want none of it", got)
			}
			_, err = auth.NewAPIKeyVerifier(f.st, f.clock.Now).VerifyAPIKey(ctx, "psk_"+id+"_"+keySecret)
			if got := session.ErrorCode(err); got != session.EINTERNAL {
				t.Fatalf("VerifyAPIKey(the key) = %v: got %s; want %s", err, got, session.EINTERNAL)
			}
			got := store.LoggedError(err)
			for _, what := range []string{"hunter2", "Zm9v", keySecret[:16], hex.EncodeToString(sum[:])[:16], base64.StdEncoding.EncodeToString(sum[:])[:16], string(sum[:16])} {
				if strings.Contains(got, what) {
					t.Errorf("LoggedError(VerifyAPIKey(the key)) = %q: got %q, of the record, the secret or its hash; want none of them", got, what)
				}
			}
		})
	}
}

// TestForeignIdempotencyRecordIsRefused: an Idempotency-Key's record is
// replayed as the create's first answer, its sessionId in the Location
// header and its status as the answer's. A record the service did not
// write was replayed as stored (r102-writes, both local servers): a
// sessionId of 4111111111111111 answered Location: /sessions/4111111111111111,
// a status of 99 or 1000 panicked make run's net/http (the connection
// closed, no answer) and was API Gateway's 500 under make start-api, and a
// status of 0 answered 200 on make run and 500 on make start-api. Each row
// writes one attribute of a remembered record with such a value and sends
// the same create again: EINTERNAL (500), as for a session item the store
// cannot decode, with none of the record's text in the logged error; the
// untouched row replays.
func TestForeignIdempotencyRecordIsRefused(t *testing.T) {
	const secret = "4111111111111111"
	tests := []struct {
		name string
		attr string
		val  ddb.AttributeValue
		want session.Code // "" for the replay
	}{
		{"untouched", "", nil, ""},
		{"sessionId a card number", "sessionId", &ddb.AttributeValueMemberS{Value: secret}, session.EINTERNAL},
		{"sessionId empty", "sessionId", &ddb.AttributeValueMemberS{Value: ""}, session.EINTERNAL},
		{"sessionId with a line break", "sessionId", &ddb.AttributeValueMemberS{Value: "x\r\nSet-Cookie: " + secret}, session.EINTERNAL},
		{"sessionId a path", "sessionId", &ddb.AttributeValueMemberS{Value: "/../" + secret}, session.EINTERNAL},
		{"status 0", "status", &ddb.AttributeValueMemberN{Value: "0"}, session.EINTERNAL},
		{"status 99", "status", &ddb.AttributeValueMemberN{Value: "99"}, session.EINTERNAL},
		{"status 1000", "status", &ddb.AttributeValueMemberN{Value: "1000"}, session.EINTERNAL},
		{"status 500", "status", &ddb.AttributeValueMemberN{Value: "500"}, session.EINTERNAL},
		{"status 302", "status", &ddb.AttributeValueMemberN{Value: "302"}, session.EINTERNAL},
		{"status 4111111111111111", "status", &ddb.AttributeValueMemberN{Value: secret}, session.EINTERNAL},
	}
	f := newFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			idem := &store.Idempotency{MerchantID: "m-1", Key: "k-" + uuid.NewString(), RequestHash: "h"}
			v := f.create(t, "m-1")
			first := v.Clone()
			first.ID = uuid.NewString()
			if _, _, err := f.st.Create(ctx, first, idem, 201, func(*session.Session) ([]byte, error) { return []byte(`{}`), nil }); err != nil {
				t.Fatalf("Create() = %v", err)
			}
			if tt.attr != "" {
				key := map[string]ddb.AttributeValue{
					"pk": &ddb.AttributeValueMemberS{Value: "IDEMPOTENCY#" + idem.MerchantID + "#" + idem.Key},
					"sk": &ddb.AttributeValueMemberS{Value: "IDEMPOTENCY"},
				}
				if _, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: aws.String(f.table), Key: key,
					UpdateExpression:          aws.String("SET #a = :v"),
					ConditionExpression:       aws.String("attribute_exists(pk)"),
					ExpressionAttributeNames:  map[string]string{"#a": tt.attr},
					ExpressionAttributeValues: map[string]ddb.AttributeValue{":v": tt.val},
				}); err != nil {
					t.Fatal(err)
				}
			}
			again := v.Clone()
			again.ID = uuid.NewString()
			_, r, err := f.st.Create(ctx, again, idem, 201, func(*session.Session) ([]byte, error) { return []byte(`{}`), nil })
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("Create() again = %+v, %v: got %q; want %q", r, err, got, tt.want)
			}
			if tt.want == "" {
				if r == nil || r.SessionID != first.ID || r.Status != 201 {
					t.Fatalf("Create() again = %+v: got it; want the replay of %s, 201", r, first.ID)
				}
				return
			}
			if got := store.LoggedError(err); strings.Contains(got, secret) || strings.Contains(got, "Set-Cookie") {
				t.Errorf("LoggedError() = %q: got the record's text; want none of it", got)
			}
		})
	}
}

// TestForeignMerchantOfASessionIsRefused: a session item whose merchantId
// is no merchant id (one a token's merchant_id would be refused for: a
// card number, a space, none, over 128 characters) is an item the service
// did not write. A processor's event on it was applied (r102-writes, both
// local servers: 200 answering "merchantId":"4111111111111111", and the
// write put the card number into the item's list index key,
// merchantDayShard). It is 500, as an API key's record of no merchant is
// (TestStoredKeyOfNoMerchantIsRefused), with nothing written and none of
// the text logged. So is an item of a release before the sharded list
// index, without merchantDayShard (README, "Migrating the list index"),
// whose merchantId no other rule reads (r111-mutate: the merchant id's
// rule dropped passed every test before those rows, each other row's
// merchantDayShard no partition of its merchant's day).
func TestForeignMerchantOfASessionIsRefused(t *testing.T) {
	// One table for every row: each plants its own session.
	f := newFixture(t)
	for _, c := range []struct {
		merchant string
		noShard  bool // merchantDayShard removed, as a release before the sharded index wrote it
	}{
		{"4111111111111111", false}, {"m 1", false}, {"", false}, {strings.Repeat("m", 129), false},
		{"4111111111111111", true}, {"", true},
	} {
		merchant := c.merchant
		t.Run(fmt.Sprintf("%s without merchantDayShard %v", merchant, c.noShard), func(t *testing.T) {
			ctx := context.Background()
			v := f.create(t, "m-1")
			item := f.raw(t, v.ID)
			item["merchantId"] = &ddb.AttributeValueMemberS{Value: merchant}
			if c.noShard {
				delete(item, "merchantDayShard")
			}
			if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			before := f.raw(t, v.ID)
			_, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Processing})
			if got := session.ErrorCode(err); got != session.EINTERNAL {
				t.Fatalf("ApplyEvent() = %v: got %q; want %q", err, got, session.EINTERNAL)
			}
			if merchant != "" && strings.Contains(store.LoggedError(err), merchant) {
				t.Errorf("LoggedError() = %q: got the item's merchantId; want none of it", store.LoggedError(err))
			}
			if got := f.raw(t, v.ID); !reflect.DeepEqual(got, before) {
				t.Errorf("item after ApplyEvent() = %v: got it changed; want %v", got, before)
			}
			if _, err := f.st.Get(ctx, v.ID); session.ErrorCode(err) != session.EINTERNAL {
				t.Errorf("Get() = %v: got %q; want %q", err, session.ErrorCode(err), session.EINTERNAL)
			}
		})
	}
}

// TestForeignChildLinkIsRefused: a parent's childSessionId names a session
// the service made its child, of the same merchant and naming the parent
// back; a link to any other session is one the service did not write. The
// store followed it (r102-writes, both local servers, a merchant-1
// session's childSessionId set to a merchant-2 session): merchant-1's
// cancel of its own session answered 200 and CANCELED merchant-2's
// ("Parent session closed."), a processor's AUTHORISED closed a standalone
// session named so, and document 003's read of the parent showed
// merchant-2's session as its childSession, and a child's create was
// refused CHILD_SESSION_EXISTS for it. Each is 500 now, with nothing
// written.
func TestForeignChildLinkIsRefused(t *testing.T) {
	links := []struct {
		name  string
		child func(f *fixture, t *testing.T, parent *session.Session) *session.Session
	}{
		{"another merchant's session", func(f *fixture, t *testing.T, _ *session.Session) *session.Session {
			return f.create(t, "m-2")
		}},
		{"a session without a parent", func(f *fixture, t *testing.T, _ *session.Session) *session.Session {
			return f.create(t, "m-1")
		}},
		{"another session's child", func(f *fixture, t *testing.T, _ *session.Session) *session.Session {
			other := f.create(t, "m-1")
			c := f.create(t, "m-1")
			item := f.raw(t, c.ID)
			item["parentSessionId"] = &ddb.AttributeValueMemberS{Value: other.ID}
			if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			return c
		}},
	}
	ops := []struct {
		name string
		do   func(f *fixture, parent *session.Session) error
	}{
		{"merchant's cancel", func(f *fixture, parent *session.Session) error {
			_, err := f.st.Cancel(context.Background(), "m-1", parent.ID, "")
			return err
		}},
		{"processor's AUTHORISED", func(f *fixture, parent *session.Session) error {
			_, err := f.st.ApplyEvent(context.Background(), "", parent.ID, &session.Event{Status: session.Authorised})
			return err
		}},
		{"a child's create", func(f *fixture, parent *session.Session) error {
			_, _, err := f.st.Create(context.Background(), f.newDraftSession("m-1", parent.ID), nil, 0, nil)
			return err
		}},
		{"document 003's read", func(f *fixture, parent *session.Session) error {
			_, _, err := f.st.GetWithChild(context.Background(), "m-1", parent.ID)
			return err
		}},
	}
	f := newFixture(t)
	for _, l := range links {
		for _, op := range ops {
			t.Run(l.name+"/"+op.name, func(t *testing.T) {
				parent := f.create(t, "m-1")
				child := l.child(f, t, parent)
				item := f.raw(t, parent.ID)
				item["childSessionId"] = &ddb.AttributeValueMemberS{Value: child.ID}
				if _, err := f.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
					t.Fatal(err)
				}
				beforeParent, beforeChild := f.raw(t, parent.ID), f.raw(t, child.ID)
				err := op.do(f, parent)
				if got := session.ErrorCode(err); got != session.EINTERNAL {
					t.Fatalf("%s = %v: got %q; want %q", op.name, err, got, session.EINTERNAL)
				}
				if got := f.raw(t, child.ID); !reflect.DeepEqual(got, beforeChild) {
					t.Errorf("linked session after %s: got it changed; want it as it was", op.name)
				}
				if got := f.raw(t, parent.ID); !reflect.DeepEqual(got, beforeParent) {
					t.Errorf("parent after %s: got it changed; want it as it was", op.name)
				}
			})
		}
	}
}

// TestForeignParentOfAnotherMerchantIsRefused: a child's parentSessionId
// names a session of the child's own merchant (Create refuses another's,
// and no merchant changes after). A family whose two sessions are of two
// merchants is one the service did not write; it was followed (r102-writes,
// both local servers, both links set between a merchant-1 session and a
// merchant-2 session): a processor's AUTHORISED of merchant-2's moved
// merchant-1's to AUTHORISED, and merchant-2's cancel of its own session
// moved merchant-1's to CANCEL_REQUESTED. Here a family of m-1 whose child
// holds money its parent shows has the child's merchant set to m-2: the
// child's events and its merchant's cancel are 500, nothing written.
func TestForeignParentOfAnotherMerchantIsRefused(t *testing.T) {
	ops := []struct {
		name string
		do   func(f *fixture, child *session.Session) error
	}{
		{"processor's SETTLED", func(f *fixture, child *session.Session) error {
			_, err := f.st.ApplyEvent(context.Background(), "", child.ID, &session.Event{Status: session.Settled})
			return err
		}},
		{"processor's CANCEL_REQUESTED", func(f *fixture, child *session.Session) error {
			_, err := f.st.ApplyEvent(context.Background(), "", child.ID, &session.Event{Status: session.CancelRequested})
			return err
		}},
		{"merchant's cancel", func(f *fixture, child *session.Session) error {
			_, err := f.st.Cancel(context.Background(), "m-2", child.ID, "")
			return err
		}},
	}
	f := newFixture(t)
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			ctx := context.Background()
			parent := f.create(t, "m-1")
			child := f.createChild(t, parent)
			if _, err := f.st.ApplyEvent(ctx, "", child.ID, &session.Event{Status: session.Authorised}); err != nil {
				t.Fatal(err)
			}
			item := f.raw(t, child.ID)
			item["merchantId"] = &ddb.AttributeValueMemberS{Value: "m-2"}
			// Its list index partition moved with it, as an item of m-2
			// has it: else the child is refused for its merchantDayShard
			// alone, and the family rule is never reached (r111-mutate:
			// foreignParent dropped passed every test).
			shard := item["merchantDayShard"].(*ddb.AttributeValueMemberS).Value
			item["merchantDayShard"] = &ddb.AttributeValueMemberS{Value: "m-2" + strings.TrimPrefix(shard, "m-1")}
			if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.st.Get(ctx, child.ID); err != nil {
				t.Fatalf("Get(child) = %v; want it read, its own item as m-2's", err)
			}
			beforeParent, beforeChild := f.raw(t, parent.ID), f.raw(t, child.ID)
			err := op.do(f, child)
			if got := session.ErrorCode(err); got != session.EINTERNAL {
				t.Fatalf("%s = %v: got %q; want %q", op.name, err, got, session.EINTERNAL)
			}
			if got := f.raw(t, parent.ID); !reflect.DeepEqual(got, beforeParent) {
				t.Errorf("parent after %s: got it changed; want it as it was", op.name)
			}
			if got := f.raw(t, child.ID); !reflect.DeepEqual(got, beforeChild) {
				t.Errorf("child after %s: got it changed; want it as it was", op.name)
			}
		})
	}
}
