//go:build unix

package capture

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// lockFile takes an exclusive advisory lock (flock) on f, without waiting.
// It returns errLocked when another open file holds it. A file system
// without locks is written unlocked, as before.
func lockFile(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		for {
			lerr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
			if lerr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	switch {
	case lerr == nil:
		return nil
	case errors.Is(lerr, unix.EWOULDBLOCK):
		return errLocked
	case errors.Is(lerr, unix.ENOLCK), errors.Is(lerr, unix.EOPNOTSUPP), errors.Is(lerr, unix.EINVAL):
		return nil
	}
	return fmt.Errorf("locking: %w", lerr)
}

// lockHolder is the process holding the flock on f, where the system says
// (Linux's /proc/locks), else 0. /proc/locks is read in pieces, and
// while other processes take and drop locks (a busy machine: go's build
// cache alone locks many files) an entry can slip between two pieces;
// it is read again, up to three times, before saying nobody.
func lockHolder(f *os.File) int {
	for range 3 {
		if pid := lockHolderOnce(f); pid != 0 {
			return pid
		}
	}
	return 0
}

func lockHolderOnce(f *os.File) int {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer locks.Close()
	dev := uint64(sys.Dev) //nolint:unconvert // its type differs between systems
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(dev), unix.Minor(dev), sys.Ino)
	ino := ":" + strconv.FormatUint(uint64(sys.Ino), 10) //nolint:unconvert
	pid := 0
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// 1: FLOCK  ADVISORY  WRITE 1234 00:2f:567 0 EOF
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" {
			continue // a waiter ("->") or another kind of lock
		}
		n, err := strconv.Atoi(f[4])
		switch {
		case err != nil:
		case f[5] == want:
			return n
		case strings.HasSuffix(f[5], ino) && pid == 0:
			pid = n // the device may be numbered otherwise (overlay file systems)
		}
	}
	return pid
}
