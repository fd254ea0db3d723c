//go:build !linux

package listening

// Readable reports whether this system's /proc can be read for sockets:
// not here.
func Readable() bool { return false }

// Alive cannot tell here, and says yes.
func Alive(pid int) bool { return true }

// Read finds nothing here.
func Read(pids ...int) Sockets { return Sockets{} }

// Tree returns pid alone here.
func Tree(pid int) []int { return []int{pid} }

// Children finds none here.
func Children(pid int) []int { return nil }
