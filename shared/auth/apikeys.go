package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// API keys look like psk_<keyId>_<secret>: a 16-hex-digit id and a
// 64-hex-digit (256-bit) secret. Only the SHA-256 digest of the secret is
// stored; the key is shown once, when it is made.
const (
	apiKeyPrefix    = "psk_"
	apiKeyIDLen     = 16
	apiKeySecretLen = 64
)

// APIKeyScopes are the scopes an API key may carry. Each is one the store
// reads back (store.APIKeyScopesWritten: a record holding any other is
// foreign, 500), so a new scope is added there first, in a release of its
// own (TestEveryScopeAKeyIsMadeWithIsReadBack).
var APIKeyScopes = []string{ScopeSessionsRead, ScopeSessionsWrite}

// MaxAPIKeyLifetime is the furthest ahead a key's expiresAt may be: 365
// days from its creation.
const MaxAPIKeyLifetime = store.MaxAPIKeyLifetime

// rfc3339DateTime is RFC 3339 §5.6's date-time: two-digit fields, an
// optional "." fraction, and "Z" or an offset whose hour is 00-23 and
// minute 00-59; "T" and "Z" may be lower case (its note to §5.6). The
// ranges of the date and time fields are left to time.Parse. It is
// compiled on first use, not at every API function's cold start: only
// POST /api-keys reads it.
var rfc3339DateTime = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)
})

// ParseAPIKeyExpiry reads the expiresAt of a new key made at now: an RFC
// 3339 date-time with a time zone (Z or an offset), after now and at most
// MaxAPIKeyLifetime later. It is returned in UTC at the precision the
// service keeps times (100 ns). Anything else is EINVALID naming expiresAt.
// The text must match RFC 3339's grammar: time.Parse alone also reads a
// one-digit hour, a decimal comma and offsets such as +24:00 or -00:60,
// which would give a key an expiry its creator did not write. A leap
// second (:60) is refused, as time.Parse refuses it.
func ParseAPIKeyExpiry(s string, now time.Time) (time.Time, error) {
	var t time.Time
	err := errNotRFC3339
	m := rfc3339DateTime().FindStringSubmatch(s)
	if m != nil {
		t, err = time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	}
	if err != nil {
		return time.Time{}, session.Invalid("expiresAt", "expiresAt must be an RFC 3339 date-time with a time zone, e.g. 2026-12-31T23:59:59Z.")
	}
	// The limit is judged on the instant written, before it is cut to the
	// service's precision: 365 days and 1 ns ahead is beyond it, though it
	// would be stored as exactly 365 days. time.Parse drops the digits of a
	// fraction past the nanosecond, so a non-zero one among them puts the
	// instant past the nanosecond parsed.
	limit := now.Add(MaxAPIKeyLifetime)
	if t.After(limit) || t.Equal(limit) && strings.Trim(fractionPastNanoseconds(m[1]), "0") != "" {
		return time.Time{}, session.Invalid("expiresAt", "expiresAt may be at most 365 days ahead.")
	}
	t = session.Normalize(t)
	if !t.After(now) {
		return time.Time{}, session.Invalid("expiresAt", "expiresAt must be in the future.")
	}
	return t, nil
}

// fractionPastNanoseconds is the digits of a date-time's fraction (".5",
// or "" for none) that come after its ninth, which time.Parse drops.
func fractionPastNanoseconds(fraction string) string {
	if len(fraction) <= 1+9 {
		return ""
	}
	return fraction[1+9:]
}

// errNotRFC3339 is ParseAPIKeyExpiry's reason for text that does not match
// RFC 3339's grammar.
var errNotRFC3339 = errors.New("not an RFC 3339 date-time")

// NewAPIKey makes a key: its id, the full key to show once, and the digest
// to store.
func NewAPIKey() (id, key string, secretHash []byte) {
	return newAPIKey(func(b []byte) { _, _ = rand.Read(b) })
}

// newAPIKey makes a key from the random bytes fill writes. A key that
// holds a card number anywhere (session.HoldsCardNumber) is drawn again:
// random hex holds a Luhn-valid run of 13 to 19 digits with a network's
// prefix between its letters in about one key in 550 (one key id in
// 7,000), and the id is stored, answered and logged, the key shown and
// sent on every request, where "no value anywhere may look like a full
// card number" (docs/design.md §3).
func newAPIKey(fill func([]byte)) (id, key string, secretHash []byte) {
	var b [8 + 32]byte
	for {
		fill(b[:])
		id = hex.EncodeToString(b[:8])
		secret := hex.EncodeToString(b[8:])
		key = apiKeyPrefix + id + "_" + secret
		if !session.HoldsCardNumber(key) {
			sum := sha256.Sum256([]byte(secret))
			return id, key, sum[:]
		}
	}
}

// parseAPIKey splits a key into id and secret, refusing anything that is
// not exactly of our form.
func parseAPIKey(key string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(key, apiKeyPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != apiKeyIDLen || len(secret) != apiKeySecretLen || !isLowerHex(id) || !isLowerHex(secret) {
		return "", "", false
	}
	return id, secret, true
}

// ValidAPIKeyID reports whether id has the form of a key id.
func ValidAPIKeyID(id string) bool { return len(id) == apiKeyIDLen && isLowerHex(id) }

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// APIKeyCacheTTL is how long a key looked up in the table is trusted
// without looking again: a revoked key stops working within this time.
const APIKeyCacheTTL = 30 * time.Second

// maxCachedKeys bounds the cache (measured: 1.7 MB full of unknown ids,
// 3.9 MB full of real keys); beyond it, the least recently used entry goes.
const maxCachedKeys = 10_000

// APIKeyStore is the authenticator's view of the store: it reads stored
// keys, with the meaning store.Store.APIKey documents (a revoked or unknown
// key is ENOTFOUND; an expired one is returned as it is). The service runs
// on *store.Store; tests use storetest.Memory, or a *store.Store whose
// DynamoDB is a fake.
type APIKeyStore interface {
	APIKey(ctx context.Context, id string) (*store.APIKey, error)
}

// APIKeyVerifier checks X-Api-Key values against the stored keys, comparing
// digests in constant time. Lookups (found or not) are cached for
// APIKeyCacheTTL per container, so a hot key costs no table read and a flood
// of made-up ids costs one read per id per TTL. The cache is bounded and
// evicts the least recently used entry, so a flood of made-up ids cannot
// push out the keys in use. Ages are measured on the wall clock, not the
// monotonic one: a Lambda sandbox frozen between invocations need not
// advance its monotonic clock, and the TTL must still bite after a thaw.
type APIKeyVerifier struct {
	store   APIKeyStore
	now     func() time.Time
	cache   *lru.Cache[string, cachedKey]
	forgets atomic.Uint64 // Forget calls: a lookup that raced one keeps nothing
}

type cachedKey struct {
	key     *store.APIKey // nil: no such key
	fetched time.Time     // wall clock (no monotonic reading)
}

// NewAPIKeyVerifier returns a verifier reading keys from st.
func NewAPIKeyVerifier(st APIKeyStore, now func() time.Time) *APIKeyVerifier {
	if now == nil {
		now = time.Now
	}
	cache, err := lru.New[string, cachedKey](maxCachedKeys)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &APIKeyVerifier{store: st, now: now, cache: cache}
}

// wallNow is the verifier's clock without its monotonic reading, so that
// differences between two readings are wall-clock differences.
func (v *APIKeyVerifier) wallNow() time.Time { return v.now().Round(0) }

// VerifyAPIKey returns the principal of a valid key; EUNAUTHORIZED for a
// malformed, unknown, revoked or expired one, and for any key whose secret
// does not match, even one whose record the store cannot take as a key
// (EINTERNAL only to the holder of its secret: store.UndecodedAPIKeyError,
// and to nobody once the key is revoked or expired: store.APIKey).
func (v *APIKeyVerifier) VerifyAPIKey(ctx context.Context, key string) (*Principal, error) {
	id, secret, ok := parseAPIKey(key)
	if !ok {
		return nil, unauthenticated("The API key is invalid.")
	}
	k, err := v.lookup(ctx, id)
	sum := sha256.Sum256([]byte(secret))
	if err != nil {
		// A record the store cannot take as a key is 500 only to a caller
		// that proves its secret: any other learns nothing of it (401, as
		// for an unknown key).
		var undecoded *store.UndecodedAPIKeyError
		if errors.As(err, &undecoded) && subtle.ConstantTimeCompare(sum[:], undecoded.SecretHash) != 1 {
			return nil, unauthenticated("The API key is invalid.")
		}
		return nil, err
	}
	if k == nil || subtle.ConstantTimeCompare(sum[:], k.SecretHash) != 1 {
		return nil, unauthenticated("The API key is invalid.")
	}
	// Expiry is judged on every use, cached or not, and before the rest
	// of the record: an expired key grants nothing, whatever its record
	// holds (store.APIKey judges a damaged one so too).
	if k.ExpiresAt != nil && !v.wallNow().Before(*k.ExpiresAt) {
		return nil, unauthenticated("The API key has expired.")
	}
	if !validMerchantID(k.MerchantID) {
		// The service stores only a token's merchant id, checked so: this
		// record is an item it did not write, which can hold anything (a
		// card number, a credential, a line break) that the request's log
		// line would show as the caller's merchant. Refused as an item the
		// store cannot decode, named by the attribute and its length only.
		return nil, session.Internal(fmt.Errorf("decode API key: its merchantId (%d bytes) is not a merchant id", len(k.MerchantID)))
	}
	// The cached key's scopes stay its own: the caller gets a copy.
	return &Principal{Subject: "apikey:" + k.ID, MerchantID: k.MerchantID, Scopes: slices.Clone(k.Scopes), Method: MethodAPIKey, KeyID: k.ID}, nil
}

func (v *APIKeyVerifier) lookup(ctx context.Context, id string) (*store.APIKey, error) {
	now := v.wallNow()
	// An entry is fresh for APIKeyCacheTTL; one fetched "in the future"
	// (the wall clock stepped back) is not trusted either.
	if c, ok := v.cache.Get(id); ok {
		if age := now.Sub(c.fetched); age >= 0 && age < APIKeyCacheTTL {
			return c.key, nil
		}
	}
	forgets := v.forgets.Load()
	k, err := v.store.APIKey(ctx, id)
	if err != nil && session.ErrorCode(err) != session.ENOTFOUND {
		return nil, err
	}
	v.cache.Add(id, cachedKey{key: k, fetched: now})
	if v.forgets.Load() != forgets {
		// A key was revoked here while the table was read: what the read
		// saw may predate the revocation, so it is not kept. (Forget
		// counts before it removes, so one of the two removals sees the
		// entry.)
		v.cache.Remove(id)
	}
	return k, nil
}

// Forget drops a key from this container's cache (after revoking it here),
// and from any lookup of it still reading the table.
func (v *APIKeyVerifier) Forget(id string) {
	v.forgets.Add(1)
	v.cache.Remove(id)
}
