package httpapi_test

// The credentials-and-tenancy matrix: every HTTP endpoint × every credential
// case → the exact status and body shape each case must get, over HTTP on
// the local server and on make start-api's stack of real bootstraps
// (apitarget: the whole handler stack, the real authenticator and the real
// store on DynamoDB Local); and the api-proxy's internal headers sent by a
// client, through the harness and through the Lambda adapter.
//
// Every identifier of this file starts with mx, so it cannot clash with the
// package's other tests.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v3/jwa"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// The matrix's merchants: m-1 owns every resource the requests name; m-2 is
// the other merchant.
const (
	mxOwn   = "m-1"
	mxOther = "m-2"
	// mxCard is a test card number (Visa, passes Luhn). Some garbage
	// credentials carry it; it must never reach a log.
	mxCard       = "4111111111111111"
	mxCardSpaced = "4111 1111 1111 1111"
	// mxCardDotted and mxCardExpiry are written forms the guard must see
	// through (issue 11).
	mxCardDotted = "4111.1111.1111.1111"
	mxCardExpiry = "4111_1111_1111_1111 12/28"
)

// mxAllScopes are all the scopes the service knows. The bad-token cases
// carry all of them for m-1, so the token's defect is the only reason to
// refuse it.
var mxAllScopes = []string{
	auth.ScopeSessionsRead, auth.ScopeSessionsWrite, auth.ScopeSessionsProcess,
	auth.ScopeAPIKeysWrite, auth.ScopePaymentRead, auth.ScopeUser,
}

// mxCase is a credential case: a column of the matrix.
type mxCase int

// The cases. The brief's "own merchant" is split in two (JWT and API key),
// so that both kinds are tried on every endpoint; "no merchant_id" and
// "X-Merchant-Id missing" are added for the 403 MERCHANT_REQUIRED and
// document 003's 400.
const (
	mxOwnJWT              mxCase = iota // m-1's JWT with exactly the endpoint's scope
	mxOwnKey                            // m-1's API key, sessions:read and sessions:write
	mxOtherMerchant                     // m-2's credentials of the right kind and scope, on m-1's resource
	mxNoCredentials                     // nothing
	mxGarbage                           // malformed bearer tokens and API keys (several variants)
	mxExpired                           // exp an hour (and 5 minutes) ago: past the 60 s leeway
	mxNotYetValid                       // nbf in 10 minutes
	mxWrongIssuer                       // iss another issuer's (and ours with a trailing slash)
	mxWrongAudience                     // aud another API's
	mxAlgNone                           // alg none, empty signature
	mxHS256                             // HS256 keyed with our public key (DER, PEM, JWKS)
	mxUnknownKid                        // signed by a key the JWKS lacks (also under our kid)
	mxTampered                          // signature altered, claims swapped, signature dropped
	mxMissingScope                      // m-1's credentials with every scope but the one needed
	mxNoMerchantClaim                   // a JWT with the needed scope but no merchant_id
	mxRevokedKey                        // m-1's API key, revoked
	mxOtherMerchantKey                  // m-2's API key, sessions:read and sessions:write
	mxOtherMerchantHeader               // m-1's own credentials with X-Merchant-Id: m-2
	mxNoMerchantHeader                  // m-1's own credentials without X-Merchant-Id
	mxNonCanonical                      // m-1's valid JWT respelled: padding, pad bits set (one token, one spelling)
	mxCrit                              // a JWT our key signed with a crit header (RFC 7515 §4.1.11: none understood)
	mxNonNumericTime                    // a JWT our key signed with exp, nbf or iat as a string
	mxExpiredKey                        // m-1's API key, read+write, past its expiresAt
	mxKeysOnlyJWT                       // m-1's JWT with only apikeys:write (on POST /api-keys: asking for a key with a scope it lacks)
	mxNumCases
)

var mxCaseNames = [mxNumCases]string{
	mxOwnJWT:              "own-jwt",
	mxOwnKey:              "own-api-key",
	mxOtherMerchant:       "other-merchant",
	mxNoCredentials:       "no-credentials",
	mxGarbage:             "garbage",
	mxExpired:             "expired",
	mxNotYetValid:         "nbf-future",
	mxWrongIssuer:         "wrong-issuer",
	mxWrongAudience:       "wrong-audience",
	mxAlgNone:             "alg-none",
	mxHS256:               "hs256-public-key",
	mxUnknownKid:          "unknown-kid",
	mxTampered:            "tampered-signature",
	mxMissingScope:        "missing-scope",
	mxNoMerchantClaim:     "no-merchant-id",
	mxRevokedKey:          "revoked-api-key",
	mxOtherMerchantKey:    "other-merchant-api-key",
	mxOtherMerchantHeader: "x-merchant-id-other",
	mxNoMerchantHeader:    "x-merchant-id-missing",
	mxNonCanonical:        "non-canonical-base64",
	mxCrit:                "crit-header",
	mxNonNumericTime:      "non-numeric-time",
	mxExpiredKey:          "expired-api-key",
	mxKeysOnlyJWT:         "apikeys-write-only-jwt",
}

// mxWant is a cell: the status and, for an error, the machine-readable code
// (problem details "code"; document 001: its notification's code).
type mxWant struct {
	status int
	code   string
}

// The cells' values.
var (
	mx200         = mxWant{http.StatusOK, ""}
	mx201         = mxWant{http.StatusCreated, ""}
	mx204         = mxWant{http.StatusNoContent, ""}
	mx400         = mxWant{http.StatusBadRequest, session.ReasonValidation}
	mx401         = mxWant{http.StatusUnauthorized, session.ReasonUnauthenticated}
	mx403Scope    = mxWant{http.StatusForbidden, session.ReasonInsufficientScope}
	mx403Merchant = mxWant{http.StatusForbidden, session.ReasonMerchantRequired}
	mx403Mismatch = mxWant{http.StatusForbidden, session.ReasonMerchantMismatch}
	mx404         = mxWant{http.StatusNotFound, session.ReasonSessionNotFound}
	mx404Key      = mxWant{http.StatusNotFound, session.ReasonNotFound}
)

// mxTarget is what a row's requests are about: an m-1 session and, for
// DELETE /api-keys, an m-1 API key.
type mxTarget struct {
	session string
	keyID   string
	key     string
}

// mxRequest is a request without its credentials.
type mxRequest struct {
	method, path string
	body         any
	headers      map[string]string
}

// mxRow is an endpoint: how to call it, what its success must leave behind,
// and the expected answer of each case.
type mxRow struct {
	name     string // subtest name
	route    string
	scope    string   // the scope the endpoint requires (to build the credential variants)
	grants   []string // scopes the row's own credentials hold beside scope (POST /api-keys: the key's, which its creator must hold)
	bearer   bool     // takes a bearer JWT
	apiKey   bool     // takes an X-Api-Key
	envelope bool     // errors in document 001's envelope instead of problem+json
	header   bool     // reads X-Merchant-Id (document 003)
	writes   bool     // a success changes state: each success cell gets a fresh target
	needsKey bool     // the target holds an API key
	request  func(m *mxMatrix, tg mxTarget, c mxCase) mxRequest
	verify   func(t *testing.T, m *mxMatrix, tg mxTarget, c mxCase, res mxAnswer)
	want     [mxNumCases]mxWant
}

// scopes are the scopes of the row's own credentials.
func (r *mxRow) scopes() []string { return append([]string{r.scope}, r.grants...) }

// mxRows is the matrix. The cells are written out, not derived from the
// rules: each says what the service must answer.
//
// Decisions where a case does not apply to an endpoint:
//   - an API key (own, revoked, another merchant's) on an endpoint that only
//     takes JWTs is not accepted: 401, whatever the key;
//   - any JWT on the X-Api-Key-only endpoint 002 is not accepted: 401; so
//     "no merchant_id" there (API keys always act for a merchant) is a
//     merchant-less JWT: 401;
//   - "other merchant" on POST /sessions is m-2 creating a child of m-1's
//     session (parentSessionId): 400 VALIDATION_FAILED, the answer for an
//     unknown parent; on POST /api-keys it is m-2 asking for a key with
//     "merchantId": "m-1" in the body: 400 (no such field: a key always
//     acts for the token's merchant); on the list it is m-2's list: 200,
//     without any m-1 session; on DELETE /api-keys it is m-2 revoking m-1's
//     key: 404 NOT_FOUND, as an unknown key;
//   - "other merchant" on /events is a sessions:process token of m-2: 404
//     NOT_FOUND, as an unknown session: a token that acts for a merchant
//     sees only that merchant's sessions, whatever its scopes; processors
//     (no merchant_id) report on any merchant's session;
//   - "apikeys:write only" is a JWT holding no other scope: on POST
//     /api-keys it asks for a sessions:read key, which a creator without
//     sessions:read may not make (403); elsewhere it lacks the scope (403),
//     but DELETE /api-keys needs nothing else (204);
//   - X-Merchant-Id is read by document 003 only: elsewhere, another
//     merchant's or none is ignored (success). On 003, the other-merchant
//     cases send the caller's own merchant (m-2) in it, so the answer is
//     about the session (404), not the header.
func mxRows() []mxRow {
	const (
		read    = auth.ScopeSessionsRead
		write   = auth.ScopeSessionsWrite
		process = auth.ScopeSessionsProcess
		keys    = auth.ScopeAPIKeysWrite
	)
	get := func(prefix, suffix string) func(*mxMatrix, mxTarget, mxCase) mxRequest {
		return func(_ *mxMatrix, tg mxTarget, _ mxCase) mxRequest {
			return mxRequest{method: http.MethodGet, path: prefix + tg.session + suffix}
		}
	}
	return []mxRow{
		{
			name: "create-session", route: "POST /sessions", scope: write, bearer: true, apiKey: true, writes: true,
			request: func(m *mxMatrix, tg mxTarget, _ mxCase) mxRequest {
				return mxRequest{method: http.MethodPost, path: "/sessions",
					body:    map[string]any{"amount": 1200, "currency": "EUR", "orderId": "matrix-child", "parentSessionId": tg.session},
					headers: map[string]string{httpapi.HeaderIdempotencyKey: m.unique("idem")}}
			},
			verify: mxVerifyCreate,
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx201, mxOwnKey: mx201,
				mxOtherMerchant: mx400, // m-2 names m-1's session as parent: "names no session of this merchant"
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey:    mx400, // as other-merchant, with m-2's API key
				mxOtherMerchantHeader: mx201, mxNoMerchantHeader: mx201,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "get-session", route: "GET /sessions/{sessionId}", scope: read, bearer: true, apiKey: true,
			request: get("/sessions/", ""),
			verify: func(t *testing.T, m *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
				b := res.object(t)
				mxEqual(t, "id", b["id"], tg.session)
				mxEqual(t, "merchantId", b["merchantId"], mxOwn)
				mxEqual(t, "status", b["status"], "CREATED")
			},
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx200, mxOwnKey: mx200, mxOtherMerchant: mx404,
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey: mx404, mxOtherMerchantHeader: mx200, mxNoMerchantHeader: mx200,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "post-event", route: "POST /sessions/{sessionId}/events", scope: process, bearer: true, writes: true,
			request: func(m *mxMatrix, tg mxTarget, _ mxCase) mxRequest {
				return mxRequest{method: http.MethodPost, path: "/sessions/" + tg.session + "/events",
					body: map[string]any{"status": "PROCESSING", "eventId": m.unique("evt")}}
			},
			verify: func(t *testing.T, m *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
				b := res.object(t)
				mxEqual(t, "status", b["status"], "PROCESSING")
				v := m.stored(t, tg.session)
				mxEqual(t, "stored status", v.Status, session.Status("PROCESSING"))
				mxEqual(t, "stored merchantId", v.MerchantID, mxOwn)
				mxEqual(t, "stored history length", len(v.History), 2)
			},
			want: [mxNumCases]mxWant{
				mxOwnJWT:        mx200, // m-1's token with sessions:process
				mxOwnKey:        mx401, // events take JWTs only
				mxOtherMerchant: mx404, // m-2's sessions:process token: a merchant's token sees only its merchant's sessions
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope:    mx403Scope,
				mxNoMerchantClaim: mx200, // the usual processor: no merchant_id needed
				mxRevokedKey:      mx401, mxOtherMerchantKey: mx401,
				mxOtherMerchantHeader: mx200, mxNoMerchantHeader: mx200,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "cancel-session", route: "POST /sessions/{sessionId}/cancel", scope: write, bearer: true, apiKey: true, writes: true,
			request: func(_ *mxMatrix, tg mxTarget, _ mxCase) mxRequest {
				return mxRequest{method: http.MethodPost, path: "/sessions/" + tg.session + "/cancel",
					body: map[string]any{"reason": "Matrix cancel."}}
			},
			verify: func(t *testing.T, m *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
				b := res.object(t)
				mxEqual(t, "status", b["status"], "CANCELED")
				v := m.stored(t, tg.session)
				mxEqual(t, "stored status", v.Status, session.Status("CANCELED"))
				mxEqual(t, "stored statusReason", v.StatusReason, "Matrix cancel.")
				mxEqual(t, "stored merchantId", v.MerchantID, mxOwn)
			},
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx200, mxOwnKey: mx200, mxOtherMerchant: mx404,
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey: mx404, mxOtherMerchantHeader: mx200, mxNoMerchantHeader: mx200,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "000-v1-session", route: "GET /v1/session/{sessionGuid}", scope: read, bearer: true,
			request: get("/v1/session/", ""),
			verify: func(t *testing.T, _ *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
				b := res.object(t)
				mxEqual(t, "sessionGuid", b["sessionGuid"], tg.session)
				mxEqual(t, "sessionState", b["sessionState"], "Initial")
			},
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx200, mxOwnKey: mx401, mxOtherMerchant: mx404,
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey: mx401, mxOtherMerchantHeader: mx200, mxNoMerchantHeader: mx200,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "001-payment-status", route: "GET /v2.0/payments/{paymentId}/status", scope: auth.ScopePaymentRead, bearer: true, envelope: true,
			request: get("/v2.0/payments/", "/status"),
			verify: func(t *testing.T, _ *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
				b := res.object(t)
				mxEqual(t, "message", b["message"], "The operation succeeded!")
				data, _ := b["data"].(map[string]any)
				mxEqual(t, "data.paymentId", data["paymentId"], tg.session)
				mxEqual(t, "data.status", data["status"], "Pending")
			},
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx200, mxOwnKey: mx401, mxOtherMerchant: mx404,
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey: mx401, mxOtherMerchantHeader: mx200, mxNoMerchantHeader: mx200,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "002-payment-session", route: "GET /payment-sessions/{paymentSessionId}", scope: read, apiKey: true,
			request: get("/payment-sessions/", ""),
			verify: func(t *testing.T, _ *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
				b := res.object(t)
				mxEqual(t, "paymentSessionId", b["paymentSessionId"], tg.session)
				mxEqual(t, "status", b["status"], "PENDING")
			},
			want: [mxNumCases]mxWant{
				mxOwnJWT:        mx401, // a valid JWT is not an X-Api-Key
				mxOwnKey:        mx200,
				mxOtherMerchant: mx404, // m-2's read-only key
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope:     mx403Scope, // m-1's write-only key
				mxNoMerchantClaim:  mx401,      // does not apply to keys; a merchant-less JWT is refused as any JWT
				mxRevokedKey:       mx401,
				mxOtherMerchantKey: mx404, mxOtherMerchantHeader: mx200, mxNoMerchantHeader: mx200,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx401, // a JWT is not an X-Api-Key
			},
		},
		{
			name: "003-checkout-session", route: "GET /v1/checkout-sessions/{checkoutSessionId}", scope: auth.ScopeUser, bearer: true, header: true,
			request: get("/v1/checkout-sessions/", ""),
			verify: func(t *testing.T, _ *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
				data, _ := res.object(t)["data"].(map[string]any)
				cs, _ := data["checkoutSession"].(map[string]any)
				mxEqual(t, "data.checkoutSession.id", cs["id"], tg.session)
				mxEqual(t, "data.checkoutSession.checkoutSessionStatus", cs["checkoutSessionStatus"], "INITIATED")
			},
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx200, mxOwnKey: mx401,
				mxOtherMerchant: mx404, // m-2's token with X-Merchant-Id: m-2
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey:    mx401,
				mxOtherMerchantHeader: mx403Mismatch,
				mxNoMerchantHeader:    mx400,
				mxNonCanonical:        mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "004-session-records", route: "GET /pps/api/v1/session-record", scope: read, bearer: true,
			request: func(m *mxMatrix, _ mxTarget, _ mxCase) mxRequest {
				return mxRequest{method: http.MethodGet, path: "/pps/api/v1/session-record?createdDate=" + m.day}
			},
			verify: mxVerifyList,
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx200, mxOwnKey: mx401,
				mxOtherMerchant: mx200, // m-2's own list: no m-1 session in it
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey: mx401, mxOtherMerchantHeader: mx200, mxNoMerchantHeader: mx200,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "004-session-record", route: "GET /pps/api/v1/session-record/{sessionId}", scope: read, bearer: true,
			request: get("/pps/api/v1/session-record/", ""),
			verify: func(t *testing.T, _ *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
				b := res.object(t)
				mxEqual(t, "session_id", b["session_id"], tg.session)
				mxEqual(t, "session_status", b["session_status"], "CREATED")
			},
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx200, mxOwnKey: mx401, mxOtherMerchant: mx404,
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey: mx401, mxOtherMerchantHeader: mx200, mxNoMerchantHeader: mx200,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope,
			},
		},
		{
			name: "create-api-key", route: "POST /api-keys", scope: keys, grants: []string{read}, bearer: true, writes: true,
			request: func(_ *mxMatrix, _ mxTarget, c mxCase) mxRequest {
				body := map[string]any{"scopes": []string{auth.ScopeSessionsRead}}
				if c == mxOtherMerchant {
					body["merchantId"] = mxOwn // m-2 asks for a key of m-1
				}
				return mxRequest{method: http.MethodPost, path: "/api-keys", body: body}
			},
			verify: mxVerifyCreateKey,
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx201, mxOwnKey: mx401, // a key cannot make keys
				mxOtherMerchant: mx400, // body names m-1: not a field of the request
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey: mx401, mxOtherMerchantHeader: mx201, mxNoMerchantHeader: mx201,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx403Scope, // asks for a sessions:read key: a key's scopes are a subset of its creator's
			},
		},
		{
			name: "delete-api-key", route: "DELETE /api-keys/{keyId}", scope: keys, bearer: true, writes: true, needsKey: true,
			request: func(_ *mxMatrix, tg mxTarget, _ mxCase) mxRequest {
				return mxRequest{method: http.MethodDelete, path: "/api-keys/" + tg.keyID}
			},
			verify: mxVerifyDeleteKey,
			want: [mxNumCases]mxWant{
				mxOwnJWT: mx204, mxOwnKey: mx401,
				mxOtherMerchant: mx404Key, // m-2 revoking m-1's key: as an unknown key
				mxNoCredentials: mx401, mxGarbage: mx401, mxExpired: mx401, mxNotYetValid: mx401,
				mxWrongIssuer: mx401, mxWrongAudience: mx401, mxAlgNone: mx401, mxHS256: mx401,
				mxUnknownKid: mx401, mxTampered: mx401,
				mxMissingScope: mx403Scope, mxNoMerchantClaim: mx403Merchant, mxRevokedKey: mx401,
				mxOtherMerchantKey: mx401, mxOtherMerchantHeader: mx204, mxNoMerchantHeader: mx204,
				mxNonCanonical: mx401, mxCrit: mx401, mxNonNumericTime: mx401, mxExpiredKey: mx401,
				mxKeysOnlyJWT: mx204,
			},
		},
	}
}

func mxVerifyCreate(t *testing.T, m *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
	t.Helper()
	b := res.object(t)
	id, _ := b["id"].(string)
	mxEqual(t, "Location", res.header.Get("Location"), "/sessions/"+id)
	mxEqual(t, "merchantId", b["merchantId"], mxOwn)
	mxEqual(t, "parentSessionId", b["parentSessionId"], tg.session)
	child := m.stored(t, id)
	mxEqual(t, "stored child's merchantId", child.MerchantID, mxOwn)
	mxEqual(t, "stored child's parentSessionId", child.ParentSessionID, tg.session)
	mxEqual(t, "stored parent's childSessionId", m.stored(t, tg.session).ChildSessionID, id)
	m.own = append(m.own, id)
}

func mxVerifyList(t *testing.T, m *mxMatrix, tg mxTarget, c mxCase, res mxAnswer) {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal(res.body, &list); err != nil {
		t.Fatalf("list: got %s; want a JSON array (%v)", res.body, err)
	}
	ids := map[string]bool{}
	for _, r := range list {
		id, _ := r["session_id"].(string)
		ids[id] = true
	}
	if c == mxOtherMerchant { // m-2's list
		mxEqual(t, "m-2's own session listed", ids[m.otherSession], true)
		for _, id := range m.own {
			if ids[id] {
				t.Errorf("m-2's list holds m-1's session %s: got %v; want only m-2's", id, ids)
			}
		}
		return
	}
	mxEqual(t, "m-1's session listed", ids[tg.session], true)
	mxEqual(t, "m-2's session listed", ids[m.otherSession], false)
}

func mxVerifyCreateKey(t *testing.T, m *mxMatrix, _ mxTarget, _ mxCase, res mxAnswer) {
	t.Helper()
	b := res.object(t)
	key, _ := b["key"].(string)
	id, _ := b["keyId"].(string)
	m.secret(key)
	mxEqual(t, "merchantId", b["merchantId"], mxOwn)
	mxEqual(t, "Location", res.header.Get("Location"), "/api-keys/"+id)
	k, err := m.h.st.APIKey(context.Background(), id)
	if err != nil {
		t.Fatalf("stored key %s: got %v; want it stored", id, err)
	}
	mxEqual(t, "stored key's merchantId", k.MerchantID, mxOwn)
	mxEqual(t, "stored key's scopes", k.Scopes, []string{auth.ScopeSessionsRead})
	// The new key reads m-1's sessions, and only m-1's.
	mxEqual(t, "new key on m-1's session", m.send(t, http.MethodGet, "/payment-sessions/"+m.own[0], nil, map[string]string{auth.HeaderAPIKey: key}).status, http.StatusOK)
	mxEqual(t, "new key on m-2's session", m.send(t, http.MethodGet, "/payment-sessions/"+m.otherSession, nil, map[string]string{auth.HeaderAPIKey: key}).status, http.StatusNotFound)
}

func mxVerifyDeleteKey(t *testing.T, m *mxMatrix, tg mxTarget, _ mxCase, res mxAnswer) {
	t.Helper()
	mxEqual(t, "body", string(res.body), "")
	if _, err := m.h.st.APIKey(context.Background(), tg.keyID); session.ErrorCode(err) != session.ENOTFOUND {
		t.Errorf("stored key after DELETE: got %v; want %s", err, session.ENOTFOUND)
	}
	got := m.send(t, http.MethodGet, "/payment-sessions/"+m.own[0], nil, map[string]string{auth.HeaderAPIKey: tg.key})
	mxEqual(t, "revoked key's status", got.status, http.StatusUnauthorized)
}

// mxCred is one credential variant of a case: an Authorization header
// value, an X-Api-Key value, or both (empty: not sent).
type mxCred struct {
	name  string
	authz string
	key   string
	again [][2]string // headers sent again, after the ones above: a repeated header
}

// mxEnv is the target the matrix plays on, and what the matrix reads of
// it: the table, through a store as the API's, and the issuer it trusts.
type mxEnv struct {
	tg     *apitarget.Target
	st     *store.Store
	iss    *devtoken.Issuer
	db     *dynamodb.Client
	table  string
	client *http.Client
	kind   apitarget.Kind
	diff   *apitarget.Diff // gets every answer, to compare the targets'
}

// mxMatrix holds the target, the credentials (minted once) and what the
// matrix made.
type mxMatrix struct {
	h        *mxEnv
	seq      int
	requests int
	tokens   map[string]string // by merchant and scopes
	secrets  []string          // every token, key and secret used
	bad      map[mxCase][]mxCred
	garbage  []mxCred

	keyRW, keyR, keyW string // m-1's API keys: read+write, read, write
	key2RW, key2R     string // m-2's
	revoked           string // m-1's, revoked
	expired           string // m-1's, read+write, past its expiresAt

	own          []string // every m-1 session made
	otherSession string   // an m-2 session, for m-2's list
	day          string   // the UTC day document 004's list asks for: the day its target and otherSession were made
}

func (m *mxMatrix) unique(prefix string) string {
	m.seq++
	return fmt.Sprintf("mx-%s-%d", prefix, m.seq)
}

func (m *mxMatrix) secret(s string) {
	if s != "" {
		m.secrets = append(m.secrets, s)
	}
}

// token mints (once) a JWT of merchant ("" for none) with scopes.
func (m *mxMatrix) token(merchant string, scopes ...string) string {
	k := merchant + "|" + strings.Join(scopes, " ")
	if tok, ok := m.tokens[k]; ok {
		return tok
	}
	tok := m.h.iss.MustMint(devtoken.Claims{MerchantID: merchant, Scopes: scopes})
	m.tokens[k] = tok
	m.secret(tok)
	return tok
}

// send sends one request to the target; headers with an empty value are
// not sent; again are sent after them, each as one more field line.
func (m *mxMatrix) send(t *testing.T, method, path string, body any, headers map[string]string, again ...[2]string) mxAnswer {
	t.Helper()
	m.requests++
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	r, err := http.NewRequest(method, m.h.tg.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	for _, kv := range again {
		r.Header.Add(kv[0], kv[1])
	}
	res, err := m.h.client.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read the body: %v", method, path, err)
	}
	m.h.diff.Add(m.h.kind, strings.Replace(t.Name(), "/"+string(m.h.kind), "", 1), res.StatusCode, res.Header, b)
	return mxAnswer{status: res.StatusCode, header: res.Header, body: b}
}

// mxServe serves a request on handler; headers with an empty value are not
// sent.
func mxServe(handler http.Handler, method, path, body string, headers map[string]string) mxAnswer {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	return mxAnswer{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// mxAnswer is a response, from the harness or from the Lambda adapter.
type mxAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (a mxAnswer) object(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("body: got %q; want a JSON object (%v)", a.body, err)
	}
	return v
}

func mxEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %v; want %v", what, got, want)
	}
}

// stored reads a session from the store, as it is now.
func (m *mxMatrix) stored(t *testing.T, id string) *session.Session {
	t.Helper()
	v, err := m.h.st.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("stored session %s: got %v; want it", id, err)
	}
	return v
}

// newSession creates a session of merchant through the API.
func (m *mxMatrix) newSession(t *testing.T, merchant string) string {
	t.Helper()
	res := m.send(t, http.MethodPost, "/sessions", map[string]any{"amount": 8800, "currency": "ZAR", "orderId": m.unique("order")},
		map[string]string{"Authorization": "Bearer " + m.token(merchant, auth.ScopeSessionsWrite)})
	if res.status != http.StatusCreated {
		t.Fatalf("POST /sessions: got %d %s; want 201", res.status, res.body)
	}
	id, _ := res.object(t)["id"].(string)
	if merchant == mxOwn {
		m.own = append(m.own, id)
	}
	return id
}

// newKey makes an API key of merchant through the API and returns its id
// and the key.
func (m *mxMatrix) newKey(t *testing.T, merchant string, scopes ...string) (id, key string) {
	t.Helper()
	res := m.send(t, http.MethodPost, "/api-keys", map[string]any{"scopes": scopes},
		map[string]string{"Authorization": "Bearer " + m.token(merchant, append([]string{auth.ScopeAPIKeysWrite}, scopes...)...)})
	if res.status != http.StatusCreated {
		t.Fatalf("POST /api-keys: got %d %s; want 201", res.status, res.body)
	}
	b := res.object(t)
	id, _ = b["keyId"].(string)
	key, _ = b["key"].(string)
	m.secret(key)
	return id, key
}

// target makes a fresh m-1 session (and key) for a row.
func (m *mxMatrix) target(t *testing.T, withKey bool) mxTarget {
	t.Helper()
	tg := mxTarget{session: m.newSession(t, mxOwn)}
	if withKey {
		tg.keyID, tg.key = m.newKey(t, mxOwn, auth.ScopeSessionsRead)
	}
	return tg
}

// mxSnapshot is a target's stored state.
type mxSnapshot struct {
	session *session.Session
	key     *store.APIKey
}

func (m *mxMatrix) snapshot(t *testing.T, tg mxTarget) mxSnapshot {
	t.Helper()
	s := mxSnapshot{session: m.stored(t, tg.session)}
	if tg.keyID != "" {
		k, err := m.h.st.APIKey(context.Background(), tg.keyID)
		if err != nil {
			t.Fatalf("stored key %s: got %v; want it", tg.keyID, err)
		}
		s.key = k
	}
	return s
}

// mxForge builds a token by hand, for algorithms a proper library refuses
// to produce (none, HMAC keyed with a public key).
func mxForge(header, claims map[string]any, sign func(string) []byte) string {
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	in := enc(header) + "." + enc(claims)
	return in + "." + base64.RawURLEncoding.EncodeToString(sign(in))
}

// mxNew starts a target of kind k that trusts an issuer of the test's own
// (so that the hostile tokens below are signed, or forged, with the key it
// trusts), mints every credential the matrix uses, once, and makes the API
// keys.
//
// The matrix runs on the target's clock, the real one: a real binary's
// clock cannot be set. Nothing in it needs another: the expired and
// not-yet-valid tokens are relative to now (the verifier's clock is real
// in every function); the expired API key is stored as one made an hour
// ago that expired a minute ago; the list asks for the day its target
// session was made (TestMatrix).
func mxNew(t *testing.T, k apitarget.Kind, diff *apitarget.Diff) *mxMatrix {
	t.Helper()
	iss, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	tg := apitarget.Start(t, k, apitarget.Options{Issuer: iss})
	h := &mxEnv{tg: tg, st: tg.Store(t), iss: iss, db: tg.DB(t), table: tg.TableName, client: &http.Client{Timeout: time.Minute}, kind: k, diff: diff}
	m := &mxMatrix{h: h, tokens: map[string]string{}, bad: map[mxCase][]mxCred{}}
	now := time.Now()
	good := devtoken.Claims{MerchantID: mxOwn, Scopes: mxAllScopes}
	mint := func(i *devtoken.Issuer, change func(*devtoken.Claims)) string {
		c := good
		if change != nil {
			change(&c)
		}
		tok := i.MustMint(c)
		m.secret(tok)
		return tok
	}
	bearer := func(name, tok string) mxCred { m.secret(tok); return mxCred{name: name, authz: "Bearer " + tok} }
	newIssuer := func(alg jwa.SignatureAlgorithm, kid string) *devtoken.Issuer {
		i, err := devtoken.New(testIssuer, testAudience, alg)
		if err != nil {
			t.Fatal(err)
		}
		if kid != "" {
			i.KeyID = kid
		}
		return i
	}

	m.bad[mxExpired] = []mxCred{
		bearer("exp an hour ago", mint(h.iss, func(c *devtoken.Claims) { c.IssuedAt, c.Expires = now.Add(-2*time.Hour), now.Add(-time.Hour) })),
		bearer("exp 5 minutes ago", mint(h.iss, func(c *devtoken.Claims) { c.IssuedAt, c.Expires = now.Add(-time.Hour), now.Add(-5*time.Minute) })),
	}
	m.bad[mxNotYetValid] = []mxCred{
		bearer("nbf in 10 minutes", mint(h.iss, func(c *devtoken.Claims) { c.NotBefore = now.Add(10 * time.Minute) })),
	}
	m.bad[mxWrongIssuer] = []mxCred{
		bearer("another issuer", mint(h.iss, func(c *devtoken.Claims) { c.Issuer = "https://evil.test" })),
		bearer("issuer with a trailing slash", mint(h.iss, func(c *devtoken.Claims) { c.Issuer = testIssuer + "/" })),
	}
	m.bad[mxWrongAudience] = []mxCred{
		bearer("another API", mint(h.iss, func(c *devtoken.Claims) { c.Audience = "other-api" })),
		bearer("a longer audience", mint(h.iss, func(c *devtoken.Claims) { c.Audience = testAudience + "-staging" })),
	}
	claims := map[string]any{
		"iss": testIssuer, "aud": testAudience, "sub": "dev", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"merchant_id": mxOwn, "scope": strings.Join(mxAllScopes, " "),
	}
	m.bad[mxAlgNone] = []mxCred{
		bearer("alg none with our kid", mxForge(map[string]any{"alg": "none", "kid": h.iss.KeyID, "typ": "JWT"}, claims, func(string) []byte { return nil })),
		bearer("alg none, no kid", mxForge(map[string]any{"alg": "none", "typ": "JWT"}, claims, func(string) []byte { return nil })),
	}
	der, err := x509.MarshalPKIXPublicKey(h.iss.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	hs256 := func(secret []byte) func(string) []byte {
		return func(in string) []byte {
			mac := hmac.New(sha256.New, secret)
			mac.Write([]byte(in))
			return mac.Sum(nil)
		}
	}
	hsHeader := map[string]any{"alg": "HS256", "kid": h.iss.KeyID, "typ": "JWT"}
	m.bad[mxHS256] = []mxCred{
		bearer("keyed with the DER public key", mxForge(hsHeader, claims, hs256(der))),
		bearer("keyed with the PEM public key", mxForge(hsHeader, claims, hs256(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))),
		bearer("keyed with the JWKS document", mxForge(hsHeader, claims, hs256(h.iss.JWKS()))),
	}
	m.bad[mxUnknownKid] = []mxCred{
		bearer("a kid the JWKS lacks", mint(newIssuer(jwa.ES256(), ""), nil)),
		bearer("our kid, another ES256 key", mint(newIssuer(jwa.ES256(), h.iss.KeyID), nil)),
		bearer("our kid, an RS256 key", mint(newIssuer(jwa.RS256(), h.iss.KeyID), nil)),
	}
	valid := strings.Split(mint(h.iss, nil), ".")
	other := strings.Split(mint(h.iss, func(c *devtoken.Claims) { c.MerchantID = mxOther }), ".")
	flipped := []byte(valid[2])
	if flipped[5] == 'A' {
		flipped[5] = 'B'
	} else {
		flipped[5] = 'A'
	}
	m.bad[mxTampered] = []mxCred{
		bearer("a signature character changed", valid[0]+"."+valid[1]+"."+string(flipped)),
		bearer("m-2's token with m-1's claims", other[0]+"."+valid[1]+"."+other[2]),
		bearer("another token's signature", valid[0]+"."+valid[1]+"."+other[2]),
		bearer("signature dropped", valid[0]+"."+valid[1]+"."),
	}

	// One token, one spelling: m-1's valid token with every scope, spelled
	// as lenient base64url decoders read it.
	pad := func(seg string) string { return seg + strings.Repeat("=", (4-len(seg)%4)%4) }
	loose := []byte(valid[2]) // ES256: 86 characters, the last with 4 pad bits
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	loose[len(loose)-1] = b64[strings.IndexByte(b64, loose[len(loose)-1])|0x0f]
	m.bad[mxNonCanonical] = []mxCred{
		bearer("signature with == appended", valid[0]+"."+valid[1]+"."+valid[2]+"=="),
		bearer("signature padded", valid[0]+"."+valid[1]+"."+pad(valid[2])+"="),
		bearer("signature's pad bits set", valid[0]+"."+valid[1]+"."+string(loose)),
		bearer("header with == appended", valid[0]+"=="+"."+valid[1]+"."+valid[2]),
		bearer("claims padded", valid[0]+"."+pad(valid[1])+"=."+valid[2]),
	}
	sign := func(header map[string]any, claims map[string]any) string {
		payload, err := json.Marshal(claims)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := h.iss.SignJWS(header, payload)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for ck, cv := range claims {
			c[ck] = cv
		}
		c[k] = v
		return c
	}
	m.bad[mxCrit] = []mxCred{
		bearer("crit naming an unknown extension", sign(map[string]any{"typ": "JWT", "crit": []string{"urn:example:must-understand"}, "urn:example:must-understand": true}, claims)),
		bearer("crit empty", sign(map[string]any{"typ": "JWT", "crit": []string{}}, claims)),
	}
	m.bad[mxNonNumericTime] = []mxCred{
		bearer("exp a numeric string", sign(map[string]any{"typ": "JWT"}, with("exp", fmt.Sprint(now.Add(time.Hour).Unix())))),
		bearer("exp an RFC 3339 string", sign(map[string]any{"typ": "JWT"}, with("exp", now.Add(time.Hour).UTC().Format(time.RFC3339)))),
		bearer("nbf a numeric string", sign(map[string]any{"typ": "JWT"}, with("nbf", fmt.Sprint(now.Add(-time.Minute).Unix())))),
		bearer("iat a numeric string", sign(map[string]any{"typ": "JWT"}, with("iat", fmt.Sprint(now.Unix())))),
	}

	var id [8]byte
	var secret [32]byte
	_, _ = rand.Read(id[:])
	_, _ = rand.Read(secret[:])
	unknownKey := "psk_" + hex.EncodeToString(id[:]) + "_" + hex.EncodeToString(secret[:])
	m.secret(unknownKey)
	m.secret(base64.StdEncoding.EncodeToString([]byte(mxOwn + ":" + hex.EncodeToString(secret[:]))))
	m.garbage = []mxCred{
		{name: "Bearer garbage", authz: "Bearer garbage"},
		{name: "Bearer with no token", authz: "Bearer"},
		{name: "Bearer card number", authz: "Bearer " + mxCard},
		{name: "Basic scheme", authz: "Basic " + base64.StdEncoding.EncodeToString([]byte(mxOwn+":"+hex.EncodeToString(secret[:])))},
		{name: "malformed X-Api-Key", key: "garbage"},
		{name: "card number as X-Api-Key", key: mxCardSpaced},
		{name: "Bearer dotted card number", authz: "Bearer " + mxCardDotted},
		{name: "card number with expiry as X-Api-Key", key: mxCardExpiry},
		{name: "well-formed unknown X-Api-Key", key: unknownKey},
		{name: "both garbage", authz: "Bearer garbage", key: "psk_garbage"},
		bearer("merchant_id a card number", mint(h.iss, func(c *devtoken.Claims) { c.MerchantID = mxCard })),
		bearer("merchant_id a dotted card number", mint(h.iss, func(c *devtoken.Claims) { c.MerchantID = mxCardDotted })),
		bearer("merchant_id with '#'", mint(h.iss, func(c *devtoken.Claims) { c.MerchantID = mxOwn + "#x" })),
		bearer("merchant_id empty", mint(h.iss, func(c *devtoken.Claims) { c.MerchantID, c.Extra = "", map[string]any{"merchant_id": ""} })),
		bearer("merchant_id a number", mint(h.iss, func(c *devtoken.Claims) { c.MerchantID, c.Extra = "", map[string]any{"merchant_id": 1} })),
	}

	_, m.keyRW = m.newKey(t, mxOwn, auth.ScopeSessionsRead, auth.ScopeSessionsWrite)
	_, m.keyR = m.newKey(t, mxOwn, auth.ScopeSessionsRead)
	_, m.keyW = m.newKey(t, mxOwn, auth.ScopeSessionsWrite)
	_, m.key2RW = m.newKey(t, mxOther, auth.ScopeSessionsRead, auth.ScopeSessionsWrite)
	_, m.key2R = m.newKey(t, mxOther, auth.ScopeSessionsRead)
	revokedID, revoked := m.newKey(t, mxOwn, auth.ScopeSessionsRead, auth.ScopeSessionsWrite)
	if res := m.send(t, http.MethodDelete, "/api-keys/"+revokedID, nil, map[string]string{"Authorization": "Bearer " + m.token(mxOwn, auth.ScopeAPIKeysWrite)}); res.status != http.StatusNoContent {
		t.Fatalf("revoking a key: got %d %s; want 204", res.status, res.body)
	}
	m.revoked = revoked
	// An expired key cannot be made through the API (expiresAt must be
	// ahead), so it is stored as one made an hour ago that expired a
	// minute ago.
	expID, expired, expHash := auth.NewAPIKey()
	if err := h.st.CreateAPIKey(context.Background(), &store.APIKey{
		ID: expID, MerchantID: mxOwn, Scopes: []string{auth.ScopeSessionsRead, auth.ScopeSessionsWrite}, SecretHash: expHash,
		CreatedAt: now.Add(-time.Hour), ExpiresAt: aws.Time(now.Add(-time.Minute)),
	}); err != nil {
		t.Fatalf("storing an expired key: %v", err)
	}
	m.expired = expired
	m.secret(expired)

	// A credential sent twice, or two in one field: API Gateway joins a
	// repeated header's values with commas (payload format 2.0) and the
	// Lambda adapter splits the list again, for every header but a few
	// (Authorization is one it keeps whole), so a function cannot tell the
	// two spellings apart, nor which element the client meant: it refuses
	// the list, whatever its first element.
	own := "Bearer " + strings.Join(valid, ".")
	m.garbage = append(m.garbage,
		mxCred{name: "m-1's JWT, then Authorization again with garbage", authz: own, again: [][2]string{{"Authorization", "Bearer garbage"}}},
		mxCred{name: "Authorization with garbage, then m-1's JWT again", authz: "Bearer garbage", again: [][2]string{{"Authorization", own}}},
		mxCred{name: "m-1's JWT twice in one Authorization", authz: own + ", " + own},
		mxCred{name: "m-1's API key and garbage in one X-Api-Key", key: m.keyRW + ",garbage"},
		mxCred{name: "m-1's API key, then X-Api-Key again with garbage", key: m.keyRW, again: [][2]string{{auth.HeaderAPIKey, "garbage"}}},
		mxCred{name: "m-1's API key twice in one X-Api-Key", key: m.keyRW + ", " + m.keyRW},
		// An empty element is an element (README, Security: "a repeated
		// header (an empty repeat included), or one holding a comma (a
		// stray trailing one included), is 401 whatever its first
		// value"): a stray comma or an empty repeat makes a list too.
		mxCred{name: "m-1's JWT with a trailing comma", authz: own + ","},
		mxCred{name: "a comma, then m-1's JWT, in one Authorization", authz: ", " + own},
		mxCred{name: "m-1's JWT, then Authorization again empty", authz: own, again: [][2]string{{"Authorization", ""}}},
		mxCred{name: "m-1's API key with a trailing comma", key: m.keyRW + ","},
		mxCred{name: "m-1's API key, then X-Api-Key again empty", key: m.keyRW, again: [][2]string{{auth.HeaderAPIKey, ""}}},
		mxCred{name: "X-Api-Key empty, then again with m-1's API key", again: [][2]string{{auth.HeaderAPIKey, ""}, {auth.HeaderAPIKey, m.keyRW}}},
	)
	return m
}

// creds are the credential variants of case c on row r. Every variant of
// a case must get the case's answer.
func (m *mxMatrix) creds(r *mxRow, c mxCase) []mxCred {
	bearer := func(name, tok string) mxCred { return mxCred{name: name, authz: "Bearer " + tok} }
	key := func(name, k string) mxCred { return mxCred{name: name, key: k} }
	own := func() mxCred {
		if r.bearer {
			return bearer("m-1's JWT", m.token(mxOwn, r.scopes()...))
		}
		return key("m-1's API key", m.keyRW)
	}
	switch c {
	case mxOwnJWT:
		return []mxCred{bearer("m-1's JWT with "+strings.Join(r.scopes(), " "), m.token(mxOwn, r.scopes()...))}
	case mxOwnKey:
		return []mxCred{key("m-1's read+write API key", m.keyRW)}
	case mxOtherMerchant:
		if r.bearer {
			return []mxCred{bearer("m-2's JWT with "+strings.Join(r.scopes(), " "), m.token(mxOther, r.scopes()...))}
		}
		return []mxCred{key("m-2's read API key", m.key2R)}
	case mxNoCredentials:
		return []mxCred{{name: "none"}}
	case mxGarbage:
		return m.garbage
	case mxMissingScope:
		var v []mxCred
		if r.bearer {
			var scopes []string
			for _, s := range mxAllScopes {
				if s != r.scope {
					scopes = append(scopes, s)
				}
			}
			v = append(v, bearer("m-1's JWT with every scope but "+r.scope, m.token(mxOwn, scopes...)))
		}
		if r.apiKey {
			if r.scope == auth.ScopeSessionsRead {
				v = append(v, key("m-1's write-only API key", m.keyW))
			} else {
				v = append(v, key("m-1's read-only API key", m.keyR))
			}
		}
		return v
	case mxNoMerchantClaim:
		scope := r.scope
		if !r.bearer {
			scope = auth.ScopeSessionsRead
		}
		return []mxCred{bearer("JWT with "+scope+", no merchant_id", m.token("", scope))}
	case mxRevokedKey:
		return []mxCred{key("m-1's revoked API key", m.revoked)}
	case mxOtherMerchantKey:
		return []mxCred{key("m-2's read+write API key", m.key2RW)}
	case mxOtherMerchantHeader, mxNoMerchantHeader:
		return []mxCred{own()}
	case mxExpiredKey:
		return []mxCred{key("m-1's expired API key", m.expired)}
	case mxKeysOnlyJWT:
		return []mxCred{bearer("m-1's JWT with only apikeys:write", m.token(mxOwn, auth.ScopeAPIKeysWrite))}
	default:
		return m.bad[c]
	}
}

// mxMerchantHeader is the X-Merchant-Id case c sends on row r ("": none).
func mxMerchantHeader(r *mxRow, c mxCase) string {
	switch {
	case c == mxOtherMerchantHeader:
		return mxOther
	case !r.header || c == mxNoMerchantHeader:
		return ""
	case c == mxOtherMerchant || c == mxOtherMerchantKey:
		return mxOther // the caller's own merchant
	default:
		return mxOwn
	}
}

// run plays cell (r, c): every credential variant of c, each on the target
// fresh() gives, and checks the answer and, for a success, the data.
func (m *mxMatrix) run(t *testing.T, r *mxRow, c mxCase, fresh func() mxTarget) {
	w := r.want[c]
	variants := m.creds(r, c)
	if len(variants) == 0 {
		t.Fatalf("case %s has no credentials for %s", mxCaseNames[c], r.route)
	}
	for _, cr := range variants {
		tg := fresh()
		rq := r.request(m, tg, c)
		headers := map[string]string{"Authorization": cr.authz, auth.HeaderAPIKey: cr.key, httpapi.HeaderMerchantID: mxMerchantHeader(r, c)}
		for k, v := range rq.headers {
			headers[k] = v
		}
		res := m.send(t, rq.method, rq.path, rq.body, headers, cr.again...)
		if !mxCheck(t, cr.name, res, w, r) {
			continue
		}
		for _, s := range []string{strings.TrimPrefix(cr.authz, "Bearer "), cr.key} {
			if len(s) >= 8 && bytes.Contains(res.body, []byte(s)) {
				t.Errorf("%s: body echoes the credential: got %s", cr.name, res.body)
			}
		}
		if w.status < 300 {
			r.verify(t, m, tg, c, res)
		}
		if (c == mxOtherMerchant || c == mxOtherMerchantKey) && w.status >= 400 {
			// Another merchant's session or key is answered exactly as an
			// unknown one: same status, headers and body (but the request id).
			var kid [8]byte
			_, _ = rand.Read(kid[:])
			unknown := r.request(m, mxTarget{session: uuid.NewString(), keyID: hex.EncodeToString(kid[:])}, c)
			for k, v := range unknown.headers {
				headers[k] = v
			}
			got := m.send(t, unknown.method, unknown.path, unknown.body, headers)
			if !reflect.DeepEqual(mxNormalize(t, res), mxNormalize(t, got)) {
				t.Errorf("%s: answer for m-1's resource: got %d %v %s; want the answer for an unknown one: %d %v %s",
					cr.name, res.status, res.header, res.body, got.status, got.header, got.body)
			}
		}
	}
}

// mxCheck checks an answer's status and shape; it reports whether the
// status was the one wanted.
func mxCheck(t *testing.T, variant string, res mxAnswer, w mxWant, r *mxRow) bool {
	t.Helper()
	if res.status != w.status {
		t.Errorf("%s: status: got %d %s; want %d %s", variant, res.status, res.body, w.status, w.code)
		return false
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control: got %q; want no-store", variant, got)
	}
	if got := res.header.Get("Strict-Transport-Security"); got != httpapi.HSTS {
		t.Errorf("%s: Strict-Transport-Security: got %q; want %q", variant, got, httpapi.HSTS)
	}
	rid := res.header.Get("X-Request-Id")
	if rid == "" {
		t.Errorf("%s: X-Request-Id: got none; want one", variant)
	}
	ct := res.header.Get("Content-Type")
	switch {
	case w.status == http.StatusNoContent:
		mxEqual(t, variant+": 204 body", string(res.body), "")
	case w.status < 300:
		mxEqual(t, variant+": Content-Type", ct, "application/json")
	case r.envelope:
		mxEqual(t, variant+": Content-Type", ct, "application/json")
		var b map[string]any
		if err := json.Unmarshal(res.body, &b); err != nil {
			t.Errorf("%s: body: got %s; want document 001's envelope", variant, res.body)
			break
		}
		data, hasData := b["data"]
		notes, _ := b["notifications"].([]any)
		var note map[string]any
		if len(notes) == 1 {
			note, _ = notes[0].(map[string]any)
		}
		if b["message"] != "The operation failed." || !hasData || data != nil || len(notes) != 1 || note["code"] != w.code || note["message"] == "" {
			t.Errorf("%s: envelope: got %s; want message \"The operation failed.\", data null and one notification with code %s", variant, res.body, w.code)
		}
	default:
		mxEqual(t, variant+": Content-Type", ct, "application/problem+json")
		var p map[string]any
		if err := json.Unmarshal(res.body, &p); err != nil {
			t.Errorf("%s: body: got %s; want problem details", variant, res.body)
			break
		}
		if p["code"] != w.code || p["status"] != float64(w.status) || p["title"] != http.StatusText(w.status) ||
			p["type"] != "about:blank" || p["detail"] == "" || p["detail"] == nil || p["requestId"] != rid {
			t.Errorf("%s: problem: got %s; want status %d, code %s, title, detail and requestId %s", variant, res.body, w.status, w.code, rid)
		}
	}
	if w.code == session.ReasonUnauthenticated {
		// The challenge names the credentials the endpoint takes.
		got := res.header.Get("WWW-Authenticate")
		if got == "" || strings.Contains(got, "Bearer ") != r.bearer || strings.Contains(strings.ToLower(got), "x-api-key") != r.apiKey {
			t.Errorf("%s: WWW-Authenticate: got %q; want a challenge naming exactly %s", variant, got, mxKinds(r))
		}
	}
	return true
}

func mxKinds(r *mxRow) string {
	switch {
	case r.bearer && r.apiKey:
		return "Bearer and X-Api-Key"
	case r.bearer:
		return "Bearer"
	default:
		return "X-Api-Key"
	}
}

// mxTable reads every item of the target's table, keyed by pk and sk.
func mxTable(t *testing.T, h *mxEnv) map[string]map[string]any {
	t.Helper()
	items := map[string]map[string]any{}
	p := dynamodb.NewScanPaginator(h.db, &dynamodb.ScanInput{TableName: aws.String(h.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		for _, it := range page.Items {
			var v map[string]any
			if err := attributevalue.UnmarshalMap(it, &v); err != nil {
				t.Fatalf("item: %v", err)
			}
			items[fmt.Sprintf("%v|%v", v["pk"], v["sk"])] = v
		}
	}
	return items
}

// TestMatrixCoversEveryRoute: the matrix has one row per route of the
// route table (httpapi.Routes), so an endpoint cannot join the service
// without its answer to every credential written down here.
func TestMatrixCoversEveryRoute(t *testing.T) {
	rows := map[string]int{}
	for _, r := range mxRows() {
		rows[r.route]++
	}
	for _, rt := range httpapi.Routes(httpapi.Deps{}) {
		if rows[rt.Pattern] != 1 {
			t.Errorf("route %s has %d rows in the matrix; want 1", rt.Pattern, rows[rt.Pattern])
		}
		delete(rows, rt.Pattern)
	}
	for route := range rows {
		t.Errorf("the matrix has a row for %s, which is not a route of the route table", route)
	}
}

// TestMatrix plays the matrix on the local server and on make start-api's
// stack (subtests named by the target), in two passes each. First every
// cell that must not change anything (refusals and reads), all on one m-1
// session (and key) per endpoint, after which every item of the table must
// be as it was, byte for byte: no write, no idempotency record, no key.
// Then every cell whose success changes state, each on a fresh session or
// key, checking the stored result. Finally the log of everything (for the
// stack: every function's, and the HTTP API's access log) must hold no
// credential and no card number. Then every answer of the local server must
// be the stack's (apitarget.Diff).
func TestMatrix(t *testing.T) {
	rows := mxRows()
	for _, r := range rows {
		for c := range mxNumCases {
			if r.want[c].status == 0 {
				t.Fatalf("the matrix has no cell for %s × %s", r.route, mxCaseNames[c])
			}
		}
	}
	mxLogMatrix(t, rows)
	diff := apitarget.NewDiff("hcpToken", "paymentCode")
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) { mxPlay(t, mxNew(t, k, diff), rows) })
	t.Logf("%d answers compared between the targets", diff.Check(t))
}

// mxPlay plays the matrix's rows on m's target.
func mxPlay(t *testing.T, m *mxMatrix, rows []mxRow) {
	start := time.Now()
	h := m.h
	victims := make([]mxTarget, len(rows))
	for i, r := range rows {
		victims[i] = m.target(t, r.needsKey)
	}
	m.otherSession = m.newSession(t, mxOther)
	// The list's day is the day its target and m-2's session were made; at
	// midnight they may not share one, and are made again.
	for i := range rows {
		if rows[i].route != "GET /pps/api/v1/session-record" {
			continue
		}
		day := func(id string) string { return m.stored(t, id).CreatedAt.UTC().Format(time.DateOnly) }
		for day(victims[i].session) != day(m.otherSession) {
			victims[i] = m.target(t, rows[i].needsKey)
			m.otherSession = m.newSession(t, mxOther)
		}
		m.day = day(victims[i].session)
	}
	before := mxTable(t, h)

	t.Run("unchanging", func(t *testing.T) {
		for i := range rows {
			r := &rows[i]
			t.Run(r.name, func(t *testing.T) {
				snap := m.snapshot(t, victims[i])
				for c := range mxNumCases {
					if r.writes && r.want[c].status < 300 {
						continue // second pass
					}
					t.Run(mxCaseNames[c], func(t *testing.T) { m.run(t, r, c, func() mxTarget { return victims[i] }) })
				}
				if got := m.snapshot(t, victims[i]); !reflect.DeepEqual(got, snap) {
					t.Errorf("%s changed its target: got %+v %+v; want %+v %+v", r.route, got.session, got.key, snap.session, snap.key)
				}
			})
		}
	})

	after := mxTable(t, h)
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	for k := range keys {
		if !reflect.DeepEqual(after[k], before[k]) {
			t.Errorf("refused and read-only requests changed item %s: got %v; want %v", k, after[k], before[k])
		}
	}

	t.Run("writes", func(t *testing.T) {
		for i := range rows {
			r := &rows[i]
			if !r.writes {
				continue
			}
			t.Run(r.name, func(t *testing.T) {
				for c := range mxNumCases {
					if r.want[c].status >= 300 {
						continue
					}
					t.Run(mxCaseNames[c], func(t *testing.T) { m.run(t, r, c, func() mxTarget { return m.target(t, r.needsKey) }) })
				}
			})
		}
	})

	logs := h.tg.Logs()
	if n := strings.Count(logs, `"msg":"request"`); n < m.requests {
		t.Errorf("log lines: got %d; want one per request (%d)", n, m.requests)
	}
	mxCheckLogs(t, logs, m.secrets)
	t.Logf("%d requests in %v", m.requests, time.Since(start).Round(time.Millisecond))
}

// mxLogMatrix shows the matrix (go test -v).
func mxLogMatrix(t *testing.T, rows []mxRow) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-22s", "")
	for c := range mxNumCases {
		fmt.Fprintf(&b, " %3d", int(c))
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "\n%-22s", r.name)
		for c := range mxNumCases {
			fmt.Fprintf(&b, " %3d", r.want[c].status)
		}
	}
	for c := range mxNumCases {
		fmt.Fprintf(&b, "\n%3d %s", int(c), mxCaseNames[c])
	}
	t.Log(b.String())
}

var (
	mxUUID  = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	mxKeyID = regexp.MustCompile(`(/api-keys/|apikey:)[0-9a-f]{16}`)
)

// mxCheckLogs checks that logs hold none of secrets, whole or in parts (a
// JWT's payload and signature, an API key's secret), and no card number.
func mxCheckLogs(t *testing.T, logs string, secrets []string) {
	t.Helper()
	if logs == "" {
		t.Fatal("logs: got none; want a line per request")
	}
	for _, s := range secrets {
		parts := []string{s}
		if strings.HasPrefix(s, "psk_") {
			if i := strings.LastIndex(s, "_"); i > 0 {
				parts = append(parts, s[i+1:])
			}
		} else if p := strings.Split(s, "."); len(p) == 3 {
			parts = append(parts, p[1], p[2])
		}
		for _, p := range parts {
			if len(p) >= 16 && strings.Contains(logs, p) {
				t.Errorf("logs hold a credential: got %.24s... in the logs; want no credential", p)
			}
		}
	}
	for _, card := range []string{mxCard, mxCardSpaced, mxCardDotted, mxCardExpiry} {
		if strings.Contains(logs, card) {
			t.Errorf("logs hold the card number %s", card)
		}
	}
	// Request ids, paths and subjects hold UUIDs and key ids, random hex
	// that can contain digit runs; anything else that looks like a card
	// number is a leak.
	cleaned := mxKeyID.ReplaceAllString(mxUUID.ReplaceAllString(logs, "<uuid>"), "${1}<id>")
	for _, line := range strings.Split(cleaned, "\n") {
		if session.LooksLikeCardNumber(line) {
			t.Errorf("a log line holds a card number: got %s", line)
		}
	}
}

// The api-proxy's internal headers. aws-lambda-go-api-proxy can pass API
// Gateway's request context and stage variables to the handler in
// X-GoLambdaProxy-ApiGw-Context and X-GoLambdaProxy-ApiGw-StageVars; a
// client sending them, claiming another merchant, an authorizer's claims or
// a request id, must change nothing a function believes.

// mxSpoofHeaders are a client's forged proxy headers claiming merchant
// with every scope.
func mxSpoofHeaders(t *testing.T, merchant string) map[string]string {
	t.Helper()
	claims := map[string]string{"merchant_id": merchant, "scope": strings.Join(mxAllScopes, " "), "sub": "spoofed-subject", "iss": testIssuer, "aud": testAudience}
	ctx, err := json.Marshal(events.APIGatewayV2HTTPRequestContext{
		RouteKey: "GET /sessions/{sessionId}", AccountID: "123456789012", Stage: "$default", RequestID: "spoofed-request-id",
		Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT:    &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: mxAllScopes},
			Lambda: map[string]any{"merchant_id": merchant, "scopes": mxAllScopes, "principalId": "spoofed-subject"},
		},
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/", SourceIP: "10.0.0.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	stage, _ := json.Marshal(map[string]string{"merchant_id": merchant, "JWT_AUDIENCE": "spoofed", "JWT_ISSUER": "https://evil.test"})
	return map[string]string{
		"X-GoLambdaProxy-ApiGw-Context":   string(ctx),
		"X-GoLambdaProxy-ApiGw-StageVars": string(stage),
	}
}

// mxProxyEnv is a way to serve requests: the harness or the Lambda adapter.
type mxProxyEnv struct {
	// send serves a request; route is the route's pattern (the Lambda's).
	send func(t *testing.T, route, method, path, body string, headers map[string]string) mxAnswer
	mint func(merchant string, scopes ...string) string
	get  func(t *testing.T, id string) *session.Session
	logs func() string
}

// mxProxyCases sends each request with forged proxy headers, then without:
// the two answers must be the same (apart from the request id) and the
// expected one; a spoofed request id is never used, and nothing changed.
func mxProxyCases(t *testing.T, env mxProxyEnv) {
	bearer := func(merchant string, scopes ...string) string { return "Bearer " + env.mint(merchant, scopes...) }
	create := env.send(t, "POST /sessions", http.MethodPost, "/sessions", `{"amount":100,"currency":"EUR"}`, map[string]string{"Authorization": bearer(mxOwn, auth.ScopeSessionsWrite)})
	if create.status != http.StatusCreated {
		t.Fatalf("POST /sessions: got %d %s; want 201", create.status, create.body)
	}
	id, _ := create.object(t)["id"].(string)
	mk := env.send(t, "POST /api-keys", http.MethodPost, "/api-keys", `{"scopes":["sessions:read"]}`, map[string]string{"Authorization": bearer(mxOther, auth.ScopeAPIKeysWrite, auth.ScopeSessionsRead)})
	if mk.status != http.StatusCreated {
		t.Fatalf("POST /api-keys: got %d %s; want 201", mk.status, mk.body)
	}
	key2, _ := mk.object(t)["key"].(string)
	before := env.get(t, id)

	tests := []struct {
		name, route, method, path, body string
		headers                         map[string]string
		claim                           string // the merchant the forged headers claim
		status                          int
	}{
		{"m-2 reads m-1's session; the context claims m-1", "GET /sessions/{sessionId}", "GET", "/sessions/" + id, "",
			map[string]string{"Authorization": bearer(mxOther, auth.ScopeSessionsRead)}, mxOwn, 404},
		{"no credentials; the context claims an authorized m-1", "GET /sessions/{sessionId}", "GET", "/sessions/" + id, "",
			nil, mxOwn, 401},
		{"m-1 reads its session; the context claims m-2", "GET /sessions/{sessionId}", "GET", "/sessions/" + id, "",
			map[string]string{"Authorization": bearer(mxOwn, auth.ScopeSessionsRead)}, mxOther, 200},
		{"read-only token cancels; the context grants every scope", "POST /sessions/{sessionId}/cancel", "POST", "/sessions/" + id + "/cancel", "",
			map[string]string{"Authorization": bearer(mxOwn, auth.ScopeSessionsRead)}, mxOwn, 403},
		{"m-2 cancels m-1's session; the context claims m-1", "POST /sessions/{sessionId}/cancel", "POST", "/sessions/" + id + "/cancel", "",
			map[string]string{"Authorization": bearer(mxOther, auth.ScopeSessionsWrite)}, mxOwn, 404},
		{"event without sessions:process; the context grants it", "POST /sessions/{sessionId}/events", "POST", "/sessions/" + id + "/events", `{"status":"AUTHORISED"}`,
			map[string]string{"Authorization": bearer(mxOwn, auth.ScopeSessionsRead)}, mxOwn, 403},
		{"create without credentials; the context claims m-1", "POST /sessions", "POST", "/sessions", `{"amount":100,"currency":"EUR"}`,
			nil, mxOwn, 401},
		{"001: m-2 reads m-1's payment; the context claims m-1", "GET /v2.0/payments/{paymentId}/status", "GET", "/v2.0/payments/" + id + "/status", "",
			map[string]string{"Authorization": bearer(mxOther, auth.ScopePaymentRead)}, mxOwn, 404},
		{"002: m-2's key on m-1's session; the context claims m-1", "GET /payment-sessions/{paymentSessionId}", "GET", "/payment-sessions/" + id, "",
			map[string]string{auth.HeaderAPIKey: key2}, mxOwn, 404},
		{"003: X-Merchant-Id m-2 with m-1's token; the context claims m-2", "GET /v1/checkout-sessions/{checkoutSessionId}", "GET", "/v1/checkout-sessions/" + id, "",
			map[string]string{"Authorization": bearer(mxOwn, auth.ScopeUser), httpapi.HeaderMerchantID: mxOther}, mxOther, 403},
		{"003: m-1 reads its session; the context claims m-2", "GET /v1/checkout-sessions/{checkoutSessionId}", "GET", "/v1/checkout-sessions/" + id, "",
			map[string]string{"Authorization": bearer(mxOwn, auth.ScopeUser), httpapi.HeaderMerchantID: mxOwn}, mxOther, 200},
		{"create-api-key without credentials; the context claims m-1", "POST /api-keys", "POST", "/api-keys", `{"scopes":["sessions:read"]}`,
			nil, mxOwn, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spoofed := mxSpoofHeaders(t, tt.claim)
			for k, v := range tt.headers {
				spoofed[k] = v
			}
			with := env.send(t, tt.route, tt.method, tt.path, tt.body, spoofed)
			without := env.send(t, tt.route, tt.method, tt.path, tt.body, tt.headers)
			mxEqual(t, "status with the forged headers", with.status, tt.status)
			mxEqual(t, "status without them", without.status, tt.status)
			if got := with.header.Get("X-Request-Id"); got == "" || got == "spoofed-request-id" {
				t.Errorf("X-Request-Id: got %q; want the platform's or a new one", got)
			}
			if !reflect.DeepEqual(mxNormalize(t, with), mxNormalize(t, without)) {
				t.Errorf("answer with the forged headers: got %d %v %s; want %d %v %s (as without them)",
					with.status, with.header, with.body, without.status, without.header, without.body)
			}
		})
	}
	if after := env.get(t, id); !reflect.DeepEqual(after, before) {
		t.Errorf("session after the forged requests: got %+v; want %+v", after, before)
	}
	if logs := env.logs(); strings.Contains(logs, "spoofed") {
		t.Errorf("logs hold a value of the forged headers: got %s", logs)
	}
}

// mxNormalize is an answer without its request id (and API Gateway's,
// Apigw-Requestid, the same id) and without the time it was sent (Date, on
// an answer over HTTP): headers and body.
func mxNormalize(t *testing.T, a mxAnswer) any {
	t.Helper()
	h := a.header.Clone()
	h.Del("X-Request-Id")
	h.Del("Apigw-Requestid")
	h.Del("Date")
	var body any = string(a.body)
	var obj map[string]any
	if json.Unmarshal(a.body, &obj) == nil {
		delete(obj, "requestId")
		body = obj
	}
	return []any{a.status, h, body}
}

// TestProxyHeaderThroughHarness: through the whole handler stack.
func TestProxyHeaderThroughHarness(t *testing.T) { eachStore(t, testProxyHeaderThroughHarness) }

func testProxyHeaderThroughHarness(t *testing.T, h *harness) {
	mxProxyCases(t, mxProxyEnv{
		send: func(t *testing.T, _, method, path, body string, headers map[string]string) mxAnswer {
			return mxServe(h.handler, method, path, body, headers)
		},
		mint: func(merchant string, scopes ...string) string { return h.token(merchant, scopes...) },
		get: func(t *testing.T, id string) *session.Session {
			t.Helper()
			v, err := h.st.Get(context.Background(), id)
			if err != nil {
				t.Fatalf("stored session %s: got %v", id, err)
			}
			return v
		},
		logs: h.logs.String,
	})
}

// TestProxyHeaderThroughLambda: through each route's Lambda handler, built
// as a function builds it (app.App.Lambda: the api-proxy V2 adapter in
// front of the middleware and the route), from API Gateway HTTP API events
// whose headers hold the forged ones, lower-cased as API Gateway sends them.
func TestProxyHeaderThroughLambda(t *testing.T) {
	db := storetest.Client(t, store.ClientOptions{})
	table := storetest.NewTable(t, db)
	iss, err := devtoken.New(testIssuer, testAudience, jwa.ES256())
	if err != nil {
		t.Fatal(err)
	}
	jwks := httptest.NewServer(iss)
	t.Cleanup(jwks.Close)
	env := map[string]string{
		"TABLE_NAME": table, "DYNAMODB_ENDPOINT": storetest.Endpoint(t),
		"JWKS_URL": jwks.URL, "JWT_ISSUER": testIssuer, "JWT_AUDIENCE": testAudience,
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	clock := storetest.NewClock(t0)
	logs := &syncBuffer{}
	a, err := app.New(context.Background(), cfg, app.Options{Log: logs, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]app.LambdaHandler{}
	for _, rt := range httpapi.Routes(a.Deps()) {
		handlers[rt.Pattern] = a.Lambda(rt)
	}
	n := 0
	mxProxyCases(t, mxProxyEnv{
		send: func(t *testing.T, route, method, target, body string, headers map[string]string) mxAnswer {
			t.Helper()
			n++
			path, query, _ := strings.Cut(target, "?")
			hs := map[string]string{"host": "abc123defg.execute-api.eu-west-1.amazonaws.com", "user-agent": "matrix-test"}
			if body != "" {
				hs["content-type"] = "application/json"
			}
			for k, v := range headers {
				hs[strings.ToLower(k)] = v
			}
			requestID := fmt.Sprintf("mx-req-%d", n)
			ev := events.APIGatewayV2HTTPRequest{
				Version: "2.0", RouteKey: route, RawPath: path, RawQueryString: query, Headers: hs, Body: body,
				RequestContext: events.APIGatewayV2HTTPRequestContext{
					RouteKey: route, AccountID: "123456789012", Stage: "$default", RequestID: requestID, APIID: "abc123defg",
					DomainName: "abc123defg.execute-api.eu-west-1.amazonaws.com", DomainPrefix: "abc123defg",
					HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.10", UserAgent: "matrix-test"},
				},
			}
			handler, ok := handlers[route]
			if !ok {
				t.Fatalf("no route %q", route)
			}
			res, err := handler(context.Background(), ev)
			if err != nil {
				t.Fatalf("Lambda handler: got error %v; want none", err)
			}
			// What API Gateway reads of a format 2.0 answer: headers
			// (a header's values joined by commas) and cookies, one
			// Set-Cookie each; it ignores multiValueHeaders ("Format 2.0
			// doesn't have multiValueHeaders").
			header := http.Header{}
			for k, v := range res.Headers {
				header.Set(k, v)
			}
			for _, c := range res.Cookies {
				header.Add("Set-Cookie", c)
			}
			mxEqual(t, "X-Request-Id", header.Get("X-Request-Id"), requestID)
			mxEqual(t, "Strict-Transport-Security", header.Get("Strict-Transport-Security"), httpapi.HSTS)
			return mxAnswer{status: res.StatusCode, header: header, body: []byte(res.Body)}
		},
		mint: func(merchant string, scopes ...string) string {
			return iss.MustMint(devtoken.Claims{MerchantID: merchant, Scopes: scopes})
		},
		get: func(t *testing.T, id string) *session.Session {
			t.Helper()
			v, err := a.Store.Get(context.Background(), id)
			if err != nil {
				t.Fatalf("stored session %s: got %v", id, err)
			}
			return v
		},
		logs: logs.String,
	})
	// Each line carries API Gateway's request id, never the forged one.
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var l map[string]any
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rid, _ := l["request_id"].(string); !strings.HasPrefix(rid, "mx-req-") {
			t.Errorf("log request_id: got %q; want API Gateway's (mx-req-N)", rid)
		}
	}
}
