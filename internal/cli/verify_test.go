package cli

import (
	"reflect"
	"testing"
)

// TestVerifyOptions runs `verify` with a runF that keeps the Options.
func TestVerifyOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want VerifyOptions
	}{
		{"one delivery", []string{"--scheme", "github", "--payload", "body.json", "-H", "X-Hub-Signature-256: sha256=00", "--at", "1700000000", "--url", "http://x/h"},
			VerifyOptions{Files: []string{}, Payload: "body.json", Headers: []string{"X-Hub-Signature-256: sha256=00"}, At: "1700000000", URL: "http://x/h", signing: signingFlags{scheme: "github"}}},
		{"a request file", []string{"--request", "req.http", "--endpoint", "staging"},
			VerifyOptions{Files: []string{}, Request: "req.http", signing: signingFlags{endpoint: "staging"}}},
		{"captures", []string{"a.jsonl", "-", "--where", "record.verdict==valid", "--last", "2", "--provider", "aella"},
			VerifyOptions{Files: []string{"a.jsonl", "-"}, sel: selectFlags{where: []string{"record.verdict==valid"}, last: 2}, signing: signingFlags{provider: "aella"}}},
		{"detect", []string{"--detect", "--request", "req.http", "--endpoint", "fb"},
			VerifyOptions{Files: []string{}, Request: "req.http", Detect: true, signing: signingFlags{endpoint: "fb"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *VerifyOptions
			cmd := newVerifyCommand(optionsApp(), func(o *VerifyOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			got.flags = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Errorf("options\n%+v\nwant\n%+v", *got, tc.want)
			}
		})
	}
	// Flags that check one delivery do not go with capture files.
	for _, bad := range [][]string{
		{"a.jsonl", "--payload", "b.json"},
		{"a.jsonl", "--request", "r.http"},
		{"a.jsonl", "-H", "A: b"},
		{"--request", "r.http", "--payload", "b.json"},
		{"--detect", "a.jsonl"},
		{"--detect", "--scheme", "github", "-H", "A: b"},
		{"--detect", "--provider", "github", "-H", "A: b"},
	} {
		called := false
		cmd := newVerifyCommand(optionsApp(), func(*VerifyOptions) error { called = true; return nil })
		cmd.SetArgs(bad)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); err == nil || called {
			t.Errorf("%v: error %v, runF called %v: want an error before it", bad, err, called)
		}
	}
}
