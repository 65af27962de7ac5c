package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
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
	path  string
	file  os.FileInfo // f's identity, to notice the path now names another file (or none)
	fsync bool

	mu      sync.Mutex
	idle    *sync.Cond // signalled when a writing run ends
	queue   []*pending // records waiting for the next write, oldest first
	writing bool
	closed  bool
	buf     []byte

	// Repaired is how many bytes of a torn last record Create cut off.
	Repaired int64
	// NewlineAdded says Create ended a whole last record that lacked its
	// newline.
	NewlineAdded bool

	// OnRecreate, when set (before the first Append), is called each time
	// the file was found deleted or replaced and was opened anew; err says
	// why that failed, when it did (the records are then refused).
	OnRecreate func(err error)
	// OnAppend, when set (before the first Append), is called with each
	// record once it is written, in file order, with its place in the file
	// it was written to (Place.Line is not counted: 0): a reader in this
	// process (the inspector beside listen) learns of it without reading
	// the file again. It runs in the writer's turn, so it must be quick
	// and must not Append; rec is the caller's and stays unchanged.
	OnAppend  func(rec *Record, at Place)
	size      int64 // the current file's size: where the next write lands
	recreated int   // times the file was opened anew
	inFile    int64 // records written to the current file
	lost      int64 // records acknowledged that are in no file (see Lost)

	// Whether the path still names the file is checked at most every
	// checkEvery (after a write, or by a timer once writes stop), not at
	// every write: a stat costs about as much as the write itself. What
	// was written since the last check is kept until the next one, to be
	// written again to a file opened anew: records written to a deleted
	// file are not lost with it.
	checkedAt  time.Time
	unchecked  []byte // written since the last check
	uncheckedN int64  // records in unchecked
	timer      *time.Timer
	timerArmed bool
	gone       error // the file is gone and could not be opened anew: records are refused

	// pendings recycles appends (the encoding buffer and the channel): an
	// append is done with once Append returns, its channel drained.
	pendings sync.Pool
}

type pending struct {
	line appender // the record's line, newline included
	err  chan error
	rec  *Record     // the record, for OnAppend
	off  int64       // where its line was written
	file os.FileInfo // the file it was written to
}

// Create opens path for appending, creating it 0600, and takes an
// exclusive lock on it: a second writer (another listen --save of the same
// file) gets a *LockedError, before anything is read or repaired. The path
// may be a symbolic link to an existing file, which is checked as any
// file; a link to nothing is refused rather than followed to create its
// target.
//
// A file that exists must be a capture file (see prepareEnd): any other
// is refused with a *NotCaptureError and left as it was. Its end is made
// ready for appending: a whole last record without its newline gets one
// (NewlineAdded), and a torn last record (a crash mid-write) is cut off,
// so the next record starts on a line of its own (Repaired says how many
// bytes). Devices such as /dev/full are written as they are.
func Create(path string, fsync bool) (*Writer, error) {
	w := &Writer{path: path, fsync: fsync}
	if err := w.open(); err != nil {
		return nil, err
	}
	w.idle = sync.NewCond(&w.mu)
	w.pendings.New = func() any { return &pending{line: appender{make([]byte, 0, 4096)}, err: make(chan error, 1)} }
	return w, nil
}

// open opens, locks and checks w.path, and makes it w's file.
func (w *Writer) open() error {
	f, err := openPath(w.path)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	// Only a regular file holds records another writer could tear; a
	// device such as /dev/full or /dev/stdout is shared by every process
	// on the machine, and a lock on it would refuse unrelated writers.
	if st.Mode().IsRegular() {
		if err := lockFile(f); err != nil {
			if errors.Is(err, errLocked) {
				err = &LockedError{Path: w.path, PID: lockHolder(f)}
			}
			f.Close()
			return err
		}
	}
	repaired, newline, err := prepareEnd(f, w.path, st)
	if err != nil {
		f.Close()
		return err
	}
	w.f, w.file, w.checkedAt = f, st, time.Now()
	w.Repaired, w.NewlineAdded = repaired, newline
	w.size = 0
	if st.Mode().IsRegular() {
		if w.size, err = f.Seek(0, io.SeekEnd); err != nil { // after prepareEnd's repairs
			f.Close()
			return err
		}
	}
	return nil
}

// openPath opens path for appending, creating it (0600) only where nothing
// is: a symbolic link to nothing is refused, not followed.
func openPath(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if st, lerr := os.Lstat(path); lerr == nil && st.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s is a symbolic link to a file that does not exist: not creating a file through it", path)
		}
		return os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0) // created meanwhile
	}
	return f, err
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

// NotCaptureError: the file exists and is not a capture file, so nothing
// is appended to it.
type NotCaptureError struct {
	Path   string
	Reason string
}

func (e *NotCaptureError) Error() string {
	return fmt.Sprintf("%s is not a capture file (%s): not appending to it", e.Path, e.Reason)
}

// maxCheckedLine bounds how much of a first or last line is read to judge
// it; a longer one is judged by how it starts.
const maxCheckedLine = 64 << 20

// prepareEnd decides what may be appended to. A regular
// file is a capture file when it is empty, or when its first line is a
// capture record as readers accept it (a JSON object with "v" and "id";
// only the first line is read, so opening stays cheap), or when all it
// holds is the torn start of one. Its end may then be:
//   - a newline: nothing to do;
//   - a whole record without its newline: the newline is added;
//   - the torn start of a record (the beginning of a JSON object as
//     hooktool writes them, cut short): it is cut off;
//   - anything else: the file is not a capture file.
func prepareEnd(f *os.File, path string, st os.FileInfo) (repaired int64, newline bool, err error) {
	size := st.Size()
	if !st.Mode().IsRegular() || size == 0 {
		return 0, false, nil // a device such as /dev/full, or a new file
	}
	notCapture := func(reason string) error { return &NotCaptureError{Path: path, Reason: reason} }
	first, firstComplete, err := readLine(f, 0, size)
	if err != nil {
		return 0, false, err
	}
	if firstComplete {
		if reason := notRecord(first); reason != "" {
			return 0, false, notCapture("line 1 " + reason)
		}
	}
	// The end: the bytes after the last newline.
	tailStart, err := lastLineStart(f, size)
	if err != nil {
		return 0, false, err
	}
	if tailStart == size {
		return 0, false, nil
	}
	tail := first
	if tailStart > 0 {
		if tail, _, err = readLine(f, tailStart, size); err != nil {
			return 0, false, err
		}
	}
	switch {
	case len(bytes.TrimSpace(tail)) == 0 || notRecord(tail) == "":
		_, err := f.Write([]byte("\n"))
		return 0, true, err
	case tornRecord(tail, size-tailStart):
		return size - tailStart, false, f.Truncate(tailStart)
	case tailStart == 0:
		return 0, false, notCapture("its one line is not a capture record")
	}
	return 0, false, notCapture(fmt.Sprintf("its last %d bytes are neither a capture record nor the start of one", size-tailStart))
}

// readLine reads the line starting at off (up to maxCheckedLine bytes of
// it), and says whether it ends with a newline.
func readLine(f *os.File, off, size int64) ([]byte, bool, error) {
	r := bufio.NewReader(io.NewSectionReader(f, off, min(size-off, maxCheckedLine)))
	line, err := r.ReadSlice('\n')
	var long []byte
	for err == bufio.ErrBufferFull {
		long = append(long, line...)
		line, err = r.ReadSlice('\n')
	}
	if long != nil {
		line = append(long, line...)
	}
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	complete := bytes.HasSuffix(line, []byte("\n"))
	if len(line) == maxCheckedLine && !complete {
		complete = true // too long to read whole: judged by its start
	}
	return line, complete, nil
}

// lastLineStart is the offset just after the last newline of the file (0
// when it has none), read backwards in blocks.
func lastLineStart(f *os.File, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && n < int(end-start) {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// recordStarts are how hooktool's writer begins every record.
var recordStarts = []string{`{"v":`, `{"type":`}

// notRecord says why line is not a capture record, or "" if it is. A line
// longer than maxCheckedLine is judged by its start.
func notRecord(line []byte) string {
	text := bytes.TrimSpace(line)
	if len(line) >= maxCheckedLine {
		for _, s := range recordStarts {
			if bytes.HasPrefix(text, []byte(s)) {
				return ""
			}
		}
		return "does not start as a capture record"
	}
	if _, err := parse(text); err != nil {
		return "is " + strings.TrimPrefix(err.Error(), "not a capture record: ") + ", not a capture record"
	}
	return ""
}

// tornRecord reports whether frag (the first bytes of a last line of n
// bytes) is provably a record cut short: it begins as hooktool begins
// records, and it is the start of a JSON value, not a whole one.
func tornRecord(frag []byte, n int64) bool {
	started := false
	for _, s := range recordStarts {
		if bytes.HasPrefix(frag, []byte(s)) || bytes.HasPrefix([]byte(s), frag) {
			started = true
		}
	}
	if !started {
		return false
	}
	if n > int64(len(frag)) {
		return true // longer than maxCheckedLine: judged by its start
	}
	var v json.RawMessage
	err := json.NewDecoder(bytes.NewReader(frag)).Decode(&v)
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// errLead tells a queued appender that it now writes: its own record and
// those queued with it.
var errLead = errors.New("lead the next write")

// Append writes rec as one line and returns once it is written.
func (w *Writer) Append(rec *Record) error {
	me := w.pendings.Get().(*pending)
	defer func() {
		if cap(me.line.b) <= 1<<20 { // a huge body's buffer is not kept
			w.pendings.Put(me)
		}
	}()
	me.line.b = me.line.b[:0]
	me.rec = rec
	defer func() { me.rec = nil }()
	err := me.line.line(rec)
	if err != nil {
		return err
	}
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
	if err == nil && w.OnAppend != nil {
		for _, p := range batch {
			w.OnAppend(p.rec, Place{File: p.file, Offset: p.off, Len: len(p.line.b) - 1})
		}
	}
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
	if w.gone != nil {
		// Only a file opened anew takes records.
		if err := w.check(); err != nil {
			return err
		}
	}
	data := batch[0].line.b
	if len(batch) > 1 {
		w.buf = w.buf[:0]
		for _, p := range batch {
			w.buf = append(w.buf, p.line.b...)
		}
		data = w.buf
	}
	// Placed here, after writeBatch's check may have opened the file
	// anew: the offsets are in the file the data goes to.
	off := w.size
	for _, p := range batch {
		p.off, p.file = off, w.file
		off += int64(len(p.line.b))
	}
	if err := w.write(data); err != nil {
		return err
	}
	n := int64(len(batch))
	w.inFile += n
	if !w.file.Mode().IsRegular() {
		return nil // a device: there is no path to lose
	}
	w.unchecked = append(w.unchecked, data...)
	w.uncheckedN += n
	if time.Since(w.checkedAt) < checkEvery && len(w.unchecked) < maxUnchecked {
		w.armTimer()
		return nil
	}
	if err := w.check(); err != nil {
		// This group is refused (and its senders will retry): it is not
		// one of the records to write again.
		w.unchecked = w.unchecked[:len(w.unchecked)-len(data)]
		w.uncheckedN -= n
		w.inFile -= n
		return err
	}
	return nil
}

const (
	// checkEvery is how often, at most, the path is checked while writing.
	checkEvery = 100 * time.Millisecond
	// maxUnchecked bounds what is kept to be written again: more, and the
	// path is checked at once.
	maxUnchecked = 8 << 20
)

// check makes sure the path still names the file. If not (deleted, moved
// away or replaced), it opens the path anew (see reopen) and writes there
// again what was written since the last check; if that fails, records are
// refused until it works. Called by the writer in turn only.
func (w *Writer) check() error {
	if !w.moved() {
		if w.gone == nil {
			w.checked()
			return nil
		}
		// Opened anew already; what is to be written again is not yet.
	} else if err := w.reopen(); err != nil {
		return w.failed(err)
	}
	if err := w.write(w.unchecked); err != nil {
		return w.failed(err)
	}
	w.inFile = w.uncheckedN
	w.gone = nil
	w.recreated++
	if w.OnRecreate != nil {
		w.OnRecreate(nil)
	}
	w.checked()
	return nil
}

// failed notes that the file is gone and could not be opened anew (or
// written): records are refused until it can.
func (w *Writer) failed(err error) error {
	if w.gone == nil && w.OnRecreate != nil {
		w.OnRecreate(err)
	}
	w.gone = err
	return err
}

// checked starts a new interval between checks.
func (w *Writer) checked() {
	w.checkedAt = time.Now()
	w.unchecked, w.uncheckedN = w.unchecked[:0], 0
	if cap(w.unchecked) > 4*maxUnchecked {
		w.unchecked = nil // grown for a huge record: not kept
	}
}

// armTimer makes sure the path is checked within checkEvery even if no
// other record comes. Called by the writer in turn only.
func (w *Writer) armTimer() {
	if w.timerArmed {
		return
	}
	w.timerArmed = true
	if w.timer == nil {
		w.timer = time.AfterFunc(checkEvery, w.timedCheck)
		return
	}
	w.timer.Reset(checkEvery)
}

// timedCheck checks the path once the file is idle, taking the writer's
// turn as an appender does.
func (w *Writer) timedCheck() {
	w.mu.Lock()
	for w.writing && !w.closed {
		w.idle.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		return // Close checks
	}
	w.writing = true
	w.mu.Unlock()
	w.timerArmed = false
	if w.uncheckedN > 0 {
		_ = w.check() // a failure refuses the next records, which say why
	}
	w.mu.Lock()
	if len(w.queue) > 0 {
		w.queue[0].err <- errLead
	} else {
		w.writing = false
		w.idle.Broadcast()
	}
	w.mu.Unlock()
}

// moved reports whether w's path no longer names w's file (a stat of the
// path). A path that cannot be checked (a directory without search
// permission) is taken to be there.
func (w *Writer) moved() bool {
	st, err := os.Stat(w.path)
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	return !os.SameFile(st, w.file)
}

// reopen opens w's path anew, as Create does (created 0600, locked,
// checked), in place of the file that was there; a failure (another
// writer took the path, say) keeps the old file.
func (w *Writer) reopen() error {
	old := w.f
	repaired, newline := w.Repaired, w.NewlineAdded
	if err := w.open(); err != nil {
		return fmt.Errorf("%s was deleted or replaced, and opening it anew failed: %w", w.path, err)
	}
	w.Repaired, w.NewlineAdded = repaired, newline
	old.Close()
	return nil
}

// Recreated is how many times the file was found deleted or replaced while
// writing and was opened anew; InFile how many records were written to the
// file now at the path; Lost how many acknowledged records are in no file
// (the file was deleted, could not be opened anew before Close, and they
// were written since the last check). Read them after Close.
func (w *Writer) Recreated() int { return w.recreated }

// InFile: see Recreated.
func (w *Writer) InFile() int64 { return w.inFile }

// Lost: see Recreated.
func (w *Writer) Lost() int64 { return w.lost }

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
		if end, serr := w.f.Seek(0, io.SeekEnd); serr == nil {
			w.size = end
		}
		return fmt.Errorf("writing the capture file: %w", err)
	}
	w.size += int64(n)
	if w.fsync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("syncing the capture file: %w", err)
		}
	}
	return nil
}

// Close waits for appends under way, checks the path a last time (see
// check) and closes the file.
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
	if w.timer != nil {
		w.timer.Stop()
	}
	if w.uncheckedN > 0 || w.gone != nil {
		if w.check() != nil {
			w.lost = w.uncheckedN
		}
	}
	if w.fsync {
		_ = w.f.Sync()
	}
	return w.f.Close()
}

// Name is the file's path.
func (w *Writer) Name() string { return w.f.Name() }
