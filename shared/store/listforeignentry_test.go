package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestListWalkPassesEntriesNoReleaseWrites: document 004's list is "List
// of session records returned successfully", and its opt-in pages are
// walked by following each page's Link (README: "the next page's URL is in
// Link"), which must never be refused. A day whose list partition holds an
// index entry the service did not write (a key not <createdAt in the
// store's form>#<a session id in lower case>: an item written by hand or
// by another tool) was listed whole, but a walk with limit=1 stopped at a
// 400 VALIDATION_FAILED naming cursor: the page before the entry put its
// key in the cursor, which the list then refused as "not a cursor of this
// list" (r111-seeds24, make run: a page's Link followed at once). A copy
// of a session under its id in upper case, which no read of that id
// reaches (a path id is read in lower case, and the store writes ids in
// lower case only), was also listed, a session_id no
// /session-record/{id} answers. Such an entry is skipped, as an entry
// whose session is gone is, and no cursor holds its key: the whole day and
// the walk list the service's sessions, each once.
func TestListWalkPassesEntriesNoReleaseWrites(t *testing.T) {
	// Three sessions of m-1, a millisecond apart; the entries planted lie
	// between the first two (half a millisecond after the first) or, for
	// the copy, under the second's instant.
	const foreignInstant = "2026-11-23T10:00:00.0005000Z"
	upperID := "AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA"
	// entry is an index entry of the first session's partition, of no
	// session the table holds, under key.
	var entryOf func(key func(vs []*session.Session) string) func(t *testing.T, f *listFixture, vs []*session.Session)
	entry := func(key string) func(t *testing.T, f *listFixture, vs []*session.Session) {
		return entryOf(func([]*session.Session) string { return key })
	}
	// entryOf is entry, its key made from the sessions (one naming a
	// session the table holds).
	entryOf = func(key func(vs []*session.Session) string) func(t *testing.T, f *listFixture, vs []*session.Session) {
		return func(t *testing.T, f *listFixture, vs []*session.Session) {
			key := key(vs)
			first := f.raw(t, vs[0].ID)
			f.plant(t, map[string]ddb.AttributeValue{
				"pk":               &ddb.AttributeValueMemberS{Value: "FOREIGN#" + uuid.NewString()},
				"sk":               &ddb.AttributeValueMemberS{Value: "FOREIGN"},
				"merchantDayShard": first["merchantDayShard"],
				"createdKey":       &ddb.AttributeValueMemberS{Value: key},
				"listUntil":        first["listUntil"],
			})
		}
	}
	// upperCopy is the second session under upperID, as ImportAll writes
	// what it is given (its key, id and createdKey follow that id).
	upperCopy := func(vs []*session.Session) *session.Session {
		c := vs[1].Clone()
		c.ID = upperID
		return c
	}
	tests := []struct {
		name  string
		plant func(t *testing.T, f *listFixture, vs []*session.Session)
		// memory, when set, is the session storetest.Memory is planted
		// with for the same day (Memory holds sessions, not index
		// entries).
		memory func(vs []*session.Session) *session.Session
	}{
		{"a session under its id in upper case", func(t *testing.T, f *listFixture, vs []*session.Session) {
			if err := f.st.ImportAll(context.Background(), []*session.Session{upperCopy(vs)}); err != nil {
				t.Fatal(err)
			}
		}, upperCopy},
		{"an entry of an id in upper case", entry(foreignInstant + "#" + upperID), nil},
		{"an entry of an id that is not a UUID", entry(foreignInstant + "#not-an-id"), nil},
		{"an entry of an instant not in the store's form", entry("2026-11-23T10:00:00.0005Z#" + uuid.NewString()), nil},
		{"an entry of an instant without its id", entry(foreignInstant + "#"), nil},
		// Of a session the table holds: its id is read beside the
		// session's own entry, in one BatchGetItem, and its key is not
		// that session's createdKey.
		{"an entry of an instant not in the store's form, of a listed session's id", entryOf(func(vs []*session.Session) string {
			return "2026-11-23T10:00:00.0005Z#" + vs[1].ID
		}), nil},
		{"an entry of an id in upper case, of a listed session's id", entryOf(func(vs []*session.Session) string {
			return foreignInstant + "#" + strings.ToUpper(vs[1].ID)
		}), nil},
		// Two items of one such key: neither is the service's.
		{"two entries of one key of an id in upper case", func(t *testing.T, f *listFixture, vs []*session.Session) {
			for range 2 {
				entryOf(func([]*session.Session) string { return foreignInstant + "#" + upperID })(t, f, vs)
			}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newListFixture(t)
			vs := sessions("m-1", t0, 3, false)
			if err := f.st.ImportAll(context.Background(), vs); err != nil {
				t.Fatal(err)
			}
			tt.plant(t, f, vs)
			stores := []struct {
				name string
				s    sessionStore
			}{{"store", f.st}}
			if tt.memory != nil {
				m := storetest.NewMemory(session.DefaultPolicy, f.clock.Now)
				for _, v := range append(slices.Clone(vs), tt.memory(vs)) {
					m.Plant(v)
				}
				stores = append(stores, struct {
					name string
					s    sessionStore
				}{"memory", m})
			}
			want := []string{vs[0].ID, vs[1].ID, vs[2].ID}
			for _, st := range stores {
				day := store.ListQuery{MerchantID: "m-1", Day: t0}
				got, next, err := listPage(st.s, day)
				if err != nil || next != "" || !slices.Equal(got, want) {
					t.Errorf("%s: the whole day = %v, next %q, %v; want %v", st.name, got, next, err, want)
				}
				day.Limit = 1
				if got, err := walkPages(st.s, day); err != nil || !slices.Equal(got, want) {
					t.Errorf("%s: the walk with limit=1 = %v, %v (code %q); want %v", st.name, got, err, session.ErrorCode(err), want)
				}
			}
		})
	}
}

// listPage lists one page of q on s: the ids listed and the next cursor.
func listPage(s sessionStore, q store.ListQuery) ([]string, string, error) {
	var ids []string
	next, err := s.ListByDay(context.Background(), q, func(v *session.Session) bool {
		ids = append(ids, v.ID)
		return true
	})
	return ids, next, err
}

// walkPages follows q's pages on s to the end, as a client follows each
// page's Link, and returns every id listed, or the first page's error.
func walkPages(s sessionStore, q store.ListQuery) ([]string, error) {
	var all []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			return all, fmt.Errorf("more than 100 pages: the walk goes round")
		}
		ids, next, err := listPage(s, q)
		all = append(all, ids...)
		if err != nil {
			return all, fmt.Errorf("page %d (cursor %q): %w", pages+1, q.Cursor, err)
		}
		if next == "" {
			return all, nil
		}
		q.Cursor = next
	}
}

// TestListCursorHoldsNoKeyOfAnEntryNoReleaseWrites: a page whose partition's
// Query stopped at an entry no release writes (DynamoDB's LastEvaluatedKey,
// the last entry its Limit evaluated, filtered out or not) resumed that
// partition there, its key in the cursor, so the next page was refused 400
// as TestListWalkPassesEntriesNoReleaseWrites's was. The partition resumes
// before it instead (a position is only where the index need not be read
// again). A key as the store writes it is kept (the last row).
func TestListCursorHoldsNoKeyOfAnEntryNoReleaseWrites(t *testing.T) {
	const between = "2026-11-23T10:00:00.5000000Z" // between the first two sessions
	for _, lastEvaluated := range []string{
		between + "#AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA",
		between + "#not-an-id",
		"2026-11-23T10:00:00.5Z#" + uuid.NewString(),
		between + "#" + uuid.NewString(),
	} {
		t.Run(lastEvaluated, func(t *testing.T) {
			r := newReadFixture(t)
			// The first Query: the first session's entry, and the Limit
			// reached at lastEvaluated; the next ones answer the rest.
			first := `{"Items":[{"createdKey":{"S":"` + r.keys[0] + `"}}],"LastEvaluatedKey":{"merchantDayShard":{"S":"m-1#2026-11-23#0"},"createdKey":{"S":"` + lastEvaluated + `"},"pk":{"S":"FOREIGN"},"sk":{"S":"FOREIGN"}}}`
			s, _ := r.store(t, "Query", false, 200, "", []byte(first))
			q := store.ListQuery{MerchantID: "m-1", Day: r.now, Limit: 1}
			ids, next, err := listPage(s, q)
			if err != nil || next == "" || !slices.Equal(ids, r.ids[:1]) {
				t.Fatalf("the first page = %v, next %q, %v; want [%s] and a next page", ids, next, err, r.ids[0])
			}
			q.Cursor = next
			if _, err := s.ListResume(q); err != nil {
				t.Errorf("the first page's cursor read back: %v (code %q); want it taken", err, session.ErrorCode(err))
			}
		})
	}
}
