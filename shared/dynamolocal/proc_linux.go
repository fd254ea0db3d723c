package dynamolocal

import "syscall"

// sysProcAttr kills the engine when the process that started it dies, so a
// killed test binary or server never leaves a JVM behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
