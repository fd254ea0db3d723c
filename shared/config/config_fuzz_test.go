package config

import (
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store"
)

// settings are the variables Load reads (docs/design.md §9, and GOGC).
var settings = []string{"TABLE_NAME", "DYNAMODB_ENDPOINT", "SESSION_EXPIRY", "RESULT_RETENTION", "WRITE_GUARD",
	"EXPIRY_SHARDS", "LIST_SHARDS", "JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "STACK_NAME", "LOG_LEVEL", "GOGC"}

// FuzzLoad sets any two of the settings to any values (TABLE_NAME is
// "t-1" unless one of them is it). docs/design.md §9: "a bad value stops
// start-up with a message naming the variable and what it expects". So:
//   - refused: each SettingError names a variable set (or one its
//     relation names, as WRITE_GUARD's against the lifecycle's), its
//     message names its variable, and no message shows the password,
//     query or fragment of a URL setting (TestURLSettingErrorsHideEverySecret);
//   - accepted: every value is the one written (white space around it
//     trimmed) and within the documented span: the durations in Ranges,
//     whole milliseconds, WRITE_GUARD shorter than both others; the shard
//     counts 1 to 256 and 1 to store.MaxListShards; LOG_LEVEL one of four
//     words; the URLs absolute http(s) with a host, JWKS_URL https unless
//     its host is a loopback one or SAM's; a table name 3 to 255 of
//     A-Z a-z 0-9 _ - .; a stack name a letter, then letters, digits and
//     hyphens, at most 128; the JWT issuer and audience printable ASCII.
func FuzzLoad(f *testing.F) {
	for _, s := range []struct {
		a  uint8
		va string
		b  uint8
		vb string
	}{
		{2, "30m", 4, "5s"}, {2, "1001ms", 3, "1001ms"}, {2, "5s", 4, "5s"}, {4, "1.5s", 2, "1h30m"}, {2, "15m50ns", 3, "-1s"},
		{1, "http://user:hunter2@localhost:8000/?token=abc#frag", 7, "https://u:pass@idp.test/.well-known/jwks.json?k=secret"},
		{1, "ftp://user:hunter2@localhost:8000", 7, "http://idp.test/jwks"}, {1, "http://[::1]:99999", 7, "http://127.0.0.2/"},
		{7, "http://host.docker.internal:3000/jwks", 1, " http://127.0.0.1:8000 "}, {5, "256", 6, "33"}, {5, "0x10", 6, " 16 "},
		{11, "DEBUG", 12, "off"}, {11, "warn", 12, "2147483648"}, {10, "paysessions-1", 0, "ab"}, {10, "1stack", 0, strings.Repeat("t", 256)},
		{10, "a\u00e9", 0, "t.1_-"}, {8, "\u00a0", 9, "aud\x00"}, {3, "\u20021s", 2, "１s"},
	} {
		f.Add(s.a, s.va, s.b, s.vb)
	}
	f.Fuzz(func(t *testing.T, a uint8, va string, b uint8, vb string) {
		env := map[string]string{"TABLE_NAME": "t-1"}
		na, nb := settings[int(a)%len(settings)], settings[int(b)%len(settings)]
		env[na] = va
		env[nb] = vb
		if na == nb {
			env[na] = vb
		}
		c, err := Load(func(k string) string { return env[k] })
		if err != nil {
			var errs []error
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				var se *SettingError
				if !errors.As(e, &se) {
					t.Fatalf("Load(%s=%q, %s=%q) = %v; want SettingErrors only", na, va, nb, vb, e)
				}
				if se.Name != na && se.Name != nb && !containsAny(se.Related, na, nb) {
					t.Fatalf("Load(%s=%q, %s=%q) refused %s: %v; want only what was set", na, va, nb, vb, se.Name, se)
				}
				if !strings.Contains(se.Error(), se.Name) {
					t.Fatalf("refusal %q does not name %s", se.Error(), se.Name)
				}
				for _, n := range []string{"DYNAMODB_ENDPOINT", "JWKS_URL"} {
					// Another variable's refusal shows its own value, which
					// may hold the same characters.
					if s := urlSecret(env[n]); s != "" && se.Name == n && strings.Contains(se.Error(), s) {
						t.Fatalf("refusal %q shows %q of %s=%q", se.Error(), s, n, env[n])
					}
				}
			}
			return
		}
		trim := func(n string) string { return strings.TrimSpace(env[n]) }
		for _, d := range []struct {
			name string
			got  time.Duration
		}{{"SESSION_EXPIRY", c.SessionExpiry}, {"RESULT_RETENTION", c.ResultRetention}, {"WRITE_GUARD", c.WriteGuard}} {
			r := Ranges[d.name]
			if d.got < r.Min || d.got > r.Max || d.got%Grid != 0 {
				t.Fatalf("%s = %v accepted; want whole milliseconds from %v to %v", d.name, d.got, r.Min, r.Max)
			}
			if want, err := time.ParseDuration(trim(d.name)); trim(d.name) != "" && (err != nil || want != d.got) {
				t.Fatalf("%s=%q read as %v", d.name, env[d.name], d.got)
			}
		}
		if c.WriteGuard >= c.SessionExpiry || c.WriteGuard >= c.ResultRetention {
			t.Fatalf("WRITE_GUARD %v accepted beside SESSION_EXPIRY %v, RESULT_RETENTION %v", c.WriteGuard, c.SessionExpiry, c.ResultRetention)
		}
		if c.ExpiryShards < 1 || c.ExpiryShards > 256 || c.ListShards < 1 || c.ListShards > store.MaxListShards {
			t.Fatalf("EXPIRY_SHARDS %d, LIST_SHARDS %d accepted", c.ExpiryShards, c.ListShards)
		}
		if !map[slog.Level]bool{slog.LevelDebug: true, slog.LevelInfo: true, slog.LevelWarn: true, slog.LevelError: true}[c.LogLevel] ||
			trim("LOG_LEVEL") != "" && trim("LOG_LEVEL") != strings.ToLower(c.LogLevel.String()) {
			t.Fatalf("LOG_LEVEL=%q read as %v", env["LOG_LEVEL"], c.LogLevel)
		}
		for _, u := range []struct {
			name, got string
			jwks      bool
		}{{"DYNAMODB_ENDPOINT", c.DynamoDBEndpoint, false}, {"JWKS_URL", c.JWKSURL, true}} {
			if u.got != trim(u.name) {
				t.Fatalf("%s=%q read as %q", u.name, env[u.name], u.got)
			}
			if u.got == "" {
				continue
			}
			p, err := url.Parse(u.got)
			if err != nil || p.Host == "" || p.Scheme != "http" && p.Scheme != "https" {
				t.Fatalf("%s=%q accepted; want an absolute http(s) URL", u.name, u.got)
			}
			if u.jwks && p.Scheme == "http" && !PlainHTTPHost(p.Hostname()) {
				t.Fatalf("JWKS_URL=%q accepted; want https but to a loopback host", u.got)
			}
		}
		if c.TableName != trim("TABLE_NAME") || !validTableName(c.TableName) {
			t.Fatalf("TABLE_NAME=%q read as %q", env["TABLE_NAME"], c.TableName)
		}
		if c.StackName != trim("STACK_NAME") || c.StackName != "" && !validStackName(c.StackName) {
			t.Fatalf("STACK_NAME=%q read as %q", env["STACK_NAME"], c.StackName)
		}
		for _, s := range []struct{ name, got string }{{"JWT_ISSUER", c.JWTIssuer}, {"JWT_AUDIENCE", c.JWTAudience}} {
			if s.got != trim(s.name) || !printableASCII(s.got) {
				t.Fatalf("%s=%q read as %q", s.name, env[s.name], s.got)
			}
		}
	})
}

func containsAny(list []string, names ...string) bool {
	for _, l := range list {
		for _, n := range names {
			if l == n {
				return true
			}
		}
	}
	return false
}

// urlSecret is the password, query or fragment of a URL setting's value
// when one of them is long enough to tell from the rest of the message
// (8 bytes or more, and not also in its scheme, host or path), else "".
func urlSecret(v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		return ""
	}
	shown := u.Scheme + "://" + u.Host + u.Path + u.EscapedPath() + u.Opaque + u.User.Username()
	pass, _ := u.User.Password()
	for _, s := range []string{pass, u.RawQuery, u.Fragment} {
		if len(s) >= 8 && !strings.Contains(shown, s) && !strings.Contains("xxxxx(not a URL)(not an absolute URL)", s) {
			return s
		}
	}
	return ""
}

// FuzzLoadLocal sets the local servers' own settings (config.LoadLocal:
// PORT, HOST, SWEEP_INTERVAL) to any bytes. docs/design.md §9: "a bad
// value stops start-up with a message naming the variable and what it
// expects"; the README's table: PORT "the local servers' port", HOST "the
// local servers' address", SWEEP_INTERVAL "the local servers' sweep timer,
// 1s..1h". So:
//   - refused: SettingErrors only, each of a variable set to a value
//     other than white space, its message naming it;
//   - accepted: each value is the one written (white space around it
//     trimmed) or the default (3000, 127.0.0.1, 1m) when unset; the port
//     1 to 65535, the host localhost or an IP address that makes, with the
//     port, an address the servers can listen on (net.JoinHostPort as they
//     build it, read back by net.ResolveTCPAddr without a DNS lookup), the
//     interval whole milliseconds from 1s to 1h.
func FuzzLoadLocal(f *testing.F) {
	for _, s := range []struct{ port, host, sweep string }{
		{"", "", ""}, {"3000", "127.0.0.1", "1m"}, {" 8080 ", "0.0.0.0", "2s"}, {"0", "::", "1h"}, {"65536", "::1", "3601s"},
		{"+80", "localhost", "999ms"}, {"0x50", "LOCALHOST", "1.5s"}, {"３０００", "fe80::1%eth0", "1s500us"}, {"-1", "::ffff:127.0.0.1", "-1m"},
		{"80\x00", "127.0.0.1\x00", "1m\n"}, {"9999999999999999999999", "1.2.3", "9223372036854775807ns"}, {"1", "[::1]", "\u00a01m"},
	} {
		f.Add(s.port, s.host, s.sweep)
	}
	f.Fuzz(func(t *testing.T, port, host, sweep string) {
		env := map[string]string{"PORT": port, "HOST": host, "SWEEP_INTERVAL": sweep}
		l, err := LoadLocal(func(k string) string { return env[k] })
		if err != nil {
			errs := []error{err}
			if j, ok := err.(interface{ Unwrap() []error }); ok {
				errs = j.Unwrap()
			}
			for _, e := range errs {
				var se *SettingError
				if !errors.As(e, &se) {
					t.Fatalf("LoadLocal(%q) = %v; want SettingErrors only", env, e)
				}
				if _, ok := env[se.Name]; !ok || strings.TrimSpace(env[se.Name]) == "" || !strings.Contains(se.Error(), se.Name) {
					t.Fatalf("LoadLocal(%q) refused %s: %q; want only a variable set, named", env, se.Name, se.Error())
				}
			}
			return
		}
		trim := func(n, def string) string {
			if v := strings.TrimSpace(env[n]); v != "" {
				return v
			}
			return def
		}
		if p := trim("PORT", "3000"); l.Port < 1 || l.Port > 65535 || strconv.Itoa(l.Port) != strings.TrimLeft(strings.TrimPrefix(p, "+"), "0") {
			t.Fatalf("PORT=%q read as %d; want the integer written, 1 to 65535", port, l.Port)
		}
		if l.Host != trim("HOST", "127.0.0.1") || l.Host != "localhost" && net.ParseIP(l.Host) == nil {
			t.Fatalf("HOST=%q read as %q; want the address written", host, l.Host)
		}
		if l.Host != "localhost" {
			if a, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(l.Host, strconv.Itoa(l.Port))); err != nil || a.Port != l.Port || !a.IP.Equal(net.ParseIP(l.Host)) {
				t.Fatalf("HOST=%q, PORT=%q: listen address %v (%v); want %s port %d", host, port, a, err, l.Host, l.Port)
			}
		}
		if want, err := time.ParseDuration(trim("SWEEP_INTERVAL", "1m")); err != nil || want != l.SweepInterval || l.SweepInterval < time.Second || l.SweepInterval > time.Hour || l.SweepInterval%Grid != 0 {
			t.Fatalf("SWEEP_INTERVAL=%q read as %v; want whole milliseconds from 1s to 1h, as written", sweep, l.SweepInterval)
		}
	})
}
