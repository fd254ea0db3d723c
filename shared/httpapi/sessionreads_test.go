package httpapi_test

import "github.com/paysessions/paysessions/shared/auth"

// namedRequest is one way a client's request names a session: do sends it
// for session id.
type namedRequest struct {
	name string
	do   func(id string) response
}

// sessionReads is every endpoint that reads one session, as merchant m-1:
// the native read (with a token and with key, an API key of m-1's that
// holds sessions:read) and the five documents' reads, each with the
// credential its document takes.
func sessionReads(h *harness, key string) []namedRequest {
	read := h.token("m-1", auth.ScopeSessionsRead)
	return []namedRequest{
		{"GET /sessions/{id}", func(id string) response { return h.do("GET", "/sessions/"+id, read, nil) }},
		{"GET /sessions/{id} with an API key", func(id string) response {
			return h.do("GET", "/sessions/"+id, "", nil, "X-Api-Key", key)
		}},
		{"000", func(id string) response { return h.do("GET", "/v1/session/"+id, read, nil) }},
		{"001", func(id string) response {
			return h.do("GET", "/v2.0/payments/"+id+"/status", h.token("m-1", auth.ScopePaymentRead), nil)
		}},
		{"002", func(id string) response { return h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", key) }},
		{"003", func(id string) response {
			return h.do("GET", "/v1/checkout-sessions/"+id, h.token("m-1", auth.ScopeUser), nil, "X-Merchant-Id", "m-1")
		}},
		{"004", func(id string) response { return h.do("GET", "/pps/api/v1/session-record/"+id, read, nil) }},
	}
}
