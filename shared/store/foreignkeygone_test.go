package store_test

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestGoneKeyRecordIsGoneHoweverItReads: a key that is revoked, or past its
// expiresAt, grants nothing ("A revoked key is ENOTFOUND", APIKey's doc;
// document 002: "An API key that grants access to the Connect API"), so
// its record is judged by its end before the rest of it, as a session's
// item is by its end of retention (Store.Get: "A session past its
// retention is ENOTFOUND, whether or not TTL has deleted it", r108). A
// record damaged elsewhere (one the service did not write) was 500 to the
// holder of its secret for as long as TTL kept it (24 hours past its
// revocation or expiry, and TTL is days late), on every key-taking route,
// where the same key undamaged is 401 (r109-seeds24: `GET
// /payment-sessions/{id}` with the revoked key's own secret, its createdBy
// a number, 500 INTERNAL_ERROR on both local servers; only a revoked key's
// damaged scopes were judged after its revocation). The times that tell
// its end must themselves read as the store reads them (keyTime): a
// revokedAt that does not read, or an expiresAt that does not read or is
// not within a key's lifetime of a createdAt that reads, tells nothing,
// and the record stays 500 to its secret's holder.
func TestGoneKeyRecordIsGoneHoweverItReads(t *testing.T) {
	const secret = "8899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677"
	wrong := strings.Repeat("0", len(secret))
	sum := sha256.Sum256([]byte(secret))
	f := newFixture(t)
	tests := []struct {
		name   string
		change func(map[string]ddb.AttributeValue)
		revoke bool         // revoke the key first
		expire bool         // read it at its expiresAt
		right  session.Code // with the key's own secret
	}{
		{"revoked, as written", func(map[string]ddb.AttributeValue) {}, true, false, session.EUNAUTHORIZED},
		{"expired, as written", func(map[string]ddb.AttributeValue) {}, false, true, session.EUNAUTHORIZED},
		{"revoked, createdBy a number", setAttr("createdBy", &ddb.AttributeValueMemberN{Value: "42"}), true, false, session.EUNAUTHORIZED},
		{"revoked, createdAt not a time", setAttr("createdAt", &ddb.AttributeValueMemberS{Value: "yesterday"}), true, false, session.EUNAUTHORIZED},
		{"revoked, keyId another id", setAttr("keyId", &ddb.AttributeValueMemberS{Value: "ffffffffffffffff"}), true, false, session.EUNAUTHORIZED},
		{"revoked, merchantId a number", setAttr("merchantId", &ddb.AttributeValueMemberN{Value: "1"}), true, false, session.EUNAUTHORIZED},
		{"revoked, scopes a string set", setAttr("scopes", &ddb.AttributeValueMemberSS{Value: []string{"sessions:read"}}), true, false, session.EUNAUTHORIZED},
		{"revoked, secretHash cut short", setAttr("secretHash", &ddb.AttributeValueMemberB{Value: sum[:16]}), true, false, session.EUNAUTHORIZED},
		{"revoked in time.Time's own text in another zone, createdBy a number", func(item map[string]ddb.AttributeValue) {
			// A revokedAt as a release before 8f7f748 wrote it: the
			// clock's reading, in the process's zone, to the nanosecond.
			item["revokedAt"] = &ddb.AttributeValueMemberS{Value: f.clock.Now().Add(123456789).In(time.FixedZone("", 3600)).Format(time.RFC3339Nano)}
			item["createdBy"] = &ddb.AttributeValueMemberN{Value: "42"}
		}, false, false, session.EUNAUTHORIZED},
		{"expired, scopes no release wrote", setAttr("scopes", scopeList("sessions:read", "apikeys:write")), false, true, session.EUNAUTHORIZED},
		{"expired, no scopes", func(item map[string]ddb.AttributeValue) { delete(item, "scopes") }, false, true, session.EUNAUTHORIZED},
		{"expired, createdBy a number", setAttr("createdBy", &ddb.AttributeValueMemberN{Value: "42"}), false, true, session.EUNAUTHORIZED},
		{"expired, keyId another id", setAttr("keyId", &ddb.AttributeValueMemberS{Value: "ffffffffffffffff"}), false, true, session.EUNAUTHORIZED},
		{"expired, merchantId a number", setAttr("merchantId", &ddb.AttributeValueMemberN{Value: "1"}), false, true, session.EUNAUTHORIZED},
		{"expired, merchantId no merchant id", setAttr("merchantId", &ddb.AttributeValueMemberS{Value: "4111111111111111"}), false, true, session.EUNAUTHORIZED},
		{"expired, revokedAt not a time", setAttr("revokedAt", &ddb.AttributeValueMemberS{Value: "yesterday"}), false, true, session.EUNAUTHORIZED},
		{"expired, secretHash cut short", setAttr("secretHash", &ddb.AttributeValueMemberB{Value: sum[:16]}), false, true, session.EUNAUTHORIZED},
		// The times that would tell its end do not read as the store
		// writes them: nothing tells it gone.
		{"revokedAt null on a revoked key", setAttr("revokedAt", &ddb.AttributeValueMemberNULL{Value: true}), true, false, session.EINTERNAL},
		{"revokedAt a number on a revoked key", setAttr("revokedAt", &ddb.AttributeValueMemberN{Value: "1"}), true, false, session.EINTERNAL},
		{"expiresAt not a time, expired", setAttr("expiresAt", &ddb.AttributeValueMemberS{Value: "yesterday"}), false, true, session.EINTERNAL},
		{"createdAt not a time, expired", setAttr("createdAt", &ddb.AttributeValueMemberS{Value: "yesterday"}), false, true, session.EINTERNAL},
		{"expiresAt not after createdAt, expired", func(item map[string]ddb.AttributeValue) { item["createdAt"] = item["expiresAt"] }, false, true, session.EINTERNAL},
		{"expiresAt past a key's lifetime after createdAt, expired", func(item map[string]ddb.AttributeValue) {
			// time.Time's own text, which records before 2026-12-01 hold.
			item["createdAt"] = &ddb.AttributeValueMemberS{Value: f.clock.Now().Add(-store.MaxAPIKeyLifetime).Format(time.RFC3339Nano)}
		}, false, true, session.EINTERNAL},
		// An expiresAt exactly a key's lifetime after its createdAt is
		// one a create allows; 100 ns more (the store's precision) is not.
		{"expiresAt a key's lifetime after createdAt, expired, createdBy a number", func(item map[string]ddb.AttributeValue) {
			item["createdAt"] = &ddb.AttributeValueMemberS{Value: f.clock.Now().Add(time.Hour - store.MaxAPIKeyLifetime).Format(time.RFC3339Nano)}
			item["createdBy"] = &ddb.AttributeValueMemberN{Value: "42"}
		}, false, true, session.EUNAUTHORIZED},
		{"expiresAt 100 ns past a key's lifetime after createdAt, expired, createdBy a number", func(item map[string]ddb.AttributeValue) {
			item["createdAt"] = &ddb.AttributeValueMemberS{Value: f.clock.Now().Add(time.Hour - store.MaxAPIKeyLifetime - 100*time.Nanosecond).Format(time.RFC3339Nano)}
			item["createdBy"] = &ddb.AttributeValueMemberN{Value: "42"}
		}, false, true, session.EINTERNAL},
		// Times in a form apiKey reads only in a revokedAt (time.Time's
		// own text, in a zone): an expiry so written tells nothing.
		{"expiresAt in time.Time's own text in another zone, expired, createdBy a number", func(item map[string]ddb.AttributeValue) {
			item["expiresAt"] = &ddb.AttributeValueMemberS{Value: f.clock.Now().Add(time.Hour).In(time.FixedZone("", 7200)).Format(time.RFC3339Nano)}
			item["createdBy"] = &ddb.AttributeValueMemberN{Value: "42"}
		}, false, true, session.EINTERNAL},
		{"createdAt in time.Time's own text in another zone, expired, createdBy a number", func(item map[string]ddb.AttributeValue) {
			item["createdAt"] = &ddb.AttributeValueMemberS{Value: f.clock.Now().In(time.FixedZone("", 7200)).Format(time.RFC3339Nano)}
			item["createdBy"] = &ddb.AttributeValueMemberN{Value: "42"}
		}, false, true, session.EINTERNAL},
		// A time of "", which no release wrote (an unset one is left
		// out), tells nothing and is not a time: a revokedAt of "" was
		// read as none, a live key that DeleteAPIKey (taking any
		// revokedAt for a revocation) refused as unknown, and 401 when
		// the record was damaged elsewhere.
		{"revokedAt empty", setAttr("revokedAt", &ddb.AttributeValueMemberS{Value: ""}), false, false, session.EINTERNAL},
		{"revokedAt empty, createdBy a number", func(item map[string]ddb.AttributeValue) {
			item["revokedAt"] = &ddb.AttributeValueMemberS{Value: ""}
			item["createdBy"] = &ddb.AttributeValueMemberN{Value: "42"}
		}, false, false, session.EINTERNAL},
		{"createdAt empty, no expiresAt", func(item map[string]ddb.AttributeValue) {
			item["createdAt"] = &ddb.AttributeValueMemberS{Value: ""}
			delete(item, "expiresAt")
		}, false, false, session.EINTERNAL},
		// Not yet expired, damaged: its holder's 500, as before.
		{"a microsecond before its expiresAt, createdBy a number", setAttr("createdBy", &ddb.AttributeValueMemberN{Value: "42"}), false, false, session.EINTERNAL},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "00000000000009" + string("0123456789abcdef"[i/16]) + string("0123456789abcdef"[i%16])
			f.plantKey(t, id, sum[:], tt.revoke, tt.change)
			// plantKey's key expires an hour after it is made.
			end := f.clock.Now().Add(time.Hour)
			if tt.expire {
				f.clock.Set(end)
			} else {
				f.clock.Set(end.Add(-time.Microsecond))
			}
			f.expectKeyVerified(t, id, secret, tt.right)
			f.expectKeyVerified(t, id, wrong, session.EUNAUTHORIZED)
		})
	}
}
