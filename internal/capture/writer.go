package capture

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// Writer appends records to a JSON Lines file. Appends that arrive together
// are grouped into one write (and one fsync with Fsync), and Append returns
// only when its record has reached the operating system, so a delivery can be
// answered 2xx knowing it is kept.
type Writer struct {
	f     *os.File
	fsync bool
	queue chan *pending
	done  chan struct{}

	// lines recycles encoding buffers: a line is done with once Append
	// returns.
	lines sync.Pool

	closeOnce sync.Once
	mu        sync.Mutex // guards closed
	closed    bool
}

type pending struct {
	line []byte
	err  chan error
}

// maxGroup bounds the records in one write.
const maxGroup = 512

// Create opens path for appending (creating it 0600) and starts the writer.
func Create(path string, fsync bool) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	w := &Writer{f: f, fsync: fsync, queue: make(chan *pending, maxGroup), done: make(chan struct{})}
	w.lines.New = func() any { b := make([]byte, 0, 4096); return &b }
	go w.loop()
	return w, nil
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("capture file closed")

// Append writes rec as one line and returns once it is written.
func (w *Writer) Append(rec *Record) error {
	buf := w.lines.Get().(*[]byte)
	defer w.lines.Put(buf)
	line, err := rec.AppendJSON((*buf)[:0])
	if err != nil {
		return err
	}
	*buf = append(line, '\n')
	p := &pending{line: *buf, err: make(chan error, 1)}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.queue <- p
	w.mu.Unlock()
	return <-p.err
}

func (w *Writer) loop() {
	defer close(w.done)
	group := make([]*pending, 0, maxGroup)
	var buf []byte
	for p := range w.queue {
		group = append(group[:0], p)
		// Let the handlers that are ready run and queue their records, so
		// one write carries many of them.
		runtime.Gosched()
	drain:
		for len(group) < maxGroup {
			select {
			case q, ok := <-w.queue:
				if !ok {
					break drain
				}
				group = append(group, q)
			default:
				break drain
			}
		}
		buf = buf[:0]
		for _, q := range group {
			buf = append(buf, q.line...)
		}
		err := w.write(buf)
		for _, q := range group {
			q.err <- err
		}
	}
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

// Close waits for pending appends and closes the file.
func (w *Writer) Close() error {
	var err error
	w.closeOnce.Do(func() {
		w.mu.Lock()
		w.closed = true
		close(w.queue)
		w.mu.Unlock()
		<-w.done
		if w.fsync {
			_ = w.f.Sync()
		}
		err = w.f.Close()
	})
	return err
}

// Name is the file's path.
func (w *Writer) Name() string { return w.f.Name() }
