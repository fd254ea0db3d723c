package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// TestRouteTable: every row of the route table is a route key API Gateway
// and net/http read alike, once; RouteOf finds each and nothing else.
func TestRouteTable(t *testing.T) {
	routes := httpapi.Routes(httpapi.Deps{})
	if len(routes) == 0 {
		t.Fatal("the route table is empty")
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		// The router probes these methods for a 405's Allow (router.go).
		if !ok || !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t") {
			t.Errorf("route %q: want METHOD /path with GET, POST, PUT, PATCH or DELETE", rt.Pattern)
		}
		if seen[rt.Pattern] {
			t.Errorf("route %q is in the table twice", rt.Pattern)
		}
		seen[rt.Pattern] = true
		got, ok := httpapi.RouteOf(rt.Pattern, httpapi.Deps{})
		if !ok || got.Pattern != rt.Pattern || got.Handler == nil {
			t.Errorf("RouteOf(%q) = %q, handler %v, %v; want the route and its handler", rt.Pattern, got.Pattern, got.Handler != nil, ok)
		}
	}
	httpapi.NewRouter(routes...) // net/http panics on patterns that conflict
	for _, p := range []string{"", "GET", "GET /sessions", "get /sessions/{sessionId}", "GET /sessions/{id}", "GET /sessions/{sessionId}/", "ANY /sessions"} {
		if rt, ok := httpapi.RouteOf(p, httpapi.Deps{}); ok {
			t.Errorf("RouteOf(%q) = %q; want no route", p, rt.Pattern)
		}
	}
}

// TestRouteOfMountsOneEndpoint: a function mounts the route its main names
// and nothing else, with that endpoint's error shape: another route's path
// is API Gateway's 404, another method on its own path a 405 in the shape
// of its document (001's envelope on 001's path, problem+json elsewhere).
// No handler runs, so no dependency is needed.
func TestRouteOfMountsOneEndpoint(t *testing.T) {
	paths := map[string]string{} // pattern -> a request path it matches
	for _, rt := range httpapi.Routes(httpapi.Deps{}) {
		_, path, _ := strings.Cut(rt.Pattern, " ")
		for {
			i := strings.IndexByte(path, '{')
			if i < 0 {
				break
			}
			j := strings.IndexByte(path[i:], '}')
			path = path[:i] + "6f1c2b8e-3d4a-4e5f-9a7b-0c1d2e3f4a5b" + path[i+j+1:]
		}
		paths[rt.Pattern] = path
	}
	for pattern, path := range paths {
		rt, ok := httpapi.RouteOf(pattern, httpapi.Deps{})
		if !ok {
			t.Fatalf("RouteOf(%q): no route", pattern)
		}
		h := httpapi.NewRouter(rt)
		method, _, _ := strings.Cut(pattern, " ")
		allow := method
		if method == http.MethodGet {
			allow = "GET, HEAD"
		}
		other := http.MethodPut
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(other, path, nil))
		wantType := "application/problem+json"
		if pattern == httpapi.PatternPaymentStatus {
			wantType = "application/json" // document 001's envelope
		}
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != allow || w.Header().Get("Content-Type") != wantType {
			t.Errorf("%s %s on %s's function: got %d, Allow %q, %s; want 405, Allow %s, %s", other, path, pattern, w.Code, w.Header().Get("Allow"), w.Header().Get("Content-Type"), allow, wantType)
		}
		for p, otherPath := range paths {
			if otherPath == path {
				continue
			}
			om, _, _ := strings.Cut(p, " ")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(om, otherPath, nil))
			if w.Code != http.StatusNotFound || w.Body.String() != httpapi.GatewayNotFound {
				t.Errorf("%s %s on %s's function: got %d %s; want API Gateway's 404", om, otherPath, pattern, w.Code, w.Body)
			}
		}
	}
}
