package samlocal

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A client that leaves before its answer neither stops its invocation nor
// makes it API Gateway's integration timeout: API Gateway has the whole
// request (it buffers the body before it routes) and invokes the function
// whatever the client does next, and its 503 is for an invocation past the
// 30 s integration timeout (README, "Errors": "past API Gateway's 30 s
// integration timeout"). The access log line was
// "status":"503","integrationError":"integration timeout" within
// milliseconds, for a create whose function answered 201 and made the
// session (a retry with its Idempotency-Key was the replay); and a request
// left while it waited for a busy instance was never invoked at all.
func TestClientGoneIsNoIntegrationTimeout(t *testing.T) {
	const line = `"routeKey":"POST /do/{action}"`
	const want = line + `,"status":"200","error":"-","integrationError":"-"`
	for _, tc := range []struct {
		name string
		busy bool // the one instance is busy when the client comes and goes
	}{
		{"a client gone during its invocation", false},
		{"a client gone while it waits for an instance", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, logs := startTestStack(t, 1, nil)
			lines := 1
			if tc.busy {
				lines = 2
				go func() {
					if resp, err := http.Post(s.URL+"/do/sleep400ms", "", nil); err == nil {
						resp.Body.Close()
					}
				}()
				time.Sleep(100 * time.Millisecond)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/do/sleep300ms", nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				t.Fatalf("POST /do/sleep300ms answered %d within 100 ms; want the client to give up first", resp.StatusCode)
			}
			deadline := time.Now().Add(10 * time.Second)
			for strings.Count(logs.String(), line) < lines {
				if time.Now().After(deadline) {
					t.Fatalf("got %d access log lines for POST /do/{action} after 10 s; want %d:\n%s", strings.Count(logs.String(), line), lines, logs)
				}
				time.Sleep(20 * time.Millisecond)
			}
			for l := range strings.SplitSeq(logs.String(), "\n") {
				if strings.Contains(l, line) && !strings.Contains(l, want) {
					t.Errorf("access log line = %s; want %s", l, want)
				}
			}
		})
	}
}
