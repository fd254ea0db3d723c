package auth_test

import (
	"context"
	"crypto"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestSkippedKeyOfEveryFetchIsLoggedOnce: README, Auth: a key the service
// cannot use "is skipped and logged once by `kid` and reason", and only
// "the keys a fetch skips past those [the first 1,000] are logged together,
// on one WARN line of that fetch". A set fetched again with the same
// unusable key logs nothing more: neither its line again nor the line of
// keys the container could not remember (mutation r97: a kid already
// logged counted among those, and survived).
func TestSkippedKeyOfEveryFetchIsLoggedOnce(t *testing.T) {
	good := newIssuer(t, jwa.ES256())
	stranger := newIssuer(t, jwa.ES256()) // never in the set
	enc, err := jwk.Import(crypto.PublicKey(newIssuer(t, jwa.ES256()).PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]any{jwk.KeyIDKey: "for-encryption", jwk.KeyUsageKey: "enc"} {
		if err := enc.Set(name, value); err != nil {
			t.Fatal(err)
		}
	}
	entry, err := json.Marshal(enc)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	start := time.Now()
	clock := &testClock{now: start}
	jwks := newJWKSServer(t, withKeys(t, good, string(entry)))
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock.Now,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	ctx := context.Background()
	if _, err := v.Verify(ctx, good.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	for i := 1; i <= 2; i++ { // a token of an unknown kid past the 10 s gap: the set fetched again
		clock.Set(start.Add(time.Duration(i) * 11 * time.Second))
		if _, err := v.Verify(ctx, stranger.MustMint(devtoken.Claims{MerchantID: "m-1"})); session.ErrorCode(err) != session.EUNAUTHORIZED {
			t.Fatalf("Verify(a token of an unknown kid) = %v; want %q", err, session.EUNAUTHORIZED)
		}
	}
	if got := jwks.fetches.Load(); got != 3 {
		t.Fatalf("JWKS fetches: got %d; want 3", got)
	}
	var skipped, together int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l struct{ Msg, Kid string }
		if json.Unmarshal([]byte(line), &l) != nil {
			continue
		}
		switch {
		case l.Msg == "JWKS key skipped" && l.Kid == "for-encryption":
			skipped++
		case strings.HasPrefix(l.Msg, "JWKS keys skipped"):
			together++
		}
	}
	if skipped != 1 || together != 0 {
		t.Errorf("lines naming the skipped key: got %d, and %d naming keys together; want 1 and 0\n%s", skipped, together, logs.String())
	}
}
