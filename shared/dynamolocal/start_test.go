package dynamolocal_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/paysessions/paysessions/shared/dynamolocal"
)

// TestStartWithoutJava: Java is the one thing the machine must provide.
// Without it Start says so, before downloading anything. (A real install
// and start with only Java on PATH: cmd/dynamodb-local's
// TestFreshMachineWithoutNPM.)
func TestStartWithoutJava(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	_, err := dynamolocal.Start(context.Background(), dynamolocal.Options{Dir: dir})
	if !errors.Is(err, dynamolocal.ErrNoJava) {
		t.Fatalf("Start() without java = %v; want ErrNoJava", err)
	}
	if names, _ := os.ReadDir(dir); len(names) != 0 {
		t.Errorf("install folder = %v; want it untouched", names)
	}
}
