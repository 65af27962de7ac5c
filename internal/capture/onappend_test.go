package capture

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestWriterOnAppendGivesEachRecordsPlace: OnAppend hears of every record
// written, in file order, with the place its line has in the file (after
// what the file held, a torn last record cut off first), so a reader in the
// same process needs no second read of the file; a record refused is not
// told.
func TestWriterOnAppendGivesEachRecordsPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	first, _ := newRecord(0, []byte(`{"old":true}`)).AppendJSON(nil)
	if err := os.WriteFile(path, append(append(first, '\n'), `{"v":1,"id":"torn`...), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	type told struct {
		id string
		at Place
	}
	var mu sync.Mutex
	var got []told
	w.OnAppend = func(rec *Record, at Place) {
		mu.Lock()
		got = append(got, told{rec.ID, at})
		mu.Unlock()
	}
	const n = 300
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Append(newRecord(i, []byte(`{"n":1}`))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(newRecord(n, nil)); err == nil {
		t.Fatal("an append after Close was taken")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if len(got) != n {
		t.Fatalf("told of %d records, want %d", len(got), n)
	}
	next := int64(len(first) + 1) // after the whole record; the torn one is cut off
	for i, g := range got {
		if g.at.Offset != next || !os.SameFile(g.at.File, st) {
			t.Fatalf("record %d told at %d of %v, want %d of the file", i, g.at.Offset, g.at.File.Name(), next)
		}
		line := data[g.at.Offset : g.at.Offset+int64(g.at.Len)]
		var rec Record
		if err := decodeRecord(line, &rec); err != nil || rec.ID != g.id {
			t.Fatalf("record %d: the line at its place is %q (%v), want id %s", i, line, err, g.id)
		}
		if data[g.at.Offset+int64(g.at.Len)] != '\n' {
			t.Fatalf("record %d: its place does not end at a newline", i)
		}
		next = g.at.Offset + int64(g.at.Len) + 1
	}
	if next != int64(len(data)) {
		t.Errorf("the places end at %d of %d bytes", next, len(data))
	}
}
