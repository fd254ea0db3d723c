package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// Patterns of the native endpoints (docs/design.md §2, 7-10).
const (
	PatternCreateSession = "POST /sessions"
	PatternGetSession    = "GET /sessions/{sessionId}"
	PatternPostEvent     = "POST /sessions/{sessionId}/events"
	PatternCancelSession = "POST /sessions/{sessionId}/cancel"
)

const contentTypeJSON = "application/json"

// HeaderIdempotencyKey makes POST /sessions safe to retry.
const HeaderIdempotencyKey = "Idempotency-Key"

// maxIdempotencyKey is the longest Idempotency-Key accepted.
const maxIdempotencyKey = 255

// idempotencyKey reads the optional Idempotency-Key: 1 to 255 of the
// characters A-Z a-z 0-9 - _ . : (no commas, which the Lambda adapter would
// split on, and no #, which the store uses as a separator).
func idempotencyKey(r *http.Request) (string, error) {
	vals := r.Header.Values(HeaderIdempotencyKey)
	if len(vals) == 0 {
		return "", nil
	}
	k := vals[0]
	ok := len(vals) == 1 && len(k) >= 1 && len(k) <= maxIdempotencyKey
	for i := 0; ok && i < len(k); i++ {
		c := k[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
	}
	if !ok {
		return "", session.Invalid(HeaderIdempotencyKey, "Idempotency-Key must be 1 to %d characters of A-Z, a-z, 0-9, '-', '_', '.', ':'.", maxIdempotencyKey)
	}
	// The key is stored (in a table key): it must not hold a card number.
	if err := session.CheckText(HeaderIdempotencyKey, k, maxIdempotencyKey); err != nil {
		return "", err
	}
	return k, nil
}

// newHCPToken makes the opaque random token of document 003.
func newHCPToken() string { return hcpTokenFrom(rand.Read) }

// hcpTokenFrom makes an hcpToken of 24 bytes from read: 32 base64url
// characters. 24 random bytes can be any such text, a run of digits a card
// network's among them (abcd4111111111111111abcdefghijkl): a draw that
// looks like a card number is drawn again, as a read refuses a session
// holding one (session.ForeignField: every later read and write of the
// session would be 500), and no answer may show one: far fewer than one
// draw in 10^10 is (13 digit characters in a row are (10/64)^13).
func hcpTokenFrom(read func([]byte) (int, error)) string {
	b := make([]byte, 24)
	for {
		_, _ = read(b)
		if tok := base64.RawURLEncoding.EncodeToString(b); !session.LooksLikeCardNumber(tok) {
			return tok
		}
	}
}

// CreateSession handles POST /sessions: a merchant creates a session (201,
// Location). With an Idempotency-Key, a repeat of the same request returns
// the first response (same id, same status, header Idempotent-Replayed:
// true); the same key with another body is 409. The key is the merchant's
// own and is remembered for 24 hours.
func CreateSession(st Store, authn *auth.Authenticator, now func() time.Time) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsWrite, Bearer: true, APIKey: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		key, err := idempotencyKey(r)
		if err != nil {
			return err
		}
		var d session.Draft
		if err := decodeJSON(r, &d, false, d.Validate); err != nil {
			return err
		}
		v := session.New(&d, p.MerchantID, uuid.NewString(), newHCPToken(), now(), st.Policy())
		var idem *store.Idempotency
		if key != "" {
			canonical, err := d.Canonical()
			if err != nil {
				return session.Internal(err)
			}
			idem = &store.Idempotency{MerchantID: p.MerchantID, Key: key, RequestHash: store.HashRequest(canonical)}
		}
		body, replay, err := st.Create(r.Context(), v, idem, http.StatusCreated, func(v *session.Session) ([]byte, error) { return json.Marshal(v) })
		if err != nil {
			return err
		}
		if replay != nil {
			w.Header().Set("Location", "/sessions/"+replay.SessionID)
			w.Header().Set("Idempotent-Replayed", "true")
			writeBody(w, replay.Status, contentTypeJSON, replay.Body)
			return nil
		}
		w.Header().Set("Location", "/sessions/"+v.ID)
		writeBody(w, http.StatusCreated, contentTypeJSON, body)
		return nil
	}, writeProblem)
}

// GetSession handles GET /sessions/{sessionId}: the session as it is now,
// history included.
func GetSession(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsRead, Bearer: true, APIKey: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		id, err := pathID(r, "sessionId")
		if err != nil {
			return err
		}
		v, err := st.GetOwned(r.Context(), p.MerchantID, id)
		if err != nil {
			return err
		}
		if err := ownedBy(v, p); err != nil {
			return err
		}
		return respond(w, http.StatusOK, v)
	}, writeProblem)
}

// PostEvent handles POST /sessions/{sessionId}/events: a processor reports a
// status change, on any merchant's session; a token that carries a
// merchant_id reaches only that merchant's (another's is 404, as an unknown
// one, even for an eventId it applied before). An event whose eventId was
// applied before is acknowledged (200, the session as it is) and not applied
// again.
func PostEvent(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsProcess, Bearer: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		id, err := pathID(r, "sessionId")
		if err != nil {
			return err
		}
		var ev session.Event
		if err := decodeJSON(r, &ev, false, ev.Validate); err != nil {
			return err
		}
		// A processor (no merchant_id) reports on any merchant's session; a
		// token that acts for a merchant, even with sessions:process, sees
		// only its own merchant's sessions (docs/design.md §7).
		v, err := st.ApplyEvent(r.Context(), p.MerchantID, id, &ev)
		if err != nil {
			return err
		}
		return respond(w, http.StatusOK, v)
	}, writeProblem)
}

// CancelSession handles POST /sessions/{sessionId}/cancel: the merchant
// cancels (open → CANCELED, AUTHORISED → CANCEL_REQUESTED, else 409). The
// body {reason?} is optional.
func CancelSession(st Store, authn *auth.Authenticator) http.Handler {
	rule := auth.Rule{Scope: auth.ScopeSessionsWrite, Bearer: true, APIKey: true, Merchant: true}
	return handle(func(w http.ResponseWriter, r *http.Request) error {
		p, err := authenticate(r, authn, rule)
		if err != nil {
			return err
		}
		id, err := pathID(r, "sessionId")
		if err != nil {
			return err
		}
		var req session.CancelRequest
		if err := decodeJSON(r, &req, true, req.Validate); err != nil {
			return err
		}
		v, err := st.Cancel(r.Context(), p.MerchantID, id, req.Reason)
		if err != nil {
			return err
		}
		return respond(w, http.StatusOK, v)
	}, writeProblem)
}
