package samlocal

import (
	"os"
	"os/exec"
	"strconv"
)

// fakeGoEnv makes the test binary a go command (under the name go on PATH)
// that starts a compiler, writes its pid to the file the variable names,
// and waits for it. Like the real go command it has no SIGINT handler: an
// interrupt or a kill ends it at once, and its compiler only if the signal
// reaches it too.
const fakeGoEnv = "SAMLOCAL_FAKE_GO"

func runFakeGo() {
	compiler := exec.Command("sleep", "300")
	if err := compiler.Start(); err != nil {
		os.Exit(3)
	}
	if err := os.WriteFile(os.Getenv(fakeGoEnv), []byte(strconv.Itoa(compiler.Process.Pid)), 0o600); err != nil {
		os.Exit(3)
	}
	_ = compiler.Wait()
	os.Exit(1)
}
