package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/devtoken"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
)

// answer is one response, from either path, as a client sees it.
type answer struct {
	status  int
	headers map[string]string // canonical names, one value each
	body    string
}

func (a answer) code(t *testing.T) string {
	t.Helper()
	var p struct{ Code string }
	_ = json.Unmarshal([]byte(a.body), &p)
	return p.Code
}

// TestIdempotencyKeyThroughLambdaAndLocalServer: docs/design.md §2, "With
// an Idempotency-Key, a repeat of the same request (same JSON content)
// replays the first answer byte for byte with Idempotent-Replayed: true
// ... the same key with another body is 409", and §8's record keyed
// IDEMPOTENCY#<merchantId>#<key>. Every key below is sent the way API
// Gateway delivers it to the Lambda function (header names lower-cased, a
// repeated header joined with commas) and the way a client sends it to the
// local server (a real HTTP server: repeated header lines stay separate),
// on one store: both paths must answer alike, a replay must carry every
// header of the first answer (Location included) and its body byte for
// byte, and another merchant using the same key must get a session of its
// own with nothing of the first in its answer.
func TestIdempotencyKeyThroughLambdaAndLocalServer(t *testing.T) {
	f := newFixture(t)
	local := httptest.NewServer(httpapi.Middleware(f.app.Logger, func(*http.Request) string { return "" }, httpapi.NewRouter(httpapi.Routes(f.app.Deps())...)))
	t.Cleanup(local.Close)
	other := f.iss.MustMint(devtoken.Claims{MerchantID: "merchant-2", Scopes: []string{auth.ScopeSessionsWrite}})
	const body = `{"orderId":"order-1","amount":8800,"currency":"ZAR","metadata":{"a":"1","b":"2"}}`
	const reordered = ` { "metadata":{"b":"2","a":"1"}, "currency":"ZAR", "amount":8800, "orderId":"order-1" } `

	// viaLambda sends the key values as API Gateway delivers them: one
	// lower-cased header, repeated values joined by commas.
	viaLambda := func(token, body string, keys ...string) answer {
		ev := f.event(t, "create-session.json", "")
		ev.Headers["authorization"] = "Bearer " + token
		delete(ev.Headers, "content-length")
		delete(ev.Headers, "idempotency-key")
		if keys != nil {
			ev.Headers["idempotency-key"] = strings.Join(keys, ",")
		}
		ev.Body = body
		res := f.invoke(t, ev)
		h := map[string]string{}
		for k, v := range res.Headers {
			h[http.CanonicalHeaderKey(k)] = v
		}
		return answer{res.StatusCode, h, res.Body}
	}
	viaLocal := func(token, body string, keys ...string) answer {
		req, err := http.NewRequest("POST", local.URL+"/sessions", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		for _, k := range keys {
			req.Header.Add("Idempotency-Key", k)
		}
		res, err := local.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		h := map[string]string{}
		for k, v := range res.Header {
			h[k] = strings.Join(v, ",")
		}
		return answer{res.StatusCode, h, string(b)}
	}
	// sameAnswer reports how replay differs from first: only
	// Idempotent-Replayed and the request's own id (and the transport's
	// Date and Content-Length, which API Gateway sets itself) may.
	sameAnswer := func(first, replay answer) string {
		if replay.status != first.status || replay.body != first.body {
			return "status or body differ"
		}
		if replay.headers["Idempotent-Replayed"] != "true" {
			return "no Idempotent-Replayed: true"
		}
		for _, hs := range [][2]map[string]string{{first.headers, replay.headers}, {replay.headers, first.headers}} {
			for k, v := range hs[0] {
				switch k {
				case "Idempotent-Replayed", "X-Request-Id", "Date", "Content-Length":
					continue
				}
				if hs[1][k] != v {
					return "header " + k + " = " + hs[1][k] + "; the other answer has " + v
				}
			}
		}
		return ""
	}

	type path struct {
		name string
		send func(token, body string, keys ...string) answer
	}
	paths := []path{{"lambda", viaLambda}, {"local", viaLocal}}
	for i, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			key := "order-1." + p.name
			first := p.send(f.token, body, key)
			if first.status != 201 || first.headers["Idempotent-Replayed"] != "" {
				t.Fatalf("first = %d %v %s; want 201, not a replay", first.status, first.headers, first.body)
			}
			var created struct{ ID string }
			if err := json.Unmarshal([]byte(first.body), &created); err != nil || first.headers["Location"] != "/sessions/"+created.ID {
				t.Fatalf("first: Location %q for body %s", first.headers["Location"], first.body)
			}
			// The same request, again, reformatted, padded with white
			// space, and through the other path: the first answer.
			for name, a := range map[string]answer{
				"again":                  p.send(f.token, body, key),
				"members reordered":      p.send(f.token, reordered, key),
				"other path":             paths[1-i].send(f.token, body, key),
				"other path, reordered":  paths[1-i].send(f.token, reordered, key),
				"key padded with spaces": p.send(f.token, body, " "+key+" "),
			} {
				if d := sameAnswer(first, a); d != "" {
					t.Errorf("%s: %s: %d %v %s; want the first answer %v %s", name, d, a.status, a.headers, a.body, first.headers, first.body)
				}
			}
			// Another body under the key: 409, on both paths.
			for _, q := range paths {
				if a := q.send(f.token, strings.Replace(body, "8800", "8801", 1), key); a.status != 409 || a.code(t) != session.ReasonIdempotencyReused {
					t.Errorf("%s, another body: %d %s; want 409 %s", q.name, a.status, a.body, session.ReasonIdempotencyReused)
				}
			}
			// Another merchant, same key and body: its own new session,
			// nothing of the first in the answer.
			a := p.send(other, body, key)
			if a.status != 201 || a.headers["Idempotent-Replayed"] != "" || strings.Contains(a.body, created.ID) || strings.Contains(a.headers["Location"], created.ID) {
				t.Errorf("another merchant, same key: %d %v %s; want its own new session", a.status, a.headers, a.body)
			}
			// Keys are case-sensitive: another case is another key.
			if a := p.send(f.token, body, strings.ToUpper(key)); a.status != 201 || a.headers["Idempotent-Replayed"] != "" || strings.Contains(a.body, created.ID) {
				t.Errorf("key in another case: %d %v; want a new session", a.status, a.headers)
			}
		})
	}

	// Hostile keys: each path refuses them alike, naming the header.
	long := strings.Repeat("k", 255)
	for _, tt := range []struct {
		name   string
		keys   []string
		status int
		code   string
	}{
		{"empty", []string{""}, 400, session.ReasonValidation},
		{"white space only", []string{"   "}, 400, session.ReasonValidation},
		{"repeated header", []string{"r-1", "r-1"}, 400, session.ReasonValidation},
		{"repeated header, two keys", []string{"r-1", "r-2"}, 400, session.ReasonValidation},
		{"comma inside", []string{"r-1,r-2"}, 400, session.ReasonValidation},
		{"one byte over the limit", []string{long + "k"}, 400, session.ReasonValidation},
		{"a space inside", []string{"r 1"}, 400, session.ReasonValidation},
		{"#, the store's separator", []string{"r#1"}, 400, session.ReasonValidation},
		{"non-ASCII letter", []string{"r-é"}, 400, session.ReasonValidation},
		{"a card number", []string{"4111111111111111"}, 400, session.ReasonCardNumber},
		{"a card number with dots", []string{"4111.1111.1111.1111"}, 400, session.ReasonCardNumber},
		{"a card number in a key", []string{"order:4111-1111-1111-1111"}, 400, session.ReasonCardNumber},
		{"at the limit", []string{long}, 201, ""},
	} {
		for _, p := range paths {
			keys := tt.keys
			if tt.status == 201 { // a key of each path's own
				keys = []string{p.name[:1] + tt.keys[0][1:]}
			}
			a := p.send(f.token, body, keys...)
			if a.status != tt.status || tt.code != "" && a.code(t) != tt.code {
				t.Errorf("%s, %s: %d %s; want %d %s", p.name, tt.name, a.status, a.body, tt.status, tt.code)
			}
			if tt.status == 400 && !strings.Contains(a.body, `"field":"Idempotency-Key"`) {
				t.Errorf("%s, %s: %s; want the field named", p.name, tt.name, a.body)
			}
			// The whole number in any of the rows' forms: four digits alone
			// can stand in a random request id (once in about 2,000
			// answers: CI failed so on a key with no card number at all).
			if strings.Contains(a.body, "4111111111111111") || strings.Contains(a.body, "4111.1111") || strings.Contains(a.body, "4111-1111") {
				t.Errorf("%s, %s: the answer echoes the card number", p.name, tt.name)
			}
		}
	}
	// Bytes no HTTP client sends but a Lambda event can hold.
	for _, k := range []string{"r\x00", "r-\xff", "r\t1", "r\n1"} {
		if a := viaLambda(f.token, body, k); a.status != 400 || a.code(t) != session.ReasonValidation {
			t.Errorf("lambda, key %q: %d %s; want 400 %s", k, a.status, a.body, session.ReasonValidation)
		}
	}
}
