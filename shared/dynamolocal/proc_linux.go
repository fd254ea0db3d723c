package dynamolocal

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr kills the engine when the process that started it dies, so a
// killed test binary or server never leaves a JVM behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// listensOn reports whether process pid holds a listening TCP socket on
// port, any address (the JVM binds every interface, IPv4 or IPv6): one of
// its own sockets (/proc/<pid>/fd) among the listening sockets of its
// network namespace, which is this process's (/proc/self/net/tcp, tcp6). A
// process that has gone, or has exited and is not yet reaped, listens on
// none. Without a /proc to read, or with tables that list no
// listening socket at all (an emulated kernel that leaves them empty), it
// cannot tell, and says yes.
func listensOn(pid, port int) bool {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		return true
	}
	dir := "/proc/" + strconv.Itoa(pid)
	if _, err := os.Stat(dir + "/fd"); err != nil {
		return false
	}
	// The JVM's sockets, or those of the JVM a java wrapper script runs
	// without exec (a child, or further down).
	sockets := map[string]bool{} // inode
	for _, p := range family(pid) {
		d := "/proc/" + strconv.Itoa(p) + "/fd/"
		fds, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(d + fd.Name())
			if err != nil {
				continue
			}
			if inode, ok := strings.CutPrefix(link, "socket:["); ok {
				sockets[strings.TrimSuffix(inode, "]")] = true
			}
		}
	}
	if len(sockets) == 0 {
		return false // not bound yet, or exited (a zombie has no files)
	}
	// The tables of this process's network namespace, which the engine
	// shares (a zombie's own cannot be read).
	anyListening := false
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		// "sl local_address rem_address st ... inode": an address is
		// hex, a colon, the port in hex; st 0A is LISTEN.
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" {
				continue
			}
			anyListening = true
			if !sockets[f[9]] {
				continue
			}
			_, portHex, ok := strings.Cut(f[1], ":")
			if !ok {
				continue
			}
			if p, err := strconv.ParseUint(portHex, 16, 16); err == nil && int(p) == port {
				return true
			}
		}
	}
	return !anyListening
}

// family returns pid and its descendants.
func family(pid int) []int {
	parent := map[int]int{}
	if entries, err := os.ReadDir("/proc"); err == nil {
		for _, e := range entries {
			p, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
			if err != nil {
				continue
			}
			// pid (comm) state ppid ...: comm may hold spaces and
			// parentheses.
			st := string(stat)
			f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
			if len(f) > 1 {
				if pp, err := strconv.Atoi(f[1]); err == nil {
					parent[p] = pp
				}
			}
		}
	}
	out := []int{pid}
	for p := range parent {
		for a, hops := parent[p], 0; a > 1 && hops < 64; a, hops = parent[a], hops+1 {
			if a == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
