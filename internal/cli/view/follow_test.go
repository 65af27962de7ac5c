package view

import (
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/term"
)

// TestTableStream: Stream writes the rows held so far in columns measured
// on them (at least as wide as asked), and every later row in those same
// columns, a cell wider than its column cut with "…" (its colour closed);
// the last cell of a line is never cut.
func TestTableStream(t *testing.T) {
	out, b := colourOut()
	tab := NewTable(out.Streams.Out, out.Palette, "ID", "NAME", "NOTE")
	tab.Row("a", "twelve chars", "n")
	if err := tab.Stream(3, 4); err != nil {
		t.Fatal(err)
	}
	first := b.String()
	tab.Row("bb", out.Palette.Dim("a name far longer than twelve"), "the last cell, long as it likes")
	tab.Row("日本", "日本語の名前です", "z")
	tab.Row("c", "short", "")
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), first) || strings.Count(first, "\n") != 2 {
		t.Fatalf("the rows held were not written by Stream, or written again:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "a name far …\x1b[0m") {
		t.Errorf("the long name is not cut to its column with its colour closed: %q", b.String())
	}
	// ID is 3 columns wide as asked (its cells are narrower), NAME 12 as
	// its widest cell held (more than the 4 asked): 日本 is cut to 日….
	checkAligned(t, b.String(), []string{"ID", "NAME", "NOTE"}, [][]string{
		{"a", "twelve chars", "n"},
		{"bb", "a name far …", "the last cell, long as it likes"},
		{"日…", "日本語の名…", "z"},
		{"c", "short"},
	})
}

// TestCaptureFollowAligns: captures list --follow prints the file's
// deliveries as the list does once it has caught up, then each new one in
// the same columns: a long request or event is cut with "…" rather than
// shifting the rest of its line, escaped first.
func TestCaptureFollowAligns(t *testing.T) {
	out, b := colourOut()
	p := NewCaptureFollowPrinter(out)
	at := time.Unix(1_800_000_000, 0)
	when := at.Local().Format("2006-01-02 15:04:05")
	long := "/" + strings.Repeat("p", 39)
	rec := func(id, path, event string, status int) *capture.Record {
		return &capture.Record{ID: id, ReceivedAt: at, Method: "POST", Path: path, Event: event, BodySize: 10, Answer: capture.Answer{Status: status}}
	}
	for _, r := range []*capture.Record{rec("01ARZ3NDEKTSV4RRFFQ69G5FAV", long, "transfer.completed", 200), rec("01ARZ3NDEKTSV4RRFFQ69G5FAW", "/two", "a.b", 500)} {
		if err := p.Capture(r, "valid"); err != nil {
			t.Fatal(err)
		}
	}
	if b.Len() != 0 {
		t.Fatalf("a row was printed before the file was read to its end: %q", b.String())
	}
	if err := p.CaughtUp(); err != nil {
		t.Fatal(err)
	}
	hostile := "\x1b[2K\r✔ valid" + strings.Repeat(".x", 40)
	esc := term.Escape(hostile)
	later := []*capture.Record{
		rec("01ARZ3NDEKTSV4RRFFQ69G5FAX", long+"/and/more/still", "mandate.confirmed", 200),
		rec("01ARZ3NDEKTSV4RRFFQ69G5FAY", "/日本語", hostile, 200),
	}
	for _, r := range later {
		if err := p.Capture(r, "valid"); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sgr.ReplaceAllString(b.String(), ""), "\x1b") {
		t.Fatalf("a raw ESC other than colour: %q", b.String())
	}
	// REQUEST is as wide as the first page's widest ("POST " and 40); the
	// escaped event is cut to EVENT's column.
	evCut := func(s string, n int) string { return string([]rune(s)[:n-1]) + "…" }
	eventCol := VisibleWidth("mandate.confirmed")
	for _, w := range []int{len("transfer.completed"), 24} {
		eventCol = max(eventCol, w)
	}
	checkAligned(t, b.String(), []string{"ID", "RECEIVED", "REQUEST", "EVENT", "VERDICT", "ANSWER", "SIZE"}, [][]string{
		{"01ARZ3NDEKTSV4RRFFQ69G5FAV", when, "POST " + long, "transfer.completed", "valid", "200", "10 B"},
		{"01ARZ3NDEKTSV4RRFFQ69G5FAW", when, "POST /two", "a.b", "valid", "500", "10 B"},
		{"01ARZ3NDEKTSV4RRFFQ69G5FAX", when, evCut("POST "+long+"/and/more/still", len("POST "+long)), "mandate.confirmed", "valid", "200", "10 B"},
		{"01ARZ3NDEKTSV4RRFFQ69G5FAY", when, "POST /日本語", evCut(esc, eventCol), "valid", "200", "10 B"},
	})
}
