package functions_test

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
	"github.com/paysessions/paysessions/shared/httpapi"
)

// templateRoutes lists the HTTP API routes the template's functions declare.
func templateRoutes(tpl map[string]any) []string {
	var routes []string
	for _, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		events, _ := apptest.Field("Properties", "Events")(r).(map[string]any)
		for _, ev := range events {
			if apptest.Field("Type")(ev) != "HttpApi" {
				continue
			}
			method, _ := apptest.Field("Properties", "Method")(ev).(string)
			path, _ := apptest.Field("Properties", "Path")(ev).(string)
			routes = append(routes, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(routes)
	return routes
}

// TestRouteThrottles: every route has its own throttle from a pair of stack
// parameters named for its role (issue 11, item 5: "Give each route its own
// throttle sized to its role (processor events must never starve behind
// reads), make the values parameters"); RouteSettings names only routes that
// exist (CloudFormation refuses the stage otherwise); the sizes keep
// processor events on top and the whole API well inside the account's
// regional limit (10,000 requests per second by default, shared by every API
// of the account). ANY routes (the 405 answers) get DefaultRouteSettings.
//
// A route's role is the one its RouteSettings entry takes its parameters
// from: the template says it once, and the test holds it to the rules that
// make a role right for a route. Processor events (httpapi.PatternPostEvent)
// have a role of their own, Events, above every other; the 004 day list
// (httpapi.PatternSessionRecords) reads a whole day, so its role, List, is
// below a single read's; a GET takes Read or List and no other method does,
// so a write never shares a read's budget, nor a read a write's.
func TestRouteThrottles(t *testing.T) {
	tpl := readTemplate(t)
	api := resourcesOfType(tpl, "AWS::Serverless::HttpApi")["HttpApi"]
	if api == nil {
		t.Fatal("template has no HttpApi resource")
	}
	settings, _ := apptest.Field("Properties", "RouteSettings")(api).(map[string]any)
	// param is a limit parameter's default: a Number (a rate) or a String
	// with a pattern (a burst, TestBurstLimitParametersAdmitWhatAPIGatewayTakes)
	// that admits its default and 1 but nothing below 1.
	param := func(name string) float64 {
		t.Helper()
		p, _ := apptest.Field("Parameters", name)(tpl).(map[string]any)
		if p == nil || p["Type"] != "Number" && (p["Type"] != "String" || p["AllowedPattern"] == nil) {
			t.Fatalf("parameter %s: got %v; want a Number parameter, or a String one with an AllowedPattern", name, p)
		}
		def, err := strconv.ParseFloat(toString(p["Default"]), 64)
		if err != nil || !cfnAdmits(t, p, toString(p["Default"])) || !cfnAdmits(t, p, "1") || cfnAdmits(t, p, "0") || cfnAdmits(t, p, "0.5") || def < 1 {
			t.Fatalf("parameter %s: default %v; want a default of at least 1, admitted, with 1 admitted and nothing below it", name, p["Default"])
		}
		return def
	}
	// limits checks that setting s takes its limits from one role's pair of
	// parameters and returns the role and their defaults.
	limits := func(where string, s any) (role string, rate, burst float64) {
		t.Helper()
		rateRef, _ := apptest.Field("ThrottlingRateLimit", "Ref")(s).(string)
		burstRef, _ := apptest.Field("ThrottlingBurstLimit", "Ref")(s).(string)
		role, ok := strings.CutSuffix(rateRef, "RateLimit")
		if !ok || role == "" || burstRef != role+"BurstLimit" {
			t.Errorf("%s: ThrottlingRateLimit %v, ThrottlingBurstLimit %v; want !Ref <Role>RateLimit and !Ref <Role>BurstLimit", where, apptest.Field("ThrottlingRateLimit")(s), apptest.Field("ThrottlingBurstLimit")(s))
			return "", 0, 0
		}
		rate, burst = param(role+"RateLimit"), param(role+"BurstLimit")
		if burst < rate {
			t.Errorf("%s: burst %v below rate %v", where, burst, rate)
		}
		return role, rate, burst
	}

	other, otherRate, _ := limits("DefaultRouteSettings", apptest.Field("Properties", "DefaultRouteSettings")(api))
	if other != "OtherRoutes" {
		t.Errorf("DefaultRouteSettings take the %s parameters; want OtherRoutes", other)
	}
	routes := templateRoutes(tpl)
	byRole := map[string]float64{}
	routesOf := map[string][]string{}
	total := 0.0
	seen := map[string]bool{}
	for _, route := range routes {
		seen[route] = true
		method, _, _ := strings.Cut(route, " ")
		if method == "ANY" {
			if s, ok := settings[route]; ok {
				_, r, _ := limits("RouteSettings["+route+"]", s)
				total += r
			} else {
				total += otherRate
			}
			continue
		}
		s, ok := settings[route]
		if !ok {
			t.Errorf("route %s: no RouteSettings entry; want its own throttle from its role's parameters", route)
			continue
		}
		role, rate, _ := limits("RouteSettings["+route+"]", s)
		// README, Deploy: "detailed (per-route) metrics on"; a route's
		// entry replaces DefaultRouteSettings for that route ("so each one
		// also turns per-route (detailed) metrics on", the template's
		// comment); TestProductionStack checks only the default
		// (r68-mut-cfg: one entry's false lived).
		if got := apptest.Field("DetailedMetricsEnabled")(s); got != "true" {
			t.Errorf("RouteSettings[%s]: DetailedMetricsEnabled got %v; want true", route, got)
		}
		if role == "" {
			continue
		}
		byRole[role] = rate
		routesOf[role] = append(routesOf[role], route)
		total += rate
		read := role == "Read" || role == "List"
		switch {
		case route == httpapi.PatternPostEvent && role != "Events":
			t.Errorf("route %s takes the %s parameters; want Events, the processor events' own", route, role)
		case route == httpapi.PatternSessionRecords && role != "List":
			t.Errorf("route %s takes the %s parameters; want List: it reads a whole day", route, role)
		case method == "GET" && !read:
			t.Errorf("route %s takes the %s parameters; want Read or List: a read never shares a write's budget", route, role)
		case method != "GET" && read:
			t.Errorf("route %s takes the %s parameters; want a write's role: a write never shares a read's budget", route, role)
		case role == "OtherRoutes":
			t.Errorf("route %s takes the OtherRoutes parameters; want a role of its own kind", route)
		}
	}
	if !slices.Equal(routesOf["Events"], []string{httpapi.PatternPostEvent}) {
		t.Errorf("the Events parameters throttle %v; want %s alone: processor events must never starve behind another route", routesOf["Events"], httpapi.PatternPostEvent)
	}
	for route := range settings {
		if !seen[route] {
			t.Errorf("RouteSettings names %s, which is not a route of the API (CloudFormation would refuse the stage)", route)
		}
	}
	for role, rate := range byRole {
		if role != "Events" && rate >= byRole["Events"] {
			t.Errorf("default rate of %s routes (%v) is not below the processor events' (%v)", role, rate, byRole["Events"])
		}
	}
	if byRole["List"] >= byRole["Read"] {
		t.Errorf("the 004 day list's default rate (%v) is not below a single read's (%v): it reads a whole day", byRole["List"], byRole["Read"])
	}
	if total > 5000 {
		t.Errorf("the routes' default rates add up to %v/s; want at most 5000, half the account's default regional limit", total)
	}
	t.Logf("%d routes, default rates add up to %v requests/s; roles: %v", len(routes), total, routesOf)
}

// TestJwksUrlIsHTTPS: the stack takes only an https JWKS URL (plain http,
// to a loopback host, is for the local server and sam local only, where
// shared/config enforces it).
func TestJwksUrlIsHTTPS(t *testing.T) {
	tpl := readTemplate(t)
	pattern, _ := apptest.Field("Parameters", "JwksUrl", "AllowedPattern")(tpl).(string)
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatalf("JwksUrl AllowedPattern %q: %v", pattern, err)
	}
	for url, want := range map[string]bool{
		"https://id.example/.well-known/jwks.json":                               true,
		"https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json": true,
		"https://id.example:8443/keys":                                           true,
		"http://id.example/.well-known/jwks.json":                                false,
		"http://127.0.0.1:3000/.well-known/jwks.json":                            false,
		"HTTP://id.example/keys":                                                 false,
		"https://":                                                               false,
		"https:///keys":                                                          false,
		"https://user@id.example/keys":                                           false,
		"https://id.example/keys with space":                                     false,
	} {
		if got := re.MatchString(url); got != want {
			t.Errorf("JwksUrl pattern %q on %q: got %v; want %v", pattern, url, got, want)
		}
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

// TestBurstLimitParametersAdmitWhatAPIGatewayTakes: a route's burst is a
// whole number of requests ("ThrottlingBurstLimit ... Type: Integer",
// AWS::ApiGatewayV2::Stage RouteSettings, CloudFormation Template
// Reference; the API Gateway V2 API's throttlingBurstLimit is an integer
// too), so every parameter a ThrottlingBurstLimit takes admits exactly the
// whole numbers from 1 to 5000, written as they are read (no sign,
// fraction, exponent or leading zero), as ExpiryShards and the warm
// throughput parameters do. As Numbers they admitted 200.5, 2e2 or 0200:
// CloudFormation checks a Number only against MinValue and MaxValue and
// hands the text on as written, so such a value reached the stage, where
// a fraction is no burst API Gateway has (refused at deploy, the update
// rolled back, or cut to a whole number: either way not what was
// deployed). The rates stay Numbers: ThrottlingRateLimit is a Double.
func TestBurstLimitParametersAdmitWhatAPIGatewayTakes(t *testing.T) {
	tpl := readTemplate(t)
	api := resourcesOfType(tpl, "AWS::Serverless::HttpApi")["HttpApi"]
	if api == nil {
		t.Fatal("template has no HttpApi resource")
	}
	settings := []any{apptest.Field("Properties", "DefaultRouteSettings")(api)}
	routes, _ := apptest.Field("Properties", "RouteSettings")(api).(map[string]any)
	for _, s := range routes {
		settings = append(settings, s)
	}
	params := map[string]bool{}
	for _, s := range settings {
		ref, ok := apptest.Field("ThrottlingBurstLimit", "Ref")(s).(string)
		if !ok {
			t.Errorf("ThrottlingBurstLimit %v; want !Ref to a parameter", apptest.Field("ThrottlingBurstLimit")(s))
			continue
		}
		params[ref] = true
	}
	if len(params) == 0 {
		t.Fatal("no ThrottlingBurstLimit parameters found")
	}
	for name := range params {
		p, _ := apptest.Field("Parameters", name)(tpl).(map[string]any)
		if p == nil {
			t.Errorf("parameter %s: missing", name)
			continue
		}
		for n := 1; n <= 5000; n++ {
			if v := strconv.Itoa(n); !cfnAdmits(t, p, v) {
				t.Errorf("%s %q: got refused; want admitted (a whole-number burst)", name, v)
			}
		}
		for _, v := range []string{"0", "5001", "-1", "200.5", "200.0", "200.", "2e2", "+200", "0200", " 200", "200 ", "", "x"} {
			if cfnAdmits(t, p, v) {
				t.Errorf("%s %q: got admitted; want refused (ThrottlingBurstLimit is an Integer from 1 to 5000)", name, v)
			}
		}
		if !cfnAdmits(t, p, fmt.Sprint(p["Default"])) {
			t.Errorf("%s: its default %v is not admitted", name, p["Default"])
		}
	}
}
