package samlocal

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/racemode"
)

// TestInvokeResponseQuota: Lambda accepts a synchronous invocation's
// response of up to 6 MiB + 100 bytes (6,291,556: "Exceeded maximum allowed
// payload size (6291556 bytes)", the aws-lambda-rie's interop.MaxPayloadSize
// too), while its request quota is 6 MiB (6,291,456). The stack's gateway
// held a response to the request's quota: a response of 6,291,457 to
// 6,291,556 bytes, which Lambda delivers, was the stack's 500. The
// function's own rule (httpapi's maxInvokeResponse) counts against
// 6,291,556.
//
// It reads four 6 MB answers, one at a time: 31 s under -race on a busy
// machine. It runs in make test's pass without the detector (PLAIN_TESTS):
// an invocation's concurrency, an answer over the quota included, is
// checked under the detector by TestFailedInvocationsAreAPIGateways500 and
// TestOneInvocationPerInstance.
func TestInvokeResponseQuota(t *testing.T) {
	racemode.OnlyWithoutDetector(t)
	for _, tt := range []struct {
		size int
		ok   bool
	}{
		{6 << 20, true},
		{6<<20 + 1, true},
		{6<<20 + 100, true},
		{6<<20 + 101, false},
	} {
		payload := append(append([]byte(`{"statusCode":200,"body":"`), bytes.Repeat([]byte("a"), tt.size-len(`{"statusCode":200,"body":""}`))...), `"}`...)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(payload) }))
		inst := &instance{fn: &Function{LogicalID: "FakeFunction", Timeout: 10 * time.Second}, invokeURL: srv.URL, client: srv.Client()}
		inv := inst.invoke([]byte(`{}`), "")
		srv.Close()
		if (inv.failure == "") != tt.ok {
			t.Errorf("a response of %d bytes: failure %q; want delivered %v", tt.size, inv.failure, tt.ok)
		}
		if tt.ok && len(inv.payload) != tt.size {
			t.Errorf("a response of %d bytes: %d delivered; want all", tt.size, len(inv.payload))
		}
	}
}
