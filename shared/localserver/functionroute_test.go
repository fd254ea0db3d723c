package localserver

import (
	"maps"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/samlocal"
)

// TestFunctionRouteIsTheGatewaysRoute: the route an over-limit body's event
// is sized for (its routeKey is in the event twice) is the one make
// start-api's gateway selects. template.yaml: "Each API function has its
// route and an ANY route on the same path, so a known path with another
// method reaches the function", so another method's key is "ANY <path>";
// and "a path no route matches is API Gateway's own 404": a variable
// segment left empty ("/sessions//events") matches no route, so no event is
// built (a body over Lambda's quota there is the 404, not a 413).
func TestFunctionRouteIsTheGatewaysRoute(t *testing.T) {
	routes := httpapi.Routes(httpapi.Deps{})
	for _, tt := range []struct {
		method, path string
		found        bool
		key          samlocal.RouteKey
		params       map[string]string
	}{
		{"POST", "/sessions", true, samlocal.RouteKey{Method: "POST", Path: "/sessions"}, map[string]string{}},
		{"PUT", "/sessions", true, samlocal.RouteKey{Method: "ANY", Path: "/sessions"}, map[string]string{}},
		{"POST", "/sessions/s-1/events", true, samlocal.RouteKey{Method: "POST", Path: "/sessions/{sessionId}/events"}, map[string]string{"sessionId": "s-1"}},
		{"GET", "/sessions/s-1/events", true, samlocal.RouteKey{Method: "ANY", Path: "/sessions/{sessionId}/events"}, map[string]string{"sessionId": "s-1"}},
		{"POST", "/sessions/a%20b/events", true, samlocal.RouteKey{Method: "POST", Path: "/sessions/{sessionId}/events"}, map[string]string{"sessionId": "a b"}},
		{"POST", "/sessions//events", false, samlocal.RouteKey{}, nil},
		{"POST", "/sessions/s-1/refunds", false, samlocal.RouteKey{}, nil},
	} {
		key, params, found := functionRoute(routes, tt.method, tt.path)
		if found != tt.found || key != tt.key || !maps.Equal(params, tt.params) {
			t.Errorf("functionRoute(%s %s) = %v, %v, %v; want %v, %v, %v", tt.method, tt.path, key, params, found, tt.key, tt.params, tt.found)
		}
	}
}
