package store_test

import (
	"context"
	"testing"

	"github.com/paysessions/paysessions/shared/session"
)

// TestAnotherMerchantsSessionIsNotFound holds docs/design.md's Tenancy rule
// at the store: "a caller sees only its own merchant's sessions; another
// merchant's session answers exactly as an unknown one (404)", and
// "`sessions:process` (processors) may report events on any merchant's
// session and needs no `merchant_id`" (merchantID ""). Each call is made
// on a session of m-1; another merchant's must be ENOTFOUND and change
// nothing, its owner's (and a processor's) must reach it.
func TestAnotherMerchantsSessionIsNotFound(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		merchant string
		call     func(f *fixture, merchant, id string) error
		code     session.Code
		changed  bool // the session's version moved
	}{
		{"GetOwned, another merchant", "m-2", ownedGet, session.ENOTFOUND, false},
		{"GetOwned, its merchant", "m-1", ownedGet, "", false},
		{"GetOwned, no merchant", "", ownedGet, "", false},
		{"GetWithChild, another merchant", "m-2", ownedGetWithChild, session.ENOTFOUND, false},
		{"GetWithChild, its merchant", "m-1", ownedGetWithChild, "", false},
		{"ApplyEvent, another merchant", "m-2", ownedEvent, session.ENOTFOUND, false},
		{"ApplyEvent, its merchant", "m-1", ownedEvent, "", true},
		{"ApplyEvent, a processor", "", ownedEvent, "", true},
		{"Cancel, another merchant", "m-2", ownedCancel, session.ENOTFOUND, false},
		{"Cancel, its merchant", "m-1", ownedCancel, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			v := f.create(t, "m-1")
			err := tt.call(f, tt.merchant, v.ID)
			if got := session.ErrorCode(err); got != tt.code {
				t.Fatalf("error code %v (%v); want %v", got, err, tt.code)
			}
			after, err := f.st.Get(ctx, v.ID)
			if err != nil {
				t.Fatalf("Get() = %v", err)
			}
			if got := after.Version != v.Version; got != tt.changed {
				t.Errorf("changed (version %d -> %d) %v; want %v", v.Version, after.Version, got, tt.changed)
			}
		})
	}
}

func ownedGet(f *fixture, merchant, id string) error {
	v, err := f.st.GetOwned(context.Background(), merchant, id)
	if err == nil && v.ID != id {
		return session.Internal(nil)
	}
	return err
}

func ownedGetWithChild(f *fixture, merchant, id string) error {
	v, _, err := f.st.GetWithChild(context.Background(), merchant, id)
	if err == nil && v.ID != id {
		return session.Internal(nil)
	}
	return err
}

func ownedEvent(f *fixture, merchant, id string) error {
	_, err := f.st.ApplyEvent(context.Background(), merchant, id, &session.Event{Status: session.Processing, EventID: "e-1"})
	return err
}

func ownedCancel(f *fixture, merchant, id string) error {
	_, err := f.st.Cancel(context.Background(), merchant, id, "")
	return err
}
