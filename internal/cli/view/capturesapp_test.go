package view

import (
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
)

// TestCaptureListApp: the APP column is the app's status, the kind of
// error when it gave none, blank when not forwarded; escaped, as it comes
// from a file.
func TestCaptureListApp(t *testing.T) {
	for _, tc := range []struct {
		fw   *capture.Forward
		want string
	}{
		{nil, ""},
		{&capture.Forward{Status: 500}, "500"},
		{&capture.Forward{Status: 204}, "204"},
		{&capture.Forward{Error: "no response within 2s", ErrorKind: "timeout"}, "timeout"},
		{&capture.Forward{Error: "connection refused by h:1"}, "error"}, // kept before error_kind was
	} {
		if got := AppAnswer(&capture.Record{Forward: tc.fw}); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.fw, got, tc.want)
		}
	}
	out, stdout, _ := testOut(false)
	p := NewCaptureListPrinter(out)
	_ = p.Capture(&capture.Record{ID: "01A", Forward: &capture.Forward{Error: "x", ErrorKind: "evil\x1b[2J"}}, "valid")
	_ = p.Close()
	if strings.Contains(stdout.String(), "\x1b") || !strings.Contains(stdout.String(), `evil\x1b[2J`) {
		t.Errorf("table %q", stdout)
	}
}

// TestCaptureFollowCutsLongCells: a hostile record (a path, an event type,
// a method of a hundred kilobytes) gives `captures list --follow` a line
// as bounded as the list's: each cell past MaxCell is cut with "…".
func TestCaptureFollowCutsLongCells(t *testing.T) {
	rec := &capture.Record{ID: "01A", Method: strings.Repeat("M", 100_000), Path: "/" + strings.Repeat("p", 100_000), Event: strings.Repeat("e\x1b", 100_000)}
	for _, follow := range []bool{false, true} {
		out, stdout, _ := testOut(false)
		p := NewCaptureListPrinter(out)
		if follow {
			p = NewCaptureFollowPrinter(out)
		}
		_ = p.Capture(rec, strings.Repeat("v", 100_000))
		limit := 2000
		if follow {
			// And a delivery appended once the file was read: a line of
			// the same columns, cut.
			if err := p.(CaptureFollowPrinter).CaughtUp(); err != nil {
				t.Fatal(err)
			}
			_ = p.Capture(rec, strings.Repeat("v", 100_000))
			limit = 4000
		}
		_ = p.Close()
		if n := len(stdout.String()); n > limit || strings.Contains(stdout.String(), "\x1b") || !strings.Contains(stdout.String(), "…") {
			t.Errorf("follow %v: %d bytes for one record, want cells cut", follow, n)
		}
	}
}
