//go:build !unix

package main

import "os"

func killPid(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

func pidAlive(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}
