package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestSessionReadIsOneGetItem: docs/design.md §8, "One session read is one
// `GetItem` with `ConsistentRead`: a poll after a write sees the write, and
// there are no extra round trips": a read of a session far from its
// expiry and end of retention is one call, whoever reads it (Get,
// GetOwned, GetWithChild of a session without a child). Kills the bound
// on straddled reads joined by || (store.go mutant 39: every read was made
// three times), which no test saw.
func TestSessionReadIsOneGetItem(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	var armed atomic.Bool
	count := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		calls.Add(1)
		if op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810."); armed.Load() && op != "GetItem" {
			t.Errorf("a read called %s; want GetItem only", op)
		}
		return http.DefaultTransport.RoundTrip(req)
	})
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: count}})
	v := f.create(t, "m-1")
	armed.Store(true)
	for _, tt := range sessionReads(ctx, f, "m-1", v.ID) {
		t.Run(tt.name, func(t *testing.T) {
			calls.Store(0)
			if err := tt.read(); err != nil {
				t.Fatal(err)
			}
			if got := calls.Load(); got != 1 {
				t.Errorf("calls: got %d; want 1", got)
			}
		})
	}
}

// TestReadsAreConsistent: docs/design.md §8, "One session read is one
// `GetItem` with `ConsistentRead`: a poll after a write sees the write".
// DynamoDB Local answers every read consistently, so only the request says
// whether a read asked for it: each GetItem a session read makes (Get,
// GetOwned, GetWithChild, a write's own read) and the read of an
// Idempotency-Key's record asks for ConsistentRead. An eventually
// consistent read of the record a create just wrote could miss it, and a
// retry would not be "the first answer, byte for byte" (README) but 409.
// Kills store.go mutants 149 and 176 (ConsistentRead false), which
// every test passed.
func TestReadsAreConsistent(t *testing.T) {
	ctx := context.Background()
	var reads, inconsistent atomic.Int32
	record := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.") == "GetItem" {
			body, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
			var in struct{ ConsistentRead bool }
			if err := json.Unmarshal(body, &in); err != nil || !in.ConsistentRead {
				inconsistent.Add(1)
			}
			reads.Add(1)
		}
		return http.DefaultTransport.RoundTrip(req)
	})
	f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: record}})
	idem := &store.Idempotency{MerchantID: "m-1", Key: "order-1", RequestHash: store.HashRequest([]byte("body"))}
	v := f.newDraftSession("m-1", "")
	if _, r, err := f.st.Create(ctx, v, idem, 201, idBody); err != nil || r != nil {
		t.Fatalf("Create() = %+v, %v; want a new session", r, err)
	}
	for _, tt := range append(sessionReads(ctx, f, "m-1", v.ID), []namedRead{
		{"ApplyEvent", func() error {
			_, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Processing})
			return err
		}},
		{"Create replayed", func() error {
			_, r, err := f.st.Create(ctx, f.newDraftSession("m-1", ""), idem, 201, idBody)
			if err == nil && (r == nil || r.SessionID != v.ID) {
				t.Errorf("replay got %+v; want the first answer's (session %s)", r, v.ID)
			}
			return err
		}},
	}...) {
		t.Run(tt.name, func(t *testing.T) {
			reads.Store(0)
			inconsistent.Store(0)
			if err := tt.read(); err != nil {
				t.Fatal(err)
			}
			if reads.Load() == 0 {
				t.Fatalf("GetItem calls: got 0; want at least 1")
			}
			if got := inconsistent.Load(); got != 0 {
				t.Errorf("GetItem calls without ConsistentRead: got %d of %d; want 0", got, reads.Load())
			}
		})
	}
}

type namedRead struct {
	name string
	read func() error
}

// sessionReads are the store's three reads of session id, merchant's.
func sessionReads(ctx context.Context, f *fixture, merchant, id string) []namedRead {
	return []namedRead{
		{"Get", func() error { _, err := f.st.Get(ctx, id); return err }},
		{"GetOwned", func() error { _, err := f.st.GetOwned(ctx, merchant, id); return err }},
		{"GetWithChild", func() error { _, _, err := f.st.GetWithChild(ctx, merchant, id); return err }},
	}
}
