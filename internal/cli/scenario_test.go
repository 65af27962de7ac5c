package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/term"
)

// The flags of `scenario run` and their defaults make the Options the run
// gets (runF stands in for the run: nothing is sent).
func TestScenarioRunOptions(t *testing.T) {
	run := func(args ...string) *ScenarioOptions {
		t.Helper()
		streams, _, _ := term.Test("")
		var got *ScenarioOptions
		cmd := newScenarioRunCommand(&App{Streams: streams}, func(o *ScenarioOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if got == nil {
			t.Fatalf("%v: runF was not called", args)
		}
		return got
	}
	o := run("aella/mandate-lifecycle")
	if o.Arg != "aella/mandate-lifecycle" || o.Duplicate != 1 || o.Timeout != 10*time.Second || o.Storm != 0 || o.Rate != 0 ||
		o.Concurrent || o.Shuffle || o.SeedGiven || o.Seed != 0 || o.Jitter != 0 || o.To != "" || o.Save != "" || o.JUnit != "" ||
		len(o.Probes) != 0 || len(o.Headers) != 0 || o.Insecure || o.flags == nil || o.Idempotency || o.Reset != "" ||
		len(o.ProbeIgnore) != 0 || o.Retry != "" || o.RetryBackoff != time.Second || o.RetryScale != 0 {
		t.Errorf("defaults: %+v", o)
	}
	o = run("./flow.yaml", "--id", "shop/two", "--to", "http://h/in", "--duplicate", "3", "--concurrent", "--shuffle", "--seed", "0",
		"--jitter", "250ms", "--storm", "2", "--rate", "50", "--probe", "GET http://h/a", "--probe", "http://h/b",
		"--expect", "a==1", "--expect", "b==2", "--junit", "r.xml", "--idempotency", "--reset", "POST http://h/reset",
		"--probe-ignore", "at", "--probe-ignore", "items.#.id", "--retry", "provider", "--retry-backoff", "2s", "--retry-scale", "0.5", "--save", "s.jsonl", "--timeout", "3s", "-H", "A: b", "--header", "C: d",
		"--insecure", "--scheme", "stripe", "-P", "payments")
	want := ScenarioOptions{Arg: "./flow.yaml", ID: "shop/two", To: "http://h/in", Duplicate: 3, Concurrent: true, Shuffle: true,
		SeedGiven: true, Jitter: 250 * time.Millisecond, Storm: 2, Rate: 50, JUnit: "r.xml", Save: "s.jsonl", Timeout: 3 * time.Second, Insecure: true}
	if o.Arg != want.Arg || o.ID != want.ID || o.To != want.To || o.Duplicate != want.Duplicate || !o.Concurrent || !o.Shuffle ||
		!o.SeedGiven || o.Seed != 0 || o.Jitter != want.Jitter || o.Storm != want.Storm || o.Rate != want.Rate || o.JUnit != want.JUnit ||
		o.Save != want.Save || o.Timeout != want.Timeout || !o.Insecure {
		t.Errorf("flags: %+v", o)
	}
	// Each --expect belongs to the --probe before it.
	if len(o.Probes) != 2 || o.Probes[0].Request != "GET http://h/a" || len(o.Probes[0].Expects) != 0 ||
		o.Probes[1].Request != "http://h/b" || !slices.Equal(o.Probes[1].Expects, []string{"a==1", "b==2"}) ||
		!slices.Equal(o.Headers, []string{"A: b", "C: d"}) || !slices.Equal(o.ProbeIgnore, []string{"at", "items.#.id"}) {
		t.Errorf("repeatable flags: %q %q %q", o.Probes, o.Headers, o.ProbeIgnore)
	}
	if !o.Idempotency || o.Reset != "POST http://h/reset" || o.Retry != "provider" || o.RetryBackoff != 2*time.Second || o.RetryScale != 0.5 {
		t.Errorf("idempotency and retry flags: %+v", o)
	}
	if p := run("x", "--probe", "GET http://h/a", "--expect", "a==1", "--probe", "GET http://h/b", "--expect", "b==1", "--retry", "3"); len(p.Probes) != 2 ||
		!slices.Equal(p.Probes[0].Expects, []string{"a==1"}) || !slices.Equal(p.Probes[1].Expects, []string{"b==1"}) || p.Retry != "3" {
		t.Errorf("--probe --expect pairs: %q", p.Probes)
	}
	if o.signing.scheme != "stripe" || o.signing.provider != "payments" {
		t.Errorf("signing flags: %+v", o.signing)
	}
	if o := run("x", "--seed", "42"); o.Seed != 42 || !o.SeedGiven {
		t.Errorf("--seed 42: %d, given %v", o.Seed, o.SeedGiven)
	}
	// A span flag refuses what is not a span before the run.
	streams, _, _ := term.Test("")
	cmd := newScenarioRunCommand(&App{Streams: streams}, func(*ScenarioOptions) error { t.Error("runF ran with --jitter -1s"); return nil })
	cmd.SetArgs([]string{"x", "--jitter", "-1s"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); err == nil {
		t.Error("--jitter -1s was accepted")
	}
}

func TestScenarioListOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{{nil, ""}, {[]string{"--provider", "aella"}, "aella"}, {[]string{"-P", "accounts"}, "accounts"}} {
		streams, _, _ := term.Test("")
		var got *ScenarioListOptions
		cmd := newScenarioListCommand(&App{Streams: streams}, func(o *ScenarioListOptions) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil || got == nil {
			t.Fatalf("%v: %v (ran: %v)", tc.args, err, got != nil)
		}
		if got.Provider != tc.want || got.flags == nil {
			t.Errorf("%v: Provider %q, want %q", tc.args, got.Provider, tc.want)
		}
	}
}

// `scenario list` with broken files in the catalog directory lists the
// rest and names each broken file with its line, exit 2.
func TestScenarioListNamesBrokenFiles(t *testing.T) {
	sandbox(t)
	if err := os.Mkdir("cat", 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join("cat", "good.yaml"), []byte("id: shop/good\nprovider: aella\nsteps: [{event: transfer.completed}]\n"))
	writeFile(t, filepath.Join("cat", "typo.yaml"), []byte("id: shop/typo\nsteps:\n  - event: transfer.completed\n    evnt: x\n"))
	writeFile(t, filepath.Join("cat", "syntax.yaml"), []byte("steps: [\n"))
	writeFile(t, filepath.Join("cat", "provider.yaml"), []byte("id: acme\nname: Acme\nevent_path: e\nevents: []\n"))
	code, out, errs := run(t, "", "scenario", "list", "--catalog", "cat")
	if code != ExitError {
		t.Errorf("exit %d, want %d", code, ExitError)
	}
	if !strings.Contains(out, "shop/good ") || !strings.Contains(out, "aella/mandate-lifecycle ") || strings.Contains(out, "shop/typo") {
		t.Errorf("the good scenarios are not listed alone:\n%s", out)
	}
	for _, want := range []string{filepath.Join("cat", "typo.yaml") + `:4: unknown key "evnt"`, filepath.Join("cat", "syntax.yaml") + ":"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr does not name %s:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "provider.yaml") {
		t.Errorf("a provider file was taken for a broken scenario file:\n%s", errs)
	}
	// --json: the scenarios on stdout, an error line per broken file on stderr.
	code, out, errs = run(t, "", "scenario", "list", "--catalog", "cat", "--json")
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != ExitError || !strings.Contains(out, `"id":"shop/good"`) || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], `{"type":"error","message":"cat`) || !strings.Contains(lines[0], `syntax.yaml:`) ||
		!strings.HasPrefix(lines[1], `{"type":"error","message":"cat`) || !strings.Contains(lines[1], `typo.yaml:4: unknown key`) {
		t.Errorf("--json: exit %d\n%s\n%s", code, out, errs)
	}
	// Running any scenario stops at a broken file: it may be the one meant.
	if code, _, errs := run(t, "", "scenario", "run", "shop/good", "--catalog", "cat", "--to", "http://127.0.0.1:9/"); code != ExitError || !strings.Contains(errs, "typo.yaml:4:") {
		t.Errorf("run with a broken file: exit %d: %s", code, errs)
	}
}
