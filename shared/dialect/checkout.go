package dialect

import (
	"encoding/json"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

// CheckoutBody is document 003's answer: {data: {checkoutSession, hcpToken}}.
type CheckoutBody struct {
	Data CheckoutData `json:"data"`
}

// CheckoutData is the data member of document 003's answer.
type CheckoutData struct {
	CheckoutSession CheckoutSession `json:"checkoutSession"`
	HCPToken        string          `json:"hcpToken"`
}

// CheckoutSession is document 003's checkout session. paymentMethod and
// childSession appear when there is something to show; appearance and
// cardCategories only when asked for with init=true.
type CheckoutSession struct {
	ID                    string          `json:"id"`
	CheckoutSessionStatus string          `json:"checkoutSessionStatus"`
	CreatedAt             string          `json:"createdAt"`
	ExpiresAt             string          `json:"expiresAt"`
	PaymentMethod         json.RawMessage `json:"paymentMethod,omitempty"`
	ChildSession          *ChildSession   `json:"childSession,omitempty"`
	Appearance            json.RawMessage `json:"appearance,omitempty"`
	CardCategories        *[]string       `json:"cardCategories,omitempty"`
}

// ChildSession is the child's id, status, createdAt and expiresAt, and
// whether it has expired: the document represents EXPIRED "as INITIATED
// with isExpired() = true", which a Java bean serialises as "expired".
// expired is always present (false unless the child has expired), as a
// bean's boolean property is.
type ChildSession struct {
	ID                    string `json:"id"`
	CheckoutSessionStatus string `json:"checkoutSessionStatus"`
	CreatedAt             string `json:"createdAt"`
	ExpiresAt             string `json:"expiresAt"`
	Expired               bool   `json:"expired"`
}

// Checkout renders v in document 003's shape, or returns the error the
// document answers instead (401 expired, 410 canceled or cancel
// requested). child is v's child as it is at the same instant, or nil; a
// child is shown whatever its state (an expired one as INITIATED with
// expired true, a canceled one as CANCELED).
func Checkout(v, child *session.Session, init bool) (CheckoutBody, error) {
	status, err := statemap.Checkout(v.Status)
	if err != nil {
		return CheckoutBody{}, err
	}
	cs := CheckoutSession{
		ID:                    v.ID,
		CheckoutSessionStatus: status,
		CreatedAt:             format(v.CreatedAt, layoutSeconds),
		ExpiresAt:             format(v.ExpiresAt, layoutSeconds),
		PaymentMethod:         v.PaymentMethodDetails,
	}
	if child != nil {
		status, expired := statemap.CheckoutChild(child.Status)
		cs.ChildSession = &ChildSession{
			ID:                    child.ID,
			CheckoutSessionStatus: status,
			CreatedAt:             format(child.CreatedAt, layoutSeconds),
			ExpiresAt:             format(child.ExpiresAt, layoutSeconds),
			Expired:               expired,
		}
	}
	if init {
		cs.Appearance = object(v.Appearance)
		categories := v.CardCategories
		if categories == nil {
			categories = []string{}
		}
		cs.CardCategories = &categories
	}
	return CheckoutBody{Data: CheckoutData{CheckoutSession: cs, HCPToken: v.HCPToken}}, nil
}
