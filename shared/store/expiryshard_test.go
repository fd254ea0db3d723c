package store_test

import (
	"fmt"
	"testing"
	"time"

	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/store"
)

// TestExpiryShardsAreTheConfigured: docs/design.md §8, the expiry index's
// "partition `expiryShard` (0 to `EXPIRY_SHARDS`−1, a hash of the id, so
// no partition is hot)", and "The default of 64 shards comes from the same
// model". A store given n shards writes open sessions across all n and
// its sweeper queries n (Shards); one given none still writes one. Kills
// New's `shards < 1` guard turned (store.go mutants 5-7: every store had
// one expiry shard, one hot partition, which no test saw: each read and
// sweep agreed with the writes) or dropped (a zero modulus).
func TestExpiryShardsAreTheConfigured(t *testing.T) {
	for _, tt := range []struct{ shards, want int }{{64, 64}, {16, 16}, {2, 2}, {1, 1}, {0, 1}} {
		t.Run(fmt.Sprintf("%d shards", tt.shards), func(t *testing.T) {
			st := store.New(nil, "t", session.DefaultPolicy, tt.shards, func() time.Time { return t0 })
			if got := st.Shards(); got != tt.want {
				t.Fatalf("Shards(): got %d; want %d", got, tt.want)
			}
			seen := map[string]bool{}
			for range 40 * tt.want {
				v := session.New(&session.Draft{Amount: amount(100), Currency: "EUR"}, "m-1", uuid.NewString(), "tok", t0, session.DefaultPolicy)
				item, err := st.Item(v)
				if err != nil {
					t.Fatal(err)
				}
				n, ok := item["expiryShard"].(*ddb.AttributeValueMemberN)
				if !ok {
					t.Fatalf("expiryShard of an open session: got %v; want a number", item["expiryShard"])
				}
				var shard int
				if _, err := fmt.Sscan(n.Value, &shard); err != nil || shard < 0 || shard >= tt.want {
					t.Fatalf("expiryShard: got %s; want 0 to %d", n.Value, tt.want-1)
				}
				seen[n.Value] = true
			}
			if len(seen) != tt.want {
				t.Errorf("%d sessions in %d expiry shards; want all %d used", 40*tt.want, len(seen), tt.want)
			}
		})
	}
}
