package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/dialect"
	"github.com/paysessions/paysessions/shared/session"
)

// StatusOf maps an error to its HTTP status. It is the only place in the
// program that does.
func StatusOf(err error) int {
	switch session.ErrorCode(err) {
	case session.EINVALID:
		return http.StatusBadRequest
	case session.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case session.EFORBIDDEN:
		return http.StatusForbidden
	case session.ENOTFOUND:
		return http.StatusNotFound
	case session.ECONFLICT:
		return http.StatusConflict
	case session.EGONE:
		return http.StatusGone
	case session.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case session.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case session.EMETHOD:
		return http.StatusMethodNotAllowed
	case session.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// retryAfterSeconds is what a 503 asks clients to wait, unless its error
// knows a later time a retry can succeed (session.UnavailableFor: a key
// set that cannot be fetched sooner, a band refusal past its deadline).
const retryAfterSeconds = 1

// setErrorHeaders adds the headers an error calls for, whatever the body's
// shape: Retry-After with 503 (1 s, or the later time its error knows a
// retry can succeed: session.RetryAfter), Accept-Encoding: identity with 415, and on every 401 a WWW-Authenticate
// challenge, as RFC 9110 §15.5.2 requires. A 401 from the authenticator
// challenges for the credentials the endpoint takes, with RFC 6750's
// error="invalid_token" when a bearer token was presented and refused; a
// 403 for a bearer token's missing scope carries error="insufficient_scope"
// and the scopes needed (auth.Challenge). Document 003's 401 for
// an expired session (its credentials were good) carries the challenge of
// that endpoint's scheme, `Bearer realm="paysessions"`, without RFC 6750's
// error="invalid_token": the token is valid, and that code would tell an
// OAuth client to throw it away and fetch another, which cannot help; the
// body's code SESSION_EXPIRED says what happened.
func setErrorHeaders(w http.ResponseWriter, err error) {
	switch session.ErrorCode(err) {
	case session.EUNAUTHORIZED:
		challenge := auth.Challenge(err)
		if challenge == "" {
			challenge = bearerChallenge
		}
		w.Header().Set("WWW-Authenticate", challenge)
	case session.EFORBIDDEN:
		// RFC 6750 §3.1: a bearer token without the scope a request needs
		// is told so, and which scopes it needs (insufficient_scope).
		if challenge := auth.Challenge(err); challenge != "" {
			w.Header().Set("WWW-Authenticate", challenge)
		}
	case session.EUNAVAILABLE:
		// RFC 9110 §10.2.3: when a retry can succeed, in whole seconds
		// rounded up.
		wait := session.RetryAfter(err)
		seconds := max(retryAfterSeconds, int((wait+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(seconds))
	case session.EUNSUPPORTED:
		// RFC 9110 §15.5.16: a 415 names the content codings the server
		// takes; this one takes none but identity.
		w.Header().Set("Accept-Encoding", "identity")
	}
}

// bearerChallenge is the challenge of the bearer-token endpoints.
const bearerChallenge = `Bearer realm="paysessions"`

// Problem is an RFC 9457 problem details document, with the service's
// machine-readable code and, for input errors, the field at fault.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// writeProblem answers err as application/problem+json. Internal errors get
// a generic detail; their cause is only in the request's log line.
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	setErrorHeaders(w, err)
	writeJSON(w, status, "application/problem+json", Problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    session.ErrorMessage(err),
		Code:      session.ErrorReason(err),
		Field:     session.ErrorField(err),
		RequestID: RequestID(r.Context()),
	})
}

// respond answers a handler's success: v as JSON with status. A v that
// cannot be encoded (a programming error) is returned as an internal error
// and nothing is written: the endpoint answers it as any error, in its own
// shape, and the request's line logs its cause.
func respond(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return session.Internal(fmt.Errorf("encode the answer: %w", err))
	}
	writeBody(w, status, contentTypeJSON, body)
	return nil
}

// writeJSON answers v as JSON with status: an error's body (problem
// details, document 001's envelope), whose values are strings and numbers.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a programming error can get here (an unencodable value).
		status = http.StatusInternalServerError
		contentType = "application/problem+json"
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"An internal error occurred.","code":"INTERNAL_ERROR"}`)
	}
	writeBody(w, status, contentType, body)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeEnvelope answers err in document 001's ApiResponse envelope: data
// null and one notification naming the problem.
func writeEnvelope(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	setErrorHeaders(w, err)
	writeJSON(w, status, contentTypeJSON, dialect.PaymentStatusError(session.ErrorReason(err), session.ErrorMessage(err)))
}
