package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/compare"
	"github.com/hooktool/hooktool/internal/editor"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/term"
)

// editOne is replay --edit: it opens the body of the one capture q selects
// in the user's editor (after the --set edits, when edit is not nil) and
// returns a source of that capture alone and a Body that gives what the
// editor saved.
func (app *App) editOne(ctx context.Context, q *captureQuery, edit func(*capture.Record, []byte) ([]byte, error)) (replay.Source, func(*capture.Record, []byte) ([]byte, error), error) {
	var picked []*capture.Record
	err := app.eachCapture(q, func(r *capture.Record) error {
		if picked = append(picked, r); len(picked) > 1 {
			return usageErr("--edit opens one body, and the selection holds more than one capture: pick one with --id")
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(picked) == 0 {
		return nil, nil, failErr(errors.New("--edit: no capture matched the selection: nothing to edit"))
	}
	rec := picked[0]
	orig, err := rec.Bytes()
	if err != nil {
		return nil, nil, failErr(&replay.CaptureError{ID: rec.ID, Err: err})
	}
	start := orig
	if edit != nil {
		if start, err = edit(rec, orig); err != nil {
			return nil, nil, failErr(&replay.CaptureError{ID: rec.ID, Err: err})
		}
	}
	pattern := "hooktool-body-*.txt"
	if json.Valid(start) {
		pattern = "hooktool-body-*.json"
	}
	// The editor draws on stderr, the terminal: stdout carries the results.
	saved, err := editor.Edit(ctx, editor.Options{
		Getenv: app.Getenv, Stdin: app.Streams.In, Stdout: app.Streams.Err, Stderr: app.Streams.Err, Pattern: pattern,
	}, start)
	switch {
	case errors.Is(err, editor.ErrNoEditor):
		return nil, nil, failErr(err, "set VISUAL or EDITOR to your editor's command (EDITOR=vi, EDITOR=nano), or edit with --set")
	case err != nil:
		return nil, nil, failErr(err, "nothing was sent")
	}
	app.noteEdit(rec, orig, saved)
	source := func(each func(*capture.Record) error) error { return each(rec) }
	body := func(*capture.Record, []byte) ([]byte, error) { return saved, nil }
	return source, body, nil
}

// noteEdit says on stderr what the editor changed in rec's body, a line
// per JSON path (or the sizes, for a body that is not JSON), before it is
// sent.
func (app *App) noteEdit(rec *capture.Record, orig, saved []byte) {
	if bytes.Equal(orig, saved) {
		app.warn("capture %s: the body is unchanged; it is sent re-signed", rec.ID)
		return
	}
	if json.Valid(orig) && !json.Valid(saved) {
		app.warn("capture %s: the edited body is not JSON; it is sent as saved", rec.ID)
	}
	if app.Quiet || app.JSON {
		return
	}
	var lines []string
	if d, err := compare.Bodies(orig, saved); err == nil && len(d.Changes) > 0 {
		for _, c := range d.Changes {
			lines = append(lines, c.String())
		}
	} else {
		lines = append(lines, fmt.Sprintf("%d B → %d B", len(orig), len(saved)))
	}
	for _, l := range lines {
		fmt.Fprintf(app.Streams.Err, "hooktool: edited %s: %s\n", rec.ID, term.Escape(l))
	}
}
