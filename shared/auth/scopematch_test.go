package auth_test

import (
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
)

// TestScopeIsMatchedWhole: a scope is one RFC 6749 §3.3 scope-token, and a
// route's scope (docs/design.md §2: "bearer JWT, `sessions:read`") is
// granted only by that token itself, never by a longer, shorter or
// differently cased one that merely contains it.
func TestScopeIsMatchedWhole(t *testing.T) {
	for _, granted := range []string{"sessions:read:all", "sessions:readwrite", "xsessions:read", "sessions:rea", "Sessions:read", "SESSIONS:READ", "sessions:read "} {
		p := &auth.Principal{Scopes: []string{granted}, Method: auth.MethodJWT}
		if p.HasScope(auth.ScopeSessionsRead) {
			t.Errorf("scopes [%q] grant %s; want only %[2]q itself to", granted, auth.ScopeSessionsRead)
		}
	}
	if p := (&auth.Principal{Scopes: []string{"user", auth.ScopeSessionsRead}}); !p.HasScope(auth.ScopeSessionsRead) {
		t.Errorf("scopes %v do not grant %s", p.Scopes, auth.ScopeSessionsRead)
	}
}
