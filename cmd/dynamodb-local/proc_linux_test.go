package main

import "syscall"

// dieWithParent ends the command if the test binary dies first, so a killed
// test never leaves an engine running.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
