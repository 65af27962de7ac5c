package main

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"github.com/creack/pty"
	"github.com/rogpeppe/go-internal/testscript"
)

// ptyEnv are the variables a program run by pty gets from the script (as
// exec would give them), when the script has them.
var ptyEnv = []string{"PATH", "HOME", "TMPDIR", "WORK", "USERPROFILE", "XDG_CONFIG_HOME", "GOCOVERDIR",
	"HOOKTOOL_SECRET", "HOOKTOOL_CONFIG", "EDITOR", "VISUAL", "NO_COLOR", "TERM"}

// cmdPty runs a program with its stdin and stderr on a pseudo-terminal
// (so it takes them for a terminal) and its stdout on a pipe, as a person
// at a terminal runs `hooktool ... > out`:
//
//	pty [-status N] program [args...]
//
// The exit status must be N (default 0). What the program wrote to the
// terminal (CRLF made LF) is kept as stderr, its stdout as stdout, for the
// stdout and stderr commands. The script's variables named in ptyEnv are
// passed on.
func cmdPty(ts *testscript.TestScript, neg bool, args []string) {
	want := 0
	if len(args) > 1 && args[0] == "-status" {
		var err error
		if want, err = strconv.Atoi(args[1]); err != nil {
			ts.Fatalf("pty: -status %q is not an exit code", args[1])
		}
		args = args[2:]
	}
	if neg || len(args) == 0 {
		ts.Fatalf("usage: pty [-status N] program [args...]")
	}
	path, err := exec.LookPath(args[0])
	ts.Check(err)
	ptmx, tty, err := pty.Open()
	ts.Check(err)
	defer ptmx.Close()
	cmd := exec.Command(path, args[1:]...)
	cmd.Dir = ts.MkAbs(".")
	for _, k := range ptyEnv {
		if v := ts.Getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	var stdout bytes.Buffer
	cmd.Stdin, cmd.Stderr, cmd.Stdout = tty, tty, &stdout
	ts.Check(cmd.Start())
	tty.Close() // the child has its own copy: the terminal ends when it exits
	var term bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		_, _ = io.Copy(&term, ptmx) // ends with EIO once the child has exited
	}()
	err = cmd.Wait()
	<-read
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("pty: %v", err)
	}
	_, _ = ts.Stdout().Write(stdout.Bytes())
	_, _ = io.WriteString(ts.Stderr(), strings.ReplaceAll(term.String(), "\r\n", "\n"))
	if got != want {
		ts.Logf("[terminal]\n%s", term.String())
		ts.Fatalf("%s exited with %d, want %d", args[0], got, want)
	}
}
