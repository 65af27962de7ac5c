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
// table of the text printers is one. A table printed as its rows come
// (Stream) keeps the columns measured on its first rows.
type Table struct {
	w    io.Writer
	rows [][]string
	// cols are the columns' widths once Stream has fixed them.
	cols []int
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

// Flush writes the rows added since the last Flush; the last cell of a
// line is not padded. Before Stream, the columns are measured on those
// rows; after it, they keep Stream's widths and a cell wider than its
// column is cut there with "…", as one wider than MaxCell always is.
func (t *Table) Flush() error {
	rows := t.take()
	cols := t.cols
	if cols == nil {
		cols = measure(rows)
	}
	return t.write(rows, cols)
}

// Stream writes the rows added so far as Flush does, each column at least
// min[i] wide, and keeps those widths for every later Flush: a table
// printed as its rows come (captures list --follow), whose later rows line
// up with the header it printed first.
func (t *Table) Stream(min ...int) error {
	rows := t.take()
	cols := measure(rows)
	for i, m := range min {
		if i < len(cols) {
			cols[i] = max(cols[i], m)
		}
	}
	t.cols = cols
	return t.write(rows, cols)
}

// take hands over the rows held, each ending at its last non-empty cell.
func (t *Table) take() [][]string {
	rows := t.rows
	t.rows = nil
	for j, r := range rows {
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		rows[j] = r[:n]
	}
	return rows
}

// measure is each column's width: its widest cell, a cell that other
// columns follow cut at MaxCell, a last cell counted up to MaxCell (the
// header's next column starts after it).
func measure(rows [][]string) []int {
	var cols []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(cols) {
				cols = append(cols, 0)
			}
			w := VisibleWidth(c)
			if i < len(r)-1 {
				w = VisibleWidth(cut(c, MaxCell))
			}
			cols[i] = max(cols[i], min(w, MaxCell))
		}
	}
	return cols
}

// write prints rows in columns of the given widths: every cell but a
// line's last is cut to its column and padded to it, then two spaces.
func (t *Table) write(rows [][]string, cols []int) error {
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			col := MaxCell
			if i < len(cols) {
				col = cols[i]
			}
			c = cut(c, col)
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", max(col-VisibleWidth(c), 0)+2))
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
