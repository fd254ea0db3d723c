package httpapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func wantJSON(t *testing.T, res response, want map[string]any) {
	t.Helper()
	if res.Code != 200 {
		t.Fatalf("status = %d %s; want 200", res.Code, res.Body)
	}
	if got := res.json(t); !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("body =\n%s\nwant\n%s", g, w)
	}
}

// TestGoldenThroughEndpoints stores the documents' example sessions and
// reads each through its endpoint, comparing with the document's example.
func TestGoldenThroughEndpoints(t *testing.T) { eachStore(t, testGoldenThroughEndpoints) }

func testGoldenThroughEndpoints(t *testing.T, h *harness) {
	m := dialecttest.Merchant
	key := h.apiKey(m, auth.ScopeSessionsRead)
	tests := []struct {
		ex      dialecttest.Example
		path    string
		token   string
		headers []string
	}{
		{dialecttest.V1Session(), "/v1/session/e7d3588c-bb25-4808-98a6-5f3657dce467", h.token(m, auth.ScopeSessionsRead), nil},
		{dialecttest.PaymentStatus(), "/v2.0/payments/38ecb39d-ea98-443f-94d3-557404881d37/status", h.token(m, auth.ScopePaymentRead), nil},
		{dialecttest.PaymentSession(), "/payment-sessions/d2e3f4a5-b6c7-8901-2345-012345678901", "", []string{"X-Api-Key", key}},
		{dialecttest.Checkout(), "/v1/checkout-sessions/5b0c2a47-1f3e-4d8a-9c6b-7e2f1a3d4c5e?init=true", h.token(m, auth.ScopeUser), []string{"X-Merchant-Id", m}},
		{dialecttest.SessionRecord(), "/pps/api/v1/session-record/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", h.token(m, auth.ScopeSessionsRead), nil},
	}
	for _, tt := range tests {
		t.Run(tt.ex.Doc, func(t *testing.T) {
			h.seed(tt.ex.Session)
			if tt.ex.Child != nil {
				h.seed(tt.ex.Child)
			}
			h.clock.Set(tt.ex.Now)
			wantJSON(t, h.do("GET", tt.path, tt.token, nil, tt.headers...), tt.ex.Want)
		})
	}
	t.Run("004 list", func(t *testing.T) {
		ex := dialecttest.SessionRecord()
		h.clock.Set(ex.Now)
		list := h.do("GET", "/pps/api/v1/session-record?createdDate=2019-08-24", h.token(m, auth.ScopeSessionsRead), nil)
		var got []map[string]any
		if err := json.Unmarshal(list.Body.Bytes(), &got); err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], ex.Want) {
			t.Errorf("list = %d %s; want [%v]", list.Code, list.Body, ex.Want)
		}
	})
}

// dialectReader reads one session through every endpoint that shows it.
type dialectReader struct {
	h      *harness
	key    string
	tokens map[string]string
}

func newDialectReader(h *harness, merchant string) *dialectReader {
	return &dialectReader{h: h, key: h.apiKey(merchant, auth.ScopeSessionsRead), tokens: map[string]string{
		"read": h.token(merchant, auth.ScopeSessionsRead), "payment": h.token(merchant, auth.ScopePaymentRead),
		"user": h.token(merchant, auth.ScopeUser), "merchant": merchant,
	}}
}

func (d *dialectReader) all(id string) map[string]response {
	rs := d.session(id)
	rs["list"] = d.list()
	return rs
}

// session reads one session through every endpoint that shows it alone:
// the native read and the five documents' (all less the day's list).
func (d *dialectReader) session(id string) map[string]response {
	rs := map[string]response{"native": d.h.do("GET", "/sessions/"+id, d.tokens["read"], nil)}
	maps.Copy(rs, d.documents(id))
	return rs
}

// documents reads one session through the five documents' endpoints
// (000 to 004), without the native read and the day's list.
func (d *dialectReader) documents(id string) map[string]response {
	h := d.h
	return map[string]response{
		"000": h.do("GET", "/v1/session/"+id, d.tokens["read"], nil),
		"001": h.do("GET", "/v2.0/payments/"+id+"/status", d.tokens["payment"], nil),
		"002": h.do("GET", "/payment-sessions/"+id, "", nil, "X-Api-Key", d.key),
		"003": h.do("GET", "/v1/checkout-sessions/"+id, d.tokens["user"], nil, "X-Merchant-Id", d.tokens["merchant"]),
		"004": h.do("GET", "/pps/api/v1/session-record/"+id, d.tokens["read"], nil),
	}
}

// list reads document 004's list of the clock's day.
func (d *dialectReader) list() response {
	day := d.h.clock.Now().Format(time.DateOnly)
	return d.h.do("GET", "/pps/api/v1/session-record?createdDate="+day, d.tokens["read"], nil)
}

// TestAllEndpointsAgree reads one session through every endpoint at the same
// instant, at each stage of its life: they all report the same state.
func TestAllEndpointsAgree(t *testing.T) { eachStore(t, testAllEndpointsAgree) }

func testAllEndpointsAgree(t *testing.T, h *harness) {
	d := newDialectReader(h, "m-1")
	id := h.create("m-1", map[string]any{"amount": 500, "currency": "EUR", "transactionId": "tx-9"})
	h.clock.Advance(time.Second)
	h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "OTP_PENDING"})

	check := func(t *testing.T, canonical session.Status) {
		t.Helper()
		rs := d.all(id)
		w, _ := statemap.Of(canonical)
		native := rs["native"].json(t)
		if native["status"] != string(canonical) {
			t.Fatalf("native status = %v; want %s", native["status"], canonical)
		}
		updated := ts(t, native["updatedAt"].(string))
		if got := rs["000"].json(t); got["sessionState"] != w.V1Session || got["lastUpdatedOn"] != updated.Format("2006-01-02T15:04:05.000000Z") {
			t.Errorf("000 = %v; want %s at %s", got, w.V1Session, updated)
		}
		if got := rs["001"].json(t)["data"].(map[string]any); got["status"] != w.PaymentStatus || got["processedOn"] != updated.Format("2006-01-02T15:04:05.9999999-07:00") {
			t.Errorf("001 = %v; want %s", got, w.PaymentStatus)
		}
		if got := rs["002"].json(t); got["status"] != w.PaymentSession || got["updatedAt"] != updated.Format("2006-01-02T15:04:05Z") {
			t.Errorf("002 = %v; want %s", got, w.PaymentSession)
		}
		if word, err := statemap.Checkout(canonical); err != nil {
			wantProblem(t, rs["003"], httpapi.StatusOf(err), session.ErrorReason(err))
		} else if got := rs["003"].json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any); got["checkoutSessionStatus"] != word {
			t.Errorf("003 = %v; want %s", got, word)
		}
		if got := rs["004"].json(t); got["session_status"] != w.SessionRecord || got["updated_date"] != updated.Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("004 = %v; want %s", got, w.SessionRecord)
		}
		var list []map[string]any
		_ = json.Unmarshal(rs["list"].Body.Bytes(), &list)
		if len(list) != 1 || list[0]["session_status"] != w.SessionRecord || list[0]["updated_date"] != updated.Format("2006-01-02T15:04:05.000Z") {
			t.Errorf("list = %v; want one %s record", list, w.SessionRecord)
		}
	}
	t.Run("open", func(t *testing.T) { check(t, session.OTPPending) })
	t.Run("expired", func(t *testing.T) {
		h.clock.Set(t0.Add(30 * time.Minute))
		check(t, session.Expired)
	})
	t.Run("past retention", func(t *testing.T) {
		h.clock.Set(t0.Add(45 * time.Minute))
		for name, res := range d.all(id) {
			switch name {
			case "list":
				if res.Code != 200 || strings.TrimSpace(res.Body.String()) != "[]" {
					t.Errorf("list = %d %s; want 200 []", res.Code, res.Body)
				}
			case "001":
				if res.Code != 404 || res.json(t)["data"] != nil {
					t.Errorf("001 = %d %s; want 404 with data null", res.Code, res.Body)
				}
			default:
				wantProblem(t, res, 404, session.ReasonSessionNotFound)
			}
		}
	})
}

// TestTenancyEveryEndpoint: another merchant's session answers 404 on every
// endpoint, exactly like an unknown one.
func TestTenancyEveryEndpoint(t *testing.T) { eachStore(t, testTenancyEveryEndpoint) }

func testTenancyEveryEndpoint(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	d := newDialectReader(h, "m-2")
	for name, res := range d.all(id) {
		switch name {
		case "list":
			if strings.TrimSpace(res.Body.String()) != "[]" {
				t.Errorf("m-2's list = %s; want []", res.Body)
			}
		case "001":
			if res.Code != 404 {
				t.Errorf("001 = %d; want 404", res.Code)
			}
		default:
			wantProblem(t, res, 404, session.ReasonSessionNotFound)
		}
	}
	wantProblem(t, h.do("POST", "/sessions/"+id+"/cancel", h.merchantToken("m-2"), nil), 404, session.ReasonSessionNotFound)
}

func TestPaymentStatusErrorsInEnvelope(t *testing.T) { eachStore(t, testPaymentStatusErrorsInEnvelope) }

func testPaymentStatusErrorsInEnvelope(t *testing.T, h *harness) {
	id := h.create("m-1", nil)
	tests := []struct {
		name   string
		token  string
		path   string
		status int
		code   string
	}{
		{"no token", "", "/v2.0/payments/" + id + "/status", 401, session.ReasonUnauthenticated},
		{"wrong scope", h.token("m-1", auth.ScopeSessionsRead), "/v2.0/payments/" + id + "/status", 403, session.ReasonInsufficientScope},
		{"unknown", h.token("m-1", auth.ScopePaymentRead), "/v2.0/payments/7d1541fa-5747-429a-a6a0-1939f4d88028/status", 404, session.ReasonSessionNotFound},
		{"bad id", h.token("m-1", auth.ScopePaymentRead), "/v2.0/payments/nope/status", 404, session.ReasonSessionNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do("GET", tt.path, tt.token, nil)
			if res.Code != tt.status || res.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("= %d %s %s; want %d application/json", res.Code, res.Header().Get("Content-Type"), res.Body, tt.status)
			}
			b := res.json(t)
			n, _ := b["notifications"].([]any)
			if _, has := b["data"]; !has || b["data"] != nil || b["message"] == "" || len(n) != 1 || n[0].(map[string]any)["code"] != tt.code {
				t.Errorf("body = %v; want the envelope with data null and a %s notification", b, tt.code)
			}
		})
	}
}

func TestCheckoutStatusCodes(t *testing.T) { eachStore(t, testCheckoutStatusCodes) }

func testCheckoutStatusCodes(t *testing.T, h *harness) {
	user := h.token("m-1", auth.ScopeUser)
	open := h.create("m-1", nil)
	canceled := h.create("m-1", nil)
	h.do("POST", "/sessions/"+canceled+"/cancel", h.merchantToken("m-1"), nil)
	expiring := h.create("m-1", nil)
	get := func(id, token, query string, headers ...string) response {
		return h.do("GET", "/v1/checkout-sessions/"+id+query, token, nil, headers...)
	}
	mid := []string{"X-Merchant-Id", "m-1"}
	if res := get(open, user, "", mid...); res.Code != 200 {
		t.Fatalf("open = %d %s", res.Code, res.Body)
	}
	cs := get(open, user, "?init=false", mid...).json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
	if _, has := cs["appearance"]; has {
		t.Errorf("init=false shows appearance")
	}
	cs = get(open, user, "?init=true", mid...).json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
	if _, has := cs["appearance"]; !has {
		t.Errorf("init=true hides appearance")
	}
	if _, has := cs["cardCategories"]; !has {
		t.Errorf("init=true hides cardCategories")
	}
	wantProblem(t, get(open, user, "?init=maybe", mid...), 400, session.ReasonValidation)
	wantProblem(t, get("not-a-uuid", user, "", mid...), 400, session.ReasonValidation)
	wantProblem(t, get(open, user, ""), 400, session.ReasonValidation)
	wantProblem(t, get(open, user, "", "X-Merchant-Id", "m-2"), 403, session.ReasonMerchantMismatch)
	wantProblem(t, get(open, h.token("m-1", auth.ScopeSessionsRead), "", mid...), 403, session.ReasonInsufficientScope)
	wantProblem(t, get(open, "", "", mid...), 401, session.ReasonUnauthenticated)
	wantProblem(t, get("7d1541fa-5747-429a-a6a0-1939f4d88028", user, "", mid...), 404, session.ReasonSessionNotFound)
	wantProblem(t, get(canceled, user, "", mid...), 410, session.ReasonSessionCanceled)
	h.clock.Set(t0.Add(30 * time.Minute))
	res := get(expiring, user, "", mid...)
	wantProblem(t, res, 401, session.ReasonSessionExpired)
	if res.Header().Get("WWW-Authenticate") != `Bearer realm="paysessions"` {
		t.Errorf("401 for an expired session: WWW-Authenticate = %q; want the bearer challenge", res.Header().Get("WWW-Authenticate"))
	}
}

func TestSessionRecordsList(t *testing.T) { eachStore(t, testSessionRecordsList) }

func testSessionRecordsList(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	var ids []string
	for i := 0; i < 25; i++ {
		h.clock.Set(t0.Add(time.Duration(i) * time.Second))
		ids = append(ids, h.create("m-1", map[string]any{"amount": i, "currency": "EUR"}))
	}
	h.create("m-2", nil)
	h.clock.Set(t0.Add(24 * time.Hour))
	h.create("m-1", nil) // the next day
	// Close every third session early; 16 minutes on, those are past their
	// retention while the open ones are still readable.
	h.clock.Set(t0.Add(time.Minute))
	gone := map[string]bool{}
	for i := 0; i < 25; i += 3 {
		if res := h.do("POST", "/sessions/"+ids[i]+"/cancel", tok, nil); res.Code != 200 {
			t.Fatalf("cancel = %d %s", res.Code, res.Body)
		}
		gone[ids[i]] = true
	}
	h.clock.Set(t0.Add(16*time.Minute + 30*time.Second))
	var want []string
	for _, id := range ids {
		if !gone[id] {
			want = append(want, id)
		}
	}

	var got []string
	var pages []int
	next := "/pps/api/v1/session-record?createdDate=2026-11-23&limit=5"
	for next != "" {
		res := h.do("GET", next, tok, nil)
		if res.Code != 200 {
			t.Fatalf("GET %s = %d %s", next, res.Code, res.Body)
		}
		var page []map[string]any
		if err := json.Unmarshal(res.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(page))
		for _, r := range page {
			got = append(got, r["session_id"].(string))
		}
		next = ""
		if link := res.Header().Get("Link"); link != "" {
			if !strings.HasPrefix(link, "<") || !strings.HasSuffix(link, `>; rel="next"`) {
				t.Fatalf("Link = %q", link)
			}
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("listed %d sessions %v;\nwant %d %v (oldest first, none past retention)", len(got), got, len(want), want)
	}
	if fmt.Sprint(pages) != "[5 5 5 1]" {
		t.Errorf("page sizes = %v; want [5 5 5 1] (pages stay full)", pages)
	}

	bad := []string{
		"", "?createdDate=2026-11-32", "?createdDate=2026-1-5", "?createdDate=23.11.2026",
		"?createdDate=2026-11-23&limit=0", "?createdDate=2026-11-23&limit=1001", "?createdDate=2026-11-23&limit=ten",
		"?createdDate=2026-11-23&cursor=bogus", "?createdDate=2026-11-23&cursor=",
	}
	for _, q := range bad {
		res := h.do("GET", "/pps/api/v1/session-record"+q, tok, nil)
		if res.Code != 400 {
			t.Errorf("GET %s = %d; want 400", q, res.Code)
		}
	}
	// A cursor of one day is refused for another.
	first := h.do("GET", "/pps/api/v1/session-record?createdDate=2026-11-23&limit=1", tok, nil)
	link := first.Header().Get("Link")
	u, _ := url.Parse(strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`))
	cursor := u.Query().Get("cursor")
	if res := h.do("GET", "/pps/api/v1/session-record?createdDate=2026-11-24&cursor="+cursor, tok, nil); res.Code != 400 {
		t.Errorf("another day's cursor = %d; want 400", res.Code)
	}
	if res := h.do("GET", "/pps/api/v1/session-record?createdDate=2026-11-23", "", nil); res.Code != http.StatusUnauthorized {
		t.Errorf("no token = %d; want 401", res.Code)
	}
}
