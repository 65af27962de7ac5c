//go:build unix

package capture

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFollowOnlyRegularFiles: Follow reads a regular file only. A FIFO
// (whose open would wait for a writer, past Ctrl-C) or a device such as
// /dev/zero (an endless line), at the start or swapped in for the file
// while it is followed, ends Follow with an error naming the file, at
// once.
func TestFollowOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.jsonl")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fifo, zero} {
		done := make(chan error, 1)
		go func() {
			done <- Follow(context.Background(), path, FollowOptions{}, func(*Record, Place) error { return nil })
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("Follow(%s): %v, want not a regular file", path, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Follow(%s) is stuck", path) // the goroutine is left blocked
		}
	}

	// Swapped in while followed.
	path := filepath.Join(dir, "c.jsonl")
	appendTo(t, path, recordLine(t, "A1"))
	fw := follow(t, path, FollowOptions{})
	sameIDs(t, "start", fw.got(), "A1")
	other := filepath.Join(dir, "fifo2")
	if err := syscall.Mkfifo(other, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	fw.tick <- time.Time{}
	select {
	case err := <-fw.done:
		fw.done <- err
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("swapped for a FIFO: %v, want not a regular file", err)
		}
	case <-fw.looks:
		t.Errorf("swapped for a FIFO: Follow went on")
	case <-time.After(10 * time.Second):
		t.Fatal("swapped for a FIFO: Follow is stuck")
	}
}
