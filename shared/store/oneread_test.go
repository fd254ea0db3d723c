package store_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

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
	for _, tt := range []struct {
		name string
		read func() error
	}{
		{"Get", func() error { _, err := f.st.Get(ctx, v.ID); return err }},
		{"GetOwned", func() error { _, err := f.st.GetOwned(ctx, "m-1", v.ID); return err }},
		{"GetWithChild", func() error { _, _, err := f.st.GetWithChild(ctx, "m-1", v.ID); return err }},
	} {
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
