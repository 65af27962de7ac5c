//go:build !unix

package tunneltest

import "os"

// Alive says whether process pid runs.
func Alive(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}

// Kill ends process pid.
func Kill(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
