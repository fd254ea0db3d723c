package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// sessionItems counts the session items in the harness's table.
func sessionItems(t *testing.T, h *harness) []string {
	t.Helper()
	var ids []string
	p := dynamodb.NewScanPaginator(h.db, &dynamodb.ScanInput{TableName: aws.String(h.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		for _, it := range out.Items {
			if pk, ok := it["pk"].(*ddb.AttributeValueMemberS); ok && strings.HasPrefix(pk.Value, "SESSION#") {
				ids = append(ids, strings.TrimPrefix(pk.Value, "SESSION#"))
			}
		}
	}
	return ids
}

// TestIdempotentCreatesAtOnce: "POST /sessions with the same
// Idempotency-Key" sent many times at once — the same request, the same
// request with its members in another order, another request, a child of
// one parent — creates exactly one session, and every answer is that
// session's first response (201, the same id and body; a replay says so)
// or a clear 409 (the key reused for another request, or still in use);
// never a 5xx, never a second session. With a third of DynamoDB's answers
// lost after the write was applied, the answers may also be 503 (the
// outcome unknown), and a retry afterwards still gets the one session.
func TestIdempotentCreatesAtOnce(t *testing.T) {
	const n = 24
	same := func(i int) any {
		if i%2 == 0 {
			return `{"amount":500,"currency":"EUR","metadata":{"a":"1","b":"2"},"appearance":{"theme":"dark","font":"x"}}`
		}
		return `{"currency":"EUR","appearance":{"font":"x","theme":"dark"},"metadata":{"b":"2","a":"1"},"amount":500}`
	}
	tests := []struct {
		name   string
		faults bool
		body   func(i int, parent string) any
		other  func(i int) bool // requests that differ from the first kind
	}{
		{"the same request", false, func(i int, _ string) any { return same(i) }, nil},
		{"two requests", false, func(i int, _ string) any {
			if i%3 == 0 {
				return `{"amount":501,"currency":"EUR"}`
			}
			return same(i)
		}, func(i int) bool { return i%3 == 0 }},
		{"a child", false, func(_ int, parent string) any {
			return map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}
		}, nil},
		{"the same request, answers lost", true, func(i int, _ string) any { return same(i) }, nil},
		{"a child, answers lost", true, func(_ int, parent string) any {
			return map[string]any{"amount": 1, "currency": "EUR", "parentSessionId": parent}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			faults := storetest.NewFaultTransport(0, storetest.TimeoutAfter, storetest.ResetAfter)
			h := newHarnessWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: faults}})
			merchant := h.merchantToken("m-1")
			parent := h.create("m-1", nil)
			if tt.faults {
				faults.SetEvery(3)
			}
			type answer struct {
				code             int
				id, body, replay string
				reason           string
			}
			answers := make([]answer, n)
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					res := h.do("POST", "/sessions", merchant, tt.body(i, parent), "Idempotency-Key", "same-key")
					a := answer{code: res.Code, body: res.Body.String(), replay: res.Header().Get("Idempotent-Replayed")}
					switch res.Code {
					case 201:
						a.id = res.json(t)["id"].(string)
						if loc := res.Header().Get("Location"); loc != "/sessions/"+a.id {
							t.Errorf("Location %q for %s", loc, a.id)
						}
					case 409, 503:
						a.reason = fmt.Sprint(res.json(t)["code"])
					}
					answers[i] = a
				}(i)
			}
			wg.Wait()
			faults.SetEvery(0)
			// A retry after the storm, of the kind that won the key.
			retry := h.do("POST", "/sessions", merchant, tt.body(1, parent), "Idempotency-Key", "same-key")
			otherWon := false
			if retry.Code == 409 && tt.other != nil {
				otherWon = true
				retry = h.do("POST", "/sessions", merchant, tt.body(0, parent), "Idempotency-Key", "same-key")
			}
			if retry.Code != 201 {
				t.Fatalf("retry = %d %s; want 201", retry.Code, retry.Body)
			}
			id, body := retry.json(t)["id"].(string), retry.Body.String()
			firsts := 0
			codes := map[int]int{}
			for i, a := range answers {
				codes[a.code]++
				other := tt.other != nil && tt.other(i) != otherWon // not the winner's kind
				switch {
				case a.code == 201 && !other && a.id == id && a.body == body:
					if a.replay != "true" {
						firsts++
					}
				case a.code == 409 && other && a.reason == "IDEMPOTENCY_KEY_REUSED":
				case a.code == 409 && (a.reason == "IDEMPOTENCY_KEY_IN_USE" || a.reason == "CONCURRENT_UPDATE"):
				case a.code == 503 && tt.faults:
				default:
					t.Errorf("request %d (other=%v): %d %s; the session is %s", i, other, a.code, a.body, id)
				}
			}
			if firsts > 1 {
				t.Errorf("%d answers were not marked as replays; want at most one first answer", firsts)
			}
			ids := sessionItems(t, h)
			if len(ids) != 2 {
				t.Errorf("table holds sessions %v; want the parent and %s only", ids, id)
			}
			if p := stored(t, h, parent); strings.Contains(tt.name, "child") && p.ChildSessionID != id {
				t.Errorf("parent links %q; want %s", p.ChildSessionID, id)
			}
			t.Logf("answers by status %v; faults %v", codes, faults.Injected())
		})
	}
}
