package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/session"
)

// TestBandRefusalPastTheFunctionsDeadline: a processor event with an
// eventId refused in the guard band waits for expiresAt (a write in flight
// may still land) only when the request's time lasts that long. On AWS
// each request runs in a Lambda invocation whose deadline is its
// function's Timeout (the events function's 10 s), less the second kept to
// answer: an event refused 14 s before expiresAt is 503 at once, with
// Retry-After the seconds until expiresAt (README, Configuration,
// WRITE_GUARD: "over about 9s, an API function's 10s less its last second,
// such an event refused early in the band gets 503 at once instead"). make
// run gave its requests no deadline: such an event waited 14 s and was
// 409. One refused 3 s before expiresAt, well within the function's time,
// still waits and is 409 on both.
func TestBandRefusalPastTheFunctionsDeadline(t *testing.T) {
	// Mostly waits (up to the 3 s case's expiry): beside the other waiting
	// tests.
	t.Parallel()
	runKindsAtOnce(t, func(t *testing.T, k apitarget.Kind) {
		tg := apitarget.Start(t, k, apitarget.Options{Env: map[string]string{
			"WRITE_GUARD": "15s", "SESSION_EXPIRY": "25s", "RESULT_RETENTION": "25s", "SWEEP_INTERVAL": "1h",
		}})
		processor := client{t, tg.URL, mint(t, tg.URL, "merchant_id=&scope=sessions:process")}
		// On start-api the events function's first request is its cold
		// start: made before the sessions are written, on one that does
		// not exist.
		if code, s := processor.call("POST", "/sessions/"+uuid.NewString()+"/events", `{"status":"PROCESSING","eventId":"warm"}`); code != http.StatusNotFound {
			t.Fatalf("event on an unknown session = %d %v; want 404", code, s)
		}
		tests := []struct {
			name       string
			before     time.Duration // how long before expiresAt the event is sent
			status     int
			code       string
			retryAfter bool
		}{
			{"14s before expiresAt, past the function's time", 14 * time.Second, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", true},
			{"3s before expiresAt, within it", 3 * time.Second, http.StatusConflict, "SESSION_EXPIRED", false},
		}
		st := tg.Store(t)
		policy := tg.Config.Policy()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				// A session created SESSION_EXPIRY - before ago: inside
				// the 15 s band, before seconds before its expiresAt.
				created := time.Now().Add(tt.before - policy.Expiry)
				v := session.New(&session.Draft{Amount: new(int64(100)), Currency: "EUR"}, "m-1", uuid.NewString(), "h", created, policy)
				if err := st.Import(context.Background(), v); err != nil {
					t.Fatal(err)
				}
				req, _ := http.NewRequest("POST", tg.URL+"/sessions/"+v.ID+"/events", strings.NewReader(`{"status":"PROCESSING","eventId":"e-1"}`))
				req.Header.Set("Authorization", "Bearer "+processor.token)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var body struct{ Code string }
				_ = json.NewDecoder(res.Body).Decode(&body)
				answered := time.Now()
				if res.StatusCode != tt.status || body.Code != tt.code {
					t.Errorf("event = %d %s, %v before expiresAt; want %d %s", res.StatusCode, body.Code, v.ExpiresAt.Sub(answered).Round(time.Millisecond), tt.status, tt.code)
				}
				ra := res.Header.Get("Retry-After")
				if !tt.retryAfter {
					return
				}
				// The seconds until expiresAt, rounded up, as the request
				// was refused: no more than before, and not less than
				// what was left when the answer came.
				secs, err := strconv.Atoi(ra)
				if left := v.ExpiresAt.Sub(answered); err != nil || time.Duration(secs)*time.Second > tt.before || time.Duration(secs)*time.Second < left {
					t.Errorf("Retry-After = %q with %v left to expiresAt; want the whole seconds to it, at most %v", ra, left.Round(time.Millisecond), tt.before)
				}
			})
		}
	})
}
