package dialect

import (
	"reflect"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
)

// lookup follows path through objects and arrays (an int step indexes an
// array) and reports whether the last member is present at all: a JSON
// null is present with the value nil, a missing member is not present.
func lookup(v any, path ...any) (any, bool) {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			o, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = o[p]; !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok || p >= len(a) {
				return nil, false
			}
			v = a[p]
		}
	}
	return v, true
}

// TestAbsentValuesAreNullNotMissing holds what the documents' examples
// cannot, their every value being set: a value the session does not have
// is written as the document's field with null (or its zero), never left
// out. docs/design.md §6: 000 "absent GUIDs are `null`"; 001's shape
// names every member with none optional ("{message: …, notifications: [],
// data: {paymentId, paymentCode, transactionId, paymentMethod,
// paymentScenario, currency, amount, actionUrl, status, statusReason, …,
// history: [{status, statusReason, processedOn}]}}", where 002's marks its
// optional ones "paymentProfileId?"), "`amount` is a JSON number" (0 is an
// amount session input accepts), and errors "use the same envelope with
// `data: null`"; 004 "absent values `null`". Each row fails when the
// field's tag gains omitempty.
func TestAbsentValuesAreNullNotMissing(t *testing.T) {
	v1 := dialecttest.V1Session().Session
	v1.CallGUID, v1.ProviderSessionGUID = "", ""

	ps := dialecttest.PaymentStatus().Session
	ps.TransactionID, ps.PaymentMethod, ps.PaymentScenario, ps.Currency, ps.ActionURL = "", "", "", "", ""
	ps.StatusReason, ps.Amount = "", 0
	ps.History[0].Reason = ""

	sr := dialecttest.SessionRecord().Session
	sr.TransactionID, sr.PartnerTransactionID, sr.ShopBuyerID = "", "", ""

	tests := []struct {
		name string
		body any
		path []any
		want any
	}{
		{"000 callGuid", V1Session(v1), []any{"callGuid"}, nil},
		{"000 providerSessionGuid", V1Session(v1), []any{"providerSessionGuid"}, nil},
		{"001 transactionId", PaymentStatus(ps), []any{"data", "transactionId"}, nil},
		{"001 paymentMethod", PaymentStatus(ps), []any{"data", "paymentMethod"}, nil},
		{"001 paymentScenario", PaymentStatus(ps), []any{"data", "paymentScenario"}, nil},
		{"001 currency", PaymentStatus(ps), []any{"data", "currency"}, nil},
		{"001 amount 0", PaymentStatus(ps), []any{"data", "amount"}, 0.0},
		{"001 actionUrl", PaymentStatus(ps), []any{"data", "actionUrl"}, nil},
		{"001 statusReason", PaymentStatus(ps), []any{"data", "statusReason"}, nil},
		{"001 history statusReason", PaymentStatus(ps), []any{"data", "history", 0, "statusReason"}, nil},
		{"001 error data", PaymentStatusError("SESSION_NOT_FOUND", "Session not found."), []any{"data"}, nil},
		{"004 transaction_id", SessionRecord(sr), []any{"transaction_id"}, nil},
		{"004 partner_transaction_id", SessionRecord(sr), []any{"partner_transaction_id"}, nil},
		{"004 shop_buyer_id", SessionRecord(sr), []any{"shop_buyer_id"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, present := lookup(rendered(t, tt.body), tt.path...)
			if !present || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%v = %v (present %v); want %v, present", tt.path, got, present, tt.want)
			}
		})
	}
}

// TestPaymentSessionRequiredFieldsWhenUnset: docs/design.md §6, 002:
// "Required fields are always present (empty string, `false` or `{}` when
// unset)". The document's example sets them all, so a required field
// gaining omitempty, or provider rendered without object's {}, went
// unnoticed.
func TestPaymentSessionRequiredFieldsWhenUnset(t *testing.T) {
	v := dialecttest.PaymentSession().Session
	v.OrderID, v.PaymentProvider, v.SavePaymentProfile, v.Hosted, v.Provider = "", "", false, false, nil
	body := rendered(t, PaymentSession(v))
	for _, tt := range []struct {
		field string
		want  any
	}{
		{"orderId", ""},
		{"paymentProvider", ""},
		{"savePaymentProfile", false},
		{"hosted", false},
		{"provider", map[string]any{}},
	} {
		if got, present := lookup(body, tt.field); !present || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %#v (present %v); want %#v, present", tt.field, got, present, tt.want)
		}
	}
}

// TestCheckoutTimesAndOptionalPaymentMethod: 003 shows "createdAt" and
// "expiresAt" for the session and its child, and "paymentMethod": {
// "// Payment method details if available" }; docs/design.md §6 marks it
// optional ("paymentMethod?"). The example's sessions were never updated
// (updatedAt = createdAt) and have payment method details, so createdAt
// rendered from updatedAt, or a null paymentMethod, went unnoticed.
func TestCheckoutTimesAndOptionalPaymentMethod(t *testing.T) {
	ex := dialecttest.Checkout()
	ex.Session.UpdatedAt = ex.Session.CreatedAt.Add(7 * time.Minute)
	ex.Child.UpdatedAt = ex.Child.CreatedAt.Add(3 * time.Minute)
	ex.Session.PaymentMethodDetails = nil
	body, err := Checkout(ex.Session, ex.Child, false)
	if err != nil {
		t.Fatal(err)
	}
	cs := rendered(t, body)["data"].(map[string]any)["checkoutSession"]
	for _, tt := range []struct {
		path    []any
		want    any
		present bool
	}{
		{[]any{"createdAt"}, "2023-01-01T12:00:00Z", true},
		{[]any{"childSession", "createdAt"}, "2023-01-01T12:05:00Z", true},
		{[]any{"paymentMethod"}, nil, false},
	} {
		if got, present := lookup(cs, tt.path...); present != tt.present || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("checkoutSession%v = %v (present %v); want %v (present %v)", tt.path, got, present, tt.want, tt.present)
		}
	}
}

// TestPaymentStatusErrorEnvelope: docs/design.md §6, 001: "Errors … use
// the same envelope with `data: null` and a notification carrying the
// code and message". The renderer's tests checked only that there was one
// notification, so its members could be renamed or dropped.
func TestPaymentStatusErrorEnvelope(t *testing.T) {
	got := rendered(t, PaymentStatusError("SESSION_NOT_FOUND", "Session not found."))
	want := map[string]any{
		"message":       "The operation failed.",
		"notifications": []any{map[string]any{"code": "SESSION_NOT_FOUND", "message": "Session not found."}},
		"data":          nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PaymentStatusError = %v; want %v", got, want)
	}
}
