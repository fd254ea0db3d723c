package smoke

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI answers the smoke's requests as README's "make smoke" section and
// docs/design.md describe a right server, except where fault names one thing
// it gets wrong. It keeps one session and the API keys it made.
type fakeAPI struct {
	fault string

	mu       sync.Mutex
	id       string
	status   string // the canonical status
	history  int
	events   map[string]bool
	created  []byte // the create's first answer
	keys     map[string]string
	revoked  map[string]bool
	keyCount int
}

const fakeSessionID = "2f1c6a7e-9b3d-4c1e-8a5f-0d7e6b4c3a21"

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	write := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if v != nil {
			_ = json.NewEncoder(w).Encode(v)
		}
	}
	id := f.id
	// The five documents' words, docs/design.md §5's rows.
	words := map[string][5]string{
		"PROCESSING": {"InProgress", "Processing", "PENDING", "INITIATED", "IN_PROGRESS"},
		"CANCELED":   {"Finished", "Cancelled", "FAILED", "", "CANCELED"},
	}[f.status]
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPost && p == "/sessions":
		status := http.StatusCreated
		if f.fault == "create 200" {
			status = http.StatusOK
		}
		if f.created != nil {
			w.Header().Set("Location", "/sessions/"+id)
			if f.fault == "replay Location" {
				w.Header().Set("Location", "/sessions/other")
			}
			if f.fault != "replay without Idempotent-Replayed" {
				w.Header().Set("Idempotent-Replayed", "true")
			}
			out := f.created
			if f.fault == "replay another body" {
				out = []byte(strings.Replace(string(out), "smoke", "smoky", 1))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write(out)
			return
		}
		f.id, f.status = fakeSessionID, "CREATED"
		if f.fault == "id not a UUID" {
			f.id = "s1" // and served at /sessions/s1: only the id's form is wrong
		}
		id = f.id
		var in map[string]any
		_ = json.Unmarshal(body, &in)
		merchant := "m1"
		if f.fault == "no merchantId" {
			merchant = ""
		}
		createdStatus, createdAt := "CREATED", "2026-12-02T10:00:00Z"
		if f.fault == "create answers PROCESSING" {
			createdStatus = "PROCESSING"
		}
		if f.fault == "no createdAt" {
			createdAt = ""
		}
		f.created, _ = json.Marshal(map[string]any{"id": id, "status": createdStatus, "merchantId": merchant, "createdAt": createdAt, "metadata": in["metadata"]})
		loc := "/sessions/" + id
		if f.fault == "create Location" {
			loc = "/sessions/"
		}
		w.Header().Set("Location", loc)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(f.created)
	case r.Method == http.MethodPost && p == "/sessions/"+f.id+"/events":
		var ev struct{ EventID string }
		_ = json.Unmarshal(body, &ev)
		if !f.events[ev.EventID] || f.fault == "retried event applied twice" {
			f.history++
		}
		f.events[ev.EventID] = true
		f.status = "PROCESSING"
		status := f.status
		if f.fault == "event answers CREATED" {
			status = "CREATED"
		}
		write(http.StatusOK, map[string]any{"id": id, "status": status})
	case r.Method == http.MethodGet && p == "/sessions/"+f.id:
		status := f.status
		if f.fault == "native read says CREATED" {
			status = "CREATED"
		}
		write(http.StatusOK, map[string]any{"id": id, "status": status, "history": make([]struct{}, f.history+1)})
	case r.Method == http.MethodPost && p == "/sessions/"+f.id+"/cancel":
		f.status = "CANCELED"
		status := f.status
		if f.fault == "cancel answers PROCESSING" {
			status = "PROCESSING"
		}
		write(http.StatusOK, map[string]any{"id": id, "status": status})
	case r.Method == http.MethodPost && p == "/api-keys":
		f.keyCount++
		keyID := fmt.Sprintf("%016x", f.keyCount)
		key := "psk_" + keyID + strings.Repeat("ab", 32)
		if f.fault == "key without psk_" && f.keyCount == 1 || f.fault == "unused key without psk_" && f.keyCount == 2 {
			key = keyID
		}
		f.keys[key] = keyID
		shownID := keyID
		if f.fault == "key without keyId" && f.keyCount == 1 {
			shownID = ""
		}
		write(http.StatusCreated, map[string]any{"keyId": shownID, "key": key})
	case r.Method == http.MethodDelete && strings.HasPrefix(p, "/api-keys/"):
		f.revoked[strings.TrimPrefix(p, "/api-keys/")] = true
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && p == "/v1/session/"+f.id:
		guid := id
		if f.fault == "000 names another session" {
			guid = "6b0c1d2e-3f4a-4b5c-8d6e-7f8091a2b3c4"
		}
		write(http.StatusOK, map[string]any{"sessionGuid": guid, "sessionState": words[0]})
	case r.Method == http.MethodGet && p == "/v2.0/payments/"+f.id+"/status":
		word := words[1]
		if f.fault == "001 says Pending" {
			word = "Pending"
		}
		write(http.StatusOK, map[string]any{"data": map[string]any{"paymentId": id, "status": word}})
	case r.Method == http.MethodGet && p == "/payment-sessions/"+f.id:
		keyID, ok := f.keys[r.Header.Get("X-Api-Key")]
		if !ok || (f.revoked[keyID] && f.fault != "revoked key still works") {
			code := "UNAUTHENTICATED"
			if f.fault == "revoked key FORBIDDEN" {
				code = "FORBIDDEN"
			}
			write(http.StatusUnauthorized, map[string]any{"code": code})
			return
		}
		write(http.StatusOK, map[string]any{"paymentSessionId": id, "status": words[2]})
	case r.Method == http.MethodGet && p == "/v1/checkout-sessions/"+f.id:
		if f.status == "CANCELED" {
			if f.fault == "003 canceled is 200" {
				write(http.StatusOK, map[string]any{"data": map[string]any{"checkoutSession": map[string]any{"id": id, "checkoutSessionStatus": "CANCELED"}}})
				return
			}
			code := "SESSION_CANCELED"
			if f.fault == "003 canceled is 410 NOT_FOUND" {
				code = "NOT_FOUND"
			}
			write(http.StatusGone, map[string]any{"code": code})
			return
		}
		write(http.StatusOK, map[string]any{"data": map[string]any{"checkoutSession": map[string]any{"id": id, "checkoutSessionStatus": words[3]}}})
	case r.Method == http.MethodGet && p == "/pps/api/v1/session-record/"+f.id:
		write(http.StatusOK, map[string]any{"session_id": id, "session_status": words[4]})
	case r.Method == http.MethodGet && p == "/pps/api/v1/session-record":
		status := words[4]
		if f.fault == "list keeps IN_PROGRESS" {
			status = "IN_PROGRESS"
		}
		write(http.StatusOK, []map[string]any{{"session_id": id, "session_status": status}})
	default:
		write(http.StatusNotFound, map[string]any{"code": "NOT_FOUND"})
	}
}

// TestSmokeFailsAWrongServer: the smoke passes a server that answers as
// README's "make smoke" section says, and fails one that gets any one of
// those answers wrong. README: it "creates a session and sends the same
// create again with its `Idempotency-Key` (the first answer, byte for byte,
// `Idempotent-Replayed: true`), reports a processor event (and its retry),
// reads the session natively and in the five documents' shapes (making an
// API key for document 002), cancels it and reads the five shapes again,
// revokes that key, makes a second key and revokes it before any use (...
// its refusal, 401 `UNAUTHENTICATED`, is due at once ...), and finds the
// session in its day's list". Each of the smoke's checks once had no row:
// removing it passed every test.
func TestSmokeFailsAWrongServer(t *testing.T) {
	for _, tc := range []struct {
		fault string
		ok    bool
	}{
		{"", true},
		// docs/design.md §2: "a repeat of the same request (same JSON
		// content) replays the first answer byte for byte with
		// `Idempotent-Replayed: true`".
		{"replay another body", false},
		{"replay without Idempotent-Replayed", false},
		{"replay Location", false},
		{"create Location", false},
		{"create 200", false},
		{"id not a UUID", false},
		{"no merchantId", false},
		{"no createdAt", false},
		{"create answers PROCESSING", false},
		{"event answers CREATED", false},
		// "reports a processor event (and its retry)": the retry, with the
		// same eventId, is applied once.
		{"retried event applied twice", false},
		{"native read says CREATED", false},
		{"key without psk_", false},
		{"unused key without psk_", false},
		{"key without keyId", false},
		{"000 names another session", false},
		{"001 says Pending", false},
		{"cancel answers PROCESSING", false},
		// docs/design.md §5: 003's CANCELED cell is "CANCELED (410 at its
		// own endpoint)".
		{"003 canceled is 200", false},
		{"003 canceled is 410 NOT_FOUND", false},
		// "its refusal, 401 `UNAUTHENTICATED`, is due at once".
		{"revoked key still works", false},
		{"revoked key FORBIDDEN", false},
		{"list keeps IN_PROGRESS", false},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			t.Parallel()
			f := &fakeAPI{fault: tc.fault, events: map[string]bool{}, keys: map[string]string{}, revoked: map[string]bool{}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			var out strings.Builder
			err := Run(t.Context(), Config{BaseURL: srv.URL, Token: "merchant", ProcessorToken: "processor", Client: srv.Client(), Out: &out, ListWait: time.Second})
			if got := err == nil; got != tc.ok {
				t.Errorf("Run against a server with fault %q passed = %v; want %v (err %v)\n%s", tc.fault, got, tc.ok, err, out.String())
			}
		})
	}
}
