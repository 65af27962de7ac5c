// Package userfile reads the files a user names (configs, catalogs,
// scenarios, secret files, payloads) with a limit on their size, so that a
// path to /dev/zero or to a file far too big is refused instead of read
// until memory runs out.
package userfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// WritePrivate writes data (a private key) to a new file at path, readable
// and writable by its owner only (0600). An existing file, or a symlink, is
// left alone and refused with an error wrapping fs.ErrExist, unless
// replace: then the data goes to a new 0600 file in the same directory that
// is renamed over it, so the path never holds a partial key or a file
// others can read.
func WritePrivate(path string, data []byte, replace bool) error {
	if !replace {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			os.Remove(path)
			return err
		}
		if err := f.Close(); err != nil {
			os.Remove(path)
			return err
		}
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*") // 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
