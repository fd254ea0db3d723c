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

// Scopes the service knows (docs/design.md §2).
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
// satisfy rule (else EFORBIDDEN, 403, returned with the caller, whose
// credentials were accepted, for the request's log line; one for a bearer
// token that lacks the rule's scope carries RFC 6750's insufficient_scope
// challenge). A request
// with a bearer token is judged by the token; one with only an API key, by
// the key. It says also what a bearer token's check counts toward the
// token metrics (TokenCount), whatever the answer: a token verified afresh
// that lacks the rule's scope is TokenVerified, and 403.
func (a *Authenticator) Authenticate(r *http.Request, rule Rule) (*Principal, TokenCount, error) {
	var count TokenCount
	p, err := a.authenticate(r, rule, &count)
	if err != nil && session.ErrorCode(err) == session.EUNAUTHORIZED && Challenge(err) == "" {
		return nil, count, &challengeError{err: err, challenge: rule.challenge("")}
	}
	return p, count, err
}

func (a *Authenticator) authenticate(r *http.Request, rule Rule, count *TokenCount) (*Principal, error) {
	// A credential header holding a list (sent twice, or with a comma) is
	// refused whatever its first element (credentialHeader).
	authz, oneAuthz := credentialHeader(r.Header, HeaderAuthorization)
	key, oneKey := credentialHeader(r.Header, HeaderAPIKey)
	var p *Principal
	var err error
	switch {
	case (authz != "" || !oneAuthz) && rule.Bearer:
		token, ok := bearerToken(authz)
		if !ok || !oneAuthz {
			return nil, unauthenticated("The Authorization header must be `Bearer <token>`, sent once.")
		}
		p, *count, err = a.jwt.VerifyCounted(r.Context(), token)
		if session.ErrorCode(err) == session.EUNAUTHORIZED {
			// RFC 6750 §3.1: a token was presented and refused.
			return nil, &challengeError{err: err, challenge: rule.challenge(errorInvalidToken)}
		}
	case (key != "" || !oneKey) && rule.APIKey && a.keys != nil:
		if !oneKey {
			return nil, unauthenticated("The X-Api-Key header must hold one key, sent once.")
		}
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
		return p, InsufficientScope(p, session.Errorf(session.EFORBIDDEN, session.ReasonInsufficientScope, "The credentials lack the %s scope.", rule.Scope), rule.Scope)
	}
	if rule.Merchant && p.MerchantID == "" {
		return p, session.Errorf(session.EFORBIDDEN, session.ReasonMerchantRequired, "The credentials do not act for a merchant (no merchant_id).")
	}
	return p, nil
}

// RFC 6750 §3.1 error codes of the Bearer challenge.
const (
	errorInvalidToken      = "invalid_token"
	errorInsufficientScope = "insufficient_scope"
)

// bearerChallenge is the Bearer challenge, with RFC 6750's error code
// when there is one.
func bearerChallenge(code string) string {
	if code == "" {
		return `Bearer realm="paysessions"`
	}
	return `Bearer realm="paysessions", error="` + code + `"`
}

// challenge is the WWW-Authenticate value for the credentials rule takes.
// bearerError is RFC 6750's error code for the Bearer challenge:
// "invalid_token" when a bearer token was presented and refused; none when
// the request held no token (RFC 6750 §3.1: "If the request lacks any
// authentication information ..., the resource server SHOULD NOT include
// an error code"), including a malformed or repeated Authorization header
// and a refused API key.
func (rule Rule) challenge(bearerError string) string {
	var c []string
	if rule.Bearer {
		c = append(c, bearerChallenge(bearerError))
	}
	if rule.APIKey {
		c = append(c, `ApiKey realm="paysessions", header="X-Api-Key"`)
	}
	return strings.Join(c, ", ")
}

// challengeError is an error with the WWW-Authenticate challenge its answer
// carries: a 401's, for the endpoint's credentials, or a 403's for a bearer
// token's missing scope (InsufficientScope).
type challengeError struct {
	err       error
	challenge string
}

func (e *challengeError) Error() string { return e.err.Error() }
func (e *challengeError) Unwrap() error { return e.err }

// InsufficientScope returns err, a 403 for credentials p that lack the
// scopes a request needs, carrying for a bearer token RFC 6750 §3's
// challenge: `Bearer realm="paysessions", error="insufficient_scope",
// scope="<the scopes>"` (an API key is not an OAuth token: no challenge).
func InsufficientScope(p *Principal, err *session.Error, scopes ...string) error {
	if p.Method != MethodJWT {
		return err
	}
	return &challengeError{err: err, challenge: bearerChallenge(errorInsufficientScope) + `, scope="` + strings.Join(scopes, " ") + `"`}
}

// Challenge returns the WWW-Authenticate value a 401 (or a 403 for a
// bearer token's missing scope) from Authenticate should carry, or "".
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

// credentialHeader returns the credential a header carries, trimmed ("" when
// the header is absent or empty), and whether it carries one: a header sent
// more than once, or a field holding a comma, is a list, whatever its
// elements, empty ones included ("Bearer <token>," and "<key>" followed by
// an empty X-Api-Key are lists of two). A function on AWS cannot tell the
// spellings apart, nor which element the client meant: API Gateway joins a
// repeated header with commas, and the Lambda adapter splits the field at
// every comma (an empty element included) but for Authorization, which it
// keeps whole. Counting every element, as sent or as delivered, gives both
// the same answer (RFC 9110 §5.3: a field sent twice means the field with
// both values joined by a comma). Only SP and HTAB are trimmed, the
// optional white space HTTP allows around a field value (RFC 9110 §5.5):
// any other white space (NO-BREAK SPACE, LINE SEPARATOR, VT) is part of the
// credential, so a token or key padded with it is refused, not read as the
// credential itself (one credential, one spelling; X-Merchant-Id is read
// the same way).
func credentialHeader(h http.Header, name string) (credential string, one bool) {
	var elems []string
	for _, v := range h.Values(name) {
		elems = append(elems, strings.Split(v, ",")...)
	}
	if len(elems) == 0 {
		return "", true
	}
	return strings.Trim(elems[0], ows), len(elems) == 1
}

// ows is the optional white space around an HTTP field value.
const ows = " \t"

func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.Trim(token, ows)
	return token, token != ""
}

func unauthenticated(msg string) *session.Error {
	return session.Errorf(session.EUNAUTHORIZED, session.ReasonUnauthenticated, "%s", msg)
}

// validMerchantID reports whether id is acceptable as a merchant id
// (session.ValidMerchantID): the store builds keys from it and logs show
// it, so anything else is refused.
func validMerchantID(id string) bool {
	return session.ValidMerchantID(id)
}
