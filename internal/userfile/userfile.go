// Package userfile reads the files a user names (configs, catalogs,
// scenarios, secret files, payloads) with a limit on their size, so that a
// path to /dev/zero or to a file far too big is refused instead of read
// until memory runs out.
package userfile

import (
	"fmt"
	"io"
	"os"
)

// The limits, one per kind of file.
const (
	// MaxSecret is the largest secret file: a few keys, one a line.
	MaxSecret = 64 << 10
	// MaxConfig is the largest config file, catalog file or scenario file.
	MaxConfig = 8 << 20
	// MaxPayload is the largest body read from a file or stdin (--payload,
	// --data, --request).
	MaxPayload = 64 << 20
)

// TooLargeError says that a file passed its limit.
type TooLargeError struct {
	Name  string // the path, or "stdin"
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, the limit for it", e.Name, Size(e.Limit))
}

// Read reads the file at path, refusing one larger than limit bytes with a
// *TooLargeError. Errors from opening the file are returned as they are,
// so errors.Is(err, fs.ErrNotExist) still works.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, path, limit)
}

// ReadAll reads r to its end, refusing more than limit bytes with a
// *TooLargeError that names the input as name.
func ReadAll(r io.Reader, name string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Name: name, Limit: limit}
	}
	return data, nil
}

// Size prints a limit in KiB or MiB as the README writes them.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
