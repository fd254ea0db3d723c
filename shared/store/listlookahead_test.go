package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store"
)

// TestListLookAheadGrows: a page with a limit reads past its last session
// to learn whether another one exists now (a Link only then), and index
// entries alone prove nothing: sessions closed early are gone from the
// table long before their entries leave the list's window. Past the page
// that look-ahead grows (8, 64, then a whole round of 400), so a page
// followed by 300 such sessions reads them in a few BatchGetItems, not in
// one round and one BatchGetItem each: the list "does not walk the dead at
// the page's pace" (README, "The day's list").
func TestListLookAheadGrows(t *testing.T) {
	f := newListFixture(t)
	live := sessions("m-1", t0, 1, false)
	dead := sessions("m-1", t0.Add(time.Millisecond), 300, true)
	if err := f.st.ImportAll(context.Background(), append(live, dead...)); err != nil {
		t.Fatal(err)
	}
	// The dead closed a second after creation: past their retention 15 min
	// later, their index entries still within the window (expiresAt +
	// RESULT_RETENTION, 45 min); the live one expires at 30 min.
	f.clock.Set(t0.Add(20 * time.Minute))
	f.calls.Take()
	got, next := f.list(t, store.ListQuery{MerchantID: "m-1", Day: t0, Limit: 1})
	batches := f.count("BatchGetItem")
	t.Logf("%d BatchGetItem calls", batches)
	if !slices.Equal(got, []string{live[0].ID}) || next != "" {
		t.Errorf("listed %v, next %q; want only %s and no next", got, next, live[0].ID)
	}
	// Rounds of 2, 8, 64 and 400 (227 left: 3 calls): 6 BatchGetItems,
	// as the README says. The count is of calls, not of the SDK's tries
	// (storetest.CallCounter counts at Initialize), and DynamoDB Local
	// leaves no keys unprocessed for items this small: a look-ahead that
	// doubled (8 calls) or stood still (39) is caught.
	if batches > 6 {
		t.Errorf("a page of one before 300 sessions gone took %d BatchGetItem calls; want at most 6", batches)
	}
}
