//go:build !linux

package dynamolocal

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
