package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
)

// TestDocument000GUIDsAreGUIDs reads document 000 as a typed client does
// (a .NET Guid, a Java UUID): its answer's GUID fields hold GUIDs.
//
//	"callGuid - contains the GUID of the call on the VCC system between the
//	Customer and Agent"
//	"PCI payment provider session guid" (providerSessionGuid)
//
// Absent, they are null (README); present, they are what create or a
// processor's event gave, so those refuse anything but a GUID in its
// 8-4-4-4-12 form (400 naming the field).
func TestDocument000GUIDsAreGUIDs(t *testing.T) { eachStore(t, testDocument000GUIDsAreGUIDs) }

func testDocument000GUIDsAreGUIDs(t *testing.T, h *harness) {
	const guid = "a0dc3aca-92f7-4cac-9f12-208a2916be7d"
	const upper = "A0DC3ACA-92F7-4CAC-9F12-208A2916BE7D"
	const providerGUID = "7D1541FA-5747-429A-A6A0-1939F4D88028"
	notGUIDs := map[string]string{
		"a name":         "call-1",
		"empty braces":   "{}",
		"braces":         "{" + guid + "}",
		"32 digits":      "a0dc3aca92f74cac9f12208a2916be7d",
		"leading space":  " " + guid,
		"trailing NBSP":  guid + "\u00a0",
		"zero-width":     "\u200b" + guid,
		"one digit more": guid + "0",
		"not hex":        "g0dc3aca-92f7-4cac-9f12-208a2916be7d",
		"fullwidth":      "ａ0dc3aca-92f7-4cac-9f12-208a2916be7",
		"dash moved":     "a0dc3ac-a92f7-4cac-9f12-208a2916be7d",
	}
	tok := h.merchantToken("m-1")
	for name, v := range notGUIDs {
		for _, field := range []string{"callGuid", "providerSessionGuid"} {
			res := h.do("POST", "/sessions", tok, map[string]any{"amount": 100, "currency": "EUR", field: v})
			if p := wantProblem(t, res, http.StatusBadRequest, session.ReasonValidation); p["field"] != field {
				t.Errorf("create with %s %s: field %v; want %s", field, name, p["field"], field)
			}
		}
	}
	id := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR"})
	for name, v := range notGUIDs {
		res := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "PROCESSING", "providerSessionGuid": v})
		if p := wantProblem(t, res, http.StatusBadRequest, session.ReasonValidation); p["field"] != "providerSessionGuid" {
			t.Errorf("event with providerSessionGuid %s: field %v; want providerSessionGuid", name, p["field"])
		}
	}

	// A GUID in capitals is a GUID (Guid.Parse and UUID.fromString read
	// either case); it is answered as sent.
	id = h.create("m-1", map[string]any{"amount": 100, "currency": "EUR", "callGuid": upper})
	res := h.do("POST", "/sessions/"+id+"/events", h.processorToken(), map[string]any{"status": "PROCESSING", "providerSessionGuid": providerGUID})
	if res.Code != http.StatusOK {
		t.Fatalf("event with an upper-case GUID = %d %s; want 200", res.Code, res.Body)
	}
	res = h.do("GET", "/v1/session/"+id, tok, nil)
	if res.Code != http.StatusOK {
		t.Fatalf("GET 000 = %d %s; want 200", res.Code, res.Body)
	}
	body := res.json(t)
	for field, want := range map[string]string{"callGuid": upper, "providerSessionGuid": providerGUID, "sessionGuid": id} {
		got, _ := body[field].(string)
		if _, err := uuid.Parse(got); err != nil || got != want {
			t.Errorf("000 %s = %q; want %q", field, got, want)
		}
	}
}
