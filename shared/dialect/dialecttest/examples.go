// Package dialecttest holds the five documents' example sessions and the
// JSON each document shows for them, for golden tests at every layer: the
// renderers, the HTTP handlers and the Lambda handlers.
//
// testdata/000.json, 001.json and 002.json are the documents' examples
// verbatim. 003.json and 004.json fill the documents' schematic examples
// ("checkout-session-uuid", "string") with concrete values of the shapes
// they describe; 003's example is rendered with init=true and so shows
// cardCategories, which its text names.
package dialecttest

import (
	"embed"
	"encoding/json"
	"time"

	"github.com/paysessions/paysessions/shared/session"
)

//go:embed testdata/*.json
var files embed.FS

// Merchant owns every example session.
const Merchant = "merchant-1"

// Example is one document's example: the session as stored, an instant at
// which it reads as the document shows, and the expected JSON.
type Example struct {
	Doc     string
	Session *session.Session
	Child   *session.Session // 003's child session
	Now     time.Time
	Want    map[string]any
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// Want returns a fresh copy of a document's expected JSON.
func Want(doc string) map[string]any {
	raw, err := files.ReadFile("testdata/" + doc + ".json")
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	return m
}

// closedAt fills the closing fields of a closed example session.
func closedAt(v *session.Session, at time.Time) *session.Session {
	v.ClosedAt, v.UpdatedAt, v.RetainUntil = at, at, at.Add(session.DefaultPolicy.Retention)
	return v
}

// V1Session is document 000's example: a Finished session with the
// gateway's result. (Its lastUpdatedOn is before its createdOn, as printed.)
func V1Session() Example {
	want := Want("000")
	data := map[string]string{}
	for k, v := range want["paymentResultData"].(map[string]any) {
		data[k] = v.(string)
	}
	created := ts("2018-02-23T09:28:22.781568Z")
	v := closedAt(&session.Session{
		ID: "e7d3588c-bb25-4808-98a6-5f3657dce467", MerchantID: Merchant, Status: session.Settled,
		CallGUID: "a0dc3aca-92f7-4cac-9f12-208a2916be7d", ProviderSessionGUID: "7d1541fa-5747-429a-a6a0-1939f4d88028",
		CreatedAt: created, ExpiresAt: created.Add(30 * time.Minute), Amount: 1240, Currency: "GBP", ResultData: data,
		History: []session.Change{{Status: session.Created, Reason: session.ReasonCreated, At: created}},
	}, ts("2018-02-23T09:27:37.561413Z"))
	return Example{Doc: "000", Session: v, Now: ts("2018-02-23T09:30:00Z"), Want: want}
}

// PaymentStatus is document 001's example: an Authorised payment with five
// history entries. The session is stored as the service records it when
// the processor's events give no reason (its own default reasons, in the
// canonical words), so rendering it shows that 001 words them exactly as
// the document's sample does.
func PaymentStatus() Example {
	want := Want("001")
	data := want["data"].(map[string]any)
	canonical := map[string]session.Status{
		"Pending": session.Created, "Processing": session.Processing, "Sent": session.Sent,
		"RedirectRequired": session.RequiresAction, "Authorised": session.Authorised,
	}
	var hist []session.Change
	for _, e := range data["history"].([]any) {
		e := e.(map[string]any)
		s := canonical[e["status"].(string)]
		reason := session.ProcessorReason(s)
		if s == session.Created {
			reason = session.ReasonCreated
		}
		hist = append(hist, session.Change{Status: s, Reason: reason, At: ts(e["processedOn"].(string))})
	}
	created := ts("2022-02-11T04:51:50.5803212Z")
	v := closedAt(&session.Session{
		ID: "38ecb39d-ea98-443f-94d3-557404881d37", MerchantID: Merchant, Status: session.Authorised,
		StatusReason: session.ProcessorReason(session.Authorised), TransactionID: "20220211-0013-0000-0382",
		PaymentMethod: "Card", PaymentScenario: "Payment", Currency: "ZAR", Amount: 8800,
		ActionURL: data["actionUrl"].(string), CreatedAt: created, ExpiresAt: created.Add(30 * time.Minute), History: hist,
	}, ts("2022-02-11T04:53:04.7469416Z"))
	return Example{Doc: "001", Session: v, Now: ts("2022-02-11T04:54:00Z"), Want: want}
}

// PaymentSession is document 002's example. The document prints returnUrl
// and cancelUrl with hosted false, while its field descriptions say both
// are "Present when hosted is true", as docs/design.md §6 does. The service
// follows the descriptions, so the example session is hosted; see
// PaymentSessionNotHosted for the example as printed. It expires an hour
// after creation, so that it is still PENDING at its updatedAt of 10:30.
func PaymentSession() Example {
	want := Want("002")
	want["hosted"] = true
	v := paymentSession()
	v.Hosted = true
	return Example{Doc: "002", Session: v, Now: ts("2024-09-29T10:31:00Z"), Want: want}
}

// PaymentSessionNotHosted is document 002's example as printed (hosted
// false): the same but for returnUrl and cancelUrl, which are not shown.
func PaymentSessionNotHosted() Example {
	want := Want("002")
	delete(want, "returnUrl")
	delete(want, "cancelUrl")
	return Example{Doc: "002", Session: paymentSession(), Now: ts("2024-09-29T10:31:00Z"), Want: want}
}

func paymentSession() *session.Session {
	created := ts("2024-09-29T10:00:00Z")
	return &session.Session{
		ID: "d2e3f4a5-b6c7-8901-2345-012345678901", MerchantID: Merchant, Status: session.Created,
		OrderID: "e3f4a5b6-c7d8-9012-3456-123456789012", PaymentProvider: "STRIPE", SavePaymentProfile: true,
		Provider:  json.RawMessage(`{"clientSecret":"pi_1234_secret_abcd","publishableKey":"pk_test_1234567890abcdef","paymentIntentId":"pi_1234567890abcdef"}`),
		Metadata:  map[string]string{"source": "mobile_app", "campaign": "summer_2024"},
		CreatedAt: created, UpdatedAt: ts("2024-09-29T10:30:00Z"), ExpiresAt: created.Add(time.Hour),
		PaymentProfileID: "f4a5b6c7-d8e9-0123-4567-234567890123",
		ReturnURL:        "https://example.com/order/confirmation", CancelURL: "https://example.com/order/checkout",
		Amount: 100, Currency: "USD",
		History: []session.Change{{Status: session.Created, Reason: session.ReasonCreated, At: created}},
	}
}

// Checkout is document 003's example, read with init=true: an open parent
// with payment method details, appearance, card categories and an open
// child. Its sessions live an hour, as the example's times show.
func Checkout() Example {
	created := ts("2023-01-01T12:00:00Z")
	parent := &session.Session{
		ID: "5b0c2a47-1f3e-4d8a-9c6b-7e2f1a3d4c5e", MerchantID: Merchant, Status: session.Processing,
		CreatedAt: created, UpdatedAt: created, ExpiresAt: created.Add(time.Hour),
		PaymentMethodDetails: json.RawMessage(`{"type":"CARD","brand":"VISA","last4":"1111"}`),
		Appearance:           json.RawMessage(`{"theme":"dark","primaryColor":"#0A84FF"}`),
		CardCategories:       []string{"CREDIT", "DEBIT"}, HCPToken: "token-value", Amount: 1, Currency: "EUR",
		ChildSessionID: "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
		History:        []session.Change{{Status: session.Created, Reason: session.ReasonCreated, At: created}},
	}
	childCreated := ts("2023-01-01T12:05:00Z")
	child := &session.Session{
		ID: "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b", MerchantID: Merchant, Status: session.Created,
		CreatedAt: childCreated, UpdatedAt: childCreated, ExpiresAt: parent.ExpiresAt, HCPToken: "child-token",
		ParentSessionID: parent.ID, Amount: 1, Currency: "EUR",
		History: []session.Change{{Status: session.Created, Reason: session.ReasonCreated, At: childCreated}},
	}
	return Example{Doc: "003", Session: parent, Child: child, Now: ts("2023-01-01T12:10:00Z"), Want: Want("003")}
}

// SessionRecord is document 004's record, filled in: a failed session with
// decline reasons.
func SessionRecord() Example {
	want := Want("004")
	want["session_id"] = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	want["created_date"] = "2019-08-24T14:15:22.123Z"
	want["updated_date"] = "2019-08-24T14:16:00.000Z"
	created := ts("2019-08-24T14:15:22.123Z")
	v := closedAt(&session.Session{
		ID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", MerchantID: Merchant, Status: session.Failed,
		TransactionID: "string", PartnerTransactionID: "string", ShopBuyerID: "string",
		DeclineReasons: &session.DeclineReasons{Category: "string", Reasons: []string{"string"}},
		CreatedAt:      created, ExpiresAt: created.Add(30 * time.Minute), Amount: 1, Currency: "EUR",
		History: []session.Change{{Status: session.Created, Reason: session.ReasonCreated, At: created}},
	}, ts("2019-08-24T14:16:00Z"))
	return Example{Doc: "004", Session: v, Now: ts("2019-08-24T14:20:00Z"), Want: want}
}
