package tunnel

import "syscall"

// procAttr puts the client in a process group of its own (so Stop kills
// what it started too), and has the kernel kill it if hooktool dies
// without stopping it (SIGKILL): no orphaned tunnel left exposing the
// port. Pdeathsig fires when the thread that started the client ends;
// the Go runtime ends no thread a goroutine has not locked.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
