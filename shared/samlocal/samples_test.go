package samlocal

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/httpapi"
)

// sampleTraceID is an X-Ray trace header's Root, its time captured.
var sampleTraceID = regexp.MustCompile(`^Root=1-([0-9a-f]{8})-[0-9a-f]{24}$`)

// TestEventSamplesAreWhatTheGatewaySends holds each HTTP sample in events/
// (what `make invoke-<function>` sends, and what the Lambda handler's tests
// replay) to the request it stands for, sent through make start-api's
// gateway and the template's own routes: the route API Gateway picks is the
// sample's routeKey and belongs to the sample's function (events/<dir>.json
// is functions/<dir>), and the event built for that request has the
// sample's rawPath, pathParameters, query, body and isBase64Encoded. Within
// the sample, the fields that state one fact twice agree: routeKey and
// requestContext.routeKey, rawPath and requestContext.http.path, the
// route's method and http.method, content-length and the body's length
// ("0" for none), host and domainName (whose first label is domainPrefix
// and, on AWS, the apiId), user-agent and http.userAgent, sourceIp as
// x-forwarded-for's last address, time and timeEpoch, timeEpoch's second
// and the one x-amzn-trace-id's Root names; and every header name is lower
// case, as the developer guide has them ("All headernames are lowercased").
func TestEventSamplesAreWhatTheGatewaySends(t *testing.T) {
	tpl, err := ReadTemplate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	rtr, err := newRouter(tpl.Functions)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(repoRoot, "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var sample event
		if err := json.Unmarshal(raw, &sample); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if sample.Version == "" {
			continue // env.json, the sweeper's scheduled event
		}
		checked++
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			rc := sample.RequestContext
			method, _, _ := strings.Cut(sample.RouteKey, " ")
			for _, c := range []struct{ what, got, want string }{
				{"requestContext.routeKey", rc.RouteKey, sample.RouteKey},
				{"requestContext.http.path", rc.HTTP.Path, sample.RawPath},
				{"requestContext.http.method", rc.HTTP.Method, method},
				{"headers.host", sample.Headers["host"], rc.DomainName},
				{"requestContext.domainPrefix", rc.DomainPrefix, strings.Split(rc.DomainName, ".")[0]},
				{"requestContext.apiId", rc.APIID, rc.DomainPrefix},
				{"requestContext.http.userAgent", rc.HTTP.UserAgent, sample.Headers["user-agent"]},
				{"requestContext.time", rc.Time, time.UnixMilli(rc.TimeEpoch).UTC().Format("02/Jan/2006:15:04:05 -0700")},
				{"requestContext.stage", rc.Stage, "$default"},
			} {
				if c.got != c.want {
					t.Errorf("%s: got %q; want %q", c.what, c.got, c.want)
				}
			}
			xff := strings.Split(sample.Headers["x-forwarded-for"], ", ")
			if got := xff[len(xff)-1]; got != rc.HTTP.SourceIP {
				t.Errorf("x-forwarded-for's last address: got %q; want sourceIp %q", got, rc.HTTP.SourceIP)
			}
			// X-Ray's trace id: "The time of the original request in Unix
			// epoch time using 8 hexadecimal digits", then 24 more (the
			// X-Ray developer guide); a live HTTP API capture's
			// x-amzn-trace-id names its timeEpoch's second, as traceID
			// writes it.
			if m := sampleTraceID.FindStringSubmatch(sample.Headers["x-amzn-trace-id"]); m == nil {
				t.Errorf("x-amzn-trace-id %q: got no Root=1-<8 hex>-<24 hex>; want X-Ray's form", sample.Headers["x-amzn-trace-id"])
			} else if got, want := m[1], fmt.Sprintf("%08x", rc.TimeEpoch/1000); got != want {
				t.Errorf("x-amzn-trace-id's time: got %s; want %s, timeEpoch's second", got, want)
			}
			for h := range sample.Headers {
				if h != strings.ToLower(h) {
					t.Errorf("header %q: got a capital; want names in lower case", h)
				}
			}
			body := []byte(sample.Body)
			if sample.IsBase64Encoded {
				if body, err = base64.StdEncoding.DecodeString(sample.Body); err != nil {
					t.Fatalf("body: %v", err)
				}
			}
			// "0" without a body, as API Gateway sends it (newEvent).
			if n := sample.Headers["content-length"]; n != strconv.Itoa(len(body)) {
				t.Errorf("content-length: got %q; want %d, the body's length", n, len(body))
			}

			// The request the sample stands for, through the gateway.
			target := sample.RawPath
			if sample.RawQueryString != "" {
				target += "?" + sample.RawQueryString
			}
			r := httptest.NewRequest(rc.HTTP.Method, "https://"+rc.DomainName+target, bytes.NewReader(body))
			r.Header.Del("Content-Length")
			for k, v := range sample.Headers {
				r.Header.Set(k, v)
			}
			for _, c := range sample.Cookies {
				r.Header.Add("Cookie", c)
			}
			r.RemoteAddr = rc.HTTP.SourceIP + ":54321"
			routed, _, ok := httpapi.GatewayPath(r.URL.EscapedPath())
			if !ok {
				t.Fatalf("API Gateway refuses the path %q", sample.RawPath)
			}
			rt, params := rtr.match(rc.HTTP.Method, routed)
			if rt == nil {
				t.Fatalf("%s %s: got no route of the template; want %s", rc.HTTP.Method, sample.RawPath, sample.RouteKey)
			}
			if got := rt.key.String(); got != sample.RouteKey {
				t.Errorf("route: got %q; want %q", got, sample.RouteKey)
			}
			if rt.fn.Name != name {
				t.Errorf("route %s: got function %s (%s); want functions/%s", rt.key, rt.fn.LogicalID, rt.fn.Package, name)
			}
			g := gateway{accountID: rc.AccountID, apiID: rc.APIID}
			ev := g.newEvent(r, body, rt, params, rc.RequestID, time.UnixMilli(rc.TimeEpoch))
			for _, c := range []struct {
				what      string
				got, want any
			}{
				{"rawPath", ev.RawPath, sample.RawPath},
				{"rawQueryString", ev.RawQueryString, sample.RawQueryString},
				{"queryStringParameters", ev.QueryStringParameters, sample.QueryStringParameters},
				{"pathParameters", ev.PathParameters, sample.PathParameters},
				{"cookies", ev.Cookies, sample.Cookies},
				{"body", ev.Body, sample.Body},
				{"isBase64Encoded", ev.IsBase64Encoded, sample.IsBase64Encoded},
				{"requestContext.domainName", ev.RequestContext.DomainName, rc.DomainName},
				{"requestContext.time", ev.RequestContext.Time, rc.Time},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s: got %#v; want %#v (the sample's)", c.what, c.got, c.want)
				}
			}
		})
	}
	if checked == 0 {
		t.Fatalf("no HTTP sample in %s", filepath.Join(repoRoot, "events"))
	}
}

// TestScheduleSamplesAreTheirSchedulesInput: a function's events/ sample of
// a schedule (events/<dir>.json, what `make invoke-<dir>` sends and the
// sweeper's tests replay) is the event EventBridge Scheduler sends its
// target: template.yaml's ScheduleV2 Input, the same JSON value, which is
// what make start-api invokes the function with too (Stack.schedule). A
// schedule's Input changed in the template alone left the sample an event
// no schedule sends.
func TestScheduleSamplesAreTheirSchedulesInput(t *testing.T) {
	tpl, err := ReadTemplate(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, fn := range tpl.Functions {
		for _, sch := range fn.Schedules {
			checked++
			raw, err := os.ReadFile(filepath.Join(repoRoot, "events", fn.Name+".json"))
			if err != nil {
				t.Errorf("%s's schedule %s: its sample: %v", fn.LogicalID, sch.Expression, err)
				continue
			}
			var sample, input any
			if err := json.Unmarshal(raw, &sample); err != nil {
				t.Fatalf("events/%s.json: %v", fn.Name, err)
			}
			if err := json.Unmarshal([]byte(sch.Input), &input); err != nil {
				t.Fatalf("%s's schedule Input %q: %v", fn.LogicalID, sch.Input, err)
			}
			if !reflect.DeepEqual(sample, input) {
				t.Errorf("events/%s.json: got %s; want %s, %s's schedule Input", fn.Name, bytes.TrimSpace(raw), sch.Input, fn.LogicalID)
			}
		}
	}
	if checked == 0 {
		t.Fatal("template.yaml: got no schedule; want the sweeper's")
	}
}
