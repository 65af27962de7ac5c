package capture

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// recordLines are two records as the writer writes them, newline-ended.
func recordLines(t *testing.T) (string, string) {
	t.Helper()
	var lines [2]string
	for i := range lines {
		b, err := newRecord(i+1, []byte(`{"n":1}`)).AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		lines[i] = string(b) + "\n"
	}
	return lines[0], lines[1]
}

// TestCreateLocksTheFile: a second writer of the same file is refused, with
// a typed error naming the file, before it reads or repairs anything (it
// used to cut the first writer's record in mid-write); once the first is
// closed, the file can be opened again.
func TestCreateLocksTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	first, err := Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Append(newRecord(1, []byte("one"))); err != nil {
		t.Fatal(err)
	}
	// The first writer is in the middle of a record, as a concurrent
	// Append leaves the file for a moment.
	raw, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	raw.WriteString(`{"v":1,"id":"half`)
	raw.Close()
	before, _ := os.ReadFile(path)

	second, err := Create(path, false)
	var locked *LockedError
	if !errors.As(err, &locked) {
		second.Close()
		t.Fatalf("second Create: %v, want a *LockedError", err)
	}
	if locked.Path != path || !strings.Contains(err.Error(), path+" is being written by another process") {
		t.Errorf("error %q does not name %s", err, path)
	}
	if runtime.GOOS == "linux" && locked.PID != os.Getpid() {
		t.Errorf("holder pid %d, want %d (this process)", locked.PID, os.Getpid())
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Errorf("the refused Create changed the file:\n%q\nto\n%q", before, after)
	}

	first.Close()
	again, err := Create(path, false)
	if err != nil {
		t.Fatalf("Create after Close: %v", err)
	}
	again.Close()
}

// TestCreateRepairsOnlyTornRecords: --save appends only to a capture file,
// and cuts only what is provably the torn start of a record.
func TestCreateRepairsOnlyTornRecords(t *testing.T) {
	a, b := recordLines(t)
	tests := []struct {
		name    string
		content string
		// want: the file's content after Create (before the new record);
		// "" with notCapture: left as it was.
		want       string
		repaired   int64
		newline    bool
		notCapture string
	}{
		{name: "whole records", content: a + b, want: a + b},
		{name: "the last record lacks its newline", content: a + strings.TrimSuffix(b, "\n"), want: a + b, newline: true},
		{name: "the only record lacks its newline", content: strings.TrimSuffix(a, "\n"), want: a, newline: true},
		{name: "a torn last record", content: a + b[:40], want: a, repaired: 40},
		{name: "a torn record of one byte", content: a + "{", want: a, repaired: 1},
		{name: "a torn first record only", content: a[:30], want: "", repaired: 30},
		{name: "a text file", content: "hello\nworld\n", notCapture: "line 1 is "},
		{name: "a text file without its last newline", content: "hello\nworld", notCapture: "line 1 is "},
		{name: "one line of text", content: "hello", notCapture: "its one line is not a capture record"},
		{name: "a JSON object that is not a record", content: `{"a":1}` + "\n", notCapture: `line 1 is no "v" or "id"`},
		{name: "records, then text", content: a + "not json", notCapture: "its last 8 bytes are neither"},
		{name: "records, then a whole JSON object", content: a + `{"v":1}`, notCapture: "its last 7 bytes are neither"},
		{name: "records, then JSON that is not an object", content: a + `[1,2`, notCapture: "its last 4 bytes are neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.jsonl")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			w, err := Create(path, false)
			if tt.notCapture != "" {
				var nc *NotCaptureError
				if !errors.As(err, &nc) || !strings.Contains(err.Error(), tt.notCapture) || !strings.Contains(err.Error(), path) {
					t.Fatalf("Create: %v, want a *NotCaptureError naming the file and saying %q", err, tt.notCapture)
				}
				if got, _ := os.ReadFile(path); string(got) != tt.content {
					t.Fatalf("the file was changed to %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if w.Repaired != tt.repaired || w.NewlineAdded != tt.newline {
				t.Errorf("Repaired %d, NewlineAdded %v; want %d, %v", w.Repaired, w.NewlineAdded, tt.repaired, tt.newline)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.want {
				t.Fatalf("after Create the file holds %q, want %q", got, tt.want)
			}
			if err := w.Append(newRecord(9, []byte("new"))); err != nil {
				t.Fatal(err)
			}
			recs := readAll(t, path, ReadOptions{})
			if len(recs) == 0 || recs[len(recs)-1].Headers.Get("X-N") != "9" || len(recs) != strings.Count(tt.want, "\n")+1 {
				t.Errorf("%d records after appending one", len(recs))
			}
		})
	}
}

// TestCreateThroughSymlinks: a link to a capture file is appended to; a
// link to any other file is refused and the file left alone; a link to
// nothing is refused, not followed to create its target.
func TestCreateThroughSymlinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Log("symbolic links need privileges on Windows: checked on Unix")
		return
	}
	dir := t.TempDir()
	a, _ := recordLines(t)
	os.WriteFile(filepath.Join(dir, "real.jsonl"), []byte(a), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep me\nall of me"), 0o600)
	os.Symlink("real.jsonl", filepath.Join(dir, "to-capture"))
	os.Symlink("notes.txt", filepath.Join(dir, "to-notes"))
	os.Symlink("missing.jsonl", filepath.Join(dir, "to-nothing"))

	w, err := Create(filepath.Join(dir, "to-capture"), false)
	if err != nil {
		t.Fatal(err)
	}
	w.Append(newRecord(2, []byte("two")))
	w.Close()
	if recs := readAll(t, filepath.Join(dir, "real.jsonl"), ReadOptions{}); len(recs) != 2 {
		t.Errorf("%d records in the link's target, want 2", len(recs))
	}

	var nc *NotCaptureError
	if _, err := Create(filepath.Join(dir, "to-notes"), false); !errors.As(err, &nc) {
		t.Errorf("a link to a text file: %v, want a *NotCaptureError", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(got) != "keep me\nall of me" {
		t.Errorf("the text file became %q", got)
	}

	if _, err := Create(filepath.Join(dir, "to-nothing"), false); err == nil || !strings.Contains(err.Error(), "symbolic link to a file that does not exist") {
		t.Errorf("a link to nothing: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "missing.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link's target was created: %v", err)
	}
}

// TestWriterRecreatesADeletedFile: records appended after the file was
// deleted (or moved away) end up in a file created anew at the path, 0600
// and locked, and the writer says so: they are not lost with the deleted
// file. The path is checked at most every checkEvery; when appends stop,
// a timer checks it, so no further append (nor Close) is needed.
func TestWriterRecreatesADeletedFile(t *testing.T) {
	for _, how := range []string{"deleted", "moved"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "c.jsonl")
			w, err := Create(path, false)
			if err != nil {
				t.Fatal(err)
			}
			told := make(chan error, 10)
			w.OnRecreate = func(err error) { told <- err }
			w.Append(newRecord(1, []byte("one")))
			w.Append(newRecord(2, []byte("two")))
			if how == "deleted" {
				os.Remove(path)
			} else {
				os.Rename(path, filepath.Join(dir, "c.1.jsonl"))
			}
			for i := 3; i <= 5; i++ {
				if err := w.Append(newRecord(i, []byte("after"))); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case err := <-told:
				if err != nil {
					t.Fatalf("creating it anew: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the deletion was not noticed within 5s of the last append")
			}
			kept := func() map[string]int {
				n := map[string]int{}
				for _, r := range readAll(t, path, ReadOptions{}) {
					n[r.Headers.Get("X-N")]++
				}
				return n
			}
			// Every record appended since the deletion; those appended
			// just before it may be written again too.
			if n := kept(); n["3"] != 1 || n["4"] != 1 || n["5"] != 1 {
				t.Errorf("records %v in the file created anew, want 3, 4 and 5 once each", n)
			}
			if st, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
				t.Errorf("the file created anew: %v, %v", st.Mode(), err)
			}
			if _, err := Create(path, false); !errors.As(err, new(*LockedError)) {
				t.Errorf("the file created anew is not locked: %v", err)
			}
			w.Append(newRecord(6, []byte("later")))
			w.Close()
			total := 0
			for _, c := range kept() {
				total += c
			}
			if w.Recreated() != 1 || w.InFile() != int64(total) || w.Lost() != 0 || kept()["6"] != 1 {
				t.Errorf("Recreated %d, InFile %d, Lost %d, records %v; want 1, %d, 0 and 6 in it", w.Recreated(), w.InFile(), w.Lost(), kept(), total)
			}
		})
	}
}

// TestWriterRefusesWhatReplacedTheFile: a path now naming a file that is
// not a capture file is not written to: once that is noticed the records
// are refused (the listener answers 503), the file is left as it was, and
// the records acknowledged since the last check are counted as lost.
func TestWriterRefusesWhatReplacedTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.jsonl")
	w, err := Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	told := make(chan error, 10)
	w.OnRecreate = func(err error) { told <- err }
	w.Append(newRecord(1, []byte("one")))
	os.Remove(path)
	os.WriteFile(path, []byte("notes\n"), 0o600)
	w.Append(newRecord(2, []byte("two")))
	select {
	case err := <-told:
		if err == nil {
			t.Fatal("opened the text file as a capture file")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the replacement was not noticed within 5s")
	}
	for range 2 {
		err := w.Append(newRecord(3, []byte("three")))
		var nc *NotCaptureError
		if !errors.As(err, &nc) || !strings.Contains(err.Error(), path+" was deleted or replaced, and opening it anew failed: ") {
			t.Fatalf("Append: %v, want a refusal naming %s", err, path)
		}
	}
	w.Close()
	if w.Recreated() != 0 || w.Lost() < 1 || w.Lost() > 2 || len(told) != 0 {
		t.Errorf("Recreated %d, Lost %d, told %d more times; want 0, 1 or 2 (those since the last check), none", w.Recreated(), w.Lost(), len(told))
	}
	if got, _ := os.ReadFile(path); string(got) != "notes\n" {
		t.Errorf("the file that replaced it became %q", got)
	}
}

// TestCreateDoesNotLockDevices: a device (here /dev/null) is no capture
// file another writer could tear; two writers to it at once both work, as
// two listens saving to /dev/null or /dev/stdout must.
func TestCreateDoesNotLockDevices(t *testing.T) {
	if _, err := os.Stat(os.DevNull); err != nil {
		t.Fatalf("no %s: %v", os.DevNull, err)
	}
	first, err := Create(os.DevNull, false)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := Create(os.DevNull, false)
	if err != nil {
		t.Fatalf("a second writer to %s: %v", os.DevNull, err)
	}
	second.Close()
}
