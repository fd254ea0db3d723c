package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/lestrrat-go/jwx/v3/cert"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwk/jwkbb"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/session"
)

// readFractions makes jwx read a NumericDate's fraction to the nanosecond
// (its default drops it, so a date was its whole second). Whole seconds
// took an nbf or iat 60.5 s ahead and refused an exp 59.5 s past, outside
// the 60 s leeway either way (r92-jwt); the checks below also say
// WithTruncation(0), jwx v3.4's default, so that a later default of
// whole seconds cannot round the comparison. The setting is jwx's,
// process-wide (this package is the only reader of JWTs), made by
// NewJWTVerifier, before any token is read, rather than in an init.
var readFractions = sync.OnceFunc(func() { jwt.Settings(jwt.WithNumericDateParsePrecision(9)) })

// Verification limits.
const (
	// MaxSkew is the leeway allowed on exp and nbf.
	MaxSkew = 60 * time.Second
	// maxTokenBytes bounds a bearer token before any parsing.
	maxTokenBytes = 8 << 10
	// refreshGap is the least time between two JWKS fetches started by
	// requests (an unknown kid, no key set yet, a failed fetch): a flood of
	// tokens with made-up kids costs the JWKS server at most one fetch per
	// gap.
	refreshGap = 10 * time.Second
	// jwksFetchTimeout bounds one JWKS fetch.
	jwksFetchTimeout = 5 * time.Second
	// jwksDialTimeout and jwksTLSHandshakeTimeout bound the connection a
	// fetch opens (its TCP connect, name resolution included, and its TLS
	// handshake): together jwksFetchTimeout, so a connection being opened
	// ends with the fetch that opened it. The fetch giving up does not
	// end them: net/http dials under a context without the request's
	// cancellation (a later request may use the connection) and ends a
	// dial only at the dialer's timeout, a handshake at the transport's,
	// http.DefaultTransport's 30 s and 10 s. While the identity provider
	// hung (a black-holed address, a listen queue that is full) each fetch
	// given up on at 5 s left its connect running to 30 s, a goroutine and
	// a socket the container held for nothing. The provider is reached
	// over the internet, not in-Region as DynamoDB is (the store allows
	// 1 s and 2 s): 2 s still fits a connect whose first SYN was lost
	// (Linux resends it after 1 s). The handshake has the larger share, 3 s:
	// a container's first handshake, often this one (a bearer token's
	// first request), also loads the system's trusted roots, which at a
	// 128 MB function's CPU share can take about a second (store's
	// client.go), beside a few round trips to the provider. A fetch cut
	// off is not retried: in a new container every bearer token is then a
	// 503 until a fetch may start again, refreshGap later.
	jwksDialTimeout         = 2 * time.Second
	jwksTLSHandshakeTimeout = jwksFetchTimeout - jwksDialTimeout
	// maxJWKSBytes bounds a JWKS document (a provider's is a few KB).
	maxJWKSBytes = 1 << 20
	// maxJWKSHeadBytes bounds a JWKS answer's head (Go's default is 10 MB;
	// a provider's is under 2 KB).
	maxJWKSHeadBytes = 64 << 10
	// maxJWKSKeys bounds the keys of a JWKS document, every "keys" array
	// of it together (jwx's own limit, 1,000, is on each array).
	maxJWKSKeys = 1000
	// maxJWKSValues bounds the JSON values and member names of a JWKS
	// document, counted before jwx reads it: jwx's quick reader takes
	// about 1 KB for each value of the whole document (r91-jwks: 380 MB
	// for a 1 MiB set of one key beside a member of 350,000 empty
	// objects, 452 MB for 1,000 entries of nested arrays; the functions
	// have 128 MB). A real set needs some 15 to 30 a key (1,000 keys of
	// 7 members: 15,003).
	maxJWKSValues = 50000
	// maxSkippedLogged bounds the kids (with their reasons) of unusable keys
	// remembered so each is logged once. Each is remembered by its SHA-256,
	// 32 bytes however long the kid (SkippedKidsMaxBytes). Past those, a fetch logs the
	// unusable keys it cannot remember on one line (usable).
	maxSkippedLogged = 1000
	// maxShownText bounds the identity provider's own text (shownText) in
	// a log line or an error.
	maxShownText = 1 << 10
	// maxJudgedPastCut is how much of a cut text past maxShownText
	// shownText judges with what it shows, so that a card number crossing
	// the cut is seen whole: a number of 19 digits, written with every
	// separator and encoding the rule reads, fits many times over.
	maxJudgedPastCut = 4 << 10
)

// SkippedKidsMaxBytes bounds the heap a container holds to remember the
// kids of skipped keys, so each is logged once: at most maxSkippedLogged
// SHA-256 digests of kids (32 bytes each; the full map measured ~80 KB),
// not the kids themselves. A kid is the identity provider's text, up to the
// whole 1 MiB set: remembered whole, 1,000 of them, changing on every
// fetch, held up to ~1 GB for the container's life.
const SkippedKidsMaxBytes = 256 << 10

// JWKSMaxAge is how long a fetched key set is used before it is fetched
// again: the first request after that starts a fetch in the background
// and is served by the set in hand, so a key the provider removed stops
// verifying within about this time.
const JWKSMaxAge = 10 * time.Minute

// TokenCacheMaxAge is the longest a container reuses the outcome of a
// verified token (docs/design.md §7), as API Gateway caches an
// authorizer's answer. A cached token whose key the key set in hand no
// longer holds (removed, or its kid now names another key) is verified
// again, and refused, on its next use.
const TokenCacheMaxAge = 5 * time.Minute

// DefaultTokenCacheEntries bounds the verified-token cache (measured: 550
// bytes an entry with its kid and key, 2.3 MB full).
const DefaultTokenCacheEntries = 4096

// TokenCacheEntryBytes bounds the heap one verified-token cache entry
// holds, however large its token's claims: an outcome whose principal
// (subject, merchant, scopes, kid) takes more than maxCachedPrincipalBytes
// is not cached, only verified on every use, and a cached one keeps copies
// of its strings, not the claims they were cut from. A full cache holds at
// most DefaultTokenCacheEntries × TokenCacheEntryBytes, 12 MB (before, a
// token of valid large claims took 20 KB an entry, 80 MB full).
const TokenCacheEntryBytes = 3 << 10

// maxCachedPrincipalBytes is the most a cached principal's strings and
// their headers take; the entry's own structure and the cache's
// bookkeeping come on top (about 500 bytes, within TokenCacheEntryBytes).
const maxCachedPrincipalBytes = 2 << 10

// JWTConfig configures a JWTVerifier.
type JWTConfig struct {
	JWKSURL  string
	Issuer   string
	Audience string
	// Now is the clock for exp and nbf; nil means time.Now.
	Now func() time.Time
	// Logger receives JWKS fetch failures and skipped keys; nil discards
	// them.
	Logger *slog.Logger
	// CacheEntries bounds the verified-token cache: 0 means
	// DefaultTokenCacheEntries, a negative number no cache.
	CacheEntries int
}

// JWTVerifier verifies bearer tokens: RS256, ES256 or EdDSA signatures by a
// key of the JWKS (found by kid), issuer, audience, exp (required) and nbf
// with MaxSkew leeway. HMAC and "none" are refused.
//
// The JWKS is fetched on first use, not at start-up. A key the service
// cannot use (a type or curve it does not accept, an RSA key under 2048
// bits, an Ed25519 key of small order, an encryption key, a private key,
// one whose x5c certifies another key, one without a kid, one jwx cannot
// parse) is skipped and logged once by
// kid (past maxSkippedLogged kids, those a fetch skips are named together
// on one line); only a set with no usable key fails (503). A failed fetch keeps the
// set in hand, however old. The set in hand is an
// immutable snapshot read without a lock: a fetch runs outside any lock,
// one at a time, and requests whose kid the snapshot holds never wait for
// it. A token naming an unknown kid waits for a fetch (started at most once
// per refreshGap, or already running); a snapshot older than JWKSMaxAge is
// fetched again in the background.
//
// A verified token's outcome is kept in a bounded least-recently-used
// cache, keyed by the SHA-256 of the whole token, for at most
// TokenCacheMaxAge and never past exp (+ MaxSkew), and not at all once the
// wall clock reads earlier than when it was cached; exp, nbf and iat are
// checked against the clock on every use (a second line: the entry's end
// and its never-negative age already refuse what these would), and so is
// the key: an entry is
// used only while the key set in hand still holds the key its signature was
// checked with. A refused token is never cached. Ages are wall-clock ages.
type JWTVerifier struct {
	cfg       JWTConfig
	client    *http.Client
	set       atomic.Pointer[keySet]
	cache     *lru.Cache[[sha256.Size]byte, *verified] // nil: no cache
	sigChecks atomic.Int64                             // signatures checked (tests)

	mu          sync.Mutex // guards the fields below; never held during a fetch
	flight      *refresh   // the fetch running, or nil
	lastAttempt time.Time  // when the last fetch started (wall clock)
	lastErr     error      // the last finished fetch's error, nil if it worked

	// skipped holds the SHA-256 of each skipped kid logged (at most
	// maxSkippedLogged), never the kid: SkippedKidsMaxBytes.
	skipped map[[sha256.Size]byte]struct{}

	loggedURL string // JWKSURL as the logs show it (loggedJWKSURL)
}

// loggedJWKSURL is the JWKS URL as log lines show it: without its user
// information (a JWKS behind basic authentication, which Go's HTTP client
// sends from the URL: a password, or a token as the user name) or its
// query (a key in `?code=`), both replaced by xxxxx (config.ShownURL). A
// secret never reaches a log (docs/design.md §7).
func loggedJWKSURL(raw string) string { return config.ShownURL(raw) }

// keySet is one fetched JWKS: its usable keys by kid.
type keySet struct {
	keys    map[string]verifyKey
	fetched time.Time // wall clock
}

// refresh is a JWKS fetch in progress; err is set before done closes.
type refresh struct {
	done   chan struct{}
	err    error
	began  time.Time          // wall clock
	cancel context.CancelFunc // gives the fetch up
}

type verifyKey struct {
	alg jwa.SignatureAlgorithm // the key's own alg; zero when it names none
	raw any
}

// NewJWTVerifier returns a verifier. It makes no network call.
func NewJWTVerifier(cfg JWTConfig) *JWTVerifier {
	readFractions()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	v := &JWTVerifier{
		cfg:     cfg,
		client:  &http.Client{Timeout: jwksFetchTimeout, Transport: newJWKSTransport(), CheckRedirect: checkJWKSRedirect},
		skipped: map[[sha256.Size]byte]struct{}{},

		loggedURL: loggedJWKSURL(cfg.JWKSURL),
	}
	entries := cfg.CacheEntries
	if entries == 0 {
		entries = DefaultTokenCacheEntries
	}
	if entries > 0 {
		v.cache, _ = lru.New[[sha256.Size]byte, *verified](entries)
	}
	return v
}

// newJWKSTransport is the JWKS fetch's own transport: http.DefaultTransport
// as it is (its proxy from the environment, HTTP/2, its idle-connection
// limits and keep-alive) but for the connection a fetch opens, which ends
// with the fetch (jwksDialTimeout, jwksTLSHandshakeTimeout). Its own, not
// DefaultTransport with shorter timeouts: nothing else may change what the
// fetch is given, and the fetch changes nothing for anyone else. Its
// answer's head is bounded (maxJWKSHeadBytes), as its body is.
func newJWKSTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: jwksDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = jwksTLSHandshakeTimeout
	tr.MaxResponseHeaderBytes = maxJWKSHeadBytes
	return tr
}

// verified is a cached outcome: the token's principal and times, and the
// key that checked its signature.
type verified struct {
	p             Principal // callers get copies
	key           usedKey
	exp, nbf, iat time.Time // nbf, iat zero when absent
	at, until     time.Time // wall clock: when it was cached, and its end
}

// fresh reports whether the entry may still be used at now (wall clock):
// before its end, and not before it was cached. A wall clock stepped back
// gives an entry a negative age, which says nothing of how long it has been
// kept, so it is not trusted (as APIKeyVerifier does not trust a key
// fetched "in the future"); the token is verified again.
func (e *verified) fresh(now time.Time) bool {
	return !now.Before(e.at) && now.Before(e.until)
}

// usedKey is the JWKS key a token's signature was checked with, and the
// alg the key set gave it then (zero when it named none).
type usedKey struct {
	kid string
	alg jwa.SignatureAlgorithm
	raw any
}

// held reports whether the key set in hand still holds k under its kid,
// with the same alg (or none, as then). A fetch exports its keys afresh,
// so an unchanged key is recognised by value, not identity; its alg is
// compared too, so that a hit never accepts what verifying afresh would
// refuse ("key ... is for ...") nor an alg the key no longer names
// (defence in depth: each accepted alg fits one key type today). A set
// older than JWKSMaxAge is fetched again in the background, as for a token
// verified afresh: a container whose every use hits the cache keeps its
// set fresh too.
func (v *JWTVerifier) held(k usedKey, now time.Time) bool {
	s := v.set.Load()
	if s == nil {
		return false
	}
	if age := now.Sub(s.fetched); age >= JWKSMaxAge || age < 0 {
		v.startRefresh(now)
	}
	cur, ok := s.keys[k.kid]
	if !ok || cur.alg.String() != k.alg.String() {
		return false
	}
	pub, ok := cur.raw.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(k.raw)
}

// timely reports whether the token's times accept it at now, as jwx's
// validation would (MaxSkew leeway).
func (e *verified) timely(now time.Time) bool {
	return now.Before(e.exp.Add(MaxSkew)) &&
		(e.nbf.IsZero() || !now.Add(MaxSkew).Before(e.nbf)) &&
		(e.iat.IsZero() || !now.Add(MaxSkew).Before(e.iat))
}

// wallNow is the clock without its monotonic reading: ages are wall-clock
// differences, which a sandbox frozen between invocations cannot shrink.
func (v *JWTVerifier) wallNow() time.Time { return v.cfg.Now().Round(0) }

// errKeySetUnavailable marks a failure to obtain a usable JWKS at all: the
// token may be fine, so the caller gets 503, not 401.
var errKeySetUnavailable = errors.New("JWKS unavailable")

// TokenCount is what one bearer token's check counts toward the API's
// token metrics, which the request's log line carries. A wrong JwtIssuer,
// JwtAudience or JwksUrl refuses every token of the identity provider as
// misaddressed or of an unknown key and verifies none; an alarm on 401s
// would page on clients' own mistakes, which count nothing. The
// template's TokenCheckMisconfiguredAlarm watches TokensMisaddressed and
// TokensVerified only: anyone can make a token of an unknown key.
type TokenCount uint8

// What a token's check counts.
const (
	// NotCounted: no bearer token; a token served from the verified-token
	// cache (no check made, nothing added to the request); a client's own
	// mistake (expired, not yet valid, altered, malformed, an algorithm
	// or kid refused); a key set that could not be had (503, which the
	// 5xx alarm sees).
	NotCounted TokenCount = iota
	// TokenVerified: a token verified afresh, its scopes not yet judged
	// (at most once per token and container per TokenCacheMaxAge while it
	// is used and cached).
	TokenVerified
	// TokenMisaddressed: a token whose signature a key of the JWKS
	// verified, but whose iss or aud is not the configured one.
	TokenMisaddressed
	// TokenOfUnknownKey: a token whose kid the key set, fetched fine,
	// does not hold, and whose claims, read without a key, are timely
	// (timelyClaims).
	TokenOfUnknownKey
)

// Metric is the name of the metric c counts: TokensVerified,
// TokensMisaddressed, TokensOfUnknownKeys; "" for NotCounted.
func (c TokenCount) Metric() string {
	switch c {
	case TokenVerified:
		return "TokensVerified"
	case TokenMisaddressed:
		return "TokensMisaddressed"
	case TokenOfUnknownKey:
		return "TokensOfUnknownKeys"
	}
	return ""
}

// Verify checks token and returns its principal (a copy the caller may
// keep).
func (v *JWTVerifier) Verify(ctx context.Context, token string) (*Principal, error) {
	p, _, err := v.VerifyCounted(ctx, token)
	return p, err
}

// VerifyCounted is Verify, saying also what the check counts toward the
// token metrics. A token served from the cache counts nothing, and costs
// nothing more than under Verify.
func (v *JWTVerifier) VerifyCounted(ctx context.Context, token string) (*Principal, TokenCount, error) {
	if len(token) > maxTokenBytes {
		return nil, NotCounted, invalidToken(errors.New("token too large"))
	}
	var key [sha256.Size]byte
	if v.cache != nil {
		key = sha256.Sum256([]byte(token))
		if e, ok := v.cache.Get(key); ok {
			now := v.wallNow()
			if e.fresh(now) && e.timely(now) && v.held(e.key, now) {
				p := e.p
				p.Scopes = slices.Clone(p.Scopes)
				return &p, NotCounted, nil
			}
			// Stale, refused by the clock now, or its key gone from the
			// set: verify afresh, which refuses it with jwx's own reason.
			v.cache.Remove(key)
		}
	}
	p, tok, used, err := v.verify(ctx, token)
	if err != nil {
		c := counted(err)
		if c == TokenOfUnknownKey && !v.timelyClaims(token) {
			c = NotCounted
		}
		return nil, c, err
	}
	if v.cache != nil {
		v.remember(key, p, tok, used)
	}
	return p, TokenVerified, nil
}

// counted is what a refused token counts: TokenMisaddressed when jwx
// refused its iss or aud (claims are validated only once the signature
// verified), TokenOfUnknownKey when its kid is not in a key set fetched
// fine (errUnknownKid), else nothing.
func counted(err error) TokenCount {
	switch {
	case session.ErrorCode(err) != session.EUNAUTHORIZED:
		return NotCounted // 503: the key set could not be had, or the request ended
	case errors.Is(err, jwt.InvalidIssuerError()) || errors.Is(err, jwt.InvalidAudienceError()):
		return TokenMisaddressed
	case errors.Is(err, errUnknownKid):
		return TokenOfUnknownKey
	}
	return NotCounted
}

// timelyClaims reports whether token's claims, read without a key, have
// an exp and are timely (exp not past, nbf not ahead, MaxSkew allowed), as
// verify would judge them once the signature verified. A token of a kid
// the key set lacks counts as TokenOfUnknownKey only then: an expired
// token of a retired key, or one whose times are made up, is the client's
// own mistake (it would be 401 under any key set), and counts nothing, as
// an expired token of a known key. Its iss and aud are not looked at: a
// wrong JwksUrl beside a wrong JwtIssuer must still count.
func (v *JWTVerifier) timelyClaims(token string) bool {
	tok, err := jwt.ParseInsecure([]byte(token))
	if err != nil {
		return false
	}
	return jwt.Validate(tok,
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithAcceptableSkew(MaxSkew),
		jwt.WithTruncation(0),
		jwt.WithClock(jwt.ClockFunc(v.cfg.Now)),
	) == nil
}

// remember caches a verified token's principal until its exp (+ MaxSkew),
// TokenCacheMaxAge at most, unless the principal is too large to cache
// (TokenCacheEntryBytes).
func (v *JWTVerifier) remember(key [sha256.Size]byte, p *Principal, tok jwt.Token, used usedKey) {
	exp, ok := tok.Expiration()
	if !ok {
		return
	}
	const stringHeader = 16
	size := 3*stringHeader + len(p.Subject) + len(p.MerchantID) + len(used.kid) + 24 // and the scopes' slice
	for _, sc := range p.Scopes {
		size += stringHeader + len(sc)
	}
	if size > maxCachedPrincipalBytes {
		return // verified on every use: its entry would hold too much
	}
	now := v.wallNow()
	used.kid = strings.Clone(used.kid)
	e := &verified{p: *p, key: used, exp: exp, at: now, until: now.Add(TokenCacheMaxAge)}
	e.p.Subject, e.p.MerchantID = strings.Clone(p.Subject), strings.Clone(p.MerchantID)
	e.p.Scopes = make([]string, len(p.Scopes))
	for i, sc := range p.Scopes {
		e.p.Scopes[i] = strings.Clone(sc) // not the scope claim it was cut from
	}
	e.nbf, _ = tok.NotBefore()
	e.iat, _ = tok.IssuedAt()
	if end := exp.Add(MaxSkew); end.Before(e.until) {
		e.until = end
	}
	if now.Before(e.until) {
		v.cache.Add(key, e)
	}
}

// verify checks token fully: its form, its signature, its claims. It
// returns the key that checked the signature.
func (v *JWTVerifier) verify(ctx context.Context, token string) (*Principal, jwt.Token, usedKey, error) {
	var used usedKey
	if err := checkForm(token); err != nil {
		return nil, nil, used, invalidToken(err)
	}
	tok, err := jwt.ParseString(token,
		jwt.WithKeyProvider(jws.KeyProviderFunc(func(ctx context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
			return v.provideKey(ctx, sink, sig, &used)
		})),
		jwt.WithContext(ctx),
		jwt.WithValidate(true),
		jwt.WithIssuer(v.cfg.Issuer),
		jwt.WithAudience(v.cfg.Audience),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithAcceptableSkew(MaxSkew),
		jwt.WithTruncation(0),
		jwt.WithClock(jwt.ClockFunc(v.cfg.Now)),
	)
	if err != nil {
		// A check the request's context ended judged nothing (jwx stops
		// between signatures, key providers and keys, answering the
		// context's error): 503, as when the JWKS cannot be fetched,
		// never 401, which tells the holder of a valid token to drop it.
		if errors.Is(err, errKeySetUnavailable) || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			var later *retryAfterError
			if errors.As(err, &later) {
				return nil, nil, used, session.UnavailableFor(err, later.after)
			}
			return nil, nil, used, session.Unavailable(err)
		}
		return nil, nil, used, invalidToken(err)
	}
	p, err := principalOf(tok)
	if err != nil {
		return nil, nil, used, err
	}
	return p, tok, used, nil
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
// fits that key. It notes the key in used.
func (v *JWTVerifier) provideKey(ctx context.Context, sink jws.KeySink, sig *jws.Signature, used *usedKey) error {
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
	v.sigChecks.Add(1)
	*used = usedKey{kid: kid, alg: k.alg, raw: k.raw}
	sink.Key(alg, k.raw)
	return nil
}

// key returns the verification key kid. A kid of the set in hand is
// answered at once (starting a background fetch if the set is old); an
// unknown kid, or no set yet, waits for a fetch: the one running, or a new
// one if none started within refreshGap. A kid the set still lacks is
// unknown (401) if the last fetch worked, and errKeySetUnavailable (503)
// if it failed: the token could not be checked.
func (v *JWTVerifier) key(ctx context.Context, kid string) (verifyKey, error) {
	now := v.wallNow()
	s := v.set.Load()
	if s != nil {
		if k, ok := s.keys[kid]; ok {
			if age := now.Sub(s.fetched); age >= JWKSMaxAge || age < 0 {
				v.startRefresh(now)
			}
			return k, nil
		}
	}
	// A fetch given up while waited for has a new one in its place
	// (startRefresh): the token waits for that one.
	for f := v.startRefresh(now); f != nil; f = v.startRefresh(v.wallNow()) {
		select {
		case <-f.done:
		case <-ctx.Done():
			// The fetch runs on: a retry may find its set at once.
			return verifyKey{}, fmt.Errorf("%w: %v", errKeySetUnavailable, ctx.Err())
		}
		if s = v.set.Load(); f.err == errFetchGivenUp {
			continue
		}
		if s == nil {
			return verifyKey{}, v.retryLater(fmt.Errorf("%w: %v", errKeySetUnavailable, f.err))
		}
		break
	}
	// The set now, not the one read before: a fetch that ended since (the
	// one that replaced a given-up fetch, or one that ended after the read
	// at the top, startRefresh then starting none) may have brought it.
	s = v.set.Load()
	switch {
	case s == nil:
		return verifyKey{}, v.retryLater(fmt.Errorf("%w: the last fetch failed less than %s ago", errKeySetUnavailable, refreshGap))
	case len(s.keys) == 0:
		return verifyKey{}, v.retryLater(fmt.Errorf("%w: no usable key in the JWKS", errKeySetUnavailable))
	}
	if k, ok := s.keys[kid]; ok {
		return k, nil
	}
	if err := v.lastFetchErr(); err != nil {
		// The kid may be a key the provider added since the set in hand
		// was fetched: it could not be checked, which is no verdict on
		// the token (503, not 401). The error is not the kid's: a 503's
		// error is logged, and the kid is the client's unverified text
		// (a card number or a psk_ key, for all the header says).
		return verifyKey{}, v.retryLater(fmt.Errorf("%w: the token's kid is not in the key set in hand and the last fetch failed: %v", errKeySetUnavailable, err))
	}
	return verifyKey{}, fmt.Errorf("%w %q", errUnknownKid, kid)
}

// retryAfterError is a key set that could not be had, with how long until
// a retry can succeed; Verify answers it as session.UnavailableFor that
// wait (the 503's Retry-After).
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// retryLater is err, a key set that could not be had, with how long until
// the next fetch a request may start: refreshGap after the last one
// started. Until then no answer can change: every token of a kid the set in
// hand lacks is refused alike. A fetch running, or a wall clock stepped
// back to before the last one started (a fetch may start at once), is no
// wait.
func (v *JWTVerifier) retryLater(err error) error {
	now := v.wallNow()
	v.mu.Lock()
	defer v.mu.Unlock()
	var after time.Duration
	if since := now.Sub(v.lastAttempt); v.flight == nil && since >= 0 && since < refreshGap {
		after = refreshGap - since
	}
	return &retryAfterError{err: err, after: after}
}

// errUnknownKid is a kid the key set, fetched fine, does not hold (401).
var errUnknownKid = errors.New("unknown kid")

// lastFetchErr is the error of the last fetch that finished (nil if it
// worked, or if none has).
func (v *JWTVerifier) lastFetchErr() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.lastErr
}

// startRefresh returns the fetch running, or starts one unless one started
// within refreshGap (then nil). The fetch runs on its own goroutine and
// deadline, so a request giving up does not abort it for the others.
//
// A fetch still running refreshGap after it began by the wall clock is
// given up (errFetchGivenUp) and a new one started in its place. Its own
// deadline (jwksFetchTimeout) is on the monotonic clock, which a sandbox
// frozen between invocations need not advance: begun in one invocation on
// a connection that hangs, it could outlive many later ones, and every
// token of a kid the set in hand lacks would wait for it (503) however
// much time had passed.
func (v *JWTVerifier) startRefresh(now time.Time) *refresh {
	v.mu.Lock()
	defer v.mu.Unlock()
	if f := v.flight; f != nil {
		if now.Sub(f.began) < refreshGap { // a clock stepped back too
			return f
		}
		f.cancel()
		v.cfg.Logger.Warn("JWKS fetch failed", "jwks_url", v.loggedURL, "error", errFetchGivenUp.Error())
	} else if since := now.Sub(v.lastAttempt); since >= 0 && since < refreshGap {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), jwksFetchTimeout)
	f := &refresh{done: make(chan struct{}), began: now, cancel: cancel}
	v.flight, v.lastAttempt = f, now
	go v.fetch(ctx, f)
	return f
}

// errFetchGivenUp is the error of a fetch startRefresh gave up.
var errFetchGivenUp = fmt.Errorf("the fetch had not ended %s after it began by the wall clock: given up for a new one", refreshGap)

// fetch gets the JWKS and installs its usable keys as the new snapshot. A
// failed fetch keeps the snapshot in hand. A fetch given up meanwhile
// (startRefresh) changes nothing: another has taken its place.
func (v *JWTVerifier) fetch(ctx context.Context, f *refresh) {
	defer f.cancel()
	set, refused, err := v.get(ctx)
	var ks *keySet
	if err != nil {
		err = errors.New(shownText(err.Error()))
	} else {
		ks = &keySet{keys: v.usable(set, refused), fetched: v.wallNow()}
	}
	// Stored under the lock that gives a fetch up, so that one given up
	// stores nothing: its set never overwrites its replacement's.
	v.mu.Lock()
	current := v.flight == f
	switch {
	case !current:
		err = errFetchGivenUp
	case err == nil:
		v.set.Store(ks)
	}
	f.err = err
	if current {
		v.lastErr, v.flight = err, nil
	}
	v.mu.Unlock()
	switch {
	case !current:
	case err != nil:
		v.cfg.Logger.Warn("JWKS fetch failed", "jwks_url", v.loggedURL, "error", err.Error())
	case len(ks.keys) == 0:
		v.cfg.Logger.Error("JWKS has no usable key: every bearer token is refused with 503", "jwks_url", v.loggedURL, "keys", set.Len())
	}
	close(f.done)
}

// get fetches and parses the JWKS (parseJWKS).
func (v *JWTVerifier) get(ctx context.Context) (jwk.Set, []string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.JWKSURL, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := v.client.Do(req)
	if err != nil {
		// Go's client names the URL in its error, user name and query
		// included: the log line names it as loggedJWKSURL does, and
		// says why the request failed only in words that name no URL
		// (shownClientError).
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, nil, fmt.Errorf("%s %s: %w", ue.Op, v.loggedURL, shownClientError(ue.Err))
		}
		return nil, nil, shownClientError(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("JWKS answered %s", res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read JWKS: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return nil, nil, fmt.Errorf("JWKS larger than %d bytes", maxJWKSBytes)
	}
	return parseJWKS(body)
}

// parseJWKS parses a fetched JWKS document. An entry jwx cannot parse is
// kept as a placeholder (jwk.WithStrictKeySetParsing(false)) instead of
// failing the whole set; usable() skips it.
//
// Beside the set it returns, by the set's index, why the document's own
// text of an entry refuses it, "" where it does not (repeatedNameReason):
// jwx reads one occurrence of a repeated member name, the last, and keeps
// no other, so an entry {…,"p":"<a prime>","p":null} was a public key to
// it, used, while its document published a factor of the modulus to
// anyone. RFC 7517 §4: "The member names within a JWK MUST be unique; JWK
// parsers MUST either reject JWKs with duplicate member names or use a
// JSON parser that returns only the lexically last duplicate member
// name". The service rejects them. The document's entries are read as
// jwx reads them: every "keys" array of the document in turn, or the
// document itself when jwk.Parse reads it as one key. jwk.Parse decides
// that with its own quick reader (jwkbb.HeaderHas, fastjson), not
// encoding/json: a document nested deeper than fastjson's 300 levels
// has no "keys" to it, and the whole document, "keys" and all, is one
// key. If the entries still do not match the set one to one, every
// entry is refused.
//
// The document's keys are counted before jwx reads them, every "keys"
// array together, with encoding/json: jwx's limit (maxJWKSKeys) is on each
// array on its own, so a 1 MiB document of many arrays of {} was a set of
// some 348,000 keys (r91-jwks: 720 MB of resident memory to read it), and
// its quick reader alone (jwkbb.HeaderParse) takes some 170 MB for such a
// document. Before both, the document's JSON values and member names are
// counted (maxJWKSValues), which bounds the memory jwx's reader takes; and
// before that, a document encoding/json does not read whole is refused:
// jwx refuses it too (its set and its single key are read with
// encoding/json), but only after its quick reader (fastjson, which takes a
// raw control character in a string or a number with a leading zero) has
// read all of it, where the count stopped at that byte (r91-review: 176 MB
// for a 1 MiB document of one such byte and 350,000 empty objects).
func parseJWKS(body []byte) (jwk.Set, []string, error) {
	if !json.Valid(body) {
		return nil, nil, errors.New("JWKS is not JSON")
	}
	if !valuesWithin(body, maxJWKSValues) {
		return nil, nil, fmt.Errorf("JWKS has more than %d JSON values and member names", maxJWKSValues)
	}
	top, _ := memberValues(body)
	var listed []json.RawMessage
	for _, occurrence := range top["keys"] {
		list, ok := keysEntries(occurrence, maxJWKSKeys-len(listed))
		if !ok {
			return nil, nil, fmt.Errorf("JWKS has more than %d keys (its \"keys\" arrays together)", maxJWKSKeys)
		}
		listed = append(listed, list...)
	}
	set, err := jwk.Parse(body, jwk.WithStrictKeySetParsing(false))
	if err != nil {
		return nil, nil, err
	}
	entries := []json.RawMessage{body}
	if jwkbb.HeaderHas(jwkbb.HeaderParse(body), "keys") {
		entries = listed
	}
	refused := make([]string, set.Len())
	for i := range refused {
		if len(entries) != set.Len() {
			refused[i] = "the document's entries could not be matched one to one with the keys read from it"
			continue
		}
		refused[i] = repeatedNameReason(entries[i])
	}
	return set, refused, nil
}

// valuesWithin reports whether doc holds at most limit JSON values and
// member names (an object or an array is one, besides what it holds),
// read with encoding/json's streaming tokenizer, which keeps no more than
// its nesting. Counting stops at the first byte that is not JSON (parseJWKS
// reads only documents json.Valid takes, so it counts them whole).
func valuesWithin(doc []byte, limit int) bool {
	dec := json.NewDecoder(bytes.NewReader(doc))
	n := 0
	for {
		t, err := dec.Token()
		if err != nil {
			return true
		}
		if d, ok := t.(json.Delim); ok && (d == '}' || d == ']') {
			continue
		}
		if n++; n > limit {
			return false
		}
	}
}

// keysEntries is the entries of one "keys" array of a JWKS document, and
// false if it holds more than room. A value that is not an array of JSON
// values holds none here (jwx refuses it).
func keysEntries(array json.RawMessage, room int) ([]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(array))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return nil, true
	}
	var list []json.RawMessage
	for dec.More() {
		if len(list) == room {
			return nil, false
		}
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			return nil, true
		}
		list = append(list, raw)
	}
	return list, true
}

// repeatedNameReason is why an entry of a JWKS document, as written, is
// refused for a member name it gives more than once, or "": the
// reason for a private key if any occurrence of a private member holds
// something (membersSecretReason), else the first such name (in byte
// order) and RFC 7517 §4's rule.
func repeatedNameReason(entry json.RawMessage) string {
	members, err := memberValues(entry)
	if err != nil {
		return ""
	}
	var repeated []string
	for name, vs := range members {
		if len(vs) > 1 {
			repeated = append(repeated, name)
		}
	}
	if len(repeated) == 0 {
		return ""
	}
	if why := membersSecretReason(members); why != "" {
		return why
	}
	slices.Sort(repeated)
	return repeatedMemberReason(repeated[0])
}

// repeatedMemberReason is the reason an entry giving the member name more
// than once is skipped.
func repeatedMemberReason(name string) string {
	return fmt.Sprintf("the member %q given more than once (RFC 7517 §4: member names must be unique)", name)
}

// maxJWKSRedirects bounds the redirects one JWKS fetch follows.
const maxJWKSRedirects = 10

// errJWKSRedirect is why a JWKS fetch stopped following redirects.
type errJWKSRedirect string

func (e errJWKSRedirect) Error() string { return string(e) }

// checkJWKSRedirect is the JWKS fetch's redirect policy: at most
// maxJWKSRedirects, never from https to anything else (keys fetched over
// plain http could be swapped in transit), as jwx's own fetch client does,
// and to plain http only where JWKS_URL itself may point
// (config.PlainHTTPHost: a loopback development issuer must not send the
// fetch over the network unprotected). Its refusals name no URL: a redirect's target is built by the
// identity provider, often from the request URL itself, so it may carry
// JWKS_URL's user name or query (a key in ?code=), which never reach a log;
// jwx's refusal quoted the target whole.
func checkJWKSRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxJWKSRedirects { // via: the requests made, the first and the redirects followed
		return errJWKSRedirect(fmt.Sprintf("stopped after %d redirects", maxJWKSRedirects))
	}
	if via[len(via)-1].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return errJWKSRedirect("refused a redirect from https to a URL that is not https")
	}
	if req.URL.Scheme != "https" && !config.PlainHTTPHost(req.URL.Hostname()) {
		return errJWKSRedirect("refused a redirect to plain http on a host that is not loopback or " + config.DockerHost)
	}
	return nil
}

// shownClientError is err, the failure of a JWKS request inside Go's
// client, as a log line may show it: as it is when it is a kind whose text
// names no URL (a redirect refused by checkJWKSRedirect, a deadline, a
// network or TLS failure, plain http served where https was asked
// (http.ErrSchemeMismatch), a connection closed early), else by its type
// alone. Go's client quotes a redirect's Location whole when it cannot
// parse it ("failed to parse Location header ..."), user name and query
// included.
func shownClientError(err error) error {
	var (
		redirect errJWKSRedirect
		netErr   net.Error
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
		host     x509.HostnameError
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &redirect), errors.As(err, &netErr), errors.Is(err, http.ErrSchemeMismatch),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.As(err, &verify), errors.As(err, &record), errors.As(err, &alert),
		errors.As(err, &host), errors.As(err, &unknown), errors.As(err, &invalid):
		return err
	}
	return errors.New("the request failed (its text is not shown: it may quote a redirect's URL)")
}

// usable returns the keys of set the service can verify with, by kid,
// exported once per set so verification uses ready raw keys. refused
// holds, by index, why the document's text of an entry refuses it
// (parseJWKS); jwx's key is then not read. The others
// are logged once each, by kid, while the container can remember them
// (skip); those it cannot are named together on one line of this fetch.
func (v *JWTVerifier) usable(set jwk.Set, refused []string) map[string]verifyKey {
	keys := make(map[string]verifyKey, set.Len())
	var unlogged int // skipped keys the container could not remember
	var sampleKid, sampleWhy string
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		kid, _ := k.KeyID()
		var vk verifyKey
		why := refused[i]
		if why == "" {
			vk, why = usableKey(k)
		}
		if why == "" && kid == "" {
			why = "no kid: tokens name their key by kid"
		}
		if _, dup := keys[kid]; why == "" && dup {
			why = sameKidReason
		}
		if why != "" {
			if !v.skip(kid, why) {
				if unlogged == 0 {
					sampleKid, sampleWhy = kid, why
				}
				unlogged++
			}
			continue
		}
		keys[kid] = vk
	}
	if unlogged > 0 {
		v.cfg.Logger.Warn("JWKS keys skipped, not logged one by one: the container remembers no more skipped kids",
			"jwks_url", v.loggedURL, "keys", unlogged, "sample_kid", shownText(sampleKid), "sample_reason", shownText(sampleWhy))
	}
	return keys
}

// sameKidReason is the reason a usable entry is skipped when an entry
// before it in the set, with the same kid, is used: that kid's tokens
// verify with the first (README, Auth). RFC 7517 §4.5 asks that keys in a
// set have distinct kids; which of two its publisher meant cannot be known,
// and taking the first keeps a key already in use when a set gains a
// second entry of its kid.
const sameKidReason = "another usable key has the same kid"

// usableKey exports k if a token may be verified with it, else says why
// not.
func usableKey(k jwk.Key) (verifyKey, string) {
	if uk, ok := k.(jwk.UnsupportedKey); ok {
		if why := secretEntryReason(k); why != "" {
			return verifyKey{}, why
		}
		if pub, stripped, err := withoutEmptyPrivateMembers(k); stripped {
			if err != nil {
				return verifyKey{}, "unparseable: " + err.Error()
			}
			return usableKey(pub)
		}
		return verifyKey{}, "unparseable: " + uk.Reason().Error()
	}
	var raw any
	if err := jwk.Export(k, &raw); err != nil {
		if why := secretEntryReason(k); why != "" {
			return verifyKey{}, why
		}
		return verifyKey{}, "cannot export: " + err.Error()
	}
	if _, private := raw.(interface{ Public() crypto.PublicKey }); private {
		// Before anything else the entry says: a private key is the
		// identity provider's incident, and any other reason would hide
		// it. A private signing key's key_ops are ["sign"] (RFC 7517
		// §4.3), which the key_ops check would report; a private key's
		// Equal takes a private key, so x5cMismatch would call it another
		// key. Not crypto.Signer: an X25519 key (*ecdh.PrivateKey) signs
		// nothing, and was logged as a key that fits no alg.
		return verifyKey{}, privateKeyReason(raw)
	}
	if _, secret := raw.([]byte); secret {
		// An "oct" key: as much an incident as a private key, and
		// reported before the rest of its entry for the same reason.
		return verifyKey{}, secretKeyReason
	}
	if why := secretEntryReason(k); why != "" {
		// A public key whose entry publishes private members all the
		// same: an RSA entry without d but with p and q, or dp (which
		// factors n), is a private key anyone can rebuild and sign with.
		return verifyKey{}, why
	}
	if use, ok := k.KeyUsage(); ok && use != "sig" {
		return verifyKey{}, fmt.Sprintf("use is %q, not sig", use)
	}
	if ops, ok := k.KeyOps(); ok && !slices.Contains(ops, jwk.KeyOpVerify) {
		return verifyKey{}, "key_ops lacks verify"
	}
	if why := x5cMismatch(k, raw); why != "" {
		return verifyKey{}, why
	}
	if pub, ok := raw.(ed25519.PublicKey); ok && smallOrderEd25519(pub) {
		return verifyKey{}, "an Ed25519 key of small order: a signature anyone can make verifies under it"
	}
	if pub, ok := raw.(*rsa.PublicKey); ok && !rsaVerifiable(pub) {
		return verifyKey{}, "an RSA key crypto/rsa does not verify with (an even modulus, or an exponent over 2^31-1)"
	}
	var vk verifyKey
	vk.raw = raw
	if a, ok := k.Algorithm(); ok {
		fits, allowed := allowedAlgs[a.String()]
		if !allowed {
			return verifyKey{}, fmt.Sprintf("alg %s is not accepted", a.String())
		}
		if !fits(raw) {
			return verifyKey{}, fmt.Sprintf("does not fit its alg %s", a.String())
		}
		vk.alg, _ = jwa.LookupSignatureAlgorithm(a.String())
		return vk, ""
	}
	for _, fits := range allowedAlgs {
		if fits(raw) {
			return vk, ""
		}
	}
	return verifyKey{}, fmt.Sprintf("a %T fits none of RS256 (2048 bits or more), ES256, EdDSA", raw)
}

// secretKeyReason is the reason a published symmetric ("oct") key is
// skipped: a shared secret in a public set, which anyone who fetched the
// set could sign with had the service accepted HMAC.
const secretKeyReason = "a symmetric key: the identity provider published a shared secret"

// privateKeyReason is the reason a published private key is skipped,
// whatever kind (a signing key, an encryption key, X25519's for key
// agreement).
func privateKeyReason(raw any) string {
	return fmt.Sprintf("a private key (%T): the identity provider published its private half", raw)
}

// rsaPrivateMembers are the members of an RSA JWK that hold its private
// key's parts beside "d" (RFC 7518 §6.3.2), each enough, or nearly, to
// rebuild it. "d" is the private part of EC, RSA and OKP keys (RFC 7518
// §6.2.2 and §6.3.2, RFC 8037 §2).
var rsaPrivateMembers = []string{"p", "q", "dp", "dq", "qi", "oth"}

// secretEntryReason is why k is skipped when its entry holds a secret
// that the key jwx made of it does not show: a symmetric key (kty "oct")
// or a private key ("d", or rsaPrivateMembers), else "". Such an
// entry is the identity provider's incident however the rest of it reads,
// and its skip line says so, as for a private key that parses, instead
// of jwx's reason, which hid it (an RSA private key of n, e and d alone,
// which RFC 7518 §6.3.2 allows and jwx cannot export; an x5c that does
// not parse; a d of the wrong size). An RSA entry without d parses as a
// public key even when it publishes p and q, or dp, from which anyone
// rebuilds its private key: it was used, and verified what anyone signed.
// jwx keeps an entry's own JSON (an UnsupportedKey) or its members (a key
// it parsed), so its member names are read there.
//
// A name given twice is read in every occurrence (memberValues): jwx reads
// the last, so {"d":"…","d":null} was an entry jwx could not parse, logged
// as such, its private key unreported.
func secretEntryReason(k jwk.Key) string {
	b, err := json.Marshal(k)
	if err != nil {
		return ""
	}
	members, err := memberValues(b)
	if err != nil {
		return ""
	}
	return membersSecretReason(members)
}

// membersSecretReason is secretEntryReason of an entry read as members
// (memberValues), every occurrence of each name.
func membersSecretReason(members map[string][]json.RawMessage) string {
	var kty string
	rsa := false // any of the entry's kty members says RSA (jwx reads the last)
	for _, v := range members["kty"] {
		var s string
		if json.Unmarshal(v, &s) == nil && (kty == "" || s == "oct") {
			kty = s
		}
		rsa = rsa || s == "RSA"
	}
	if kty == "oct" {
		return secretKeyReason
	}
	names := []string{"d"}
	if rsa {
		names = append(names, rsaPrivateMembers...)
	}
	for _, m := range names {
		if slices.ContainsFunc(members[m], published) {
			return privateEntryReason(kty)
		}
	}
	return ""
}

// withoutEmptyPrivateMembers parses k, an entry jwx could not parse and
// that publishes no secret (secretEntryReason), again without its private
// members that hold nothing (published), and reports whether it had any.
// jwx reads a private key into any entry with a "d" member, whatever its
// value (its probe's "d" is a json.RawMessage, which holds the text
// null), and that key's own check then refuses an empty d ("missing "d"
// value"; for EC "invalid "d" length (0)"): an RSA, EC or OKP public key
// written with "d": null or "" (jose-jwt; Abblix before its pull request
// #263) was skipped as unparseable, and a set of such keys refused every
// token with 503. README: "a member written `null`, empty or `[]`, as some
// serializers write a public key's, publishes nothing". An entry that
// repeats a name is not parsed again (jwx reads the last occurrence; which
// one its publisher meant cannot be known).
func withoutEmptyPrivateMembers(k jwk.Key) (jwk.Key, bool, error) {
	b, err := json.Marshal(k)
	if err != nil {
		return nil, false, nil
	}
	members, err := jsonMembers(b)
	if err != nil {
		return nil, false, nil
	}
	stripped := false
	for _, m := range append([]string{"d"}, rsaPrivateMembers...) {
		if v, ok := members[m]; ok && !published(v) {
			delete(members, m)
			stripped = true
		}
	}
	if !stripped {
		return nil, false, nil
	}
	if b, err = json.Marshal(members); err != nil {
		return nil, false, nil
	}
	pub, err := jwk.ParseKey(b)
	return pub, true, err
}

// published reports whether a member's value v holds anything: a member
// absent, null, "" or [] holds no part of a key. Serializers that write
// every member of their key class write a public key's private members
// so (null: jose-jwt's JWK; [] for oth: Microsoft.IdentityModel 7's
// JsonWebKey), and such a key was refused as a published private key.
func published(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "", "null", `""`, "[]":
		return false
	}
	return true
}

// privateEntryReason is the reason an entry of key type kty that
// publishes private members ("d", rsaPrivateMembers) is skipped when jwx made no
// private key of it (secretEntryReason): no key of Go's to name its type
// by, a private key all the same.
func privateEntryReason(kty string) string {
	return fmt.Sprintf("a private key (kty %q, private members in its entry): the identity provider published its private half", kty)
}

// x5cMismatch says why k's x5c does not hold raw, k's own key, or "" when
// it does or k has no x5c. RFC 7517 §4.7: "The key in the first
// certificate MUST match the public key represented by other members of
// the JWK." An entry breaking that is two keys, and which one its
// publisher meant cannot be known. jwx parses each x5c certificate as
// X.509 (an entry with one that does not parse is unparseable) but does
// not compare the first one's key with the JWK's; only the key is checked
// here, not the chain, its dates or its names (a JWKS fetched over https
// is trusted as the provider's).
func x5cMismatch(k jwk.Key, raw any) string {
	chain, ok := k.X509CertChain()
	if !ok || chain.Len() == 0 {
		return ""
	}
	first, _ := chain.Get(0)
	c, err := cert.Parse(first)
	if err != nil {
		return "x5c's first certificate is unreadable: " + err.Error()
	}
	if pub, ok := raw.(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(c.PublicKey) {
		return "x5c's first certificate holds another key than the JWK's own (RFC 7517 §4.7)"
	}
	return ""
}

// rsaVerifiable reports whether crypto/rsa verifies signatures under pub
// (its public key check): an odd modulus and an odd exponent from 3 to
// 2^31-1. jwx takes an even modulus and an exponent past 2^31-1; kept, such
// a key refused every token with 401 as a bad signature.
func rsaVerifiable(pub *rsa.PublicKey) bool {
	return pub.N != nil && pub.N.Bit(0) == 1 && pub.E >= 3 && pub.E <= 1<<31-1 && pub.E%2 == 1
}

// smallOrderY are the y-coordinates, as 255-bit little-endian numbers, of
// the points of edwards25519 whose order divides the cofactor 8: 1 (the
// identity), p-1 (order 2), 0 (order 4), two values (order 8), and p and
// p+1, the only spellings of 0 and 1 at or past p (Go's decoder reduces y
// mod p). A point is its y and a sign bit, so these seven, either sign
// bit, are every encoding Go's ed25519.Verify decodes to a small-order
// point (libsodium's blocklist).
var smallOrderY = [7][32]byte{
	{0x01},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	{0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
}

// smallOrderEd25519 reports whether pub decodes to a point of small order.
// RFC 8032's verification, which Go's ed25519.Verify follows, does not
// refuse such a key, and under it a signature made without any private key
// verifies (for the identity, (R = identity, S = 0) verifies every message;
// for the others, about one try in 8 or fewer does): a JWKS publishing one
// (a zeroed buffer is the order-4 point) would let anyone mint tokens.
func smallOrderEd25519(pub ed25519.PublicKey) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	var y [32]byte
	copy(y[:], pub)
	y[31] &= 0x7f // the sign bit of x
	return slices.Contains(smallOrderY[:], y)
}

// skip logs an unusable key, once per kid and reason (up to
// maxSkippedLogged of them a container, remembered by digest:
// SkippedKidsMaxBytes), and reports
// whether it is logged or was before. One the container cannot remember
// is not logged here: usable names those of a fetch together, on one line
// (a line each, past the first 1,000, was up to ~1,000 lines of ~1 KiB on
// every fetch).
//
// The reason is part of what is remembered: a kid once skipped for a
// harmless reason (a second entry under a kid already used) that a later
// set publishes a private key under is the identity provider's incident,
// and was never logged while the kid alone was remembered.
func (v *JWTVerifier) skip(kid, why string) bool {
	h := sha256.New()
	h.Write([]byte(kid))
	h.Write([]byte{0})
	h.Write([]byte(why))
	var d [sha256.Size]byte
	h.Sum(d[:0])
	v.mu.Lock()
	_, seen := v.skipped[d]
	remembered := !seen && len(v.skipped) < maxSkippedLogged
	if remembered {
		v.skipped[d] = struct{}{}
	}
	v.mu.Unlock()
	if remembered {
		v.cfg.Logger.Warn("JWKS key skipped", "jwks_url", v.loggedURL, "kid", shownText(kid), "reason", shownText(why))
	}
	return seen || remembered
}

// shownText is s, text the identity provider chose, cut to maxShownText
// bytes (at a character's start) with the length it had: the reason
// phrase of a JWKS answer's status line (Go's client reads one of up to
// 10 MB), a parse error quoting a member of the document, a kid. A failed
// fetch's text is logged on its WARN line and again in the error of every
// request refused with 503 because of it, for as long as fetches fail; a
// 100 KB reason phrase made each of those lines 100 KB.
//
// Text that holds a card number, an API key (psk_, in any case) or what
// may be a JWT (eyJ) is [redacted] whole: README's "a token, key, secret
// or card number never reaches a log" holds for the identity provider's
// text too (r81-readme2: a kid of 4111111111111111 was logged as it was).
func shownText(s string) string {
	shown, cut := s, len(s)
	if len(s) > maxShownText {
		cut = maxShownText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		shown = s[:cut]
	}
	// What is shown is judged, and with it the text just past the cut: a
	// card number crossing the cut left its first digits in the line
	// (1,009 bytes, then 4111111111111111, logged 15 of its 16 digits, the
	// last one Luhn's check digit: r93-logs), and they must not reach a
	// log, as a panic's value's never do. Not the whole: it may be 10 MB
	// (a reason phrase), some seconds for the card rule; maxJudgedPastCut
	// holds any card number that starts before the cut.
	judged := shown
	if cut < len(s) {
		end := min(len(s), cut+maxJudgedPastCut)
		for end > cut && end < len(s) && !utf8.RuneStart(s[end]) {
			end--
		}
		judged = s[:end]
	}
	if holdsSecretText(shown) || holdsSecretText(judged) || (len(judged) < len(s) && !endsEveryRun(s[cut:len(judged)])) {
		return "[redacted]"
	}
	if cut == len(s) {
		return s
	}
	return fmt.Sprintf("%s... [truncated: %d bytes]", shown, len(s))
}

// endsEveryRun reports whether s holds a character that ends a run of the
// card rule however the rule reads s (as written, JSON- or URL-decoded,
// normalised): '*', ':' or an ASCII letter that is no hex digit and no
// JSON escape's letter (\u, \n, \r, \t, \f, \b). The rule reads a run
// across any number of marks read as not there and invisible separators
// (U+0301, U+200B, %E2%80%8B, \u200b), so a card number crossing the cut
// can end past the judged window (r93-review2: 15 of 16 digits shown, the
// last one 5 KiB on); without such a character in the window past the
// cut, the text is [redacted].
func endsEveryRun(s string) bool {
	return strings.ContainsAny(s, "*:ghijklmopqsvwxyzGHIJKLMOPQSVWXYZ")
}

// holdsSecretText reports whether s holds a card number, an API key (psk_,
// in any case) or what may be a JWT (eyJ): what shownText never shows. The
// key and the JWT are searched in every reading the card rule takes of a
// text (session.AnyReading: in NFKC, URL-decoded, JSON escapes undone): a
// kid of ｐｓｋ＿... or %70sk_... was logged as sent until r110-logs.
func holdsSecretText(s string) bool {
	return session.HoldsCardNumber(s) || session.AnyReading(s, func(t string) bool {
		return strings.Contains(strings.ToLower(t), "psk_") || strings.Contains(t, "eyJ")
	})
}

// checkForm refuses what jwx would let through but the service does not
// accept, so that a token has one meaning and its bytes one spelling (an
// ES256 signature's bytes keep ECDSA's second valid spelling, (r, n−s),
// which whoever holds the token can make: README, Auth):
//   - anything but three segments of canonical unpadded base64url (RFC 7515
//     §2: no '=' padding, no line breaks or other characters; RFC 4648 §3.5:
//     the pad bits are zero). jwx decodes leniently, so "...sig==" or a
//     signature with its pad bits set verified as the canonical token;
//   - a "crit" header (RFC 7515 §4.1.11: a recipient must refuse an
//     extension it does not understand, and the service understands none);
//   - a header with white space before or after its JSON object: jwx
//     verifies the signature over the header trimmed of it (encoding/json
//     passes a value to its UnmarshalJSON without the white space around
//     it), so a token's header re-encoded with " " or "\n" around it
//     verified under the original signature, a new spelling of any token
//     for anyone holding it (RFC 7515 §5.2: the signing input is the
//     header segment as received). The claims are verified as received;
//   - a header or claims set that is not one JSON object, or repeats a name
//     at any depth (RFC 7515 §4, RFC 7519 §4: refuse, or take the last,
//     which made {"merchant_id":"m-1",...,"merchant_id":"m-2"} mean m-2);
//   - a header or claims set outside the JSON profile of a request body
//     (session.CheckJSON): U+0000, a lone surrogate escape (which jwx reads
//     as U+FFFD and another reader may refuse), a number beyond float64's
//     range or written with more than session.MaxNumberLength characters,
//     nesting deeper than session.MaxJSONDepth;
//   - a sub or jti that is not a JSON string (RFC 7519 §4.1.2, §4.1.7; jwx
//     reads null as no claim);
//   - claims that are not UTF-8, and exp, nbf or iat that are not JSON
//     numbers (RFC 7519 §2 NumericDate; jwx also reads numeric and RFC 3339
//     strings) or are negative, -0 included (jwx reads them as dates before
//     1970).
func checkForm(token string) error {
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return errors.New("not three segments")
	}
	header, err := canonicalSegment(h)
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	claims, err := canonicalSegment(p)
	if err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	if _, err := canonicalSegment(s); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	if err := session.CheckJSON(header); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if err := session.CheckJSON(claims); err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	hm, err := jsonMembers(header)
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if header[0] != '{' || header[len(header)-1] != '}' {
		// jwx checks the signature over the header as encoding/json hands
		// it to its decoder, without the white space around the object:
		// " {...}" re-encoded verified under the signature of "{...}".
		return errors.New("header has white space around its JSON object")
	}
	if _, ok := hm["crit"]; ok {
		return errors.New(`header has "crit": no extension is understood`)
	}
	if !utf8.Valid(claims) {
		return errors.New("claims are not UTF-8")
	}
	cm, err := jsonMembers(claims)
	if err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	for _, name := range []string{jwt.SubjectKey, jwt.JwtIDKey} {
		// jwx reads a number or an object here as an error, but null as no
		// claim: {"sub":null} and {} were one token's two spellings.
		if raw, ok := cm[name]; ok && raw[0] != '"' {
			return fmt.Errorf("claim %s is not a string", name)
		}
	}
	for _, name := range []string{jwt.ExpirationKey, jwt.NotBeforeKey, jwt.IssuedAtKey} {
		raw, ok := cm[name]
		if !ok {
			continue
		}
		if !isJSONNumber(raw) {
			return fmt.Errorf("claim %s is not a number", name)
		}
		if raw[0] == '-' {
			// jwx (v3.4) reads a negative NumericDate as a date before
			// 1970; a token dated so is not one an issuer of ours writes.
			return fmt.Errorf("claim %s is negative", name)
		}
	}
	return nil
}

// canonicalSegment decodes seg, which must be canonical unpadded base64url:
// the one spelling that encodes its bytes.
func canonicalSegment(seg string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != seg {
		return nil, errors.New("not canonical unpadded base64url")
	}
	return b, nil
}

// jsonMembers reads b as exactly one JSON object and returns its members,
// refusing a repeated name.
func jsonMembers(b []byte) (map[string]json.RawMessage, error) {
	all, err := memberValues(b)
	if err != nil {
		return nil, err
	}
	m := make(map[string]json.RawMessage, len(all))
	for _, name := range slices.Sorted(maps.Keys(all)) {
		if len(all[name]) > 1 {
			return nil, fmt.Errorf("name %q repeated", name)
		}
		m[name] = all[name][0]
	}
	return m, nil
}

// memberValues reads b as exactly one JSON object, nothing after it, and
// returns its members' values by name, every occurrence of a name in order.
func memberValues(b []byte) (map[string][]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	m := map[string][]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errors.New("malformed JSON")
		}
		name, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errors.New("malformed JSON")
		}
		m[name] = append(m[name], raw)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, errors.New("malformed JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// isJSONNumber reports whether raw (valid JSON) is a number.
func isJSONNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

// principalOf reads the claims the service uses: sub, scope (space
// separated) or scp (array or string), merchant_id.
func principalOf(tok jwt.Token) (*Principal, error) {
	p := &Principal{Method: MethodJWT}
	p.Subject, _ = tok.Subject()
	scopes, err := scopesOf(tok)
	if err != nil {
		return nil, invalidToken(err)
	}
	p.Scopes = scopes
	if tok.Has("merchant_id") {
		var m string
		if err := tok.Get("merchant_id", &m); err != nil || !validMerchantID(m) {
			return nil, invalidToken(errors.New("merchant_id claim is not a valid merchant id"))
		}
		p.MerchantID = m
	}
	return p, nil
}

// scopesOf reads a token's scopes, with one reading only: scope must be a
// string (RFC 8693 §4.2: space-separated), scp a string or an array of
// strings, and when both are present they must name the same scopes. A
// malformed scope used to be skipped and scp read in its place, so a
// reader that took scope as an array saw other scopes than the service.
// Every scope is an RFC 6749 §3.3 scope-token, and a string is split at
// U+0020 only (scopeList).
func scopesOf(tok jwt.Token) ([]string, error) {
	var scopes []string
	var err error
	hasScope := tok.Has("scope")
	if hasScope {
		var v any
		if err := tok.Get("scope", &v); err != nil {
			return nil, errors.New("scope claim unreadable")
		}
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("scope claim is not a string")
		}
		if scopes, err = scopeList(s); err != nil {
			return nil, fmt.Errorf("scope claim: %w", err)
		}
	}
	if !tok.Has("scp") {
		return scopes, nil
	}
	var v any
	if err := tok.Get("scp", &v); err != nil {
		return nil, errors.New("scp claim unreadable")
	}
	var scp []string
	switch s := v.(type) {
	case string:
		if scp, err = scopeList(s); err != nil {
			return nil, fmt.Errorf("scp claim: %w", err)
		}
	case []string:
		// A parsed token's array is []any (below); a token built in code
		// (jwt.New, Set) keeps the []string it was given.
		for _, str := range s {
			if !validScopeToken(str) {
				return nil, errors.New("scp claim holds an element that is not one scope")
			}
		}
		scp = s
	case []any:
		for _, e := range s {
			str, ok := e.(string)
			if !ok {
				return nil, errors.New("scp claim holds a non-string")
			}
			if !validScopeToken(str) {
				return nil, errors.New("scp claim holds an element that is not one scope")
			}
			scp = append(scp, str)
		}
	default:
		return nil, errors.New("scp claim is neither a string nor an array of strings")
	}
	if !hasScope {
		return scp, nil
	}
	a, b := slices.Clone(scopes), slices.Clone(scp)
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(slices.Compact(a), slices.Compact(b)) {
		return nil, errors.New("scope and scp claims name different scopes")
	}
	return scopes, nil
}

// scopeList splits a space-delimited scope string (RFC 6749 §3.3: "scope =
// scope-token *( SP scope-token )") at U+0020 only, passing over runs of
// spaces, and refuses the string if any part is not a scope-token. Split
// at every Unicode space (strings.Fields), "x\tsessions:process" or
// "x<NBSP>sessions:process", one malformed scope to any other reader,
// granted sessions:process.
func scopeList(s string) ([]string, error) {
	var scopes []string
	for sc := range strings.SplitSeq(s, " ") {
		if sc == "" {
			continue
		}
		if !validScopeToken(sc) {
			return nil, errors.New("holds a character no scope may hold (RFC 6749 §3.3)")
		}
		scopes = append(scopes, sc)
	}
	return scopes, nil
}

// validScopeToken reports whether s is an RFC 6749 §3.3 scope-token:
// "scope-token = 1*( %x21 / %x23-5B / %x5D-7E )", printable ASCII but for
// the space, '"' and '\\'.
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
