package dialect

import (
	"encoding/json"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

// PaymentSessionBody is document 002's payment session. The document's
// required fields are always present (empty text, false, {} when unset);
// paymentProfileId only when set; returnUrl and cancelUrl only when hosted
// is true, as the field descriptions say ("Present when hosted is true").
type PaymentSessionBody struct {
	PaymentSessionID   string            `json:"paymentSessionId"`
	OrderID            string            `json:"orderId"`
	PaymentProvider    string            `json:"paymentProvider"`
	SavePaymentProfile bool              `json:"savePaymentProfile"`
	Hosted             bool              `json:"hosted"`
	Provider           json.RawMessage   `json:"provider"`
	Status             string            `json:"status"`
	Metadata           map[string]string `json:"metadata"`
	CreatedAt          string            `json:"createdAt"`
	UpdatedAt          string            `json:"updatedAt"`
	PaymentProfileID   string            `json:"paymentProfileId,omitempty"`
	ReturnURL          string            `json:"returnUrl,omitempty"`
	CancelURL          string            `json:"cancelUrl,omitempty"`
}

// PaymentSession renders v in document 002's shape.
func PaymentSession(v *session.Session) PaymentSessionBody {
	b := PaymentSessionBody{
		PaymentSessionID:   v.ID,
		OrderID:            v.OrderID,
		PaymentProvider:    v.PaymentProvider,
		SavePaymentProfile: v.SavePaymentProfile,
		Hosted:             v.Hosted,
		Provider:           object(v.Provider),
		Status:             statemap.PaymentSession(v.Status),
		Metadata:           stringMap(v.Metadata),
		CreatedAt:          format(v.CreatedAt, layoutSeconds),
		UpdatedAt:          format(v.UpdatedAt, layoutSeconds),
		PaymentProfileID:   v.PaymentProfileID,
	}
	if v.Hosted {
		b.ReturnURL, b.CancelURL = v.ReturnURL, v.CancelURL
	}
	return b
}
