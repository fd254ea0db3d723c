package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
)

// The clients below are what a careful developer writes from each of the
// five documents ALONE, never from this service's code: typed structs
// decoded strictly (unknown members refused where the document lists a
// closed set of fields), exact JSON types, time formats as the documents
// print them and the enums as they list them. TestStrictClients drives real
// sessions through every canonical status (children, cancels, expiry and
// the end of retention included) and every error path, and each client
// must read every answer unchanged.

// strictDecode decodes body into v with no member the type lacks, and
// nothing after the value.
func strictDecode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}

// presence reports which members of a JSON object are present, and
// which of those are null.
func presence(t *testing.T, body []byte) (present, null map[string]bool) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: not a JSON object: %v", body, err)
	}
	present, null = map[string]bool{}, map[string]bool{}
	for k, v := range m {
		present[k] = true
		null[k] = string(v) == "null"
	}
	return present, null
}

// requireMembers fails when a member the document marks as always there is
// absent, or null where the document shows a value.
func requireMembers(t *testing.T, what string, body []byte, required []string, nonNull []string) {
	t.Helper()
	present, null := presence(t, body)
	for _, k := range required {
		if !present[k] {
			t.Errorf("%s: %q is absent; the document always shows it (%s)", what, k, body)
		}
	}
	for _, k := range nonNull {
		if null[k] {
			t.Errorf("%s: %q is null; the document shows a value (%s)", what, k, body)
		}
	}
}

// --- 000: GET /v1/session/{sessionGuid} -----------------------------------

// client000 is 000's response. "Each response contains the following
// parameters": lastUpdatedOn, callGuid, createdOn, sessionGuid,
// paymentResultData, sessionState, providerSessionGuid, nothing else.
type client000 struct {
	LastUpdatedOn       string             `json:"lastUpdatedOn"`
	CallGUID            *string            `json:"callGuid"`
	CreatedOn           string             `json:"createdOn"`
	SessionGUID         string             `json:"sessionGuid"`
	PaymentResultData   *map[string]string `json:"paymentResultData"`
	SessionState        string             `json:"sessionState"`
	ProviderSessionGUID *string            `json:"providerSessionGuid"`
}

// time000: the example's "2018-02-23T09:27:37.561413Z", "(UTC)".
var time000 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

// "current state of the session: Initial ... InProgress ... Finished ... Error".
var states000 = []string{"Initial", "InProgress", "Finished", "Error"}

// wantJSONAnswer stops the test unless res is status with the documents'
// JSON content type.
func wantJSONAnswer(t *testing.T, doc string, res response, status int) {
	t.Helper()
	if res.Code != status {
		t.Fatalf("%s = %d %s; want %d", doc, res.Code, res.Body, status)
	}
	wantJSONContent(t, doc, res, "application/json")
}

func read000(t *testing.T, res response) client000 {
	t.Helper()
	var b client000
	wantJSONAnswer(t, "000", res, 200)
	if err := strictDecode(res.Body.Bytes(), &b); err != nil {
		t.Fatalf("000 %s: %v", res.Body, err)
	}
	requireMembers(t, "000", res.Body.Bytes(),
		[]string{"lastUpdatedOn", "callGuid", "createdOn", "sessionGuid", "sessionState", "providerSessionGuid"},
		[]string{"lastUpdatedOn", "createdOn", "sessionGuid", "sessionState"})
	for name, v := range map[string]string{"lastUpdatedOn": b.LastUpdatedOn, "createdOn": b.CreatedOn} {
		if !time000.MatchString(v) {
			t.Errorf("000 %s = %q; want the example's form 2018-02-23T09:27:37.561413Z", name, v)
		}
	}
	if !slices.Contains(states000, b.SessionState) {
		t.Errorf("000 sessionState = %q; want one of %v", b.SessionState, states000)
	}
	// "The data is only available when the session state is Finished".
	if (b.PaymentResultData != nil) != (b.SessionState == "Finished") {
		t.Errorf("000 paymentResultData present = %v in state %s; want it only when Finished", b.PaymentResultData != nil, b.SessionState)
	}
	if _, err := uuid.Parse(b.SessionGUID); err != nil {
		t.Errorf("000 sessionGuid = %q; want a GUID", b.SessionGUID)
	}
	return b
}

// --- 001: GET /v2.0/payments/{paymentId}/status ---------------------------

// envelope001 is "our ApiResponse envelope": message, notifications, data.
type envelope001 struct {
	Message       string            `json:"message"`
	Notifications []json.RawMessage `json:"notifications"`
	Data          *client001        `json:"data"`
}

// client001 is the PaymentStatus resource as the sample shows it.
type client001 struct {
	PaymentID       string      `json:"paymentId"`
	PaymentCode     string      `json:"paymentCode"`
	TransactionID   *string     `json:"transactionId"`
	PaymentMethod   *string     `json:"paymentMethod"`
	PaymentScenario *string     `json:"paymentScenario"`
	Currency        *string     `json:"currency"`
	Amount          json.Number `json:"amount"`
	ActionURL       *string     `json:"actionUrl"`
	Status          string      `json:"status"`
	StatusReason    *string     `json:"statusReason"`
	CreatedOn       string      `json:"createdOn"`
	ProcessedOn     string      `json:"processedOn"`
	History         []change001 `json:"history"`
}

type change001 struct {
	Status       string  `json:"status"`
	StatusReason *string `json:"statusReason"`
	ProcessedOn  string  `json:"processedOn"`
}

// time001: "2022-02-11T04:51:50.5803212+00:00" and
// "2022-02-11T04:51:59.827369+00:00": a DateTimeOffset as .NET writes it,
// up to seven fraction digits, trailing zeros dropped, offset +00:00.
var time001 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,6}[1-9])?\+00:00$`)

// "You can expect one of the following status values in the status property".
var statuses001 = []string{"Pending", "Processing", "Sent", "RequestReceived", "RedirectRequired", "Authorised", "Settled", "Failed", "CancelRequested", "Cancelled"}

func read001(t *testing.T, res response) client001 {
	t.Helper()
	wantJSONAnswer(t, "001", res, 200)
	var e envelope001
	if err := strictDecode(res.Body.Bytes(), &e); err != nil {
		t.Fatalf("001 %s: %v", res.Body, err)
	}
	// "message": "The operation succeeded!", "notifications": [].
	if e.Message != "The operation succeeded!" || e.Notifications == nil || len(e.Notifications) != 0 || e.Data == nil {
		t.Fatalf("001 envelope = %s; want the sample's message, notifications [] and data", res.Body)
	}
	var raw struct{ Data json.RawMessage }
	_ = json.Unmarshal(res.Body.Bytes(), &raw)
	requireMembers(t, "001 data", raw.Data,
		[]string{"paymentId", "paymentCode", "transactionId", "paymentMethod", "paymentScenario", "currency", "amount", "actionUrl", "status", "statusReason", "createdOn", "processedOn", "history"},
		[]string{"paymentId", "paymentCode", "currency", "amount", "status", "createdOn", "processedOn", "history"})
	d := *e.Data
	// "amount": 8800: an integer number, no fraction, no exponent.
	if !regexp.MustCompile(`^(0|[1-9]\d*)$`).MatchString(d.Amount.String()) {
		t.Errorf("001 amount = %s; want an integer like the sample's 8800", d.Amount)
	}
	if !slices.Contains(statuses001, d.Status) {
		t.Errorf("001 status = %q; want one of %v", d.Status, statuses001)
	}
	for name, v := range map[string]string{"createdOn": d.CreatedOn, "processedOn": d.ProcessedOn} {
		if !time001.MatchString(v) {
			t.Errorf("001 %s = %q; want .NET's form 2022-02-11T04:51:50.5803212+00:00", name, v)
		}
	}
	if _, err := uuid.Parse(d.PaymentID); err != nil {
		t.Errorf("001 paymentId = %q; want a guid", d.PaymentID)
	}
	// "paymentId": "...557404881d37", "paymentCode": "81D37".
	if want := strings.ToUpper(d.PaymentID[len(d.PaymentID)-5:]); d.PaymentCode != want {
		t.Errorf("001 paymentCode = %q; want %q", d.PaymentCode, want)
	}
	if len(d.History) == 0 {
		t.Fatalf("001 history is empty")
	}
	var last time.Time
	for i, c := range d.History {
		if !slices.Contains(statuses001, c.Status) || !time001.MatchString(c.ProcessedOn) {
			t.Errorf("001 history[%d] = %+v; want a listed status and .NET's time form", i, c)
		}
		at, err := time.Parse(time.RFC3339Nano, c.ProcessedOn)
		if err != nil || at.Before(last) {
			t.Errorf("001 history[%d].processedOn = %q; want oldest first (sample order)", i, c.ProcessedOn)
		}
		last = at
	}
	// The sample's data.status and data.processedOn are its last history
	// entry's.
	if end := d.History[len(d.History)-1]; end.Status != d.Status || end.ProcessedOn != d.ProcessedOn {
		t.Errorf("001 status %s at %s; the last history entry is %s at %s", d.Status, d.ProcessedOn, end.Status, end.ProcessedOn)
	}
	return d
}

// want001Error: "The standard error responses apply. 401 Unauthorized ...
// 403 Forbidden ... 404 Not Found", in the ApiResponse envelope (the
// endpoint "returns our ApiResponse envelope"): data null, a notification.
func want001Error(t *testing.T, res response, status int) {
	t.Helper()
	wantJSONAnswer(t, "001", res, status)
	var e envelope001
	if err := strictDecode(res.Body.Bytes(), &e); err != nil {
		t.Fatalf("001 %d %s: %v", status, res.Body, err)
	}
	if e.Data != nil || len(e.Notifications) == 0 || e.Message == "" || e.Message == "The operation succeeded!" {
		t.Errorf("001 %d envelope = %s; want data null, a notification and a failure message", status, res.Body)
	}
}

// --- 002: GET /payment-sessions/{paymentSessionId} ------------------------

// client002 is 002's payment session, every field the document lists.
type client002 struct {
	PaymentSessionID   string            `json:"paymentSessionId"`
	OrderID            string            `json:"orderId"`
	PaymentProvider    string            `json:"paymentProvider"`
	SavePaymentProfile bool              `json:"savePaymentProfile"`
	Hosted             bool              `json:"hosted"`
	Provider           map[string]any    `json:"provider"`
	Status             string            `json:"status"`
	Metadata           map[string]string `json:"metadata"`
	CreatedAt          string            `json:"createdAt"`
	UpdatedAt          string            `json:"updatedAt"`
	PaymentProfileID   *string           `json:"paymentProfileId"`
	ReturnURL          *string           `json:"returnUrl"`
	CancelURL          *string           `json:"cancelUrl"`
}

// time002: string<date-time>, "2024-09-29T10:00:00Z".
var time002 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// "Available options: PENDING, REQUIRES_ACTION, COMPLETED, FAILED".
var statuses002 = []string{"PENDING", "REQUIRES_ACTION", "COMPLETED", "FAILED"}

func read002(t *testing.T, res response) client002 {
	t.Helper()
	wantJSONAnswer(t, "002", res, 200)
	var b client002
	if err := strictDecode(res.Body.Bytes(), &b); err != nil {
		t.Fatalf("002 %s: %v", res.Body, err)
	}
	required := []string{"paymentSessionId", "orderId", "paymentProvider", "savePaymentProfile", "hosted", "provider", "status", "metadata", "createdAt", "updatedAt"}
	requireMembers(t, "002", res.Body.Bytes(), required, required)
	_, null := presence(t, res.Body.Bytes())
	for _, k := range []string{"paymentProfileId", "returnUrl", "cancelUrl"} {
		if null[k] {
			t.Errorf("002 %s is null; the document types it string (absent when unset)", k)
		}
	}
	if !slices.Contains(statuses002, b.Status) {
		t.Errorf("002 status = %q; want one of %v", b.Status, statuses002)
	}
	for name, v := range map[string]string{"createdAt": b.CreatedAt, "updatedAt": b.UpdatedAt} {
		if !time002.MatchString(v) {
			t.Errorf("002 %s = %q; want the example's form 2024-09-29T10:00:00Z", name, v)
		}
	}
	// returnUrl, cancelUrl: "Present when hosted is true."
	if b.Hosted && (b.ReturnURL == nil || b.CancelURL == nil) {
		t.Errorf("002 hosted without returnUrl/cancelUrl: %s", res.Body)
	}
	return b
}

// --- 003: GET v1/checkout-sessions/{checkoutSessionId} --------------------

// client003 is 003's sample: data.checkoutSession and data.hcpToken. The
// document's sample has comments where fields vary ("// Payment method
// details if available", "// Child session information if available");
// docs/design.md §6 fixes the members around them ({data: {checkoutSession:
// {id, checkoutSessionStatus, createdAt, expiresAt, paymentMethod?,
// childSession?, appearance?, cardCategories?}, hcpToken}}, childSession
// "the child's id, status, createdAt and expiresAt" and expired), so a
// member beyond those is refused; what paymentMethod and appearance hold is
// the merchant's.
type client003 struct {
	Data struct {
		CheckoutSession struct {
			ID                    string           `json:"id"`
			CheckoutSessionStatus string           `json:"checkoutSessionStatus"`
			CreatedAt             string           `json:"createdAt"`
			ExpiresAt             string           `json:"expiresAt"`
			PaymentMethod         *json.RawMessage `json:"paymentMethod"`
			ChildSession          *struct {
				ID                    string `json:"id"`
				CheckoutSessionStatus string `json:"checkoutSessionStatus"`
				CreatedAt             string `json:"createdAt"`
				ExpiresAt             string `json:"expiresAt"`
				Expired               *bool  `json:"expired"`
			} `json:"childSession"`
			Appearance     *json.RawMessage `json:"appearance"`
			CardCategories *json.RawMessage `json:"cardCategories"`
		} `json:"checkoutSession"`
		HCPToken *string `json:"hcpToken"`
	} `json:"data"`
}

// "checkoutSessionStatus": "INITIATED|COMPLETED|FAILED|CANCELED".
var statuses003 = []string{"INITIATED", "COMPLETED", "FAILED", "CANCELED"}

func read003(t *testing.T, res response, init bool) client003 {
	t.Helper()
	wantJSONAnswer(t, "003", res, 200)
	var b client003
	if err := strictDecode(res.Body.Bytes(), &b); err != nil {
		t.Fatalf("003 %s: %v", res.Body, err)
	}
	cs := b.Data.CheckoutSession
	if b.Data.HCPToken == nil || *b.Data.HCPToken == "" {
		t.Errorf("003 hcpToken missing: %s", res.Body)
	}
	if !slices.Contains(statuses003, cs.CheckoutSessionStatus) {
		t.Errorf("003 checkoutSessionStatus = %q; want one of %v", cs.CheckoutSessionStatus, statuses003)
	}
	for name, v := range map[string]string{"createdAt": cs.CreatedAt, "expiresAt": cs.ExpiresAt} {
		if !time002.MatchString(v) {
			t.Errorf("003 %s = %q; want the sample's form 2023-01-01T12:00:00Z", name, v)
		}
	}
	// "Add init=true to include appearance and cardCategories in the
	// response. These fields are omitted by default".
	if (cs.Appearance != nil) != init || (cs.CardCategories != nil) != init {
		t.Errorf("003 init=%v: appearance %v, cardCategories %v", init, cs.Appearance != nil, cs.CardCategories != nil)
	}
	for name, raw := range map[string]*json.RawMessage{"paymentMethod": cs.PaymentMethod, "appearance": cs.Appearance} {
		if raw != nil && (*raw)[0] != '{' {
			t.Errorf("003 %s = %s; the sample shows an object", name, *raw)
		}
	}
	if c := cs.ChildSession; c != nil {
		if !slices.Contains(statuses003, c.CheckoutSessionStatus) || c.Expired == nil ||
			!time002.MatchString(c.CreatedAt) || !time002.MatchString(c.ExpiresAt) {
			t.Errorf("003 childSession = %s; want a listed status, expired, and times", res.Body)
		}
		if _, err := uuid.Parse(c.ID); err != nil {
			t.Errorf("003 childSession.id = %q", c.ID)
		}
	}
	return b
}

// --- 004: GET /pps/api/v1/session-record[/{sessionId}] --------------------

// client004 is 004's session record: the eight members its payload shows.
type client004 struct {
	SessionID            string  `json:"session_id"`
	TransactionID        *string `json:"transaction_id"`
	PartnerTransactionID *string `json:"partner_transaction_id"`
	ShopBuyerID          *string `json:"shop_buyer_id"`
	SessionStatus        string  `json:"session_status"`
	DeclineReasons       struct {
		Category *string  `json:"category"`
		Reasons  []string `json:"reasons"`
	} `json:"decline_reasons"`
	CreatedDate string `json:"created_date"`
	UpdatedDate string `json:"updated_date"`
}

// The statuses "The current status of the record" lists.
var statuses004 = []string{"CREATED", "IN_PROGRESS", "COMPLETED", "ERROR", "EXPIRED", "CANCELED", "FRAUD_CANCELLATION_REQUESTED", "OTP_PENDING"}

func check004(t *testing.T, raw json.RawMessage) client004 {
	t.Helper()
	var r client004
	if err := strictDecode(raw, &r); err != nil {
		t.Fatalf("004 %s: %v", raw, err)
	}
	all := []string{"session_id", "transaction_id", "partner_transaction_id", "shop_buyer_id", "session_status", "decline_reasons", "created_date", "updated_date"}
	requireMembers(t, "004", raw, all, []string{"session_id", "session_status", "decline_reasons", "created_date", "updated_date"})
	if !slices.Contains(statuses004, r.SessionStatus) {
		t.Errorf("004 session_status = %q; want one of %v", r.SessionStatus, statuses004)
	}
	// "decline_reasons": { "category": "string", "reasons": [ … ] }.
	if r.DeclineReasons.Reasons == nil {
		t.Errorf("004 decline_reasons.reasons is not an array: %s", raw)
	}
	for name, v := range map[string]string{"created_date": r.CreatedDate, "updated_date": r.UpdatedDate} {
		if _, err := time.Parse(time.RFC3339, v); err != nil || !strings.HasSuffix(v, "Z") {
			t.Errorf("004 %s = %q; want an ISO 8601 UTC date-time", name, v)
		}
	}
	return r
}

func read004(t *testing.T, res response) client004 {
	t.Helper()
	wantJSONAnswer(t, "004", res, 200)
	return check004(t, res.Body.Bytes())
}

func read004List(t *testing.T, res response) []client004 {
	t.Helper()
	wantJSONAnswer(t, "004 list", res, 200)
	if res.Header().Get("Link") != "" {
		t.Errorf("004 list without limit has a Link %q; a client of the document reads the array only", res.Header().Get("Link"))
	}
	var raws []json.RawMessage
	if err := strictDecode(res.Body.Bytes(), &raws); err != nil || raws == nil {
		t.Fatalf("004 list %s: want a JSON array: %v", res.Body, err)
	}
	out := make([]client004, len(raws))
	for i, raw := range raws {
		out[i] = check004(t, raw)
	}
	return out
}

// wantJSONContent checks the media type a JSON client expects, and the
// header docs/design.md §6 puts on every answer.
func wantJSONContent(t *testing.T, what string, res response, media string) {
	t.Helper()
	ct := res.Header().Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(mt) != media {
		t.Errorf("%s Content-Type = %q; want %s", what, ct, media)
	}
	if cc := res.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s Cache-Control = %q; want no-store", what, cc)
	}
}

// wantProblemStrict is a status answer's error as RFC 9457 problem details
// (docs/design.md §6), for the four documents that describe no body.
func wantProblemStrict(t *testing.T, what string, res response, status int) {
	t.Helper()
	if res.Code != status {
		t.Fatalf("%s = %d %s; want %d", what, res.Code, res.Body, status)
	}
	wantJSONContent(t, what, res, "application/problem+json")
	var p struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
		Code   string `json:"code"`
	}
	if err := json.Unmarshal(res.Body.Bytes(), &p); err != nil || p.Status != status || p.Code == "" || p.Title == "" || p.Type == "" {
		t.Errorf("%s %d: problem %s; want type, title, status, code", what, status, res.Body)
	}
	if status == http.StatusUnauthorized && res.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("%s 401 without WWW-Authenticate", what)
	}
}

// TestStrictClients drives a session into every canonical status, fully
// populated and bare, as its own session and as a child, and reads it with
// the five strict clients; then expiry, the end of retention and every
// error path the documents name.
func TestStrictClients(t *testing.T) { eachStore(t, testStrictClients) }

func testStrictClients(t *testing.T, h *harness) {
	d := newDialectReader(h, "m-1")
	full := map[string]any{
		"amount": 8800, "currency": "ZAR", "orderId": "e3f4a5b6-c7d8-9012-3456-123456789012",
		"paymentMethod": "Card", "paymentScenario": "Payment", "transactionId": "20220211-0013-0000-0382",
		"partnerTransactionId": "p-1", "shopBuyerId": "b-1", "callGuid": "a0dc3aca-92f7-4cac-9f12-208a2916be7d",
		"providerSessionGuid": "7d1541fa-5747-429a-a6a0-1939f4d88028", "paymentProvider": "STRIPE",
		"provider": map[string]any{"checkoutSessionId": "cs_test_a1b2c3d4", "checkoutUrl": "https://checkout.stripe.com/c/pay/cs_test_a1b2c3d4"}, "hosted": true,
		"actionUrl": "https://auth.payments.example/?id=1", "returnUrl": "https://example.com/order/confirmation",
		"cancelUrl": "https://example.com/order/checkout", "savePaymentProfile": true,
		"paymentProfileId": "f4a5b6c7-d8e9-0123-4567-234567890123", "paymentMethodDetails": map[string]any{"brand": "VISA"},
		"appearance": map[string]any{"theme": "dark"}, "cardCategories": []string{"CREDIT"},
		"metadata": map[string]any{"source": "mobile_app"},
	}
	bare := map[string]any{"amount": 0, "currency": "EUR"}
	drive := func(id string, s session.Status, authorised func()) {
		data := map[string]any{"resultData": map[string]any{"decision": "ACCEPT"}, "declineReasons": map[string]any{"category": "RISK", "reasons": []string{"r"}}}
		ev := func(status string) {
			e := map[string]any{"status": status}
			for k, v := range data {
				e[k] = v
			}
			h.event(id, e)
		}
		switch s {
		case session.Created, session.Expired:
		case session.CancelRequested:
			ev("AUTHORISED")
			if authorised != nil {
				authorised()
			}
			h.cancel("m-1", id)
		case session.Canceled:
			h.cancel("m-1", id)
		case session.FraudCancellationRequested:
			ev("SETTLED")
			ev(string(s))
		default:
			ev("PROCESSING")
			ev(string(s))
		}
	}
	type made struct {
		id     string
		status session.Status
		child  bool
	}
	var sessions []made
	for _, body := range []map[string]any{full, bare} {
		for _, s := range session.Statuses {
			h.clock.Advance(1234567 * time.Nanosecond) // times with every fraction digit
			id := h.create("m-1", body)
			drive(id, s, nil)
			sessions = append(sessions, made{id, s, false})
		}
	}
	// A parent per status of its child (a parent's own processor settles
	// it between its child's AUTHORISED and the child's cancel request,
	// which would otherwise carry the parent along to a 410).
	for _, s := range session.Statuses {
		if s == session.Expired {
			continue
		}
		parent := h.create("m-1", full)
		child := map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}
		cid := h.create("m-1", child)
		drive(cid, s, func() { h.event(parent, map[string]any{"status": "SETTLED"}) })
		sessions = append(sessions, made{parent, "", false}, made{cid, s, true})
	}
	// readAll reads m with the five strict clients: rs holds its five
	// documents' answers (dialectReader.documents), 003's as sent without
	// init.
	readAll := func(t *testing.T, m made, rs map[string]response) {
		b0, b1, b2 := read000(t, rs["000"]), read001(t, rs["001"]), read002(t, rs["002"])
		r4 := read004(t, rs["004"])
		// 000 "sessionGuid - payment session GUID", 001 "paymentId", 002
		// "paymentSessionId", 004 "session_id": the session asked for, in
		// the lower-case form create returned.
		for name, got := range map[string]string{"000 sessionGuid": b0.SessionGUID, "001 paymentId": b1.PaymentID,
			"002 paymentSessionId": b2.PaymentSessionID, "004 session_id": r4.SessionID} {
			if got != m.id {
				t.Errorf("%s = %q; want the id asked for, %s", name, got, m.id)
			}
		}
		for _, init := range []string{"", "?init=true"} {
			res := rs["003"]
			if init != "" {
				res = h.do("GET", "/v1/checkout-sessions/"+m.id+init, d.tokens["user"], nil, "X-Merchant-Id", "m-1")
			}
			switch res.Code {
			case 401: // "Session Expiration - Returns 401 if the session has expired"
				wantProblemStrict(t, "003", res, 401)
				if b2.Status != "FAILED" || r4.SessionStatus != "EXPIRED" {
					t.Errorf("003 401 for a session 004 shows %s", r4.SessionStatus)
				}
			case 410: // "Session Cancellation - Returns 410 if the session has been canceled"
				wantProblemStrict(t, "003", res, 410)
				if r4.SessionStatus != "CANCELED" {
					t.Errorf("003 410 for a session 004 shows %s", r4.SessionStatus)
				}
			default:
				if b3 := read003(t, res, init != ""); b3.Data.CheckoutSession.ID != m.id {
					t.Errorf("003 id = %q; want the id asked for, %s", b3.Data.CheckoutSession.ID, m.id)
				}
			}
		}
		// One instant, five clocks: every document names the same
		// creation and last update (each at its own precision).
		created, _ := time.Parse(time.RFC3339Nano, b1.CreatedOn)
		updated, _ := time.Parse(time.RFC3339Nano, b0.LastUpdatedOn)
		for name, v := range map[string]string{
			"000 createdOn": b0.CreatedOn, "002 createdAt": b2.CreatedAt, "004 created_date": r4.CreatedDate,
		} {
			if got, _ := time.Parse(time.RFC3339Nano, v); !got.Equal(created.Truncate(precision(v))) {
				t.Errorf("%s = %s; 001 createdOn = %s", name, v, b1.CreatedOn)
			}
		}
		for name, v := range map[string]string{"002 updatedAt": b2.UpdatedAt, "004 updated_date": r4.UpdatedDate} {
			if got, _ := time.Parse(time.RFC3339Nano, v); !got.Equal(updated.Truncate(precision(v))) {
				t.Errorf("%s = %s; 000 lastUpdatedOn = %s", name, v, b0.LastUpdatedOn)
			}
		}
		// 000's "last update time of the payment session entry" is 001's
		// latest status change ("processedOn"): every change is one.
		if processed, _ := time.Parse(time.RFC3339Nano, b1.ProcessedOn); !processed.Truncate(time.Microsecond).Equal(updated) {
			t.Errorf("000 lastUpdatedOn = %s; 001 processedOn = %s", b0.LastUpdatedOn, b1.ProcessedOn)
		}
		if amount := b1.Amount.String(); amount != "8800" && amount != "0" && amount != "1" {
			t.Errorf("001 amount = %s; want what the merchant sent", amount)
		}
	}
	h.clock.Advance(time.Minute)
	for _, m := range sessions {
		if m.status == session.Expired {
			continue
		}
		t.Run(fmt.Sprintf("%s child=%v %s", m.status, m.child, m.id[:8]), func(t *testing.T) { readAll(t, m, d.documents(m.id)) })
	}
	list := read004List(t, d.list())
	for i := 1; i < len(list); i++ {
		if list[i].CreatedDate < list[i-1].CreatedDate {
			t.Errorf("004 list: %s before %s; want oldest first", list[i-1].CreatedDate, list[i].CreatedDate)
		}
	}
	// Past every expiresAt: the open ones read EXPIRED everywhere.
	h.clock.Advance(30 * time.Minute)
	for _, m := range sessions {
		t.Run(fmt.Sprintf("later %s child=%v %s", m.status, m.child, m.id[:8]), func(t *testing.T) {
			rs := d.documents(m.id)
			if rs["004"].Code == 404 {
				return // retention over: checked below
			}
			readAll(t, m, rs)
		})
	}
	read004List(t, d.list())
	// After retention: "The payment session results are available for 15
	// minutes after the session completes"; 001 "404 Not Found When the
	// payment cannot be found"; 003 "Session Not Found - Returns 404".
	h.clock.Advance(time.Hour)
	for _, m := range sessions[:2] {
		rs := d.documents(m.id)
		wantProblemStrict(t, "000", rs["000"], 404)
		want001Error(t, rs["001"], 404)
		wantProblemStrict(t, "002", rs["002"], 404)
		wantProblemStrict(t, "003", rs["003"], 404)
		wantProblemStrict(t, "004", rs["004"], 404)
	}
	if l := read004List(t, d.list()); len(l) != 0 {
		t.Errorf("004 list after retention = %d records; want none", len(l))
	}

	// Error paths, on a live session.
	id := h.create("m-1", full)
	paths := map[string]string{
		"000": "/v1/session/" + id, "001": "/v2.0/payments/" + id + "/status", "002": "/payment-sessions/" + id,
		"003": "/v1/checkout-sessions/" + id, "004": "/pps/api/v1/session-record/" + id,
		"004 list": "/pps/api/v1/session-record?createdDate=" + h.clock.Now().Format(time.DateOnly),
	}
	wrong := h.token("m-1", auth.ScopeSessionsWrite)
	other := newDialectReader(h, "m-2")
	for name, p := range paths {
		check := func(res response, status int) {
			t.Helper()
			if name == "001" {
				want001Error(t, res, status)
			} else {
				wantProblemStrict(t, name, res, status)
			}
		}
		t.Run("errors "+name, func(t *testing.T) {
			if name == "002" {
				check(h.do("GET", p, "", nil), 401)
				check(h.do("GET", p, "", nil, "X-Api-Key", "psk_x_y"), 401)
				check(h.do("GET", p, "", nil, "X-Api-Key", h.apiKey("m-1", auth.ScopeSessionsWrite)), 403)
				check(h.do("GET", p, "", nil, "X-Api-Key", other.key), 404)
			} else {
				check(h.do("GET", p, "", nil, "X-Merchant-Id", "m-1"), 401)
				check(h.do("GET", p, "not.a.jwt", nil, "X-Merchant-Id", "m-1"), 401)
				check(h.do("GET", p, wrong, nil, "X-Merchant-Id", "m-1"), 403)
			}
			check(h.do("POST", p, d.tokens["read"], nil), 405)
		})
	}
	// Another merchant's session and an unknown one: 404 ("existence never
	// leaks"); 003's 403 when X-Merchant-Id is not the caller's.
	unknown := uuid.NewString()
	for _, rd := range []struct {
		r  *dialectReader
		id string
	}{{other, id}, {d, unknown}} {
		rs := rd.r.documents(rd.id)
		wantProblemStrict(t, "000", rs["000"], 404)
		want001Error(t, rs["001"], 404)
		wantProblemStrict(t, "002", rs["002"], 404)
		wantProblemStrict(t, "003", rs["003"], 404)
		wantProblemStrict(t, "004", rs["004"], 404)
	}
	wantProblemStrict(t, "003", h.do("GET", paths["003"], d.tokens["user"], nil, "X-Merchant-Id", "m-2"), 403)
	// Malformed ids: 400 where the document types the id a GUID or UUID and
	// allows a 400 (000 lists no errors, 003 "Validation Errors - Returns
	// 400"); 001 lists 401, 403 and 404 only, and an ASP.NET route
	// constrained to a guid answers 404 for anything else; 002 and 004's
	// ids are opaque strings (404).
	for _, bad := range []string{"not-a-guid", "c97f86c0-4586-4ba6-adc7-e0072f7f160"} {
		wantProblemStrict(t, "000", h.do("GET", "/v1/session/"+bad, d.tokens["read"], nil), 400)
		want001Error(t, h.do("GET", "/v2.0/payments/"+bad+"/status", d.tokens["payment"], nil), 404)
		wantProblemStrict(t, "003", h.do("GET", "/v1/checkout-sessions/"+bad, d.tokens["user"], nil, "X-Merchant-Id", "m-1"), 400)
		wantProblemStrict(t, "002", h.do("GET", "/payment-sessions/"+bad, "", nil, "X-Api-Key", d.key), 404)
		wantProblemStrict(t, "004", h.do("GET", "/pps/api/v1/session-record/"+bad, d.tokens["read"], nil), 404)
	}
	// 004: "A date, formatted as yyyy-MM-dd".
	for _, q := range []string{"", "?createdDate=2019-8-24", "?createdDate=24.08.2019", "?createdDate=2019-02-30"} {
		wantProblemStrict(t, "004 list", h.do("GET", "/pps/api/v1/session-record"+q, d.tokens["read"], nil), 400)
	}
}

// precision is the unit a document's time string is written to.
func precision(v string) time.Duration {
	_, frac, ok := strings.Cut(v, ".")
	if !ok {
		return time.Second
	}
	n := strings.IndexAny(frac, "Z+-")
	d := time.Second
	for range n {
		d /= 10
	}
	return d
}

// TestStrictClientsAcrossInstances: Lambda instances' clocks differ by
// milliseconds, and a processor's two reports in a row can reach two
// instances, the second a little behind the first. 001's sample lists its
// history oldest first, each "processedOn" after the one before, and its
// data.processedOn is the latest; 000's lastUpdatedOn is the "last update
// time of the payment session entry": a poller that keeps it to notice a
// change must never see it go back. Each change is entered no earlier than
// the latest one already made (docs/design.md §4: a change made within the
// clocks' agreement follows the one before it), on both stores.
func TestStrictClientsAcrossInstances(t *testing.T) { eachStore(t, testStrictClientsAcrossInstances) }

func testStrictClientsAcrossInstances(t *testing.T, h *harness) {
	d := newDialectReader(h, "m-1")
	behind := func(at time.Duration, step func()) {
		h.clock.Set(t0.Add(at))
		step()
	}
	seen := map[string]string{}
	check := func(t *testing.T, id string) {
		t.Helper()
		rs := d.documents(id)
		b0 := read000(t, rs["000"])
		read001(t, rs["001"]) // oldest first, data.processedOn the last
		if b0.LastUpdatedOn < seen[id] {
			t.Errorf("000 lastUpdatedOn went back: %s, then %s", seen[id], b0.LastUpdatedOn)
		}
		seen[id] = b0.LastUpdatedOn
	}
	// An event, then one from an instance 500 ms behind.
	id := h.create("m-1", nil)
	behind(2*time.Second, func() { h.event(id, map[string]any{"status": "PROCESSING"}) })
	check(t, id)
	behind(1500*time.Millisecond, func() { h.event(id, map[string]any{"status": "AUTHORISED"}) })
	check(t, id)
	// The merchant's cancel request, from an instance behind again.
	behind(3*time.Second, func() { h.event(id, map[string]any{"status": "SETTLED"}) })
	check(t, id)
	other := h.create("m-1", nil)
	behind(4*time.Second, func() { h.event(other, map[string]any{"status": "AUTHORISED"}) })
	check(t, other)
	behind(3500*time.Millisecond, func() { h.cancel("m-1", other) })
	check(t, other)
	// A child's AUTHORISED moves its parent, from an instance behind the
	// parent's last change.
	h.clock.Set(t0.Add(5 * time.Second))
	parent := h.create("m-1", nil)
	child := h.create("m-1", map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	behind(6*time.Second, func() { h.event(parent, map[string]any{"status": "PROCESSING"}) })
	check(t, parent)
	behind(5500*time.Millisecond, func() { h.event(child, map[string]any{"status": "AUTHORISED"}) })
	check(t, parent)
	check(t, child)
}
