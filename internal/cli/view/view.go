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

// JSONLine writes v as one line of JSON (HTML characters not escaped: the
// output is read by programs, not pasted into pages).
func JSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
