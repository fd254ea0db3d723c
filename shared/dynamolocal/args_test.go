package dynamolocal

import (
	"slices"
	"testing"
)

// TestEngineSendsNoTelemetry: DynamoDB Local "collects telemetry ... If
// telemetry remains on, DynamoDB local sends telemetry data in the
// background" (AWS, Telemetry in DynamoDB local); `-disableTelemetry`
// turns it off. The engine the make targets start unasked must not phone
// home.
func TestEngineSendsNoTelemetry(t *testing.T) {
	args := engineArgs(8123)
	for _, want := range []string{"-disableTelemetry", "-inMemory", "-sharedDb"} {
		if !slices.Contains(args, want) {
			t.Errorf("engineArgs(8123) = %q; want %s", args, want)
		}
	}
	if i := slices.Index(args, "-port"); i < 0 || i+1 >= len(args) || args[i+1] != "8123" {
		t.Errorf("engineArgs(8123) = %q; want -port 8123", args)
	}
}
