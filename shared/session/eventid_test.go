package session

import (
	"errors"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// TestEventIDReadFromJSON: an eventId present but empty identifies nothing
// and is refused as it is read (VALIDATION_FAILED naming eventId); absent
// and null are an event without an id; any other string is the id; a value
// of another type is left to the default reading's type error.
func TestEventIDReadFromJSON(t *testing.T) {
	for _, tt := range []struct {
		body    string
		want    EventID
		refused bool // a *Error naming eventId
		fails   bool // another error (the default reading's)
	}{
		{`{"status":"SENT"}`, "", false, false},
		{`{"status":"SENT","eventId":null}`, "", false, false},
		{`{"status":"SENT","eventId":""}`, "", true, false},
		{`{"status":"SENT","eventId":" "}`, " ", false, false},
		{`{"status":"SENT","eventId":"evt-\u00e9"}`, "evt-é", false, false},
		{`{"status":"SENT","eventId":5}`, "", false, true},
		{`{"status":"SENT","eventId":{}}`, "", false, true},
	} {
		var ev Event
		err := jsonv2.Unmarshal([]byte(tt.body), &ev)
		var fe *Error
		switch {
		case tt.refused:
			if !errors.As(err, &fe) || fe.Reason != ReasonValidation || fe.Field != "eventId" {
				t.Errorf("%s: err = %v; want VALIDATION_FAILED naming eventId", tt.body, err)
			}
		case tt.fails:
			if err == nil || errors.As(err, &fe) {
				t.Errorf("%s: err = %v; want the default reading's error", tt.body, err)
			}
		case err != nil || ev.EventID != tt.want:
			t.Errorf("%s: got %q, %v; want %q", tt.body, ev.EventID, err, tt.want)
		}
	}
}
