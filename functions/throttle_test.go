package functions_test

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// routeRoles is the throttle role of each route of the API: issue 11, item
// 5, "Give each route its own throttle sized to its role (processor events
// must never starve behind reads), make the values parameters". A route the
// template gains must be given a role here and an entry in the API's
// RouteSettings; ANY routes (the 405 answers) get DefaultRouteSettings.
var routeRoles = map[string]string{
	"POST /sessions/{sessionId}/events":             "Events",
	"POST /sessions":                                "Write",
	"POST /sessions/{sessionId}/cancel":             "Write",
	"GET /sessions/{sessionId}":                     "Read",
	"GET /v1/session/{sessionGuid}":                 "Read",
	"GET /v2.0/payments/{paymentId}/status":         "Read",
	"GET /payment-sessions/{paymentSessionId}":      "Read",
	"GET /v1/checkout-sessions/{checkoutSessionId}": "Read",
	"GET /pps/api/v1/session-record/{sessionId}":    "Read",
	"GET /pps/api/v1/session-record":                "List",
	"POST /api-keys":                                "ApiKeys",
	"DELETE /api-keys/{keyId}":                      "ApiKeys",
}

// templateRoutes lists the HTTP API routes the template's functions declare.
func templateRoutes(tpl map[string]any) []string {
	var routes []string
	for _, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		events, _ := get(r, "Properties", "Events").(map[string]any)
		for _, ev := range events {
			if get(ev, "Type") != "HttpApi" {
				continue
			}
			method, _ := get(ev, "Properties", "Method").(string)
			path, _ := get(ev, "Properties", "Path").(string)
			routes = append(routes, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(routes)
	return routes
}

// TestRouteThrottles: every route has its own throttle from a pair of stack
// parameters named for its role; RouteSettings names only routes that
// exist (CloudFormation refuses the stage otherwise); the sizes keep
// processor events on top and the whole API well inside the account's
// regional limit (10,000 requests per second by default, shared by every
// API of the account).
func TestRouteThrottles(t *testing.T) {
	tpl := readTemplate(t)
	api := resourcesOfType(tpl, "AWS::Serverless::HttpApi")["HttpApi"]
	if api == nil {
		t.Fatal("template has no HttpApi resource")
	}
	settings, _ := get(api, "Properties", "RouteSettings").(map[string]any)
	param := func(name string) float64 {
		t.Helper()
		p, _ := get(tpl, "Parameters", name).(map[string]any)
		if p == nil || p["Type"] != "Number" {
			t.Fatalf("parameter %s: got %v; want a Number parameter", name, p)
		}
		def, err := strconv.ParseFloat(toString(p["Default"]), 64)
		min, err2 := strconv.ParseFloat(toString(p["MinValue"]), 64)
		if err != nil || err2 != nil || min < 1 || def < min {
			t.Fatalf("parameter %s: default %v, MinValue %v; want a default of at least MinValue >= 1", name, p["Default"], p["MinValue"])
		}
		return def
	}
	// limits checks that setting s takes its limits from role's parameters
	// and returns their defaults.
	limits := func(where string, s any, role string) (rate, burst float64) {
		t.Helper()
		for _, l := range []struct{ prop, param string }{{"ThrottlingRateLimit", role + "RateLimit"}, {"ThrottlingBurstLimit", role + "BurstLimit"}} {
			if ref := get(s, l.prop, "Ref"); ref != l.param {
				t.Errorf("%s: %s = %v; want !Ref %s", where, l.prop, get(s, l.prop), l.param)
			}
		}
		rate, burst = param(role+"RateLimit"), param(role+"BurstLimit")
		if burst < rate {
			t.Errorf("%s: burst %v below rate %v", where, burst, rate)
		}
		return rate, burst
	}

	otherRate, _ := limits("DefaultRouteSettings", get(api, "Properties", "DefaultRouteSettings"), "OtherRoutes")
	routes := templateRoutes(tpl)
	byRole := map[string]float64{}
	total := 0.0
	seen := map[string]bool{}
	for _, route := range routes {
		seen[route] = true
		if strings.HasPrefix(route, "ANY ") {
			if s, ok := settings[route]; ok {
				r, _ := limits("RouteSettings["+route+"]", s, "OtherRoutes")
				total += r
			} else {
				total += otherRate
			}
			continue
		}
		role, ok := routeRoles[route]
		if !ok {
			t.Errorf("route %s has no throttle role: add it to routeRoles and to the API's RouteSettings", route)
			continue
		}
		s, ok := settings[route]
		if !ok {
			t.Errorf("route %s: no RouteSettings entry; want its own throttle from the %s parameters", route, role)
			continue
		}
		rate, _ := limits("RouteSettings["+route+"]", s, role)
		byRole[role] = rate
		total += rate
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
	t.Logf("%d routes, default rates add up to %v requests/s", len(routes), total)
}

// TestJwksUrlIsHTTPS: the stack takes only an https JWKS URL (plain http,
// to a loopback host, is for the local server and sam local only, where
// shared/config enforces it).
func TestJwksUrlIsHTTPS(t *testing.T) {
	tpl := readTemplate(t)
	pattern, _ := get(tpl, "Parameters", "JwksUrl", "AllowedPattern").(string)
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
