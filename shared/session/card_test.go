package session

import (
	"encoding/json"
	"testing"
)

func TestLooksLikeCardNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"4111111111111111", true},
		{"4111 1111 1111 1111", true},
		{"4111-1111-1111-1111", true},
		{"card: 4111 1111 1111 1111, thanks", true},
		{"x4111111111111111y", true},
		{"5555555555554444", true},      // Mastercard
		{"2223003122003222", true},      // Mastercard 2-series
		{"378282246310005", true},       // Amex
		{"3782 822463 10005", true},     // Amex, grouped 4-6-5
		{"6011111111111117", true},      // Discover
		{"3530111333300000", true},      // JCB
		{"36227206271667", true},        // Diners 14
		{"6200000000000005", true},      // UnionPay
		{"4111111111111112", false},     // fails Luhn
		{"411111******1111", false},     // masked
		{"4111 1111 1111", false},       // too short for Visa
		{"41111111111111111111", false}, // 20 digits: a reference, not a card
		{"20220211-0013-0000-0382", false},
		{"c97f86c0-4586-4ba6-adc7-e0072f7f1601", false},
		{"1234567890123452", false}, // Luhn-valid, no network prefix 1
		{"", false},
		{"4111  1111 1111 1111", false}, // two separators end a run
		{"0123456789098760", false},     // document 000's MerchantReferenceCode
		{"5193857291616388004008", false},
	}
	for _, tt := range tests {
		if got := LooksLikeCardNumber(tt.in); got != tt.want {
			t.Errorf("LooksLikeCardNumber(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestCheckJSONFindsNestedCardNumbers(t *testing.T) {
	tests := []struct {
		raw   string
		field string // "" when accepted
	}{
		{`{"a":"b","n":[1,2,{"c":"d"}]}`, ""},
		{`{"pan":"4111111111111111"}`, "provider.pan"},
		{`{"n":[1,{"x":4111111111111111}]}`, "provider.n[1].x"},
		{`{"4111111111111111":"key"}`, "provider"},
		{`{"masked":"411111******1111"}`, ""},
	}
	for _, tt := range tests {
		err := checkJSON("provider", json.RawMessage(tt.raw))
		if tt.field == "" {
			if err != nil {
				t.Errorf("checkJSON(%s) = %v; want nil", tt.raw, err)
			}
			continue
		}
		if ErrorReason(err) != ReasonCardNumber || ErrorField(err) != tt.field {
			t.Errorf("checkJSON(%s) = %v (field %q); want %s on %s", tt.raw, err, ErrorField(err), ReasonCardNumber, tt.field)
		}
	}
}
