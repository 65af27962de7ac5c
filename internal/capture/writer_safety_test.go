package capture

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

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
