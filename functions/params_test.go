package functions_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/samlocal"
)

// allowedPattern compiles a parameter's AllowedPattern. CloudFormation
// matches it against the whole value (Java regular expressions); the
// patterns here use only syntax Go's regexp reads the same way, anchored.
func allowedPattern(t testing.TB, tpl map[string]any, name string) *regexp.Regexp {
	t.Helper()
	pattern, _ := apptest.Field("Parameters", name, "AllowedPattern")(tpl).(string)
	if pattern == "" {
		t.Fatalf("parameter %s has no AllowedPattern", name)
	}
	if !strings.HasPrefix(pattern, "^") || !strings.HasSuffix(pattern, "$") {
		t.Fatalf("parameter %s: AllowedPattern %q is not anchored", name, pattern)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatalf("parameter %s: AllowedPattern %q: %v", name, pattern, err)
	}
	return re
}

// TestTableKmsKeyArnIsAKeyARN: the parameter is used twice, as the table's
// KMSMasterKeyId (which takes a key id, key ARN, alias name or alias ARN)
// and as the Resource of TableKeyUsePolicy, the functions' grant to use
// the key. "To specify a KMS key in an IAM policy statement, you must use
// its key ARN. You cannot use a key id, alias name, or alias ARN to
// identify a KMS key in an IAM policy statement" (AWS KMS Developer Guide,
// "Specifying KMS keys in IAM policy statements"): given anything but a
// key ARN the stack deployed, the table was encrypted with the key, and
// every function was denied it, so every request failed. Only a key ARN
// (or empty, for aws/dynamodb) is admitted.
func TestTableKmsKeyArnIsAKeyARN(t *testing.T) {
	re := allowedPattern(t, readTemplate(t), "TableKmsKeyArn")
	for v, want := range map[string]bool{
		"": true,
		"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":            true,
		"arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab":            true, // multi-Region key
		"arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":        true,
		"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab": true,
		"1234abcd-12ab-34cd-56ef-1234567890ab":                                                   false, // key id
		"alias/paysessions":                                                                      false, // alias name
		"arn:aws:kms:eu-west-1:111122223333:alias/paysessions":                                   false, // alias ARN
		"arn:aws:kms:eu-west-1:111122223333:key/*":                                               false,
		"*": false,
		"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab ": false,
		" arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab": false,
		"arn:aws:kms:eu-west-1:11112222333:key/1234abcd-12ab-34cd-56ef-1234567890ab":   false, // 11-digit account
	} {
		if got := re.MatchString(v); got != want {
			t.Errorf("TableKmsKeyArn %q: admitted %v; want %v", v, got, want)
		}
	}
}

// startsWith reports whether an API function starts with the JWT
// settings set to the given values (config.Load, then RequireJWT, as
// app.MustLoadAPI does), and reads each exactly as given.
func startsWith(jwksURL, issuer, audience string) bool {
	env := map[string]string{"TABLE_NAME": "sessions", "JWKS_URL": jwksURL, "JWT_ISSUER": issuer, "JWT_AUDIENCE": audience}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err == nil {
		err = cfg.RequireJWT()
	}
	return err == nil && cfg.JWKSURL == jwksURL && cfg.JWTIssuer == issuer && cfg.JWTAudience == audience
}

// TestJWTParametersAreWhatTheFunctionsStartWith: a JwksUrl, JwtIssuer or
// JwtAudience the stack admits is one every API function starts with, read
// as given, and one it refuses stops them (an https JwksUrl: plain http to
// a loopback host is the local servers' alone). Before, the stack admitted values (a stray %, a bad port, a
// control character in JwksUrl; a blank or space-padded issuer or audience)
// that deployed fine and then failed all twelve API functions at init
// (every request a 500), or that the functions read trimmed, so tokens
// were checked against another value than the one deployed.
func TestJWTParametersAreWhatTheFunctionsStartWith(t *testing.T) {
	tpl := readTemplate(t)
	const (
		goodURL = "https://id.example/.well-known/jwks.json"
		goodIss = "https://id.example/"
		goodAud = "paysessions"
	)
	urls := []string{
		goodURL, "https://id.example:8443/keys", "https://id.example", "https://[2001:db8::1]/keys",
		"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json",
		"https://id.example/keys?tenant=a%20b", "https://id.example/keys#frag",
		"https://%zz/keys", "https://id.example/%zz", "https://id.example:abc/keys", "https://[::1/keys",
		"https://id.example/k\x7f", "https://id\x01.example/keys", "https://id.example/k\teys",
		"https://id.example/k%", "https://id.example/ké",
		// Bracketed hosts that are not IPv6 addresses, and ports no
		// connection can be made to: the stack admitted them, and the
		// functions refused the first at init (every request a 500) and
		// started with the second (every bearer token a 503).
		"https://[1.2.3.4]/keys", "https://[1]/keys", "https://[:]/keys", "https://[.]/keys",
		"https://[::1::]/keys", "https://[1:2:3:4:5:6:7:8:9]/keys", "https://[::01.2.3.4]/keys",
		"https://id.example:0/keys", "https://id.example:65536/keys", "https://id.example:99999/keys",
		"https://[2001:db8::1]:70000/keys",
		// Values Go reads and the stack refuses: make run started with
		// them (README, Decisions: "a value that works under `make run`
		// deploys").
		"https://user@id.example/keys", "https://svc:pw@id.example/keys", "HTTPS://id.example/keys",
		"https://id.example:0080/keys", "https://id.example:/keys", "https://\uff49\uff44.example/keys",
		"https://id_x.example/keys", "https://id.example/k eys", "https://id.example/keys?a=\u00e9",
		"https://[fe80::1%25eth0]/keys", "https://id.example/a|b\\c", "https://id.example?x",
		// Hostile spellings the two read alike (both admit or both
		// refuse): a trailing dot, a host of dots or hyphens, IPv4-mapped
		// and -embedded IPv6, [::], the port's ends, % in the host or at
		// the end, ? # right after the host, @ after the path, \ and ;.
		"https://id.example./keys", "https://.../keys", "https://-/keys", "https://[::ffff:192.0.2.1]/keys",
		"https://[64:ff9b::192.0.2.1]/keys", "https://[::192.0.2.01]/keys", "https://[1.2.3.4::]/keys",
		"https://[2001:DB8::AB]/keys", "https://[::]", "https://[::]:65535", "https://id.example:1",
		"https://id.example:01/keys", "https://[::1]:/keys", "https://:443/keys", "https://[]:443/keys",
		"https://id%41.example/keys", "https://%C3%A9.example/keys", "https://[::1%25]/keys", "https://id.example/keys%",
		"https://id.example#", "https://id.example?", "https://[::1]#x", "https://id.example:443?x",
		"https://id.example/p@x", "https://@id.example/keys", "https://id.example\\x/keys", "https://id.example/\\",
		"https://id;x.example/keys", "https://id.example/p;x", "https://id.example:80:80/keys", "https://x[::1]/keys",
	}
	texts := []string{
		"x", goodIss, "api://paysessions", "a b",
		" ", "  ", "\t", " " + goodIss, goodIss + " ", goodIss + "\n", "\u00a0",
		// Beyond printable ASCII, which the stack refuses: make run
		// started with them (README, Decisions: "a value that works under
		// make run deploys").
		"https://id.exämple/", "a\x00b", "a\tb", "a\x7fb", "ｐａｙ",
	}
	url := allowedPattern(t, tpl, "JwksUrl")
	for _, u := range urls {
		if admitted, starts := url.MatchString(u), startsWith(u, goodIss, goodAud); admitted != starts {
			t.Errorf("JwksUrl %q: the stack admits it %v; the API functions start with it as given %v", u, admitted, starts)
		}
	}
	if !url.MatchString(goodURL) {
		t.Errorf("JwksUrl %q refused", goodURL)
	}
	// A bracketed host is admitted exactly when it is an address the
	// functions start with.
	valid, hosts := 0, bracketedHosts()
	for _, u := range hosts {
		admitted, starts := url.MatchString(u), startsWith(u, goodIss, goodAud)
		if admitted != starts {
			t.Errorf("JwksUrl %q: the stack admits it %v; the API functions start with it %v", u, admitted, starts)
		}
		if starts {
			valid++
		}
	}
	if valid < 300 || len(hosts)-valid < 300 {
		t.Errorf("%d of %d bracketed hosts are addresses; want at least 300 of each kind (the generator no longer makes them)", valid, len(hosts))
	}
	for _, u := range []string{
		"https://[2001:db8::1]/keys", "https://[::1]/keys", "https://[::]/keys", "https://[::ffff:192.0.2.1]/keys",
		"https://[1:2:3:4:5:6:7:8]/keys", "https://[1:2:3:4:5:6:7::]/keys", "https://[::2:3:4:5:6:7:8]/keys",
		"https://[1:2:3:4:5:6:1.2.3.4]/keys", "https://[FE80::Ab:1]/keys",
		"https://id.example:1/keys", "https://id.example:443/keys", "https://id.example:65535/keys",
	} {
		if !url.MatchString(u) || !startsWith(u, goodIss, goodAud) {
			t.Errorf("JwksUrl %q: the stack admits it %v and the functions start with it %v; want both", u, url.MatchString(u), startsWith(u, goodIss, goodAud))
		}
	}
	for _, p := range []string{"JwtIssuer", "JwtAudience"} {
		re := allowedPattern(t, tpl, p)
		for _, v := range texts {
			iss, aud := goodIss, goodAud
			if p == "JwtIssuer" {
				iss = v
			} else {
				aud = v
			}
			if admitted, starts := re.MatchString(v), startsWith(goodURL, iss, aud); admitted != starts {
				t.Errorf("%s %q: the stack admits it %v; the API functions start with it as given %v", p, v, admitted, starts)
			}
		}
		if !re.MatchString("x") || !re.MatchString(goodIss) {
			t.Errorf("%s: a plain value is refused", p)
		}
	}
}

// FuzzJwksURLIsTheTemplates: an https JWKS_URL is one the API functions
// start with, read as given, exactly when the stack's JwksUrl admits it
// (README, Decisions: "a value that works under `make run` deploys, and
// one that deploys starts"). Go's url.Parse reads far more than the
// pattern writes (user information, HTTPS://, :0080, a host with _ or
// beyond ASCII, a raw space), and make run started with those.
func FuzzJwksURLIsTheTemplates(f *testing.F) {
	for _, s := range []string{
		"https://id.example/.well-known/jwks.json", "https://user@id.example/k", "HTTPS://id.example/k",
		"https://id.example:0080/k", "https://id.example:/k", "https://\uff49\uff44.example/k", "https://id_x.example/k",
		"https://id.example/k eys", "https://id.example/k?a=\u00e9", "https://[fe80::1%25eth0]/k", "https://[::1]:8443?x#y",
		"https://id.example/%4", "https://id.example/%41%", "https://[1.2.3.4]/k", "https://id.example:65536/k",
	} {
		f.Add(s)
	}
	url := allowedPattern(f, readTemplate(f), "JwksUrl")
	f.Fuzz(func(t *testing.T, u string) {
		if !strings.HasPrefix(strings.ToLower(u), "https://") {
			u = "https://" + u
		}
		if strings.TrimSpace(u) != u {
			return // read trimmed, where the pattern refuses the padding (README says so)
		}
		if admitted, starts := url.MatchString(u), startsWith(u, "https://id.example/", "paysessions"); admitted != starts {
			t.Errorf("JwksUrl %q: the stack admits it %v; the API functions start with it as given %v", u, admitted, starts)
		}
	})
}

// bracketedHosts are JwksUrl values whose host is bracketed: IPv6
// addresses and near misses, from a fixed seed (the same list every run).
// Each is 0 to 9 hex groups with or without one "::" (or two), and perhaps
// an IPv4 tail; one in four has a group made bad (too long, an octet out
// of range or with a leading zero, a stray colon or dot).
func bracketedHosts() []string {
	r := rand.New(rand.NewPCG(23, 5))
	groups := []string{"0", "1", "ab", "fFfF", "db8", "ffff"}
	bad := []string{"12345", "00000", "g", "", ":", ".", "1.2.3", "256.1.1.1", "01.2.3.4", "1.2.3.4.5"}
	tails := []string{"1.2.3.4", "192.0.2.1", "255.255.255.255", "0.0.0.0"}
	seen := map[string]bool{}
	var out []string
	for range 4000 {
		var g []string
		for n := r.IntN(10); n > 0; n-- {
			g = append(g, groups[r.IntN(len(groups))])
		}
		if r.IntN(3) == 0 {
			g = append(g, tails[r.IntN(len(tails))])
		}
		if r.IntN(4) == 0 && len(g) > 0 {
			g[r.IntN(len(g))] = bad[r.IntN(len(bad))]
		}
		h := strings.Join(g, ":")
		for n := r.IntN(3); n > 0 && r.IntN(4) > 0; n-- {
			i := r.IntN(len(g) + 1)
			h = strings.Join(g[:i], ":") + "::" + strings.Join(g[i:], ":")
			if n == 2 {
				h += "::"
			}
		}
		if u := "https://[" + h + "]/keys"; !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// cfnAdmits reports whether CloudFormation admits v for the parameter p as
// its documentation describes the checks: a String must match its
// AllowedPattern (when it has one); a Number is "an integer or float", as
// Java reads one (a sign, leading zeros, a fraction, an exponent),
// between MinValue and MaxValue; either must be one of AllowedValues when
// the parameter has them. Ref then hands a function the value as given,
// as a string ("when you use the parameter elsewhere in your template
// (for example, by using the Ref intrinsic function), the parameter value
// becomes a string").
func cfnAdmits(t *testing.T, p map[string]any, v string) bool {
	t.Helper()
	if allowed, ok := p["AllowedValues"].([]any); ok {
		found := false
		for _, a := range allowed {
			found = found || fmt.Sprint(a) == v
		}
		if !found {
			return false
		}
	}
	switch p["Type"] {
	case "String":
		if pattern, ok := p["AllowedPattern"].(string); ok {
			return regexp.MustCompile(pattern).MatchString(v)
		}
		return true
	case "Number":
		if !javaNumber.MatchString(v) {
			return false
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		if lo, ok := p["MinValue"]; ok && n < toFloat(t, lo) {
			return false
		}
		if hi, ok := p["MaxValue"]; ok && n > toFloat(t, hi) {
			return false
		}
		return true
	}
	t.Fatalf("parameter type %v", p["Type"])
	return false
}

// javaNumber is a decimal number as Java's Double.valueOf reads one.
var javaNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

func toFloat(t *testing.T, v any) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(fmt.Sprint(v), 64)
	if err != nil {
		t.Fatalf("%v: %v", v, err)
	}
	return f
}

// TestNumericParametersAreWhatTheFunctionsStartWith: a value CloudFormation
// admits for a parameter that reaches the functions' environment is one
// every function starts with, the other parameters at their defaults, and
// reads as given. Before, ExpiryShards was a Number (1..256):
// CloudFormation admitted 64.0, 6.4e1 or 32.5, and every function then
// failed at init on EXPIRY_SHARDS (an integer from 1 to 256), so every
// request was a 500 and the sweeper never ran. The lifecycle durations
// (config.Ranges) are held to it too: SessionExpiry and ResultRetention
// admitted 1s (and 1000ms), with which no function starts, since
// WRITE_GUARD, at least 1 s, must be shorter; and the functions read any
// Go duration, 15m50ns too, where the parameters admit whole milliseconds.
func TestNumericParametersAreWhatTheFunctionsStartWith(t *testing.T) {
	tpl := readTemplate(t)
	global, _ := apptest.Field("Globals", "Function", "Environment", "Variables")(tpl).(map[string]any)
	values := []string{"1", "16", "64", "256", "0", "257", "-1", "64.0", "64.", "6.4e1", "32.5", "1e2", "+64", "064", "0064", " 64", "64 ", "", "x", "1000000"}
	durations := []string{
		"1s", "1000ms", "999ms", "1001ms", "2s", "5s", "59s", "60s", "61s", "1m", "2m", "30m", "15m", "1440m", "1441m", "24h", "25h",
		"86400s", "86401s", "86400000ms", "86400001ms", "60000ms", "60001ms", "0s", "0ms", "",
		"15m50ns", "5.00000005s", "1.5s", "1500us", "1h30m", "01s", "+5s", " 5s", "5s ", "5S", "5", "x",
	}
	checked, durationsChecked := 0, 0
	for env, v := range global {
		ref, ok := apptest.Field("Ref")(v).(string)
		if !ok {
			continue
		}
		p, ok := apptest.Field("Parameters", ref)(tpl).(map[string]any)
		if _, lifecycle := config.Ranges[env]; ok && lifecycle {
			durationsChecked++
			for _, val := range durations {
				cfg, ok := startsWithAdmitted(t, p, ref, env, val)
				if !ok {
					continue
				}
				read := map[string]time.Duration{"SESSION_EXPIRY": cfg.SessionExpiry, "RESULT_RETENTION": cfg.ResultRetention, "WRITE_GUARD": cfg.WriteGuard}[env]
				if want, err := time.ParseDuration(val); val != "" && (err != nil || read != want) {
					t.Errorf("%s %q: the functions read %s", ref, val, read)
				}
			}
			continue
		}
		if !ok || p["Type"] != "Number" && env != "EXPIRY_SHARDS" {
			continue
		}
		checked++
		for _, val := range values {
			cfg, ok := startsWithAdmitted(t, p, ref, env, val)
			if !ok {
				continue
			}
			if env == "EXPIRY_SHARDS" && strconv.Itoa(cfg.ExpiryShards) != strings.TrimLeft(val, "+0") {
				t.Errorf("%s %q: the functions read %d", ref, val, cfg.ExpiryShards)
			}
		}
		// Every whole number the functions accept is admitted.
		for n := -2; n <= 300; n++ {
			val := strconv.Itoa(n)
			_, err := config.Load(func(k string) string { return map[string]string{"TABLE_NAME": "sessions", env: val}[k] })
			if admitted := cfnAdmits(t, p, val); !admitted && err == nil {
				t.Errorf("%s %q: the functions accept it, CloudFormation refuses it", ref, val)
			}
		}
		if !cfnAdmits(t, p, fmt.Sprint(p["Default"])) {
			t.Errorf("%s: its default %v is not admitted", ref, p["Default"])
		}
	}
	if checked == 0 {
		t.Error("no parameter reaches EXPIRY_SHARDS")
	}
	if durationsChecked != len(config.Ranges) {
		t.Errorf("%d parameters reach the lifecycle durations; want %d (config.Ranges)", durationsChecked, len(config.Ranges))
	}
}

// TestLogLevelIsTheTemplates: LOG_LEVEL takes exactly the values the
// template's LogLevel allows, spelled as it spells them. Before, the
// functions read any case and slog's offsets (INFO, warn+1, debug-4): a
// value make run started with failed the deploy, and an offset is a level
// nothing logs at (README, "Decisions": LOG_LEVEL is one of four words).
func TestLogLevelIsTheTemplates(t *testing.T) {
	tpl := readTemplate(t)
	global, _ := apptest.Field("Globals", "Function", "Environment", "Variables")(tpl).(map[string]any)
	ref, _ := apptest.Field("Ref")(global["LOG_LEVEL"]).(string)
	p, ok := apptest.Field("Parameters", ref)(tpl).(map[string]any)
	if !ok {
		t.Fatalf("LOG_LEVEL is not set from a parameter (Ref %q)", ref)
	}
	for _, v := range []string{"debug", "info", "warn", "error", "DEBUG", "Info", "WARN", "warning", "err", "warn+1", "info+0", "debug-4", "error+8", "8", "-4", "trace", "fatal", "x"} {
		_, err := config.Load(func(k string) string { return map[string]string{"TABLE_NAME": "sessions", "LOG_LEVEL": v}[k] })
		if admitted := cfnAdmits(t, p, v); admitted != (err == nil) {
			t.Errorf("LOG_LEVEL %q: the template admits it %v; the functions start with it %v (%v)", v, admitted, err == nil, err)
		}
	}
}

// TestShortLifecyclesStartWithTheDefaultWriteGuard: a SessionExpiry or
// ResultRetention the stack admits, the other parameters left at their
// defaults, is one every function starts with, with the guard band
// docs/design.md §9 gives an unset WRITE_GUARD (a fifth of the shorter
// duration when that is under 25 s, at least 1 s), as make run has it; and
// make start-api, which resolves the template as SAM CLI does, has the
// same band as make run for the same shell. Before, the template set
// WRITE_GUARD to its WriteGuard default, 5s, always: SessionExpiry 1s..5s
// deployed and every function refused it at init (WRITE_GUARD must be
// shorter), and `SESSION_EXPIRY=10s RESULT_RETENTION=10s make start-api`
// ran with a 5 s band where make run has 2 s (README, Configuration).
func TestShortLifecyclesStartWithTheDefaultWriteGuard(t *testing.T) {
	tpl := readTemplate(t)
	st, err := samlocal.ReadTemplate(root)
	if err != nil {
		t.Fatal(err)
	}
	fn := st.Functions[0]
	for _, name := range []string{"SessionExpiry", "ResultRetention"} {
		re := allowedPattern(t, tpl, name)
		env := map[string]string{"SessionExpiry": "SESSION_EXPIRY", "ResultRetention": "RESULT_RETENTION"}[name]
		// 1s (1000ms) is refused, by the stack as by make run: the band's
		// own minimum is 1 s, so no WRITE_GUARD is shorter. Before, the
		// stack admitted it and every function refused it at init.
		for _, v := range []string{"1s", "1000ms", "999ms", "1001ms", "1002ms", "2s", "4s", "5s", "5001ms", "6s", "6004ms", "10s", "24s", "24999ms", "25s", "4999ms", "5000ms", "1m", "30m"} {
			_, refused := config.Load(config.WithLocalDefaults(func(k string) string { return map[string]string{env: v}[k] }))
			if !re.MatchString(v) {
				if refused == nil {
					t.Errorf("%s %q: the stack refuses it; make run starts with %s=%s", name, v, env, v)
				}
				continue
			}
			// The stack, every other parameter at its default.
			deployed, _ := st.Environment(fn, samlocal.EnvInput{ParameterOverrides: map[string]string{name: v}})
			deployed["TABLE_NAME"], deployed["JWKS_URL"] = "sessions", "https://id.example/keys" // the parameters without a default
			got, err := config.Load(func(k string) string { return deployed[k] })
			if err != nil {
				t.Errorf("%s=%s, the rest at their defaults: every function refuses it at init: %v", name, v, err)
				continue
			}
			// make run, with the same value in the shell, and make
			// start-api (the shell's value of a declared variable wins).
			shell := map[string]string{env: v}
			local, err := config.Load(config.WithLocalDefaults(func(k string) string { return shell[k] }))
			if err != nil {
				t.Fatalf("make run with %s=%s: %v", env, v, err)
			}
			stack, _ := st.Environment(fn, samlocal.EnvInput{Shell: func(k string) (string, bool) { s, ok := shell[k]; return s, ok }})
			stack["TABLE_NAME"], stack["JWKS_URL"] = "sessions", "" // what make start-api's stack sets (its own issuer)
			started, err := config.Load(func(k string) string { return stack[k] })
			switch {
			case err != nil:
				t.Errorf("make start-api with %s=%s: every function refuses it at init: %v", env, v, err)
			case started.WriteGuard != local.WriteGuard || got.WriteGuard != local.WriteGuard:
				t.Errorf("%s=%s: WRITE_GUARD %s deployed, %s on make start-api; %s on make run", env, v, got.WriteGuard, started.WriteGuard, local.WriteGuard)
			}
		}
	}
}

// startsWithAdmitted loads the functions' configuration with env set to
// val, the rest at their defaults, when CloudFormation admits val for the
// parameter p (named ref): ok is false when it does not, or when the
// functions refuse it at init, which is an error.
func startsWithAdmitted(t *testing.T, p map[string]any, ref, env, val string) (cfg config.Config, ok bool) {
	t.Helper()
	if !cfnAdmits(t, p, val) {
		return cfg, false
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"TABLE_NAME": "sessions", env: val}[k]
	})
	if err != nil {
		t.Errorf("%s %q: CloudFormation admits it, but every function refuses %s at init: %v", ref, val, env, err)
		return cfg, false
	}
	return cfg, true
}

// TestStartAPIFunctionsTakeTheShellsSettings: make start-api "takes `make
// run`'s variables" (README, "`make start-api`"), and an unset LOG_LEVEL is
// `info` there as everywhere (README, Configuration: "| `LOG_LEVEL` |
// `info` |"). Each function's environment is built as make start-api builds
// it (the template, the shell, events/env.json, the stack's own values);
// the settings the functions load from it must be make run's for the same
// shell. Before, events/env.json set LOG_LEVEL to debug, which SAM's order
// puts after the shell: `LOG_LEVEL=warn make start-api` checked warn at
// start-up and then ran every function at debug, its INFO request lines
// (a 401 without token metrics) written where make run writes none.
func TestStartAPIFunctionsTakeTheShellsSettings(t *testing.T) {
	st, err := samlocal.ReadTemplate(root)
	if err != nil {
		t.Fatal(err)
	}
	file, err := samlocal.ReadEnvFile(filepath.Join(root, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	shells := []map[string]string{
		{},
		{"LOG_LEVEL": "debug"}, {"LOG_LEVEL": "info"}, {"LOG_LEVEL": "warn"}, {"LOG_LEVEL": "error"},
		{"EXPIRY_SHARDS": "8"}, {"WRITE_GUARD": "7s"},
		{"SESSION_EXPIRY": "10s", "RESULT_RETENTION": "10s"},
	}
	for _, shell := range shells {
		local, err := config.Load(config.WithLocalDefaults(func(k string) string { return shell[k] }))
		if err != nil {
			t.Fatalf("make run with %v: %v", shell, err)
		}
		// What make start-api tells the functions of the stack it started.
		stack := map[string]string{
			"TABLE_NAME": local.TableName, "DYNAMODB_ENDPOINT": "http://127.0.0.1:8000",
			"JWKS_URL": "http://127.0.0.1:3000/.well-known/jwks.json", "JWT_ISSUER": "http://127.0.0.1:3000", "JWT_AUDIENCE": local.JWTAudience,
		}
		for _, k := range []string{"SESSION_EXPIRY", "RESULT_RETENTION"} {
			if v := shell[k]; v != "" {
				stack[k] = v
			}
		}
		for _, fn := range st.Functions {
			env, _ := st.Environment(fn, samlocal.EnvInput{
				Shell: func(k string) (string, bool) { v := shell[k]; return v, v != "" },
				File:  file, Stack: stack,
			})
			got, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Errorf("make start-api with %v: %s refuses its environment at init: %v", shell, fn.LogicalID, err)
				continue
			}
			if got.LogLevel != local.LogLevel || got.Policy() != local.Policy() || got.ExpiryShards != local.ExpiryShards || got.ListShards != local.ListShards {
				t.Errorf("make start-api with %v: %s got LOG_LEVEL %v, %+v, EXPIRY_SHARDS %d, LIST_SHARDS %d; want make run's %v, %+v, %d, %d",
					shell, fn.LogicalID, got.LogLevel, got.Policy(), got.ExpiryShards, got.ListShards, local.LogLevel, local.Policy(), local.ExpiryShards, local.ListShards)
			}
		}
	}
}
