package store_test

import (
	"context"
	"time"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// lostAnswerWrite is one kind of the store's writes, for a test that loses
// its answer: op is the DynamoDB call that carries it, and write writes
// the session id (first, in a transaction with other, a session of the
// service's).
type lostAnswerWrite struct {
	name  string
	op    string
	write func(st *store.Store, id, other string) error
}

// lostAnswerWrites are the store's two kinds of write: a single item's
// (Update, a PutItem) and a transaction's over two sessions.
func lostAnswerWrites(ctx context.Context) []lostAnswerWrite {
	return []lostAnswerWrite{
		{"a single-item write", "PutItem", func(st *store.Store, id, _ string) error { return touchSession(ctx, st, id) }},
		{"a transaction", "TransactWriteItems", func(st *store.Store, id, other string) error {
			return st.Transact(ctx, func(t *store.Txn) error {
				for _, id := range []string{id, other} {
					v, err := t.Get(id)
					if err != nil {
						return err
					}
					v.Metadata = map[string]string{"n": t.Now().String()}
					t.Put(v)
				}
				return nil
			})
		}},
	}
}

// touchSession writes session id once more (its metadata, the time).
func touchSession(ctx context.Context, st *store.Store, id string) error {
	_, err := st.Update(ctx, id, func(v *session.Session, now time.Time) (bool, error) {
		v.Metadata = map[string]string{"n": now.String()}
		return true, nil
	})
	return err
}
