//go:build unix

package config

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user and system), which
// other processes on a busy machine do not inflate as they do wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
