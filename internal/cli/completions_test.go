package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/hooktool/hooktool/internal/term"
)

var update = flag.Bool("update", false, "rewrite the committed completions")

// TestCompletionsCurrent fails when completions/ no longer matches the
// command tree; `go test ./internal/cli -run Completions -update` rewrites it.
func TestCompletionsCurrent(t *testing.T) {
	streams, _, _ := term.Test("")
	files, err := Completions(NewRootCommand(&App{Streams: streams, Getenv: func(string) string { return "" }}))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "completions")
	for name, want := range files {
		path := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v: run go test ./internal/cli -run Completions -update", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go test ./internal/cli -run Completions -update", path)
		}
	}
}
