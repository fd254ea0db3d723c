package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestExpiredWithAnEmptyWindowSendsNoQuery holds Expired's own words: "With
// RESULT_RETENTION at most twice WRITE_GUARD (the configuration allows it)
// the window is empty: no session is ever swept (reads and TTL do it all),
// and no query is sent, since DynamoDB refuses a BETWEEN whose lower bound
// is above its upper one (ValidationException)". No test used such a
// policy, so ExpiryQuery's empty-window return (expiry.go) never ran.
func TestExpiredWithAnEmptyWindowSendsNoQuery(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		retention time.Duration
	}{
		{"retention twice the guard band", 10 * time.Second},
		{"retention just above the guard band", 5*time.Second + time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := session.Policy{Expiry: 30 * time.Minute, Retention: tt.retention, WriteGuard: 5 * time.Second}
			st := store.New(f.db, f.table, p, 16, f.clock.Now)
			pages := 0
			read, err := st.Expired(ctx, 0, f.clock.Now(), 100, func([]store.ExpiryKey) bool { pages++; return true })
			if err != nil || read != 0 || pages != 0 {
				t.Errorf("Expired() = %d read, %d pages, %v; want 0, 0, nil", read, pages, err)
			}
			q, err := st.ExpiryQuery(0, f.clock.Now(), 100)
			if err != nil || !q.Done() {
				t.Errorf("ExpiryQuery() done %v, %v; want done, nil", q != nil && q.Done(), err)
			}
		})
	}
}
