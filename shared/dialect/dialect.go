// Package dialect renders a canonical session in the exact shapes of the
// five "get session status" APIs the service imitates (docs/design.md §6):
// field names, nesting, optionality and time formats as the documents'
// examples show them. Renderers are pure: a session in, a value to encode
// as JSON out. Status words come from package statemap.
package dialect

import (
	"encoding/json"
	"time"
)

// Time layouts of the documents.
const (
	// 000: UTC, six fraction digits: 2018-02-23T09:27:37.561413Z.
	layoutV1Session = "2006-01-02T15:04:05.000000Z"
	// 001: up to seven fraction digits (trailing zeros dropped) and an
	// explicit +00:00, as .NET writes a DateTimeOffset:
	// 2022-02-11T04:51:50.5803212+00:00, 2022-02-11T04:51:59.827369+00:00.
	layoutPaymentStatus = "2006-01-02T15:04:05.9999999-07:00"
	// 002 and 003: whole seconds, UTC: 2024-09-29T10:00:00Z.
	layoutSeconds = "2006-01-02T15:04:05Z"
	// 004: the document shows only "string"; ISO 8601 UTC with
	// milliseconds, the common form of the Java services it comes from.
	layoutSessionRecord = "2006-01-02T15:04:05.000Z"
)

func format(t time.Time, layout string) string {
	return t.UTC().Format(layout)
}

// nullable renders "" as JSON null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// object renders a stored JSON object, or {} when there is none.
func object(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}

// stringMap renders a map that the document always shows, {} when empty.
func stringMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
