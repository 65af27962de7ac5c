package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListenTunnelSetup: --tunnel resolves its kind and client before
// anything is bound; the handler trusts the kind's sender header; what
// cannot work is refused with exit 2.
func TestListenTunnelSetup(t *testing.T) {
	dir := sandbox(t)
	bin := filepath.Join(dir, "cloudflared")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	app, o := listenOptions(t, "--tunnel", "cloudflared", "--tunnel-bin", bin)
	s, err := app.listenSetup(o)
	if err != nil {
		t.Fatal(err)
	}
	if s.tunnel == nil || s.tunnel.kind.Name() != "cloudflared" || s.tunnel.bin != bin || s.handler.SenderHeader != "Cf-Connecting-Ip" {
		t.Fatalf("tunnel %+v, sender header %q", s.tunnel, s.handler.SenderHeader)
	}
	// Without --tunnel, no header is ever trusted.
	app, o = listenOptions(t)
	if s, err := app.listenSetup(o); err != nil || s.tunnel != nil || s.handler.SenderHeader != "" {
		t.Fatalf("no tunnel: %+v, %v", s, err)
	}

	t.Setenv("PATH", dir) // holds cloudflared only
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--tunnel", "frp"}, `unknown tunnel kind "frp"`},
		{[]string{"--tunnel", "ngrok"}, "ngrok: not found"},
		{[]string{"--tunnel", "cloudflared", "--tunnel-bin", filepath.Join(dir, "nothing")}, "nothing: not found"},
		{[]string{"--tunnel-bin", bin}, "--tunnel-bin is about the tunnel: give --tunnel too"},
		{[]string{"--public-url-file", "f"}, "--public-url-file is about the tunnel: give --tunnel too"},
		{[]string{"--tunnel", "cloudflared", "--tunnel-timeout", "0s"}, "--tunnel-timeout and --tunnel-check-interval must be positive"},
		{[]string{"--tunnel", "cloudflared", "--tunnel-remote-port", "8080"}, "--tunnel-remote-port is about --tunnel ssh:"},
		{[]string{"--tunnel", "cloudflared", "--host", "192.0.2.1"}, "--host must be 127.0.0.1"},
		{[]string{"--tunnel", "cloudflared", "--tunnel-url", "ftp://x"}, "is not an absolute https:// URL"},
	} {
		app, o := listenOptions(t, bad.args...)
		_, err := app.listenSetup(o)
		if err == nil || exitCode(err) != ExitError || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: error %v (exit %d), want exit 2 saying %q", bad.args, err, exitCode(err), bad.want)
		}
	}
	// A missing client says how to install it.
	app, o = listenOptions(t, "--tunnel", "ngrok")
	_, err = app.listenSetup(o)
	var e *exitError
	if !errors.As(err, &e) || len(e.hints) == 0 || !strings.Contains(strings.Join(e.hints, "\n"), "ngrok config add-authtoken") {
		t.Errorf("missing ngrok: %v, hints %v", err, e)
	}
}
