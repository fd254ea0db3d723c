// Package config reads the service's settings from the environment
// (docs/design.md §9). A bad value stops start-up with a message naming the
// variable, the value's problem and what is expected; the error is a
// SettingError, whose Name is that variable.
//
// Load reads exactly the variables a Lambda function reads, so every one of
// them must be declared in template.yaml (sam local passes a function only
// the variables its template declares; functions/template_test.go checks
// this by recording what Load reads). LoadLocal reads what only the local
// servers (make run, make start-api) add: where to listen, how often to sweep.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// Config is every setting of the service.
type Config struct {
	TableName        string        // TABLE_NAME (required)
	DynamoDBEndpoint string        // DYNAMODB_ENDPOINT: a local engine's URL; empty in AWS
	SessionExpiry    time.Duration // SESSION_EXPIRY, default 30m
	ResultRetention  time.Duration // RESULT_RETENTION, default 15m
	WriteGuard       time.Duration // WRITE_GUARD, default 5s (less for short lifecycles: defaultWriteGuard): writes refused this long before expiry and before the end of retention
	ExpiryShards     int           // EXPIRY_SHARDS, default 64 (the partition-heat model, BENCHMARKS.md)
	ListShards       int           // LIST_SHARDS, default 16; the template fixes it
	JWKSURL          string        // JWKS_URL
	JWTIssuer        string        // JWT_ISSUER
	JWTAudience      string        // JWT_AUDIENCE
	StackName        string        // STACK_NAME: the stack's name, the Stack dimension of the token metrics the request lines carry; empty (the local servers): none
	LogLevel         slog.Level    // LOG_LEVEL: debug, info (default), warn or error, as written
}

// localDefaults are the local servers' values for settings a Lambda
// function must be given.
var localDefaults = map[string]string{
	"TABLE_NAME":   "payment-sessions",
	"JWT_AUDIENCE": "paysessions-local",
}

// WithLocalDefaults is getenv with localDefaults for unset variables.
func WithLocalDefaults(getenv func(string) string) func(string) string {
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return localDefaults[k]
	}
}

// Local is what only the local servers read; no Lambda function does.
type Local struct {
	Port          int           // PORT: default 3000
	Host          string        // HOST: the address to listen on, default 127.0.0.1
	SweepInterval time.Duration // SWEEP_INTERVAL: the sweep timer, default 1m
}

// LoadLocal reads the local servers' own settings through getenv.
func LoadLocal(getenv func(string) string) (Local, error) {
	p := parser{getenv: getenv}
	l := Local{
		Port:          p.integer("PORT", 3000, 1, 65535),
		Host:          p.host("HOST"),
		SweepInterval: p.duration("SWEEP_INTERVAL", time.Minute, Range{time.Second, time.Hour}),
	}
	return l, p.err()
}

// Range is the span a duration setting accepts, both ends included.
type Range struct{ Min, Max time.Duration }

// examples are values a refusal suggests: 30m and 5s where the range holds
// them, else its least value, so an example is never itself refused.
func (r Range) examples() string {
	var in []string
	for _, d := range []struct {
		text string
		d    time.Duration
	}{{"30m", 30 * time.Minute}, {"5s", 5 * time.Second}} {
		if d.d >= r.Min && d.d <= r.Max {
			in = append(in, d.text)
		}
	}
	if len(in) == 0 {
		return r.Min.String()
	}
	return strings.Join(in, " or ")
}

// Grid is the precision of every duration setting: a value must be whole
// milliseconds (`1500ms`, `1.5s`; not `15m50ns`), the finest template.yaml's
// parameters can write (one number and a unit, ms to h). A band off the
// 100 ns grid every instant is kept to once let the write rules disagree
// by a few nanoseconds (session.Policy.WriteAt now keeps them together
// whatever the band); the settings still say one thing.
const Grid = time.Millisecond

// Ranges are the spans of the lifecycle's duration settings, in whole
// milliseconds (Grid). template.yaml's parameters admit exactly these
// values, each written as one number and one unit (a test in functions
// holds them to it), so a value the functions would refuse at start-up is
// refused at deploy time; Load also reads any other Go notation of them
// (`1h30m`, `1.5s`). WRITE_GUARD must also be shorter than the other two,
// which a parameter pattern cannot express; Load checks it. So neither
// lifecycle may be 1 s, the band's own minimum: each is at least 1001ms,
// with which the functions start (defaultWriteGuard is then 1 s).
var Ranges = map[string]Range{
	"SESSION_EXPIRY":   {time.Second + Grid, 24 * time.Hour},
	"RESULT_RETENTION": {time.Second + Grid, 24 * time.Hour},
	"WRITE_GUARD":      {time.Second, time.Minute},
}

// defaultWriteGuard is WRITE_GUARD when it is not set:
// session.DefaultWriteGuard (5 s), or a fifth of the shorter of
// SESSION_EXPIRY and RESULT_RETENTION when that is less, in whole
// milliseconds (rounded down, as a set WRITE_GUARD is written), but never
// under the setting's 1 s minimum. So `SESSION_EXPIRY=5s make run` starts,
// with a 1 s band and 4 s in which a session takes writes, instead of
// refusing to start; the defaults (30m, 15m) keep 5 s. A WRITE_GUARD that
// is set is never lowered.
func defaultWriteGuard(expiry, retention time.Duration) time.Duration {
	return max(Ranges["WRITE_GUARD"].Min, min(session.DefaultWriteGuard, (min(expiry, retention)/5).Truncate(Grid)))
}

// Policy is the lifecycle the settings describe.
func (c Config) Policy() session.Policy {
	return session.Policy{Expiry: c.SessionExpiry, Retention: c.ResultRetention, WriteGuard: c.WriteGuard}
}

// Load reads the settings through getenv (os.Getenv, or a map in tests).
// TABLE_NAME is required; everything else has a default or may be empty.
// GOGC is only checked (gogc): the Go runtime and package app read it.
// All errors are reported at once.
func Load(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	expiry := p.duration("SESSION_EXPIRY", 30*time.Minute, Ranges["SESSION_EXPIRY"])
	retention := p.duration("RESULT_RETENTION", 15*time.Minute, Ranges["RESULT_RETENTION"])
	c := Config{
		TableName:        p.str("TABLE_NAME", "", true),
		DynamoDBEndpoint: p.url("DYNAMODB_ENDPOINT"),
		SessionExpiry:    expiry,
		ResultRetention:  retention,
		WriteGuard:       p.duration("WRITE_GUARD", defaultWriteGuard(expiry, retention), Ranges["WRITE_GUARD"]),
		ExpiryShards:     p.integer("EXPIRY_SHARDS", 64, 1, 256),
		ListShards:       p.integer("LIST_SHARDS", store.DefaultListShards, 1, store.MaxListShards), // a cursor holds a position per shard
		JWKSURL:          p.jwksURL("JWKS_URL"),
		JWTIssuer:        p.str("JWT_ISSUER", "", false),
		JWTAudience:      p.str("JWT_AUDIENCE", "", false),
		StackName:        p.str("STACK_NAME", "", false),
		LogLevel:         p.level("LOG_LEVEL"),
	}
	p.gogc("GOGC")
	// A session must be writable for part of its life: the band is shorter
	// than both periods it guards the end of.
	if c.WriteGuard >= c.SessionExpiry || c.WriteGuard >= c.ResultRetention {
		p.errs = append(p.errs, &SettingError{Name: "WRITE_GUARD", Related: []string{"SESSION_EXPIRY", "RESULT_RETENTION"},
			msg: fmt.Sprintf("WRITE_GUARD=%s must be shorter than SESSION_EXPIRY (%s) and RESULT_RETENTION (%s): writes are refused that long before each ends", c.WriteGuard, c.SessionExpiry, c.ResultRetention)})
	}
	if c.TableName != "" && !validTableName(c.TableName) {
		p.fail("TABLE_NAME", c.TableName, "3 to 255 of A-Z a-z 0-9 _ - .")
	}
	for _, s := range []struct {
		name string
		v    *string
	}{{"JWT_ISSUER", &c.JWTIssuer}, {"JWT_AUDIENCE", &c.JWTAudience}} {
		if *s.v != "" && !printableASCII(*s.v) {
			p.fail(s.name, *s.v, "printable ASCII (as template.yaml's JwtIssuer and JwtAudience admit)")
			*s.v = ""
		}
	}
	if c.StackName != "" && !validStackName(c.StackName) {
		p.fail("STACK_NAME", c.StackName, "a CloudFormation stack name: a letter, then letters, digits and hyphens, at most 128 characters (or empty: no token metrics)")
		c.StackName = ""
	}
	return c, p.err()
}

// RequireJWT checks the settings an API function needs to verify tokens.
func (c Config) RequireJWT() error {
	var errs []error
	if c.JWKSURL == "" {
		errs = append(errs, &SettingError{Name: "JWKS_URL", msg: "JWKS_URL is required: the URL of the JSON Web Key Set that signs bearer tokens"})
	}
	if c.JWTIssuer == "" {
		errs = append(errs, &SettingError{Name: "JWT_ISSUER", msg: "JWT_ISSUER is required: the iss every accepted token must carry"})
	}
	if c.JWTAudience == "" {
		errs = append(errs, &SettingError{Name: "JWT_AUDIENCE", msg: "JWT_AUDIENCE is required: the aud every accepted token must carry"})
	}
	return errors.Join(errs...)
}

// SettingError is a setting start-up refuses: Name is the variable refused
// (LIST_SHARDS), Related the others the refusal is about (WRITE_GUARD's
// against SESSION_EXPIRY and RESULT_RETENTION), Want what a value must be
// when the value itself is refused ("an integer from 1 to 32"; empty for a
// missing value or a relation); Error is the message users see, which
// names them all. Load, LoadLocal and RequireJWT join one per refused
// setting (errors.As finds the first; each is in the join's Unwrap).
type SettingError struct {
	Name    string
	Related []string
	Want    string
	msg     string
	err     error // what failed because of the setting (Listen's error)
}

// Error is the message naming the setting and what it must be.
func (e *SettingError) Error() string { return e.msg }

// Unwrap returns what failed because of the setting, if anything did.
func (e *SettingError) Unwrap() error { return e.err }

// Listen listens on HOST:PORT, as both local servers do. A failure is a
// SettingError naming the setting to change by its cause, the net error
// wrapped: a taken port (EADDRINUSE) or one the user may not bind (EACCES,
// below 1024) is PORT's, an address that is not this machine's
// (EADDRNOTAVAIL) is HOST's; any other names neither.
func (l Local) Listen() (net.Listener, error) {
	addr := net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, listenError(addr, err)
	}
	return ln, nil
}

func listenError(addr string, err error) error {
	name, hint := "", ""
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		name, hint = "PORT", " (is another server using the port? set PORT to use another)"
	case errors.Is(err, syscall.EACCES):
		name, hint = "PORT", " (a port below 1024 needs privileges: set PORT to 1024 or above)"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		name, hint = "HOST", " (HOST is not an address of this machine: set HOST to one, such as 127.0.0.1 or 0.0.0.0)"
	}
	msg := fmt.Sprintf("listen on %s: %v%s", addr, err, hint)
	if name == "" {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return &SettingError{Name: name, msg: msg, err: err}
}

type parser struct {
	getenv func(string) string
	errs   []error
}

func (p *parser) fail(name, value, want string) {
	p.errs = append(p.errs, &SettingError{Name: name, Want: want, msg: fmt.Sprintf("%s=%q is invalid: want %s", name, value, want)})
}

func (p *parser) err() error { return errors.Join(p.errs...) }

func (p *parser) str(name, def string, required bool) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		if required {
			p.errs = append(p.errs, &SettingError{Name: name, msg: name + " is required"})
		}
		return def
	}
	return v
}

func (p *parser) url(name string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	// A host by name or address: u.Host is not empty for "https://:8443"
	// (a port and no name), on which every call failed.
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || !validPort(u.Port()) {
		p.fail(name, ShownURL(v), "an absolute http(s) URL with a host (and a port, if any, from 1 to 65535)")
		return ""
	}
	return v
}

// validPort reports whether a URL's port (empty: the scheme's own) is one a
// connection can be made to. url.Parse reads any run of digits as a port,
// and a URL setting with port 0 or 99999 was read: every call to it then
// failed for the process's whole life (a function answered every bearer
// token 503), where a bad value is to stop start-up.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// ShownURL is a URL setting as an error message or a log line shows it:
// scheme, host and path, with any user information and any query replaced
// by xxxxx, since start-up failures and fetch failures are logged and a
// secret never reaches a log. A URL's secret is not only a password
// (url.URL.Redacted hides that alone): a token may be the user name by
// itself (`https://<token>@host`, which Go's client sends as basic
// authentication) or a query value (`?code=<key>`). A value that does not
// parse is not shown, nor is one without a host (`https:/<token>@host`,
// `<user>:<password>@host`): mistyped, its user information parses as a
// path or an opaque part, where nothing can be hidden with certainty.
func ShownURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return "(not a URL)"
	}
	if u.Opaque != "" || u.Host == "" {
		return "(not an absolute URL)"
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = "xxxxx", false
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// DockerHost is the host's name inside a Docker container (SAM CLI maps it
// with add_host on Linux).
const DockerHost = "host.docker.internal"

// PlainHTTPHost reports whether keys may be fetched from host over plain
// http: a loopback host (localhost, 127.0.0.0/8, ::1) or DockerHost, as
// for JWKS_URL itself. The JWKS fetch applies the same rule to a redirect.
func PlainHTTPHost(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || strings.EqualFold(host, DockerHost) || ip != nil && ip.IsLoopback()
}

// jwksURL reads the JWKS URL: https, or plain http to a loopback host
// (localhost, 127.0.0.0/8, ::1), which the local server and make start-api
// use, or to host.docker.internal, the name Docker gives the host inside a
// container, which is how SAM CLI's containers reach the development issuer
// of `make run` (it resolves nowhere else: in Lambda such a URL fails
// closed, 503, never to another server). Keys fetched over plain http from
// anywhere else could be swapped in transit, and with them every token's
// meaning.
func (p *parser) jwksURL(name string) string {
	v := p.url(name)
	if v == "" {
		return ""
	}
	u, _ := url.Parse(v)
	if u.Scheme != "https" && !PlainHTTPHost(u.Hostname()) {
		p.fail(name, ShownURL(v), "an https URL (plain http only to a loopback host: localhost, 127.0.0.0/8 or ::1; or to "+DockerHost+" for SAM CLI's containers)")
		return ""
	}
	if !jwksForm(v) {
		p.fail(name, ShownURL(v), "a URL written as template.yaml's JwksUrl admits: the scheme in lower case, no user information, a host of ASCII letters, digits, dots and hyphens (or an IPv6 address in brackets, without a zone), a port, if any, from 1 to 65535 without leading zeros, then printable ASCII with % only in %XX escapes")
		return ""
	}
	return v
}

// jwksForm reports whether a JWKS URL Go reads (url.Parse took it) is
// written as template.yaml's JwksUrl pattern admits, whatever its scheme:
// "https://" or "http://" in lower case, no user information, a host name
// of A-Z a-z 0-9 . - (or an IPv6 address in brackets, without a zone), a
// port from 1 to 65535 without leading zeros, then printable ASCII with %
// only in %XX escapes. Go reads more (HTTPS://, user@, :0080, a host with
// _ or beyond ASCII, a raw space or é in the path), and make run started
// with such values, which the stack refuses (README, Decisions: "a value
// that works under `make run` deploys").
func jwksForm(v string) bool {
	rest, ok := strings.CutPrefix(v, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(v, "http://"); !ok {
			return false
		}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	host, port, hasPort := authority, "", false
	if i := strings.LastIndexByte(authority, ':'); i > strings.LastIndexByte(authority, ']') {
		host, port, hasPort = authority[:i], authority[i+1:], true
	}
	if addr, ok := strings.CutPrefix(host, "["); ok {
		addr, ok = strings.CutSuffix(addr, "]")
		if !ok || !strings.Contains(addr, ":") || net.ParseIP(addr) == nil {
			return false
		}
	} else if host == "" || strings.IndexFunc(host, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-')
	}) >= 0 {
		return false
	}
	if hasPort && (port == "" || port[0] == '0' || !validPort(port)) {
		return false
	}
	for i := 0; i < len(tail); i++ {
		switch c := tail[i]; {
		case c == '%':
			if i+2 >= len(tail) || !isHex(tail[i+1]) || !isHex(tail[i+2]) {
				return false
			}
			i += 2
		case c < '!' || c > '~':
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func (p *parser) duration(name string, def time.Duration, r Range) time.Duration {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < r.Min || d > r.Max || d%Grid != 0 {
		p.fail(name, v, fmt.Sprintf("a Go duration in whole milliseconds from %s to %s, e.g. %s", r.Min, r.Max, r.examples()))
		return def
	}
	return d
}

func (p *parser) integer(name string, def, min, max int) int {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		p.fail(name, v, fmt.Sprintf("an integer from %d to %d", min, max))
		return def
	}
	return n
}

// host reads a listen address: an IP address or localhost.
func (p *parser) host(name string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return "127.0.0.1"
	}
	if v != "localhost" && net.ParseIP(v) == nil {
		p.fail(name, v, "an IP address to listen on, e.g. 127.0.0.1 or 0.0.0.0")
		return "127.0.0.1"
	}
	return v
}

// levels are LOG_LEVEL's values: template.yaml's LogLevel allows these
// four words, written so, and nothing else. slog itself would also read
// any case and an offset (`INFO`, `warn+1`): a value make run started with
// would then fail the deploy, and the offsets are levels nothing logs at.
var levels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

func (p *parser) level(name string) slog.Level {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return slog.LevelInfo
	}
	l, ok := levels[v]
	if !ok {
		p.fail(name, v, "debug, info, warn or error")
		return slog.LevelInfo
	}
	return l
}

// gogc checks GOGC, which the Go runtime reads and the service sets itself
// when it is unset (package app, 200): "off" or a whole number, as the
// runtime reads it (strconv.ParseInt, 32 bits, nothing trimmed). The
// runtime reads any other value as 100, silently, and a GOGC that is set
// turns the service's own off, so such a value ran the service at the
// collector setting it had chosen against.
func (p *parser) gogc(name string) {
	v := p.getenv(name)
	if v == "" || v == "off" {
		return
	}
	if _, err := strconv.ParseInt(v, 10, 32); err != nil {
		p.fail(name, v, `"off" or a whole number (a percentage, e.g. 200), as the Go runtime reads it`)
	}
}

// printableASCII reports whether s is printable ASCII (space to tilde),
// what template.yaml's JwtIssuer and JwtAudience admit between their ends
// (their ends are not white space, which Load trims). A token's iss and aud
// are compared with the settings byte for byte; make run started with a
// value the stack refuses (a letter beyond ASCII, a control character).
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func validTableName(s string) bool {
	if len(s) < 3 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validStackName reports whether s is a name CloudFormation gives a stack
// (its StackName pattern, [a-zA-Z][-a-zA-Z0-9]*, at most 128 characters):
// what the template sets STACK_NAME to, and SAM's `local` under make
// start-api. Anything else was never a stack's, and would put the token
// metrics under a Stack dimension no alarm of the stack watches.
func validStackName(s string) bool {
	if len(s) > 128 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
