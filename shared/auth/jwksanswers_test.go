package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestJWKSFailureTextIsBounded: the text of a failed JWKS fetch is the
// identity provider's (its status line's reason phrase, or a parse error
// quoting a member of its document), and it is logged on the fetch's WARN
// line and again in the error of every request that is 503 because of it
// (the ERROR line of each token whose kid the set in hand lacks, for as
// long as fetches fail). A reason phrase of 100 KB, or a key type of
// 100 KB in a one-key document, made every such line 100 KB (Go's client
// reads a status line of up to 10 MB); so did a skipped key's reason or kid
// on its WARN line. The text is cut to 1 KiB, as a panic's value is.
func TestJWKSFailureTextIsBounded(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	long := strings.Repeat("q", 100<<10)
	for _, c := range []struct {
		name   string
		answer func(w http.ResponseWriter)
	}{
		{"a long reason phrase", func(w http.ResponseWriter) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 500 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", long)
			_ = buf.Flush()
		}},
		// A reason phrase of bytes that start no character: the cut backs
		// off to the last character's start ("500 "); cut at 1 KiB, the
		// line showed 1 KiB of bytes that are not UTF-8, each written
		// \ufffd in the JSON line, six bytes (mutant: no backing off).
		{"a long reason phrase of continuation bytes", func(w http.ResponseWriter) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 500 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", strings.Repeat("\x80", 100<<10))
			_ = buf.Flush()
		}},
		{"a long key type in a one-key document", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"kty":%q}`, long)
		}},
		{"a long key type in a set", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"keys":[{"kty":%q,"kid":"k"}]}`, long)
		}},
		{"a long kid of a key skipped", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"keys":[{"kty":"foo","kid":%q}]}`, long)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			good := true
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				g := good
				mu.Unlock()
				if g {
					_, _ = w.Write(iss.JWKS())
					return
				}
				c.answer(w)
			}))
			defer srv.Close()
			logs := &syncBuffer{}
			clock := &testClock{now: time.Now()}
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: issuer, Audience: audience, Now: clock.Now,
				Logger: slog.New(slog.NewJSONHandler(logs, nil))})
			ctx := context.Background()
			if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{})); err != nil {
				t.Fatalf("Verify() with the good set = %v", err)
			}
			mu.Lock()
			good = false
			mu.Unlock()
			clock.Advance(11 * time.Second) // past the refresh gap: an unknown kid fetches again
			_, err := v.Verify(ctx, newIssuer(t, jwa.ES256()).MustMint(devtoken.Claims{}))
			if got := session.ErrorCode(err); got != session.EUNAVAILABLE && got != session.EUNAUTHORIZED {
				t.Fatalf("Verify(unknown kid) code = %v; want %v or %v", got, session.EUNAVAILABLE, session.EUNAUTHORIZED)
			}
			// The next unknown kid, with no fetch: its error quotes the
			// last fetch's failure.
			_, err = v.Verify(ctx, newIssuer(t, jwa.ES256()).MustMint(devtoken.Claims{}))
			const most = 4 << 10
			if n := len(err.Error()); n > most {
				t.Errorf("error of a token refused after the failed fetch: got %d bytes; want at most %d", n, most)
			}
			// README, Security: the provider's own text "is logged cut to
			// 1 KiB" (with a 2 KiB cut, the 4 KiB bound above passed:
			// r75-mut-auth).
			over := strings.Repeat("q", 1<<10+1)
			if strings.Contains(err.Error(), over) {
				t.Errorf("error of a token refused after the failed fetch quotes more than 1 KiB of the provider's text")
			}
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				if len(line) > most {
					t.Errorf("log line of %d bytes: %.200s...; want at most %d", len(line), line, most)
				}
				if strings.Contains(line, over) {
					t.Errorf("log line %.200s... quotes more than 1 KiB of the provider's text", line)
				}
			}
		})
	}
}

// TestRemovedKeyServedWhileFetchesFail: a fetch that fails keeps the set
// in hand, however old (README: "a failed fetch keeps the set in hand").
// So a key the provider removed keeps verifying, cached tokens and fresh
// ones alike, for as long as the JWKS cannot be fetched, and stops at the
// first fetch that works: "within about 10 minutes of its removal" holds
// only while fetches work, which the README now says.
func TestRemovedKeyServedWhileFetchesFail(t *testing.T) {
	old := newIssuer(t, jwa.ES256())
	next := newIssuer(t, jwa.ES256())
	clock := &testClock{now: time.Now()}
	v, jwks := newCachingVerifier(t, old, clock, 0)
	ctx := context.Background()
	cached := old.MustMint(devtoken.Claims{TTL: 3 * time.Hour})
	if _, err := v.Verify(ctx, cached); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	jwks.set(next.JWKS()) // the provider removes the old key...
	jwks.down.Store(true) // ...and its JWKS cannot be fetched
	for i := 0; i < 12; i++ {
		clock.Advance(auth.JWKSMaxAge) // two hours in all
		before := jwks.fetches.Load()
		for _, tok := range []string{cached, old.MustMint(devtoken.Claims{TTL: 3 * time.Hour})} {
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("after %v of failed fetches: Verify(token of the removed key) = %v; want the set in hand used", time.Duration(i+1)*auth.JWKSMaxAge, err)
			}
		}
		// The fetch of the round before may still be ending (the server
		// counted it first): ask until this round's fetch has started.
		waitFor(t, "the background fetch", 10*time.Second, func() bool {
			_, _ = v.Verify(ctx, cached)
			return jwks.fetches.Load() > before
		})
	}
	jwks.down.Store(false)
	clock.Advance(auth.JWKSMaxAge)
	waitFor(t, "the removed key to be refused", 10*time.Second, func() bool {
		_, err := v.Verify(ctx, cached)
		return session.ErrorCode(err) == session.EUNAUTHORIZED
	})
}

// TestPublishedPrivateKeyIsNeverUsed: a JWKS entry with its private part
// ("d") published is the identity provider's signing key made public:
// anyone who fetched the set can sign with it. Such a key is skipped, so
// tokens it signed are 401 (its kid unknown), and a set holding only such
// keys is 503, never a set that verifies what anyone can sign.
func TestPublishedPrivateKeyIsNeverUsed(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	for _, alg := range []jwa.SignatureAlgorithm{jwa.RS256(), jwa.ES256(), jwa.EdDSA()} {
		t.Run(alg.String(), func(t *testing.T) {
			key := privateKey(t, alg)
			priv, err := jwk.Import(key)
			if err != nil {
				t.Fatal(err)
			}
			_ = priv.Set(jwk.KeyIDKey, "leaked")
			_ = priv.Set(jwk.AlgorithmKey, alg)
			entry, err := json.Marshal(priv)
			if err != nil {
				t.Fatal(err)
			}
			hdr := jws.NewHeaders()
			_ = hdr.Set(jws.KeyIDKey, "leaked")
			claims, _ := json.Marshal(map[string]any{"iss": issuer, "aud": audience, "sub": "anyone", "merchant_id": "m-1",
				"scope": "sessions:read", "exp": time.Now().Add(time.Hour).Unix()})
			signed, err := jws.Sign(claims, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				doc  []byte
				want session.Code
			}{
				{"beside a good key", withKeys(t, good, string(entry)), session.EUNAUTHORIZED},
				{"alone", []byte(`{"keys":[` + string(entry) + `]}`), session.EUNAVAILABLE},
			} {
				jwks := newJWKSServer(t, c.doc)
				v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
				_, err := v.Verify(context.Background(), string(signed))
				if got := session.ErrorCode(err); got != c.want {
					t.Errorf("%s: Verify(token signed by the published key) code = %q (%v); want %q", c.name, got, err, c.want)
				}
			}
		})
	}
}

// privateKey makes a signing key for alg.
func privateKey(t *testing.T, alg jwa.SignatureAlgorithm) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg.String() {
	case jwa.RS256().String():
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case jwa.ES256().String():
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestJWKSAnswersThatFailTheFetch: the README's list of answers that fail
// a fetch (503 at a cold start, the set in hand kept otherwise): not 200,
// over 1 MiB or 1,000 keys, not a JSON key set. A single JWK is a set of
// one, and the Content-Type is not looked at.
func TestJWKSAnswersThatFailTheFetch(t *testing.T) {
	iss := newIssuer(t, jwa.EdDSA())
	one := string(mustKeyOf(t, iss))
	many := func(n int) []byte {
		extra := make([]string, n)
		for i := range extra {
			extra[i] = fmt.Sprintf(`{"kty":"OKP","crv":"Ed25519","kid":"k%d","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`, i)
		}
		return withKeys(t, iss, extra...)
	}
	padded := withKeys(t, iss)
	padded = append(padded[:len(padded)-1], []byte(`,"pad":"`+strings.Repeat("p", 1<<20)+`"}`)...)
	for _, c := range []struct {
		name   string
		status int
		body   []byte
		want   session.Code
	}{
		{"the set", 200, iss.JWKS(), ""},
		{"a single JWK", 200, []byte(one), ""},
		{"999 more keys", 200, many(999), ""},
		{"1,000 more keys", 200, many(1000), session.EUNAVAILABLE},
		{"over 1 MiB", 200, padded, session.EUNAVAILABLE},
		{"204", 204, nil, session.EUNAVAILABLE},
		{"304", 304, nil, session.EUNAVAILABLE},
		{"429", 429, iss.JWKS(), session.EUNAVAILABLE},
		{"500", 500, iss.JWKS(), session.EUNAVAILABLE},
		{"203", 203, iss.JWKS(), session.EUNAVAILABLE},
		{"an array of keys", 200, []byte("[" + one + "]"), session.EUNAVAILABLE},
		{"keys null", 200, []byte(`{"keys":null}`), session.EUNAVAILABLE},
		{"keys an object", 200, []byte(`{"keys":` + one + `}`), session.EUNAVAILABLE},
		{"cut short", 200, iss.JWKS()[:len(iss.JWKS())-2], session.EUNAVAILABLE},
		{"data after the set", 200, append(append([]byte{}, iss.JWKS()...), " {}"...), session.EUNAVAILABLE},
		{"HTML", 200, []byte("<html>Sign in</html>"), session.EUNAVAILABLE},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(c.status)
				_, _ = w.Write(c.body)
			}))
			defer srv.Close()
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: issuer, Audience: audience})
			_, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1"}))
			if got := session.ErrorCode(err); got != c.want {
				t.Errorf("Verify() code = %q (%v); want %q", got, err, c.want)
			}
		})
	}
}

// TestJWKSBadCertificateIsRefused: an https JWKS whose certificate does not
// verify (here self-signed, as a man in the middle's would be) is a failed
// fetch, 503, never read: the fetch uses Go's default verification, and
// the same server verifies once its certificate is trusted.
func TestJWKSBadCertificateIsRefused(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(iss.JWKS()) }))
	defer srv.Close()
	for _, trusted := range []bool{false, true} {
		v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL + "/jwks", Issuer: issuer, Audience: audience})
		want := session.EUNAVAILABLE
		if trusted {
			auth.SetJWKSTransport(v, srv.Client().Transport)
			want = ""
		}
		_, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1"}))
		if got := session.ErrorCode(err); got != want {
			t.Errorf("certificate trusted %v: Verify() code = %q (%v); want %q", trusted, got, err, want)
		}
	}
}

// TestRequestWaitsForAHungFetchOnlyUntilItsDeadline: at a cold start a
// token waits for the first fetch, but no longer than its request lasts:
// a JWKS that answers nothing (a slowloris, a dribbled body) holds the
// fetch for its 5 s, and a request whose context ends meanwhile (its
// deadline, a client gone) is 503 at once, while the fetch still hangs.
func TestRequestWaitsForAHungFetchOnlyUntilItsDeadline(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	jwks := newSlowJWKS(t, iss.JWKS())
	release := jwks.slow(iss.JWKS())
	defer release()
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{})); done <- err }()
	waitFor(t, "the fetch to reach the JWKS server", 10*time.Second, func() bool { return jwks.waiting.Load() == 1 })
	cancel()
	select {
	case err := <-done:
		if got := session.ErrorCode(err); got != session.EUNAVAILABLE {
			t.Errorf("Verify() code = %q (%v); want %q", got, err, session.EUNAVAILABLE)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the request outlived its context, waiting for the hung fetch")
	}
	release()
	waitFor(t, "the fetch to end", 10*time.Second, func() bool {
		_, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{}))
		return err == nil
	})
}

// TestSymmetricJWKSKeyNeverVerifies: an "oct" key in the set (with or
// without an alg) is a secret anyone who fetched the set knows; a token
// HMAC-signed with its bytes, under any alg the header names, is 401. Its
// skip line says so, as a published private key's does, whatever else the
// entry says (it read "a []uint8 fits none of …", or a use or key_ops
// reason, hiding the leak).
func TestSymmetricJWKSKeyNeverVerifies(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	secret := []byte("secret-secret-secret-secret-secret")
	k := base64.RawURLEncoding.EncodeToString(secret)
	for _, entry := range []string{
		`{"kty":"oct","kid":"sym","k":"` + k + `"}`,
		`{"kty":"oct","kid":"sym","alg":"HS256","use":"sig","k":"` + k + `"}`,
		`{"kty":"oct","kid":"sym","use":"enc","k":"` + k + `"}`,
		`{"kty":"oct","kid":"sym","key_ops":["sign"],"k":"` + k + `"}`,
	} {
		jwks := newJWKSServer(t, withKeys(t, iss, entry))
		logs := &syncBuffer{}
		v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
			Logger: slog.New(slog.NewJSONHandler(logs, nil))})
		if _, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
			t.Fatalf("%s: Verify(token of the good key) = %v; want it verified", entry, err)
		}
		reason := skipReason(logs, "sym")
		if reason != auth.SecretKeyReason {
			t.Errorf("%s: reason logged: got %q; want %q", entry, reason, auth.SecretKeyReason)
		}
		for _, alg := range []string{"HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"} {
			tok := forge(map[string]any{"alg": alg, "kid": "sym", "typ": "JWT"},
				map[string]any{"iss": issuer, "aud": audience, "sub": "x", "merchant_id": "m-1", "scope": "sessions:read", "exp": time.Now().Add(time.Hour).Unix()},
				func(in string) []byte {
					h := hmac.New(sha256.New, secret)
					h.Write([]byte(in))
					return h.Sum(nil)
				})
			_, err := v.Verify(context.Background(), tok)
			if got := session.ErrorCode(err); got != session.EUNAUTHORIZED {
				t.Errorf("%s, %s token signed with the key's bytes: Verify() code = %q (%v); want %q", entry, alg, got, err, session.EUNAUTHORIZED)
			}
		}
	}
}

// TestPublishedPrivateKeyIsLoggedAsOne: a published private key is the
// identity provider's incident, and its skip line must say what it is,
// whatever else its entry says. With an x5c of its own public key it was
// logged as a key its x5c does not hold (a private key's Equal takes a
// private key, so the comparison failed); with the key_ops a private
// signing key has, ["sign"] (RFC 7517 §4.3), as a key whose key_ops lack
// verify; with a use other than sig, as such a key: each reason hid the
// leak. An X25519 private key (OKP, crv X25519: a key-agreement key, no
// signer) was logged as a key that "fits none" of the algs: a private key
// all the same. The reason logged must be the private key's, and the same
// as for the bare private key.
func TestPublishedPrivateKeyIsLoggedAsOne(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	x25519, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	type privateKeyOf = interface{ Public() crypto.PublicKey }
	variants := []struct {
		name string
		edit func(entry map[string]any, x5c crypto.PublicKey)
	}{
		{"bare", func(map[string]any, crypto.PublicKey) {}},
		{"with its x5c", func(e map[string]any, x5c crypto.PublicKey) { e["x5c"] = []string{certOf(t, x5c)} }},
		{`key_ops ["sign"]`, func(e map[string]any, _ crypto.PublicKey) { e["key_ops"] = []string{"sign"} }},
		{`use "enc"`, func(e map[string]any, _ crypto.PublicKey) { e["use"] = "enc" }},
	}
	for _, c := range []struct {
		name string
		key  privateKeyOf
		x5c  crypto.PublicKey // the key its x5c certifies: its own, where crypto/x509 can make a certificate of it
	}{
		{"RS256", privateKey(t, jwa.RS256()), nil},
		{"ES256", privateKey(t, jwa.ES256()), nil},
		{"EdDSA", privateKey(t, jwa.EdDSA()), nil},
		{"X25519", x25519, privateKey(t, jwa.EdDSA()).Public()}, // x509: "unsupported public key type: *ecdh.PublicKey"
	} {
		if c.x5c == nil {
			c.x5c = c.key.Public()
		}
		t.Run(c.name, func(t *testing.T) {
			key := c.key
			reasons := map[string]string{}
			for _, variant := range variants {
				priv, err := jwk.Import(key)
				if err != nil {
					t.Fatal(err)
				}
				_ = priv.Set(jwk.KeyIDKey, "leaked")
				var entry map[string]any
				b, _ := json.Marshal(priv)
				if err := json.Unmarshal(b, &entry); err != nil {
					t.Fatal(err)
				}
				variant.edit(entry, c.x5c)
				e, _ := json.Marshal(entry)
				logs := &syncBuffer{}
				jwks := newJWKSServer(t, withKeys(t, good, string(e)))
				v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
					Logger: slog.New(slog.NewJSONHandler(logs, nil))})
				if _, err := v.Verify(context.Background(), good.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
					t.Fatalf("%s: Verify(token of the good key) = %v; want it verified", variant.name, err)
				}
				reasons[variant.name] = skipReason(logs, "leaked")
				if reasons[variant.name] == "" {
					t.Fatalf("%s: no skip line for the private key: %s", variant.name, logs.String())
				}
			}
			if want := auth.PrivateKeyReason(key); reasons[variants[0].name] != want {
				t.Errorf("reason logged: got %q; want %q", reasons[variants[0].name], want)
			}
			for _, variant := range variants[1:] {
				if got, want := reasons[variant.name], reasons[variants[0].name]; got != want {
					t.Errorf("reason logged %s: got %q; want %q (as for the bare private key)", variant.name, got, want)
				}
			}
		})
	}
}

// TestPublishedSecretThatDoesNotParseIsLoggedAsOne: a private key or a
// symmetric key is the identity provider's incident however the rest of
// its entry reads, and its skip line must say so (README, Auth: a
// symmetric key is "named as such on its line, whatever else the entry
// says"). An entry jwx cannot parse or export was logged as "unparseable"
// or "cannot export", hiding the leak: an RSA private key of n, e and d
// alone (RFC 7518 §6.3.2 allows it: the other private members "enable
// optimizations"), a private or symmetric key with an x5c that does not
// parse, an alg jwx does not know, a d or k of the wrong size or spelling.
func TestPublishedSecretThatDoesNotParseIsLoggedAsOne(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	entry := func(key crypto.Signer, edit func(map[string]any)) string {
		priv, err := jwk.Import(key)
		if err != nil {
			t.Fatal(err)
		}
		var e map[string]any
		b, _ := json.Marshal(priv)
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		e["kid"] = "leaked"
		edit(e)
		b, _ = json.Marshal(e)
		return string(b)
	}
	badX5C := func(e map[string]any) { e["x5c"] = []string{"AAAA"} }
	rsaKey, ecKey, edKey := privateKey(t, jwa.RS256()), privateKey(t, jwa.ES256()), privateKey(t, jwa.EdDSA())
	k := base64.RawURLEncoding.EncodeToString([]byte("secret-secret-secret-secret-secret"))
	for _, c := range []struct {
		name, entry, want string
	}{
		{"RSA of n, e and d", entry(rsaKey, func(e map[string]any) {
			for _, m := range []string{"p", "q", "dp", "dq", "qi"} {
				delete(e, m)
			}
		}), auth.PrivateEntryReason("RSA")},
		{"RSA without q", entry(rsaKey, func(e map[string]any) { delete(e, "q") }), auth.PrivateEntryReason("RSA")},
		{"RSA, x5c unreadable", entry(rsaKey, badX5C), auth.PrivateEntryReason("RSA")},
		{"RSA, d not base64url", entry(rsaKey, func(e map[string]any) { e["d"] = "!!" }), auth.PrivateEntryReason("RSA")},
		{"EC, d too short", entry(ecKey, func(e map[string]any) { e["d"] = "AQ" }), auth.PrivateEntryReason("EC")},
		{"EC, alg unknown", entry(ecKey, func(e map[string]any) { e["alg"] = "XX1" }), auth.PrivateEntryReason("EC")},
		{"EC, crv unknown", entry(ecKey, func(e map[string]any) { e["crv"] = "P-999" }), auth.PrivateEntryReason("EC")},
		{"OKP, x missing", entry(edKey, func(e map[string]any) { delete(e, "x") }), auth.PrivateEntryReason("OKP")},
		{"OKP, x5c unreadable", entry(edKey, badX5C), auth.PrivateEntryReason("OKP")},
		{"oct, x5c unreadable", `{"kty":"oct","kid":"leaked","k":"` + k + `","x5c":["AAAA"]}`, auth.SecretKeyReason},
		{"oct, k not base64url", `{"kty":"oct","kid":"leaked","k":"!!"}`, auth.SecretKeyReason},
		{"oct, alg unknown", `{"kty":"oct","kid":"leaked","alg":"XX1","k":"` + k + `"}`, auth.SecretKeyReason},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs := &syncBuffer{}
			jwks := newJWKSServer(t, withKeys(t, good, c.entry))
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
				Logger: slog.New(slog.NewJSONHandler(logs, nil))})
			if _, err := v.Verify(context.Background(), good.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
				t.Fatalf("Verify(token of the good key) = %v; want it verified", err)
			}
			reason := skipReason(logs, "leaked")
			if reason != c.want {
				t.Errorf("reason logged: got %q; want %q", reason, c.want)
			}
		})
	}
}

// TestPublishedPrivatePartsOfAPublicKeyAreRefused: an RSA entry without
// "d" parses as a public key, but if it publishes any other private member
// (RFC 7518 §6.3.2: p, q, dp, dq, qi, oth) its private key is anyone's: p
// and q give d at once, and dp (d mod p-1) factors n. Such a key verified
// tokens anyone could sign; it must be skipped as a published private key
// (README, Auth: "a private key (`d` published: anyone who fetched the set
// holds the key's private half"), so a token signed with the key rebuilt
// from the set is 401 beside a good key, and 503 alone. (qi alone may not
// give the key away, but RFC 7518 §6.3.2 allows it only beside d: an
// entry holding it is a private key's, and is refused all the same.)
func TestPublishedPrivatePartsOfAPublicKeyAreRefused(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	key := privateKey(t, jwa.RS256()).(*rsa.PrivateKey)
	priv, err := jwk.Import(key)
	if err != nil {
		t.Fatal(err)
	}
	var full map[string]any
	b, _ := json.Marshal(priv)
	if err := json.Unmarshal(b, &full); err != nil {
		t.Fatal(err)
	}
	// What anyone who fetched the set rebuilds from n, e, p and q alone.
	rebuilt := &rsa.PrivateKey{PublicKey: key.PublicKey, Primes: key.Primes}
	phi := new(big.Int).Mul(new(big.Int).Sub(key.Primes[0], big.NewInt(1)), new(big.Int).Sub(key.Primes[1], big.NewInt(1)))
	rebuilt.D = new(big.Int).ModInverse(big.NewInt(int64(key.E)), phi)
	rebuilt.Precompute()
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, "leaked")
	claims, _ := json.Marshal(map[string]any{"iss": issuer, "aud": audience, "sub": "anyone", "merchant_id": "m-1",
		"scope": "sessions:read", "exp": time.Now().Add(time.Hour).Unix()})
	forged, err := jws.Sign(claims, jws.WithKey(jwa.RS256(), rebuilt, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	for _, published := range [][]string{{"p", "q"}, {"p", "q", "dp", "dq", "qi"}, {"dp"}, {"qi"}} {
		entry := map[string]any{"kty": "RSA", "kid": "leaked", "alg": "RS256", "use": "sig", "n": full["n"], "e": full["e"]}
		for _, m := range published {
			entry[m] = full[m]
		}
		e, _ := json.Marshal(entry)
		for _, c := range []struct {
			name string
			doc  []byte
			want session.Code
		}{
			{"beside a good key", withKeys(t, good, string(e)), session.EUNAUTHORIZED},
			{"alone", []byte(`{"keys":[` + string(e) + `]}`), session.EUNAVAILABLE},
		} {
			logs := &syncBuffer{}
			jwks := newJWKSServer(t, c.doc)
			v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
				Logger: slog.New(slog.NewJSONHandler(logs, nil))})
			_, err := v.Verify(context.Background(), string(forged))
			if got := session.ErrorCode(err); got != c.want {
				t.Errorf("%v published, %s: Verify(token signed with the key rebuilt from the set) code = %q (%v); want %q", published, c.name, got, err, c.want)
			}
			reason := skipReason(logs, "leaked")
			if want := auth.PrivateEntryReason("RSA"); reason != want {
				t.Errorf("%v published, %s: reason logged: got %q; want %q", published, c.name, reason, want)
			}
		}
	}
}

// TestEmptyPrivateMembersPublishNothing: a serializer that writes every
// member of its key class writes a public key's private members empty:
// null (jose-jwt's JWK, Abblix's before its pull request #263 "no `"d":
// null`"), or, for oth, [] (Microsoft.IdentityModel 7's JsonWebKey:
// AzureAD/azure-activedirectory-identitymodel-extensions-for-dotnet
// issue 2254 shows `"oth": []` on an RSA public key). Such a member
// holds no part of a private key: the key verifies, as it did before
// private members were looked for (TestPublishedPrivatePartsOfAPublicKeyAreRefused
// refuses the members with their values).
func TestEmptyPrivateMembersPublishNothing(t *testing.T) {
	// One issuer signs every row's token: each row's set is its own
	// document on its own JWKS server and verifier.
	iss := newIssuer(t, jwa.RS256())
	for _, c := range []struct {
		name  string
		empty map[string]any
	}{
		{"p and q null", map[string]any{"p": nil, "q": nil}},
		{"all null but d", map[string]any{"p": nil, "q": nil, "dp": nil, "dq": nil, "qi": nil, "oth": nil}},
		{"oth empty", map[string]any{"oth": []any{}}},
		{"p empty string", map[string]any{"p": ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := issuerDocWith(t, iss, c.empty)
			logs, err := verifyUnder(t, doc, iss)
			if got := session.ErrorCode(err); got != "" {
				t.Errorf("Verify(token of a key with %v) code = %q (%v); want it verified (logs: %s)", c.empty, got, err, logs.String())
			}
		})
	}

}

// TestPrivateMembersHoldingNothingAreAbsent: of the private members of a
// JWKS entry, README, Auth: "a member written `null`, empty or `[]`, as
// some serializers write a public key's, publishes nothing". An
// entry whose private members all hold nothing is a public key, and its
// tokens verify; "d" is no exception, though a "d" member of any value
// made jwx read a private key, which then failed its own check, so a
// provider writing `"d": null` (Abblix before its pull request #263) had
// every token refused with 503. A member holding anything, of the wrong
// type too, or holding something in one of two occurrences of its name,
// is a published private key, one of the keys docs/design.md §7 skips: "a
// private key or a symmetric key published"; logged as one. Each set holds
// the one entry.
func TestPrivateMembersHoldingNothingAreAbsent(t *testing.T) {
	// One issuer of each algorithm signs every row's token: each row's set
	// is its own document on its own JWKS server and verifier, so no row
	// sees another's; the key itself need not be fresh (2048-bit RSA key
	// generation was three quarters of this test's CPU).
	issuers := map[string]*devtoken.Issuer{}
	for _, c := range []struct {
		name    string
		alg     jwa.SignatureAlgorithm
		members string // appended to the issuer's own entry
		// wantReason is the skip line's reason, "" for none: the key
		// verifies (else the set has no usable key: 503).
		wantReason string
	}{
		{"RSA d null", jwa.RS256(), `"d":null`, ""},
		{"RSA d empty", jwa.RS256(), `"d":""`, ""},
		{"RSA d []", jwa.RS256(), `"d":[]`, ""},
		{"RSA p null", jwa.RS256(), `"p":null`, ""},
		{"RSA dp empty", jwa.RS256(), `"dp":""`, ""},
		{"RSA oth []", jwa.RS256(), `"oth":[]`, ""},
		{"RSA every private member null", jwa.RS256(), `"d":null,"p":null,"q":null,"dp":null,"dq":null,"qi":null,"oth":null`, ""},
		{"EC d null", jwa.ES256(), `"d":null`, ""},
		{"EC d empty", jwa.ES256(), `"d":""`, ""},
		{"OKP d null", jwa.EdDSA(), `"d":null`, ""},
		{"OKP d empty", jwa.EdDSA(), `"d":""`, ""},

		{"RSA d null, p published", jwa.RS256(), `"d":null,"p":"AQAB"`, auth.PrivateEntryReason("RSA")},
		{"RSA d published", jwa.RS256(), `"d":"AQAB"`, auth.PrivateEntryReason("RSA")},
		{"RSA d a number", jwa.RS256(), `"d":0`, auth.PrivateEntryReason("RSA")},
		{"RSA d false", jwa.RS256(), `"d":false`, auth.PrivateEntryReason("RSA")},
		{"RSA d an object", jwa.RS256(), `"d":{}`, auth.PrivateEntryReason("RSA")},
		{"RSA d a space", jwa.RS256(), `"d":" "`, auth.PrivateEntryReason("RSA")},
		{"RSA dp a number", jwa.RS256(), `"dp":1`, auth.PrivateEntryReason("RSA")},
		{"RSA d published, then null", jwa.RS256(), `"d":"AQAB","d":null`, auth.PrivateEntryReason("RSA")},
		{"RSA d null, then published", jwa.RS256(), `"d":null,"d":"AQAB"`, auth.PrivateEntryReason("RSA")},
		{"EC d a number", jwa.ES256(), `"d":0`, auth.PrivateEntryReason("EC")},
		{"EC d null, then published", jwa.ES256(), `"d":null,"d":"AQAB"`, auth.PrivateEntryReason("EC")},
		{"EC d published, then empty", jwa.ES256(), `"d":"AQAB","d":""`, auth.PrivateEntryReason("EC")},
		{"OKP d true", jwa.EdDSA(), `"d":true`, auth.PrivateEntryReason("OKP")},
		// jwx keeps the last occurrence of a repeated name only, and an
		// RSA entry without d is a public key to it: the first occurrence
		// is read from the document itself (parseJWKS).
		{"RSA p published, then null", jwa.RS256(), `"p":"AQAB","p":null`, auth.PrivateEntryReason("RSA")},
		{"RSA q published, then empty", jwa.RS256(), `"q":"AQAB","q":""`, auth.PrivateEntryReason("RSA")},
		{"RSA dp published, then []", jwa.RS256(), `"dp":"AQAB","dp":[]`, auth.PrivateEntryReason("RSA")},
		{"RSA oth published, then []", jwa.RS256(), `"oth":[{"r":"AQAB","d":"AQAB","t":"AQAB"}],"oth":[]`, auth.PrivateEntryReason("RSA")},
		// An entry naming two key types (jwx reads the last): a member
		// private to either is read as such.
		{"EC, then kty RSA with p published", jwa.ES256(), `"kty":"RSA","p":"AQAB"`, auth.PrivateEntryReason("EC")},
		// RFC 7517 §4: "The member names within a JWK MUST be unique; JWK
		// parsers MUST either reject JWKs with duplicate member names or
		// use a JSON parser that returns only the lexically last duplicate
		// member name". Any repeated name, private or not.
		{"RSA p null twice", jwa.RS256(), `"p":null,"p":null`, auth.RepeatedMemberReason("p")},
		{"RSA e given again", jwa.RS256(), `"e":"AQAB"`, auth.RepeatedMemberReason("e")},
		{"EC a name of its own twice", jwa.ES256(), `"x-note":"a","x-note":"b"`, auth.RepeatedMemberReason("x-note")},
		{"OKP crv given again", jwa.EdDSA(), `"crv":"Ed25519"`, auth.RepeatedMemberReason("crv")},
	} {
		t.Run(c.name, func(t *testing.T) {
			iss := issuers[c.alg.String()]
			if iss == nil {
				iss = newIssuer(t, c.alg)
				issuers[c.alg.String()] = iss
			}
			entry := strings.TrimSuffix(issuerEntry(t, iss), "}") + "," + c.members + "}"
			logs, err := verifyUnder(t, []byte(`{"keys":[`+entry+`]}`), iss)
			want := session.ErrorCode(nil)
			if c.wantReason != "" {
				want = session.EUNAVAILABLE // the set's only key skipped
			}
			if got := session.ErrorCode(err); got != want {
				t.Errorf("Verify(token of the entry with %s) code = %q (%v); want %q", c.members, got, err, want)
			}
			if got := skipReason(logs, iss.KeyID); got != c.wantReason {
				t.Errorf("skip line's reason for the entry with %s: got %q; want %q", c.members, got, c.wantReason)
			}
		})
	}
}

// skipReason is the reason of the last skip line logs holds for kid, or "".
func skipReason(logs *syncBuffer, kid string) string {
	reason := ""
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l struct{ Kid, Reason string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Kid == kid {
			reason = l.Reason
		}
	}
	return reason
}

// TestEveryKeysArrayIsReadAsWritten: a document that gives "keys" twice
// is read as jwx reads it, every array in turn, and the document's own
// text of each entry (parseJWKS) is matched to the key jwx read from it:
// the second array's entry verifies its tokens, and a repeated name in
// it is that entry's refusal, not another's.
func TestEveryKeysArrayIsReadAsWritten(t *testing.T) {
	entryOf := func(i *devtoken.Issuer) string { return issuerEntry(t, i) }
	other, iss := newIssuer(t, jwa.ES256()), newIssuer(t, jwa.RS256())
	for _, c := range []struct {
		name       string
		doc        string
		wantReason string // the issuer's key's skip reason; "" verifies
	}{
		{"the issuer's entry in the second array", `{"keys":[` + entryOf(other) + `],"keys":[` + entryOf(iss) + `]}`, ""},
		{"the issuer's entry in the second array, e repeated", `{"keys":[` + entryOf(other) + `],"keys":[` + strings.TrimSuffix(entryOf(iss), "}") + `,"e":"AQAB"}]}`, auth.RepeatedMemberReason("e")},
		{"the issuer's entry in the first array, the second empty", `{"keys":[` + entryOf(iss) + `],"keys":[]}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs, err := verifyUnder(t, []byte(c.doc), iss)
			want := session.ErrorCode(nil)
			if c.wantReason != "" {
				want = session.EUNAUTHORIZED // another key is usable: the token's kid is not
			}
			if got := session.ErrorCode(err); got != want {
				t.Errorf("Verify(issuer's token) code = %q (%v); want %q", got, err, want)
			}
			if got := skipReason(logs, iss.KeyID); got != c.wantReason {
				t.Errorf("skip line's reason for the issuer's key: got %q; want %q", got, c.wantReason)
			}
			if got := skipReason(logs, other.KeyID); got != "" {
				t.Errorf("skip line's reason for the other key: got %q; want none", got)
			}
		})
	}
}

// TestFirstUsableEntryOfAKidIsItsKey: of two usable entries with one kid
// (README, Auth: "a second usable entry of a `kid` the set has used
// already"), the first in the document is the key that kid's tokens
// verify with, and the second is skipped and logged; an unusable first
// entry leaves the kid to the next usable one.
func TestFirstUsableEntryOfAKidIsItsKey(t *testing.T) {
	iss, other := newIssuer(t, jwa.RS256()), newIssuer(t, jwa.RS256())
	entryOf := func(i *devtoken.Issuer) string {
		return strings.ReplaceAll(issuerEntry(t, i), other.KeyID, iss.KeyID)
	}
	mine, impostor := entryOf(iss), entryOf(other) // both under iss.KeyID
	unusable := strings.Replace(impostor, `"use":"sig"`, `"use":"enc"`, 1)
	if unusable == impostor {
		t.Fatalf("the issuer's entry has no \"use\":\"sig\" to change: %s", impostor)
	}
	for _, c := range []struct {
		name       string
		entries    []string
		want       session.Code
		wantReason string // the skip line's reason for the kid
	}{
		{"the issuer's key first", []string{mine, impostor}, "", auth.SameKidReason},
		{"another key of the kid first", []string{impostor, mine}, session.EUNAUTHORIZED, auth.SameKidReason},
		{"an unusable entry of the kid first", []string{unusable, mine}, "", `use is "enc", not sig`},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs, err := verifyUnder(t, []byte(`{"keys":[`+strings.Join(c.entries, ",")+`]}`), iss)
			if got := session.ErrorCode(err); got != c.want {
				t.Errorf("Verify(issuer's token) code = %q (%v); want %q", got, err, c.want)
			}
			if got := skipReason(logs, iss.KeyID); got != c.wantReason {
				t.Errorf("skip line's reason for the kid: got %q; want %q", got, c.wantReason)
			}
		})
	}
}

// TestADocumentReadAsOneKeyIsJudgedWhole: jwk.Parse reads a document as a
// set only when its own quick reader (jwkbb.HeaderHas, fastjson, which
// refuses nesting deeper than 300) finds "keys" in it; otherwise the
// whole document is one key, its "keys" member a name of that key. Such a
// document's own text judged is then the whole document, not its "keys"
// array's entries: RFC 7517 §4: "The member names within a JWK MUST be
// unique". A key whose document repeats "p" (a published factor, then
// null) is refused and named a published private key (docs/design.md §7:
// "a private key or a symmetric key published"), whatever its "keys"
// array holds.
func TestADocumentReadAsOneKeyIsJudgedWhole(t *testing.T) {
	entryOf := func(i *devtoken.Issuer) string { return issuerEntry(t, i) }
	other, iss := newIssuer(t, jwa.ES256()), newIssuer(t, jwa.RS256())
	deep := strings.Repeat("[", 301) + strings.Repeat("]", 301) // past fastjson's MaxDepth of 300
	for _, c := range []struct {
		name       string
		members    string // appended to the issuer's entry, which is the document
		wantReason string // the issuer's key's skip reason; "" verifies
	}{
		{"p published, then null", `"p":"AQAB","p":null`, auth.PrivateEntryReason("RSA")},
		{"e given again", `"e":"AQAB"`, auth.RepeatedMemberReason("e")},
		{"no name repeated", `"x-note":"a"`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.TrimSuffix(entryOf(iss), "}") + "," + c.members + `,"pad":` + deep + `,"keys":[` + entryOf(other) + `]}`
			logs, err := verifyUnder(t, []byte(doc), iss)
			want := session.ErrorCode(nil)
			if c.wantReason != "" {
				want = session.EUNAVAILABLE // the document's one key skipped
			}
			if got := session.ErrorCode(err); got != want {
				t.Errorf("Verify(issuer's token) code = %q (%v); want %q", got, err, want)
			}
			if got := skipReason(logs, iss.KeyID); got != c.wantReason {
				t.Errorf("skip line's reason for the issuer's key: got %q; want %q", got, c.wantReason)
			}
		})
	}
}

// issuerEntry is the one entry of iss's JWKS document, as written.
func issuerEntry(t *testing.T, iss *devtoken.Issuer) string {
	t.Helper()
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(iss.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(set.Keys[0]))
}

// verifyUnder verifies a token of iss for merchant m-1 with a verifier of
// its own whose JWKS_URL serves doc, and returns the verifier's log and
// the error.
func verifyUnder(t *testing.T, doc []byte, iss *devtoken.Issuer) (*syncBuffer, error) {
	t.Helper()
	logs := &syncBuffer{}
	jwks := newJWKSServer(t, doc)
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	_, err := v.Verify(context.Background(), iss.MustMint(devtoken.Claims{MerchantID: "m-1"}))
	return logs, err
}

// issuerDocWith is iss's JWKS document with members set on its one entry.
func issuerDocWith(t *testing.T, iss *devtoken.Issuer, members map[string]any) []byte {
	t.Helper()
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(iss.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	for m, v := range members {
		set.Keys[0][m] = v
	}
	doc, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
