package store

// Classify is classify, for the tests of package store_test.
var Classify = classify
