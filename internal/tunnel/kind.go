// Package tunnel gives the listener a public URL through a tunnel client
// the developer already uses (cloudflared, ngrok, ssh, tailscale): it starts
// the client, learns the public URL from it, checks that a request sent to
// that URL arrives, watches it, and stops it (and what it left behind) with
// the listener. hooktool runs no relay of its own. Like every engine, it
// knows nothing of cobra, viper or colour.
package tunnel

import (
	"context"
	"net/http"
)

// Target is what a client exposes: the listener's loopback address.
type Target struct {
	Host string // 127.0.0.1 or ::1
	Port int
}

// Options are the parts of --tunnel's settings a kind needs to build its
// command and learn its URL.
type Options struct {
	// RemotePort is --tunnel-remote-port (ssh): 0 asks the server to pick.
	RemotePort int
	// URL is --tunnel-url: the public URL when the client does not say it.
	URL string
	// Args are --tunnel-arg values: more arguments for the client, given
	// before the kind's own (an ssh identity file, an ngrok config).
	Args []string
}

// Kind is one tunnel client: how it is started for a target, how its
// public URL is learnt, which header carries the real sender's address, and
// what must be undone when it stops. Each --tunnel KIND is one Kind; the
// supervisor (start, learn, self-check, watch, restart, stop) is shared.
type Kind interface {
	// Name is the kind as --tunnel names it: cloudflared, ngrok, ssh,
	// tailscale.
	Name() string
	// Bin is the client's program, looked up on PATH unless --tunnel-bin
	// names it.
	Bin() string
	// Args are the client's arguments to expose t.
	Args(t Target) ([]string, error)
	// FromLine learns the public URL from one line of the client's output
	// (stdout and stderr), if that line says it.
	FromLine(line string) (url string, ok bool)
	// Poll asks the client's local API (or its status command, run as bin)
	// for the public URL; "" with a nil error when it does not know it yet
	// or the kind has no such API.
	Poll(ctx context.Context, c *http.Client, bin string) (string, error)
	// SenderHeader names the header in which the client passes on the
	// real sender's address ("" when it does not).
	SenderHeader() string
	// Cleanup undoes what the client leaves behind after it stopped (a
	// tailscale funnel); nil when nothing is left.
	Cleanup(ctx context.Context, bin string, t Target) error
	// Install says how to install the client on goos (runtime.GOOS), for
	// the error when it is missing.
	Install(goos string) string
}
