package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// Patterns of the API key endpoints (docs/design.md §2, 11-12).
const (
	PatternCreateAPIKey = "POST /api-keys"
	PatternDeleteAPIKey = "DELETE /api-keys/{keyId}"
)

// APIKeyRequest is the body of POST /api-keys. ExpiresAt is optional: an
// RFC 3339 instant after now and at most auth.MaxAPIKeyLifetime ahead.
type APIKeyRequest struct {
	Scopes    []string `json:"scopes"`
	ExpiresAt *string  `json:"expiresAt,omitempty"`
}

// APIKeyResponse is the answer to POST /api-keys. Key is the only time the
// secret is shown.
type APIKeyResponse struct {
	KeyID      string     `json:"keyId"`
	Key        string     `json:"key"`
	MerchantID string     `json:"merchantId"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
}

// CreateAPIKey handles POST /api-keys: a merchant makes an API key with
// some of the scopes sessions:read and sessions:write (201, shown once).
// A key never holds a scope its creator lacks (403 INSUFFICIENT_SCOPE
// otherwise): a token with only apikeys:write cannot mint a key that
// writes sessions. The key may carry an expiry (expiresAt).
func CreateAPIKey(st Store, authn *auth.Authenticator, now func() time.Time) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeAPIKeysWrite, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		var req APIKeyRequest
		if err := decodeJSON(r, &req, false); err != nil {
			return err
		}
		if len(req.Scopes) == 0 {
			return session.Invalid("scopes", "scopes must list at least one of %v.", auth.APIKeyScopes)
		}
		var scopes []string
		for _, s := range req.Scopes {
			if !slices.Contains(auth.APIKeyScopes, s) {
				return session.Invalid("scopes", "scopes may only hold %v.", auth.APIKeyScopes)
			}
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
		created := session.Normalize(now())
		var expires *time.Time
		if req.ExpiresAt != nil {
			t, err := auth.ParseAPIKeyExpiry(*req.ExpiresAt, created)
			if err != nil {
				return err
			}
			expires = &t
		}
		for _, s := range scopes {
			if !p.HasScope(s) {
				// The token needs every scope the key is to hold.
				return auth.InsufficientScope(p, session.Errorf(session.EFORBIDDEN, session.ReasonInsufficientScope,
					"A key cannot have the %s scope: the credentials that make it lack it.", s), append([]string{rule.Scope}, scopes...)...)
			}
		}
		id, key, hash := auth.NewAPIKey()
		k := &store.APIKey{ID: id, MerchantID: p.MerchantID, Scopes: scopes, SecretHash: hash, CreatedAt: created, CreatedBy: storedSubject(p.Subject), ExpiresAt: expires}
		if err := st.CreateAPIKey(r.Context(), k); err != nil {
			return err
		}
		w.Header().Set("Location", "/api-keys/"+id)
		writeJSON(w, http.StatusCreated, contentTypeJSON, APIKeyResponse{KeyID: id, Key: key, MerchantID: k.MerchantID, Scopes: scopes, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt})
		return nil
	}, writeProblem)
}

// maxStoredSubject is the longest token subject a key's record keeps.
const maxStoredSubject = 255

// storedSubject is what a key's record keeps of its creator's token
// subject: the sub as sent when it is at most maxStoredSubject characters
// of clean text with no card number (session.CheckText), else
// "[redacted]", as the log line shows it. The sub is the identity
// provider's, not ours to vet, so a token is not refused for it; but what
// is stored never holds a card number.
func storedSubject(sub string) string {
	if session.CheckText("sub", sub, maxStoredSubject) != nil {
		return redacted
	}
	return sub
}

// DeleteAPIKey handles DELETE /api-keys/{keyId}: the merchant revokes one of
// its keys (204; again 204 once revoked, unchanged: DELETE is idempotent).
// Another merchant's key is 404, like an unknown one.
// Other containers stop accepting the key within auth.APIKeyCacheTTL.
func DeleteAPIKey(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeAPIKeysWrite, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		id := r.PathValue("keyId")
		if !auth.ValidAPIKeyID(id) {
			return session.Invalid("keyId", "keyId must be 16 lower-case hex digits.")
		}
		if err := st.DeleteAPIKey(r.Context(), p.MerchantID, id); err != nil {
			return err
		}
		authn.ForgetAPIKey(id)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}, writeProblem)
}
