package dialect

import (
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/statemap"
)

// V1SessionBody is document 000's answer to GET /v1/session/{sessionGuid}.
// Absent values are null; paymentResultData is present only when the state
// is Finished.
type V1SessionBody struct {
	LastUpdatedOn       string             `json:"lastUpdatedOn"`
	CallGUID            *string            `json:"callGuid"`
	CreatedOn           string             `json:"createdOn"`
	SessionGUID         string             `json:"sessionGuid"`
	PaymentResultData   *map[string]string `json:"paymentResultData,omitempty"`
	SessionState        string             `json:"sessionState"`
	ProviderSessionGUID *string            `json:"providerSessionGuid"`
}

// V1Session renders v in document 000's shape.
func V1Session(v *session.Session) V1SessionBody {
	b := V1SessionBody{
		LastUpdatedOn:       format(v.UpdatedAt, layoutV1Session),
		CallGUID:            nullable(v.CallGUID),
		CreatedOn:           format(v.CreatedAt, layoutV1Session),
		SessionGUID:         v.ID,
		SessionState:        statemap.V1Session(v.Status),
		ProviderSessionGUID: nullable(v.ProviderSessionGUID),
	}
	if b.SessionState == "Finished" {
		data := stringMap(v.ResultData)
		b.PaymentResultData = &data
	}
	return b
}
