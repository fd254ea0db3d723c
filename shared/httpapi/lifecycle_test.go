package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestRetentionEverywhere: sessions past their retention are stored items
// whose ttl is in the past (DynamoDB Local, like DynamoDB for days, has not
// deleted them). No endpoint, list or write finds them.
func TestRetentionEverywhere(t *testing.T) {
	h := newHarness(t)
	amount := int64(1)
	now := t0.Add(2 * time.Hour)
	closedLongAgo := session.New(&session.Draft{Amount: &amount, Currency: "EUR"}, "m-1", uuid.NewString(), "t", t0, session.DefaultPolicy)
	if _, err := closedLongAgo.Apply(&session.Event{Status: session.Settled}, t0.Add(time.Minute), session.DefaultPolicy); err != nil {
		t.Fatal(err)
	}
	untouched := session.New(&session.Draft{Amount: &amount, Currency: "EUR"}, "m-1", uuid.NewString(), "t", t0, session.DefaultPolicy)
	for _, v := range []*session.Session{closedLongAgo, untouched} {
		h.seed(v)
	}
	h.clock.Set(now)
	d := newDialectReader(h, "m-1")
	for _, v := range []*session.Session{closedLongAgo, untouched} {
		out, err := h.db.GetItem(context.Background(), &dynamodb.GetItemInput{
			TableName: aws.String(h.table), ConsistentRead: aws.Bool(true),
			Key: map[string]ddb.AttributeValue{"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + v.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"}},
		})
		var ttl int64
		if err != nil || out.Item == nil || attributevalue.Unmarshal(out.Item["ttl"], &ttl) != nil || ttl >= now.Unix() {
			t.Fatalf("%s stored: got %v, %v; want it stored with its ttl in the past (before %d)", v.ID, out, err, now.Unix())
		}
		for name, res := range d.all(v.ID) {
			switch name {
			case "list":
				if strings.TrimSpace(res.Body.String()) != "[]" {
					t.Errorf("list = %s; want []", res.Body)
				}
			case "001":
				if res.Code != 404 {
					t.Errorf("001 = %d; want 404", res.Code)
				}
			default:
				wantProblem(t, res, 404, session.ReasonSessionNotFound)
			}
		}
		wantProblem(t, h.do("POST", "/sessions/"+v.ID+"/events", h.processorToken(), map[string]any{"status": "FRAUD_CANCELLATION_REQUESTED"}), 404, session.ReasonSessionNotFound)
		wantProblem(t, h.do("POST", "/sessions/"+v.ID+"/cancel", h.merchantToken("m-1"), nil), 404, session.ReasonSessionNotFound)
		wantProblem(t, h.do("POST", "/sessions", h.merchantToken("m-1"), map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": v.ID}), 400, session.ReasonValidation)
	}
}

func TestChildSessionsOverHTTP(t *testing.T) { eachStore(t, testChildSessionsOverHTTP) }

func testChildSessionsOverHTTP(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	user := h.token("m-1", auth.ScopeUser)
	parent := h.create("m-1", nil)
	h.clock.Advance(5 * time.Minute)
	res := h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": strings.ToUpper(parent)})
	if res.Code != 201 {
		t.Fatalf("create child = %d %s", res.Code, res.Body)
	}
	child := res.json(t)
	childID := child["id"].(string)
	if child["parentSessionId"] != parent || child["expiresAt"] != "2026-11-23T10:30:00Z" {
		t.Errorf("child = %v; want linked to %s and expiring with it at 10:30", child, parent)
	}
	if got := h.do("GET", "/sessions/"+parent, tok, nil).json(t); got["childSessionId"] != childID {
		t.Errorf("parent.childSessionId = %v; want %s", got["childSessionId"], childID)
	}
	checkout := func() map[string]any {
		res := h.do("GET", "/v1/checkout-sessions/"+parent, user, nil, "X-Merchant-Id", "m-1")
		if res.Code != 200 {
			t.Fatalf("003 = %d %s", res.Code, res.Body)
		}
		return res.json(t)["data"].(map[string]any)["checkoutSession"].(map[string]any)
	}
	cs := checkout()
	want := map[string]any{"id": childID, "checkoutSessionStatus": "INITIATED", "createdAt": "2026-11-23T10:05:00Z", "expiresAt": "2026-11-23T10:30:00Z", "expired": false}
	if got, _ := json.Marshal(cs["childSession"]); string(got) != mustJSON(want) {
		t.Errorf("childSession = %s; want %s", got, mustJSON(want))
	}
	wantProblem(t, h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}), 409, session.ReasonChildExists)
	wantProblem(t, h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": "nope"}), 400, session.ReasonValidation)
	wantProblem(t, h.do("POST", "/sessions", h.merchantToken("m-2"), map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}), 400, session.ReasonValidation)

	h.clock.Advance(time.Minute)
	if res := h.do("POST", "/sessions/"+childID+"/events", h.processorToken(), map[string]any{"status": "AUTHORISED"}); res.Code != 200 {
		t.Fatalf("child AUTHORISED = %d %s", res.Code, res.Body)
	}
	cs = checkout()
	if cs["checkoutSessionStatus"] != "COMPLETED" || cs["childSession"].(map[string]any)["checkoutSessionStatus"] != "COMPLETED" {
		t.Errorf("after the child's authorisation: %v; want parent and child COMPLETED", cs)
	}
	if got := h.do("GET", "/sessions/"+parent, tok, nil).json(t); got["status"] != "AUTHORISED" {
		t.Errorf("parent = %v; want AUTHORISED", got["status"])
	}
}

func TestParentCancelOverHTTP(t *testing.T) { eachStore(t, testParentCancelOverHTTP) }

func testParentCancelOverHTTP(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	parent := h.create("m-1", nil)
	res := h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent})
	childID := res.json(t)["id"].(string)
	if res := h.do("POST", "/sessions/"+parent+"/cancel", tok, nil); res.Code != 200 {
		t.Fatalf("cancel = %d %s", res.Code, res.Body)
	}
	if got := h.do("GET", "/sessions/"+childID, tok, nil).json(t); got["status"] != "CANCELED" || got["statusReason"] != "Parent session closed." {
		t.Errorf("child = %v; want CANCELED with the parent", got)
	}
	// The parent is gone from document 003 (410); the child's state is in
	// its own answer.
	wantProblem(t, h.do("GET", "/v1/checkout-sessions/"+parent, h.token("m-1", auth.ScopeUser), nil, "X-Merchant-Id", "m-1"), 410, session.ReasonSessionCanceled)
}

func TestIdempotencyKeyExpiresAfter24h(t *testing.T) { eachStore(t, testIdempotencyKeyExpiresAfter24h) }

func testIdempotencyKeyExpiresAfter24h(t *testing.T, h *harness) {
	tok := h.merchantToken("m-1")
	first := h.do("POST", "/sessions", tok, map[string]any{"amount": 1, "currency": "EUR"}, "Idempotency-Key", "k-24h")
	h.clock.Advance(24*time.Hour - time.Second)
	if res := h.do("POST", "/sessions", tok, map[string]any{"amount": 2, "currency": "EUR"}, "Idempotency-Key", "k-24h"); res.Code != 409 {
		t.Errorf("other body within 24h = %d; want 409", res.Code)
	}
	h.clock.Advance(time.Second)
	res := h.do("POST", "/sessions", tok, map[string]any{"amount": 2, "currency": "EUR"}, "Idempotency-Key", "k-24h")
	if res.Code != 201 || res.json(t)["id"] == first.json(t)["id"] {
		t.Errorf("after 24h = %d %s; want a new session", res.Code, res.Body)
	}
}

// TestExpiredAnswersAlikeSweptOrNot: docs/design.md §4, "An open session is
// expired from the instant expiresAt is reached (now >= expiresAt), whether
// or not the sweeper has written it: every read reports EXPIRED ... and
// every write is refused with 409 SESSION_EXPIRED." Two sessions past expiresAt, one written
// EXPIRED by the sweeper and one not, read alike and refuse a processor's
// event and the merchant's cancel with the same code; an eventId applied
// before is still acknowledged on both.
func TestExpiredAnswersAlikeSweptOrNot(t *testing.T) {
	h := newHarness(t)
	tok, proc := h.merchantToken("m-1"), h.processorToken()
	swept := h.create("m-1", nil)
	h.clock.Advance(10 * time.Minute)
	unswept := h.create("m-1", nil)
	for _, id := range []string{swept, unswept} {
		if res := h.do("POST", "/sessions/"+id+"/events", proc, `{"status":"PROCESSING","eventId":"evt-1"}`); res.Code != 200 {
			t.Fatalf("event = %d %s", res.Code, res.Body)
		}
	}
	// Only the first has expired when the sweeper runs; both have when
	// they are written to (and the first is still within its retention).
	h.clock.Advance(session.DefaultPolicy.Expiry - 10*time.Minute + time.Minute)
	if r := sweep.New(h.st.(*store.Store), slog.New(slog.DiscardHandler), h.clock.Now).Run(context.Background()); r.Expired != 1 {
		t.Fatalf("sweep = %+v; want the first session expired", r)
	}
	h.clock.Advance(10 * time.Minute)
	for _, id := range []string{swept, unswept} {
		if got := h.do("GET", "/sessions/"+id, tok, nil); got.Code != 200 || got.json(t)["status"] != "EXPIRED" {
			t.Fatalf("GET = %d %s; want 200 EXPIRED", got.Code, got.Body)
		}
		for _, tt := range []struct{ name, path, token, body string }{
			{"event", "/sessions/" + id + "/events", proc, `{"status":"AUTHORISED","eventId":"evt-2"}`},
			{"event to an open status", "/sessions/" + id + "/events", proc, `{"status":"SENT"}`},
			{"cancel", "/sessions/" + id + "/cancel", tok, ""},
		} {
			wantProblem(t, h.do("POST", tt.path, tt.token, tt.body), 409, session.ReasonSessionExpired)
		}
		if res := h.do("POST", "/sessions/"+id+"/events", proc, `{"status":"PROCESSING","eventId":"evt-1"}`); res.Code != 200 || res.json(t)["status"] != "EXPIRED" {
			t.Errorf("retried evt-1 = %d %s; want 200, the session EXPIRED", res.Code, res.Body)
		}
	}
}

// TestSweptAnswersByteForByte: docs/design.md §4, the sweeper writes
// "exactly what reads were already reporting", and an open session "is
// expired from the instant expiresAt is reached ..., whether or not the
// sweeper has written it". Every endpoint (the native read, the five
// dialects, 003 of a parent with its child, the day list) answers an
// expired session, headers and body, the same before and after the sweeper
// stored its expiry, at the earliest instant the sweeper writes and at the
// latest: only the request id differs.
func TestSweptAnswersByteForByte(t *testing.T) {
	p := session.DefaultPolicy
	for _, tt := range []struct {
		name string
		// at is the instant of the reads and the sweep, from the first
		// and the last expiresAt of the sessions.
		at func(first, last time.Time) time.Time
	}{
		{"the band after expiresAt", func(_, last time.Time) time.Time { return last.Add(p.WriteGuard) }},
		{"the band before the purge", func(first, _ time.Time) time.Time {
			return first.Add(p.Retention - p.WriteGuard - time.Millisecond)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.clock.Set(t0.Add(123456700))
			parent := h.create("m-1", nil)
			h.clock.Advance(time.Minute + 1234567)
			child := h.create("m-1", map[string]any{"amount": 100, "currency": "EUR", "parentSessionId": parent})
			lone := h.create("m-1", nil)
			if res := h.do("POST", "/sessions/"+lone+"/events", h.processorToken(), `{"status":"PROCESSING","eventId":"evt-1"}`); res.Code != 200 {
				t.Fatalf("event = %d %s", res.Code, res.Body)
			}
			// The parent (and its child) expire first, lone last.
			expiresAt := func(id string) time.Time {
				return ts(t, h.do("GET", "/sessions/"+id, h.merchantToken("m-1"), nil).json(t)["expiresAt"].(string))
			}
			h.clock.Set(tt.at(expiresAt(parent), expiresAt(lone)))
			d := newDialectReader(h, "m-1")
			before := answersOf(d, parent, child, lone)
			if r := sweep.New(h.st.(*store.Store), slog.New(slog.DiscardHandler), h.clock.Now).Run(context.Background()); r.Expired != 3 {
				t.Fatalf("sweep = %+v; want 3 expired", r)
			}
			after := answersOf(d, parent, child, lone)
			for k, want := range before {
				if got := after[k]; got != want {
					t.Errorf("%s swept:\n%s\nwant as unswept:\n%s", k, got, want)
				}
			}
		})
	}
}

// answersOf reads each session through every endpoint and returns each
// answer as its status line, headers and body, with the request id (a new
// one each request) left out.
func answersOf(d *dialectReader, ids ...string) map[string]string {
	out := map[string]string{}
	for i, id := range ids {
		for name, res := range d.all(id) {
			rid := res.Header().Get("X-Request-Id")
			hdr := res.Header().Clone()
			hdr.Del("X-Request-Id")
			var b strings.Builder
			fmt.Fprintf(&b, "%d\n", res.Code)
			_ = hdr.Write(&b)
			b.WriteString(strings.ReplaceAll(res.Body.String(), rid, "<request id>"))
			out[fmt.Sprintf("session %d %s", i, name)] = b.String()
		}
	}
	return out
}
