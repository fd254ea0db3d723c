package httpapi

import (
	"net/http"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/dialect"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// Patterns of the documented status endpoints (DESIGN.md §2, 1-6).
const (
	PatternV1Session       = "GET /v1/session/{sessionGuid}"
	PatternPaymentStatus   = "GET /v2.0/payments/{paymentId}/status"
	PatternPaymentSession  = "GET /payment-sessions/{paymentSessionId}"
	PatternCheckoutSession = "GET /v1/checkout-sessions/{checkoutSessionId}"
	PatternSessionRecords  = "GET /pps/api/v1/session-record"
	PatternSessionRecord   = "GET /pps/api/v1/session-record/{sessionId}"
)

// HeaderMerchantID is document 003's merchant header.
const HeaderMerchantID = "X-Merchant-Id"

// readOwned authenticates the caller, reads the session id from the path
// parameter and returns the caller's session as it is now: one GetItem.
func readOwned(r *http.Request, st *store.Store, authn *auth.Authenticator, rule auth.Rule, param string) (*session.Session, *auth.Principal, error) {
	p, err := authenticate(r, authn, rule)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathID(r, param)
	if err != nil {
		return nil, nil, err
	}
	v, err := st.Get(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if err := ownedBy(v, p); err != nil {
		return nil, nil, err
	}
	return v, p, nil
}

// V1Session handles GET /v1/session/{sessionGuid} (document 000).
func V1Session(st *store.Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		v, _, err := readOwned(r, st, authn, rule, "sessionGuid")
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, contentTypeJSON, dialect.V1Session(v))
		return nil
	}, writeProblem)
}

// PaymentStatus handles GET /v2.0/payments/{paymentId}/status (document
// 001): the ApiResponse envelope, errors included.
func PaymentStatus(st *store.Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopePaymentRead, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		v, _, err := readOwned(r, st, authn, rule, "paymentId")
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, contentTypeJSON, dialect.PaymentStatus(v))
		return nil
	}, writeEnvelope)
}

// PaymentSession handles GET /payment-sessions/{paymentSessionId}
// (document 002), authenticated by X-Api-Key.
func PaymentSession(st *store.Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, APIKey: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		v, _, err := readOwned(r, st, authn, rule, "paymentSessionId")
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, contentTypeJSON, dialect.PaymentSession(v))
		return nil
	}, writeProblem)
}

// CheckoutSession handles GET /v1/checkout-sessions/{checkoutSessionId}
// (document 003). X-Merchant-Id is required and must be the caller's
// merchant (else 403); init=true adds appearance and cardCategories; an
// expired session is 401 SESSION_EXPIRED, a canceled one 410.
func CheckoutSession(st *store.Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeUser, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		switch m := r.Header.Values(HeaderMerchantID); {
		case len(m) == 0 || m[0] == "":
			return session.Invalid(HeaderMerchantID, "The X-Merchant-Id header is required.")
		case len(m) > 1:
			return session.Invalid(HeaderMerchantID, "The X-Merchant-Id header must be sent once.")
		case m[0] != p.MerchantID:
			return session.Errorf(session.EFORBIDDEN, session.ReasonMerchantMismatch, "The credentials do not act for the merchant in X-Merchant-Id.")
		}
		id, err := pathID(r, "checkoutSessionId")
		if err != nil {
			return err
		}
		init, err := initParam(r)
		if err != nil {
			return err
		}
		v, err := st.Get(r.Context(), id)
		if err != nil {
			return err
		}
		if err := ownedBy(v, p); err != nil {
			return err
		}
		child, err := childOf(r, st, v)
		if err != nil {
			return err
		}
		body, err := dialect.Checkout(v, child, init)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, contentTypeJSON, body)
		return nil
	}, writeProblem)
}

// childOf reads v's child session as it is now, or nil when v has none or
// the child is past its retention. It is the one case where a status read
// costs a second GetItem: a parent with a child, on document 003. Reading
// the child itself, instead of keeping a copy of its status on the parent,
// means the two can never disagree.
func childOf(r *http.Request, st *store.Store, v *session.Session) (*session.Session, error) {
	if v.ChildSessionID == "" {
		return nil, nil
	}
	child, err := st.Get(r.Context(), v.ChildSessionID)
	if session.ErrorCode(err) == session.ENOTFOUND {
		return nil, nil
	}
	return child, err
}

// initParam reads document 003's init: absent, "true" or "false".
func initParam(r *http.Request) (bool, error) {
	vals, ok := r.URL.Query()["init"]
	if !ok {
		return false, nil
	}
	if len(vals) == 1 {
		switch vals[0] {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, session.Invalid("init", "init must be true or false.")
}

// SessionRecord handles GET /pps/api/v1/session-record/{sessionId}
// (document 004).
func SessionRecord(st *store.Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, Bearer: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		v, _, err := readOwned(r, st, authn, rule, "sessionId")
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, contentTypeJSON, dialect.SessionRecord(v))
		return nil
	}, writeProblem)
}
