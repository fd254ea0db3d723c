package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/auth"
	"github.com/paysessions/paysessions/shared/httpapi"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// harnessStore is what the tests use of the harness's store: the
// handlers' view (httpapi.Store), the authenticator's (auth.APIKeyStore),
// and the seeding of sessions as they are. *store.Store on DynamoDB Local
// and storetest.Memory both are one.
type harnessStore interface {
	httpapi.Store
	auth.APIKeyStore
	Get(ctx context.Context, id string) (*session.Session, error)
	Import(ctx context.Context, v *session.Session) error
	ImportAll(ctx context.Context, vs []*session.Session) error
}

var (
	_ harnessStore = (*store.Store)(nil)
	_ harnessStore = (*storetest.Memory)(nil)
)

// newMemoryHarness is the whole API, as newHarness makes it, on
// storetest.Memory instead of a table of DynamoDB Local: the handlers, the
// authenticator and the middleware are the same, the store keeps the same
// rules in memory. It needs no engine and answers in microseconds, for the
// fuzz targets and for the tests that run under -short.
func newMemoryHarness(t testing.TB) *harness {
	t.Helper()
	clock := storetest.NewClock(t0)
	st := storetest.NewMemory(session.DefaultPolicy, clock.Now)
	return serveStore(t, st, clock)
}

// eachStore runs a test of the handlers twice: on storetest.Memory, and on
// a fresh table of DynamoDB Local (newHarness) — skipped under -short,
// which is how the handlers' tests run in seconds on a machine without
// Java while `make test` still runs each of them end to end. A test that
// passes on one store and fails on the other has found a difference
// between the fake and the store the handlers rely on.
func eachStore(t *testing.T, test func(t *testing.T, h *harness)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) { test(t, newMemoryHarness(t)) })
	t.Run("dynamodb", func(t *testing.T) { test(t, newHarness(t)) })
}

// storeWithPolicy is the store of h under another lifecycle policy, on
// the same sessions and keys.
func storeWithPolicy(h *harness, p session.Policy) harnessStore {
	if m, ok := h.st.(*storetest.Memory); ok {
		return m.WithPolicy(p)
	}
	return store.New(h.db, h.table, p, 16, h.clock.Now, noSettleWait)
}

// noSettleWait makes a store on the harness's clock read again at once
// after a refusal in a guard band (store.SettleWait): sleeping in real time
// until expiresAt moves no test clock.
var noSettleWait = store.SettleWait(func(context.Context, time.Duration) error { return nil })
