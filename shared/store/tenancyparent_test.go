package store_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestChildOfAnotherMerchantsParentCostsWhatAnUnknownOneDoes: docs/design.md
// Tenancy, "another merchant's session answers exactly as an unknown one",
// and Create's own words for a parentSessionId of another merchant:
// "Refused before the parent's child is read: another merchant's session
// costs what an unknown one does." A parent of m-2 that has a child, named
// by m-1, must be refused as an unknown parent is, with the same calls to
// DynamoDB: its child is never read (a read of it would tell m-1 that the
// session exists and has a child, by the time taken or by that read's
// failure).
func TestChildOfAnotherMerchantsParentCostsWhatAnUnknownOneDoes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		parent func(f *fixture) string
	}{
		{"unknown parent", func(f *fixture) string { return uuid.NewString() }},
		{"another merchant's parent with a child", func(f *fixture) string {
			p := f.create(t, "m-2")
			if _, _, err := f.st.Create(ctx, f.newDraftSession("m-2", p.ID), nil, 0, nil); err != nil {
				t.Fatalf("Create(child) = %v", err)
			}
			return p.ID
		}},
	}
	var calls []string
	for _, tt := range tests {
		var mu sync.Mutex
		var ops []string
		counting := false
		ic := &storetest.Interceptor{Hook: func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			if counting {
				ops = append(ops, op)
			}
			return nil, nil
		}}
		f := newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: ic}})
		parent := tt.parent(f)
		mu.Lock()
		counting = true
		mu.Unlock()
		_, _, err := f.st.Create(ctx, f.newDraftSession("m-1", parent), nil, 0, nil)
		mu.Lock()
		counting = false
		got := ops
		mu.Unlock()
		if code := session.ErrorCode(err); code != session.EINVALID {
			t.Errorf("%s: error code %v (%v); want %v", tt.name, code, err, session.EINVALID)
		}
		if calls == nil {
			calls = got
			continue
		}
		if len(got) != len(calls) {
			t.Errorf("%s: calls %v; want %v (as for an unknown parent)", tt.name, got, calls)
		}
	}
}
