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

// MaxCell is the most columns a cell that other columns follow takes:
// one wider (a 1 MiB provider name) is cut there with "…", or it would pad
// every other row of its column as wide (a table of megabytes). The last
// cell of a line is never padded, so never cut.
const MaxCell = 200

// Flush writes the table; the last cell of a line is not padded.
func (t *Table) Flush() error {
	rows := make([][]string, len(t.rows))
	for j, r := range t.rows {
		// A row ends at its last non-empty cell.
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		rows[j] = r[:n]
	}
	var widths [][]int // each cell's visible width, as printed
	var col []int      // each column's width
	for _, r := range rows {
		w := make([]int, len(r))
		for i := range r {
			if i < len(r)-1 {
				r[i] = cut(r[i], MaxCell)
			}
			w[i] = VisibleWidth(r[i])
			if i == len(col) {
				col = append(col, 0)
			}
			// A last cell, never cut, counts up to MaxCell: the header's
			// next column starts after it.
			col[i] = max(col[i], min(w[i], MaxCell))
		}
		widths = append(widths, w)
	}
	var b strings.Builder
	for j, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", col[i]-widths[j][i]+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// cut shortens s to at most n visible columns, its last one "…", keeping
// colour sequences whole and ending any it leaves open.
func cut(s string, n int) string {
	if len(s) <= n { // every column takes at least one byte
		return s
	}
	w, sgr := 0, false
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i, sgr = j+1, true
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if rw := runeWidth(r); w+rw > n-1 {
			if VisibleWidth(s[i:]) <= n-w {
				return s // what is left fits after all
			}
			out := s[:i] + "…"
			if sgr {
				out += "\x1b[0m"
			}
			return out
		} else {
			w += rw
		}
		i += size
	}
	return s
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
	case r >= 0x20 && r < 0x7f:
		return 1 // printable ASCII: most of every table
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
