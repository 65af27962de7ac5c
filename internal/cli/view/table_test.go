package view

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/scenario"
	"github.com/hooktool/hooktool/internal/term"
)

// sgr matches the colour sequences a palette writes.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// cellWidth is the test's own, independent measure of a cell on a
// terminal: the East Asian wide runes the tests use take two columns,
// everything else one.
func cellWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0xa4cf, r >= 0xac00 && r <= 0xd7a3,
			r >= 0xf900 && r <= 0xfaff, r >= 0xff00 && r <= 0xff60, r >= 0x1f300 && r <= 0x1faff:
			n += 2
		default:
			n++
		}
	}
	return n
}

// checkAligned checks that in out (a table whose header is its first
// line), every row's cells start at the visible column of their header's
// cell. rows holds each row's cells as printed (escaped, uncoloured).
func checkAligned(t *testing.T, out string, header []string, rows [][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(sgr.ReplaceAllString(out, ""), "\n"), "\n")
	if len(lines) != len(rows)+1 {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(rows)+1, out)
	}
	starts := func(line string, cells []string) []int {
		var cols []int
		from := 0
		for _, c := range cells {
			i := strings.Index(line[from:], c)
			if i < 0 {
				t.Fatalf("cell %q not in %q", c, line)
			}
			cols = append(cols, cellWidth(line[:from+i]))
			from += i + len(c)
		}
		return cols
	}
	want := starts(lines[0], header)
	for i, r := range rows {
		got := starts(lines[i+1], r)
		for c := range got {
			if got[c] != want[c] {
				t.Errorf("row %d: column %s starts at %d, its header at %d:\n%s", i+1, header[c], got[c], want[c], strings.Join(lines, "\n"))
			}
		}
		if strings.HasSuffix(lines[i+1], " ") {
			t.Errorf("row %d ends in spaces: %q", i+1, lines[i+1])
		}
	}
}

func colourOut() (Out, *strings.Builder) {
	var b strings.Builder
	return Out{Streams: &term.Streams{Out: &b}, Palette: term.NewPalette(true)}, &b
}

// TestTableAlignsOnVisibleWidth: the bold header's escape codes take no
// room, East Asian wide runes take two columns, and what a sender or a
// file controls is escaped before it is measured.
func TestTableAlignsOnVisibleWidth(t *testing.T) {
	out, b := colourOut()
	tab := NewTable(out.Streams.Out, out.Palette, "ID", "NAME", "NOTE")
	hostile := term.Escape("\x1b[2K\r✔ valid")
	tab.Row("a", "日本語の名前", out.Palette.Dim("dim"))
	tab.Row("bbbbbbbbbbbb", hostile, "")
	tab.Row("ｃｃ", "x", "z")
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\x1b[1mID\x1b[22m") {
		t.Fatalf("the header is not bold: %q", b.String())
	}
	if strings.Contains(sgr.ReplaceAllString(b.String(), ""), "\x1b") {
		t.Fatalf("a raw ESC other than colour: %q", b.String())
	}
	checkAligned(t, b.String(), []string{"ID", "NAME", "NOTE"}, [][]string{
		{"a", "日本語の名前", "dim"}, {"bbbbbbbbbbbb", hostile}, {"ｃｃ", "x", "z"},
	})
}

func TestVisibleWidth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"\x1b[1mID\x1b[0m", 2},
		{"日本", 4},
		{"ｃ", 2},
		{"café", 4},
		{"cafe\u0301", 4}, // a combining accent takes no column
		{`\x1b[2K\r`, 9},
		{"✔", 1},
	} {
		if got := VisibleWidth(tc.in); got != tc.want {
			t.Errorf("VisibleWidth(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestTablesAlignWithColour: every table of the text printers lines up by
// visible width with colour on, with wide and hostile cells.
func TestTablesAlignWithColour(t *testing.T) {
	wide := "日本語"
	hostile := "\x1b[2K\r✔ valid"
	esc := term.Escape(hostile)

	t.Run("providers", func(t *testing.T) {
		out, b := colourOut()
		ps := []*catalog.Provider{
			{ID: "p1", Name: wide, Illustrative: true, Builtin: true},
			{ID: "p2" + hostile, Name: "Two", Builtin: true, Signing: catalog.Signing{Scheme: "stripe"}},
		}
		if err := NewProvidersPrinter(out).Providers(ps); err != nil {
			t.Fatal(err)
		}
		checkAligned(t, b.String(), []string{"ID", "NAME", "EVENTS", "SIGNING", "NOTE"}, [][]string{
			{"p1", wide, "0", "-", "illustrative"}, {"p2" + esc, "Two", "0", "stripe"},
		})
	})
	t.Run("events", func(t *testing.T) {
		out, b := colourOut()
		ps := []*catalog.Provider{{ID: "p" + wide, Events: []catalog.Event{
			{Name: "a.b", Description: "one", Illustrative: true}, {Name: "c" + hostile, Description: "two" + hostile, Illustrative: true},
		}}}
		if err := NewEventsPrinter(out).Events(ps); err != nil {
			t.Fatal(err)
		}
		checkAligned(t, b.String(), []string{"PROVIDER", "EVENT", "DESCRIPTION"}, [][]string{
			{"p" + wide, "a.b", "one (illustrative)"}, {"p" + wide, "c" + esc, "two" + esc + " (illustrative)"},
		})
	})
	t.Run("scenario list", func(t *testing.T) {
		out, b := colourOut()
		list := []*scenario.Scenario{
			{ID: "s" + wide, Description: "d1", Steps: []*scenario.Step{{Name: "one", Event: "e.one"}}},
			{ID: "s2" + hostile, Description: "d2" + hostile, Steps: []*scenario.Step{{Name: "x", Event: "e" + hostile}}},
		}
		if err := NewScenarioList(out).List(list); err != nil {
			t.Fatal(err)
		}
		checkAligned(t, b.String(), []string{"SCENARIO", "STEPS", "DESCRIPTION"}, [][]string{
			{"s" + wide, "e.one", "d1"}, {"s2" + esc, "e" + esc, "d2" + esc},
		})
	})
	t.Run("captures list", func(t *testing.T) {
		out, b := colourOut()
		p := NewCaptureListPrinter(out)
		at := time.Unix(1_800_000_000, 0)
		recs := []*capture.Record{
			{ID: "id" + wide, ReceivedAt: at, Method: "POST", Path: "/" + wide, Event: "e" + wide, BodySize: 10, Answer: capture.Answer{Status: 200}},
			{ID: "id2", ReceivedAt: at, Method: "POST", Path: "/x", Event: hostile, BodySize: 2000, Answer: capture.Answer{Status: 500}},
		}
		for _, r := range recs {
			if err := p.Capture(r, "valid"); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		when := at.Local().Format("2006-01-02 15:04:05")
		checkAligned(t, b.String(), []string{"ID", "RECEIVED", "REQUEST", "EVENT", "VERDICT", "ANSWER", "SIZE"}, [][]string{
			{"id" + wide, when, "POST /" + wide, "e" + wide, "valid", "200", "10 B"},
			{"id2", when, "POST /x", esc, "valid", "500", "2.0 KiB"},
		})
	})
}

// TestTableCutsHugeCells: a cell other columns follow is cut at MaxCell
// columns with "…" (colour kept whole and closed), so one 1 MiB name does
// not pad every row of its column to a megabyte; the last cell of a line,
// never padded, is kept whole.
func TestTableCutsHugeCells(t *testing.T) {
	out, b := colourOut()
	tab := NewTable(out.Streams.Out, out.Palette, "ID", "NAME", "NOTE")
	huge := strings.Repeat("A", 1<<20)
	for i := 0; i < 50; i++ {
		tab.Row("p", "short", "note")
	}
	tab.Row("q", out.Palette.Dim(huge), huge)
	tab.Row("r", strings.Repeat("日", MaxCell), "z")
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := b.Len(); n > 1<<20+100*MaxCell {
		t.Fatalf("the table is %d bytes: the huge cell padded the others", n)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	q := lines[len(lines)-2]
	if !strings.HasSuffix(q, huge) {
		t.Errorf("the last cell was cut")
	}
	// Both rows take ID's 2 columns and 2 spaces, NAME's MaxCell and 2
	// spaces before their last cell: the cut name is MaxCell columns, the
	// wide runes' one cut to MaxCell-1 (a wide rune does not fit in the
	// last column), padded.
	before := strings.TrimSuffix(q, huge)
	if VisibleWidth(before) != 2+2+MaxCell+2 || !strings.HasSuffix(strings.TrimRight(before, " "), "…\x1b[0m") {
		t.Errorf("the huge name's row is %d columns before its last cell (…%q), want %d, cut with … and its colour closed", VisibleWidth(before), before[len(before)-20:], 2+2+MaxCell+2)
	}
	if r := strings.TrimSuffix(lines[len(lines)-1], "z"); VisibleWidth(r) != 2+2+MaxCell+2 || !strings.Contains(r, "日…") {
		t.Errorf("the wide runes' row is %d columns before its last cell, want %d, cut with …", VisibleWidth(r), 2+2+MaxCell+2)
	}
}
