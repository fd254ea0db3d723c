package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// TestUndecodableBase64BodyIsMalformedNotEmpty: convertible's doc comment:
// a body marked isBase64Encoded that is not standard base64 "becomes one
// invalid UTF-8 byte (a body the route reads is refused as malformed
// JSON)". Cancel is the one route that takes an empty body (README: its
// body is optional), so such a body read as empty cancelled the session
// instead of being refused, and every test passed (r93-mutate: mutant A17,
// the body made empty). The refusal comes before any DynamoDB call, so the
// App's endpoint is a closed port: no engine.
func TestUndecodableBase64BodyIsMalformedNotEmpty(t *testing.T) {
	a, iss, _ := offlineApp(t, app.Options{Log: io.Discard})
	token := iss.MustMint(devtoken.Claims{MerchantID: sampleMerchant, Scopes: []string{auth.ScopeSessionsRead, auth.ScopeSessionsWrite}})
	raw, err := os.ReadFile(filepath.Join("..", "..", "events", "cancel-session.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(bytes.ReplaceAll(raw, []byte("REPLACE_WITH_TOKEN"), []byte(token)), &ev); err != nil {
		t.Fatal(err)
	}
	ev.IsBase64Encoded, ev.Body = true, "%%% not base64 %%%"
	delete(ev.Headers, "content-length")
	res, err := a.MustRoute(httpapi.PatternCancelSession)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var p httpapi.Problem
	_ = json.Unmarshal([]byte(res.Body), &p)
	if res.StatusCode != http.StatusBadRequest || p.Code != session.ReasonMalformedJSON {
		t.Errorf("cancel with an undecodable base64 body = %d %s; want 400 %s", res.StatusCode, p.Code, session.ReasonMalformedJSON)
	}
}
