package samlocal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// deadlineRecorder is a ResponseRecorder whose connection takes read
// deadlines (http.ResponseController), as a served request's does: it
// records each one ReadBody sets.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

// TestStackKeepsTheBoundOnAChunkedBodyOverTheQuota: a chunked body one
// byte over HTTP APIs' payload quota (MaxRequestBody) is API Gateway's 413
// on make start-api's gateway, read to a byte past the quota, and the
// body's bound set at the end of its head is not lifted (ReadBody): what
// is left of the body is read by net/http within it, so a client that
// stalls past the quota cannot hold the connection
// (TestStackAnswersAStalledBodyOverTheQuotaWithinItsBound, which sends it
// over a connection, runs without the race detector). In memory here,
// through the same code, so that the race pass reaches it.
func TestStackKeepsTheBoundOnAChunkedBodyOverTheQuota(t *testing.T) {
	s := gatewayWithin(time.Minute, io.Discard)
	r := httptest.NewRequest("POST", "/nowhere", io.MultiReader(bytes.NewReader(make([]byte, MaxRequestBody+1))))
	r.ContentLength = -1
	w := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	s.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || w.Body.String() != GatewayTooLarge {
		t.Errorf("answer %d %s; want %d %s", w.Code, w.Body, http.StatusRequestEntityTooLarge, GatewayTooLarge)
	}
	if len(w.deadlines) != 1 || w.deadlines[0].IsZero() {
		t.Errorf("read deadlines set %v; want the body's bound alone, not lifted", w.deadlines)
	}
}

// TestStackRefusesAnEventOverLambdasQuota: README: "an event over Lambda's
// 6 MiB on a route of the template ... is `413 {"message":"Request Entity
// Too Large"}`". A 1.1 MB body of '<' (JSON writes each as \u003c, 6.6 MB
// in the event) is API Gateway's 413 on make start-api, and no instance is
// started for it. TestStackEventQuotaIsAtMostSixMiB holds the edge byte
// for byte, without the race detector; this reaches the same refusal in
// the race pass.
func TestStackRefusesAnEventOverLambdasQuota(t *testing.T) {
	fn := &Function{LogicalID: "FakeFunction", Timeout: 3 * time.Second, Routes: []RouteKey{{Method: "POST", Path: "/items"}}}
	rt, err := newRouter([]*Function{fn})
	if err != nil {
		t.Fatal(err)
	}
	started := false
	start := func(context.Context) (*instance, error) {
		started = true
		return nil, errors.New("no instance in this test")
	}
	s := &Stack{Template: &Template{Functions: []*Function{fn}}, router: rt, log: io.Discard,
		gw:    gateway{accountID: pseudoParameters["AWS::AccountId"], apiID: "local1"},
		pools: map[string]*pool{fn.LogicalID: newPool(fn, 1, start)}}
	r := httptest.NewRequest("POST", "/items", strings.NewReader(strings.Repeat("<", 1_100_000)))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || w.Body.String() != GatewayTooLarge {
		t.Errorf("answer %d %s; want %d %s", w.Code, w.Body, http.StatusRequestEntityTooLarge, GatewayTooLarge)
	}
	if started {
		t.Errorf("an instance was started; want the event refused before any invocation")
	}
}
