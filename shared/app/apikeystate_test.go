package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/store"
)

// TestAPIKeyRefusalsAreAlike: docs/design.md §7, "another merchant's or
// unknown key 404" and "another merchant's session answers exactly as an
// unknown one". On the Lambda path, an X-Api-Key whose id is unknown,
// whose id is m-1's live key's with another secret, whose key is revoked,
// or whose id is another merchant's, gets one answer (status, headers and
// body but for the request id), so a key id cannot be found by its answer;
// and DELETE /api-keys/{keyId} of an unknown id, of another merchant's
// live key and of another merchant's revoked key get one answer too.
func TestAPIKeyRefusalsAreAlike(t *testing.T) {
	m := newCMMatrix(t)
	target := m.newSession(t, cmOwner)
	liveID, live := m.newKey(t, cmOwner, auth.ScopeSessionsRead)
	revokedID, revoked := m.newKey(t, cmOwner, auth.ScopeSessionsRead)
	otherID, _ := m.newKey(t, cmOther, auth.ScopeSessionsRead)
	otherRevokedID, _ := m.newKey(t, cmOther, auth.ScopeSessionsRead)
	m1Keys := "Bearer " + m.f.iss.MustMint(devtoken.Claims{MerchantID: cmOwner, Scopes: []string{auth.ScopeAPIKeysWrite}})
	m2Keys := "Bearer " + m.f.iss.MustMint(devtoken.Claims{MerchantID: cmOther, Scopes: []string{auth.ScopeAPIKeysWrite}})
	for _, r := range []struct{ id, token string }{{revokedID, m1Keys}, {otherRevokedID, m2Keys}} {
		if res := m.call(t, httpapi.PatternDeleteAPIKey, "/api-keys/"+r.id, "", map[string]string{"authorization": r.token}); res.StatusCode != 204 {
			t.Fatalf("revoke: %d %s", res.StatusCode, res.Body)
		}
	}
	secretOf := func(key string) string { return key[strings.LastIndexByte(key, '_')+1:] }
	otherSecret := strings.Repeat("ab", 32)
	answer := func(pattern, path string, h map[string]string) string {
		res := m.call(t, pattern, path, "", h)
		delete(res.Headers, "X-Request-Id")
		var body map[string]any
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
			t.Fatalf("%s: body %q: %v", path, res.Body, err)
		}
		delete(body, "requestId")
		b, _ := json.Marshal(map[string]any{"status": res.StatusCode, "headers": res.Headers, "body": body})
		return string(b)
	}
	keys := []struct{ name, key string }{
		{"an unknown id", "psk_0123456789abcdef_" + otherSecret},
		{"m-1's live key's id, another secret", "psk_" + liveID + "_" + otherSecret},
		{"m-1's revoked key", revoked},
		{"m-1's revoked key's id, another secret", "psk_" + revokedID + "_" + otherSecret},
		{"m-2's live key's id, m-1's live secret", "psk_" + otherID + "_" + secretOf(live)},
	}
	for _, pattern := range []string{httpapi.PatternPaymentSession, httpapi.PatternGetSession} {
		path := "/sessions/" + target
		if pattern == httpapi.PatternPaymentSession {
			path = "/payment-sessions/" + target
		}
		var first string
		for i, k := range keys {
			got := answer(pattern, path, map[string]string{"x-api-key": k.key})
			if i == 0 {
				first = got
				if !strings.Contains(got, `"status":401`) {
					t.Fatalf("%s with %s: %s; want 401", pattern, k.name, got)
				}
				continue
			}
			if got != first {
				t.Errorf("%s with %s:\n%s\nwith %s:\n%s\nwant the same", pattern, k.name, got, keys[0].name, first)
			}
		}
	}
	deletes := []struct{ name, id string }{
		{"an unknown id", "0123456789abcdef"},
		{"m-2's live key", otherID},
		{"m-2's revoked key", otherRevokedID},
	}
	var first string
	for i, d := range deletes {
		got := answer(httpapi.PatternDeleteAPIKey, "/api-keys/"+d.id, map[string]string{"authorization": m1Keys})
		if i == 0 {
			first = got
			if !strings.Contains(got, `"status":404`) {
				t.Fatalf("DELETE %s: %s; want 404", d.name, got)
			}
			continue
		}
		if got != first {
			t.Errorf("DELETE %s:\n%s\n%s:\n%s\nwant the same", d.name, got, deletes[0].name, first)
		}
	}
	// m-2's key is still live after m-1's attempt.
	if k, err := m.f.app.Store.APIKey(context.Background(), otherID); err != nil || k.RevokedAt != nil {
		t.Errorf("m-2's key after m-1's DELETE: %+v, %v; want live", k, err)
	}
}

// TestRevokedAPIKeyIDNeverComesBack: a revoked key's id is never a key
// again while its record is kept (docs/design.md §7: DELETE "revokes"; the
// store's CreateAPIKey: "its id must be new"). A new key stored under a
// revoked id, with another secret or with the revoked key's own, is not
// stored, and the id stays refused on every route that takes keys, in a
// container that had the key cached too.
func TestRevokedAPIKeyIDNeverComesBack(t *testing.T) {
	m := newCMMatrix(t)
	target := m.newSession(t, cmOwner)
	id, key := m.newKey(t, cmOwner, auth.ScopeSessionsRead)
	read := func(k string) int {
		return m.call(t, httpapi.PatternGetSession, "/sessions/"+target, "", map[string]string{"x-api-key": k}).StatusCode
	}
	if got := read(key); got != 200 {
		t.Fatalf("the new key: %d; want 200", got)
	}
	tok := "Bearer " + m.f.iss.MustMint(devtoken.Claims{MerchantID: cmOwner, Scopes: []string{auth.ScopeAPIKeysWrite}})
	if res := m.call(t, httpapi.PatternDeleteAPIKey, "/api-keys/"+id, "", map[string]string{"authorization": tok}); res.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", res.StatusCode, res.Body)
	}
	m.f.clock.Advance(auth.APIKeyCacheTTL)
	otherSecret := strings.Repeat("cd", 32)
	for _, secret := range []string{otherSecret, key[strings.LastIndexByte(key, '_')+1:]} {
		sum := sha256.Sum256([]byte(secret))
		_ = m.f.app.Store.CreateAPIKey(context.Background(), &store.APIKey{
			ID: id, MerchantID: cmOwner, Scopes: []string{auth.ScopeSessionsRead, auth.ScopeSessionsWrite}, SecretHash: sum[:], CreatedAt: m.f.clock.Now(),
		})
		k := "psk_" + id + "_" + secret
		if got := read(k); got != 401 {
			t.Errorf("a key stored again under the revoked id: %d; want 401", got)
		}
		if got := m.call(t, httpapi.PatternPaymentSession, "/payment-sessions/"+target, "", map[string]string{"x-api-key": k}).StatusCode; got != 401 {
			t.Errorf("002 with a key stored again under the revoked id: %d; want 401", got)
		}
	}
	stored, err := m.f.app.Store.APIKey(context.Background(), id)
	if err == nil {
		t.Errorf("the revoked id reads as a key: %+v; want not found", stored)
	}
}

// TestAPIKeyOutlivesItsCreatorsToken pins what docs/design.md §7 says and
// no more: a key's scopes are judged against the creating token when it is
// made ("never more than the creating token holds"); afterwards the key is
// its own credential until it is revoked or its expiresAt passes. So it
// keeps working after the token that made it has expired, and after the
// creator's tokens lose the scopes it holds (the service never sees the
// identity provider's changes). Revoking it is what ends it, and a token
// with apikeys:write alone may do that. (A contract question is reported:
// whether a key should be bounded by its creator's token, e.g. expiresAt
// at most the token's exp.)
func TestAPIKeyOutlivesItsCreatorsToken(t *testing.T) {
	m := newCMMatrix(t)
	target := m.newSession(t, cmOwner)
	creator := devtoken.Claims{Subject: "alice", MerchantID: cmOwner, Scopes: []string{auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead, auth.ScopeSessionsWrite}, TTL: time.Hour}
	tok := "Bearer " + m.f.iss.MustMint(creator)
	res := m.call(t, httpapi.PatternCreateAPIKey, "/api-keys", `{"scopes":["sessions:read","sessions:write"]}`,
		map[string]string{"authorization": tok, "content-type": "application/json"})
	if res.StatusCode != 201 {
		t.Fatalf("POST /api-keys = %d %s; want 201", res.StatusCode, res.Body)
	}
	var made struct{ KeyID, Key string }
	if err := json.Unmarshal([]byte(res.Body), &made); err != nil {
		t.Fatal(err)
	}
	// The creator's token, had it expired (its exp well past, as the
	// verifier's clock reads it), and the creator stripped of the
	// sessions scopes.
	expired := creator
	expired.IssuedAt, expired.TTL = time.Now().Add(-3*time.Hour), time.Hour
	stripped := creator
	stripped.Scopes = []string{auth.ScopeAPIKeysWrite}
	expiredTok := "Bearer " + m.f.iss.MustMint(expired)
	strippedTok := "Bearer " + m.f.iss.MustMint(stripped)
	read := func(h map[string]string) int {
		return m.call(t, httpapi.PatternGetSession, "/sessions/"+target, "", h).StatusCode
	}
	if got := read(map[string]string{"authorization": expiredTok}); got != 401 {
		t.Fatalf("the creator's expired token: %d; want 401", got)
	}
	if got := read(map[string]string{"authorization": strippedTok}); got != 403 {
		t.Fatalf("the creator's token without sessions:read: %d; want 403", got)
	}
	m.f.clock.Advance(2 * time.Hour) // well past the creating token's exp on the service's clock too
	target = m.newSession(t, cmOwner)
	if got := read(map[string]string{"x-api-key": made.Key}); got != 200 {
		t.Errorf("the key after its creator's token expired and lost the scope: %d; want 200 (a key is its own credential)", got)
	}
	if res := m.call(t, httpapi.PatternDeleteAPIKey, "/api-keys/"+made.KeyID, "", map[string]string{"authorization": strippedTok}); res.StatusCode != 204 {
		t.Fatalf("revoke with apikeys:write alone: %d %s; want 204", res.StatusCode, res.Body)
	}
	m.f.clock.Advance(auth.APIKeyCacheTTL)
	if got := read(map[string]string{"x-api-key": made.Key}); got != 401 {
		t.Errorf("the key 30 s after its revocation: %d; want 401", got)
	}
}
