package httpapi_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
)

// FuzzCreateAPIKey sends any body, with any Content-Type, to POST
// /api-keys, from a token holding apikeys:write and some of the scopes a
// key may have. Besides checkAnswer's property: the answer is 201, 400,
// 403, 413 or 415 (docs/design.md §6); a key is made only of a body a
// strict JSON reader reads (encoding/json), with exactly its scopes (the
// duplicates once, in order), each one of auth.APIKeyScopes the token
// holds ("A key never holds a scope its creator lacks"), and its expiresAt
// (within 100 ns, after the creation and at most auth.MaxAPIKeyLifetime
// later); 403 only when the body names a key scope the token lacks. A key
// made is shown as psk_<keyId>_<secret>, Location /api-keys/<keyId>, and
// works at once: it reads a session of its merchant's exactly when it
// holds sessions:read (else 403).
func FuzzCreateAPIKey(f *testing.F) {
	h := fuzzHarness(f)
	id := h.create("m-1", nil)
	for _, s := range []struct {
		body string
		held uint8
		ct   string
	}{
		{`{"scopes":["sessions:read"]}`, 1, "application/json"},
		{`{"scopes":["sessions:read","sessions:write","sessions:read"],"expiresAt":"2026-12-31T23:59:59Z"}`, 3, "application/json; charset=utf-8"},
		{`{"scopes":["sessions:write"]}`, 1, "application/json"},
		{`{"scopes":["apikeys:write"]}`, 3, "application/json"},
		{`{"scopes":[]}`, 3, "application/json"},
		{`{"scopes":["sessions:read"],"expiresAt":"2026-11-23T10:00:00Z"}`, 1, "application/json"},
		{`{"scopes":["sessions:read"],"expiresAt":"2027-11-23T10:00:00.0000001Z"}`, 1, "application/json"},
		{`{"scopes":["sessions:read"],"expiresAt":"2027-11-23T10:00:00.00000001+00:00"}`, 1, "application/json"},
		{`{"scopes":["sessions:read"],"expiresAt":"2026-11-23t11:00:00z"}`, 1, "application/json"},
		{`{"scopes":["sessions:read"],"expiresAt":"4111 1111 1111 1111"}`, 1, "application/json"},
		{`{"scopes":["sessions:read"],"Scopes":["sessions:write"]}`, 3, "application/json"},
		{`{"scopes":["sessions:read"],"scopes":["sessions:write"]}`, 3, "application/json"},
		{`{"scopes":["sessions:read"],"merchantId":"m-2"}`, 1, "application/json"},
		{`{"scopes":"sessions:read"}`, 1, "application/json"},
		{`{"scopes":["sessions:read\u0000"]}`, 1, "application/json"},
		{`{"scopes":["sessions:read"]}`, 1, "text/plain"},
		{``, 1, "application/json"},
	} {
		f.Add([]byte(s.body), s.held, s.ct)
	}
	keyID := regexp.MustCompile(`^[0-9a-f]{16}$`)
	f.Fuzz(func(t *testing.T, body []byte, held uint8, contentType string) {
		h.logs.take()
		scopes := []string{auth.ScopeAPIKeysWrite}
		if held&1 != 0 {
			scopes = append(scopes, auth.ScopeSessionsRead)
		}
		if held&2 != 0 {
			scopes = append(scopes, auth.ScopeSessionsWrite)
		}
		r := request("POST", "/api-keys", "", body)
		r.Header.Set("Authorization", "Bearer "+h.token("m-1", scopes...))
		if contentType != "" {
			r.Header["Content-Type"] = []string{contentType}
		}
		w := serve(h, r)
		checkAnswer(t, w, string(body), false)
		checkLogs(t, h.logs.take())
		var asked struct {
			Scopes    []string `json:"scopes"`
			ExpiresAt *string  `json:"expiresAt"`
		}
		readable := json.Unmarshal(body, &asked) == nil
		var want []string // the key's scopes, as asked
		for _, s := range asked.Scopes {
			if !slices.Contains(want, s) {
				want = append(want, s)
			}
		}
		lacking := slices.ContainsFunc(want, func(s string) bool {
			return slices.Contains(auth.APIKeyScopes, s) && !slices.Contains(scopes, s)
		})
		switch w.Code {
		case 201:
		case 400, 413, 415:
			return
		case 403:
			if !readable || !lacking {
				t.Fatalf("%q from a token of %v = 403 %s; want 403 only for a key scope the token lacks", body, scopes, w.Body)
			}
			return
		default:
			t.Fatalf("%q = %d %s; want 201, 400, 403, 413 or 415", body, w.Code, w.Body)
		}
		if !readable {
			t.Fatalf("made a key of %q, which encoding/json cannot read", body)
		}
		var got struct {
			KeyID      string     `json:"keyId"`
			Key        string     `json:"key"`
			MerchantID string     `json:"merchantId"`
			Scopes     []string   `json:"scopes"`
			CreatedAt  time.Time  `json:"createdAt"`
			ExpiresAt  *time.Time `json:"expiresAt"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("201 %s: %v", w.Body, err)
		}
		switch {
		case lacking:
			t.Fatalf("%q from a token of %v made a key of %v; want 403", body, scopes, got.Scopes)
		case !slices.Equal(got.Scopes, want):
			t.Fatalf("%q made a key of %v; want %v", body, got.Scopes, want)
		case slices.ContainsFunc(got.Scopes, func(s string) bool { return !slices.Contains(auth.APIKeyScopes, s) }):
			t.Fatalf("%q made a key of %v; want only %v", body, got.Scopes, auth.APIKeyScopes)
		case !keyID.MatchString(got.KeyID) || !strings.HasPrefix(got.Key, "psk_"+got.KeyID+"_") || got.MerchantID != "m-1":
			t.Fatalf("key %q, id %q, merchant %q; want psk_<16 hex>_<secret> of m-1", got.Key, got.KeyID, got.MerchantID)
		case w.Header().Get("Location") != "/api-keys/"+got.KeyID:
			t.Fatalf("Location %q; want /api-keys/%s", w.Header().Get("Location"), got.KeyID)
		case (asked.ExpiresAt == nil) != (got.ExpiresAt == nil):
			t.Fatalf("%q made a key expiring at %v", body, got.ExpiresAt)
		}
		if got.ExpiresAt != nil {
			written, err := time.Parse(time.RFC3339Nano, strings.ToUpper(*asked.ExpiresAt))
			if d := got.ExpiresAt.Sub(written); err != nil || d >= 100*time.Nanosecond || d <= -100*time.Nanosecond {
				t.Fatalf("expiresAt %q made a key expiring at %v; want that instant (%v)", *asked.ExpiresAt, got.ExpiresAt, err)
			}
			if !got.ExpiresAt.After(got.CreatedAt) || got.ExpiresAt.Sub(got.CreatedAt) > auth.MaxAPIKeyLifetime {
				t.Fatalf("a key made at %v expiring at %v; want after it and within %v", got.CreatedAt, got.ExpiresAt, auth.MaxAPIKeyLifetime)
			}
		}
		g := request("GET", "/sessions/"+id, "", nil)
		g.Header.Set("X-Api-Key", got.Key)
		read := serve(h, g)
		if wantRead := slices.Contains(got.Scopes, auth.ScopeSessionsRead); read.Code != map[bool]int{true: 200, false: 403}[wantRead] {
			t.Fatalf("a key of %v reads its merchant's session: %d %s", got.Scopes, read.Code, read.Body)
		}
		if strings.Contains(h.logs.take(), got.Key[len("psk_")+17:]) {
			t.Fatalf("a key's secret reached the logs")
		}
	})
}

// FuzzCancelBody sends any body, with any Content-Type, to a merchant's
// cancel of its own open session (each input a session of its own).
// Besides checkAnswer's property: the answer is 200, 400, 413 or 415
// (docs/design.md §2: "takes an optional {reason}"; §4: "A merchant
// cancel moves an open session to CANCELED"); a 200 only for a body a
// strict JSON reader reads (or none), holding no card number once
// decoded; the session answered and stored (checkAccepted) CANCELED, its
// statusReason the reason sent when one was.
func FuzzCancelBody(f *testing.F) {
	h := fuzzHarness(f)
	tok := h.merchantToken("m-1")
	for _, s := range []struct{ body, ct string }{
		{``, ""}, {``, "application/json"}, {`{}`, "application/json"}, {`{"reason":"customer asked"}`, "application/json"},
		{`{"reason":"card 4111 1111 1111 1111"}`, "application/json"}, {`{"reason":"\u0034111111111111111"}`, "application/json"},
		{`{"reason":""}`, "application/json"}, {`{"reason":null}`, "application/json"}, {`{"reason":1}`, "application/json"},
		{`{"Reason":"x"}`, "application/json"}, {`{"reason":"x","reason":"y"}`, "application/json"},
		{`{"reason":"` + strings.Repeat("é", 600) + `"}`, "application/json"}, {`{"reason":"x"}`, "text/plain"},
		{"{\"reason\":\"\xff\"}", "application/json; charset=utf-8"}, {`{"reason":"a\u2028b"}`, "application/json"},
		{`null`, "application/json"}, {`[]`, "application/json"}, {` {"reason":"x"} `, "application/json"},
	} {
		f.Add([]byte(s.body), s.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		h.logs.take()
		id := fuzzSession(t, h, tok)
		r := request("POST", "/sessions/"+id+"/cancel", "", body)
		r.Header.Set("Authorization", "Bearer "+tok)
		if contentType != "" {
			r.Header["Content-Type"] = []string{contentType}
		}
		w := serve(h, r)
		checkAnswer(t, w, string(body), false)
		checkLogs(t, h.logs.take())
		switch w.Code {
		case 200:
		case 400, 413, 415:
			return
		default:
			t.Fatalf("cancel with %q = %d %s; want 200, 400, 413 or 415", body, w.Code, w.Body)
		}
		var asked struct {
			Reason *string `json:"reason"`
		}
		if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &asked) != nil {
			t.Fatalf("cancel with %q, which encoding/json cannot read, = 200", body)
		}
		checkAccepted(t, h, tok, body, w)
		var got struct {
			Status       string `json:"status"`
			StatusReason string `json:"statusReason"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Status != "CANCELED" {
			t.Fatalf("cancel with %q = 200 %s; want the session CANCELED", body, w.Body)
		}
		if asked.Reason != nil && *asked.Reason != "" && got.StatusReason != *asked.Reason {
			t.Fatalf("cancel with reason %q: statusReason %q; want the reason sent", *asked.Reason, got.StatusReason)
		}
	})
}
