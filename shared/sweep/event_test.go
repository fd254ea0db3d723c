package sweep_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/paysessions/paysessions/shared/session"
	"github.com/paysessions/paysessions/shared/sweep"
)

// TestHandleTakesNothingFromTheEvent: the handler "does not need" its
// payload (Handle), so nothing in it may steer a run: what is due is judged
// by the sweeper's own clock. EventBridge Scheduler sends the template's
// fixed Input, but an EventBridge rule (a schedule moved to one, or an
// operator's test invoke) sends its own envelope with a "time" that can be
// minutes or years off (a retry, a replay from an archive, a made-up one),
// and Lambda hands over any JSON value. Each is decoded as the bootstrap
// decodes it (aws-lambda-go's handler) and expires what is due, exactly:
// the sessions due in minutes stay open, whatever the event's time says.
func TestHandleTakesNothingFromTheEvent(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "..", "events", "expiry-sweeper.json"))
	if err != nil {
		t.Fatal(err)
	}
	scheduled := func(detailType, at string) string {
		b, _ := json.Marshal(map[string]any{
			"version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": detailType,
			"source": "aws.events", "account": "123456789012", "time": at, "region": "eu-west-1",
			"resources": []string{"arn:aws:events:eu-west-1:123456789012:rule/every-minute"}, "detail": map[string]any{},
		})
		return string(b)
	}
	for _, tt := range []struct{ name, payload string }{
		{"the template's input", string(sample)},
		{"null", "null"},
		{"an empty object", "{}"},
		{"an array", "[]"},
		{"a string", `"expire-sessions"`},
		{"a number", "42"},
		{"a rule's scheduled event", scheduled("Scheduled Event", t0.Format(time.RFC3339))},
		{"a time years back", scheduled("Scheduled Event", "1970-01-01T00:00:00Z")},
		// By it, the sessions due in 5 minutes would be written EXPIRED now.
		{"a time minutes ahead", scheduled("Scheduled Event", t0.Add(10*time.Minute).Format(time.RFC3339))},
		{"a time an hour ahead", scheduled("Scheduled Event", t0.Add(time.Hour).Format(time.RFC3339))},
		{"a time years ahead", scheduled("Scheduled Event", "2999-12-31T23:59:59Z")},
		{"a time that is not one", scheduled("Scheduled Event", "now")},
		{"another detail-type", scheduled("AWS API Call via CloudTrail", t0.Add(time.Hour).Format(time.RFC3339))},
		{"a large payload", `{"time":"` + t0.Add(time.Hour).Format(time.RFC3339) + `","pad":"` + strings.Repeat("x", 256<<10) + `"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			due := sessions(4, t0.Add(-31*time.Minute))    // expired a minute ago
			notDue := sessions(4, t0.Add(-25*time.Minute)) // expires in 5 minutes
			f.importAll(t, append(append([]*session.Session{}, due...), notDue...))
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
			defer cancel()
			out, err := lambda.NewHandler(f.sw.Handle).Invoke(ctx, []byte(tt.payload))
			if err != nil {
				t.Fatalf("Invoke(%.40s) = %v; want a run", tt.payload, err)
			}
			var r sweep.Result
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatal(err)
			}
			if r.Found != len(due) || r.Expired != len(due) || !r.Complete {
				t.Errorf("Invoke(%.40s) = %+v; want %d found and expired, complete", tt.payload, r, len(due))
			}
			for _, v := range notDue {
				if got, _ := f.status(t, v.ID); got != session.Created {
					t.Errorf("%s expiring in 5 minutes: got %v; want %v", v.ID, got, session.Created)
				}
			}
		})
	}
}
