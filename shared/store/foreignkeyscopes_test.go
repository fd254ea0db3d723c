package store_test

import (
	"context"
	"slices"
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestAPIKeyScopesNoReleaseWroteAreForeign: every release since the first
// (e5656bf, 2026-11-23) wrote a key's scopes as POST /api-keys took them:
// at least one, each sessions:read or sessions:write, each once, in the
// order first given (testdata/apikeys-of-each-release.json). A record
// holding anything else was written behind the service's back: until
// r107-keyscopes one whose scopes were ["sessions:read", "apikeys:write",
// "4111111111111111", "a b"] was a key that read sessions, 200, on both
// local servers (r107-seeds24). It is the store's 500, as a session
// holding what create refuses is (session.ForeignField); what a release
// wrote, in either order, still reads (README, Decisions: a read refuses
// only what no release wrote).
func TestAPIKeyScopesNoReleaseWroteAreForeign(t *testing.T) {
	tests := []struct {
		name    string
		scopes  ddb.AttributeValue // nil: no scopes attribute
		revoked bool               // the key is revoked first
		want    session.Code       // "": the key, with these scopes
	}{
		{"read", scopeList("sessions:read"), false, ""},
		{"write", scopeList("sessions:write"), false, ""},
		{"read and write", scopeList("sessions:read", "sessions:write"), false, ""},
		{"write and read", scopeList("sessions:write", "sessions:read"), false, ""},
		{"r107-seeds24's record", scopeList("sessions:read", "apikeys:write", "4111111111111111", "a b"), false, session.EINTERNAL},
		{"apikeys:write beside read", scopeList("sessions:read", "apikeys:write"), false, session.EINTERNAL},
		{"apikeys:write alone", scopeList("apikeys:write"), false, session.EINTERNAL},
		{"sessions:process", scopeList("sessions:process"), false, session.EINTERNAL},
		{"a document's scope", scopeList("Payment.Read"), false, session.EINTERNAL},
		{"another case", scopeList("Sessions:Read"), false, session.EINTERNAL},
		{"padded", scopeList(" sessions:read"), false, session.EINTERNAL},
		{"empty text", scopeList(""), false, session.EINTERNAL},
		{"a card number", scopeList("4111111111111111"), false, session.EINTERNAL},
		{"read twice", scopeList("sessions:read", "sessions:read"), false, session.EINTERNAL},
		{"write, read, write", scopeList("sessions:write", "sessions:read", "sessions:write"), false, session.EINTERNAL},
		{"an empty list", scopeList(), false, session.EINTERNAL},
		{"no scopes attribute", nil, false, session.EINTERNAL},
		// Revoked by its merchant (DELETE answers 204, the record not
		// read), a key is gone whatever its scopes: unknown, 401, as a
		// revoked key is, not 500 for the day TTL keeps the record.
		{"r107-seeds24's record, revoked", scopeList("sessions:read", "apikeys:write", "4111111111111111", "a b"), true, session.ENOTFOUND},
		{"an empty list, revoked", scopeList(), true, session.ENOTFOUND},
	}
	ctx := context.Background()
	f := newFixture(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "00000000000005" + string("0123456789abcdef"[i/16]) + string("0123456789abcdef"[i%16])
			sum := secretSum
			if err := f.st.CreateAPIKey(ctx, &store.APIKey{ID: id, MerchantID: "m-1", Scopes: []string{"sessions:read"}, SecretHash: sum[:], CreatedAt: f.clock.Now(), CreatedBy: "sub-1"}); err != nil {
				t.Fatal(err)
			}
			if tt.revoked {
				if err := f.st.DeleteAPIKey(ctx, "m-1", id); err != nil {
					t.Fatal(err)
				}
			}
			f.plantKeyChanged(t, id, func(item map[string]ddb.AttributeValue) {
				if tt.scopes == nil {
					delete(item, "scopes")
				} else {
					item["scopes"] = tt.scopes
				}
			})
			k, err := f.st.APIKey(ctx, id)
			if got := session.ErrorCode(err); got != tt.want {
				t.Fatalf("APIKey() = %+v, %v: got %q; want %q", k, err, got, tt.want)
			}
			if tt.want == "" {
				var want []string
				for _, v := range tt.scopes.(*ddb.AttributeValueMemberL).Value {
					want = append(want, v.(*ddb.AttributeValueMemberS).Value)
				}
				if !slices.Equal(k.Scopes, want) {
					t.Errorf("APIKey().Scopes = %q; want %q", k.Scopes, want)
				}
			}
		})
	}
}

// scopeList is a key record's scopes attribute holding scopes, a list of
// strings as the store writes it.
func scopeList(scopes ...string) ddb.AttributeValue {
	l := &ddb.AttributeValueMemberL{Value: []ddb.AttributeValue{}}
	for _, s := range scopes {
		l.Value = append(l.Value, &ddb.AttributeValueMemberS{Value: s})
	}
	return l
}
