package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/paysessions/paysessions/shared/apitarget"
	"github.com/paysessions/paysessions/shared/doctext"
)

// TestAPIPortAsEndpointWordsAreTheReadmes: README's Troubleshooting tells
// a user who pointed DYNAMODB_ENDPOINT at the port make run or make
// start-api serves the API on (rather than at an engine) what make run then
// prints. Both APIs answer the SDK's CreateTable, a POST to /, as API
// Gateway answers a path no route matches: 404 with a JSON body, which the
// SDK reads as an error of an unknown code. The README said `deserialization
// failed` (r94-fresh: PORT=3961 DYNAMODB_ENDPOINT=<make run's API> make run
// printed `api error UnknownError: Not Found`).
func TestAPIPortAsEndpointWordsAreTheReadmes(t *testing.T) {
	const words = "api error UnknownError: Not Found"
	text := doctext.Section(t, "Troubleshooting")
	apitarget.Run(t, func(t *testing.T, k apitarget.Kind) {
		api := apitarget.Start(t, k, apitarget.Options{}).URL
		vars := map[string]string{"DYNAMODB_ENDPOINT": api}
		err := run(context.Background(), func(k string) string { return vars[k] }, listener(t), io.Discard, io.Discard, nil)
		if err == nil {
			t.Fatalf("run() with DYNAMODB_ENDPOINT=%s (the %s API) = nil; want the create-table error", api, k)
		}
		if got := err.Error(); !strings.Contains(got, words) {
			t.Errorf("make run with DYNAMODB_ENDPOINT at the %s API prints %q; want it to hold %q", k, got, words)
		}
	})
	// The entry that names the API's port as no engine.
	_, entry, ok := strings.Cut(text, "serves the API\n  on is no engine")
	if !ok {
		_, entry, ok = strings.Cut(text, "serves the API on is no engine")
	}
	if !ok {
		t.Fatalf("README's Troubleshooting has no entry on the API's port as DYNAMODB_ENDPOINT")
	}
	entry, _, _ = strings.Cut(entry, "- **") // up to the next entry
	if want := "`" + strings.ReplaceAll(words, " ", "") + "`"; !strings.Contains(strings.Join(strings.Fields(entry), ""), want) {
		t.Errorf("README's entry on the API's port as DYNAMODB_ENDPOINT names %q: holds `%s` false; want true", strings.Join(strings.Fields(entry), " "), words)
	}
}
