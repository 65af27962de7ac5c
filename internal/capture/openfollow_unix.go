//go:build unix

package capture

import (
	"os"
	"syscall"
)

// openNoWait opens path for reading without waiting: a FIFO opens at once
// (it would otherwise wait for a writer, past any Ctrl-C), for
// OpenRegular to refuse.
func openNoWait(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
