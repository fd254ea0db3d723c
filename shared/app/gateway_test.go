package app_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestDocument001PathsThroughAPIGateway: an HTTP API hands the function the
// path decoded (rawPath and pathParameters alike), so a client's
// %7B…%7D arrives as braces, and the api-proxy adapter builds the request
// from rawPath. Document 001's paymentId is read in every form .NET's
// Guid.Parse reads, through the payment-status function as AWS runs it; a
// request for another method (the template's ANY route beside the GET one)
// is that function's 405 in 001's envelope, with Allow.
func TestDocument001PathsThroughAPIGateway(t *testing.T) {
	f := newFixture(t)
	amount := int64(8800)
	v := session.New(&session.Draft{Amount: &amount, Currency: "ZAR"}, sampleMerchant, sampleSessionID, "hcp", f.clock.Now(), f.app.Config.Policy())
	if _, _, err := f.app.Store.Create(context.Background(), v, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	id := sampleSessionID
	n := strings.ReplaceAll(id, "-", "")
	forms := []string{
		"{" + id + "}", "(" + strings.ToUpper(id) + ")", n,
		"{0x" + n[:8] + ",0x" + n[8:12] + ",0x" + n[12:16] + ",{0x" + n[16:18] + ",0x" + n[18:20] + ",0x" + n[20:22] + ",0x" + n[22:24] + ",0x" + n[24:26] + ",0x" + n[26:28] + ",0x" + n[28:30] + ",0x" + n[30:32] + "}}",
		" " + id + " ",
	}
	for _, form := range forms {
		for _, rawPath := range []string{
			"/v2.0/payments/" + form + "/status",                 // as an HTTP API delivers it: decoded
			"/v2.0/payments/" + url.PathEscape(form) + "/status", // as sent, should a proxy keep the encoding
		} {
			ev := f.event(t, "payment-status.json", "")
			ev.RawPath, ev.RequestContext.HTTP.Path = rawPath, rawPath
			ev.PathParameters = map[string]string{"paymentId": form}
			res := f.invoke(t, ev)
			if res.StatusCode != 200 {
				t.Errorf("rawPath %q = %d %s; want 200", rawPath, res.StatusCode, res.Body)
				continue
			}
			if got := decode(t, res).(map[string]any)["data"].(map[string]any)["paymentId"]; got != id {
				t.Errorf("rawPath %q: paymentId = %v; want %s", rawPath, got, id)
			}
		}
	}

	route := httpapi.Route{Pattern: httpapi.PatternPaymentStatus, Handler: httpapi.PaymentStatus(f.app.Store, f.app.Auth)}
	ev := f.event(t, "payment-status.json", "")
	ev.RequestContext.HTTP.Method, ev.RouteKey, ev.RequestContext.RouteKey = "DELETE", "ANY /v2.0/payments/{paymentId}/status", "ANY /v2.0/payments/{paymentId}/status"
	res, err := f.app.Lambda(route)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := decode(t, res).(map[string]any)
	ns, _ := body["notifications"].([]any)
	if res.StatusCode != 405 || res.Headers["Allow"] != "GET" || body["data"] != nil || len(ns) != 1 || ns[0].(map[string]any)["code"] != session.ReasonMethodNotAllowed {
		t.Errorf("DELETE = %d %v %s; want 405, Allow: GET, in 001's envelope", res.StatusCode, res.Headers, res.Body)
	}
}
