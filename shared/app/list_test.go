package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/racemode"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// maxInvokeResponse is what Lambda accepts as a synchronous invocation's
// response: "Exceeded maximum allowed payload size (6291556 bytes)".
const maxInvokeResponse = 6<<20 + 100

// invokePayload is the response as the Lambda runtime posts it: aws-lambda-go
// encodes the handler's result with encoding/json, HTML escaping off.
func invokePayload(t *testing.T, res events.APIGatewayV2HTTPResponse) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// maxedSession is a FAILED session (004: ERROR) with every text document
// 004 renders at its longest: 255 characters, and 20 decline reasons of 500.
// char makes each character: '<' is the costliest in a plain answer, random
// 4-byte characters are what gzip compresses least.
func maxedSession(t *testing.T, merchant string, created time.Time, char func() rune) *session.Session {
	t.Helper()
	text := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteRune(char())
		}
		return b.String()
	}
	amount := int64(1)
	d := &session.Draft{Amount: &amount, Currency: "EUR", PartnerTransactionID: text(255), ShopBuyerID: text(255)}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	v := session.New(d, merchant, uuid.NewString(), "hcp", created, session.DefaultPolicy)
	reasons := make([]string, 20)
	for i := range reasons {
		reasons[i] = text(500)
	}
	ev := &session.Event{Status: session.Failed, TransactionID: text(255), DeclineReasons: &session.DeclineReasons{Category: text(255), Reasons: reasons}}
	if err := ev.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Apply(ev, created.Add(time.Second), session.DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLambdaListWithinOneResponse: through the api-proxy adapter, document
// 004's whole-day list uses nearly all of Lambda's 6 MB response and never
// more, counted as the runtime posts it (the body escaped inside the
// response JSON, or base64 when gzip); one more record is a 400
// LIST_TOO_LARGE, not a response Lambda would refuse (API Gateway would
// answer 502). The gzip answer is base64-encoded by the adapter (it is not
// UTF-8), with Content-Encoding: gzip, and decodes to the whole day. Its
// concurrency (the list's parallel shard reads and batch reads, the adapter
// and the body, plain and gzip, the fixture's JWKS server) is checked under
// the detector by TestLambdaListsAtOnce, TestAppListsWithItsConfiguredShards
// and TestJWKSRefreshedInTheBackgroundWhenOld.
func TestLambdaListWithinOneResponse(t *testing.T) {
	racemode.OnlyWithoutDetector(t) // a 6 MB list, sequential: run without the race detector (PLAIN_TESTS)
	rng := rand.New(rand.NewPCG(5, 5))
	tests := []struct {
		name string
		char func() rune
		gzip bool
		fit  int // records that fit (TestListCapacity in shared/httpapi measures them)
	}{
		{"plain, all '<'", func() rune { return '<' }, false, 81},
		{"gzip, random 4-byte characters", func() rune {
			for { // any code point above the BMP but a noncharacter: what gzip compresses least
				if r := rune(0x10000 + rng.IntN(0x100000)); r&0xFFFE != 0xFFFE {
					return r
				}
			}
		}, true, 142},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Time is not what this test is about: a loaded machine must not
			// run out of the list's budget, nor of a DynamoDB call's 3 s
			// attempt (a BatchGetItem of a few MB, decoded under -race
			// beside other tests' engines, took longer and the list
			// answered 503): a client without that cut.
			f := newFixtureWith(t, app.Options{Store: []store.Option{store.ListBudget(time.Hour)}, HTTPClient: &http.Client{}})
			var vs []*session.Session
			for i := 0; i <= tt.fit; i++ {
				vs = append(vs, maxedSession(t, sampleMerchant, f.clock.Now().Add(time.Duration(i)*time.Millisecond), tt.char))
			}
			// First a day of exactly the records that fit.
			if err := f.app.Store.ImportAll(context.Background(), vs[:tt.fit]); err != nil {
				t.Fatal(err)
			}
			f.clock.Set(f.clock.Now().Add(time.Minute))
			ev := f.event(t, "session-records.json", "")
			if tt.gzip {
				ev.Headers["accept-encoding"] = "gzip, deflate, br"
			}
			res, err := f.app.Lambda(routeOf(f, ev.RouteKey))(context.Background(), ev)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("%d records: %d %.200s, %v; want 200", tt.fit, res.StatusCode, res.Body, err)
			}
			payload := invokePayload(t, res)
			if len(payload) > maxInvokeResponse || len(payload) < maxInvokeResponse-200<<10 {
				t.Errorf("%d records: invoke response of %d bytes; want at most %d, and within 200 KiB of it", tt.fit, len(payload), maxInvokeResponse)
			}
			checkWholeDay(t, "", res, tt.gzip, vs[:tt.fit])

			// One more record does not fit: a clear 400, small.
			if err := f.app.Store.ImportAll(context.Background(), vs[tt.fit:]); err != nil {
				t.Fatal(err)
			}
			res, err = f.app.Lambda(routeOf(f, ev.RouteKey))(context.Background(), ev)
			if err != nil || res.StatusCode != 400 || res.IsBase64Encoded || !strings.Contains(res.Body, `"code":"LIST_TOO_LARGE"`) || !strings.Contains(res.Body, `"field":"limit"`) {
				t.Errorf("%d records: %d base64=%v %.300s, %v; want a plain 400 LIST_TOO_LARGE naming limit", tt.fit+1, res.StatusCode, res.IsBase64Encoded, res.Body, err)
			}
		})
	}
}

// TestLambdaListsAtOnce: several whole-day lists of the same day at once,
// plain and gzip, through one Lambda handler of the list's route (one App,
// its store, DynamoDB client and logger shared by all): each is answered
// 200 with the whole day, oldest first, as one list alone is. The day is
// small, but spread over the default LIST_SHARDS partitions, read in
// parallel, and over three BatchGetItems of 100 keys at most, read at once:
// under the race detector it runs the concurrent paths of
// TestLambdaListWithinOneResponse's 6 MB lists (the shard reads and their
// merge, the batch reads, the adapter and the body, plain and gzip, each
// list's own) in a few seconds.
func TestLambdaListsAtOnce(t *testing.T) {
	const sessions, lists = 250, 6
	f := newFixture(t)
	amount := int64(100)
	var vs []*session.Session
	for i := range sessions {
		vs = append(vs, session.New(&session.Draft{Amount: &amount, Currency: "EUR"}, sampleMerchant, uuid.NewString(), "hcp", f.clock.Now().Add(time.Duration(i)*time.Millisecond), session.DefaultPolicy))
	}
	if err := f.app.Store.ImportAll(context.Background(), vs); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(f.clock.Now().Add(time.Minute))
	evs := make([]events.APIGatewayV2HTTPRequest, lists)
	for i := range evs {
		evs[i] = f.event(t, "session-records.json", "")
		if i%2 == 1 {
			evs[i].Headers["accept-encoding"] = "gzip"
		}
	}
	handler := f.app.Lambda(routeOf(f, evs[0].RouteKey))
	ress := make([]events.APIGatewayV2HTTPResponse, lists)
	errs := make([]error, lists)
	var wg sync.WaitGroup
	for i := range evs {
		wg.Go(func() { ress[i], errs[i] = handler(context.Background(), evs[i]) })
	}
	wg.Wait()
	for i, res := range ress {
		gz := i%2 == 1
		if errs[i] != nil || res.StatusCode != 200 {
			t.Fatalf("list %d: %d %.200s, %v; want 200", i, res.StatusCode, res.Body, errs[i])
		}
		checkWholeDay(t, fmt.Sprintf("list %d: ", i), res, gz, vs)
	}
}

// checkWholeDay checks a day list's answer through the Lambda adapter: gzip
// (base64-encoded by the adapter, which cannot send it as text, with
// Content-Encoding: gzip) exactly when gz, and its records, decoded, the
// sessions want, oldest first. Its messages start with prefix.
func checkWholeDay(t *testing.T, prefix string, res events.APIGatewayV2HTTPResponse, gz bool, want []*session.Session) {
	t.Helper()
	if res.IsBase64Encoded != gz || (res.Headers["Content-Encoding"] == "gzip") != gz {
		t.Fatalf("%sisBase64Encoded %v, Content-Encoding %q; want gzip %v", prefix, res.IsBase64Encoded, res.Headers["Content-Encoding"], gz)
	}
	body := []byte(res.Body)
	if gz {
		raw, err := base64.StdEncoding.DecodeString(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	var recs []map[string]any
	if err := json.Unmarshal(body, &recs); err != nil || len(recs) != len(want) {
		t.Fatalf("%s%d records listed (%v); want %d", prefix, len(recs), err, len(want))
	}
	for i, r := range recs {
		if r["session_id"] != want[i].ID {
			t.Fatalf("%srecord %d is %v; want %s (oldest first)", prefix, i, r["session_id"], want[i].ID)
		}
	}
}

// routeOf is the route that serves routeKey.
func routeOf(f *fixture, routeKey string) httpapi.Route {
	for _, rt := range httpapi.Routes(f.app.Deps()) {
		if rt.Pattern == routeKey {
			return rt
		}
	}
	panic("no route " + routeKey)
}
