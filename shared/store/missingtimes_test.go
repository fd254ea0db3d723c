package store_test

import (
	"context"
	"testing"

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
// session; every read, a processor's event and a merchant's cancel are
// EINTERNAL (another merchant's 404) and the item is unchanged
// (expectForeign).
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
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			merchant := "m-" + string(rune('a'+i)) // a day list of its own
			v := f.create(t, merchant)
			if tt.closed {
				if _, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Failed, Reason: "declined"}); err != nil {
					t.Fatal(err)
				}
			}
			// Each is a time document 004's reads read too.
			f.expectForeign(t, v, merchant, true, tt.remove)
		})
	}
}
