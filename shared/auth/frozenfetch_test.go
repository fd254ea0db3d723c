package auth_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// hungFirstFetch serves iss's key set, except that its first request hangs
// until the verifier gives it up (abandoned closes then); each later one
// first runs before, if any. The count is of the requests made.
func hungFirstFetch(t *testing.T, iss *devtoken.Issuer, abandoned chan struct{}, before func()) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fetches.Add(1) == 1 {
			<-r.Context().Done()
			close(abandoned)
			return
		}
		if before != nil {
			before()
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(iss.JWKS())
	}))
	t.Cleanup(srv.Close)
	return srv, &fetches
}

// waitingToken verifies tok in the background and returns its outcome's
// channel once the fetch it started has reached the key set's server.
func waitingToken(ctx context.Context, v *auth.JWTVerifier, tok string, fetches *atomic.Int64) <-chan error {
	waiting := make(chan error, 1)
	go func() { _, err := v.Verify(ctx, tok); waiting <- err }()
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	return waiting
}

// TestHungFetchIsGivenUpByTheWallClock: a JWKS fetch that has not ended
// refreshGap (10 s) after it began by the wall clock is given up for a new
// one, which the token waits for. A fetch's own deadline (5 s) is on the
// monotonic clock, which a Lambda sandbox frozen between
// invocations need not advance (README, "API keys": "a Lambda sandbox
// frozen between invocations need not advance its monotonic clock"): a
// fetch begun in one invocation on a connection that hangs could run on
// through many later invocations, and every token of a kid the set in hand
// lacks (a key the provider rotated in, or any token before the first set)
// waited for it and was 503 until it ended, however much wall time passed.
// Here the wall clock jumps as it would across frozen invocations, while
// only milliseconds pass on the monotonic one.
func TestHungFetchIsGivenUpByTheWallClock(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	abandoned := make(chan struct{})
	srv, fetches := hungFirstFetch(t, iss, abandoned, nil)
	clock := &testClock{now: time.Now()}
	logs := &syncBuffer{}
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: issuer, Audience: audience, Now: clock.Now,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Expires: clock.Now().Add(time.Hour)})
	verify := func(wait time.Duration) (*auth.Principal, error) {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		return v.Verify(ctx, tok)
	}

	// The first token starts the fetch, which hangs: the token's own
	// deadline ends its wait (503), the fetch runs on.
	if _, err := verify(100 * time.Millisecond); session.ErrorCode(err) != session.EUNAVAILABLE {
		t.Fatalf("first token, fetch hanging: %v; want %s", err, session.EUNAVAILABLE)
	}
	for _, step := range []struct {
		name        string
		advance     time.Duration
		wantCode    session.Code // "" for verified
		wantWait    time.Duration
		wantFetches int64
	}{
		{"5 s later by the wall clock: the fetch is waited for", 5 * time.Second, session.EUNAVAILABLE, 0, 1},
		{"9.9 s later: still waited for", 4900 * time.Millisecond, session.EUNAVAILABLE, 0, 1},
		{"10 s later: given up for a new fetch, which works", 100 * time.Millisecond, "", 0, 2},
	} {
		clock.Advance(step.advance)
		// A step whose fetch hangs waits out its token's deadline (503):
		// 300 ms. A step verified by a new fetch waits for that fetch
		// alone (a connect, a request, a set parsed, under -race on a
		// loaded machine): 10 s, as much as it needs, where 300 ms raced
		// it. A verifier that never gives the hung fetch up still
		// answers 503: the token waits for that fetch, which fails at its
		// own 5 s deadline (measured: the mutant fails in 5.0 s).
		wait := 300 * time.Millisecond
		if step.wantCode == "" {
			wait = 10 * time.Second
		}
		p, err := verify(wait)
		if got := session.ErrorCode(err); got != step.wantCode || step.wantCode == "" && (p == nil || p.MerchantID != "m-1") {
			t.Fatalf("%s: Verify() = %+v, %v: code %q; want %q", step.name, p, err, got, step.wantCode)
		}
		if got := session.RetryAfter(err); got != step.wantWait {
			t.Errorf("%s: Retry-After wait %v; want %v", step.name, got, step.wantWait)
		}
		if got := fetches.Load(); got != step.wantFetches {
			t.Errorf("%s: JWKS fetches %d; want %d", step.name, got, step.wantFetches)
		}
		// The fetch given up is a failed fetch to whoever reads the log:
		// one WARN line, when it is given up.
		if got, want := strings.Count(logs.String(), `"msg":"JWKS fetch failed"`), int(step.wantFetches)-1; got != want {
			t.Errorf("%s: %d \"JWKS fetch failed\" lines; want %d:\n%s", step.name, got, want, logs)
		}
	}
	select {
	case <-abandoned:
	case <-time.After(2 * time.Second):
		t.Errorf("the hung fetch's request was never canceled; want it given up with the fetch")
	}
}

// TestTokenWaitingForAGivenUpFetchWaitsForItsReplacement: a token waiting
// for the fetch that is given up (another request, past refreshGap by the
// wall clock, started a new one) waits for the new fetch and is verified
// by it, rather than answered 503 as if the key set could not be had. The
// new fetch answers 200 ms after the old one is given up, so the waiting
// token sees the old one end well before any set is in hand.
func TestTokenWaitingForAGivenUpFetchWaitsForItsReplacement(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	abandoned := make(chan struct{})
	srv, fetches := hungFirstFetch(t, iss, abandoned, func() {
		<-abandoned
		time.Sleep(200 * time.Millisecond)
	})
	clock := &testClock{now: time.Now()}
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: issuer, Audience: audience, Now: clock.Now})
	tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Expires: clock.Now().Add(time.Hour)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	waiting := waitingToken(ctx, v, tok, fetches)
	clock.Advance(10 * time.Second)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("the token past refreshGap: %v; want it verified by the new fetch", err)
	}
	if err := <-waiting; err != nil {
		t.Errorf("the token waiting for the fetch given up: %v; want it verified by the new fetch", err)
	}
	if got := fetches.Load(); got != 2 {
		t.Errorf("JWKS fetches %d; want 2", got)
	}
}

// TestTokenWaitingForAGivenUpFetchSeesItsReplacementsSet: a token waiting
// for a fetch that is given up, whose replacement ends before the token
// looks again (startRefresh then starts none, refreshGap not having
// passed), is checked against the set the replacement brought, not the one
// it read when the given-up fetch ended (none here: 503 "the last fetch
// failed" though the replacement worked; with an older set, a key rotated
// in was 401). The clock's second reading after the wall-clock jump is the
// waiting token's, taken between its read of the set and startRefresh: it
// lets the replacement end there.
func TestTokenWaitingForAGivenUpFetchSeesItsReplacementsSet(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	release := make(chan struct{})
	srv, fetches := hungFirstFetch(t, iss, make(chan struct{}), func() { <-release })
	clock := &testClock{now: time.Now()}
	var armed atomic.Bool
	var readings atomic.Int64
	replaced := make(chan error, 1)
	now := func() time.Time {
		if armed.Load() && readings.Add(1) == 2 {
			close(release)
			select {
			case <-replaced:
			case <-time.After(5 * time.Second):
				t.Error("the replacement fetch's token was not verified within 5 s")
			}
		}
		return clock.Now()
	}
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: srv.URL, Issuer: issuer, Audience: audience, Now: now})
	tok := iss.MustMint(devtoken.Claims{MerchantID: "m-1", Expires: clock.Now().Add(time.Hour)})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	waiting := waitingToken(ctx, v, tok, fetches)
	clock.Advance(10 * time.Second)
	armed.Store(true)
	go func() { _, err := v.Verify(ctx, tok); replaced <- err }()
	if err := <-waiting; err != nil {
		t.Errorf("the token waiting for the fetch given up: %v; want it verified by the set its replacement brought", err)
	}
	if got := fetches.Load(); got != 2 {
		t.Errorf("JWKS fetches %d; want 2", got)
	}
}
