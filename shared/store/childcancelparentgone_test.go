package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/paysessions/paysessions/shared/session"
)

// TestChildCancelWhenItsParentIsGone: docs/design.md §3, a merchant's
// cancel moves "an `AUTHORISED` one to `CANCEL_REQUESTED`", and a parent
// showing its child's money follows the child's change; a parent "gone
// (past its retention)" is left alone (followChild). An AUTHORISED child
// outlives its parent when its last change came after the parent's: here
// the parent declined its own cancellation at 10:04 (retained until
// 10:19), the child its own at 10:11 (retained until 10:26). The
// merchant's cancel of that child at 10:20 is a cancel request, no money
// taken: 200 CANCEL_REQUESTED, not a 404 for the parent it no longer
// needs, once TTL deleted the parent's item (r102-mutate #121, which
// answered the parent's absence as the child's, survived every family
// test).
func TestChildCancelWhenItsParentIsGone(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	at := func(min int) { f.clock.Set(t0.Add(time.Duration(min) * time.Minute)) }
	event := func(id string, s session.Status) {
		t.Helper()
		if _, err := f.st.ApplyEvent(ctx, "", id, &session.Event{Status: s}); err != nil {
			t.Fatalf("%s on %s at %s = %v", s, id, f.clock.Now(), err)
		}
	}
	p := f.create(t, "m-1")
	at(1)
	c := f.newDraftSession("m-1", p.ID)
	if _, _, err := f.st.Create(ctx, c, nil, 0, nil); err != nil {
		t.Fatal(err)
	}
	at(2)
	event(c.ID, session.Authorised) // the parent follows: AUTHORISED
	at(3)
	if _, err := f.st.Cancel(ctx, "m-1", p.ID, ""); err != nil {
		t.Fatalf("the parent's cancel = %v", err)
	}
	at(4)
	event(p.ID, session.Authorised) // the parent's cancellation declined
	at(10)
	event(c.ID, session.CancelRequested)
	at(11)
	event(c.ID, session.Authorised) // the child's cancellation declined
	parent, child := f.mustGet(t, p.ID), f.mustGet(t, c.ID)
	if !parent.RetainUntil.Before(child.RetainUntil) || parent.Status != session.Authorised || child.Status != session.Authorised {
		t.Fatalf("parent %s retained until %s, child %s until %s; want both AUTHORISED, the parent gone first", parent.Status, parent.RetainUntil, child.Status, child.RetainUntil)
	}
	f.clock.Set(parent.RetainUntil.Add(time.Minute)) // the parent gone, the child not
	// TTL has deleted the parent's item (docs/design.md: gone "whether or
	// not TTL has deleted it"; an item still there reads as gone the same).
	if _, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.table), Key: sessionItemKey(parent.ID)}); err != nil {
		t.Fatal(err)
	}
	got, err := f.st.Cancel(ctx, "m-1", c.ID, "")
	if err != nil || got.Status != session.CancelRequested {
		t.Fatalf("cancel of the AUTHORISED child of a parent gone = %v (%s); want %s", got, session.ErrorCode(err), session.CancelRequested)
	}
}
