package dialect

import (
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

// SessionRecordBody is document 004's session record. Absent values are
// null; decline_reasons is set only when the status is ERROR.
type SessionRecordBody struct {
	SessionID            string          `json:"session_id"`
	TransactionID        *string         `json:"transaction_id"`
	PartnerTransactionID *string         `json:"partner_transaction_id"`
	ShopBuyerID          *string         `json:"shop_buyer_id"`
	SessionStatus        string          `json:"session_status"`
	DeclineReasons       *DeclineReasons `json:"decline_reasons"`
	CreatedDate          string          `json:"created_date"`
	UpdatedDate          string          `json:"updated_date"`
}

// DeclineReasons is document 004's decline_reasons.
type DeclineReasons struct {
	Category string   `json:"category"`
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
	if b.SessionStatus == "ERROR" && v.DeclineReasons != nil {
		reasons := v.DeclineReasons.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		b.DeclineReasons = &DeclineReasons{Category: v.DeclineReasons.Category, Reasons: reasons}
	}
	return b
}

// SessionRecords renders a page of document 004's list: a JSON array,
// [] when empty.
func SessionRecords(vs []*session.Session) []SessionRecordBody {
	out := make([]SessionRecordBody, len(vs))
	for i, v := range vs {
		out[i] = SessionRecord(v)
	}
	return out
}
