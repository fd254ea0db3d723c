package dialect

import (
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

// SessionRecordBody is document 004's session record. Absent values are
// null, except decline_reasons, which is always an object.
type SessionRecordBody struct {
	SessionID            string         `json:"session_id"`
	TransactionID        *string        `json:"transaction_id"`
	PartnerTransactionID *string        `json:"partner_transaction_id"`
	ShopBuyerID          *string        `json:"shop_buyer_id"`
	SessionStatus        string         `json:"session_status"`
	DeclineReasons       DeclineReasons `json:"decline_reasons"`
	CreatedDate          string         `json:"created_date"`
	UpdatedDate          string         `json:"updated_date"`
}

// DeclineReasons is document 004's decline_reasons, an object on every
// record ("decline_reasons": { "category": "string", "reasons": [ … ] }), so
// a client reading .category or .reasons never meets null: category is
// null and reasons [] when the processor gave none.
type DeclineReasons struct {
	Category *string  `json:"category"`
	Reasons  []string `json:"reasons"`
}

// SessionRecord renders v in document 004's shape.
func SessionRecord(v *session.Session) SessionRecordBody {
	b := SessionRecordBody{
		SessionID:            v.ID,
		TransactionID:        nullable(v.TransactionID),
		PartnerTransactionID: nullable(v.PartnerTransactionID),
		ShopBuyerID:          nullable(v.ShopBuyerID),
		SessionStatus:        statemap.SessionRecord(v.Status),
		CreatedDate:          format(v.CreatedAt, layoutSessionRecord),
		UpdatedDate:          format(v.UpdatedAt, layoutSessionRecord),
	}
	b.DeclineReasons = declineReasons(v.DeclineReasons)
	return b
}

// declineReasons renders what the processor reported, whatever the status:
// the document asks clients to read it on ERROR, and a processor's reasons
// on another status (a soft decline before a retry succeeded) are its data,
// not ours to drop.
func declineReasons(d *session.DeclineReasons) DeclineReasons {
	out := DeclineReasons{Reasons: []string{}}
	if d == nil {
		return out
	}
	out.Category = nullable(d.Category)
	if d.Reasons != nil {
		out.Reasons = d.Reasons
	}
	return out
}
