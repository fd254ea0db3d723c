//go:build !linux

package samlocal

import (
	"errors"
	"os"
	"syscall"
)

// supported reports whether this system can run the emulator: it runs only
// on Linux.
const supported = false

func sysProcAttr() *syscall.SysProcAttr   { return nil }
func groupProcAttr() *syscall.SysProcAttr { return nil }
func interruptGroup(p *os.Process) error  { return p.Signal(os.Interrupt) }
func terminate(*os.Process)               {}
func killEmulatorGroup(*os.Process)       {}

type process struct{}

func (process) release()               {}
func runtimesOf(*os.Process) []process { return nil }
func killGroup(process)                {}
func childProcesses(int) []int         { return nil }

func notListening(int, []int) ([]int, error) {
	return nil, errors.New("aws-lambda-rie runs only on Linux")
}
