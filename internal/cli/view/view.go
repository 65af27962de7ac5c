// Package view prints what hooktool's commands produce, as restic's
// internal/ui does: one printer per command, each with a text form for
// people (aligned, coloured on a terminal, every sender-controlled byte
// through term.Escape) and a JSON-lines form for scripts. A command hands
// its engine's results to its printer and never branches on --json itself.
package view

import (
	"encoding/json"
	"io"

	"github.com/hooktool/hooktool/internal/term"
)

// Out is where and how a printer prints: the command's streams, whether
// --json, --quiet and colour are on.
type Out struct {
	Streams *term.Streams
	JSON    bool
	Quiet   bool
	// Palette colours stdout, ErrPalette stderr; each is plain unless its
	// stream is a terminal that wants colour.
	Palette, ErrPalette term.Palette
}

// LineKind is what a line of text output tells, for the --quiet rule.
type LineKind int

const (
	// ProgressLine says what is being done: listening on, sending to,
	// a progress bar, a note.
	ProgressLine LineKind = iota
	// SuccessLine says something went well: a valid signature, a
	// delivery acknowledged, a probe that held.
	SuccessLine
	// SummaryLine is a closing count.
	SummaryLine
	// DetailLine is said under another line: a hint, a diff, a warning.
	DetailLine
	// FailureLine says something went wrong: an error, an invalid
	// signature, a delivery not acknowledged, an expectation not met.
	FailureLine
)

// Shows is the --quiet rule, for every printer and message: --quiet
// drops progress, success, summary and detail lines (hints included),
// and keeps each error and failure, said in one line. --json output is
// data: every JSON line is printed either way.
func (o Out) Shows(k LineKind) bool {
	return !o.Quiet || o.JSON || k == FailureLine
}

// okLine is the kind of a line that says whether something went well.
func okLine(ok bool) LineKind {
	if ok {
		return SuccessLine
	}
	return FailureLine
}

// JSONLine writes v as one line of JSON (HTML characters not escaped: the
// output is read by programs, not pasted into pages).
func JSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
