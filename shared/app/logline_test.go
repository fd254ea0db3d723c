package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestLogLineHoldsNoRawC1OrBidiControl: README, Security: "the C1
// control characters (U+0080–U+009F ..." and "the bidirectional controls",
// "so a path holding them is still one line that reads as written". A
// client's path reaches the line (its path field), and slog's JSON escapes
// only U+0000–U+001F, U+2028 and U+2029: the C1 controls went out raw, so
// NEL (U+0085), which Unicode, Python's str.splitlines and other readers
// take for a line break, cut one request's line in two, and CSI (U+009B)
// and OSC (U+009D), the one-character forms of ESC [ and ESC ], went out
// as they were sent; the
// bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE, ...) went out raw
// too, turning the rest of the line around as a viewer shows it. Each is
// now written as its JSON escape, which reads back as the same string;
// so is DELETE (U+007F), the last control character of ASCII, which went
// out raw too (r91-review, live on make run).
// An unauthenticated request (401 before any store call) is enough.
func TestLogLineHoldsNoRawC1OrBidiControl(t *testing.T) {
	env := map[string]string{
		"TABLE_NAME": "logline", "DYNAMODB_ENDPOINT": "http://127.0.0.1:1",
		"JWKS_URL": "http://127.0.0.1:1/jwks.json", "JWT_ISSUER": "https://issuer.example", "JWT_AUDIENCE": "paysessions",
	}
	a, logs := loggingApp(t, env)
	rt, ok := httpapi.RouteOf(httpapi.PatternGetSession, a.Deps())
	if !ok {
		t.Fatal("no route")
	}
	// Every C1 control, and every bidirectional control Unicode has.
	var seg strings.Builder
	for r := rune(0x80); r <= 0x9f; r++ {
		seg.WriteRune(r)
	}
	const bidi = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
	for _, path := range []string{"/sessions/a\u007fb", "/sessions/a\u0085b", "/sessions/x\u009b31my\u009d0;z", "/sessions/" + seg.String()[:40], "/sessions/" + seg.String()[40:], "/sessions/" + bidi, "/sessions/é\u00a0ü"} {
		logs.Reset()
		ev := events.APIGatewayV2HTTPRequest{RouteKey: "GET /sessions/{sessionId}", RawPath: path}
		ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path, ev.RequestContext.RequestID = "GET", path, "req-1"
		res, err := a.Lambda(rt)(context.Background(), ev)
		if err != nil || res.StatusCode != 401 {
			t.Fatalf("%q: got %d, %v; want 401", path, res.StatusCode, err)
		}
		line := logs.String()
		if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
			t.Fatalf("%q: want one line, got %q", path, line)
		}
		for _, r := range strings.TrimSuffix(line, "\n") {
			if r >= 0x7f && r <= 0x9f || strings.ContainsRune(bidi, r) || r == '\u2028' || r == '\u2029' || r < 0x20 || r == utf8.RuneError {
				t.Errorf("%q: the line holds %U raw: %q", path, r, line)
			}
		}
		var rec struct {
			Path string `json:"path"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%q: %v: %q", path, err, line)
		}
		if rec.Path != path {
			t.Errorf("%q: the line's path reads back as %q", path, rec.Path)
		}
	}
}
