// Package functions_test holds the tests of the deployable units as a
// whole: template.yaml against the code, and each function's real
// bootstrap binary against a Lambda Runtime API served by the test.
package functions_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// bootstraps are the functions' binaries, built once (buildBootstraps).
var bootstraps struct {
	once sync.Once
	dir  string
	took time.Duration
	err  error
}

func TestMain(m *testing.M) {
	code := storetest.Main(m)
	if bootstraps.dir != "" {
		os.RemoveAll(bootstraps.dir)
	}
	os.Exit(code)
}
