package app_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/session"
)

// TestGatewayFieldsAreNotCredentials: a payload 2.0 event carries more than
// the request's method, path, query, headers and body, and the function
// reads only those, as the local server (make run) reads the same request:
//
//   - requestContext.authorizer is filled by an API Gateway authorizer, and
//     the template's routes have none: claims, scopes or a Lambda context
//     there (a hand-made event's, or a future authorizer's) are no
//     credential, and never outweigh the one the request carries;
//   - cookies are the request's Cookie headers, which API Gateway moves out
//     of headers ("All cookie headers in the request are combined ... and
//     added to the cookies field"): a token or key there is no
//     Authorization or X-Api-Key header;
//   - pathParameters and requestContext.http.path repeat the path: the
//     session read is the one rawPath names, the path the function routes,
//     whatever they say.
//
// Each answer is the route's own, with no cookie (each would become a
// Set-Cookie).
func TestGatewayFieldsAreNotCredentials(t *testing.T) {
	f := newFixture(t)
	f.createSample(t)
	const other = "00000000-0000-4000-8000-000000000000" // no session
	otherMerchant := f.iss.MustMint(devtoken.Claims{MerchantID: "merchant-2", Scopes: []string{auth.ScopeSessionsRead}})
	authorizer := &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: map[string]string{"merchant_id": sampleMerchant, "sub": "dev", "scope": auth.ScopeSessionsRead},
			Scopes: []string{auth.ScopeSessionsRead},
		},
		Lambda: map[string]any{"merchant_id": sampleMerchant, "authorization": "Bearer " + f.token, "x-api-key": f.apiKey},
		IAM:    &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserID: sampleMerchant},
	}
	cases := []struct {
		name string
		edit func(*events.APIGatewayV2HTTPRequest)
		want int
		code string
		id   string // the session id the answer shows, for a 200
	}{
		{"authorizer claims without a credential", func(e *events.APIGatewayV2HTTPRequest) {
			delete(e.Headers, "authorization")
			e.RequestContext.Authorizer = authorizer
		}, 401, session.ReasonUnauthenticated, ""},
		{"authorizer naming the owner beside another merchant's token", func(e *events.APIGatewayV2HTTPRequest) {
			e.Headers["authorization"] = "Bearer " + otherMerchant
			e.RequestContext.Authorizer = authorizer
		}, 404, session.ReasonSessionNotFound, ""},
		{"credentials in cookies only", func(e *events.APIGatewayV2HTTPRequest) {
			delete(e.Headers, "authorization")
			e.Cookies = []string{"authorization=Bearer " + f.token, "Authorization=Bearer " + f.token, "x-api-key=" + f.apiKey, "X-Api-Key=" + f.apiKey}
		}, 401, session.ReasonUnauthenticated, ""},
		{"pathParameters naming another session", func(e *events.APIGatewayV2HTTPRequest) {
			e.PathParameters = map[string]string{"sessionId": other}
		}, 200, "", sampleSessionID},
		{"pathParameters and http.path naming the session rawPath does not", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawPath = "/sessions/" + other
		}, 404, session.ReasonSessionNotFound, ""},
		{"http.path naming the session rawPath does not", func(e *events.APIGatewayV2HTTPRequest) {
			e.RawPath = "/sessions/" + other
			e.PathParameters = map[string]string{"sessionId": other}
		}, 404, session.ReasonSessionNotFound, ""},
	}
	for _, c := range cases {
		ev := f.event(t, "get-session.json", "")
		c.edit(&ev)
		res := f.invoke(t, ev)
		if res.StatusCode != c.want {
			t.Errorf("%s: status = %d %s; want %d", c.name, res.StatusCode, res.Body, c.want)
			continue
		}
		var body struct{ ID, Code string }
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
			t.Fatalf("%s: body %q: %v", c.name, res.Body, err)
		}
		if body.Code != c.code || body.ID != c.id {
			t.Errorf("%s: code %q, id %q; want code %q, id %q", c.name, body.Code, body.ID, c.code, c.id)
		}
		if len(res.Cookies) != 0 {
			t.Errorf("%s: cookies = %q; want none (each would be a Set-Cookie)", c.name, res.Cookies)
		}
	}
}
