package view

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/term"
	"golang.org/x/text/width"
)

// Table prints aligned columns for people: a bold header, then rows, each
// column as wide as its widest cell plus two spaces. Cells are measured by
// the columns they take on a terminal (VisibleWidth), not by their bytes,
// so colour and wide runes do not shift the columns after them. Every
// table of the text printers is one.
type Table struct {
	w    io.Writer
	rows [][]string
}

// NewTable starts a table on w whose header is the given column names,
// bold in pal.
func NewTable(w io.Writer, pal term.Palette, header ...string) *Table {
	h := make([]string, len(header))
	for i, name := range header {
		h[i] = pal.Bold(name)
	}
	return &Table{w: w, rows: [][]string{h}}
}

// Row adds a row. Its cells must be safe to print: every part a sender or
// a file controls through term.Escape first, colour only from a palette.
func (t *Table) Row(cells ...string) { t.rows = append(t.rows, cells) }

// Flush writes the table; the last cell of a line is not padded.
func (t *Table) Flush() error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], VisibleWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		// A row ends at its last non-empty cell.
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		for i, c := range r[:n] {
			b.WriteString(c)
			if i < n-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-VisibleWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// VisibleWidth is how many columns s takes on a terminal: colour (SGR)
// sequences take none, nor do combining marks and other zero-width runes;
// East Asian wide and fullwidth runes take two (golang.org/x/text/width,
// ambiguous ones counted narrow, as most terminals do outside East Asian
// locales). s is already escaped (term.Escape), so the only ESC in it
// starts a palette's colour.
func VisibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			// CSI: parameters and intermediates up to a final byte 0x40-0x7e.
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j + 1
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case r < 0x20 || r == 0x7f:
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}
