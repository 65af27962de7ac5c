// Package editor lets a person change some bytes in their own text editor
// ($VISUAL, else $EDITOR), as git commit does: the bytes are written to a
// private temporary file (0600), the editor is run on it, and what it holds
// when the editor exits is read back; the file is removed either way.
package editor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/hooktool/hooktool/internal/userfile"
)

// ErrNoEditor is Edit's error when neither VISUAL nor EDITOR is set.
var ErrNoEditor = errors.New("no editor: neither VISUAL nor EDITOR is set")

// Options say which editor to run and on what streams.
type Options struct {
	// Getenv reads VISUAL and EDITOR. Each holds a command and its
	// arguments, split on spaces ("code --wait"); the file's path is added
	// last.
	Getenv func(string) string
	// The editor's streams: the terminal. An editor draws on its output,
	// so a caller whose stdout carries data gives its stderr here.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Pattern names the temporary file as os.CreateTemp does
	// ("hooktool-body-*.json": the suffix tells an editor the syntax).
	Pattern string
	// Limit is the most bytes read back (userfile.MaxPayload when 0).
	Limit int64
}

// ExitError is an editor that did not exit 0: what it was editing is
// thrown away, as git does.
type ExitError struct {
	Editor string
	Err    error
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("the editor (%s) failed: %v", e.Editor, e.Err)
}
func (e *ExitError) Unwrap() error { return e.Err }

// Command is the editor the environment names, split into its words:
// VISUAL, else EDITOR; nil when neither is set (or holds only spaces).
func Command(getenv func(string) string) []string {
	for _, name := range []string{"VISUAL", "EDITOR"} {
		if words := strings.Fields(getenv(name)); len(words) > 0 {
			return words
		}
	}
	return nil
}

// Edit opens content in the editor and returns what the file holds when
// the editor exits 0. The temporary file is created 0600 (only its owner
// can read what may be a delivery's body) and removed before Edit returns.
func Edit(ctx context.Context, o Options, content []byte) ([]byte, error) {
	words := Command(o.Getenv)
	if words == nil {
		return nil, ErrNoEditor
	}
	f, err := os.CreateTemp("", o.Pattern)
	if err != nil {
		return nil, err
	}
	path := f.Name()
	defer os.Remove(path)
	if err := f.Chmod(0o600); err != nil { // CreateTemp's mode already; said, not assumed
		f.Close()
		return nil, err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, words[0], append(words[1:], path)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	if err := cmd.Run(); err != nil {
		return nil, &ExitError{Editor: strings.Join(words, " "), Err: err}
	}
	limit := o.Limit
	if limit <= 0 {
		limit = userfile.MaxPayload
	}
	return userfile.Read(path, limit)
}
