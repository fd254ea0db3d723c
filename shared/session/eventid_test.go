package session

import (
	"errors"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// TestEventIDReadFromJSON: an eventId, or a parentSessionId, present but
// empty identifies nothing and is refused as it is read (VALIDATION_FAILED
// naming the field), not taken as an event without an id or a session
// without a parent; absent and null are those; any other string is read
// (a Draft's Validate then checks a parent is a UUID); a value of another
// type is left to the default reading's type error.
func TestEventIDReadFromJSON(t *testing.T) {
	const parent = "0f8fad5b-d9cb-469f-a165-70867728950e"
	event := func(body string) (string, error) {
		var ev Event
		err := jsonv2.Unmarshal([]byte(body), &ev)
		return string(ev.EventID), err
	}
	draft := func(body string) (string, error) {
		var d Draft
		err := jsonv2.Unmarshal([]byte(body), &d)
		return string(d.ParentSessionID), err
	}
	for _, tt := range []struct {
		read    func(string) (string, error)
		field   string
		body    string
		want    string
		refused bool // a *Error naming field
		fails   bool // another error (the default reading's)
	}{
		{event, "eventId", `{"status":"SENT"}`, "", false, false},
		{event, "eventId", `{"status":"SENT","eventId":null}`, "", false, false},
		{event, "eventId", `{"status":"SENT","eventId":""}`, "", true, false},
		{event, "eventId", `{"status":"SENT","eventId":" "}`, " ", false, false},
		{event, "eventId", `{"status":"SENT","eventId":"evt-\u00e9"}`, "evt-é", false, false},
		{event, "eventId", `{"status":"SENT","eventId":5}`, "", false, true},
		{event, "eventId", `{"status":"SENT","eventId":{}}`, "", false, true},
		{draft, "parentSessionId", `{"amount":1,"currency":"EUR"}`, "", false, false},
		{draft, "parentSessionId", `{"amount":1,"currency":"EUR","parentSessionId":null}`, "", false, false},
		{draft, "parentSessionId", `{"amount":1,"currency":"EUR","parentSessionId":""}`, "", true, false},
		{draft, "parentSessionId", `{"amount":1,"currency":"EUR","parentSessionId":" "}`, " ", false, false},
		{draft, "parentSessionId", `{"amount":1,"currency":"EUR","parentSessionId":"` + parent + `"}`, parent, false, false},
		{draft, "parentSessionId", `{"amount":1,"currency":"EUR","parentSessionId":5}`, "", false, true},
		{draft, "parentSessionId", `{"amount":1,"currency":"EUR","parentSessionId":{}}`, "", false, true},
	} {
		got, err := tt.read(tt.body)
		var fe *Error
		switch {
		case tt.refused:
			if !errors.As(err, &fe) || fe.Reason != ReasonValidation || fe.Field != tt.field {
				t.Errorf("%s: err = %v; want VALIDATION_FAILED naming %s", tt.body, err, tt.field)
			}
		case tt.fails:
			if err == nil || errors.As(err, &fe) {
				t.Errorf("%s: err = %v; want the default reading's error", tt.body, err)
			}
		case err != nil || got != tt.want:
			t.Errorf("%s: got %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}
}
