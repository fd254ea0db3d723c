package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/paysessions/paysessions/shared/store"
)

// TestCABundleIsNotReadForAPlainHTTPEngine holds NewClient to README's
// configuration table: AWS_CA_BUNDLE is "a PEM file of certificates trusted
// for DynamoDB's TLS beside the system's (behind a proxy that inspects
// TLS); not used for a plain-http engine". A plain-http engine is one whose
// DYNAMODB_ENDPOINT's scheme is http in any case (RFC 3986 §3.1: "schemes
// are case-insensitive"), as config.Load reads it: `HTTP://127.0.0.1:8000`
// starts make run, and with a bundle that cannot be read (one set for
// another tool, gone since) it stopped start-up over a file it never uses.
// The bundle is named but missing, so a client that reads it fails: the
// https rows show that it is read where it is used.
func TestCABundleIsNotReadForAPlainHTTPEngine(t *testing.T) {
	tests := []struct {
		endpoint string
		read     bool // NewClient reads the bundle (so fails on a missing file)
	}{
		{"http://127.0.0.1:8000", false},
		{"HTTP://127.0.0.1:8000", false},
		{"Http://localhost:8000", false},
		{"https://127.0.0.1:8000", true},
		{"HTTPS://127.0.0.1:8000", true},
		{"", true}, // AWS: DynamoDB's own https endpoint
	}
	t.Setenv("AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "missing.pem"))
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	for _, tt := range tests {
		_, err := store.NewClient(context.Background(), store.ClientOptions{Endpoint: tt.endpoint})
		if got := err != nil; got != tt.read {
			t.Errorf("NewClient(Endpoint %q) with AWS_CA_BUNDLE missing: failed = %v (%v); want %v", tt.endpoint, got, err, tt.read)
		}
	}
}
