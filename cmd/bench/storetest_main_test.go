package main

import (
	"os"
	"testing"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// TestMain starts DynamoDB Local for this package's tests that need it
// when DYNAMODB_ENDPOINT is unset and they run (without -short, or with CI
// set), as README's "go test ./... starts DynamoDB Local per package" has
// it. Before, CI=true make test-short (and go test without -short) failed
// them with "DYNAMODB_ENDPOINT is not set: call storetest.Main from
// TestMain" (r92-fresh); make test sets the endpoint, which hid it.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
