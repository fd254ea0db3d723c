package store_test

import (
	"context"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestLostRaceToAnotherMerchantsItemIs404: a write that loses its race
// starts its next attempt from the winner the failed write returned (the
// seed), without reading again. Were the winner's merchantId another's (a
// write the service never makes: by hand, by another tool), the merchant
// would be writing a session that is no longer its own: the next attempt
// must find it as any read does, 404 (docs/design.md §7: "another
// merchant's session is 404"), and write nothing. Txn.GetOwned's merchant
// check on a seeded session had no test (r104-mutate's mutant #94 lived):
// without it the event was applied to the other merchant's session.
func TestLostRaceToAnotherMerchantsItemIs404(t *testing.T) {
	var f *fixture
	var v *session.Session
	var planted atomic.Bool
	var winner map[string]ddb.AttributeValue
	hook := func(op string, _ *http.Request, _ []byte) (*http.Response, error) {
		if op != "PutItem" || v == nil || planted.Swap(true) {
			return nil, nil
		}
		// Just before the event's write lands, another writer moves the
		// session, as another merchant's, to version 2.
		item := f.raw(t, v.ID)
		item["merchantId"] = &ddb.AttributeValueMemberS{Value: "m-other"}
		item["merchantDayShard"] = &ddb.AttributeValueMemberS{Value: "m-other" + item["merchantDayShard"].(*ddb.AttributeValueMemberS).Value[len("m-1"):]}
		item["version"] = &ddb.AttributeValueMemberN{Value: "2"}
		w := uuid.NewString()
		item["writeId"] = &ddb.AttributeValueMemberS{Value: w}
		item["recentWrites"] = &ddb.AttributeValueMemberL{Value: append(item["recentWrites"].(*ddb.AttributeValueMemberL).Value, &ddb.AttributeValueMemberS{Value: w})}
		f.plant(t, item)
		winner = f.raw(t, v.ID)
		return nil, nil
	}
	f = newFixtureWith(t, store.ClientOptions{HTTPClient: &http.Client{Transport: &storetest.Interceptor{Hook: hook}}})
	v = f.create(t, "m-1")
	_, err := f.st.ApplyEvent(context.Background(), "m-1", v.ID, &session.Event{Status: session.Processing, EventID: "e-1"})
	if !planted.Load() {
		t.Fatal("the event made no PutItem: the race was not run")
	}
	if got := session.ErrorCode(err); got != session.ENOTFOUND {
		t.Errorf("ApplyEvent(m-1) after losing to m-other's item = %v: got %q; want %q", err, got, session.ENOTFOUND)
	}
	if got := f.raw(t, v.ID); !reflect.DeepEqual(got, winner) {
		t.Errorf("item after the event: got it changed; want the winner as planted")
	}
}
