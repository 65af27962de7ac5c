package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// FollowOptions tune Follow.
type FollowOptions struct {
	// SkipBad, Warn and MaxLine are as in ReadOptions.
	ReadOptions
	// Interval is how often the file is looked at again; 0 means
	// FollowInterval.
	Interval time.Duration
	// Tick, when not nil, replaces the ticker of Interval: a look each
	// time it delivers (tests drive Follow with it).
	Tick <-chan time.Time
	// CaughtUp, when not nil, is called once, when what the file held at
	// the start has been read: the records after it are new. An error
	// from it ends Follow with that error.
	CaughtUp func() error

	// Looked, when not nil, is called after each look at the file (a
	// caller driving Follow with Tick knows one is done before it changes
	// the file again).
	Looked func()
	// From, when its File is set, is where an earlier read of the file
	// stopped (the start of a line, after From.Line lines): Follow starts
	// there, when path still names that file and it is not shorter, and
	// from the file's start otherwise. A caller that indexed the file
	// itself follows it from there on.
	From Place
}

// Place is where a record's line is: the file it was read from, the
// line's number (from 1), its first byte and its length without the
// newline, so that a caller can read the line again by offset
// (ParseLine).
type Place struct {
	File   fs.FileInfo
	Line   int
	Offset int64
	Len    int
}

// FollowInterval is how often Follow looks at the file by default: a new
// delivery shows within a fifth of a second, at the cost of a stat and a
// read of nothing five times a second.
const FollowInterval = 200 * time.Millisecond

// Follow reads the records of the capture file at path, then the ones
// another process appends, as `tail -f` does: the file is looked at every
// Interval and whatever it grew by is read. It is polled rather than
// watched (fsnotify): a stat is cheap, it works the same on every
// filesystem (network and container mounts included, where change
// notifications are not delivered), and a file deleted and created anew
// needs no watch on its directory.
//
// Only complete lines are read: a line whose newline has not been written
// yet is held until it is, so a record being appended is never torn. A
// file cut short (a torn tail repaired, or emptied) is read on from where
// it was cut, or from its start; a file deleted or moved away and created
// anew (listen does that) is read from its start, less the records at its
// start that were read from the old one (listen writes again to the new
// file what it wrote to the old one just before it was deleted); while
// there is none,
// Follow waits for one. Only a regular file is followed (OpenRegular): a
// FIFO or a device at path, at the start or later, is an error. A
// malformed line is an error naming the file and
// line, unless SkipBad.
//
// Each record is handed to fn with its Place.
//
// Follow returns nil when ctx is done or fn returns ErrStop; else the error of opening the file
// at the start, of reading it, of a malformed line, or of fn or CaughtUp.
func Follow(ctx context.Context, path string, o FollowOptions, fn func(rec *Record, at Place) error) error {
	f, err := OpenRegular(path)
	if err != nil {
		return err
	}
	fl := &follower{path: path, o: o, fn: fn}
	if o.Warn == nil {
		fl.o.Warn = func(string) {}
	}
	if fl.o.MaxLine <= 0 {
		fl.o.MaxLine = MaxLine
	}
	defer func() { fl.close() }()
	if err := fl.open(f); err != nil {
		return err
	}
	if from := o.From; from.File != nil && os.SameFile(fl.info, from.File) && from.Offset > 0 && fl.info.Size() >= from.Offset {
		if _, err := fl.f.Seek(from.Offset, io.SeekStart); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fl.offset, fl.line = from.Offset, from.Line
	}
	tick := o.Tick
	if tick == nil {
		interval := o.Interval
		if interval <= 0 {
			interval = FollowInterval
		}
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	caughtUp := false
	for {
		if err := fl.look(); errors.Is(err, ErrStop) {
			return nil
		} else if err != nil {
			return err
		}
		if !caughtUp {
			caughtUp = true
			if o.CaughtUp != nil {
				if err := o.CaughtUp(); err != nil {
					return err
				}
			}
		}
		if o.Looked != nil {
			o.Looked()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
	}
}

// follower is Follow's state: the file open, how far it was read, and
// the start of a line not yet complete.
type follower struct {
	path string
	o    FollowOptions
	fn   func(*Record, Place) error

	f       *os.File
	info    fs.FileInfo // of f, to tell a new file at path
	offset  int64       // bytes of f read
	pending []byte      // the start of a line without its newline yet
	line    int         // lines of f done
	// skipping is set while the rest of a line past MaxLine is dropped
	// (with SkipBad).
	skipping bool
	buf      []byte
	// recent are the ids last handed on, newest last (at most
	// 2*recentIDs); seen, after the file was replaced, those of the old
	// file, skipped at the start of the new one.
	recent []string
	seen   map[string]bool
}

// recentIDs is how many ids of a replaced file are remembered: more than
// the writer writes again (what it wrote in the last tenth of a second).
const recentIDs = 4096

// OpenRegular opens the regular file at path, and refuses anything else:
// a FIFO would wait for a writer (past Ctrl-C) and a device (/dev/zero)
// never ends, at the start or swapped in for the file while it is
// followed. It is how a capture file that is followed (Follow, the
// inspector's index) is opened.
func OpenRegular(path string) (*os.File, error) {
	f, err := openNoWait(path)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (%s): a capture file is followed only when it is one", path, fileKind(info.Mode()))
	}
	return f, nil
}

// fileKind names what a file that is not regular is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

func (fl *follower) open(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	fl.f, fl.info, fl.offset, fl.pending, fl.line, fl.skipping = f, info, 0, nil, 0, false
	return nil
}

func (fl *follower) close() {
	if fl.f != nil {
		fl.f.Close()
		fl.f = nil
	}
}

// look reads what the file grew by, and follows it to a new file at path.
func (fl *follower) look() error {
	if fl.f == nil {
		f, err := OpenRegular(fl.path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // not created anew yet
		}
		if err != nil {
			return err
		}
		if err := fl.open(f); err != nil {
			return err
		}
	}
	if err := fl.checkPending(); err != nil {
		return err
	}
	if info, err := fl.f.Stat(); err == nil && info.Size() < fl.offset {
		if err := fl.cut(info.Size()); err != nil {
			return err
		}
	}
	if err := fl.readNew(); err != nil {
		return err
	}
	// What was written to the old file is read: now see whether path
	// names another file (or none).
	info, err := os.Stat(fl.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fl.replaced()
		return nil
	case err != nil:
		return err
	case !os.SameFile(info, fl.info):
		fl.replaced()
		return fl.look()
	}
	return nil
}

// replaced drops the old file; a line it left incomplete is torn.
func (fl *follower) replaced() {
	fl.seen = make(map[string]bool, len(fl.recent))
	for _, id := range fl.recent {
		fl.seen[id] = true
	}
	fl.recent = fl.recent[:0]
	if len(fl.pending) > 0 {
		fl.o.Warn(fmt.Sprintf("%s:%d: skipped a torn last line (%d bytes): the file was replaced mid-record", fl.path, fl.line+1, len(fl.pending)))
	}
	fl.close()
}

// checkPending makes sure the start of a line held is still in the file:
// a torn tail cut off and written over (listen repairs one when it starts
// again) is not glued to what comes after it. The line is dropped, and the
// file read again from where it started.
func (fl *follower) checkPending() error {
	if len(fl.pending) == 0 || fl.skipping {
		return nil
	}
	start := fl.offset - int64(len(fl.pending))
	now := make([]byte, len(fl.pending))
	n, err := fl.f.ReadAt(now, start)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", fl.path, err)
	}
	if n == len(now) && bytes.Equal(now, fl.pending) {
		return nil
	}
	fl.pending, fl.offset = fl.pending[:0], start
	_, err = fl.f.Seek(start, io.SeekStart)
	return err
}

// cut handles a file now shorter than what was read of it: a cut that
// only took back an incomplete line (a torn tail repaired) drops that
// much of it; a deeper one means the file was emptied or rewritten, and it
// is read again from its start.
func (fl *follower) cut(size int64) error {
	done := fl.offset - int64(len(fl.pending))
	if size >= done && !fl.skipping {
		fl.pending = fl.pending[:size-done]
	} else {
		fl.o.Warn(fmt.Sprintf("%s: the file was cut to %d bytes: reading it again from the start", fl.path, size))
		fl.pending, fl.line, fl.skipping, size = nil, 0, false, 0
	}
	fl.offset = size
	_, err := fl.f.Seek(size, io.SeekStart)
	return err
}

// readNew reads from the file until its end, handing each complete line
// on.
func (fl *follower) readNew() error {
	if fl.buf == nil {
		fl.buf = make([]byte, 1<<16)
	}
	for {
		n, err := fl.f.Read(fl.buf)
		if n > 0 {
			fl.offset += int64(n)
			if lerr := fl.lines(fl.buf[:n]); lerr != nil {
				return lerr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", fl.path, err)
		}
	}
}

// lines splits data, the last bytes read (fl.offset is past them), into
// lines, the first continuing pending.
func (fl *follower) lines(data []byte) error {
	pos := fl.offset - int64(len(data)) // of data[0]
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			if fl.skipping {
				return nil
			}
			fl.pending = append(fl.pending, data...)
			if len(fl.pending) > fl.o.MaxLine {
				return fl.tooLong()
			}
			return nil
		}
		part := data[:i]
		data = data[i+1:]
		end := pos + int64(i) // of the newline
		pos = end + 1
		if fl.skipping {
			fl.skipping = false
			fl.line++
			continue
		}
		text := part
		if len(fl.pending) > 0 {
			fl.pending = append(fl.pending, part...)
			text = fl.pending
		}
		fl.line++
		if len(text) > fl.o.MaxLine {
			fl.pending = fl.pending[:0]
			if err := fl.bad(fmt.Errorf("not a capture record: a line of %d bytes, past the %d-byte limit", len(text), fl.o.MaxLine)); err != nil {
				return err
			}
			continue
		}
		err := fl.record(text, Place{File: fl.info, Line: fl.line, Offset: end - int64(len(text)), Len: len(text)})
		fl.pending = fl.pending[:0]
		if cap(fl.pending) > maxRetained {
			fl.pending = nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tooLong drops a line that grew past MaxLine without its newline.
func (fl *follower) tooLong() error {
	n := len(fl.pending)
	fl.pending, fl.skipping = nil, true
	return fl.bad(fmt.Errorf("not a capture record: a line of %d bytes or more, past the %d-byte limit", n, fl.o.MaxLine))
}

// bad is a malformed line: an error, or a warning with SkipBad. The line
// is the one being read (fl.line+1 while its newline has not come).
func (fl *follower) bad(err error) error {
	line := fl.line
	if fl.skipping {
		line++
	}
	if !fl.o.SkipBad {
		return &ParseError{File: fl.path, Line: line, Err: err}
	}
	fl.o.Warn(fmt.Sprintf("%s:%d: skipped: %v", fl.path, line, err))
	return nil
}

// record parses one complete line, at at, and hands it on.
func (fl *follower) record(text []byte, at Place) error {
	text = bytes.TrimSpace(text)
	if len(text) == 0 {
		return nil
	}
	rec, err := parse(text)
	if err != nil {
		return fl.bad(err)
	}
	if fl.seen != nil {
		if fl.seen[rec.ID] {
			return nil // read from the file this one replaced
		}
		fl.seen = nil
	}
	if fl.recent = append(fl.recent, rec.ID); len(fl.recent) >= 2*recentIDs {
		fl.recent = append(fl.recent[:0], fl.recent[len(fl.recent)-recentIDs:]...)
	}
	return fl.fn(rec, at)
}
