package capture

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// followed runs Follow on path in the background, in lockstep with the
// test: Follow looks at the file once at the start and once per look(),
// each done before the test goes on. Records come on the channel.
type followed struct {
	t      *testing.T
	tick   chan time.Time
	recs   chan *Record
	places chan Place // each record's, in step with recs
	done   chan error
	cancel context.CancelFunc
	mu     sync.Mutex
	warns  []string
	// caught receives how many records had come when Follow caught up.
	caught chan int
	looks  chan struct{}
}

func follow(t *testing.T, path string, o FollowOptions) *followed {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fw := &followed{t: t, tick: make(chan time.Time), recs: make(chan *Record, 100), places: make(chan Place, 100), done: make(chan error, 1), cancel: cancel, caught: make(chan int, 2), looks: make(chan struct{})}
	o.Looked = func() { fw.looks <- struct{}{} }
	o.Tick = fw.tick
	o.CaughtUp = func() error { fw.caught <- len(fw.recs); return nil }
	o.Warn = func(s string) { fw.mu.Lock(); fw.warns = append(fw.warns, s); fw.mu.Unlock() }
	go func() {
		fw.done <- Follow(ctx, path, o, func(r *Record, at Place) error { fw.places <- at; fw.recs <- r; return nil })
	}()
	t.Cleanup(func() { cancel(); <-fw.done })
	fw.waitLook()
	return fw
}

// waitLook waits until Follow has looked, failing if it ended instead.
func (fw *followed) waitLook() {
	fw.t.Helper()
	select {
	case <-fw.looks:
	case err := <-fw.done:
		fw.done <- err
		fw.t.Fatalf("Follow ended: %v", err)
	}
}

// look makes Follow look at the file once more and waits until it has.
func (fw *followed) look() {
	fw.t.Helper()
	fw.tick <- time.Time{}
	fw.waitLook()
}

// got returns the records handed on so far.
func (fw *followed) got() []string {
	var ids []string
	for {
		select {
		case r := <-fw.recs:
			ids = append(ids, r.ID)
		default:
			return ids
		}
	}
}

func (fw *followed) warnings() string {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	return strings.Join(fw.warns, "\n")
}

func recordLine(t *testing.T, id string) string {
	t.Helper()
	r := newRecord(0, []byte(`{"event":"x"}`))
	r.ID = id
	b, err := r.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func sameIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

func TestFollowReadsWhatGrows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	appendTo(t, path, recordLine(t, "A1")+recordLine(t, "A2"))
	fw := follow(t, path, FollowOptions{})
	fw.look()
	if n := <-fw.caught; n != 2 {
		t.Errorf("caught up after %d records, want the 2 the file held", n)
	}
	sameIDs(t, "at the start", fw.got(), "A1", "A2")
	fw.look()
	sameIDs(t, "nothing new", fw.got())
	appendTo(t, path, recordLine(t, "B1"))
	fw.look()
	sameIDs(t, "after growing", fw.got(), "B1")
	appendTo(t, path, recordLine(t, "B2")+recordLine(t, "B3"))
	fw.look()
	sameIDs(t, "after growing again", fw.got(), "B2", "B3")
	select {
	case <-fw.caught:
		t.Error("CaughtUp called twice")
	default:
	}
}

// TestFollowHoldsAnIncompleteLine: a record whose newline has not been
// written is not read (not torn, not an error) until it is complete.
func TestFollowHoldsAnIncompleteLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	appendTo(t, path, recordLine(t, "A1"))
	fw := follow(t, path, FollowOptions{})
	fw.look()
	sameIDs(t, "start", fw.got(), "A1")
	line := recordLine(t, "B1")
	appendTo(t, path, line[:10])
	fw.look()
	appendTo(t, path, line[10:len(line)-1]) // all but the newline
	fw.look()
	sameIDs(t, "incomplete", fw.got())
	appendTo(t, path, "\n"+recordLine(t, "B2"))
	fw.look()
	sameIDs(t, "completed", fw.got(), "B1", "B2")
	if w := fw.warnings(); w != "" {
		t.Errorf("warnings: %s", w)
	}
}

// TestFollowRepairedTail: a torn tail cut off (as listen repairs one) is
// not read; the records after it are, once each.
func TestFollowRepairedTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	appendTo(t, path, recordLine(t, "A1"))
	fw := follow(t, path, FollowOptions{})
	fw.look()
	appendTo(t, path, recordLine(t, "TORN")[:40])
	fw.look()
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()-40); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, recordLine(t, "B1"))
	fw.look()
	sameIDs(t, "after the repair", fw.got(), "A1", "B1")
}

// TestFollowRecreated: a file deleted and created anew, or replaced by a
// rename, is read from its start; while there is none, Follow waits.
func TestFollowRecreated(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.jsonl")
	appendTo(t, path, recordLine(t, "A1"))
	fw := follow(t, path, FollowOptions{})
	fw.look()
	sameIDs(t, "start", fw.got(), "A1")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	fw.look()
	fw.look()
	sameIDs(t, "deleted", fw.got())
	appendTo(t, path, recordLine(t, "B1"))
	fw.look()
	sameIDs(t, "created anew", fw.got(), "B1")
	appendTo(t, path, recordLine(t, "B2"))
	fw.look()
	sameIDs(t, "grown", fw.got(), "B2")
	// Replaced by a rename, with no look between.
	other := filepath.Join(dir, "new.jsonl")
	appendTo(t, other, recordLine(t, "C1")+recordLine(t, "C2"))
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	fw.look()
	sameIDs(t, "replaced", fw.got(), "C1", "C2")
	// Emptied in place and written again.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, recordLine(t, "D1"))
	fw.look()
	sameIDs(t, "emptied", fw.got(), "D1")
	select {
	case err := <-fw.done:
		t.Fatalf("Follow ended: %v", err)
	default:
	}
}

// TestFollowAppendedBeforeReplaced: what was appended to the old file
// before it was replaced is read, then the new file.
func TestFollowAppendedBeforeReplaced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.jsonl")
	appendTo(t, path, recordLine(t, "A1"))
	fw := follow(t, path, FollowOptions{})
	fw.look()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	f.WriteString(recordLine(t, "A2"))
	f.Close()
	appendTo(t, path, recordLine(t, "B1"))
	fw.look()
	sameIDs(t, "old then new", fw.got(), "A1", "A2", "B1")
}

// TestFollowRecreatedWrittenAgain: the records listen writes again to the
// new file (what it wrote to the old one just before it was deleted) are
// not read twice; the new file's own are.
func TestFollowRecreatedWrittenAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	appendTo(t, path, recordLine(t, "A1")+recordLine(t, "A2")+recordLine(t, "A3"))
	fw := follow(t, path, FollowOptions{})
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	fw.look()
	appendTo(t, path, recordLine(t, "A2")+recordLine(t, "A3")+recordLine(t, "B1")+recordLine(t, "A1"))
	fw.look()
	sameIDs(t, "written again", fw.got(), "A1", "A2", "A3", "B1", "A1")
}

func TestFollowMalformedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	appendTo(t, path, recordLine(t, "A1"))
	fw := follow(t, path, FollowOptions{})
	fw.look()
	appendTo(t, path, "{not json\n")
	fw.tick <- time.Time{}
	err := <-fw.done
	fw.done <- err // for the cleanup
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.File != path {
		t.Errorf("Follow: %v, want a ParseError at line 2", err)
	}

	path = filepath.Join(t.TempDir(), "s.jsonl")
	appendTo(t, path, "{not json\n")
	fw = follow(t, path, FollowOptions{ReadOptions: ReadOptions{SkipBad: true, MaxLine: 1000}})
	fw.look()
	appendTo(t, path, strings.Repeat("x", 600))
	fw.look()
	appendTo(t, path, strings.Repeat("x", 600)) // past MaxLine with no newline yet
	fw.look()
	appendTo(t, path, "\n"+recordLine(t, "B1"))
	fw.look()
	sameIDs(t, "--skip-bad", fw.got(), "B1")
	if w := fw.warnings(); !strings.Contains(w, "s.jsonl:1: skipped: not a capture record") || !strings.Contains(w, "s.jsonl:2: skipped: not a capture record: a line of 1200 bytes or more") {
		t.Errorf("warnings: %s", w)
	}
}

func TestFollowEndsWithTheContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	appendTo(t, path, "")
	fw := follow(t, path, FollowOptions{})
	fw.look()
	fw.cancel()
	err := <-fw.done
	if err != nil {
		t.Errorf("Follow: %v, want nil once the context is done", err)
	}
	fw.done <- err
	if err := Follow(context.Background(), filepath.Join(t.TempDir(), "missing.jsonl"), FollowOptions{}, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file at the start: %v", err)
	}
}

// placed returns the records handed on so far with their places.
func (fw *followed) placed() (recs []*Record, places []Place) {
	for {
		select {
		case r := <-fw.recs:
			recs, places = append(recs, r), append(places, <-fw.places)
		default:
			return recs, places
		}
	}
}

// checkPlaces: each record's Place names the file it is in now, its line
// number, and the bytes of its line (read back with ParseLine).
func checkPlaces(t *testing.T, path string, recs []*Record, places []Place, firstLine int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	lines := strings.SplitAfter(string(data), "\n")
	for i, at := range places {
		if !os.SameFile(at.File, info) {
			t.Errorf("%s: not the file at path", recs[i].ID)
		}
		if at.Line != firstLine+i || at.Line > len(lines) {
			t.Fatalf("%s: line %d, want %d", recs[i].ID, at.Line, firstLine+i)
		}
		start := int64(len(strings.Join(lines[:at.Line-1], "")))
		if at.Offset != start || at.Len != len(strings.TrimSuffix(lines[at.Line-1], "\n")) {
			t.Errorf("%s: offset %d length %d, the line is at %d", recs[i].ID, at.Offset, at.Len, start)
		}
		got, err := ParseLine(data[at.Offset : at.Offset+int64(at.Len)])
		if err != nil || got.ID != recs[i].ID {
			t.Errorf("%s: the bytes at its place: %v %v", recs[i].ID, got, err)
		}
	}
}

// TestFollowPlaces: each record comes with where its line is (file,
// number, offset, length): at the start, grown in pieces, and in a file
// created anew.
func TestFollowPlaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	appendTo(t, path, recordLine(t, "A1")+recordLine(t, "A2"))
	fw := follow(t, path, FollowOptions{})
	recs, places := fw.placed()
	checkPlaces(t, path, recs, places, 1)
	if len(places) != 2 {
		t.Fatalf("%d records at the start", len(places))
	}
	b1 := recordLine(t, "B1")
	appendTo(t, path, b1[:7])
	fw.look()
	appendTo(t, path, b1[7:]+"  "+recordLine(t, "B2"))
	fw.look()
	recs, places = fw.placed()
	if len(places) != 2 {
		t.Fatalf("%d records grown", len(places))
	}
	checkPlaces(t, path, recs, places, 3)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	appendTo(t, path, recordLine(t, "C1")+recordLine(t, "C2"))
	fw.look()
	recs, places = fw.placed()
	if len(places) != 2 {
		t.Fatalf("%d records in the new file", len(places))
	}
	checkPlaces(t, path, recs, places, 1)
}

// TestFollowFrom: Follow starts where From says an earlier read stopped,
// in that same file; in another file at path (replaced since), or one cut
// shorter than From, it reads from the start.
func TestFollowFrom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	a1 := recordLine(t, "A1")
	appendTo(t, path, a1+recordLine(t, "A2"))
	info, _ := os.Stat(path)
	from := Place{File: info, Line: 1, Offset: int64(len(a1))}
	fw := follow(t, path, FollowOptions{From: from})
	recs, places := fw.placed()
	if len(recs) != 1 || recs[0].ID != "A2" {
		t.Fatalf("from line 2: got %v", recs)
	}
	checkPlaces(t, path, recs, places, 2)

	other := filepath.Join(t.TempDir(), "other.jsonl")
	appendTo(t, other, a1+recordLine(t, "B2"))
	fw = follow(t, other, FollowOptions{From: from})
	sameIDs(t, "another file", fw.got(), "A1", "B2")

	if err := os.Truncate(path, 10); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(recordLine(t, "C1")[:5]), 0o600); err != nil {
		t.Fatal(err)
	}
	fw = follow(t, path, FollowOptions{From: from})
	appendTo(t, path, recordLine(t, "C1")[5:])
	fw.look()
	sameIDs(t, "cut shorter", fw.got(), "C1")
}
