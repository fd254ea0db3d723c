package auth_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
)

// TestSkippedKidIsLoggedAgainForAnotherReason: a skipped key is logged
// once by kid and reason, so a kid once skipped for a harmless reason (a
// second usable entry under a kid already used) is logged again when a
// later set publishes its private key: README, "a private key (… named as
// such on its line, whatever else the entry says)". Remembered by kid
// alone, the second line was never written, and the identity provider's
// incident reached no log (r90-jwks). The same kid and reason on the next
// fetch is not logged again.
func TestSkippedKidIsLoggedAgainForAnotherReason(t *testing.T) {
	good, leaked := newIssuer(t, jwa.ES256()), newIssuer(t, jwa.ES256())
	entry := issuerEntry(t, leaked)
	doubled := []byte(`{"keys":[` + issuerEntry(t, good) + "," + entry + "," + entry + `]}`)
	private := []byte(`{"keys":[` + issuerEntry(t, good) + "," + strings.TrimSuffix(entry, "}") + `,"d":"AQAB"}]}`)
	jwks := newJWKSServer(t, doubled)
	logs := &syncBuffer{}
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	refetch := func(doc []byte) {
		jwks.set(doc)
		mu.Lock()
		now = now.Add(11 * time.Second)
		mu.Unlock()
		// An unknown kid past the refresh gap makes the verifier fetch.
		_, _ = v.Verify(context.Background(), newIssuer(t, jwa.ES256()).MustMint(devtoken.Claims{}))
	}
	if _, err := v.Verify(context.Background(), good.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Fatalf("Verify(token of the good key) = %v; want it verified", err)
	}
	refetch(doubled)
	refetch(private)
	refetch(private)
	if n := jwks.fetches.Load(); n != 4 {
		t.Fatalf("JWKS fetches: got %d; want 4", n)
	}
	var reasons []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l struct{ Msg, Kid, Reason string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "JWKS key skipped" && l.Kid == leaked.KeyID {
			reasons = append(reasons, l.Reason)
		}
	}
	if len(reasons) != 2 || reasons[1] != auth.PrivateEntryReason("EC") {
		t.Errorf("skip lines of kid %s: got reasons %q; want two, the second %q", leaked.KeyID, reasons, auth.PrivateEntryReason("EC"))
	}
}
