package httpapi

import (
	"context"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// Store is the handlers' view of the session store: the operations they
// call, with the meaning *store.Store documents for each — the time rules
// applied on every read, writes refused within the guard band, a repeated
// Idempotency-Key answered with its first response, a repeated eventId
// acknowledged, another merchant's session or key reported as absent. The
// service runs on *store.Store; tests run the handlers without DynamoDB on
// storetest.Memory, which keeps the same rules in memory.
type Store interface {
	// Policy is the lifecycle the store applies.
	Policy() session.Policy
	// GetOwned returns merchantID's session as it is now; another
	// merchant's costs what an unknown one costs (one read, ENOTFOUND).
	GetOwned(ctx context.Context, merchantID, id string) (*session.Session, error)
	// GetRecord is GetOwned for document 004's single read: the session
	// read as the day's list reads it (ListByDay), so that both agree.
	GetRecord(ctx context.Context, merchantID, id string) (*session.Session, error)
	// GetWithChild returns merchantID's session and its child, read at one
	// instant; another merchant's session is absent, its child not read.
	GetWithChild(ctx context.Context, merchantID, id string) (v, child *session.Session, err error)
	// Create stores a new session (a child, when it names a parent), or
	// returns the first response to its Idempotency-Key.
	Create(ctx context.Context, v *session.Session, idem *store.Idempotency, status int, render func(*session.Session) ([]byte, error)) ([]byte, *store.Replay, error)
	// ApplyEvent applies a processor event; a caller acting for a merchant
	// (merchantID not empty) reaches only that merchant's sessions.
	ApplyEvent(ctx context.Context, merchantID, id string, ev *session.Event) (*session.Session, error)
	// Cancel is a merchant's cancel of its session.
	Cancel(ctx context.Context, merchantID, id, reason string) (*session.Session, error)
	// ListByDay lists a merchant's sessions of one day (document 004).
	ListByDay(ctx context.Context, q store.ListQuery, yield func(*session.Session) bool) (string, error)
	// CreateAPIKey stores a new API key.
	CreateAPIKey(ctx context.Context, k *store.APIKey) error
	// DeleteAPIKey revokes a merchant's API key.
	DeleteAPIKey(ctx context.Context, merchantID, id string) error
}

var _ Store = (*store.Store)(nil)
