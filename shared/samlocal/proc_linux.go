package samlocal

import (
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/paysessions/paysessions/shared/listening"
	"golang.org/x/sys/unix"
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

// terminate asks the emulator to stop. os.Process signals through a pidfd
// on Linux: the very process it started, or nothing once it has been
// reaped (ErrProcessDone), never a process given its id since.
func terminate(emu *os.Process) { _ = emu.Signal(syscall.SIGTERM) }

// killEmulatorGroup kills the process group the emulator leads
// (sysProcAttr), only while the emulator is provably not yet reaped: until
// then its id, and so its group's, is no other program's. The moment left
// open is killGroup's.
func killEmulatorGroup(emu *os.Process) {
	if emu.Signal(syscall.Signal(0)) != nil {
		return
	}
	if pgid, err := syscall.Getpgid(emu.Pid); err == nil && pgid == emu.Pid {
		_ = syscall.Kill(-emu.Pid, syscall.SIGKILL)
	}
}

// process is a process held by a pidfd, which always names that very
// process: signalled through it, the process gets the signal, or, once it
// has been reaped, nothing does (ESRCH), whichever program has its id by
// then.
type process struct{ pid, fd int }

// signal sends sig through the pidfd (pidfd_send_signal, Linux 5.3 and
// later).
func (p process) signal(sig syscall.Signal) error { return unix.PidfdSendSignal(p.fd, sig, nil, 0) }

func (p process) release() { _ = unix.Close(p.fd) }

// runtimesOf holds the processes whose parent is the emulator (its
// runtime, which it starts in a process group of its own), each by a
// pidfd taken while the emulator is provably alive and not yet reaped. A
// child is the emulator's to reap: until the emulator has reaped it, or
// has exited, its id stays its own, even as a zombie. So each child's pidfd
// is opened first, then its parent read from /proc, then the pidfd and
// the emulator checked: both still there, the parent read was of that
// very process and the emulator was its parent. An emulator already
// reaped has none: its id, and the children listed under it, may be
// another program's. Without pidfds (Linux before 5.3) none is held, and
// stop leaves the runtime to the emulator, which stops it on SIGTERM.
func runtimesOf(emu *os.Process) []process {
	var held []process
	for _, c := range childProcesses(emu.Pid) {
		fd, err := unix.PidfdOpen(c, 0)
		if err != nil {
			continue
		}
		p := process{pid: c, fd: fd}
		if parentOf(c) == emu.Pid && p.signal(0) == nil && emu.Signal(syscall.Signal(0)) == nil {
			held = append(held, p)
		} else {
			p.release()
		}
	}
	return held
}

// killGroup kills the process group runtime p leads, and p, while p is
// provably the process runtimesOf held: not yet reaped (a zombie too), so
// that its id, and the group's, is no other program's. A runtime that is
// gone is sent nothing: its group, emptied, may be led by then by another
// program given its id, e.g. by setsid (make start-api's Ctrl-C killed such
// a program). What remains open is the moment between the check and the
// group's kill: the runtime would have to exit, be reaped, leave its group
// empty, and its id go to a new process that makes it a group, all in that
// moment, while the kernel hands out ids in turn and gives an id back only
// after the rest of pid_max (32768 or more) has been handed out. Linux
// has no pidfd for a process group that would close it.
func killGroup(p process) {
	if p.signal(0) != nil {
		return
	}
	if pgid, err := syscall.Getpgid(p.pid); err == nil && pgid == p.pid {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	}
	_ = p.signal(syscall.SIGKILL)
}

// childProcesses lists the processes whose parent is pid.
func childProcesses(pid int) []int { return listening.Children(pid) }

// parentOf reads process pid's parent from /proc (0 if it cannot).
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	s := string(b)
	j := strings.LastIndexByte(s, ')')
	if j < 0 {
		return 0
	}
	f := strings.Fields(s[j+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

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
