package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/paysessions/paysessions/shared/session"
)

// Route is one endpoint: a net/http pattern ("GET /sessions/{sessionId}")
// and its handler.
type Route struct {
	Pattern string
	Handler http.Handler
}

// router is a ServeMux whose misses are problem documents: 404 for an
// unknown path, 405 (with Allow) for a known path and another method.
type router struct {
	mux *http.ServeMux
}

// NewRouter serves routes. The local server mounts every route on one
// router; each Lambda mounts its own, so path values work the same in both.
func NewRouter(routes ...Route) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.Pattern, rt.Handler)
	}
	return &router{mux: mux}
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := rt.mux.Handler(r); pattern != "" {
		rt.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, m := range methods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := rt.mux.Handler(probe); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		slices.Sort(allow)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, r, &session.Error{Code: session.EMETHOD, Reason: session.ReasonMethodNotAllowed, Message: "Method " + r.Method + " is not allowed here."})
		return
	}
	writeProblem(w, r, session.Errorf(session.ENOTFOUND, session.ReasonNotFound, "No endpoint at this path."))
}
