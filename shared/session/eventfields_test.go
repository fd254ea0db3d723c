package session

import (
	"encoding/json"
	"testing"
	"time"
)

// TestEventFieldsReplaceOnlyWhenPresent: an event's "other fields, when
// present, replace the session's" (docs/openapi.yaml, SessionEvent), and
// "the processor's `declineReasons` stay on the session after it is
// authorised" (README): a field the event leaves out keeps what an
// earlier event stored.
func TestEventFieldsReplaceOnlyWhenPresent(t *testing.T) {
	type field struct {
		name string
		set  func(e *Event, v string) // sets the field to a value made from v
		get  func(s *Session) any
		of   func(e *Event) any // the event's value of the field
	}
	fields := []field{
		{"resultData", func(e *Event, v string) { e.ResultData = map[string]string{"decision": v} }, func(s *Session) any { return s.ResultData }, func(e *Event) any { return e.ResultData }},
		{"declineReasons", func(e *Event, v string) { e.DeclineReasons = &DeclineReasons{Category: v, Reasons: []string{v}} }, func(s *Session) any { return s.DeclineReasons }, func(e *Event) any { return e.DeclineReasons }},
		{"paymentMethodDetails", func(e *Event, v string) { e.PaymentMethodDetails = json.RawMessage(`{"brand":"` + v + `"}`) }, func(s *Session) any { return s.PaymentMethodDetails }, func(e *Event) any { return e.PaymentMethodDetails }},
		{"transactionId", func(e *Event, v string) { e.TransactionID = "tx-" + v }, func(s *Session) any { return s.TransactionID }, func(e *Event) any { return e.TransactionID }},
		{"providerSessionGuid", func(e *Event, v string) { e.ProviderSessionGUID = "guid-" + v }, func(s *Session) any { return s.ProviderSessionGUID }, func(e *Event) any { return e.ProviderSessionGUID }},
		{"actionUrl", func(e *Event, v string) { e.ActionURL = "https://pay.example/" + v }, func(s *Session) any { return s.ActionURL }, func(e *Event) any { return e.ActionURL }},
		{"provider", func(e *Event, v string) { e.Provider = json.RawMessage(`{"ref":"` + v + `"}`) }, func(s *Session) any { return s.Provider }, func(e *Event) any { return e.Provider }},
	}
	show := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// want is what the field shows when an event sets it from v: the
	// event's own value.
	want := func(f field, v string) string {
		var e Event
		f.set(&e, v)
		return show(f.of(&e))
	}
	at := t0.Add(time.Minute)
	first := newSession(t)
	all := &Event{Status: Processing}
	for _, f := range fields {
		f.set(all, "a")
	}
	if _, err := first.Apply(all, at, DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		event func() *Event
		b     string // the one field set to "b", "" for none
	}{
		{"an event with its status alone", func() *Event { return &Event{Status: Authorised} }, ""},
	}
	for _, f := range fields {
		tests = append(tests, struct {
			name  string
			event func() *Event
			b     string
		}{"an event with " + f.name + " alone", func() *Event {
			e := &Event{Status: Sent}
			f.set(e, "b")
			return e
		}, f.name})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := first.Clone()
			if _, err := s.Apply(tt.event(), at.Add(time.Second), DefaultPolicy); err != nil {
				t.Fatal(err)
			}
			for _, f := range fields {
				v := "a"
				if f.name == tt.b {
					v = "b"
				}
				if got, w := show(f.get(s)), want(f, v); got != w {
					t.Errorf("%s: got %v; want %v", f.name, got, w)
				}
			}
		})
	}
}

// TestEventDeclineReasonsReplaceWhole: "A processor event's
// `declineReasons` replaces the session's whole, unlike `transactionId`"
// (README, document 004): an event's category alone drops the reasons an
// earlier event stored, and an empty object clears both; an event without
// them leaves them as they are.
func TestEventDeclineReasonsReplaceWhole(t *testing.T) {
	earlier := &DeclineReasons{Category: "A", Reasons: []string{"x"}}
	tests := []struct {
		name  string
		event *DeclineReasons
		want  *DeclineReasons
	}{
		{"a category alone", &DeclineReasons{Category: "B"}, &DeclineReasons{Category: "B"}},
		{"reasons alone", &DeclineReasons{Reasons: []string{"y"}}, &DeclineReasons{Reasons: []string{"y"}}},
		{"an empty object", &DeclineReasons{}, &DeclineReasons{}},
		{"none", nil, earlier},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			at := t0.Add(time.Minute)
			if _, err := s.Apply(&Event{Status: Processing, DeclineReasons: earlier}, at, DefaultPolicy); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Apply(&Event{Status: Sent, DeclineReasons: tt.event}, at.Add(time.Second), DefaultPolicy); err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(s.DeclineReasons)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("got %s; want %s", got, want)
			}
		})
	}
}
