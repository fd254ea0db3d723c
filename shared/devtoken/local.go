package devtoken

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// Where the local servers (make run, make start-api) serve the development
// issuer. Only they do: no Lambda function serves either path, and on AWS
// both are API Gateway's 404.
const (
	JWKSPath  = "/.well-known/jwks.json"
	TokenPath = "/local/token"
)

// MaxTTL is the longest lifetime TokenHandler mints.
const MaxTTL = 24 * time.Hour

// AllScopes is what a token from TokenHandler carries when the request names
// no scope.
var AllScopes = []string{
	auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
	auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
}

// Configure makes a local server its own identity provider when cfg names
// no JWKS_URL: it returns an issuer (RS256, as most identity providers sign:
// Cognito, Auth0, Okta, Entra ID; the service accepts ES256 and EdDSA as
// well) whose JWKS the server must serve at base+JWKSPath, and points cfg at
// it, with base as the issuer unless JWT_ISSUER is set. With a JWKS_URL it
// returns nil and leaves cfg alone. base is the server's loopback URL, the
// one kind of plain-http JWKS URL the service accepts.
func Configure(cfg *config.Config, base string) (*Issuer, error) {
	if cfg.JWKSURL != "" {
		return nil, nil
	}
	if cfg.JWTIssuer == "" {
		cfg.JWTIssuer = base
	}
	dev, err := New(cfg.JWTIssuer, cfg.JWTAudience, jwa.RS256())
	if err != nil {
		return nil, err
	}
	cfg.JWKSURL = base + JWKSPath
	return dev, nil
}

// Routes are the development issuer's two routes, GET JWKSPath and
// GET TokenPath, as both local servers mount them: on an httpapi router
// inside httpapi.Middleware, so they answer as the service does (its
// security headers, Cache-Control: no-store, a request id, problem+json
// errors, 405 with Allow for another method).
func (i *Issuer) Routes() []httpapi.Route {
	return []httpapi.Route{
		{Pattern: http.MethodGet + " " + JWKSPath, Handler: i},
		{Pattern: http.MethodGet + " " + TokenPath, Handler: i.TokenHandler()},
	}
}

// TokenHandler serves GET TokenPath?merchant_id=…&scope=…&ttl=…: a
// development token as text/plain. merchant_id defaults to merchant-1
// (merchant_id= with no value mints a token without one, as a processor
// has), scope (space-separated: split at U+0020 only, as the service
// splits a scope claim, so a tab or a no-break space stays in the claim
// and the service refuses the token) to AllScopes (scope= with no value
// mints a token without scopes), ttl to 1h (at most MaxTTL).
// A bad ttl is 400 VALIDATION_FAILED naming it, as problem+json, and so
// is any of the three whose value is not valid percent-encoding.
// A parameter of another name is 400 VALIDATION_FAILED (tokenQuery).
func (i *Issuer) TokenHandler() http.Handler {
	return httpapi.ProblemHandler(func(w http.ResponseWriter, r *http.Request) error {
		q, err := tokenQuery(r.URL.RawQuery)
		if err != nil {
			return err
		}
		c := Claims{Subject: "local-developer", MerchantID: "merchant-1", Scopes: AllScopes, TTL: time.Hour}
		if v, ok := q["merchant_id"]; ok {
			c.MerchantID = v
		}
		if v, ok := q["scope"]; ok {
			c.Scopes = scopeWords(v) // scope= names none
		}
		if v, ok := q["ttl"]; ok { // ttl= with no value is a bad ttl, not the default
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d > MaxTTL {
				return session.Invalid("ttl", "ttl must be a Go duration above 0 and at most 24h, such as 90m.")
			}
			c.TTL = d
		}
		tok, err := i.Mint(c)
		if err != nil {
			return session.Internal(err)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, tok)
		return nil
	})
}

// scopeWords is v split at U+0020 only, runs of spaces passed over.
func scopeWords(v string) []string {
	var out []string
	for w := range strings.SplitSeq(v, " ") {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// tokenQuery reads TokenHandler's parameters (merchant_id, scope, ttl) from
// rawQuery, each by its first value, the query split on '&' only, as the
// service reads its own (the document-004 list's createdDate, limit and
// cursor). Go's own parser silently drops a pair holding ';' or a bad
// escape, and a parameter dropped so took its default: merchant-1's token
// with every scope, whatever was asked. A value that is not valid
// percent-encoding is 400 VALIDATION_FAILED naming its parameter, and a
// parameter of another name (or one whose name is not valid
// percent-encoding) is 400 VALIDATION_FAILED naming none: taken as not
// sent, a misspelled scope minted a token with every scope.
func tokenQuery(rawQuery string) (map[string]string, error) {
	out := map[string]string{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue // a stray '&' names nothing
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil || (key != "merchant_id" && key != "scope" && key != "ttl") {
			// Not passed over: each of the three defaults when not sent
			// (scope to every scope), so Scope=, scp= or merchant= minted
			// merchant-1's token with every scope. The name is not echoed.
			return nil, session.Invalid("", "/local/token reads only merchant_id, scope and ttl.")
		}
		if _, seen := out[key]; seen {
			continue
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, session.Invalid(key, "%s is not valid percent-encoding.", key)
		}
		out[key] = value
	}
	return out, nil
}
