package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/httprc/v3/errsink"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/paysessions/paysessions/shared/session"
)

// Verification limits.
const (
	// MaxSkew is the leeway allowed on exp and nbf.
	MaxSkew = 60 * time.Second
	// maxTokenBytes bounds a bearer token before any parsing.
	maxTokenBytes = 8 << 10
	// refreshGap is the least time between two forced JWKS refreshes (an
	// unknown kid, or no key set yet): a flood of tokens with made-up kids
	// costs the JWKS server at most one fetch per gap.
	refreshGap = 10 * time.Second
	// jwksFetchTimeout bounds one JWKS fetch.
	jwksFetchTimeout = 5 * time.Second
)

// JWTConfig configures a JWTVerifier.
type JWTConfig struct {
	JWKSURL  string
	Issuer   string
	Audience string
	// Now is the clock for exp and nbf; nil means time.Now.
	Now func() time.Time
	// Logger receives JWKS fetch failures; nil discards them.
	Logger *slog.Logger
}

// JWTVerifier verifies bearer tokens: RS256, ES256 or EdDSA signatures by a
// key of the JWKS (found by kid), issuer, audience, exp (required) and nbf
// with MaxSkew leeway. HMAC and "none" are refused. The JWKS is fetched on
// first use, not at start-up, refreshed in the background by jwx's cache,
// and refreshed at once (rate-limited) when a token names an unknown kid.
type JWTVerifier struct {
	cfg JWTConfig

	mu          sync.Mutex // guards the fields below
	cache       *jwk.Cache
	lastRefresh time.Time
	keySet      jwk.Set              // the set keys was built from
	keys        map[string]verifyKey // kid -> exported key, rebuilt per set
}

type verifyKey struct {
	alg jwa.SignatureAlgorithm
	raw any
}

// NewJWTVerifier returns a verifier. It makes no network call.
func NewJWTVerifier(cfg JWTConfig) *JWTVerifier {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &JWTVerifier{cfg: cfg}
}

// errKeySetUnavailable marks a failure to obtain the JWKS at all: the
// token may be fine, so the caller gets 503, not 401.
var errKeySetUnavailable = errors.New("JWKS unavailable")

// Verify checks token and returns its principal.
func (v *JWTVerifier) Verify(ctx context.Context, token string) (*Principal, error) {
	if len(token) > maxTokenBytes {
		return nil, invalidToken(errors.New("token too large"))
	}
	tok, err := jwt.ParseString(token,
		jwt.WithKeyProvider(jws.KeyProviderFunc(func(ctx context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
			return v.provideKey(ctx, sink, sig)
		})),
		jwt.WithContext(ctx),
		jwt.WithValidate(true),
		jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithAudience(v.cfg.Audience),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithAcceptableSkew(MaxSkew),
		jwt.WithClock(jwt.ClockFunc(v.cfg.Now)),
	)
	if err != nil {
		if errors.Is(err, errKeySetUnavailable) {
			return nil, session.Unavailable(err)
		}
		return nil, invalidToken(err)
	}
	return principalOf(tok)
}

func invalidToken(cause error) *session.Error {
	return &session.Error{
		Code:    session.EUNAUTHORIZED,
		Reason:  session.ReasonUnauthenticated,
		Message: "The bearer token is invalid or expired.",
		Err:     cause,
	}
}

// allowedAlgs are the accepted signature algorithms and the key each needs.
var allowedAlgs = map[string]func(raw any) bool{
	jwa.RS256().String(): func(raw any) bool {
		k, ok := raw.(*rsa.PublicKey)
		return ok && k.N.BitLen() >= 2048
	},
	jwa.ES256().String(): func(raw any) bool {
		k, ok := raw.(*ecdsa.PublicKey)
		return ok && k.Curve == elliptic.P256()
	},
	jwa.EdDSA().String(): func(raw any) bool { _, ok := raw.(ed25519.PublicKey); return ok },
}

// provideKey gives jwx the one key the token may be verified with: the
// JWKS key named by the header's kid, if the header's alg is allowed and
// fits that key.
func (v *JWTVerifier) provideKey(ctx context.Context, sink jws.KeySink, sig *jws.Signature) error {
	h := sig.ProtectedHeaders()
	alg, ok := h.Algorithm()
	if !ok {
		return errors.New("token has no alg")
	}
	fits, ok := allowedAlgs[alg.String()]
	if !ok {
		return fmt.Errorf("algorithm %q is not accepted", alg.String())
	}
	kid, ok := h.KeyID()
	if !ok || kid == "" {
		return errors.New("token has no kid")
	}
	k, err := v.key(ctx, kid)
	if err != nil {
		return err
	}
	if k.alg.String() != "" && k.alg.String() != alg.String() {
		return fmt.Errorf("key %q is for %s, token says %s", kid, k.alg.String(), alg.String())
	}
	if !fits(k.raw) {
		return fmt.Errorf("key %q does not fit algorithm %s", kid, alg.String())
	}
	sink.Key(alg, k.raw)
	return nil
}

// key returns the verification key kid, refreshing the JWKS once (within
// refreshGap) if it is unknown or no set has been fetched yet.
func (v *JWTVerifier) key(ctx context.Context, kid string) (verifyKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	set, err := v.currentSet(ctx)
	if err == nil {
		if k, ok := v.lookup(set, kid); ok {
			return k, nil
		}
	}
	if v.cfg.Now().Sub(v.lastRefresh) < refreshGap {
		if set == nil {
			return verifyKey{}, fmt.Errorf("%w: %v", errKeySetUnavailable, err)
		}
		return verifyKey{}, fmt.Errorf("unknown kid %q (JWKS refreshed less than %s ago)", kid, refreshGap)
	}
	v.lastRefresh = v.cfg.Now()
	fctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	fresh, ferr := v.cache.Refresh(fctx, v.cfg.JWKSURL)
	if ferr != nil {
		if set == nil {
			return verifyKey{}, fmt.Errorf("%w: %v", errKeySetUnavailable, ferr)
		}
		return verifyKey{}, fmt.Errorf("unknown kid %q; JWKS refresh failed: %v", kid, ferr)
	}
	if k, ok := v.lookup(fresh, kid); ok {
		return k, nil
	}
	return verifyKey{}, fmt.Errorf("unknown kid %q", kid)
}

// currentSet returns the cached key set, registering the JWKS URL with the
// cache on first use and waiting for the first fetch to succeed or fail.
// Callers hold v.mu.
func (v *JWTVerifier) currentSet(ctx context.Context) (jwk.Set, error) {
	if v.cache == nil {
		fetchErrs := make(chan error, 1)
		sink := errsink.NewFunc(func(_ context.Context, err error) {
			if v.cfg.Logger != nil {
				v.cfg.Logger.Warn("JWKS fetch failed", "jwks_url", v.cfg.JWKSURL, "error", err.Error())
			}
			select {
			case fetchErrs <- err:
			default:
			}
		})
		c, err := jwk.NewCache(context.Background(), httprc.NewClient(httprc.WithErrorSink(sink)))
		if err != nil {
			return nil, err
		}
		v.lastRefresh = v.cfg.Now()
		if err := c.Register(ctx, v.cfg.JWKSURL,
			jwk.WithWaitReady(false),
			jwk.WithMinInterval(5*time.Minute),
			jwk.WithMaxInterval(time.Hour),
		); err != nil {
			return nil, err
		}
		v.cache = c
		r, err := c.LookupResource(ctx, v.cfg.JWKSURL)
		if err != nil {
			return nil, err
		}
		wait, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
		defer cancel()
		ready := make(chan error, 1)
		go func() { ready <- r.Ready(wait) }()
		select {
		case err := <-ready:
			if err != nil {
				return nil, err
			}
		case err := <-fetchErrs:
			return nil, err
		}
	}
	r, err := v.cache.LookupResource(ctx, v.cfg.JWKSURL)
	if err != nil {
		return nil, err
	}
	set := r.Resource()
	if set == nil {
		return nil, errors.New("JWKS not fetched yet")
	}
	return set, nil
}

// lookup finds kid in set, exporting keys once per set: verification then
// uses ready raw keys, not a JWK conversion per request.
func (v *JWTVerifier) lookup(set jwk.Set, kid string) (verifyKey, bool) {
	if set != v.keySet {
		keys := make(map[string]verifyKey, set.Len())
		for i := 0; i < set.Len(); i++ {
			k, _ := set.Key(i)
			id, ok := k.KeyID()
			if !ok {
				continue
			}
			var raw any
			if err := jwk.Export(k, &raw); err != nil {
				continue
			}
			var alg jwa.SignatureAlgorithm
			if a, ok := k.Algorithm(); ok {
				if sa, ok := jwa.LookupSignatureAlgorithm(a.String()); ok {
					alg = sa
				}
			}
			keys[id] = verifyKey{alg: alg, raw: raw}
		}
		v.keySet, v.keys = set, keys
	}
	k, ok := v.keys[kid]
	return k, ok
}

// principalOf reads the claims the service uses: sub, scope (space
// separated) or scp (array or string), merchant_id.
func principalOf(tok jwt.Token) (*Principal, error) {
	p := &Principal{Method: MethodJWT}
	p.Subject, _ = tok.Subject()
	var scope string
	if err := tok.Get("scope", &scope); err == nil {
		p.Scopes = strings.Fields(scope)
	} else {
		var scp any
		if err := tok.Get("scp", &scp); err == nil {
			switch s := scp.(type) {
			case string:
				p.Scopes = strings.Fields(s)
			case []any:
				for _, e := range s {
					if str, ok := e.(string); ok {
						p.Scopes = append(p.Scopes, str)
					}
				}
			}
		}
	}
	if tok.Has("merchant_id") {
		var m string
		if err := tok.Get("merchant_id", &m); err != nil || !validMerchantID(m) {
			return nil, invalidToken(errors.New("merchant_id claim is not a valid merchant id"))
		}
		p.MerchantID = m
	}
	return p, nil
}
