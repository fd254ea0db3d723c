package samlocal

import (
	"net/netip"
	"os"
	"syscall"

	"github.com/paysessions/paysessions/shared/listening"
)

// supported reports whether this system can run the emulator: it runs only
// on Linux.
const supported = true

// sysProcAttr puts an emulator in its own process group (so a Ctrl-C meant
// for make start-api reaches it only through start-api, which stops it in
// order) and has the kernel send it SIGTERM if start-api dies, on which it
// stops its function and exits: no process outlives start-api.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// groupProcAttr puts a go command in its own process group, which
// interruptGroup interrupts whole.
func groupProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func interruptGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGINT) }

func terminate(pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }

// killGroup kills the process group pid leads, if it still exists.
func killGroup(pid int) {
	if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// childProcesses lists the processes whose parent is pid (the emulator's
// runtime, which the emulator starts in a process group of its own).
func childProcesses(pid int) []int { return listening.Children(pid) }

// notListening returns those of ports on which process pid does not listen
// on 127.0.0.1. A process that has gone listens on none.
func notListening(pid int, ports []int) ([]int, error) {
	loopback := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	own := map[int]bool{}
	for _, s := range listening.Read(pid).Own {
		if s.Addr == loopback {
			own[s.Port] = true
		}
	}
	var missing []int
	for _, p := range ports {
		if !own[p] {
			missing = append(missing, p)
		}
	}
	return missing, nil
}
