package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
)

// TestTablesAlignWithColourForced runs every command that prints a table
// with colour forced on (CLICOLOR_FORCE, as in color.txtar) and checks
// that each row's cells start where their header's do, counting what a
// terminal shows: the bold header's escape codes take no room, a wide rune
// two columns.
func TestTablesAlignWithColourForced(t *testing.T) {
	sandbox(t)
	t.Setenv("NO_COLOR", "")
	t.Setenv("CLICOLOR_FORCE", "1")
	rec := &capture.Record{V: capture.Version, ID: "01WIDE", ReceivedAt: time.Unix(1_800_000_000, 0).UTC(),
		Method: "POST", Path: "/wide", Event: "支払い.完了", Answer: capture.Answer{Status: 200}, Forward: &capture.Forward{Status: 500}}
	rec.SetBody([]byte(`{}`))
	writeHostileCaptures(t, "c.jsonl", rec, hostileRecord("01HOSTILE"))
	os.Mkdir("cat", 0o755)
	writeFile(t, filepath.Join("cat", "s.yaml"), []byte("id: 日本/一\nprovider: aella\ndescription: 説明\nsteps:\n  - name: one\n    event: transfer.completed\n"))
	for _, args := range [][]string{
		{"providers"},
		{"events"},
		{"scenario", "list", "--catalog", "cat"},
		{"captures", "list", "c.jsonl"},
		{"config"},
	} {
		code, out, errs := run(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		if !strings.Contains(out, "\x1b[1m") {
			t.Fatalf("%v: colour is not on: %q", args, out)
		}
		checkColumns(t, strings.Join(args, " "), out)
	}
}

var sgrSeq = regexp.MustCompile("\x1b\\[[0-9;]*m")

// checkColumns checks a table whose header's names hold no space: where
// a header name starts, every row has a cell starting (a space before it,
// a non-space at it), in terminal columns.
func checkColumns(t *testing.T, what, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(sgrSeq.ReplaceAllString(out, ""), "\n"), "\n")
	if what == "config" {
		lines = lines[1:] // the "# config file:" line
	}
	cells := func(line string) []rune { // one slot per terminal column
		var s []rune
		for _, r := range line {
			s = append(s, r)
			if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 || r >= 0xff00 && r <= 0xff60) {
				s = append(s, 0) // the wide rune's second column
			}
		}
		return s
	}
	head := cells(lines[0])
	var starts []int
	for i, r := range head {
		if r != ' ' && (i == 0 || head[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	if len(starts) < 3 {
		t.Fatalf("%s: not a table header: %q", what, lines[0])
	}
	for _, line := range lines[1:] {
		row := cells(line)
		for _, c := range starts[1:] {
			if c >= len(row) {
				continue // empty trailing cells
			}
			if row[c-1] != ' ' || row[c] == ' ' || row[c] == 0 {
				t.Errorf("%s: a cell does not start at column %d (header %q):\n%s\n%s", what, c, lines[0], lines[0], line)
				break
			}
		}
	}
}
