// Package httpapi is the HTTP face of the service: the handlers of every
// endpoint (plain net/http handlers made by functions that take their
// dependencies), the dialect error shapes, the router and the middleware.
// The same handlers run in each Lambda, through the API Gateway adapter,
// and on the local server's single mux.
package httpapi

import (
	"net/http"
	"strings"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// errorWriter answers an error in a dialect's shape.
type errorWriter func(w http.ResponseWriter, r *http.Request, err error)

// handle adapts fn, answering its error with ew and noting it for the log.
func handle(fn handlerFunc, ew errorWriter) http.Handler {
	return &endpoint{fn: fn, errors: ew}
}

// ProblemHandler adapts fn, a handler that returns its error instead of
// writing it, into one that answers the error as the native API does
// (application/problem+json with a code, the field at fault and the
// request id) and notes it for the request's log line. The local servers
// mount the development issuer's token route with it, so that route's
// errors look like every other.
func ProblemHandler(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return handle(fn, writeProblem)
}

// endpoint is a handler that knows its dialect's error shape, so the
// router answers a 405 on its path in that shape too.
type endpoint struct {
	fn     handlerFunc
	errors errorWriter
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if ri := infoOf(r.Context()); ri != nil {
		ri.errors = e.errors // a panic is answered in this shape too
	}
	if err := e.fn(w, r); err != nil {
		noteError(r, err)
		e.errors(w, r, err)
	}
}

// authenticate runs the authenticator and notes the caller, and what its
// bearer token's check counted, for the log line: a caller whose
// credentials were accepted is noted on a 403 too, as README's "once a
// credential is accepted" says (TestForbiddenLineNamesTheCaller).
func authenticate(r *http.Request, a *auth.Authenticator, rule auth.Rule) (*auth.Principal, error) {
	p, count, err := a.Authenticate(r, rule)
	noteTokenCount(r, count)
	if p != nil {
		notePrincipal(r, p)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// pathID reads a session id from the path: a UUID in its canonical
// 8-4-4-4-12 form, either case, returned in lower case. Anything else is
// 400.
func pathID(r *http.Request, name string) (string, error) {
	id := r.PathValue(name)
	if !session.ValidID(id) {
		return "", session.Invalid(name, "%s must be a UUID.", name)
	}
	return strings.ToLower(id), nil
}

// ownedBy hides another merchant's session: it answers exactly as an
// unknown one.
func ownedBy(v *session.Session, p *auth.Principal) error {
	if v.MerchantID != p.MerchantID {
		return session.NotFound()
	}
	return nil
}
