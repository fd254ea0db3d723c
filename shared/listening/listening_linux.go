package listening

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Readable reports whether this system's /proc can be read for sockets.
func Readable() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
}

// Alive reports whether process pid exists and has its files: a process
// that has gone, or exited and is not yet reaped, has none.
//
// An exited process keeps its /proc entry, /proc/<pid>/fd included (empty),
// until it is reaped: its state in /proc/<pid>/stat, the letter after the
// command's closing parenthesis, says Z (zombie) or X (dead).
func Alive(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid)
	if _, err := os.Stat(dir + "/fd"); err != nil {
		return false
	}
	b, err := os.ReadFile(dir + "/stat")
	i := bytes.LastIndexByte(b, ')')
	if err != nil || i < 0 || i+2 >= len(b) {
		return false
	}
	return b[i+2] != 'Z' && b[i+2] != 'X'
}

// Read returns the sockets the processes pids hold (/proc/<pid>/fd) and,
// of those, the ones listed as listening in the tables of this process's
// network namespace (/proc/self/net/tcp and tcp6), which the processes a
// harness starts share.
func Read(pids ...int) Sockets {
	var s Sockets
	held := map[string]bool{} // socket inode
	for _, p := range pids {
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
				held[strings.TrimSuffix(inode, "]")] = true
			}
		}
	}
	s.Held = len(held)
	if s.Held == 0 {
		return s
	}
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		// "sl local_address rem_address st ... inode": an address is the
		// kernel's 32-bit words in hex (each in the host's byte order), a
		// colon, the port in hex; st 0A is LISTEN.
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" {
				continue
			}
			s.Any = true
			if !held[f[9]] {
				continue
			}
			addrHex, portHex, ok := strings.Cut(f[1], ":")
			if !ok {
				continue
			}
			port, err := strconv.ParseUint(portHex, 16, 16)
			if err != nil {
				continue
			}
			if addr, ok := parseAddr(addrHex); ok {
				s.Own = append(s.Own, Socket{Addr: addr, Port: int(port)})
			}
		}
	}
	return s
}

// parseAddr reads a /proc/net/tcp or tcp6 address: 8 or 32 hex digits,
// 32-bit words each in the host's byte order.
func parseAddr(h string) (netip.Addr, bool) {
	if len(h) != 8 && len(h) != 32 {
		return netip.Addr{}, false
	}
	var b [16]byte
	for i := 0; i < len(h)/8; i++ {
		w, err := strconv.ParseUint(h[i*8:i*8+8], 16, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		binary.NativeEndian.PutUint32(b[i*4:], uint32(w))
	}
	if len(h) == 8 {
		return netip.AddrFrom4([4]byte(b[:4])), true
	}
	return netip.AddrFrom16(b), true
}

// Tree returns pid and its descendants (a wrapper script's child, or
// further down).
func Tree(pid int) []int {
	parent := parents()
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

// Children returns the processes whose parent is pid.
func Children(pid int) []int {
	var out []int
	for p, pp := range parents() {
		if pp == pid {
			out = append(out, p)
		}
	}
	return out
}

// parents maps each process in /proc to its parent.
func parents() map[int]int {
	parent := map[int]int{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return parent
	}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		st := string(stat)
		f := strings.Fields(st[strings.LastIndexByte(st, ')')+1:])
		if len(f) > 1 {
			if pp, err := strconv.Atoi(f[1]); err == nil {
				parent[p] = pp
			}
		}
	}
	return parent
}
