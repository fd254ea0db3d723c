// Package apptest holds what the API functions' events/ samples must
// answer, for the two tests that feed every sample to its function: in
// process, through the Lambda adapter each function builds (shared/app),
// and through the real bootstrap binaries (functions/). One list for both,
// so a new function's sample is described once.
package apptest

// Merchant is the merchant the tests' credentials act for when they feed
// the samples.
const Merchant = "merchant-1"

// Sample is one API function's events/ sample and what it must answer.
type Sample struct {
	// Function is the function's directory under functions/; its sample is
	// events/<Function>.json.
	Function string
	// Status is the answer's status.
	Status int
	// Check picks the part of the decoded JSON body the test compares with
	// Want; nil for an answer without a body.
	Check func(body any) any
	// Want is what Check must return.
	Want any
}

// Samples are the API functions' samples in an order that walks the sample
// session (created by the tests, as the samples name it) through its life:
// a child is created, both are read in every shape, the day's list holds
// the two, a processor authorises the session, the merchant asks to cancel
// it, and an API key is made and the samples' key revoked.
var Samples = []Sample{
	{"create-session", 201, Field("orderId"), "order-1001"},
	{"get-session", 200, Field("status"), "CREATED"},
	{"session-v1", 200, Field("sessionState"), "Initial"},
	{"payment-status", 200, Field("data", "status"), "Pending"},
	{"payment-session", 200, Field("status"), "PENDING"},
	{"checkout-session", 200, Field("data", "checkoutSession", "checkoutSessionStatus"), "INITIATED"},
	{"session-record", 200, Field("session_status"), "CREATED"},
	{"session-records", 200, Count, 2}, // the seed and create-session's
	{"post-session-event", 200, Field("status"), "AUTHORISED"},
	{"cancel-session", 200, Field("status"), "CANCEL_REQUESTED"},
	{"create-api-key", 201, Field("merchantId"), Merchant},
	{"delete-api-key", 204, nil, nil},
}

// Field returns the value at path in a decoded JSON document, nil if there
// is none.
func Field(path ...string) func(any) any {
	return func(v any) any {
		for _, p := range path {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[p]
		}
		return v
	}
}

// Count is the length of a decoded JSON array, nil for anything else.
func Count(v any) any {
	l, ok := v.([]any)
	if !ok {
		return nil
	}
	return len(l)
}
