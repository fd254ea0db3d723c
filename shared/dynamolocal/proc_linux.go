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
// network namespace (/proc/<pid>/net/tcp, tcp6). A process that has gone
// listens on none. Without a /proc to read it cannot tell, and says yes.
func listensOn(pid, port int) bool {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		return true
	}
	dir := "/proc/" + strconv.Itoa(pid)
	fds, err := os.ReadDir(dir + "/fd")
	if err != nil {
		return false
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
	for _, table := range []string{"/net/tcp", "/net/tcp6"} {
		b, err := os.ReadFile(dir + table)
		if err != nil {
			continue
		}
		// "sl local_address rem_address st ... inode": an address is
		// hex, a colon, the port in hex; st 0A is LISTEN.
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" || !sockets[f[9]] {
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
	return false
}
