package cli

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestCapturesDiffOptions: three arguments are FILE ID1 ID2, four are FILE
// ID1 FILE2 ID2; any other count, or stdin twice, stops before runF.
func TestCapturesDiffOptions(t *testing.T) {
	for _, c := range []struct {
		args []string
		want CapturesDiffOptions
	}{
		{[]string{"captures", "diff", "a.jsonl", "01J", "01K"}, CapturesDiffOptions{FileA: "a.jsonl", IDA: "01J", FileB: "a.jsonl", IDB: "01K"}},
		{[]string{"captures", "diff", "a.jsonl", "01J", "b.jsonl", "01K", "--skip-bad"}, CapturesDiffOptions{FileA: "a.jsonl", IDA: "01J", FileB: "b.jsonl", IDB: "01K", SkipBad: true}},
		{[]string{"captures", "diff", "-", "01J", "b.jsonl", "01K"}, CapturesDiffOptions{FileA: "-", IDA: "01J", FileB: "b.jsonl", IDB: "01K"}},
		{[]string{"captures", "diff", "-", "01J", "01K"}, CapturesDiffOptions{FileA: "-", IDA: "01J", FileB: "-", IDB: "01K"}},
	} {
		sandbox(t)
		var o *CapturesDiffOptions
		code, stderr := seam(t, nil, []string{"captures", "diff"}, func(app *App) *cobra.Command { return newCapturesDiffCommand(app, keep(&o)) }, c.args...)
		if code != 0 || o == nil {
			t.Errorf("%q: exit %d: %s", c.args, code, stderr)
			continue
		}
		o.flags = nil
		if *o != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.args, *o, c.want)
		}
	}
	for _, args := range [][]string{
		{"captures", "diff", "a.jsonl", "01J"},
		{"captures", "diff", "a.jsonl", "01J", "b.jsonl", "01K", "01L"},
		{"captures", "diff", "-", "01J", "-", "01K"},
		{"captures", "diff", "a.jsonl", "01J", "01K", "--where", "x==1"},
	} {
		sandbox(t)
		called := false
		code, _ := seam(t, nil, []string{"captures", "diff"}, func(app *App) *cobra.Command {
			return newCapturesDiffCommand(app, func(*CapturesDiffOptions) error { called = true; return nil })
		}, args...)
		if code != ExitError || called {
			t.Errorf("%q: exit %d, runF called %v; want exit 2 before runF", args, code, called)
		}
	}
}
