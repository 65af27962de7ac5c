//go:build unix

package inspect

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNewIndexOnlyRegularFiles: the inspector indexes and follows regular
// files only: a FIFO (whose open waits for a writer, past Ctrl-C) or a
// device (/dev/zero, an endless line) is refused at once, naming it.
func TestNewIndexOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.jsonl")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, zero, dir} {
		done := make(chan error, 1)
		go func() {
			ix, err := NewIndex([]string{path}, IndexOptions{})
			if err == nil {
				ix.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), path+": not a regular file") {
				t.Errorf("NewIndex(%s): %v, want not a regular file", path, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("NewIndex(%s) is stuck", path) // the goroutine is left blocked
		}
	}
}
