package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
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
		var scopes []string
		var created time.Time
		var expires *time.Time
		check := func() error {
			if len(req.Scopes) == 0 {
				return session.Invalid("scopes", "scopes must list at least one of %v.", auth.APIKeyScopes)
			}
			for _, s := range req.Scopes {
				if !slices.Contains(auth.APIKeyScopes, s) {
					return session.Invalid("scopes", "scopes may only hold %v.", auth.APIKeyScopes)
				}
				if !slices.Contains(scopes, s) {
					scopes = append(scopes, s)
				}
			}
			created = session.Normalize(now())
			if req.ExpiresAt != nil {
				t, err := auth.ParseAPIKeyExpiry(*req.ExpiresAt, created)
				if err != nil {
					return err
				}
				expires = &t
			}
			return nil
		}
		if err := decodeJSON(r, &req, false, check); err != nil {
			return err
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
		return respond(w, http.StatusCreated, APIKeyResponse{KeyID: id, Key: key, MerchantID: k.MerchantID, Scopes: scopes, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt})
	}, writeProblem)
}

// maxStoredSubject is the longest token subject a key's record keeps.
const maxStoredSubject = 255

// storedSubject is what a key's record keeps of its creator's token
// subject: the sub as sent when it is at most maxStoredSubject characters
// of clean text with no card number (session.CheckText) and quotes no
// credential (quotesCredential), else "[redacted]", as the log line shows
// it. The sub is the identity provider's, not ours to vet, so a token is
// not refused for it; but what is stored or logged never holds a card
// number, a key or a token.
func storedSubject(sub string) string {
	if session.CheckText("sub", sub, maxStoredSubject) != nil || quotesCredential(sub) {
		return redacted
	}
	return sub
}

// loggedMerchant is what the log line shows of a principal's merchant id:
// the id, unless it quotes a credential (quotesCredential). A merchant id
// is the identity provider's too (auth checks only its characters and
// that it holds no card number), and "Tokens, keys and secrets never
// reach a log" (docs/design.md §7).
func loggedMerchant(id string) string {
	if quotesCredential(id) {
		return redacted
	}
	return id
}

// quotesCredential reports whether a token's claim quotes a credential:
// an API key's prefix psk_ in any case, or a JWT: a run of base64url
// characters starting "eyJ" and followed by a '.', which decodes to a JSON
// object (a JWS header). Ids that merely look alike ("MoneyJar",
// "eyJust.a.name") do not. Every "eyJ" is tried, also one inside a longer
// run (a header glued to a lookalike: "eyJeyJhbGciOiJSUzI1NiJ9."); the
// claims it reads are at most 255 bytes (a stored sub) or 128 (a merchant
// id), so trying each start costs nothing worth saving.
//
// The claim is read as the card rule reads it (session.CheckText): as
// written and in NFKC, as a search index or a log pipeline stores it
// (ｐｓｋ＿..., a JWT in full-width forms), and URL-decoded and with its
// JSON escapes undone, up to session.MaxURLDecodings layers, each reading
// in NFKC too (%70sk_..., \u0070sk_..., %65yJ...): a sub so written was
// logged as sent until r110-logs, while a path so written was redacted
// (session.AnyReading).
func quotesCredential(s string) bool {
	return session.AnyReading(s, func(t string) bool {
		return strings.Contains(strings.ToLower(t), "psk_") || credentialAt(t) >= 0
	})
}

// credentialAt is the index in s of the first credential quotesCredential
// finds (psk_ in any case, or a JWT's header from its "eyJ"), or -1.
//
// Its work is linear in len(s), whatever s holds (a logged path is searched
// whole, up to 1 MB on make run): each run of base64url characters ending
// in a '.' has at most maxHeaderStarts of its "eyJ"s decoded, each decoding
// reading to the run's end; a run with more is taken for a credential at
// its first "eyJ" (no id or word holds nine), where trying every start cost
// time quadratic in the run (a 9 KB path of "eyJ"s took 100 ms, 93 KB 4 s).
func credentialAt(s string) int {
	at := -1
	for i := 0; i+4 <= len(s); i++ {
		if strings.EqualFold(s[i:i+4], "psk_") {
			at = i
			break
		}
	}
	// The current run of base64url characters: its first "eyJ", how many
	// of its starts were decoded, and where it ends.
	first, tried, end := -1, 0, -1
	for i := 0; ; {
		k := strings.Index(s[i:], "eyJ")
		if k < 0 || at >= 0 && i+k >= at {
			return at
		}
		i += k
		if i >= end { // a new run
			end = i
			for end < len(s) && isBase64URL(s[end]) {
				end++
			}
			first, tried = i, 0
		}
		if end == len(s) || s[end] != '.' {
			// Every "eyJ" in this run ends where it does, at no '.'.
			i = end
			continue
		}
		if tried++; tried > maxHeaderStarts {
			return first
		}
		if h, err := base64.RawURLEncoding.DecodeString(s[i:end]); err == nil && json.Valid(h) {
			return i
		}
		i++ // a header may start later in the same run
	}
}

// maxHeaderStarts is how many "eyJ"s of one run credentialAt decodes.
const maxHeaderStarts = 8

func isBase64URL(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
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
