package cli

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/config"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

// The runF seams: each test runs the real command tree with one command
// replaced by its twin whose runF keeps the Options it is handed and runs
// nothing. What is checked is what flags, defaults, the environment and
// the config file make of the Options.

// seam runs hooktool with args (in a sandbox the test has made); path names the command to replace (its
// parents first) and twin builds the replacement. env is the whole
// variables set for the command (the config reads the process's environment
// through viper, so they are set with t.Setenv). It returns the exit code
// and stderr.
func seam(t *testing.T, env map[string]string, path []string, twin func(*App) *cobra.Command, args ...string) (int, string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	streams, _, errb := term.Test("")
	app := &App{
		Streams: streams,
		Getenv:  os.Getenv,
		Now:     func() time.Time { return time.Unix(1_800_000_000, 0) },
		Version: "test",
	}
	root := NewRootCommand(app)
	parent := root
	for _, name := range path[:len(path)-1] {
		parent = child(t, parent, name)
	}
	parent.RemoveCommand(child(t, parent, path[len(path)-1]))
	parent.AddCommand(twin(app))
	presetGlobalFlags(app, args)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	app.reportError(err)
	return exitCode(err), errb.String()
}

func child(t *testing.T, parent *cobra.Command, name string) *cobra.Command {
	t.Helper()
	for _, c := range parent.Commands() {
		if c.Name() == name {
			return c
		}
	}
	t.Fatalf("%s has no subcommand %s", parent.Name(), name)
	return nil
}

// keep returns a runF that stores the Options it is given in *got.
func keep[O any](got **O) func(*O) error {
	return func(o *O) error { *got = o; return nil }
}

const seamConfig = `scheme: slack
catalog: ./my-catalog
endpoint: staging
endpoints:
  staging:
    provider: aella
    url: http://localhost:3000/hook
    callback_url: http://localhost:3000/callbacks
    scheme: stripe
    secrets: [whsec_c2VjcmV0]
`

func TestSignOptions(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		sandbox(t)
		var o *SignOptions
		code, stderr := seam(t, nil, []string{"sign"}, func(app *App) *cobra.Command { return newSignCommand(app, keep(&o)) },
			"sign", "--scheme", "github", "--secret", "s3cret")
		if code != 0 || o == nil {
			t.Fatalf("exit %d, Options %v: %s", code, o, stderr)
		}
		if o.Format != "headers" || o.ContentType != "application/json" || o.Payload != "" || o.ID != "" || o.Timestamp != "" || o.To != "" {
			t.Errorf("defaults: %+v", o)
		}
		if got := o.resolved.scheme.Name(); got != "github" {
			t.Errorf("scheme %q, want github (--scheme)", got)
		}
		if n := len(o.resolved.signing.Secrets); n != 1 {
			t.Errorf("%d secrets, want the one of --secret", n)
		}
	})
	t.Run("flags", func(t *testing.T) {
		sandbox(t)
		var o *SignOptions
		code, stderr := seam(t, nil, []string{"sign"}, func(app *App) *cobra.Command { return newSignCommand(app, keep(&o)) },
			"sign", "-s", "stripe", "-p", "body.json", "--id", "msg_1", "--timestamp", "1700000000", "-f", "curl",
			"--to", "localhost:3000/hook", "--content-type", "text/plain")
		if code != 0 || o == nil {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		want := SignOptions{Payload: "body.json", ID: "msg_1", Timestamp: "1700000000", Format: "curl", To: "localhost:3000/hook", ContentType: "text/plain"}
		if o.Payload != want.Payload || o.ID != want.ID || o.Timestamp != want.Timestamp || o.Format != want.Format || o.To != want.To || o.ContentType != want.ContentType {
			t.Errorf("got %+v, want %+v", o, want)
		}
	})
	t.Run("--json makes the json format the default", func(t *testing.T) {
		sandbox(t)
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"sign", "-s", "github", "--json"}, "json"},
			{[]string{"sign", "-s", "github", "--json", "--format", "http"}, "http"},
		} {
			var o *SignOptions
			code, stderr := seam(t, nil, []string{"sign"}, func(app *App) *cobra.Command { return newSignCommand(app, keep(&o)) }, c.args...)
			if code != 0 || o == nil || o.Format != c.want {
				t.Errorf("%q: exit %d, Options %+v, want format %s: %s", c.args, code, o, c.want, stderr)
			}
		}
	})
	t.Run("config", func(t *testing.T) {
		sandbox(t)
		writeFile(t, "hooktool.yaml", []byte(seamConfig))
		if err := os.Mkdir("my-catalog", 0o700); err != nil {
			t.Fatal(err)
		}
		var o *SignOptions
		twin := func(app *App) *cobra.Command { return newSignCommand(app, keep(&o)) }
		code, stderr := seam(t, nil, []string{"sign"}, twin, "sign")
		if code != 0 || o == nil {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if o.resolved.endpoint != "staging" || o.resolved.scheme.Name() != "stripe" || len(o.resolved.signing.Secrets) != 1 {
			t.Errorf("endpoint %q scheme %q, %d secrets; want the config's default endpoint staging, stripe, 1 secret",
				o.resolved.endpoint, o.resolved.scheme.Name(), len(o.resolved.signing.Secrets))
		}
		o = nil
		code, stderr = seam(t, nil, []string{"sign"}, twin, "sign", "--scheme", "github")
		if code != 0 || o == nil || o.resolved.scheme.Name() != "github" {
			t.Errorf("--scheme over the config: exit %d, %+v: %s", code, o, stderr)
		}
	})
	t.Run("environment", func(t *testing.T) {
		sandbox(t)
		var o *SignOptions
		code, stderr := seam(t, map[string]string{"HOOKTOOL_SCHEME": "shopify", "HOOKTOOL_SECRET": "s3cret"}, []string{"sign"},
			func(app *App) *cobra.Command { return newSignCommand(app, keep(&o)) }, "sign")
		if code != 0 || o == nil {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if o.resolved.scheme.Name() != "shopify" || len(o.resolved.signing.Secrets) != 1 {
			t.Errorf("scheme %q, %d secrets; want HOOKTOOL_SCHEME's shopify and HOOKTOOL_SECRET", o.resolved.scheme.Name(), len(o.resolved.signing.Secrets))
		}
	})
	t.Run("usage errors stop before runF", func(t *testing.T) {
		sandbox(t)
		called := false
		runF := func(*SignOptions) error { called = true; return nil }
		for _, args := range [][]string{
			{"sign", "-s", "github", "--format", "yaml"},
			{"sign", "-s", "nope"},
			{"sign", "--secret", "a", "--secret-file", "b", "-s", "github"},
		} {
			code, _ := seam(t, nil, []string{"sign"}, func(app *App) *cobra.Command { return newSignCommand(app, runF) }, args...)
			if code != ExitError || called {
				t.Errorf("%q: exit %d, runF called %v; want exit 2 before runF", args, code, called)
			}
		}
	})
}

func TestTriggerOptions(t *testing.T) {
	twinOf := func(o **TriggerOptions) func(*App) *cobra.Command {
		return func(app *App) *cobra.Command { return newTriggerCommand(app, keep(o)) }
	}
	t.Run("defaults", func(t *testing.T) {
		sandbox(t)
		var o *TriggerOptions
		code, stderr := seam(t, nil, []string{"trigger"}, twinOf(&o), "trigger", "transfer.completed")
		if code != 0 || o == nil {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !slices.Equal(o.Events, []string{"transfer.completed"}) || o.All || o.To != "" || o.Callback || o.Print || o.Unsigned || o.Insecure || o.Data != "" {
			t.Errorf("defaults: %+v", o)
		}
		if o.Format != "http" || o.Timeout != 10*time.Second || o.Retry != 0 || o.RetryBackoff != time.Second || len(o.Headers) != 0 {
			t.Errorf("format %q timeout %s retry %d backoff %s headers %q; want http, 10s, 0, 1s, none", o.Format, o.Timeout, o.Retry, o.RetryBackoff, o.Headers)
		}
	})
	t.Run("flags", func(t *testing.T) {
		sandbox(t)
		var o *TriggerOptions
		code, stderr := seam(t, nil, []string{"trigger"}, twinOf(&o), "trigger", "--all", "-P", "payments",
			"--to", "http://localhost:3000/hook", "-H", "X-A: 1", "-H", "X-B: 2", "--timeout", "2s", "--retry", "3",
			"--retry-backoff", "250ms", "--print", "-f", "curl", "--data", "body.json", "--unsigned", "--insecure",
			"--set", "data.amount=5", "--set-str", "data.note=07", "--unset", "data.fee")
		if code != 0 || o == nil {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !o.All || len(o.Events) != 0 || o.To != "http://localhost:3000/hook" || !slices.Equal(o.Headers, []string{"X-A: 1", "X-B: 2"}) ||
			o.Timeout != 2*time.Second || o.Retry != 3 || o.RetryBackoff != 250*time.Millisecond || !o.Print || o.Format != "curl" ||
			o.Data != "body.json" || !o.Unsigned || !o.Insecure {
			t.Errorf("got %+v", o)
		}
		if !slices.Equal(o.edits.sets, []string{"data.amount=5"}) || !slices.Equal(o.edits.setStrings, []string{"data.note=07"}) || !slices.Equal(o.edits.unsets, []string{"data.fee"}) {
			t.Errorf("edits %+v", o.edits)
		}
		if got := o.resolved.cfg.Provider(o.resolved.endpoint); got != "payments" {
			t.Errorf("provider %q, want payments (-P)", got)
		}
	})
	t.Run("config", func(t *testing.T) {
		sandbox(t)
		writeFile(t, "hooktool.yaml", []byte(seamConfig))
		var o *TriggerOptions
		code, stderr := seam(t, map[string]string{"HOOKTOOL_ENDPOINT": "staging"}, []string{"trigger"}, twinOf(&o), "trigger", "loan.approved", "--callback")
		if code != 0 || o == nil {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if o.resolved.endpoint != "staging" || o.resolved.cfg.Provider("staging") != "aella" || !o.Callback {
			t.Errorf("endpoint %q provider %q callback %v; want staging, aella, true", o.resolved.endpoint, o.resolved.cfg.Provider("staging"), o.Callback)
		}
	})
	t.Run("usage errors stop before runF", func(t *testing.T) {
		sandbox(t)
		called := false
		runF := func(*TriggerOptions) error { called = true; return nil }
		for _, args := range [][]string{
			{"trigger", "x", "--format", "har"},
			{"trigger", "x", "--retry", "-1"},
			{"trigger", "x", "--timeout", "0s"},
			{"trigger", "x", "--timeout", "-1s"},
			{"trigger", "a", "b"},
		} {
			code, _ := seam(t, nil, []string{"trigger"}, func(app *App) *cobra.Command { return newTriggerCommand(app, runF) }, args...)
			if code != ExitError || called {
				t.Errorf("%q: exit %d, runF called %v; want exit 2 before runF", args, code, called)
			}
		}
	})
}

func TestCapturesOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want CapturesOptions
		ids  []string
	}{
		{"list", []string{"captures", "list", "a.jsonl", "dir", "--event", "transfer.*", "--where", "data.amount>5", "--where", "record.verdict!=valid", "--last", "3", "--skip-bad"},
			CapturesOptions{Command: "list", Files: []string{"a.jsonl", "dir"}, sel: selectFlags{event: "transfer.*", where: []string{"data.amount>5", "record.verdict!=valid"}, last: 3, skipBad: true}}, nil},
		{"list", []string{"captures", "list", "a.jsonl", "--id", "01J", "--id", "01K"},
			CapturesOptions{Command: "list", Files: []string{"a.jsonl"}}, []string{"01J", "01K"}},
		{"show", []string{"captures", "show", "a.jsonl", "b.jsonl", "01J9Z3", "--raw"},
			CapturesOptions{Command: "show", Files: []string{"a.jsonl", "b.jsonl"}, Raw: true}, []string{"01J9Z3"}},
		// With --last, --first or --id, every argument is a file.
		{"show", []string{"captures", "show", "a.jsonl", "--last", "1"},
			CapturesOptions{Command: "show", Files: []string{"a.jsonl"}, sel: selectFlags{last: 1}}, nil},
		{"show", []string{"captures", "show", "a.jsonl", "b.jsonl", "--first", "2", "--raw"},
			CapturesOptions{Command: "show", Files: []string{"a.jsonl", "b.jsonl"}, Raw: true, sel: selectFlags{first: 2}}, nil},
		{"show", []string{"captures", "show", "a.jsonl", "--id", "01J9"},
			CapturesOptions{Command: "show", Files: []string{"a.jsonl"}}, []string{"01J9"}},
		{"list", []string{"captures", "list", "a.jsonl", "--first", "5"},
			CapturesOptions{Command: "list", Files: []string{"a.jsonl"}, sel: selectFlags{first: 5}}, nil},
		{"list", []string{"captures", "list", "a.jsonl", "--follow", "--last", "5", "--event", "mandate.*"},
			CapturesOptions{Command: "list", Files: []string{"a.jsonl"}, Follow: true, sel: selectFlags{last: 5, event: "mandate.*"}}, nil},
		{"export", []string{"captures", "export", "a.jsonl"},
			CapturesOptions{Command: "export", Files: []string{"a.jsonl"}, Format: "har"}, nil},
		{"export", []string{"captures", "export", "-", "-f", "curl", "--to", "http://localhost:3000"},
			CapturesOptions{Command: "export", Files: []string{"-"}, Format: "curl", To: "http://localhost:3000"}, nil},
		{"export", []string{"captures", "export", "a.jsonl", "-f", "curl", "--to", "http://localhost:3000/in", "--path-prefix"},
			CapturesOptions{Command: "export", Files: []string{"a.jsonl"}, Format: "curl", To: "http://localhost:3000/in", PathPrefix: true}, nil},
	} {
		sandbox(t)
		var o *CapturesOptions
		code, stderr := seam(t, nil, []string{"captures", c.name}, func(app *App) *cobra.Command {
			switch c.name {
			case "show":
				return newCapturesShowCommand(app, keep(&o))
			case "export":
				return newCapturesExportCommand(app, keep(&o))
			}
			return newCapturesListCommand(app, keep(&o))
		}, c.args...)
		if code != 0 || o == nil {
			t.Errorf("%q: exit %d: %s", c.args, code, stderr)
			continue
		}
		s, w := o.sel, c.want.sel
		if o.Command != c.want.Command || !slices.Equal(o.Files, c.want.Files) || o.Raw != c.want.Raw || o.Format != c.want.Format || o.To != c.want.To || o.PathPrefix != c.want.PathPrefix || o.Follow != c.want.Follow ||
			s.event != w.event || !slices.Equal(s.where, w.where) || s.last != w.last || s.first != w.first || s.skipBad != w.skipBad || !slices.Equal(s.ids, c.ids) {
			t.Errorf("%q:\n got %+v\nwant %+v ids %q", c.args, *o, c.want, c.ids)
		}
	}
	sandbox(t)
	called := false
	code, _ := seam(t, nil, []string{"captures", "export"}, func(app *App) *cobra.Command {
		return newCapturesExportCommand(app, func(*CapturesOptions) error { called = true; return nil })
	}, "captures", "export", "a.jsonl", "--format", "zip")
	if code != ExitError || called {
		t.Errorf("--format zip: exit %d, runF called %v; want exit 2 before runF", code, called)
	}
	// show without an id needs --last, --first or --id; --first and --last
	// do not go together; --follow reads one file, with no --id or --first.
	for _, args := range [][]string{
		{"captures", "show", "a.jsonl"},
		{"captures", "show", "a.jsonl", "--last", "1", "--first", "1"},
		{"captures", "list", "a.jsonl", "b.jsonl", "--follow"},
		{"captures", "list", "-", "--follow"},
		{"captures", "list", "a.jsonl", "--follow", "--id", "01J"},
		{"captures", "list", "a.jsonl", "--follow", "--first", "1"},
	} {
		sandbox(t)
		called = false
		code, stderr := seam(t, nil, []string{"captures", args[1]}, func(app *App) *cobra.Command {
			if args[1] == "list" {
				return newCapturesListCommand(app, func(*CapturesOptions) error { called = true; return nil })
			}
			return newCapturesShowCommand(app, func(*CapturesOptions) error { called = true; return nil })
		}, args...)
		if code != ExitError || called {
			t.Errorf("%q: exit %d (%s), runF called %v; want exit 2 before runF", args, code, stderr, called)
		}
	}
}

func TestEventsOptions(t *testing.T) {
	sandbox(t)
	var o *EventsOptions
	twin := func(app *App) *cobra.Command { return newEventsCommand(app, keep(&o)) }
	if code, stderr := seam(t, nil, []string{"events"}, twin, "events"); code != 0 || o == nil || o.Provider != "" {
		t.Fatalf("defaults: exit %d, %+v: %s", code, o, stderr)
	}
	if code, stderr := seam(t, nil, []string{"events"}, twin, "events", "-P", "aella"); code != 0 || o.Provider != "aella" {
		t.Errorf("-P aella: exit %d, provider %q: %s", code, o.Provider, stderr)
	}
	writeFile(t, "hooktool.yaml", []byte(seamConfig))
	if code, stderr := seam(t, nil, []string{"events"}, twin, "events"); code != 0 || o.signing.cfg.Catalog == "" {
		t.Errorf("config: exit %d, catalog %q, want the config's: %s", code, o.signing.cfg.Catalog, stderr)
	}
}

func TestEventsShowOptions(t *testing.T) {
	sandbox(t)
	var o *EventsShowOptions
	twin := func(app *App) *cobra.Command { return newEventsShowCommand(app, keep(&o)) }
	code, stderr := seam(t, nil, []string{"events", "show"}, twin, "events", "show", "transfer.completed", "--set", "a=1", "--unset", "b")
	if code != 0 || o == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if o.Event != "transfer.completed" || o.Provider != "" || !slices.Equal(o.edits.sets, []string{"a=1"}) || !slices.Equal(o.edits.unsets, []string{"b"}) {
		t.Errorf("got %+v", o)
	}
	// The provider comes from the flag, else from the config's endpoint.
	writeFile(t, "hooktool.yaml", []byte(seamConfig))
	if code, stderr := seam(t, nil, []string{"events", "show"}, twin, "events", "show", "loan.approved"); code != 0 || o.Provider != "aella" {
		t.Errorf("config: exit %d, provider %q, want the endpoint's aella: %s", code, o.Provider, stderr)
	}
	if code, stderr := seam(t, nil, []string{"events", "show"}, twin, "events", "show", "loan.approved", "-P", "accounts"); code != 0 || o.Provider != "accounts" {
		t.Errorf("flag over config: exit %d, provider %q, want accounts: %s", code, o.Provider, stderr)
	}
}

func TestProvidersOptions(t *testing.T) {
	sandbox(t)
	var o *ProvidersOptions
	twin := func(app *App) *cobra.Command { return newProvidersCommand(app, keep(&o)) }
	if code, stderr := seam(t, nil, []string{"providers"}, twin, "providers"); code != 0 || o == nil || o.signing.cfg.Catalog != "" {
		t.Fatalf("defaults: exit %d, %+v: %s", code, o, stderr)
	}
	if code, stderr := seam(t, map[string]string{"HOOKTOOL_CATALOG": "from-env"}, []string{"providers"}, twin, "providers"); code != 0 || o.signing.cfg.Catalog != "from-env" {
		t.Errorf("HOOKTOOL_CATALOG: exit %d, catalog %q: %s", code, o.signing.cfg.Catalog, stderr)
	}
	if code, stderr := seam(t, map[string]string{"HOOKTOOL_CATALOG": "from-env"}, []string{"providers"}, twin, "providers", "--catalog", "from-flag"); code != 0 || o.signing.cfg.Catalog != "from-flag" {
		t.Errorf("--catalog over the environment: exit %d, catalog %q: %s", code, o.signing.cfg.Catalog, stderr)
	}
}

func TestConfigOptions(t *testing.T) {
	sandbox(t)
	writeFile(t, "hooktool.yaml", []byte(seamConfig))
	var o *ConfigOptions
	code, stderr := seam(t, map[string]string{"HOOKTOOL_TOLERANCE": "1m"}, []string{"config"},
		func(app *App) *cobra.Command { return newConfigCommand(app, keep(&o)) }, "config", "--scheme", "github")
	if code != 0 || o == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if o.Config.File == "" {
		t.Errorf("no config file: want ./hooktool.yaml")
	}
	sources := map[string]config.Source{}
	for _, s := range o.Config.Settings() {
		sources[s.Key] = s.Source
	}
	for key, want := range map[string]config.Source{"scheme": config.FromFlag, "tolerance": config.FromEnv, "catalog": config.FromFile} {
		if sources[key] != want {
			t.Errorf("%s from %q, want %q (all: %v)", key, sources[key], want, sources)
		}
	}
}

func TestVersionOptions(t *testing.T) {
	sandbox(t)
	var o *VersionOptions
	twin := func(app *App) *cobra.Command { return newVersionCommand(app, keep(&o)) }
	if code, stderr := seam(t, nil, []string{"version"}, twin, "version"); code != 0 || o == nil {
		t.Errorf("exit %d, runF not called: %s", code, stderr)
	}
	o = nil
	if code, _ := seam(t, nil, []string{"version"}, twin, "version", "extra"); code != ExitError || o != nil {
		t.Errorf("an argument: exit %d, runF called %v; want exit 2 before runF", code, o != nil)
	}
}

func TestInitOptions(t *testing.T) {
	sandbox(t)
	var o *InitOptions
	twin := func(app *App) *cobra.Command { return newInitCommand(app, keep(&o)) }
	for _, c := range []struct {
		args []string
		want InitOptions
	}{
		{[]string{"init"}, InitOptions{Path: "hooktool.yaml"}},
		{[]string{"init", "ci/hooktool.yaml", "--force"}, InitOptions{Path: "ci/hooktool.yaml", Force: true}},
	} {
		o = nil
		code, stderr := seam(t, nil, []string{"init"}, twin, c.args...)
		if code != 0 || o == nil || *o != c.want {
			t.Errorf("%q: exit %d, %+v, want %+v: %s", c.args, code, o, c.want, stderr)
		}
	}
}

func TestInspectOptions(t *testing.T) {
	twinOf := func(o **InspectOptions) func(*App) *cobra.Command {
		return func(app *App) *cobra.Command { return newInspectCommand(app, keep(o)) }
	}
	for _, c := range []struct {
		args []string
		want InspectOptions
	}{
		{[]string{"inspect", "a.jsonl"}, InspectOptions{Files: []string{"a.jsonl"}, Port: 4243, Keep: 10000}},
		{[]string{"inspect", "a.jsonl", "dir", "--ui-port", "0", "--ui-keep", "50", "--ready-file", "u"},
			InspectOptions{Files: []string{"a.jsonl", "dir"}, Port: 0, Keep: 50, ReadyFile: "u"}},
	} {
		sandbox(t)
		var o *InspectOptions
		code, stderr := seam(t, nil, []string{"inspect"}, twinOf(&o), c.args...)
		if code != 0 || o == nil || !slices.Equal(o.Files, c.want.Files) || o.Port != c.want.Port || o.Keep != c.want.Keep || o.ReadyFile != c.want.ReadyFile {
			t.Errorf("%q: exit %d, %+v, want %+v: %s", c.args, code, o, c.want, stderr)
		}
	}
	for _, args := range [][]string{{"inspect"}, {"inspect", "a.jsonl", "--ui-port", "70000"}} {
		sandbox(t)
		var o *InspectOptions
		if code, _ := seam(t, nil, []string{"inspect"}, twinOf(&o), args...); code != ExitError || o != nil {
			t.Errorf("%q: exit %d, runF called %v; want exit 2 before runF", args, code, o != nil)
		}
	}
}

// TestListenTunnelOptions: the --tunnel flags become ListenOptions, with
// their defaults.
func TestListenTunnelOptions(t *testing.T) {
	twin := func(o **ListenOptions) func(*App) *cobra.Command {
		return func(app *App) *cobra.Command { return newListenCommand(app, keep(o)) }
	}
	sandbox(t)
	var o *ListenOptions
	code, stderr := seam(t, nil, []string{"listen"}, twin(&o), "listen")
	if code != 0 || o == nil || o.Tunnel != "" || o.TunnelTimeout != 30*time.Second || o.TunnelCheckInterval != 30*time.Second || o.PublicURLFile != "" {
		t.Fatalf("defaults: exit %d, %+v: %s", code, o, stderr)
	}
	o = nil
	code, stderr = seam(t, nil, []string{"listen"}, twin(&o), "listen", "--tunnel", "ngrok", "--tunnel-bin", "/opt/ngrok",
		"--tunnel-timeout", "45s", "--tunnel-check-interval", "5s", "--tunnel-arg", "--config", "--tunnel-arg", "ngrok.yml",
		"--tunnel-url", "https://hooks.example.com", "--tunnel-remote-port", "8080", "--public-url-file", "public")
	if code != 0 || o == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if o.Tunnel != "ngrok" || o.TunnelBin != "/opt/ngrok" || o.TunnelTimeout != 45*time.Second || o.TunnelCheckInterval != 5*time.Second ||
		!slices.Equal(o.TunnelArgs, []string{"--config", "ngrok.yml"}) || o.TunnelURL != "https://hooks.example.com" ||
		o.TunnelRemotePort != 8080 || o.PublicURLFile != "public" {
		t.Errorf("options %+v", o)
	}
}
