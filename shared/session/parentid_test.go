package session

import (
	"errors"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// TestParentSessionIDReadFromJSON: a parentSessionId present but empty
// names no parent and is refused as it is read (VALIDATION_FAILED naming
// parentSessionId), not taken as a standalone session; absent and null are
// no parent; any other string is read (Validate then checks it is a UUID);
// a value of another type is left to the default reading's type error.
func TestParentSessionIDReadFromJSON(t *testing.T) {
	const id = "0f8fad5b-d9cb-469f-a165-70867728950e"
	for _, tt := range []struct {
		body    string
		want    string
		refused bool // a *Error naming parentSessionId
		fails   bool // another error (the default reading's)
	}{
		{`{"amount":1,"currency":"EUR"}`, "", false, false},
		{`{"amount":1,"currency":"EUR","parentSessionId":null}`, "", false, false},
		{`{"amount":1,"currency":"EUR","parentSessionId":""}`, "", true, false},
		{`{"amount":1,"currency":"EUR","parentSessionId":" "}`, " ", false, false},
		{`{"amount":1,"currency":"EUR","parentSessionId":"` + id + `"}`, id, false, false},
		{`{"amount":1,"currency":"EUR","parentSessionId":5}`, "", false, true},
		{`{"amount":1,"currency":"EUR","parentSessionId":{}}`, "", false, true},
	} {
		var d Draft
		err := jsonv2.Unmarshal([]byte(tt.body), &d)
		var fe *Error
		switch {
		case tt.refused:
			if !errors.As(err, &fe) || fe.Reason != ReasonValidation || fe.Field != "parentSessionId" {
				t.Errorf("%s: err = %v; want VALIDATION_FAILED naming parentSessionId", tt.body, err)
			}
		case tt.fails:
			if err == nil || errors.As(err, &fe) {
				t.Errorf("%s: err = %v; want the default reading's error", tt.body, err)
			}
		case err != nil || string(d.ParentSessionID) != tt.want:
			t.Errorf("%s: got %q, %v; want %q", tt.body, d.ParentSessionID, err, tt.want)
		}
	}
}
