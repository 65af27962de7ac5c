package inspect

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/tidwall/gjson"
)

// DefaultBudget is how many deliveries one page request looks at, at
// most, before it returns a partial page and where to go on.
const DefaultBudget = 10000

// DefaultKeep is how many records an Index holds in memory by default
// (`--ui-keep`).
const DefaultKeep = 10000

// Index is the inspector's list of deliveries over capture files, in the
// order they arrived: the records of the files given at the start, ordered
// by received_at (a file's own order where they tie), then each record
// added later (Add, fed by Follow) after them. It keeps, per delivery, where its line is
// (file, byte offset, length), its id and its time: about 100 bytes
// with the id map (BenchmarkFirstPage100k reports it). Only the
// last Keep records are held in memory, and only once read; any other is
// read again from its file by offset when it is asked for.
//
// Positions (0 for the oldest) never change: an entry is never removed, so
// a position is a stable cursor. A line that no longer holds the record
// its entry names (the file was cut short and written again in place) is
// skipped when read. It is safe for concurrent use.
type Index struct {
	keep  int
	warn  func(string)
	given int // sources[:given] are the files given, as NewIndex read them

	mu      sync.Mutex
	sources []*source
	entries []entry
	byID    map[string]int
	cache   []slot        // a ring: the record at position p is in cache[p%keep] when cache[p%keep].pos == p
	changed chan struct{} // closed and replaced when entries are added
	// unreadable are the positions whose record could not be read, said
	// once each (a page asked for again does not say it again).
	unreadable map[int]bool
}

// entry is one delivery's place.
type entry struct {
	src int32  // index in sources
	n   uint32 // the line's length, without its newline (capture.MaxLine fits)
	off int64  // the line's first byte
	at  int64  // received_at, Unix nanoseconds, for ordering files at the start
	id  string
}

type slot struct {
	pos int
	rec *capture.Record
}

// source is one capture file as it was opened: a file created anew under
// the same path is another source, and the old one's entries read what its
// open descriptor still holds. f is nil for a file that was replaced
// before the index could open it: its records are read from memory only.
type source struct {
	path string
	f    *os.File
	info fs.FileInfo
	// from is where NewIndex stopped reading the file, for Follow: after
	// its last line ending in a newline.
	from capture.Place
}

// IndexOptions tune an Index.
type IndexOptions struct {
	// Keep is how many records are held in memory (the most recent); 0
	// means DefaultKeep.
	Keep int
	// Warn receives warnings: lines skipped, files that could not be read.
	Warn func(string)
}

// NewIndex indexes the capture files paths (capture.Sources expands
// directories; "-" is not a file and is refused). It reads each file once
// through, without decoding records: a line is indexed by the id and
// received_at near its start, and decoded (capture.ParseLine) when shown.
func NewIndex(paths []string, o IndexOptions) (*Index, error) {
	ix := &Index{keep: o.Keep, warn: o.Warn, byID: map[string]int{}, changed: make(chan struct{}), unreadable: map[int]bool{}}
	if ix.keep <= 0 {
		ix.keep = DefaultKeep
	}
	if ix.warn == nil {
		ix.warn = func(string) {}
	}
	ix.cache = make([]slot, ix.keep)
	for i := range ix.cache {
		ix.cache[i].pos = -1
	}
	var all []entry
	for _, p := range paths {
		if p == "-" {
			return nil, errors.New("the inspector reads files, not stdin (-)")
		}
		src, err := ix.open(p)
		if err != nil {
			ix.Close()
			return nil, err
		}
		es, err := ix.scan(src)
		if err != nil {
			ix.Close()
			return nil, err
		}
		all = append(all, es...)
	}
	ix.given = len(ix.sources)
	if len(paths) > 1 {
		sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
	}
	for _, e := range all {
		ix.appendLocked(e, nil)
	}
	return ix, nil
}

// open adds path as a new source.
func (ix *Index) open(path string) (*source, error) {
	// A regular file only: its lines are read again by offset, and it is
	// followed (a FIFO would hold the start past Ctrl-C).
	f, err := capture.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	s := &source{path: path, f: f, info: st}
	ix.mu.Lock()
	ix.sources = append(ix.sources, s)
	ix.mu.Unlock()
	return s, nil
}

// srcIndex is s's index in ix.sources.
func (ix *Index) srcIndex(s *source) int32 {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for i, x := range ix.sources {
		if x == s {
			return int32(i)
		}
	}
	return -1
}

// scan indexes the lines of s to the end of what is written: each whole
// line (ending in a newline) that carries an id and a v, and a last line
// without its newline only when it decodes whole (as Read takes it); s.from
// is set after the last whole line, where Follow goes on. It reads the file
// once through and keeps no line: for a long line, only its first bytes,
// where the id and time are.
func (ix *Index) scan(s *source) ([]entry, error) {
	src := ix.srcIndex(s)
	br := bufio.NewReaderSize(s.f, 1<<16)
	var off int64
	lines := 0
	defer func() { s.from = capture.Place{File: s.info, Line: lines, Offset: off} }()
	var out []entry
	var head []byte
	for {
		data, err := br.ReadSlice('\n')
		n := int64(len(data))
		head = append(head[:0], data...)
		for err == bufio.ErrBufferFull {
			data, err = br.ReadSlice('\n')
			n += int64(len(data))
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", s.path, err)
		}
		if n == 0 {
			break
		}
		whole := err == nil // ends in a newline
		length := n
		if whole {
			length--
		}
		if !whole {
			// The last line, without its newline: a record being written,
			// or one written whole without it. Taken only when it decodes.
			if length > int64(capture.MaxLine) {
				break
			}
			line := make([]byte, length)
			if _, rerr := s.f.ReadAt(line, off); rerr != nil {
				break
			}
			rec, perr := capture.ParseLine(line)
			if perr != nil {
				break // left for the next scan, when it may be whole
			}
			// Follow reads it again once its newline comes (Add takes it once).
			out = append(out, entry{src: src, n: uint32(length), off: off, at: rec.ReceivedAt.UnixNano(), id: rec.ID})
			break
		}
		lines++
		if e, ok := ix.quickEntry(s, head, off, length); ok {
			e.src = src
			out = append(out, e)
		}
		off += n
	}
	return out, nil
}

// quickEntry reads the id, v and received_at of a line from its first
// bytes, without decoding it; ok is false for a line that is blank, too
// long or carries no id (said by warn unless blank).
func (ix *Index) quickEntry(s *source, head []byte, off, length int64) (entry, bool) {
	if len(bytes.TrimSpace(head)) == 0 {
		return entry{}, false
	}
	if length > int64(capture.MaxLine) {
		ix.warn(fmt.Sprintf("%s: skipped a line of %d bytes at offset %d, past the %d-byte limit", s.path, length, off, capture.MaxLine))
		return entry{}, false
	}
	r := gjson.GetManyBytes(head, "v", "id", "received_at")
	if r[0].Int() == 0 || r[1].Type != gjson.String || r[1].Str == "" {
		ix.warn(fmt.Sprintf("%s: skipped the line at offset %d: not a capture record (no \"v\" or \"id\")", s.path, off))
		return entry{}, false
	}
	var at int64
	if t, err := time.Parse(time.RFC3339Nano, r[2].Str); err == nil {
		at = t.UnixNano()
	}
	return entry{n: uint32(length), off: off, at: at, id: strings.Clone(r[1].Str)}, true
}

// appendLocked adds e at the end (rec, when known, is held in memory). An
// id already indexed is not added twice: a recreated capture file holds
// again the records written since the writer's last check. ix.mu is held
// by the caller, or ix is not shared yet.
func (ix *Index) appendLocked(e entry, rec *capture.Record) bool {
	if _, dup := ix.byID[e.id]; dup {
		return false
	}
	pos := len(ix.entries)
	ix.entries = append(ix.entries, e)
	ix.byID[e.id] = pos
	ix.cache[pos%ix.keep] = slot{pos: pos, rec: rec}
	if rec == nil {
		ix.cache[pos%ix.keep].pos = -1
	}
	return true
}

// Add appends the record rec, read from the capture file path at at (as
// capture.Follow hands it on): the entry point of Follow, which decoded
// the record already (it is held in memory as one of the newest). A
// record already indexed, by id, is not added again. The file at.File is
// opened the first time it is named; when path names another file by
// then, the record is held in memory only. Subscribers are woken.
func (ix *Index) Add(path string, at capture.Place, rec *capture.Record) error {
	s, err := ix.sourceFor(path, at.File)
	if err != nil {
		return err
	}
	src := ix.srcIndex(s)
	ix.mu.Lock()
	added := ix.appendLocked(entry{src: src, n: uint32(at.Len), off: at.Offset, at: rec.ReceivedAt.UnixNano(), id: rec.ID}, rec)
	ix.mu.Unlock()
	if added {
		ix.notify()
	}
	return nil
}

// sourceFor is the source of path that is the file info (the newest of
// path when info is nil), opened when there is none.
func (ix *Index) sourceFor(path string, info fs.FileInfo) (*source, error) {
	ix.mu.Lock()
	for i := len(ix.sources) - 1; i >= 0; i-- {
		if s := ix.sources[i]; s.path == path && (info == nil || os.SameFile(s.info, info)) {
			ix.mu.Unlock()
			return s, nil
		}
	}
	ix.mu.Unlock()
	s, err := ix.open(path)
	if err != nil || info == nil || os.SameFile(s.info, info) {
		return s, err
	}
	// Replaced again already: the file read is out of reach (the one
	// opened is kept, for the records Follow reads from it next).
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.sources = append(ix.sources, &source{path: path, info: info})
	return ix.sources[len(ix.sources)-1], nil
}

// notify wakes every Changed waiter.
func (ix *Index) notify() {
	ix.mu.Lock()
	close(ix.changed)
	ix.changed = make(chan struct{})
	ix.mu.Unlock()
}

// Changed returns a channel closed at the next addition.
func (ix *Index) Changed() <-chan struct{} {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.changed
}

// Len is how many deliveries are indexed.
func (ix *Index) Len() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return len(ix.entries)
}

// Lookup is the position of the delivery with this id.
func (ix *Index) Lookup(id string) (int, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	pos, ok := ix.byID[id]
	return pos, ok
}

// ErrGone is a delivery whose line no longer holds its record.
var ErrGone = errors.New("the capture file no longer holds this delivery")

// Record returns the record at position pos: from memory, or read from its
// file by offset (and kept in memory when it is one of the newest Keep).
// The record is shared: callers must not change it.
func (ix *Index) Record(pos int) (*capture.Record, error) {
	ix.mu.Lock()
	if pos < 0 || pos >= len(ix.entries) {
		ix.mu.Unlock()
		return nil, fmt.Errorf("no delivery at position %d", pos)
	}
	if sl := ix.cache[pos%ix.keep]; sl.pos == pos {
		ix.mu.Unlock()
		return sl.rec, nil
	}
	e := ix.entries[pos]
	s := ix.sources[e.src]
	recent := pos >= len(ix.entries)-ix.keep
	ix.mu.Unlock()
	if s.f == nil {
		return nil, fmt.Errorf("%s at offset %d: %w (the file was replaced before it could be opened)", s.path, e.off, ErrGone)
	}

	line := make([]byte, e.n)
	if _, err := s.f.ReadAt(line, e.off); err != nil {
		return nil, fmt.Errorf("%s at offset %d: %w (%w)", s.path, e.off, ErrGone, err)
	}
	rec, err := capture.ParseLine(line)
	if err != nil {
		return nil, fmt.Errorf("%s at offset %d: %w", s.path, e.off, err)
	}
	if rec.ID != e.id {
		return nil, fmt.Errorf("%s at offset %d: %w", s.path, e.off, ErrGone)
	}
	if recent {
		ix.mu.Lock()
		if pos >= len(ix.entries)-ix.keep {
			ix.cache[pos%ix.keep] = slot{pos: pos, rec: rec}
		}
		ix.mu.Unlock()
	}
	return rec, nil
}

// warnUnreadable says, once per position, that its record could not be
// read.
func (ix *Index) warnUnreadable(pos int, err error) {
	ix.mu.Lock()
	said := ix.unreadable[pos]
	ix.unreadable[pos] = true
	ix.mu.Unlock()
	if !said {
		ix.warn(err.Error())
	}
}

// Held is how many records are in memory now (at most Keep).
func (ix *Index) Held() int {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for _, sl := range ix.cache {
		if sl.pos >= 0 {
			n++
		}
	}
	return n
}

// Close closes the files.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, s := range ix.sources {
		if s.f != nil {
			s.f.Close()
		}
	}
	return nil
}
