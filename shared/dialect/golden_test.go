package dialect

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
	"github.com/paysessions/paysessions/shared/session"
)

// The golden tests render the documents' example sessions and compare the
// result with the examples' JSON field by field, times included.

func rendered(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// compare reports every field that differs, by JSON path.
func compare(t *testing.T, path string, got, want any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s = %v; want an object", path, got)
			return
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			gv, gok := g[k]
			wv, wok := w[k]
			switch {
			case !gok:
				t.Errorf("%s.%s missing; want %v", path, k, wv)
			case !wok:
				t.Errorf("%s.%s = %v; want no such field", path, k, gv)
			default:
				compare(t, path+"."+k, gv, wv)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s = %v; want %v", path, got, want)
			return
		}
		for i := range w {
			compare(t, path+"["+strconv.Itoa(i)+"]", g[i], w[i])
		}
	default:
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v; want %v", path, got, want)
		}
	}
}

func TestGolden(t *testing.T) {
	checkout := dialecttest.Checkout()
	body, err := Checkout(checkout.Session, checkout.Child, true)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want map[string]any
	}{
		{"000", V1Session(dialecttest.V1Session().Session), dialecttest.V1Session().Want},
		{"001", PaymentStatus(dialecttest.PaymentStatus().Session), dialecttest.PaymentStatus().Want},
		{"002 hosted", PaymentSession(dialecttest.PaymentSession().Session), dialecttest.PaymentSession().Want},
		{"002 as printed", PaymentSession(dialecttest.PaymentSessionNotHosted().Session), dialecttest.PaymentSessionNotHosted().Want},
		{"003", body, checkout.Want},
		{"004", SessionRecord(dialecttest.SessionRecord().Session), dialecttest.SessionRecord().Want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { compare(t, "$", rendered(t, tt.got), tt.want) })
	}
}

func TestV1SessionResultDataOnlyWhenFinished(t *testing.T) {
	for _, s := range session.Statuses {
		v := dialecttest.V1Session().Session
		v.Status = s
		got := rendered(t, V1Session(v))
		_, has := got["paymentResultData"]
		if want := got["sessionState"] == "Finished"; has != want {
			t.Errorf("%s (%v): paymentResultData present = %v; want %v", s, got["sessionState"], has, want)
		}
	}
	v := dialecttest.V1Session().Session
	v.CallGUID, v.ProviderSessionGUID = "", ""
	got := rendered(t, V1Session(v))
	if got["callGuid"] != nil || got["providerSessionGuid"] != nil {
		t.Errorf("absent GUIDs = %v, %v; want null", got["callGuid"], got["providerSessionGuid"])
	}
}

func TestPaymentStatusHistoryKeepsRepeatsAndErrors(t *testing.T) {
	v := dialecttest.PaymentStatus().Session
	v.History = append(v.History[:2], v.History[1], v.History[1])
	got := rendered(t, PaymentStatus(v))["data"].(map[string]any)["history"].([]any)
	if len(got) != 4 || got[2].(map[string]any)["status"] != "Processing" || got[3].(map[string]any)["status"] != "Processing" {
		t.Errorf("history = %v; want the repeated Processing entries kept", got)
	}
	e := rendered(t, PaymentStatusError("SESSION_NOT_FOUND", "Session not found."))
	if e["data"] != nil || e["message"] == "" || len(e["notifications"].([]any)) != 1 {
		t.Errorf("error envelope = %v; want data null and one notification", e)
	}
	if c := paymentCode("38ecb39d-ea98-443f-94d3-557404881d37"); c != "81D37" {
		t.Errorf("paymentCode = %s; want 81D37", c)
	}
}

func TestCheckoutOptionalParts(t *testing.T) {
	ex := dialecttest.Checkout()
	body, _ := Checkout(ex.Session, nil, false)
	want := ex.Want
	cs := want["data"].(map[string]any)["checkoutSession"].(map[string]any)
	delete(cs, "appearance")
	delete(cs, "cardCategories")
	delete(cs, "childSession")
	compare(t, "$", rendered(t, body), want)
	for _, s := range []session.Status{session.Expired, session.Canceled, session.CancelRequested} {
		ex.Session.Status = s
		if _, err := Checkout(ex.Session, nil, false); err == nil {
			t.Errorf("Checkout(%s) = nil error; want the document's refusal", s)
		}
	}
}

// TestCheckoutChildInEveryState renders a parent whose child is in each
// canonical status. 003: "EXPIRED | Session has exceeded its time limit
// (represented as INITIATED with isExpired() = true)"; the child is never
// refused inside its parent, and childSession.expired is always present.
func TestCheckoutChildInEveryState(t *testing.T) {
	want := map[session.Status]string{
		session.Created: "INITIATED", session.Processing: "INITIATED", session.Sent: "INITIATED",
		session.RequestReceived: "INITIATED", session.RequiresAction: "INITIATED", session.OTPPending: "INITIATED",
		session.Authorised: "COMPLETED", session.Settled: "COMPLETED", session.Failed: "FAILED",
		session.CancelRequested: "CANCELED", session.Canceled: "CANCELED", session.Expired: "INITIATED",
		session.FraudCancellationRequested: "COMPLETED",
	}
	for _, s := range session.Statuses {
		ex := dialecttest.Checkout()
		ex.Child.Status = s
		body, err := Checkout(ex.Session, ex.Child, false)
		if err != nil {
			t.Fatalf("parent with a %s child: %v", s, err)
		}
		got := rendered(t, body)["data"].(map[string]any)["checkoutSession"].(map[string]any)["childSession"]
		w := map[string]any{
			"id": ex.Child.ID, "checkoutSessionStatus": want[s], "expired": s == session.Expired,
			"createdAt": "2023-01-01T12:05:00Z", "expiresAt": "2023-01-01T13:00:00Z",
		}
		compare(t, string(s), got, w)
	}
}

// TestSessionRecordDeclineReasonsAlwaysAnObject: 004 shows
// "decline_reasons": { "category": "string", "reasons": [ … ] } on every
// record, and "ERROR - some processing error has happened (please refer to
// the field decline_reasons)". category is null and reasons [] when there
// are none; a processor's reasons are shown whatever the status.
func TestSessionRecordDeclineReasonsAlwaysAnObject(t *testing.T) {
	none := map[string]any{"category": nil, "reasons": []any{}}
	tests := []struct {
		name    string
		status  session.Status
		reasons *session.DeclineReasons
		want    map[string]any
	}{
		{"in progress, none", session.Processing, nil, none},
		{"error, none", session.Failed, nil, none},
		{"error, category only", session.Failed, &session.DeclineReasons{Category: "RISK"}, map[string]any{"category": "RISK", "reasons": []any{}}},
		{"error, reasons only", session.Failed, &session.DeclineReasons{Reasons: []string{"score too high"}}, map[string]any{"category": nil, "reasons": []any{"score too high"}}},
		{"error, both", session.Failed, &session.DeclineReasons{Category: "RISK", Reasons: []string{"a", "b"}}, map[string]any{"category": "RISK", "reasons": []any{"a", "b"}}},
		{"completed after a soft decline", session.Authorised, &session.DeclineReasons{Category: "SOFT", Reasons: []string{"retry"}}, map[string]any{"category": "SOFT", "reasons": []any{"retry"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := dialecttest.SessionRecord().Session
			v.Status, v.DeclineReasons = tt.status, tt.reasons
			compare(t, "$.decline_reasons", rendered(t, SessionRecord(v))["decline_reasons"], tt.want)
		})
	}
	for _, s := range session.Statuses {
		v := dialecttest.SessionRecord().Session
		v.Status, v.DeclineReasons = s, nil
		if got := rendered(t, SessionRecord(v))["decline_reasons"]; got == nil {
			t.Errorf("%s: decline_reasons = null; want an object", s)
		}
	}
}

// TestPaymentReasonsInDocument001Words: 001's sample words the service's
// own changes as "Payment created." and "Payment status updated to
// RedirectRequired via reply message from the payment provider."; the
// canonical names (AUTHORISED, CANCEL_REQUESTED, ...) never appear, while a
// reason a processor or merchant gave is shown as given.
func TestPaymentReasonsInDocument001Words(t *testing.T) {
	v := dialecttest.PaymentStatus().Session
	v.ChildSessionID = "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b"
	// The texts the service writes with status s (each default with its own
	// status only: TestPaymentReasonGivenTextIsShownAsGiven).
	system := func(s session.Status) []string {
		own := map[session.Status][]string{
			session.Created:         {session.ReasonCreated},
			session.Expired:         {session.ReasonExpiredText},
			session.Canceled:        {session.ReasonMerchantCancel, session.ReasonParentClosedText},
			session.CancelRequested: {session.ReasonMerchantCancelRq},
		}
		return append(own[s], session.ProcessorReason(s), session.ChildReason(v.ChildSessionID, s))
	}
	for _, s := range session.Statuses {
		for _, reason := range system(s) {
			got := paymentReason(v, s, reason)
			for _, c := range session.Statuses {
				if strings.Contains(got, string(c)) {
					t.Errorf("%s, %q shows as %q; want 001's words, not %s", s, reason, got, c)
				}
			}
			if got == reason {
				t.Errorf("%s, %q shown unchanged; want 001's words", s, reason)
			}
		}
	}
	for _, tt := range []struct {
		status session.Status
		reason string
		want   string
	}{
		{session.Created, session.ReasonCreated, "Payment created."},
		{session.Processing, session.ProcessorReason(session.Processing), "Started processing payment."},
		{session.Sent, session.ProcessorReason(session.Sent), "The payment was sent to the payment provider."},
		{session.OTPPending, session.ProcessorReason(session.OTPPending), "Payment status updated to RedirectRequired via reply message from the payment provider."},
		{session.Authorised, session.ProcessorReason(session.Authorised), "Payment status updated to Authorised via reply message from the payment provider."},
		{session.Canceled, session.ProcessorReason(session.Canceled), "Payment status updated to Cancelled via reply message from the payment provider."},
		{session.Expired, session.ReasonExpiredText, "Payment expired before it was completed."},
		{session.CancelRequested, session.ReasonMerchantCancelRq, "Payment cancellation requested by the merchant."},
		{session.Authorised, session.ChildReason(v.ChildSessionID, session.Authorised), "Payment status updated to Authorised by its child payment " + v.ChildSessionID + "."},
		// Not the default for this status: a processor's own words.
		{session.Settled, session.ProcessorReason(session.Authorised), session.ProcessorReason(session.Authorised)},
		{session.Failed, "3-D Secure failed: AUTHORISED never came.", "3-D Secure failed: AUTHORISED never came."},
		{session.Failed, "", ""},
	} {
		if got := paymentReason(v, tt.status, tt.reason); got != tt.want {
			t.Errorf("paymentReason(%s, %q) = %q; want %q", tt.status, tt.reason, got, tt.want)
		}
	}
}

// TestPaymentReasonGivenTextIsShownAsGiven: the service writes each of its
// own reasons with one status only ("Session created." on CREATED, "Canceled
// by the merchant." on CANCELED, ...). The same text given by a processor or
// merchant with another status is theirs, and 001 shows it as given (README:
// "a reason the processor or merchant gave is shown as given"), not as the
// service's default for another status: a processor's AUTHORISED with the
// reason "Canceled by the merchant." showed as Authorised, "Payment
// cancelled by the merchant.", and a merchant's cancel request with the
// reason "Session expired before it was completed." as CancelRequested,
// "Payment expired before it was completed." (r87-dialects, on make run and
// make start-api alike).
func TestPaymentReasonGivenTextIsShownAsGiven(t *testing.T) {
	v := dialecttest.PaymentStatus().Session
	own := map[string]session.Status{
		session.ReasonCreated:          session.Created,
		session.ReasonExpiredText:      session.Expired,
		session.ReasonMerchantCancel:   session.Canceled,
		session.ReasonMerchantCancelRq: session.CancelRequested,
		session.ReasonParentClosedText: session.Canceled,
	}
	for reason, written := range own {
		for _, s := range session.Statuses {
			if s == written {
				continue
			}
			if got := paymentReason(v, s, reason); got != reason {
				t.Errorf("paymentReason(%s, %q) = %q; want it as given (the service writes it only with %s)", s, reason, got, written)
			}
		}
	}
}
