//go:build race

package functions_test

// raceBuild says the test binary was built with -race (make test): the
// static IAM test loads its packages' dependencies with -race too, so the
// export data it asks go list for is what the test's own build compiled
// (on empty caches, compiling them all again without -race took ~3 min).
const raceBuild = true
