package dynamolocal

// SetPickPort replaces how Start picks a port for Options.Port 0, for the
// test's duration; it returns the function that restores it.
func SetPickPort(f func() (int, error)) (restore func()) {
	old := pickPort
	pickPort = f
	return func() { pickPort = old }
}
