package app_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/app"
	"github.com/paysessions/paysessions/shared/config"
)

// TestNewWiresEachSettingToTheStore: README, Configuration, and
// docs/design.md §9: EXPIRY_SHARDS is the expiry index's shard count and
// SESSION_EXPIRY, RESULT_RETENTION and WRITE_GUARD the lifecycle; New hands
// each to the store. Every other test ran at the default counts, where
// EXPIRY_SHARDS wired from LIST_SHARDS' value (or the reverse) reads alike
// for the tests that list, so the store's expiry shards taken from
// LIST_SHARDS passed every test (r93-mutate: mutant A05). New makes no
// network call: no engine.
func TestNewWiresEachSettingToTheStore(t *testing.T) {
	env := map[string]string{"TABLE_NAME": "payment-sessions", "DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
		"EXPIRY_SHARDS": "100", "LIST_SHARDS": "32", "SESSION_EXPIRY": "20m", "RESULT_RETENTION": "10m", "WRITE_GUARD": "3s"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.Options{Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Store.Shards(); got != 100 {
		t.Errorf("store's expiry shards = %d; want EXPIRY_SHARDS, 100", got)
	}
	p := a.Store.Policy()
	if p.Expiry != 20*time.Minute || p.Retention != 10*time.Minute || p.WriteGuard != 3*time.Second {
		t.Errorf("store's policy = %+v; want SESSION_EXPIRY 20m, RESULT_RETENTION 10m, WRITE_GUARD 3s", p)
	}
}
