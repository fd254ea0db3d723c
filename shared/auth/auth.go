// Package auth authenticates callers and checks what they may do: bearer JWTs
// verified against a JWKS, and API keys (X-Api-Key). Every function runs the
// same Authenticator, locally and in Lambda. Tokens, keys and secrets are
// never logged or echoed.
package auth

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/paysessions/paysessions/shared/session"
)

// Scopes the service knows (DESIGN.md §2).
const (
	ScopeSessionsRead    = "sessions:read"
	ScopeSessionsWrite   = "sessions:write"
	ScopeSessionsProcess = "sessions:process"
	ScopeAPIKeysWrite    = "apikeys:write"
	ScopePaymentRead     = "Payment.Read" // document 001
	ScopeUser            = "user"         // document 003
)

// Method is how a caller authenticated.
type Method string

// Methods.
const (
	MethodJWT    Method = "jwt"
	MethodAPIKey Method = "apikey"
)

// Principal is an authenticated caller.
type Principal struct {
	Subject    string
	MerchantID string // empty for callers not acting for a merchant (processors)
	Scopes     []string
	Method     Method
	KeyID      string // the API key's id, for MethodAPIKey
}

// HasScope reports whether the caller was granted scope.
func (p *Principal) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

// Rule is what an endpoint accepts and requires.
type Rule struct {
	Scope    string // required scope
	Bearer   bool   // a bearer JWT is accepted
	APIKey   bool   // an X-Api-Key is accepted
	Merchant bool   // the caller must act for a merchant
}

// Authenticator checks credentials against rules.
type Authenticator struct {
	jwt  *JWTVerifier
	keys *APIKeyVerifier
}

// New returns an Authenticator. keys may be nil: API keys are then refused.
func New(jwt *JWTVerifier, keys *APIKeyVerifier) *Authenticator {
	return &Authenticator{jwt: jwt, keys: keys}
}

// Header names.
const (
	HeaderAuthorization = "Authorization"
	HeaderAPIKey        = "X-Api-Key"
)

// Authenticate returns the caller of r if its credentials are valid (else
// EUNAUTHORIZED, 401, carrying the rule's challenge: see Challenge) and
// satisfy rule (else EFORBIDDEN, 403). A request with a bearer token is
// judged by the token; one with only an API key, by the key.
func (a *Authenticator) Authenticate(r *http.Request, rule Rule) (*Principal, error) {
	p, err := a.authenticate(r, rule)
	if err != nil && session.ErrorCode(err) == session.EUNAUTHORIZED {
		return nil, &challengeError{err: err, challenge: rule.challenge()}
	}
	return p, err
}

func (a *Authenticator) authenticate(r *http.Request, rule Rule) (*Principal, error) {
	authz := r.Header.Get(HeaderAuthorization)
	key := r.Header.Get(HeaderAPIKey)
	var p *Principal
	var err error
	switch {
	case authz != "" && rule.Bearer:
		token, ok := bearerToken(authz)
		if !ok {
			return nil, unauthenticated("The Authorization header must be `Bearer <token>`.")
		}
		p, err = a.jwt.Verify(r.Context(), token)
	case key != "" && rule.APIKey && a.keys != nil:
		p, err = a.keys.VerifyAPIKey(r.Context(), key)
	case rule.APIKey && !rule.Bearer:
		return nil, unauthenticated("This endpoint requires an X-Api-Key header.")
	case rule.Bearer && !rule.APIKey:
		return nil, unauthenticated("This endpoint requires a bearer token.")
	default:
		return nil, unauthenticated("This endpoint requires a bearer token or an X-Api-Key header.")
	}
	if err != nil {
		return nil, err
	}
	if rule.Scope != "" && !p.HasScope(rule.Scope) {
		return nil, session.Errorf(session.EFORBIDDEN, session.ReasonInsufficientScope, "The credentials lack the %s scope.", rule.Scope)
	}
	if rule.Merchant && p.MerchantID == "" {
		return nil, session.Errorf(session.EFORBIDDEN, session.ReasonMerchantRequired, "The credentials do not act for a merchant (no merchant_id).")
	}
	return p, nil
}

// challenge is the WWW-Authenticate value for the credentials rule takes.
func (rule Rule) challenge() string {
	var c []string
	if rule.Bearer {
		c = append(c, `Bearer realm="paysessions"`)
	}
	if rule.APIKey {
		c = append(c, `ApiKey realm="paysessions", header="X-Api-Key"`)
	}
	return strings.Join(c, ", ")
}

// challengeError is a 401 with the challenge of the endpoint's credentials.
type challengeError struct {
	err       error
	challenge string
}

func (e *challengeError) Error() string { return e.err.Error() }
func (e *challengeError) Unwrap() error { return e.err }

// Challenge returns the WWW-Authenticate value a 401 from Authenticate
// should carry, or "".
func Challenge(err error) string {
	var ce *challengeError
	if errors.As(err, &ce) {
		return ce.challenge
	}
	return ""
}

// ForgetAPIKey drops a revoked key from this process's cache, so the
// revocation is effective here at once (other containers: within
// APIKeyCacheTTL).
func (a *Authenticator) ForgetAPIKey(id string) {
	if a.keys != nil {
		a.keys.Forget(id)
	}
}

func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func unauthenticated(msg string) *session.Error {
	return session.Errorf(session.EUNAUTHORIZED, session.ReasonUnauthenticated, "%s", msg)
}

// validMerchantID reports whether id is acceptable as a merchant id: 1 to 128
// characters of letters, digits and . _ : @ -, and nothing that looks like a
// card number. The store builds keys from it and logs show it, so anything
// else is refused.
func validMerchantID(id string) bool {
	if id == "" || len(id) > 128 || session.LooksLikeCardNumber(id) {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == ':', c == '@', c == '-':
		default:
			return false
		}
	}
	return true
}
