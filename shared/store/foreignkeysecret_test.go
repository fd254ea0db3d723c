package store_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// TestDamagedKeyRecordIsTheSecretHoldersOnly: a key record the store
// cannot take as a key (one the service did not write) is 500 at its use
// (docs/design.md §7: "500 at its use, never a key"), and a use is a
// request that proves the key's secret. A request that names the key's id
// with any other secret proves nothing: it is 401 as for an unknown key,
// whatever the record holds, and never learns that the id exists or that
// its record is damaged (r108-authz: `X-Api-Key: psk_<id>_<64 zeros>` of a
// record whose scopes were ["sessions:read","apikeys:write"] was 500
// INTERNAL_ERROR with an ERROR line, on every key-taking route of both
// local servers, as with the right secret: the store judged the record
// before auth compared the secret). So the stored hash of the secret, when
// the store can read it (bytes of a SHA-256), is compared first; a record
// whose hash itself is damaged proves nobody, and stays 500 for every
// caller, as before.
func TestDamagedKeyRecordIsTheSecretHoldersOnly(t *testing.T) {
	const secret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	wrong := strings.Repeat("0", len(secret))
	sum := sha256.Sum256([]byte(secret))
	tests := []struct {
		name   string
		change func(map[string]ddb.AttributeValue)
		revoke bool         // revoke the key first
		right  session.Code // with the key's own secret ("": the key)
		other  session.Code // with another secret
	}{
		{"as written", func(map[string]ddb.AttributeValue) {}, false, "", session.EUNAUTHORIZED},
		{"scopes no release wrote", setAttr("scopes", scopeList("sessions:read", "apikeys:write")), false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"no scopes", func(item map[string]ddb.AttributeValue) { delete(item, "scopes") }, false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"scopes a string set", setAttr("scopes", &ddb.AttributeValueMemberSS{Value: []string{"sessions:read"}}), false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"createdBy a number", setAttr("createdBy", &ddb.AttributeValueMemberN{Value: "42"}), false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"createdAt not a time", setAttr("createdAt", &ddb.AttributeValueMemberS{Value: "yesterday"}), false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"expiresAt not after createdAt", func(item map[string]ddb.AttributeValue) { item["expiresAt"] = item["createdAt"] }, false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"keyId another id", setAttr("keyId", &ddb.AttributeValueMemberS{Value: "ffffffffffffffff"}), false, session.EINTERNAL, session.EUNAUTHORIZED},
		// r109-mutate: the id check passing a record without one passed
		// every row (such a key's principal was "apikey:", its KeyID "").
		{"no keyId", func(item map[string]ddb.AttributeValue) { delete(item, "keyId") }, false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"merchantId a number", setAttr("merchantId", &ddb.AttributeValueMemberN{Value: "1"}), false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"merchantId no merchant id", setAttr("merchantId", &ddb.AttributeValueMemberS{Value: "4111111111111111"}), false, session.EINTERNAL, session.EUNAUTHORIZED},
		// A number the SDK cannot read into the record's ttl: of the type
		// the store writes, so only the decode itself refuses it
		// (r109-mutate: that refusal alone was 500 to every secret and no
		// row failed).
		{"ttl not a whole number", setAttr("ttl", &ddb.AttributeValueMemberN{Value: "1.5"}), false, session.EINTERNAL, session.EUNAUTHORIZED},
		{"revokedAt null on a revoked key", setAttr("revokedAt", &ddb.AttributeValueMemberNULL{Value: true}), true, session.EINTERNAL, session.EUNAUTHORIZED},
		{"scopes no release wrote, revoked", setAttr("scopes", scopeList("apikeys:write")), true, session.EUNAUTHORIZED, session.EUNAUTHORIZED},
		// The hash itself damaged: no secret can be compared with it.
		{"secretHash a list of numbers", setAttr("secretHash", numberList(string(sum[:]))), false, session.EINTERNAL, session.EINTERNAL},
		{"secretHash cut short, scopes damaged too", func(item map[string]ddb.AttributeValue) {
			item["secretHash"] = &ddb.AttributeValueMemberB{Value: sum[:16]}
			item["scopes"] = scopeList()
		}, false, session.EINTERNAL, session.EINTERNAL},
		// Longer than a SHA-256 by one byte, the 32 it starts with the
		// right ones: still not "the 32 bytes of a SHA-256" (README,
		// Decisions, API key records), so it proves nobody (r109-mutate:
		// undecodedKey judging only a hash shorter than 32 bytes passed
		// every row, answering this record 401 to its secret's holder).
		{"secretHash a byte too long, scopes damaged too", func(item map[string]ddb.AttributeValue) {
			item["secretHash"] = &ddb.AttributeValueMemberB{Value: append(sum[:], 0)}
			item["scopes"] = scopeList()
		}, false, session.EINTERNAL, session.EINTERNAL},
	}
	f := newFixture(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "00000000000007" + string("0123456789abcdef"[i/16]) + string("0123456789abcdef"[i%16])
			f.plantKey(t, id, sum[:], tt.revoke, tt.change)
			f.expectKeyVerified(t, id, secret, tt.right)
			f.expectKeyVerified(t, id, wrong, tt.other)
		})
	}
}

// expectKeyVerified verifies psk_<id>_<secret> against the fixture's store
// and clock, with a verifier of its own (nothing cached), and expects want
// ("": the key).
func (f *fixture) expectKeyVerified(t *testing.T, id, secret string, want session.Code) {
	t.Helper()
	p, err := auth.NewAPIKeyVerifier(f.st, f.clock.Now).VerifyAPIKey(context.Background(), "psk_"+id+"_"+secret)
	if got := session.ErrorCode(err); got != want || (want == "") != (p != nil) {
		t.Errorf("VerifyAPIKey(psk_%s_%s…) = %v, %v: got %q; want %q", id, secret[:4], p, err, got, want)
	}
}
