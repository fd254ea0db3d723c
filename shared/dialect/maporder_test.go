package dialect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/dialect/dialecttest"
)

// TestStringMapsAreServedInCodePointOrder: docs/design.md §3, "`metadata`
// (a string map, served with its keys in code-point order, as
// `resultData` is)". A string map keeps no order of its own: the
// documents' answers list its keys sorted by code point, whatever order
// they were sent in, so a client that compares answers byte for byte sees
// one answer for one session.
func TestStringMapsAreServedInCodePointOrder(t *testing.T) {
	// Sent in this order; U+00E9 sorts after "b", "Z" before "a".
	m := map[string]string{"é": "3", "b": "2", "a": "1", "Z": "0"}
	const want = `{"Z":"0","a":"1","b":"2","é":"3"}`
	for _, tc := range []struct {
		name, member string
		body         func() any
	}{
		{"002 metadata", `"metadata":`, func() any {
			v := dialecttest.PaymentSession().Session
			v.Metadata = m
			return PaymentSession(v)
		}},
		{"000 paymentResultData", `"paymentResultData":`, func() any {
			v := dialecttest.V1Session().Session
			v.ResultData = m
			return V1Session(v)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := json.Marshal(tc.body())
			if err != nil {
				t.Fatal(err)
			}
			_, after, ok := strings.Cut(string(raw), tc.member)
			if !ok {
				t.Fatalf("answer %s has no %s", raw, tc.member)
			}
			if got := after[:min(len(after), len(want))]; got != want {
				t.Errorf("got %s; want %s", got, want)
			}
		})
	}
}
