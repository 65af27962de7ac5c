package capture

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// Writer appends records to a JSON Lines file. Append returns only once its
// record has reached the operating system (and the disk, with fsync), so a
// delivery can be answered 2xx knowing it is kept.
//
// Appends are grouped (group commit): the first appender to find the file
// idle writes its own record at once, with no hand-off to another
// goroutine; appends that arrive while it writes queue up, and the first of
// them writes them all next, in one write (and one fsync).
type Writer struct {
	f     *os.File
	fsync bool

	mu      sync.Mutex
	idle    *sync.Cond // signalled when a writing run ends
	queue   []*pending // records waiting for the next write, oldest first
	writing bool
	closed  bool
	buf     []byte

	// Repaired is how many bytes of a torn last line Create cut off.
	Repaired int64

	// pendings recycles appends (the encoding buffer and the channel): an
	// append is done with once Append returns, its channel drained.
	pendings sync.Pool
}

type pending struct {
	line []byte
	err  chan error
}

// Create opens path for appending (creating it 0600) and takes an
// exclusive lock on it: a second writer (another listen --save of the same
// file) gets a *LockedError, before anything is read or repaired. A file
// that ends in a torn line (a crash mid-write) is cut back to its last
// whole record first, so the next record starts on a line of its own;
// Repaired says how many bytes were dropped.
func Create(path string, fsync bool) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		if errors.Is(err, errLocked) {
			err = &LockedError{Path: path, PID: lockHolder(f)}
		}
		f.Close()
		return nil, err
	}
	repaired, err := dropTornTail(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("repairing the torn end of %s: %w", path, err)
	}
	w := &Writer{f: f, fsync: fsync, Repaired: repaired}
	w.idle = sync.NewCond(&w.mu)
	w.pendings.New = func() any { return &pending{line: make([]byte, 0, 4096), err: make(chan error, 1)} }
	return w, nil
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("capture file closed")

// errLocked is what lockFile returns when another writer holds the lock.
var errLocked = errors.New("locked")

// LockedError: another writer holds the capture file.
type LockedError struct {
	Path string
	PID  int // the process holding it, when the system says (Linux); else 0
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is being written by another process (pid %d)", e.Path, e.PID)
	}
	return fmt.Sprintf("%s is being written by another process", e.Path)
}

// dropTornTail truncates a regular file that does not end with a newline
// back to just after its last one.
func dropTornTail(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return 0, nil // a device such as /dev/full, or a new file
	}
	size := st.Size()
	var one [1]byte
	if _, err := f.ReadAt(one[:], size-1); err != nil {
		return 0, err
	}
	if one[0] == '\n' {
		return 0, nil
	}
	// Find the last newline, reading backwards in blocks.
	buf := make([]byte, 64<<10)
	end := size
	for end > 0 {
		start := max(end-int64(len(buf)), 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && n < int(end-start) {
			return 0, err
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] == '\n' {
				keep := start + int64(i) + 1
				return size - keep, f.Truncate(keep)
			}
		}
		end = start
	}
	return size, f.Truncate(0)
}

// errLead tells a queued appender that it now writes: its own record and
// those queued with it.
var errLead = errors.New("lead the next write")

// Append writes rec as one line and returns once it is written.
func (w *Writer) Append(rec *Record) error {
	me := w.pendings.Get().(*pending)
	defer func() {
		if cap(me.line) <= 1<<20 { // a huge body's buffer is not kept
			w.pendings.Put(me)
		}
	}()
	line, err := rec.AppendJSON(me.line[:0])
	if err != nil {
		return err
	}
	me.line = append(line, '\n')
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.queue = append(w.queue, me)
	if w.writing {
		// Someone is writing: this record goes in the next write, led by
		// the first of those queued, whom that writer wakes.
		w.mu.Unlock()
		if err := <-me.err; err != errLead {
			return err
		}
	} else {
		w.writing = true
		w.mu.Unlock()
	}
	// This appender leads the next write. It lets the goroutines that are
	// ready to run go first, so that the records they are about to append
	// join this write: with one CPU (GOMAXPROCS=1) nothing else runs while
	// the write is under way, and without the yield every record would be
	// a write of its own.
	runtime.Gosched()
	w.mu.Lock()
	batch := w.queue
	w.queue = nil
	w.mu.Unlock()
	err = w.writeBatch(batch)
	for _, p := range batch {
		if p != me {
			p.err <- err
		}
	}
	// Each appender writes once at most, then hands over, so none waits
	// on a stream of others' records.
	w.mu.Lock()
	if len(w.queue) > 0 {
		w.queue[0].err <- errLead
	} else {
		w.writing = false
		w.idle.Broadcast()
	}
	w.mu.Unlock()
	return err
}

func (w *Writer) writeBatch(batch []*pending) error {
	if len(batch) == 1 {
		return w.write(batch[0].line)
	}
	w.buf = w.buf[:0]
	for _, p := range batch {
		w.buf = append(w.buf, p.line...)
	}
	return w.write(w.buf)
}

// write writes buf whole or reports why not. A short write (a full disk)
// is undone, so the file never holds part of a record that was refused.
func (w *Writer) write(buf []byte) error {
	n, err := w.f.Write(buf)
	if err != nil {
		if n > 0 {
			if st, serr := w.f.Stat(); serr == nil {
				_ = w.f.Truncate(st.Size() - int64(n))
			}
		}
		return fmt.Errorf("writing the capture file: %w", err)
	}
	if w.fsync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("syncing the capture file: %w", err)
		}
	}
	return nil
}

// Close waits for appends under way and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	for w.writing {
		w.idle.Wait()
	}
	w.mu.Unlock()
	if w.fsync {
		_ = w.f.Sync()
	}
	return w.f.Close()
}

// Name is the file's path.
func (w *Writer) Name() string { return w.f.Name() }
