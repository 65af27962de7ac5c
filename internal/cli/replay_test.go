package cli

import (
	"reflect"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/term"
)

// optionsApp is an app for running one command's constructor with a runF.
func optionsApp() *App {
	streams, _, _ := term.Test("")
	return &App{Streams: streams, Getenv: func(string) string { return "" }, Now: time.Now}
}

// TestReplayOptions runs `replay` with a runF that keeps the Options: flags
// and defaults become the right Options, and flag errors stop it first.
func TestReplayOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want func(o *ReplayOptions)
	}{
		{"defaults", []string{"a.jsonl"}, func(o *ReplayOptions) {
			o.Files, o.KeepPath, o.Concurrency, o.RetryBackoff, o.Timeout = []string{"a.jsonl"}, true, 1, time.Second, 10*time.Second
		}},
		{"every flag", []string{"a.jsonl", "b.jsonl", "--to", "localhost:3000", "--keep-path=false", "--resign", "-c", "32",
			"--rate", "500", "--retry", "2", "--retry-backoff", "10ms", "--timeout", "5s", "--stop-on-failure",
			"-H", "X-A: 1", "-H", "X-B: 2", "--unset-header", "X-C", "--insecure", "--id", "01J", "--event", "transfer.*", "--where", "data.amount>5",
			"--last", "3", "--skip-bad", "--scheme", "stripe", "--endpoint", "staging",
			"--set", "data.amount=5", "--set-str", "data.note=07", "--unset", "data.fee", "--edit"}, func(o *ReplayOptions) {
			o.Files, o.To, o.KeepPath, o.Resign, o.Concurrency = []string{"a.jsonl", "b.jsonl"}, "localhost:3000", false, true, 32
			o.Rate, o.Retry, o.RetryBackoff, o.Timeout, o.StopOnFailure = 500, 2, 10*time.Millisecond, 5*time.Second, true
			o.Headers, o.UnsetHeaders, o.Insecure = []string{"X-A: 1", "X-B: 2"}, []string{"X-C"}, true
			o.sel = selectFlags{ids: []string{"01J"}, event: "transfer.*", where: []string{"data.amount>5"}, last: 3, skipBad: true}
			o.signing.scheme, o.signing.endpoint = "stripe", "staging"
			o.edits = payloadEdits{sets: []string{"data.amount=5"}, setStrings: []string{"data.note=07"}, unsets: []string{"data.fee"}}
			o.Edit = true
		}},
		{"path prefix", []string{"a.jsonl", "--to", "localhost:3000/in", "--path-prefix"}, func(o *ReplayOptions) {
			o.Files, o.To, o.KeepPath, o.PathPrefix, o.Concurrency, o.RetryBackoff, o.Timeout = []string{"a.jsonl"}, "localhost:3000/in", true, true, 1, time.Second, 10*time.Second
		}},
		{"most concurrency", []string{"a.jsonl", "--concurrency", "1024"}, func(o *ReplayOptions) {
			o.Files, o.KeepPath, o.Concurrency, o.RetryBackoff, o.Timeout = []string{"a.jsonl"}, true, 1024, time.Second, 10*time.Second
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *ReplayOptions
			cmd := newReplayCommand(optionsApp(), func(o *ReplayOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			want := &ReplayOptions{}
			tc.want(want)
			got.flags, got.ctx = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("options\n%+v\nwant\n%+v", *got, *want)
			}
		})
	}
	for _, bad := range [][]string{
		{"a.jsonl", "--concurrency", "0"},
		{"a.jsonl", "--concurrency", "1025"},
		{"a.jsonl", "--rate", "-1"},
		{"a.jsonl", "--rate", "NaN"},
		{"a.jsonl", "--rate", "1e300"},
		{"a.jsonl", "--retry", "-1"},
		{"a.jsonl", "--timeout", "0s"},
		{"a.jsonl", "--path-prefix", "--keep-path=false"},
		{"a.jsonl", "--set", "data.#.id=1"},
		{"a.jsonl", "--set", "novalue"},
		{"a.jsonl", "--unset", "data..x"},
		{"-", "--id", "01J", "--edit"},
		{"a.jsonl", "-H", "Content-Length: 1"},
		{"a.jsonl", "-H", "Connection: close"},
		{"a.jsonl", "--unset-header", "Transfer-Encoding"},
		{"a.jsonl", "--unset-header", "Bad Name"},
	} {
		called := false
		cmd := newReplayCommand(optionsApp(), func(*ReplayOptions) error { called = true; return nil })
		cmd.SetArgs(bad)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if err == nil || called || exitCode(err) != ExitError {
			t.Errorf("%v: error %v (exit %d), runF called %v: want a usage error before it", bad, err, exitCode(err), called)
		}
	}
}
