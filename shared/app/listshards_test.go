package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/config"
	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestAppListsWithItsConfiguredShards: docs/design.md §8, "`LIST_SHARDS` is
// fixed by the template: lowering it would hide items". The App's store
// writes and lists with the configured count: a day written with LIST_SHARDS
// partitions (by a store built with that count, as every other function's
// is) is listed whole through the App. 32, above the default: an App
// listing the default 16 whatever LIST_SHARDS says read every partition of
// 5 and passed (r93-mutate: mutant A06).
func TestAppListsWithItsConfiguredShards(t *testing.T) {
	const sessions = 40
	f := newFixture(t)
	db := storetest.Client(t, store.ClientOptions{})
	for _, shards := range []string{"16", "5", "32"} {
		t.Run("LIST_SHARDS="+shards, func(t *testing.T) {
			table := storetest.NewTable(t, db)
			env := map[string]string{"TABLE_NAME": table, "DYNAMODB_ENDPOINT": f.app.Config.DynamoDBEndpoint, "LIST_SHARDS": shards}
			cfg, err := config.Load(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			a, err := app.New(context.Background(), cfg, app.Options{Log: f.logs, Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			writer := store.New(db, table, cfg.Policy(), cfg.ExpiryShards, f.clock.Now, store.ListShards(cfg.ListShards))
			amount := int64(100)
			var vs []*session.Session
			for i := range sessions {
				vs = append(vs, session.New(&session.Draft{Amount: &amount, Currency: "ZAR"}, sampleMerchant, fmt.Sprintf("6f1c2b8e-3d4a-4e5f-9a7b-%012x", i), "hcp", f.clock.Now(), cfg.Policy()))
			}
			if err := writer.ImportAll(context.Background(), vs); err != nil {
				t.Fatal(err)
			}
			listed := 0
			if _, err := a.Store.ListByDay(context.Background(), store.ListQuery{MerchantID: sampleMerchant, Day: f.clock.Now()}, func(*session.Session) bool {
				listed++
				return true
			}); err != nil {
				t.Fatal(err)
			}
			if listed != sessions {
				t.Errorf("sessions listed: got %v; want %v", listed, sessions)
			}
		})
	}
}
