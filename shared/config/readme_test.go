package config

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// readmeText is the README as a quotation is compared with it: backticks
// dropped, white space of any kind as one space (docs' quote checker reads
// it so too).
func readmeText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(string(b), "`", "")), " ")
}

// TestConfigurationTableRules holds each setting to the README's
// configuration table (and the paragraphs it points to), row by row: the
// edges of each range, the units refused, the cross-check, the local
// defaults and what is read trimmed. Each row quotes the words its
// expectation comes from, and the test checks the README still holds them.
// Every row here failed on a hand mutant of config.go that the other tests
// let through (r60-config-mut: LIST_SHARDS capped at 31 or starting at 2,
// SWEEP_INTERVAL's ends moved by a millisecond, WRITE_GUARD allowed to
// equal RESULT_RETENTION, warn and error swapped, ftp:// as
// DYNAMODB_ENDPOINT, TABLE_NAME's 3 and 255 and its `.`, HOST=localhost
// refused, the local defaults and the JWT settings' trimming dropped).
func TestConfigurationTableRules(t *testing.T) {
	type loader int
	const (
		lambda   loader = iota // config.Load as a function runs it
		makeRun                // config.Load through WithLocalDefaults, as the local servers run it
		localOwn               // config.LoadLocal
	)
	type rule struct {
		quote   string // the README's words the row holds (backticks dropped)
		load    loader
		env     map[string]string
		refused string                  // the setting start-up refuses; "" for none
		got     func(Config, Local) any // what is read, for a row that starts (nil: nothing to compare)
		want    any
	}
	tableName := func(c Config, _ Local) any { return c.TableName }
	var rules []rule
	add := func(quote string, load loader, refused string, got func(Config, Local) any, want any, env ...string) {
		m := map[string]string{}
		for i := 0; i+1 < len(env); i += 2 {
			m[env[i]] = env[i+1]
		}
		rules = append(rules, rule{quote, load, m, refused, got, want})
	}

	// README, Configuration: TABLE_NAME is "the DynamoDB table: 3 to 255 of
	// A-Z a-z 0-9 _ - . (DynamoDB's table-name rule)".
	const tableRule = "the DynamoDB table: 3 to 255 of A-Z a-z 0-9 _ - . (DynamoDB's table-name rule)"
	add(tableRule, lambda, "", tableName, "abc", "TABLE_NAME", "abc")
	add(tableRule, lambda, "TABLE_NAME", nil, nil, "TABLE_NAME", "ab")
	add(tableRule, lambda, "", tableName, strings.Repeat("a", 255), "TABLE_NAME", strings.Repeat("a", 255))
	add(tableRule, lambda, "TABLE_NAME", nil, nil, "TABLE_NAME", strings.Repeat("a", 256))
	add(tableRule, lambda, "", tableName, "Pay.sessions_9-x", "TABLE_NAME", "Pay.sessions_9-x")
	add(tableRule, lambda, "TABLE_NAME", nil, nil, "TABLE_NAME", "pay+sessions")
	// README, Configuration: TABLE_NAME's default is "payment-sessions
	// locally; required in Lambda", and JWT_AUDIENCE's "paysessions-local
	// locally; required in Lambda": defaults, which a value set replaces.
	add("payment-sessions locally; required in Lambda", makeRun, "", tableName, "payment-sessions")
	add("payment-sessions locally; required in Lambda", makeRun, "", tableName, "t-1", "TABLE_NAME", "t-1")
	add("payment-sessions locally; required in Lambda", lambda, "TABLE_NAME", nil, nil)
	audience := func(c Config, _ Local) any { return c.JWTAudience }
	add("paysessions-local locally; required in Lambda", makeRun, "", audience, "paysessions-local")
	add("paysessions-local locally; required in Lambda", makeRun, "", audience, "api", "JWT_AUDIENCE", "api")
	add("paysessions-local locally; required in Lambda", lambda, "", audience, "")

	// README, Configuration: DYNAMODB_ENDPOINT is "a local engine's URL
	// (http or https, with a host; a port, if any, from 1 to 65535; unlike
	// JWKS_URL, :0080 or an empty : is read)".
	const endpointRule = "a local engine's URL (http or https, with a host; a port, if any, from 1 to 65535; unlike JWKS_URL, :0080 or an empty : is read)"
	endpoint := func(c Config, _ Local) any { return c.DynamoDBEndpoint }
	add(endpointRule, lambda, "", endpoint, "https://127.0.0.1:8000", "DYNAMODB_ENDPOINT", "https://127.0.0.1:8000")
	add(endpointRule, lambda, "", endpoint, "http://127.0.0.1", "DYNAMODB_ENDPOINT", "http://127.0.0.1")
	add(endpointRule, lambda, "", endpoint, "http://127.0.0.1:65535", "DYNAMODB_ENDPOINT", "http://127.0.0.1:65535")
	add(endpointRule, lambda, "", endpoint, "http://127.0.0.1:1", "DYNAMODB_ENDPOINT", "http://127.0.0.1:1")
	add(endpointRule, lambda, "", endpoint, "http://127.0.0.1:0080", "DYNAMODB_ENDPOINT", "http://127.0.0.1:0080")
	add(endpointRule, lambda, "", endpoint, "http://127.0.0.1:/", "DYNAMODB_ENDPOINT", "http://127.0.0.1:/")
	add(endpointRule, lambda, "DYNAMODB_ENDPOINT", nil, nil, "DYNAMODB_ENDPOINT", "ftp://127.0.0.1:8000")
	add(endpointRule, lambda, "DYNAMODB_ENDPOINT", nil, nil, "DYNAMODB_ENDPOINT", "ws://127.0.0.1:8000")
	add(endpointRule, lambda, "DYNAMODB_ENDPOINT", nil, nil, "DYNAMODB_ENDPOINT", "http://127.0.0.1:65536")
	add(endpointRule, lambda, "DYNAMODB_ENDPOINT", nil, nil, "DYNAMODB_ENDPOINT", "http://:8000")

	// README, Configuration: SESSION_EXPIRY and RESULT_RETENTION are each
	// "(over 1s up to 24h: 1001ms..24h)".
	const lifeRule = "(over 1s up to 24h: 1001ms..24h)"
	expiry := func(c Config, _ Local) any { return c.SessionExpiry }
	retention := func(c Config, _ Local) any { return c.ResultRetention }
	add(lifeRule, lambda, "", expiry, 1001*time.Millisecond, "SESSION_EXPIRY", "1001ms")
	add(lifeRule, lambda, "", expiry, 24*time.Hour, "SESSION_EXPIRY", "24h")
	add(lifeRule, lambda, "SESSION_EXPIRY", nil, nil, "SESSION_EXPIRY", "1s")
	add(lifeRule, lambda, "SESSION_EXPIRY", nil, nil, "SESSION_EXPIRY", "24h0m0.001s")
	add(lifeRule, lambda, "", retention, 1001*time.Millisecond, "RESULT_RETENTION", "1001ms")
	add(lifeRule, lambda, "", retention, 24*time.Hour, "RESULT_RETENTION", "24h")
	add(lifeRule, lambda, "RESULT_RETENTION", nil, nil, "RESULT_RETENTION", "1s")
	add(lifeRule, lambda, "RESULT_RETENTION", nil, nil, "RESULT_RETENTION", "24h0m0.001s")

	// README, Configuration: WRITE_GUARD is "(1s..1m, shorter than both
	// durations above; a value that is set is never lowered", so a band
	// equal to RESULT_RETENTION alone is refused as one equal to
	// SESSION_EXPIRY is.
	const guardRule = "(1s..1m, shorter than both durations above; a value that is set is never lowered"
	guard := func(c Config, _ Local) any { return c.WriteGuard }
	add(guardRule, lambda, "", guard, time.Second, "WRITE_GUARD", "1s")
	add(guardRule, lambda, "", guard, time.Minute, "WRITE_GUARD", "1m")
	add(guardRule, lambda, "WRITE_GUARD", nil, nil, "WRITE_GUARD", "999ms")
	add(guardRule, lambda, "WRITE_GUARD", nil, nil, "WRITE_GUARD", "1m0.001s")
	add(guardRule, lambda, "WRITE_GUARD", nil, nil, "RESULT_RETENTION", "5s", "WRITE_GUARD", "5s")
	add(guardRule, lambda, "WRITE_GUARD", nil, nil, "RESULT_RETENTION", "1m", "WRITE_GUARD", "1m")
	add(guardRule, lambda, "WRITE_GUARD", nil, nil, "RESULT_RETENTION", "4999ms", "WRITE_GUARD", "5s")
	add(guardRule, lambda, "", guard, 5*time.Second, "RESULT_RETENTION", "5001ms", "WRITE_GUARD", "5s")
	add(guardRule, lambda, "WRITE_GUARD", nil, nil, "SESSION_EXPIRY", "1m", "RESULT_RETENTION", "10m", "WRITE_GUARD", "1m")

	// README, Configuration: EXPIRY_SHARDS is "partitions of the sweeper's
	// expiry index (1..256)", LIST_SHARDS "partitions of one merchant's day
	// in the list index (1..32)".
	const expiryShards, listShards = "partitions of the sweeper's expiry index (1..256)", "partitions of one merchant's day in the list index (1..32)"
	es := func(c Config, _ Local) any { return c.ExpiryShards }
	ls := func(c Config, _ Local) any { return c.ListShards }
	add(expiryShards, lambda, "", es, 1, "EXPIRY_SHARDS", "1")
	add(expiryShards, lambda, "", es, 256, "EXPIRY_SHARDS", "256")
	add(expiryShards, lambda, "EXPIRY_SHARDS", nil, nil, "EXPIRY_SHARDS", "257")
	add(listShards, lambda, "", ls, 1, "LIST_SHARDS", "1")
	add(listShards, lambda, "", ls, 32, "LIST_SHARDS", "32")
	add(listShards, lambda, "LIST_SHARDS", nil, nil, "LIST_SHARDS", "33")
	add(listShards, lambda, "LIST_SHARDS", nil, nil, "LIST_SHARDS", "0")

	// README, Configuration: LOG_LEVEL is "debug, info, warn or error, in
	// lower case as the template's LogLevel allows": each word its level.
	const levelRule = "debug, info, warn or error, in lower case as the template's LogLevel allows"
	level := func(c Config, _ Local) any { return c.LogLevel }
	add(levelRule, lambda, "", level, slog.LevelDebug, "LOG_LEVEL", "debug")
	add(levelRule, lambda, "", level, slog.LevelInfo, "LOG_LEVEL", "info")
	add(levelRule, lambda, "", level, slog.LevelWarn, "LOG_LEVEL", "warn")
	add(levelRule, lambda, "", level, slog.LevelError, "LOG_LEVEL", "error")
	add(levelRule, lambda, "LOG_LEVEL", nil, nil, "LOG_LEVEL", "WARN")

	// README, Deploy: JwtIssuer and JwtAudience are "printable ASCII
	// without white space at either end: the functions would read them
	// trimmed".
	const trimmed = "printable ASCII without white space at either end: the functions would read them trimmed"
	issuer := func(c Config, _ Local) any { return c.JWTIssuer }
	add(trimmed, lambda, "", issuer, "https://id.example/", "JWT_ISSUER", " https://id.example/\t")
	add(trimmed, lambda, "", audience, "api", "JWT_AUDIENCE", "\napi ")

	// README, Decisions: "every setting from TABLE_NAME to SWEEP_INTERVAL in
	// the Configuration table is read trimmed of white space at its ends,
	// Unicode's included (LOG_LEVEL=" info", info with a .env file's
	// carriage return, or 30m after a no-break space, starts as info or
	// 30m)": a duration, a level and an integer alike; and "a padded GOGC
	// ... stops start-up" (Load checks GOGC as Go reads it).
	const paddedRule = "every setting from TABLE_NAME to SWEEP_INTERVAL in the Configuration table is read trimmed of white space at its ends"
	add(paddedRule, lambda, "", level, slog.LevelInfo, "LOG_LEVEL", " info")
	add(paddedRule, lambda, "", level, slog.LevelWarn, "LOG_LEVEL", "warn\r")
	add(paddedRule, lambda, "", expiry, 30*time.Minute, "SESSION_EXPIRY", "\u00a030m\u2003")
	add(paddedRule, lambda, "", func(c Config, _ Local) any { return c.WriteGuard }, 5*time.Second, "WRITE_GUARD", " 5s\t")
	add(paddedRule, lambda, "", func(c Config, _ Local) any { return c.ExpiryShards }, 32, "EXPIRY_SHARDS", "32\r\n")
	// The URL settings too (r68-mut-cfg: both lived untrimmed; a padded
	// URL fails url.Parse, so the mutant refused them).
	add(paddedRule, lambda, "", endpoint, "http://127.0.0.1:8000", "DYNAMODB_ENDPOINT", " http://127.0.0.1:8000\r")
	add(paddedRule, lambda, "", func(c Config, _ Local) any { return c.JWKSURL }, "https://id.example/jwks", "JWKS_URL", "\thttps://id.example/jwks ")
	add("a padded GOGC, GOMEMLIMIT or LAMBDA_CONCURRENCY stops start-up", lambda, "GOGC", nil, nil, "GOGC", " 200")

	// README, Configuration: SWEEP_INTERVAL is "the local servers' sweep
	// timer, 1s..1h (in AWS: the schedule, every minute)".
	const sweepRule = "the local servers' sweep timer, 1s..1h (in AWS: the schedule, every minute)"
	sweep := func(_ Config, l Local) any { return l.SweepInterval }
	add(sweepRule, localOwn, "", sweep, time.Second, "SWEEP_INTERVAL", "1s")
	add(sweepRule, localOwn, "", sweep, time.Hour, "SWEEP_INTERVAL", "1h")
	add(sweepRule, localOwn, "SWEEP_INTERVAL", nil, nil, "SWEEP_INTERVAL", "999ms")
	add(sweepRule, localOwn, "SWEEP_INTERVAL", nil, nil, "SWEEP_INTERVAL", "1h0m0.001s")

	// README, Security: the local server "listens on 127.0.0.1 unless HOST
	// says otherwise, and on any address but a loopback one (localhost,
	// 127.0.0.0/8, ::1) its banner warns": localhost is a HOST.
	const hostRule = "it listens on 127.0.0.1 unless HOST says otherwise, and on any address but a loopback one (localhost, 127.0.0.0/8, ::1)"
	host := func(_ Config, l Local) any { return l.Host }
	add(hostRule, localOwn, "", host, "localhost", "HOST", "localhost")
	add(hostRule, localOwn, "", host, "::1", "HOST", "::1")
	add(hostRule, localOwn, "", host, "127.0.0.2", "HOST", "127.0.0.2")
	// HOST is read by its own parser: it is trimmed as the rest
	// (r68-mut-cfg: HOST's trimming dropped lived).
	add(paddedRule, localOwn, "", host, "::1", "HOST", " ::1\r\n")
	add(paddedRule, localOwn, "", host, "localhost", "HOST", "localhost ")

	// The README gives PORT no range of its own ("the local servers' port
	// (make run, make start-api)"); its rule for a port anywhere else is
	// "a port, if any, from 1 to 65535", which PORT follows.
	const portRule = "a port, if any, from 1 to 65535"
	port := func(_ Config, l Local) any { return l.Port }
	add(portRule, localOwn, "", port, 1, "PORT", "1")
	add(portRule, localOwn, "", port, 65535, "PORT", "65535")
	add(portRule, localOwn, "PORT", nil, nil, "PORT", "0")
	add(portRule, localOwn, "PORT", nil, nil, "PORT", "65536")

	readme := readmeText(t)
	for _, r := range rules {
		if !strings.Contains(readme, r.quote) {
			t.Errorf("README no longer says %q; the rows quoting it hold nothing", r.quote)
		}
		var c Config
		var l Local
		var err error
		switch r.load {
		case lambda:
			env := map[string]string{"TABLE_NAME": "sessions"}
			for k, v := range r.env {
				env[k] = v
			}
			if _, set := r.env["TABLE_NAME"]; !set && r.refused == "TABLE_NAME" {
				delete(env, "TABLE_NAME")
			}
			c, err = Load(func(k string) string { return env[k] })
		case makeRun:
			c, err = Load(WithLocalDefaults(func(k string) string { return r.env[k] }))
		case localOwn:
			l, err = LoadLocal(func(k string) string { return r.env[k] })
		}
		if r.refused != "" {
			if got := refused(err); !slices.Equal(got, []string{r.refused}) {
				t.Errorf("%v: refused %v (%v); want [%s] (README: %q)", r.env, got, err, r.refused, r.quote)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v; want it to start (README: %q)", r.env, err, r.quote)
			continue
		}
		if r.got != nil {
			if got := r.got(c, l); got != r.want {
				t.Errorf("%v: got %v; want %v (README: %q)", r.env, got, r.want, r.quote)
			}
		}
	}
}
