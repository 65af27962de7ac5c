package editor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeEditor writes a shell script that records the file it is given, its
// mode and its contents, then runs edit (sh) on it as $f (the last
// argument).
func fakeEditor(t *testing.T, edit string) (script, seen string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake editor is a shell script")
	}
	dir := t.TempDir()
	seen = filepath.Join(dir, "seen")
	script = filepath.Join(dir, "ed.sh")
	body := "#!/bin/sh\nfor f; do :; done\nprintf '%s\\n' \"$f\" > " + seen + "\nls -l \"$f\" | cut -c1-10 >> " + seen + "\ncat \"$f\" >> " + seen + "\n" + edit + "\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, seen
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestEdit(t *testing.T) {
	script, seen := fakeEditor(t, `sed 's/2500/3000/' "$f" > "$f.new" && mv "$f.new" "$f"`)
	var errb bytes.Buffer
	got, err := Edit(context.Background(), Options{
		Getenv: env(map[string]string{"EDITOR": "/nonexistent-editor", "VISUAL": script + " --wait"}),
		Stdout: &errb, Stderr: &errb, Pattern: "hooktool-body-*.json",
	}, []byte(`{"amount":2500}`))
	if err != nil {
		t.Fatalf("%v (%s)", err, errb.String())
	}
	if string(got) != `{"amount":3000}` {
		t.Errorf("got %q", got)
	}
	b, _ := os.ReadFile(seen)
	lines := strings.SplitN(string(b), "\n", 3)
	if len(lines) < 3 {
		t.Fatalf("the editor saw %q", b)
	}
	// VISUAL wins over EDITOR; its words come first, the file last.
	if !strings.HasSuffix(lines[0], ".json") || !strings.Contains(filepath.Base(lines[0]), "hooktool-body-") {
		t.Errorf("file %q: want hooktool-body-*.json (the arguments were %q)", lines[0], lines[0])
	}
	if lines[1] != "-rw-------" {
		t.Errorf("mode %s, want -rw-------", lines[1])
	}
	if lines[2] != `{"amount":2500}` {
		t.Errorf("the editor got %q", lines[2])
	}
	if _, err := os.Stat(lines[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file is still there: %v", err)
	}
}

func TestEditFails(t *testing.T) {
	script, seen := fakeEditor(t, "exit 3")
	_, err := Edit(context.Background(), Options{Getenv: env(map[string]string{"EDITOR": script}), Pattern: "x-*"}, []byte("a"))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Editor != script {
		t.Errorf("got %v; want an ExitError naming the editor", err)
	}
	b, _ := os.ReadFile(seen)
	file, _, _ := strings.Cut(string(b), "\n")
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file %q is still there after a failed edit", file)
	}
	if _, err := Edit(context.Background(), Options{Getenv: env(map[string]string{"EDITOR": "  "})}, nil); !errors.Is(err, ErrNoEditor) {
		t.Errorf("no editor: %v", err)
	}
}
