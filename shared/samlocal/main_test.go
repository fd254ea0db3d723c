package samlocal

import (
	"os"
	"testing"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

// Start creates the stack's table, so the tests need DynamoDB Local. The
// test binary is also the stack TestNothingOutlivesAKilledStack kills.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runChildStack()
	}
	if os.Getenv(copyChildEnv) != "" {
		runEmulatorCopyChild()
	}
	if os.Getenv(fakeRIEEnv) != "" {
		runFakeRIE()
	}
	if os.Getenv(fakeGoEnv) != "" {
		runFakeGo()
	}
	code := storetest.Main(m)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}
