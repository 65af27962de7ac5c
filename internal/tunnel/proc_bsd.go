//go:build unix && !linux

package tunnel

import "syscall"

// procAttr puts the client in a process group of its own, so Stop kills
// what it started too. (There is no Pdeathsig here: a hooktool killed
// with SIGKILL leaves the client running.)
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
