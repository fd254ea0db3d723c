// Package devtoken issues JWTs signed by a key it makes itself and serves
// that key as a JWKS. The local server uses it when no JWKS_URL is set, so a
// developer can mint a token for any merchant and scopes; tests use it as
// their identity provider. Nothing in a deployed function imports it.
package devtoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// Issuer signs tokens with one key.
type Issuer struct {
	Issuer   string
	Audience string
	Alg      jwa.SignatureAlgorithm
	KeyID    string

	private crypto.Signer
	jwks    []byte
}

// New makes an issuer with a fresh key for alg: RS256, ES256 or EdDSA.
func New(issuer, audience string, alg jwa.SignatureAlgorithm) (*Issuer, error) {
	var priv crypto.Signer
	var err error
	switch alg.String() {
	case jwa.RS256().String():
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jwa.ES256().String():
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jwa.EdDSA().String():
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("devtoken: unsupported algorithm %s", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("devtoken: generate key: %w", err)
	}
	i := &Issuer{Issuer: issuer, Audience: audience, Alg: alg, KeyID: uuid.NewString(), private: priv}
	pub, err := jwk.Import(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("devtoken: %w", err)
	}
	_ = pub.Set(jwk.KeyIDKey, i.KeyID)
	_ = pub.Set(jwk.AlgorithmKey, alg)
	_ = pub.Set(jwk.KeyUsageKey, "sig")
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	if i.jwks, err = json.Marshal(set); err != nil {
		return nil, fmt.Errorf("devtoken: %w", err)
	}
	return i, nil
}

// JWKS returns the public key set document.
func (i *Issuer) JWKS() []byte { return i.jwks }

// PublicKey returns the public key (tests use it to forge HMAC tokens).
func (i *Issuer) PublicKey() crypto.PublicKey { return i.private.Public() }

// ServeHTTP serves the JWKS, with Cache-Control: no-store: the key is made
// when the issuer is, so a copy kept across a restart of the local server
// would name a key that no longer signs.
func (i *Issuer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(i.jwks)
}

// Claims are what a minted token says.
type Claims struct {
	Subject    string
	MerchantID string   // omitted when empty
	Scopes     []string // as a space-separated scope claim
	TTL        time.Duration
	// Overrides for tests of bad tokens; zero values mean the defaults.
	Issuer    string
	Audience  string
	IssuedAt  time.Time
	NotBefore time.Time
	Expires   time.Time
	Extra     map[string]any
}

// Mint signs a token with c's claims. Defaults: subject "dev", TTL 1 hour
// from now, the issuer's issuer and audience.
func (i *Issuer) Mint(c Claims) (string, error) {
	now := time.Now()
	if c.IssuedAt.IsZero() {
		c.IssuedAt = now
	}
	if c.TTL == 0 {
		c.TTL = time.Hour
	}
	if c.Expires.IsZero() {
		c.Expires = c.IssuedAt.Add(c.TTL)
	}
	if c.Subject == "" {
		c.Subject = "dev"
	}
	if c.Issuer == "" {
		c.Issuer = i.Issuer
	}
	if c.Audience == "" {
		c.Audience = i.Audience
	}
	b := jwt.NewBuilder().
		Issuer(c.Issuer).Audience([]string{c.Audience}).Subject(c.Subject).
		IssuedAt(c.IssuedAt).Expiration(c.Expires).JwtID(uuid.NewString())
	if !c.NotBefore.IsZero() {
		b = b.NotBefore(c.NotBefore)
	}
	if c.MerchantID != "" {
		b = b.Claim("merchant_id", c.MerchantID)
	}
	if len(c.Scopes) > 0 {
		b = b.Claim("scope", strings.Join(c.Scopes, " "))
	}
	for k, v := range c.Extra {
		b = b.Claim(k, v)
	}
	tok, err := b.Build()
	if err != nil {
		return "", fmt.Errorf("devtoken: %w", err)
	}
	key, err := jwk.Import(i.private)
	if err != nil {
		return "", fmt.Errorf("devtoken: %w", err)
	}
	_ = key.Set(jwk.KeyIDKey, i.KeyID)
	signed, err := jwt.Sign(tok, jwt.WithKey(i.Alg, key))
	if err != nil {
		return "", fmt.Errorf("devtoken: sign: %w", err)
	}
	return string(signed), nil
}

// SignJWS signs payload as it is, with the issuer's key, under a protected
// header holding alg, kid and the entries of header (which win): tests use
// it to make tokens a builder would not (a crit header, a claim of the
// wrong type, duplicate names).
func (i *Issuer) SignJWS(header map[string]any, payload []byte) (string, error) {
	h := jws.NewHeaders()
	_ = h.Set(jws.KeyIDKey, i.KeyID)
	for k, v := range header {
		if err := h.Set(k, v); err != nil {
			return "", fmt.Errorf("devtoken: header %s: %w", k, err)
		}
	}
	key, err := jwk.Import(i.private)
	if err != nil {
		return "", fmt.Errorf("devtoken: %w", err)
	}
	signed, err := jws.Sign(payload, jws.WithKey(i.Alg, key, jws.WithProtectedHeaders(h)))
	if err != nil {
		return "", fmt.Errorf("devtoken: sign: %w", err)
	}
	return string(signed), nil
}

// MustMint is Mint for tests and examples; it panics on error.
func (i *Issuer) MustMint(c Claims) string {
	s, err := i.Mint(c)
	if err != nil {
		panic(err)
	}
	return s
}
