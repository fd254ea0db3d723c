//go:build !race

package functions_test

// raceBuild: see race_test.go.
const raceBuild = false
