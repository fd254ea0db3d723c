package samlocal

import (
	"encoding/binary"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
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

func terminate(pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }

// killGroup kills the process group pid leads, if it still exists.
func killGroup(pid int) {
	if pgid, err := syscall.Getpgid(pid); err == nil && pgid == pid {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// childProcesses lists the processes whose parent is pid (the emulator's
// runtime, which the emulator starts in a process group of its own).
func childProcesses(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// notListening returns those of ports on which process pid does not listen
// on 127.0.0.1: its own sockets (/proc/<pid>/fd) among the listening
// sockets of its network namespace (/proc/<pid>/net/tcp). A process that
// has gone listens on none.
func notListening(pid int, ports []int) ([]int, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	fds, err := os.ReadDir(dir + "/fd")
	if err != nil {
		return ports, nil
	}
	sockets := map[string]bool{} // inode
	for _, fd := range fds {
		link, err := os.Readlink(dir + "/fd/" + fd.Name())
		if err != nil {
			continue
		}
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			sockets[strings.TrimSuffix(inode, "]")] = true
		}
	}
	if len(sockets) < len(ports) {
		// Not yet (or no longer) bound: spare reading the table.
		return ports, nil
	}
	table, err := os.ReadFile(dir + "/net/tcp")
	if err != nil {
		return ports, nil
	}
	// "sl local_address rem_address st ... inode": an address is the
	// kernel's 32-bit word in hex (the host's byte order), a colon, the
	// port in hex; st 0A is LISTEN.
	loopback := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	own := map[int]bool{}
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" || !sockets[f[9]] {
			continue
		}
		addrHex, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		word, err1 := strconv.ParseUint(addrHex, 16, 32)
		port, err2 := strconv.ParseUint(portHex, 16, 16)
		if err1 != nil || err2 != nil {
			continue
		}
		var ip [4]byte
		binary.NativeEndian.PutUint32(ip[:], uint32(word))
		if netip.AddrFrom4(ip) == loopback {
			own[int(port)] = true
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
