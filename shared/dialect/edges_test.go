package dialect

import (
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
	"github.com/paysessions/paysessions/shared/session"
)

// TestShapeEdges holds what the documents' examples cannot: their times
// have all fraction digits set and are UTC, and every optional part is
// filled. docs/design.md §6: 000's "Times are UTC with six fraction
// digits", 001's "up to seven fraction digits and `+00:00`" and
// "`processedOn` is the latest status change", 002's "Times in whole
// seconds UTC", "`{}` when unset" and "`paymentProfileId` only when set".
// Each row fails on a mutant of the renderer that the examples let live.
func TestShapeEdges(t *testing.T) {
	// 12:00:00 at +02:00 is 10:00:00Z: a whole second, outside UTC.
	whole := time.Date(2024, 9, 29, 12, 0, 0, 0, time.FixedZone("", 2*3600))
	// Half a second later, and a later change that is not a status change.
	half := whole.Add(500 * time.Millisecond)
	later := whole.Add(time.Hour)

	field := func(m map[string]any, path ...string) any {
		var v any = m
		for _, p := range path {
			o, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = o[p]
		}
		return v
	}
	tests := []struct {
		name string
		body func() map[string]any
		path []string
		want any
	}{
		{"000 whole second keeps six digits, UTC", func() map[string]any {
			v := dialecttest.V1Session().Session
			v.CreatedAt = whole
			return rendered(t, V1Session(v))
		}, []string{"createdOn"}, "2024-09-29T10:00:00.000000Z"},
		{"000 Finished without result data is {}", func() map[string]any {
			v := dialecttest.V1Session().Session
			v.ResultData = nil
			return rendered(t, V1Session(v))
		}, []string{"paymentResultData"}, map[string]any{}},
		{"001 +00:00 outside UTC", func() map[string]any {
			v := dialecttest.PaymentStatus().Session
			v.CreatedAt = half
			return rendered(t, PaymentStatus(v))
		}, []string{"data", "createdOn"}, "2024-09-29T10:00:00.5+00:00"},
		{"001 processedOn is the latest status change, not updatedAt", func() map[string]any {
			v := dialecttest.PaymentStatus().Session
			v.History[len(v.History)-1].At = half
			v.UpdatedAt = later
			return rendered(t, PaymentStatus(v))
		}, []string{"data", "processedOn"}, "2024-09-29T10:00:00.5+00:00"},
		{"001 processedOn is the one status change, not updatedAt", func() map[string]any {
			v := dialecttest.PaymentStatus().Session
			v.History = v.History[:1]
			v.History[0].At = half
			v.UpdatedAt = later
			return rendered(t, PaymentStatus(v))
		}, []string{"data", "processedOn"}, "2024-09-29T10:00:00.5+00:00"},
		{"001 processedOn without a recorded change is updatedAt", func() map[string]any {
			// An item read with no history (written by hand, or by an
			// older writer): the last change the session shows is its
			// updatedAt, not its creation.
			v := dialecttest.PaymentStatus().Session
			v.History = nil
			v.UpdatedAt = half
			return rendered(t, PaymentStatus(v))
		}, []string{"data", "processedOn"}, "2024-09-29T10:00:00.5+00:00"},
		{"001 history without a recorded change is []", func() map[string]any {
			// 001's PaymentStatus shows "history": [ … ], an array, and
			// docs/design.md §6 "history: [{status, statusReason,
			// processedOn}]". The store reads an item with no history as
			// an empty one (as the row above); a client iterating it must
			// meet [], never null (r112-mutate: history rendered nil for
			// an empty one, mutant T04, passed every test).
			v := dialecttest.PaymentStatus().Session
			v.History = nil
			return rendered(t, PaymentStatus(v))
		}, []string{"data", "history"}, []any{}},
		{"002 whole seconds, UTC", func() map[string]any {
			v := dialecttest.PaymentSession().Session
			v.CreatedAt = half
			return rendered(t, PaymentSession(v))
		}, []string{"createdAt"}, "2024-09-29T10:00:00Z"},
		{"002 metadata unset is {}", func() map[string]any {
			v := dialecttest.PaymentSession().Session
			v.Metadata = nil
			return rendered(t, PaymentSession(v))
		}, []string{"metadata"}, map[string]any{}},
		{"003 whole seconds, UTC", func() map[string]any {
			ex := dialecttest.Checkout()
			ex.Session.ExpiresAt = half
			body, err := Checkout(ex.Session, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			return rendered(t, body)
		}, []string{"data", "checkoutSession", "expiresAt"}, "2024-09-29T10:00:00Z"},
		{"003 hcpToken unset is still shown", func() map[string]any {
			// docs/design.md §6: 003 is "{data: {checkoutSession: {…},
			// hcpToken}}", hcpToken without the "?" its optional members
			// carry, as 003's example shows it ("hcpToken": "token-value").
			// A session may be stored without one ("test data, imports":
			// session.validHCPToken), and its answer keeps the member
			// (r112-mutate: hcpToken with omitempty, mutant C06, passed
			// every test).
			ex := dialecttest.Checkout()
			ex.Session.HCPToken = ""
			body, err := Checkout(ex.Session, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			return rendered(t, body)
		}, []string{"data", "hcpToken"}, ""},
		{"003 init without appearance is {}", func() map[string]any {
			ex := dialecttest.Checkout()
			ex.Session.Appearance = nil
			body, _ := Checkout(ex.Session, nil, true)
			return rendered(t, body)
		}, []string{"data", "checkoutSession", "appearance"}, map[string]any{}},
		{"003 init without card categories is []", func() map[string]any {
			ex := dialecttest.Checkout()
			ex.Session.CardCategories = nil
			body, _ := Checkout(ex.Session, nil, true)
			return rendered(t, body)
		}, []string{"data", "checkoutSession", "cardCategories"}, []any{}},
	}
	// 004's example writes "string" in transaction_id,
	// partner_transaction_id and shop_buyer_id alike, so it cannot tell
	// them apart: each shows its own value.
	for _, id := range []struct{ field, value string }{
		{"transaction_id", "t-1"}, {"partner_transaction_id", "p-1"}, {"shop_buyer_id", "b-1"},
	} {
		tests = append(tests, struct {
			name string
			body func() map[string]any
			path []string
			want any
		}{"004 " + id.field + " is its own", func() map[string]any {
			v := dialecttest.SessionRecord().Session
			v.TransactionID, v.PartnerTransactionID, v.ShopBuyerID = "t-1", "p-1", "b-1"
			return rendered(t, SessionRecord(v))
		}, []string{id.field}, id.value})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compare(t, "$", field(tt.body(), tt.path...), tt.want)
		})
	}

	// 002: "`paymentProfileId` only when set".
	v := dialecttest.PaymentSession().Session
	v.PaymentProfileID = ""
	if got, has := rendered(t, PaymentSession(v))["paymentProfileId"]; has {
		t.Errorf("002 paymentProfileId unset = %v; want no such field", got)
	}
	// 001: a reason a processor gave is shown as given, even one that
	// reads as the service's child reason when there is no child.
	ps := dialecttest.PaymentStatus().Session
	ps.ChildSessionID = ""
	if reason := session.ChildReason("", session.Authorised); paymentReason(ps, session.Authorised, reason) != reason {
		t.Errorf("paymentReason without a child = %q; want %q", paymentReason(ps, session.Authorised, reason), reason)
	}
}

// TestPaymentCode: 001's paymentCode is the id's last five characters in
// upper case (38ecb39d-…-557404881d37 → 81D37); an id shorter than five
// (never a UUID, but a hand-written item's) is shown whole, not a panic.
func TestPaymentCode(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"38ecb39d-7a6d-4ef6-bd56-557404881d37", "81D37"},
		{"abcde", "ABCDE"},
		{"abcd", "ABCD"},
		{"a", "A"},
		{"", ""},
	} {
		if got := paymentCode(tt.id); got != tt.want {
			t.Errorf("paymentCode(%q) = %v; want %v", tt.id, got, tt.want)
		}
	}
}

// TestCheckoutChildExpiresAtIsTheChilds: docs/design.md §6, 003: the
// childSession "holds the child's `id`, `checkoutSessionStatus`,
// `createdAt`, `expiresAt`", and §5: "The child's `expiresAt` is no later
// than its parent's", so it may be earlier. The example's child expires
// with its parent, so a child rendered with the parent's expiresAt went
// unnoticed (r93-mutate: mutant D28 passed every test).
func TestCheckoutChildExpiresAtIsTheChilds(t *testing.T) {
	ex := dialecttest.Checkout()
	ex.Child.ExpiresAt = ex.Session.ExpiresAt.Add(-20 * time.Minute)
	body, err := Checkout(ex.Session, ex.Child, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := body.Data.CheckoutSession.ChildSession.ExpiresAt, "2023-01-01T12:40:00Z"; got != want {
		t.Errorf("childSession.expiresAt = %q; want the child's own, %q", got, want)
	}
	if got, want := body.Data.CheckoutSession.ExpiresAt, "2023-01-01T13:00:00Z"; got != want {
		t.Errorf("expiresAt = %q; want the parent's, %q", got, want)
	}
}
