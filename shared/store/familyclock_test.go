package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// TestGetWithChildJudgesBothByTheClock: GetWithChild "returns the session
// as it is now and, when it has a child, the child as it is at the same
// instant (nil if the child is past its retention)" — the time rules
// applied to both, as a single read of each applies them, though DynamoDB
// Local never deletes an item and TTL runs days late: a parent past its
// expiresAt reads EXPIRED, one past its retention is ENOTFOUND, a child
// past its retention is nil. The clock stands still, so each pair is
// compared with single reads of the two at the same instant. The child
// expires 5 minutes after its creation (its parent 30), so at 25 minutes
// it is gone while its parent is still open.
func TestGetWithChildJudgesBothByTheClock(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	short := session.DefaultPolicy
	short.Expiry = 5 * time.Minute
	p := newSession("m-1", "", t0, session.DefaultPolicy)
	if _, _, err := f.st.Create(ctx, p, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	c := newSession("m-1", p.ID, t0.Add(time.Minute), short)
	if _, _, err := f.st.Create(ctx, c, nil, 201, nil); err != nil {
		t.Fatal(err)
	}
	single := func(id string) (session.Status, session.Code) {
		v, err := f.st.Get(ctx, id)
		if err != nil {
			return "", session.ErrorCode(err)
		}
		return v.Status, ""
	}
	for _, tt := range []struct {
		name       string
		at         time.Duration // after t0
		wantParent session.Status
		wantChild  session.Status // "": none
		wantErr    session.Code
	}{
		{"both open", 2 * time.Minute, session.Created, session.Created, ""},
		{"the child expired", 7 * time.Minute, session.Created, session.Expired, ""},
		{"the child past its retention", 25 * time.Minute, session.Created, "", ""},
		{"the parent expired", 31 * time.Minute, session.Expired, "", ""},
		{"the parent past its retention", 46 * time.Minute, "", "", session.ENOTFOUND},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Set(t0.Add(tt.at))
			v, child, err := f.st.GetWithChild(ctx, "m-1", p.ID)
			var gotParent, gotChild session.Status
			if v != nil {
				gotParent = v.Status
			}
			if child != nil {
				gotChild = child.Status
			}
			if gotParent != tt.wantParent || gotChild != tt.wantChild || session.ErrorCode(err) != tt.wantErr {
				t.Errorf("got %q, child %q, error %q; want %q, child %q, error %q", gotParent, gotChild, session.ErrorCode(err), tt.wantParent, tt.wantChild, tt.wantErr)
			}
			// The same as single reads at the same instant.
			sp, ep := single(p.ID)
			sc, _ := single(c.ID)
			if sp != gotParent || ep != session.ErrorCode(err) || err == nil && sc != gotChild {
				t.Errorf("single reads: %q (error %q), child %q; GetWithChild: %q (error %q), child %q", sp, ep, sc, gotParent, session.ErrorCode(err), gotChild)
			}
		})
	}
}

// TestGetWithChildOfAChildGone: a child TTL has deleted (its parent,
// retained longer, still links it) reads as none: GetWithChild's child is
// "nil if the child is past its retention", and getPair's "The child is
// nil if it no longer exists" — the parent alone, never an error.
func TestGetWithChildOfAChildGone(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, c := createFamily(t, f.st, f.st, t0, t0, session.DefaultPolicy)
	if _, err := f.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.table), Key: map[string]ddb.AttributeValue{
		"pk": &ddb.AttributeValueMemberS{Value: "SESSION#" + c.ID}, "sk": &ddb.AttributeValueMemberS{Value: "SESSION"},
	}}); err != nil {
		t.Fatal(err)
	}
	v, child, err := f.st.GetWithChild(ctx, "m-1", p.ID)
	if err != nil || v == nil || v.ID != p.ID || child != nil {
		t.Errorf("GetWithChild() = %v, child %v, %v; want the parent, no child, no error", v != nil, child != nil, err)
	}
}
