//go:build !linux

package dynamolocal

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

func signalEngine(p *os.Process, sig syscall.Signal) error { return p.Signal(sig) }
