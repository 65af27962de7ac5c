package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

// editRecord is a captured GitHub delivery, signed long ago.
func editRecord(id string) *capture.Record {
	r := resendRecord(id, "/hooks/gh")
	r.Scheme = "github"
	r.Headers.Set("X-Hub-Signature-256", "sha256=00")
	r.SetBody([]byte(`{"event":"x", "data": {"amount": 2500, "fee": 5}}`))
	return r
}

// runTTY runs hooktool in-process with stdin and stderr taken for a
// terminal when tty is true.
func runTTY(t *testing.T, tty bool, args ...string) (int, string, string) {
	t.Helper()
	streams, out, errb := term.Test("")
	streams.InIsTerminal, streams.ErrIsTerminal = tty, tty
	getenv := func(k string) string {
		if k == "NO_COLOR" {
			return "1" // plain messages, to compare
		}
		return os.Getenv(k)
	}
	app := &App{Streams: streams, Getenv: getenv, Now: func() time.Time { return time.Unix(1_800_000_000, 0) }}
	code := Main(context.Background(), app, args)
	return code, out.String(), errb.String()
}

// verifies says body and header verify as GitHub's with secret.
func verifies(t *testing.T, seen secSeen, secret string) bool {
	t.Helper()
	gh, _ := signature.Lookup("github", signature.Options{})
	vf, err := signature.NewVerifier(gh, []signature.Secret{signature.NewSecret(secret)})
	if err != nil {
		t.Fatal(err)
	}
	return vf.Verify(signature.Message{Header: seen.header, Body: seen.body}, signature.VerifyOptions{Now: time.Now()}).Valid
}

// TestReplaySetEdits: --set, --set-str and --unset edit every selected
// body as trigger's do (the untouched bytes kept) and re-sign it.
func TestReplaySetEdits(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "edit-SECRET-1")
	app := newSecApp(t, "ok")
	file := writeCaptures(t, "e.jsonl", editRecord("01EDIT000000000000000000A"), editRecord("01EDIT000000000000000000B"))
	code, out, errs := run(t, "", "replay", file, "--to", app.srv.URL, "--set", "data.amount=3000", "--set-str", "data.note=07", "--unset", "data.fee")
	if code != 0 || app.count() != 2 {
		t.Fatalf("exit %d, %d sent\n%s%s", code, app.count(), out, errs)
	}
	for _, seen := range app.reqs {
		if want := `{"event":"x", "data": {"amount": 3000,"note":"07"}}`; string(seen.body) != want {
			t.Errorf("body %s, want %s", seen.body, want)
		}
		if !verifies(t, seen, "edit-SECRET-1") {
			t.Errorf("the edited body does not verify: %q", seen.header.Values("X-Hub-Signature-256"))
		}
	}
}

// TestReplayEditsFailClosed: an edit with no secret to re-sign with, a bad
// path, or a field that is not there is exit 2, and nothing is sent.
func TestReplayEditsFailClosed(t *testing.T) {
	sandbox(t)
	app := newSecApp(t, "ok")
	file := writeCaptures(t, "e.jsonl", editRecord("01EDIT000000000000000000A"))
	for _, c := range []struct {
		secret string
		args   []string
		want   string
	}{
		{"", []string{"--set", "data.amount=1"}, "hooktool: error: no secret to re-sign the edited body with"},
		{"", []string{"--edit"}, "hooktool: error: no secret to re-sign the edited body with"},
		{"s", []string{"--set", "data.#.x=1"}, `path "data.#.x": '#' is gjson query syntax`},
		{"s", []string{"--unset", "data.nope"}, "--unset data.nope: no such field in the payload"},
	} {
		t.Setenv("HOOKTOOL_SECRET", c.secret)
		code, out, errs := runTTY(t, true, append([]string{"replay", file, "--to", app.srv.URL}, c.args...)...)
		if code != ExitError || !strings.Contains(errs, c.want) || app.count() != 0 {
			t.Errorf("%q: exit %d, %d sent; want exit 2 with %q\n%s%s", c.args, code, app.count(), c.want, out, errs)
		}
	}
}

// fakeEditor is an $EDITOR that changes 2500 to 3000 in the file it is
// given (or runs script instead).
func fakeEditor(t *testing.T, script string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the fake editor is a shell script")
	}
	if script == "" {
		script = `sed 's/2500/3000/' "$1" > "$1.new" && mv "$1.new" "$1"`
	}
	path := filepath.Join(t.TempDir(), "ed.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReplayEdit: --edit opens the one selected body in $EDITOR (after
// --set), sends what it saved, re-signed, and says what changed.
func TestReplayEdit(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "edit-SECRET-2")
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", fakeEditor(t, ""))
	app := newSecApp(t, "ok")
	file := writeCaptures(t, "e.jsonl", editRecord("01EDIT000000000000000000A"), editRecord("01EDIT000000000000000000B"))
	code, out, errs := runTTY(t, true, "replay", file, "--id", "01EDIT000000000000000000B", "--to", app.srv.URL, "--edit", "--set", "data.fee=6")
	if code != 0 || app.count() != 1 {
		t.Fatalf("exit %d, %d sent\n%s%s", code, app.count(), out, errs)
	}
	seen := app.last()
	if want := `{"event":"x", "data": {"amount": 3000, "fee": 6}}`; string(seen.body) != want {
		t.Errorf("body %s, want %s", seen.body, want)
	}
	if !verifies(t, seen, "edit-SECRET-2") {
		t.Error("the edited body does not verify")
	}
	for _, want := range []string{"hooktool: edited 01EDIT000000000000000000B: data.amount: 2500 → 3000\n", "hooktool: edited 01EDIT000000000000000000B: data.fee: 5 → 6\n"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "01EDIT000000000000000000B → ") {
		t.Errorf("stdout: %s", out)
	}
}

// TestReplayEditRefusals: --edit without a terminal, with more than one
// capture selected, with no editor, or with an editor that fails is exit 2
// with a hint, and sends nothing.
func TestReplayEditRefusals(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "edit-SECRET-3")
	t.Setenv("VISUAL", "")
	app := newSecApp(t, "ok")
	file := writeCaptures(t, "e.jsonl", editRecord("01EDIT000000000000000000A"), editRecord("01EDIT000000000000000000B"))
	failing := fakeEditor(t, "exit 4")
	for _, c := range []struct {
		name   string
		tty    bool
		editor string
		args   []string
		want   []string
	}{
		{"no terminal", false, fakeEditor(t, ""), []string{"--id", "01EDIT000000000000000000A"}, []string{
			"hooktool: error: --edit opens an editor, and stdin and stderr are not both a terminal\n",
			"hooktool: hint: without a terminal, edit with --set PATH=VALUE, --set-str PATH=VALUE or --unset PATH\n"}},
		{"two captures", true, fakeEditor(t, ""), nil, []string{"--edit opens one body, and the selection holds more than one capture: pick one with --id"}},
		{"no editor", true, "", []string{"--id", "01EDIT000000000000000000A"}, []string{
			"hooktool: error: no editor: neither VISUAL nor EDITOR is set\n", "hooktool: hint: set VISUAL or EDITOR"}},
		{"editor fails", true, failing, []string{"--id", "01EDIT000000000000000000A"}, []string{
			"hooktool: error: the editor (" + failing + ") failed: exit status 4\n", "hooktool: hint: nothing was sent\n"}},
	} {
		t.Setenv("EDITOR", c.editor)
		code, out, errs := runTTY(t, c.tty, append([]string{"replay", file, "--to", app.srv.URL, "--edit"}, c.args...)...)
		if code != ExitError || app.count() != 0 {
			t.Errorf("%s: exit %d, %d sent; want exit 2, nothing sent\n%s%s", c.name, code, app.count(), out, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.name, w, errs)
			}
		}
	}
}
