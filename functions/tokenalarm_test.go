package functions_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// tokenMetric is one metric an EMF document declares: its namespace, unit
// and dimensions (name=value, sorted).
type tokenMetric struct{ Namespace, Unit, Dimensions string }

// lineMetrics reads the metrics one log line declares as an EMF document
// (none when it has no _aws block), each by name.
func lineMetrics(t *testing.T, line map[string]any) map[string]tokenMetric {
	t.Helper()
	out := map[string]tokenMetric{}
	for _, d := range toAnys(apptest.Field("_aws", "CloudWatchMetrics")(line)) {
		for _, set := range toAnys(apptest.Field("Dimensions")(d)) {
			var dims []string
			for _, name := range toStrings(set) {
				dims = append(dims, fmt.Sprintf("%s=%v", name, line[name]))
			}
			sort.Strings(dims)
			for _, m := range toAnys(apptest.Field("Metrics")(d)) {
				name := fmt.Sprint(apptest.Field("Name")(m))
				if v, ok := line[name].(float64); !ok || v != 1 {
					t.Errorf("metric %s = %v in %v; want 1 (one token)", name, line[name], line)
				}
				out[name] = tokenMetric{fmt.Sprint(apptest.Field("Namespace")(d)), fmt.Sprint(apptest.Field("Unit")(m)), strings.Join(dims, ",")}
			}
		}
	}
	if _, ok := line["_aws"]; ok && apptest.Field("_aws", "Timestamp")(line) == nil {
		t.Errorf("_aws without Timestamp in %v", line)
	}
	return out
}

// jsonLines decodes log output, one JSON object a line.
func jsonLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if line == "" {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, doc)
	}
	return out
}

// TestMisconfiguredTokenCheckPages: a deploy whose JwtIssuer, JwtAudience
// or JwksUrl is not the identity provider's makes every bearer request 401
// (README's "A wrong `JwtIssuer`, `JwtAudience` or `JwksUrl`", under
// Deploy), and no 5xx: Api5xxAlarm stays quiet. An alarm
// on 401s would page on clients' own mistakes (an expired token, a
// malformed header, a made-up token), which are as common as they are
// harmless. So the token check counts what only a wrong configuration
// makes common: a token whose signature a key of the JWKS verified but
// whose iss or aud is not the configured one (TokensMisaddressed), and a
// token whose kid the JWKS, fetched fine, does not hold
// (TokensOfUnknownKeys); beside them, tokens verified
// (TokensVerified, once per token and container per TokenCacheMaxAge:
// never on the cached path). Ordinary mistakes count nothing. The alarm
// pages when, in two 5-minute periods in a row, at least 5 tokens were
// refused as misaddressed and none was verified: one client holding a
// token for another audience, among clients whose tokens verify, pages no
// one. It watches nothing a token anyone can make counts (a made-up kid
// counts TokensOfUnknownKeys), or anyone could page on-call at will.
//
// The count rides on the request's own log line (one line per request,
// docs/design.md §7), as an EMF document: namespace, unit, dimensions
// Service=api and Stack, the stack's name, which the template gives every
// function as STACK_NAME. It is read here from the lines an API function
// writes as it is built (config.Load, app.New, its Lambda handler), so a
// stack name lost on the way from the environment to the line fails it;
// with LOG_LEVEL=error, which drops every other request line (INFO), the
// lines that count are written all the same. Without STACK_NAME (the local
// servers) no line carries metrics. Each MetricStat of the alarm watches
// what is emitted.
func TestMisconfiguredTokenCheckPages(t *testing.T) {
	const stack = "paysessions-prod"
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	idp, jwksURL := devIssuer(t)
	stranger, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	claims := devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead}}
	mint := func(change func(*devtoken.Claims)) string {
		c := claims
		if change != nil {
			change(&c)
		}
		return idp.MustMint(c)
	}
	good := mint(nil)
	tampered := good[:len(good)-4] + strings.Repeat("A", 4)
	tests := []struct {
		name, token string
		status      int
		metric      string // "": none
		anyone      bool   // a token anyone can make, with no credential of the provider's
	}{
		{"a token of the provider", good, 404, "TokensVerified", false},
		{"the same token again (cached)", good, 404, "", false},
		{"a token lacking the route's scope", mint(func(c *devtoken.Claims) { c.Scopes = []string{auth.ScopeUser} }), 403, "TokensVerified", false},
		{"another issuer", mint(func(c *devtoken.Claims) { c.Issuer = "https://other.test" }), 401, "TokensMisaddressed", false},
		{"another audience", mint(func(c *devtoken.Claims) { c.Audience = "another-api" }), 401, "TokensMisaddressed", false},
		{"a key the JWKS does not hold", stranger.MustMint(claims), 401, "TokensOfUnknownKeys", true},
		// Of a key the JWKS does not hold (a retired key's, another
		// provider's, made up), but refused by its own claims' times
		// whatever the key: a client's own mistake, as with a known key.
		{"a key the JWKS does not hold, expired", stranger.MustMint(func() devtoken.Claims { c := claims; c.Expires = time.Now().Add(-time.Hour); return c }()), 401, "", true},
		{"a key the JWKS does not hold, not yet valid", stranger.MustMint(func() devtoken.Claims { c := claims; c.NotBefore = time.Now().Add(time.Hour); return c }()), 401, "", true},
		// Clients' own mistakes.
		{"expired", mint(func(c *devtoken.Claims) { c.Expires = time.Now().Add(-time.Hour) }), 401, "", false},
		{"not yet valid", mint(func(c *devtoken.Claims) { c.NotBefore = time.Now().Add(time.Hour) }), 401, "", false},
		{"signature altered", tampered, 401, "", true},
		{"not a JWT", "not-a-token", 401, "", true},
	}
	// anyone's are the metrics a token anyone can make counts: an alarm
	// that fired on them would page whenever an attacker, with no
	// credential, sent a few made-up tokens in a quiet hour.
	anyone := map[string]bool{}
	for _, stackName := range []string{stack, ""} {
		var logs bytes.Buffer
		env := map[string]string{
			"TABLE_NAME": table, "DYNAMODB_ENDPOINT": storetest.Endpoint(t),
			"JWKS_URL": jwksURL, "JWT_ISSUER": testIssuer, "JWT_AUDIENCE": testAudience,
			"STACK_NAME": stackName, "LOG_LEVEL": "error",
		}
		cfg, err := config.Load(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(context.Background(), cfg, app.Options{Log: &logs})
		if err != nil {
			t.Fatal(err)
		}
		handler := a.MustRoute(httpapi.PatternGetSession)
		for i, tt := range tests {
			logs.Reset()
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(sample(t, "get-session", tt.token, "", ""), &ev); err != nil {
				t.Fatal(err)
			}
			ev.RequestContext.RequestID = fmt.Sprintf("req-%d", i)
			res, err := handler(context.Background(), ev)
			if err != nil || res.StatusCode != tt.status {
				t.Errorf("STACK_NAME=%q, %s: answer %d %s, %v; want %d", stackName, tt.name, res.StatusCode, res.Body, err, tt.status)
			}
			lines := jsonLines(t, logs.String())
			if tt.metric == "" || stackName == "" {
				// LOG_LEVEL=error: a request line that counts nothing is
				// an INFO line, dropped.
				if len(lines) != 0 {
					t.Errorf("STACK_NAME=%q, %s: log lines %v; want none (INFO, below LOG_LEVEL=error, and nothing counted)", stackName, tt.name, lines)
				}
				continue
			}
			if len(lines) != 1 {
				t.Errorf("STACK_NAME=%q, %s: %d log lines %v; want the request's one line, carrying the count", stackName, tt.name, len(lines), lines)
				continue
			}
			line := lines[0]
			if line["msg"] != "request" || line["request_id"] != ev.RequestContext.RequestID || line["status"] != float64(tt.status) || line["route"] != httpapi.PatternGetSession {
				t.Errorf("STACK_NAME=%q, %s: line %v; want the request's line (request %s, status %d)", stackName, tt.name, line, ev.RequestContext.RequestID, tt.status)
			}
			got := lineMetrics(t, line)
			if tt.anyone {
				for m := range got {
					anyone[m] = true
				}
			}
			want := tokenMetric{"paysessions", "Count", "Service=api,Stack=" + stack}
			if len(got) != 1 || got[tt.metric] != want {
				t.Errorf("STACK_NAME=%q, %s: metrics %v; want %s %+v alone", stackName, tt.name, got, tt.metric, want)
			}
		}
	}

	tpl := readTemplate(t)
	if env := apptest.Field("Globals", "Function", "Environment", "Variables", "STACK_NAME")(tpl); fmt.Sprint(env) != "map[Ref:AWS::StackName]" {
		t.Errorf("Globals STACK_NAME = %v; want the stack's name (Ref AWS::StackName)", env)
	}
	// The alarms on the token check's metrics are the ones this judges;
	// an alarm on other metrics of the namespace (the sweeper's) is
	// TestAlarmsWatchMetricsTheCodeEmits's alone.
	tokenMetrics := map[string]bool{}
	for c := auth.TokenVerified; c <= auth.TokenOfUnknownKey; c++ {
		tokenMetrics[c.Metric()] = true
	}
	var found []string
	for id, a := range resourcesOfType(tpl, "AWS::CloudWatch::Alarm") {
		p := apptest.Field("Properties")(a)
		if name := fmt.Sprint(apptest.Field("MetricName")(p)); apptest.Field("Namespace")(p) == "paysessions" && tokenMetrics[name] {
			found = append(found, id)
			t.Errorf("%s watches %s alone; want the token check's one alarm, on TokensMisaddressed and TokensVerified together", id, name)
			continue
		}
		stats := map[string]string{} // query id -> metric name
		var queries []any
		for _, q := range toAnys(apptest.Field("Metrics")(p)) {
			ms := apptest.Field("MetricStat")(q)
			if ms == nil || apptest.Field("Metric", "Namespace")(ms) != "paysessions" {
				continue
			}
			stats[fmt.Sprint(apptest.Field("Id")(q))] = fmt.Sprint(apptest.Field("Metric", "MetricName")(ms))
			queries = append(queries, q)
		}
		if !slices.ContainsFunc(slices.Collect(maps.Values(stats)), func(name string) bool { return tokenMetrics[name] }) {
			continue
		}
		found = append(found, id)
		for _, q := range queries {
			ms := apptest.Field("MetricStat")(q)
			dims, _ := json.Marshal(apptest.Field("Metric", "Dimensions")(ms))
			if string(dims) != `[{"Name":"Service","Value":"api"},{"Name":"Stack","Value":{"Ref":"AWS::StackName"}}]` ||
				apptest.Field("Stat")(ms) != "Sum" || fmt.Sprint(apptest.Field("Period")(ms)) != "300" || fmt.Sprint(apptest.Field("ReturnData")(q)) != "false" {
				t.Errorf("%s: %s = %v; want the Sum over 5 minutes of paysessions %s (Service=api, Stack=the stack's name), not returned", id, apptest.Field("Id")(q), q, apptest.Field("Metric", "MetricName")(ms))
			}
		}
		for q, name := range stats {
			if anyone[name] {
				t.Errorf("%s watches %s (%s), which a token anyone can make counts; want only what a token of the provider counts", id, name, q)
			}
		}
		if fmt.Sprint(stats) != "map[misaddressed:TokensMisaddressed verified:TokensVerified]" {
			t.Errorf("%s watches %v; want TokensMisaddressed and TokensVerified", id, stats)
		}
		var expr string
		for _, q := range toAnys(apptest.Field("Metrics")(p)) {
			if e, ok := apptest.Field("Expression")(q).(string); ok && fmt.Sprint(apptest.Field("ReturnData")(q)) == "true" {
				expr = e
			}
		}
		if expr != "IF(FILL(misaddressed, 0) >= 5 AND FILL(verified, 0) == 0, 1, 0)" ||
			fmt.Sprint(apptest.Field("EvaluationPeriods")(p)) != "2" || fmt.Sprint(apptest.Field("DatapointsToAlarm")(p)) != "2" ||
			fmt.Sprint(apptest.Field("Threshold")(p)) != "1" || apptest.Field("ComparisonOperator")(p) != "GreaterThanOrEqualToThreshold" ||
			apptest.Field("TreatMissingData")(p) != "notBreaching" {
			t.Errorf("%s = %v; want 1 when at least 5 tokens were refused as misaddressed and none verified, in 2 periods of 2, missing data not breaching", id, p)
		}
	}
	if len(found) != 1 {
		t.Errorf("alarms on the token check's metrics: %v; want one", found)
	}
}
