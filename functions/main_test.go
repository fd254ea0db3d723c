// Package functions_test holds the tests of the deployable units as a
// whole: template.yaml against the code, and each function's real
// bootstrap binary against a Lambda Runtime API served by the test.
package functions_test

import (
	"os"
	"testing"

	"github.com/paysessions/paysessions/shared/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
