package httpapi

import (
	"net/http"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
)

// Deps are the dependencies the handlers are made from.
type Deps struct {
	Store Store
	Auth  *auth.Authenticator
	Now   func() time.Time
}

// routeRow is one row of the route table: a route, written as API Gateway
// and net/http both write it ("GET /sessions/{sessionId}"), and how its
// handler is made from the service's dependencies. The maker fixes the
// endpoint's error shape (problem+json, or a document's own).
type routeRow struct {
	pattern string
	handler func(Deps) http.Handler
}

// routeTable is the route table: every HTTP endpoint of the service, once.
// The local server mounts them all (Routes); each function's main names the
// one it serves by its pattern (RouteOf), and functions/template_test.go
// holds the table, the mains, the Makefile and template.yaml to each other.
var routeTable = []routeRow{
	{PatternCreateSession, func(d Deps) http.Handler { return CreateSession(d.Store, d.Auth, d.Now) }},
	{PatternGetSession, func(d Deps) http.Handler { return GetSession(d.Store, d.Auth) }},
	{PatternPostEvent, func(d Deps) http.Handler { return PostEvent(d.Store, d.Auth) }},
	{PatternCancelSession, func(d Deps) http.Handler { return CancelSession(d.Store, d.Auth) }},
	{PatternV1Session, func(d Deps) http.Handler { return V1Session(d.Store, d.Auth) }},
	{PatternPaymentStatus, func(d Deps) http.Handler { return PaymentStatus(d.Store, d.Auth) }},
	{PatternPaymentSession, func(d Deps) http.Handler { return PaymentSession(d.Store, d.Auth) }},
	{PatternCheckoutSession, func(d Deps) http.Handler { return CheckoutSession(d.Store, d.Auth) }},
	{PatternSessionRecords, func(d Deps) http.Handler { return SessionRecords(d.Store, d.Auth) }},
	{PatternSessionRecord, func(d Deps) http.Handler { return SessionRecord(d.Store, d.Auth) }},
	{PatternCreateAPIKey, func(d Deps) http.Handler { return CreateAPIKey(d.Store, d.Auth, d.Now) }},
	{PatternDeleteAPIKey, func(d Deps) http.Handler { return DeleteAPIKey(d.Store, d.Auth) }},
}

// Routes returns every HTTP endpoint of the service, the route table's
// order, each handler made from d. The local server mounts them all.
func Routes(d Deps) []Route {
	routes := make([]Route, len(routeTable))
	for i, e := range routeTable {
		routes[i] = Route{Pattern: e.pattern, Handler: e.handler(d)}
	}
	return routes
}

// RouteOf returns the route table's route at pattern (one of the Pattern
// constants), its handler made from d; false when the table has none. A
// function mounts only its own route, so it makes only that handler.
func RouteOf(pattern string, d Deps) (Route, bool) {
	for _, e := range routeTable {
		if e.pattern == pattern {
			return Route{Pattern: e.pattern, Handler: e.handler(d)}, true
		}
	}
	return Route{}, false
}
