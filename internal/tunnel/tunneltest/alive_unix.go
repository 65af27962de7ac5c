//go:build unix

package tunneltest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Alive says whether process pid runs: it exists and, where /proc says,
// is not a zombie (an ended process its new parent has not reaped yet).
func Alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// pid (comm) STATE ...: comm may hold spaces and parentheses.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// Kill ends process pid with SIGKILL.
func Kill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
