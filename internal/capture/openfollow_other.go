//go:build !unix

package capture

import "os"

// openNoWait opens path for reading. This system's FIFOs are not files
// at a path: OpenRegular refuses what is not a regular file.
func openNoWait(path string) (*os.File, error) {
	return os.Open(path)
}
