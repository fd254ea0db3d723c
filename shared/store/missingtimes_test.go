package store_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
)

// TestSessionWithoutItsTimesIsRefused: README, Security, says a stored
// session with "a time that is not one" is an item the service did not
// write, the store's 500 with nothing written. Every release writes a
// session's createdAt, updatedAt and expiresAt, and a closed session's
// closedAt and retainUntil (a history entry's at is held to the store's
// form by r103-readtime's storedInstant). Left out, each was read
// as the zero time: a session without its expiresAt read EXPIRED at
// 0001-01-01T00:00:00Z in every shape (its history's last entry then, its
// 003 read 401 SESSION_EXPIRED), and an event or a cancel was 409 "The
// session expired at 0001-01-01T00:00:00Z" (r103-lifecycle, both local
// servers, a planted item). Each row removes one attribute of a real
// session; the read, a processor's event and a merchant's cancel are
// EINTERNAL and the item keeps its version.
func TestSessionWithoutItsTimesIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		closed bool // the session is FAILED before the attribute goes
		remove func(map[string]ddb.AttributeValue)
	}{
		{"createdAt", false, func(item map[string]ddb.AttributeValue) { delete(item, "createdAt") }},
		{"updatedAt", false, func(item map[string]ddb.AttributeValue) { delete(item, "updatedAt") }},
		{"expiresAt", false, func(item map[string]ddb.AttributeValue) { delete(item, "expiresAt") }},
		{"a closed session's closedAt", true, func(item map[string]ddb.AttributeValue) { delete(item, "closedAt") }},
		{"a closed session's retainUntil", true, func(item map[string]ddb.AttributeValue) { delete(item, "retainUntil") }},
		{"a closed session's expiresAt", true, func(item map[string]ddb.AttributeValue) { delete(item, "expiresAt") }},
	}
	f := newFixture(t)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := f.create(t, "m-1")
			if tt.closed {
				if _, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Failed, Reason: "declined"}); err != nil {
					t.Fatal(err)
				}
			}
			refusedUnwritten(t, f, v.ID, tt.remove)
		})
	}
}

// refusedUnwritten changes the stored item of session id with change and
// holds the store to its rule for an item the service did not write
// (README, Security): the read, a processor's event and a merchant's
// cancel are EINTERNAL (500), and the item keeps its version (nothing
// written).
func refusedUnwritten(t *testing.T, f *fixture, id string, change func(map[string]ddb.AttributeValue)) {
	t.Helper()
	ctx := context.Background()
	item := f.raw(t, id)
	change(item)
	if _, err := f.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: item}); err != nil {
		t.Fatal(err)
	}
	version := item["version"].(*ddb.AttributeValueMemberN).Value
	for _, op := range []struct {
		name string
		call func() error
	}{
		{"Get", func() error { _, err := f.st.Get(ctx, id); return err }},
		{"ApplyEvent", func() error {
			_, err := f.st.ApplyEvent(ctx, "", id, &session.Event{Status: session.Processing, EventID: "e-1"})
			return err
		}},
		{"Cancel", func() error { _, err := f.st.Cancel(ctx, "m-1", id, ""); return err }},
	} {
		if got := session.ErrorCode(op.call()); got != session.EINTERNAL {
			t.Errorf("%s() = %s; want %s", op.name, got, session.EINTERNAL)
		}
	}
	if got := f.raw(t, id)["version"].(*ddb.AttributeValueMemberN).Value; got != version {
		t.Errorf("version after the refused writes = %s; want %s (nothing written)", got, version)
	}
}
