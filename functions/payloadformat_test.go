package functions_test

import (
	"testing"

	"github.com/paysessions/paysessions/shared/app/apptest"
)

// TestRoutesUsePayloadFormat2: docs/design.md §1, "behind an API Gateway
// HTTP API (payload format 2.0)": the Lambda adapter reads version 2.0
// events only. An HttpApi event's PayloadFormatVersion is SAM's to set
// (its default is 2.0); the local servers (make run, make start-api) always
// send 2.0 whatever the template says, so a "1.0" on a route would pass
// every local test and break that route on AWS alone. Every route must
// leave it unset or say "2.0".
func TestRoutesUsePayloadFormat2(t *testing.T) {
	tpl := readTemplate(t)
	routes := 0
	for id, r := range resourcesOfType(tpl, "AWS::Serverless::Function") {
		events, _ := apptest.Field("Properties", "Events")(r).(map[string]any)
		for name, ev := range events {
			if apptest.Field("Type")(ev) != "HttpApi" {
				continue
			}
			routes++
			if v := apptest.Field("Properties", "PayloadFormatVersion")(ev); v != nil && v != "2.0" {
				t.Errorf("%s.%s: PayloadFormatVersion = %v; want 2.0 (or unset: SAM's default)", id, name, v)
			}
		}
	}
	if routes == 0 {
		t.Errorf("HttpApi events found = 0; want the template's routes")
	}
}
