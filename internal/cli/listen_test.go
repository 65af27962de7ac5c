package cli

import (
	"net/netip"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/inspect"
	"github.com/hooktool/hooktool/internal/term"
)

// listenOptions runs `listen args...` with a runF that keeps the Options
// and runs nothing.
func listenOptions(t *testing.T, args ...string) (*App, *ListenOptions) {
	t.Helper()
	streams, _, _ := term.Test("")
	app := &App{Streams: streams, Getenv: os.Getenv, Now: time.Now}
	var got *ListenOptions
	cmd := newListenCommand(app, func(o *ListenOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("runF was not called")
	}
	if got.flags == nil {
		t.Error("the options lack the flag set the config is read with")
	}
	return app, got
}

// TestListenOptions: flags and defaults become the right ListenOptions.
func TestListenOptions(t *testing.T) {
	defaults := func(o *ListenOptions) {
		o.Host, o.Port, o.Status, o.MaxBody = "127.0.0.1", 4242, 200, "5MiB"
		o.ForwardTimeout, o.HeaderTimeout, o.ReadTimeout, o.IdleTimeout = 30*time.Second, 10*time.Second, 60*time.Second, 120*time.Second
		o.ForwardRetryBackoff, o.MirrorTimeout = time.Second, 5*time.Second
		o.UIPort, o.UIKeep = inspect.DefaultPort, inspect.DefaultKeep
		o.TunnelTimeout, o.TunnelCheckInterval = 30*time.Second, 30*time.Second
	}
	for _, tc := range []struct {
		name string
		args []string
		want func(o *ListenOptions)
	}{
		{"defaults", nil, defaults},
		{"every flag", []string{
			"--host", "::1", "--port", "0", "--save", "got.jsonl", "--fsync", "--status", "500", "--delay", "250ms",
			"--body", "ok", "--fail-rate", "0.5", "--reject-invalid", "--events", "transfer.*,mandate.debit.failed",
			"--allow-ip", "10.0.0.0/8", "--allow-ip", "::1", "--max-body", "64KiB", "--event-path", "type",
			"--forward-to", "3000", "--path-prefix", "--forward-header", "X-A: 1", "--forward-header", "X-B: 2", "--forward-timeout", "5s",
			"--forward-retry", "2", "--forward-retry-backoff", "50ms", "--forward-insecure",
			"--route", "invoice.*=3001", "--route", "where:record.method==PUT=3002", "--mirror", "3003", "--mirror", "path:/gh=3004", "--mirror-header", "X-M: 3", "--mirror-timeout", "2s",
			"--exit-after", "3", "--count-attempts", "--timeout", "1m", "--expect-valid", "--expect-app-2xx", "--ready-file", "ready", "-v",
			"--header-timeout", "1s", "--read-timeout", "2s", "--idle-timeout", "3s",
			"--provider", "aella", "--endpoint", "staging", "--secret-file", "keys",
			"--ui", "--ui-port", "4300", "--ui-keep", "50", "--open",
		}, func(o *ListenOptions) {
			o.UI, o.UIPort, o.UIKeep, o.Open = true, 4300, 50, true
			o.Host, o.Port, o.Save, o.Fsync, o.Status, o.StatusSet, o.Delay = "::1", 0, "got.jsonl", true, 500, true, 250*time.Millisecond
			o.Body, o.FailRate, o.RejectInvalid, o.Events = "ok", 0.5, true, []string{"transfer.*", "mandate.debit.failed"}
			o.AllowIPs, o.MaxBody, o.EventPath = []string{"10.0.0.0/8", "::1"}, "64KiB", "type"
			o.ForwardTo, o.PathPrefix, o.ForwardHeaders, o.ForwardTimeout = "3000", true, []string{"X-A: 1", "X-B: 2"}, 5*time.Second
			o.ForwardRetry, o.ForwardRetryBackoff, o.ForwardInsecure = 2, 50*time.Millisecond, true
			o.Routes, o.Mirrors, o.MirrorTimeout = []string{"invoice.*=3001", "where:record.method==PUT=3002"}, []string{"3003", "path:/gh=3004"}, 2*time.Second
			o.MirrorHeaders = []string{"X-M: 3"}
			o.ExitAfter, o.CountAttempts, o.Timeout, o.ExpectValid, o.ExpectApp2xx, o.ReadyFile, o.Verbose = 3, true, time.Minute, true, true, "ready", true
			o.HeaderTimeout, o.ReadTimeout, o.IdleTimeout = time.Second, 2*time.Second, 3*time.Second
			o.signing.provider, o.signing.endpoint, o.signing.secretFile = "aella", "staging", "keys"
			o.TunnelTimeout, o.TunnelCheckInterval = 30*time.Second, 30*time.Second
		}},
		// --status 200 is asked for even though it is the default: then
		// a forwarded delivery is answered 200, not with the app's status.
		{"status given", []string{"--status", "200"}, func(o *ListenOptions) {
			defaults(o)
			o.StatusSet = true
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := listenOptions(t, tc.args...)
			want := &ListenOptions{}
			tc.want(want)
			got.flags = nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("options\n%+v\nwant\n%+v", *got, *want)
			}
		})
	}
}

// TestListenSetup: the Options become the handler's options, and what
// listen refuses is refused before anything is bound.
func TestListenSetup(t *testing.T) {
	sandbox(t)
	app, o := listenOptions(t, "--max-body", "64k", "--allow-ip", "10.0.0.1,::ffff:127.0.0.0/104", "--status", "201",
		"--delay", "1s", "--events", "a.*", "--provider", "aella", "--secret", "s3cret", "--forward-to", "/hooks")
	s, err := app.listenSetup(o)
	if err != nil {
		t.Fatal(err)
	}
	h := s.handler
	if h.MaxBody != 64<<10 || h.Status != 201 || !h.StatusSet || h.Delay != time.Second || !reflect.DeepEqual(h.Events, []string{"a.*"}) {
		t.Errorf("handler options %+v", h)
	}
	wantIPs := []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32"), netip.MustParsePrefix("::ffff:127.0.0.0/104")}
	if !reflect.DeepEqual(h.AllowIPs, wantIPs) {
		t.Errorf("allowed %v, want %v", h.AllowIPs, wantIPs)
	}
	if h.Scheme == nil || h.Scheme.Name() != "hmac" || h.Provider != "aella" || h.EventPath != "event" || len(h.Secrets) != 1 || s.unsigned != "" {
		t.Errorf("verification: scheme %v, provider %q, event path %q, %d secrets, unsigned %q", h.Scheme, h.Provider, h.EventPath, len(h.Secrets), s.unsigned)
	}
	if h.Forward == nil || s.forward != "http://localhost/hooks" {
		t.Errorf("forwarding to %q", s.forward)
	}

	for _, bad := range [][]string{
		{"--status", "99"},
		{"--fail-rate", "1.5"},
		{"--events", "[a"},
		{"--max-body", "0"},
		{"--allow-ip", "not-an-address"},
		{"--read-timeout", "0s"},
		{"--reject-invalid"},
		{"--expect-valid"},
		{"--expect-app-2xx"},
		{"--forward-retry", "1"},
		{"--forward-insecure"},
		{"--forward-to", "3000", "--forward-retry", "-1"},
		{"--forward-to", "3000", "--forward-retry", "101"},
		{"--count-attempts"},
		// Routes and mirrors: MATCH=URL, a match that parses, a URL.
		{"--route", "3000"},
		{"--route", "[a=3000"},
		{"--route", "path:gh=3000"},
		{"--route", "where:record.nope==1=3000"},
		{"--route", "a.*=ftp://x"},
		{"--mirror", "path:/gh"},
		{"--mirror", "[a=3000"},
		{"--mirror", "3000", "--mirror-timeout", "0s"},
		// The inspector's flags need --ui; its port is never the listener's.
		{"--open"},
		{"--ui-port", "5000"},
		{"--ui-keep", "5"},
		{"--ui", "--ui-keep", "0"},
		{"--ui", "--port", "5000", "--ui-port", "5000"},
	} {
		app, o := listenOptions(t, bad...)
		if _, err := app.listenSetup(o); err == nil || exitCode(err) != ExitError {
			t.Errorf("%v: error %v (exit %d), want a usage error", bad, err, exitCode(err))
		}
	}
}

// TestListenRouteSetup: --route and --mirror become the handler's route
// table and mirrors, each URL read as --forward-to is; a mirror's
// argument is MATCH=URL only when its left side is a match, so a URL
// with a query stays a URL.
func TestListenRouteSetup(t *testing.T) {
	sandbox(t)
	app, o := listenOptions(t, "--route", "invoice.*=3001", "--route", "where:record.method==PUT=/put?a=1&b=2",
		"--mirror", "localhost:3003/m?a=b", "--mirror", "charge.*=3004", "--mirror", "path:/gh=https://gh.example/x")
	s, err := app.listenSetup(o)
	if err != nil {
		t.Fatal(err)
	}
	wantRoutes := []view.ListenTarget{{Match: "invoice.*", URL: "http://localhost:3001/"}, {Match: "where:record.method==PUT", URL: "http://localhost/put?a=1&b=2"}}
	if !reflect.DeepEqual(s.routes, wantRoutes) || len(s.handler.Routes) != 2 || s.handler.Forward != nil {
		t.Errorf("routes %+v (%d in the handler), want %+v", s.routes, len(s.handler.Routes), wantRoutes)
	}
	wantMirrors := []view.ListenTarget{{URL: "http://localhost:3003/m?a=b"}, {Match: "charge.*", URL: "http://localhost:3004/"}, {Match: "path:/gh", URL: "https://gh.example/x"}}
	if !reflect.DeepEqual(s.mirrors, wantMirrors) || len(s.handler.Mirrors) != 3 || s.handler.Mirrors[0].Match != nil {
		t.Errorf("mirrors %+v, want %+v", s.mirrors, wantMirrors)
	}
	if len(s.targets) != 5 {
		t.Errorf("%d targets to probe, want 5", len(s.targets))
	}
	// --forward-retry, --path-prefix and --expect-app-2xx are about the
	// apps forwarded to: a route is one.
	app, o = listenOptions(t, "--route", "a.*=3001", "--forward-retry", "1", "--path-prefix", "--expect-app-2xx")
	if _, err := app.listenSetup(o); err != nil {
		t.Errorf("forward flags with a route: %v", err)
	}
}
