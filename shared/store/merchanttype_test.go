package store_test

import (
	"context"
	"crypto/sha256"
	"reflect"
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestMerchantIDOfAnotherTypeIsRefused: the store writes a session's and
// an API key's merchantId as a string (S). The SDK's decoder reads a
// number (N) into a string field as its text, so an item the service did
// not write with "merchantId":{"N":"5"} was read as merchant "5": on both
// local servers (r103-authz) merchant 5's token read such a session (200),
// a processor's event on it was applied, and an API key whose record held
// it read sessions as merchant 5. The merchant is what tenancy stands on:
// such an item is refused as one whose merchantId is no merchant id is
// (TestForeignMerchantOfASessionIsRefused), 500 with nothing written. A
// caller acting for a merchant is told nothing of it: it is no merchant's
// session (its merchantId is not a string, ownedBy), 404 as a missing one,
// and left out of the day's list whose partition holds its entry.
func TestMerchantIDOfAnotherTypeIsRefused(t *testing.T) {
	const merchant = "5"
	number := &ddb.AttributeValueMemberN{Value: merchant}
	ctx := context.Background()

	t.Run("session", func(t *testing.T) {
		f := newFixture(t)
		v := f.create(t, merchant)
		before := f.plantChanged(t, v, func(item map[string]ddb.AttributeValue) { item["merchantId"] = number })
		ops := []struct {
			name string
			do   func() error
			want session.Code
		}{
			{"Get", func() error { _, err := f.st.Get(ctx, v.ID); return err }, session.EINTERNAL},
			{"GetOwned", func() error { _, err := f.st.GetOwned(ctx, merchant, v.ID); return err }, session.ENOTFOUND},
			{"GetRecord", func() error { _, err := f.st.GetRecord(ctx, merchant, v.ID); return err }, session.ENOTFOUND},
			{"GetWithChild", func() error { _, _, err := f.st.GetWithChild(ctx, merchant, v.ID); return err }, session.ENOTFOUND},
			// Its index entry lies in merchant 5's partition: the list
			// leaves out what no merchant owns, as the single reads' 404.
			{"ListByDay", func() error {
				_, err := f.st.ListByDay(ctx, store.ListQuery{MerchantID: merchant, Day: v.CreatedAt}, func(l *session.Session) bool {
					if l.ID == v.ID {
						t.Errorf("ListByDay: listed the session no merchant owns; want it left out")
					}
					return true
				})
				return err
			}, ""},
			{"ApplyEvent", func() error {
				_, err := f.st.ApplyEvent(ctx, "", v.ID, &session.Event{Status: session.Processing})
				return err
			}, session.EINTERNAL},
			{"Cancel", func() error { _, err := f.st.Cancel(ctx, merchant, v.ID, ""); return err }, session.ENOTFOUND},
		}
		for _, op := range ops {
			if got := session.ErrorCode(op.do()); got != op.want {
				t.Errorf("%s: got %q; want %q", op.name, got, op.want)
			}
		}
		if got := f.raw(t, v.ID); !reflect.DeepEqual(got, before) {
			t.Errorf("item after the writes: got it changed (merchantId %#v); want it unchanged", got["merchantId"])
		}
	})

	t.Run("API key", func(t *testing.T) {
		f := newFixture(t)
		const id = "0123456789abcdef"
		sum := sha256.Sum256([]byte("secret"))
		if err := f.st.CreateAPIKey(ctx, &store.APIKey{ID: id, MerchantID: merchant, Scopes: []string{"sessions:read"}, SecretHash: sum[:], CreatedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		f.plantKeyChanged(t, id, func(item map[string]ddb.AttributeValue) { item["merchantId"] = number })
		k, err := f.st.APIKey(ctx, id)
		if got := session.ErrorCode(err); got != session.EINTERNAL {
			t.Errorf("APIKey() = %+v: got %q; want %q", k, got, session.EINTERNAL)
		}
	})
}
