package auth_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
)

// TestSkippedKidsMemoryIsBounded: a skipped key's kid is remembered so the
// key is logged once, and a container remembered up to 1,000 kids whole:
// a key set whose unusable keys change on every fetch, each kid as long as
// the 1 MiB set allows, made a container hold up to ~1 GB for as long as
// it lived. The heap held after 2 fetches of 500 skipped keys with ~2 KiB
// kids each (2 MiB of kids, 1,000 of them: the most a container
// remembers) is within auth.SkippedKidsMaxBytes (256 KiB), the bound
// whatever the kids' lengths: ~150 KB measured, ~2.4 MB before (the kids
// whole).
func TestSkippedKidsMemoryIsBounded(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	stranger := newIssuer(t, jwa.ES256()) // never in the set: its token makes the verifier fetch
	jwks := newJWKSServer(t, iss.JWKS())
	clock := &testClock{now: time.Now()}
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock.Now})
	ctx := context.Background()
	if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{MerchantID: "m-1"})); err != nil {
		t.Fatal(err)
	}
	unknown := stranger.MustMint(devtoken.Claims{MerchantID: "m-1"})
	const rounds, perSet = 2, 500
	kidLen := (1<<20 - len(iss.JWKS())) / perSet * 63 / 64 // a set within 1 MiB
	before := heapInUse()
	for r := 0; r < rounds; r++ {
		entries := make([]string, perSet)
		for i := range entries {
			kid := fmt.Sprintf("%d-%d-", r, i) + strings.Repeat("k", kidLen)
			entries[i] = fmt.Sprintf(`{"kty":"foo","kid":%q}`, kid)
		}
		body := withKeys(t, iss, entries...)
		if len(body) > 1<<20 {
			t.Fatalf("key set of %d bytes; want one within 1 MiB (the fetch would fail)", len(body))
		}
		jwks.set(body)
		clock.Advance(11 * time.Second) // past the refresh gap
		if _, err := v.Verify(ctx, unknown); err == nil {
			t.Fatal("a token of a key the set lacks verified")
		}
	}
	if n := jwks.fetches.Load(); n != 1+rounds {
		t.Fatalf("JWKS fetches: got %d; want %d", n, 1+rounds)
	}
	jwks.set(iss.JWKS()) // the server's copy of the last set is not the verifier's
	held := heapInUse() - before
	t.Logf("heap held after %d skipped kids of %d bytes: %d B", rounds*perSet, kidLen, held)
	if held > auth.SkippedKidsMaxBytes {
		t.Errorf("heap held after %d skipped kids of %d bytes: got %d B; want at most %d", rounds*perSet, kidLen, held, auth.SkippedKidsMaxBytes)
	}
	// The good key still verifies: the set in hand is the last one.
	if _, err := v.Verify(ctx, iss.MustMint(devtoken.Claims{MerchantID: "m-1", Subject: "again"})); err != nil {
		t.Errorf("Verify(token of the good key) = %v; want it verified", err)
	}
	runtime.KeepAlive(v)
}

// TestSkippedKidsLogIsBoundedPerFetch: past the 1,000 skipped kids a
// container remembers, "each new one is logged on every fetch (up to
// ~1,000 WARN lines of ~1 KiB per fetch, one fetch per 10 s at most)". A
// key is logged on a line of its own only when it is remembered (so once
// in the container's life); the skipped keys a fetch cannot remember are
// named together on one WARN line of that fetch, with how many they are
// and one of them as a sample. Four fetches of 999 unusable keys each (a
// set holds at most 1,000 keys, the good one included): the first fills
// 999 of the 1,000 places, the second the last one, the third and fourth
// find none. Before, the second, third and fourth fetches logged 999 lines
// each.
func TestSkippedKidsLogIsBoundedPerFetch(t *testing.T) {
	iss := newIssuer(t, jwa.ES256())
	stranger := newIssuer(t, jwa.ES256()) // never in the set: its token makes the verifier fetch
	jwks := newJWKSServer(t, iss.JWKS())
	clock := &testClock{now: time.Now()}
	logs := &syncBuffer{}
	v := auth.NewJWTVerifier(auth.JWTConfig{JWKSURL: jwks.URL, Issuer: issuer, Audience: audience, Now: clock.Now,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	set := func(name string, n int) []byte {
		entries := make([]string, n)
		for i := range entries {
			entries[i] = fmt.Sprintf(`{"kty":"foo","kid":"%s-%03d"}`, name, i)
		}
		return withKeys(t, iss, entries...)
	}
	unknown := stranger.MustMint(devtoken.Claims{MerchantID: "m-1"})
	tests := []struct {
		set        string
		keys       int // the set's unusable keys
		kidLines   int // lines naming one skipped key each
		summaries  int // lines naming the keys not logged one by one
		notLogged  int // how many the summary says
		sampleFrom string
	}{
		{"a", 999, 999, 0, 0, ""},
		{"b", 999, 1, 1, 998, "b-"},
		{"c", 999, 0, 1, 999, "c-"},
		{"c", 999, 0, 1, 999, "c-"},
		// one key past the container's memory is named on its line too
		// (usable's `unlogged > 0` reading `> 1`: r75b-jwt)
		{"d", 1, 0, 1, 1, "d-"},
	}
	for i, tt := range tests {
		jwks.set(set(tt.set, tt.keys))
		clock.Advance(11 * time.Second) // past the refresh gap
		from := len(logs.String())
		if _, err := v.Verify(context.Background(), unknown); err == nil {
			t.Fatal("a token of a key the set lacks verified")
		}
		if n := jwks.fetches.Load(); n != int64(i+1) {
			t.Fatalf("fetch %d: JWKS fetches: got %d; want %d", i+1, n, i+1)
		}
		var kidLines, summaries, notLogged int
		var sample string
		sc := bufio.NewScanner(strings.NewReader(logs.String()[from:]))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct {
				Level     string
				Kid       *string
				Keys      int
				SampleKid string `json:"sample_kid"`
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("fetch %d: log line %q: %v", i+1, sc.Text(), err)
			}
			switch {
			case line.Level != "WARN":
				t.Errorf("fetch %d: log line %s; want only WARN lines", i+1, sc.Text())
			case line.Kid != nil:
				kidLines++
			case line.Keys > 0:
				summaries++
				notLogged += line.Keys
				sample = line.SampleKid
			default:
				t.Errorf("fetch %d: log line %s; want a skipped key's or the summary", i+1, sc.Text())
			}
		}
		if kidLines != tt.kidLines || summaries != tt.summaries || notLogged != tt.notLogged {
			t.Errorf("fetch %d (set %s): got %d lines of a key each, %d summaries of %d keys; want %d, %d of %d",
				i+1, tt.set, kidLines, summaries, notLogged, tt.kidLines, tt.summaries, tt.notLogged)
		}
		if !strings.HasPrefix(sample, tt.sampleFrom) {
			t.Errorf("fetch %d (set %s): the summary's sample kid: got %q; want one of set %s", i+1, tt.set, sample, tt.set)
		}
	}
}
