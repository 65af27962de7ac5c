package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/listener"
	"github.com/hooktool/hooktool/internal/tunnel"
	"github.com/spf13/pflag"
)

// tunnelFlags are the flags that only mean something with --tunnel.
var tunnelFlags = []string{"tunnel-bin", "tunnel-timeout", "tunnel-check-interval", "tunnel-arg", "tunnel-url", "tunnel-remote-port", "public-url-file"}

func addTunnelFlags(fs *pflag.FlagSet, o *ListenOptions) {
	fs.StringVar(&o.Tunnel, "tunnel", "", "a public URL through this tunnel client: cloudflared, ngrok, tailscale or ssh:[USER@]HOST[:PORT]")
	fs.StringVar(&o.TunnelBin, "tunnel-bin", "", "with --tunnel: the client's program (default: the kind's name, on PATH)")
	spanVar(fs, &o.TunnelTimeout, "tunnel-timeout", 30*time.Second, "with --tunnel: time to learn the public URL and see a request through it arrive")
	spanVar(fs, &o.TunnelCheckInterval, "tunnel-check-interval", 30*time.Second, "with --tunnel: time between checks that the public URL still reaches the listener")
	fs.StringArrayVar(&o.TunnelArgs, "tunnel-arg", nil, "with --tunnel: one more argument for the client, before its own (repeatable)")
	fs.StringVar(&o.TunnelURL, "tunnel-url", "", "with --tunnel: the public URL, when the client does not say it")
	portVar(fs, &o.TunnelRemotePort, "tunnel-remote-port", 0, "with --tunnel ssh:…: the server's port to forward; 0 lets the server pick")
	fs.StringVar(&o.PublicURLFile, "public-url-file", "", "with --tunnel: write the public URL to this file once it is reachable (and again when it changes)")
}

// tunnelSetup is what --tunnel resolved before anything is bound.
type tunnelSetup struct {
	kind tunnel.Kind
	bin  string // the client's program, found
	opts tunnel.Options
	// webhook and callback are the endpoint's configured URLs, whose
	// paths are put under the public URL to paste.
	webhook, callback string
}

// tunnelSetup resolves --tunnel: its kind, its client (exit 2 with how to
// install it when missing), and the header the handler trusts for
// --allow-ip. Nil without --tunnel.
func (app *App) tunnelSetup(o *ListenOptions, h *listener.Options, r *resolvedSigning) (*tunnelSetup, error) {
	if o.Tunnel == "" {
		for _, name := range tunnelFlags {
			if o.flags != nil && o.flags.Changed(name) {
				return nil, usageErr("--%s is about the tunnel: give --tunnel too", name)
			}
		}
		return nil, nil
	}
	if o.flags != nil && o.flags.Changed("tunnel-remote-port") && !strings.HasPrefix(o.Tunnel, "ssh:") {
		return nil, usageErr("--tunnel-remote-port is about --tunnel ssh:…: the server's port to forward")
	}
	if o.TunnelTimeout <= 0 || o.TunnelCheckInterval <= 0 {
		return nil, usageErr("--tunnel-timeout and --tunnel-check-interval must be positive")
	}
	publicURL := o.TunnelURL
	if publicURL != "" {
		var err error
		if publicURL, err = tunnel.CheckURL(publicURL); err != nil {
			return nil, usageErr("--tunnel-url %q is not an absolute https:// URL (http(s)://HOST[:PORT][/PATH], no user, query or fragment)", o.TunnelURL)
		}
	}
	if ip := net.ParseIP(o.Host); ip == nil || !(ip.IsLoopback() || ip.IsUnspecified()) {
		return nil, usageErr("--tunnel exposes the listener on loopback: --host must be 127.0.0.1 (the default), ::1, 0.0.0.0 or ::")
	}
	opts := tunnel.Options{RemotePort: o.TunnelRemotePort, URL: publicURL, Args: o.TunnelArgs}
	kind, err := tunnel.Parse(o.Tunnel, opts)
	if err != nil {
		if errors.Is(err, tunnel.ErrUnknownKind) {
			return nil, usageErr("--tunnel: %v", err)
		}
		return nil, failErr(fmt.Errorf("--tunnel %s: %w", o.Tunnel, err))
	}
	if len(h.AllowIPs) > 0 && kind.SenderHeader() == "" {
		return nil, usageErr("--allow-ip cannot be honoured through --tunnel %s: its client passes on no sender address", kind.Name())
	}
	bin := cmp.Or(o.TunnelBin, kind.Bin())
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, failErr(fmt.Errorf("%s: not found (--tunnel %s runs it)", bin, kind.Name()),
			"install it: "+kind.Install(runtime.GOOS), "or name the program with --tunnel-bin PATH")
	}
	h.SenderHeader = kind.SenderHeader()
	t := &tunnelSetup{kind: kind, bin: path, opts: opts}
	if r != nil && r.endpoint != "" {
		ep := r.cfg.Endpoints[r.endpoint]
		t.webhook, t.callback = ep.URL, ep.CallbackURL
	}
	return t, nil
}

// tunnelRun is a tunnel started for a listener: its supervisor, the
// client's log, and the outcome of its start.
type tunnelRun struct {
	app     *App
	o       *ListenOptions
	t       *tunnelSetup
	sup     *tunnel.Supervisor
	log     *os.File
	printer view.TunnelPrinter
	local   string

	once sync.Once
	done chan struct{} // closed once start ended
	err  error         // start's error, once done
}

// newTunnelRun makes the supervisor for a listener bound at addr; the
// handler must answer its CheckPath.
func (app *App) newTunnelRun(o *ListenOptions, s *listenSetup, addr *net.TCPAddr) (*tunnelRun, error) {
	t := s.tunnel
	host := "127.0.0.1"
	if addr.IP.To4() == nil && addr.IP.IsLoopback() {
		host = "::1"
	}
	log, err := os.CreateTemp("", "hooktool-"+t.kind.Name()+"-*.log")
	if err != nil {
		return nil, failErr(fmt.Errorf("the tunnel's log: %w", err))
	}
	tr := &tunnelRun{app: app, o: o, t: t, log: log, printer: view.NewTunnelPrinter(app.out()), done: make(chan struct{}),
		local: "http://" + addr.String()}
	c := tunnel.Config{
		Kind: t.kind, Bin: t.bin, Options: t.opts, Target: tunnel.Target{Host: host, Port: addr.Port}, Log: log,
		Timeout: o.TunnelTimeout, CheckInterval: o.TunnelCheckInterval, OnEvent: tr.event,
	}
	if o.Verbose {
		c.OnLine = func(line string) { tr.printer.Line(t.kind.Name(), line) }
	}
	if tr.sup, err = tunnel.New(c); err != nil {
		log.Close()
		return nil, failErr(err)
	}
	if s.unsigned != "" {
		app.warn("%s, and --tunnel makes the listener public: anyone with this URL can send you deliveries", s.unsigned)
	}
	return tr, nil
}

// start starts the client in the background; ready is called with the
// public URL once a self-check through it arrived. Its error (the
// tunnel's or ready's) is err once done is closed; fail is called with it.
func (tr *tunnelRun) start(ctx context.Context, ready func(public string) error, fail func()) {
	tr.printer.Start(view.TunnelStart{Kind: tr.t.kind.Name(), Bin: tr.t.bin, Log: tr.log.Name()})
	go func() {
		defer close(tr.done)
		public, err := tr.sup.Start(ctx)
		if err != nil && ctx.Err() != nil {
			return // listen was stopped (Ctrl-C, --timeout) before the tunnel was ready
		}
		if err != nil {
			tr.err = failErr(fmt.Errorf("--tunnel %s: %w", tr.t.kind.Name(), err), "see what the client said in "+tr.log.Name())
		} else if err := tr.writePublic(public); err != nil {
			tr.err = err
		} else {
			tr.err = ready(public)
		}
		if tr.err != nil {
			fail()
		}
	}()
}

// pasteURLs are the endpoint's webhook and callback URLs under public.
func (t *tunnelSetup) pasteURLs(public string) (webhook, callback string) {
	return underPublic(public, t.webhook), underPublic(public, t.callback)
}

// underPublic is configured's path and query under the public URL ("" when
// none is configured).
func underPublic(public, configured string) string {
	if configured == "" {
		return ""
	}
	if !strings.Contains(configured, "://") {
		configured = "http://" + configured
	}
	u, err := url.Parse(configured)
	base, berr := url.Parse(public)
	if err != nil || berr != nil {
		return ""
	}
	out, err := httpx.JoinURL(base, u.EscapedPath(), u.RawQuery)
	if err != nil {
		return ""
	}
	return out
}

func (tr *tunnelRun) writePublic(public string) error {
	if tr.o.PublicURLFile == "" {
		return nil
	}
	if err := os.WriteFile(tr.o.PublicURLFile, []byte(public+"\n"), 0o644); err != nil {
		return failErr(fmt.Errorf("--public-url-file: %w", err))
	}
	return nil
}

// event tells a change of the tunnel; a new URL is written to
// --public-url-file too.
func (tr *tunnelRun) event(e tunnel.Event) {
	c := view.TunnelChange{State: string(e.State), Err: e.Err, Attempt: e.Attempt, Wait: e.Wait, PublicURL: e.URL, Local: tr.local, Changed: e.Changed}
	if e.State == tunnel.Up {
		c.Webhook, c.Callback = tr.t.pasteURLs(e.URL)
		if e.Changed {
			if err := tr.writePublic(e.URL); err != nil {
				tr.app.warn("%v", err)
			}
		}
	}
	tr.printer.Change(c)
}

// stop waits for start to end (its ctx is done), stops the client and
// undoes what it left; the log file is kept for the user. It returns
// start's error.
func (tr *tunnelRun) stop(started bool) error {
	var err error
	tr.once.Do(func() {
		if started {
			<-tr.done
		}
		if cerr := tr.sup.Stop(); cerr != nil {
			tr.app.warn("stopping the tunnel: %v", cerr)
		}
		if tr.o.PublicURLFile != "" {
			os.Remove(tr.o.PublicURLFile)
		}
		tr.log.Close()
	})
	if started {
		err = tr.err
	}
	var e *exitError
	if errors.As(err, &e) {
		return e
	}
	return err
}

// tunnelLinger is how long, when listen stops, the tunnel client has to
// close the connections it relayed (listener.ServerOptions.Linger) before
// it is stopped: it has passed the last answer on by then. A sender that
// keeps its connection open makes listen wait that long.
func tunnelLinger(tunnel bool) time.Duration {
	if !tunnel {
		return 0
	}
	return time.Second
}
