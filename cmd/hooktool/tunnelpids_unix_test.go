//go:build unix

package main

import "syscall"

func killPid(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

func pidAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }
