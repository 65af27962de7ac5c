package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	pathpkg "path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/inspect"
	"github.com/hooktool/hooktool/internal/listener"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/suggest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ListenOptions are the flags of `hooktool listen`.
type ListenOptions struct {
	signing signingFlags
	// flags are the command's, read with the config (signing settings).
	flags *pflag.FlagSet
	// StatusSet says --status was given: otherwise a forwarded delivery
	// is answered with the app's status.
	StatusSet bool

	Host          string
	Port          int
	Save          string
	Fsync         bool
	Status        int
	Delay         time.Duration
	Body          string
	FailRate      float64
	RejectInvalid bool
	Events        []string
	AllowIPs      []string
	MaxBody       string
	EventPath     string
	ForwardTo     string
	PathPrefix    bool
	// ForwardHeaders are for the app (--forward-to, routes) alone;
	// MirrorHeaders for the mirrors alone.
	ForwardHeaders []string
	MirrorHeaders  []string
	ForwardTimeout time.Duration
	// ForwardRetry and ForwardRetryBackoff retry the app as a provider
	// would; ForwardInsecure skips its TLS certificate check.
	ForwardRetry        int
	ForwardRetryBackoff time.Duration
	ForwardInsecure     bool
	// Routes are --route MATCH=URL, before the endpoint's routes:;
	// Mirrors are --mirror [MATCH=]URL, each answering within
	// MirrorTimeout.
	Routes        []string
	Mirrors       []string
	MirrorTimeout time.Duration
	ExitAfter     int
	// CountAttempts makes --exit-after count repeats too.
	CountAttempts bool
	Timeout       time.Duration
	ExpectValid   bool
	ExpectApp2xx  bool
	ReadyFile     string
	Verbose       bool
	HeaderTimeout time.Duration
	ReadTimeout   time.Duration
	IdleTimeout   time.Duration
	// UI serves the inspector beside the listener, on UIPort, holding
	// UIKeep deliveries in memory; Open opens it in the browser.
	UI     bool
	UIPort int
	UIKeep int
	Open   bool
	// Tunnel is --tunnel KIND: a public URL through that client (see
	// listentunnel.go); the other Tunnel fields and PublicURLFile are its
	// settings.
	Tunnel              string
	TunnelBin           string
	TunnelTimeout       time.Duration
	TunnelCheckInterval time.Duration
	TunnelArgs          []string
	TunnelURL           string
	TunnelRemotePort    int
	PublicURLFile       string
}

// newListenCommand builds `listen`; runF, when not nil, gets the options
// instead of runListen (for tests).
func newListenCommand(app *App, runF func(*ListenOptions) error) *cobra.Command {
	o := &ListenOptions{}
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Receive webhooks locally: show, verify, keep and forward each delivery",
		Long: `Run a local receiver. Each delivery is shown (time, method, path, event
type, signature verdict, size, the answer given, and the app's answer when
forwarding), kept byte-exact in the --save file, forwarded to --forward-to (or the
--route that takes it: an event glob, path:/PREFIX or where:COND, the first
that matches winning; one no route takes goes to --forward-to, or is only
kept), copied to each --mirror (its answer recorded, never returned; it
gets the sender's headers and --mirror-header's, never --forward-header's,
which are for your app), and answered as asked, to test a sender's retries.

Binds 127.0.0.1:4242 unless told otherwise (--port 0 picks a free port).
When ready it prints the URL on stderr (a {"type":"ready"} line with --json)
and writes it to --ready-file. What to verify with comes from --provider,
--endpoint or --scheme with a secret, as for verify; with no secret, a
delivery carrying the scheme's signature is shown as "not checked (no
secret)", one with no signature as unsigned. A signature that fails shows
its first hint under its line. A repeat of an earlier delivery (a retry, a
duplicate) is marked "↻ repeat of ID" (repeat_of in the record).

A delivery is answered only after its record is in the --save file: if the
file cannot be written, the sender gets 503. Ctrl-C stops accepting, lets
in-flight deliveries finish, and prints a summary.

In CI: --exit-after N exits 0 once N distinct deliveries matching --events
have come (a retry or duplicate of one is the same delivery again: see
repeat_of in the README; --count-attempts counts each), --timeout D exits 1
if they have not by then, --expect-valid exits 1 if any had an invalid
signature, and --expect-app-2xx exits 1 if the --forward-to app did not
answer 2xx to the last attempt of every delivery (then --exit-after counts
only deliveries the app accepted, so a sender's retry still finds the
listener).

--ui serves the inspector (see inspect --help) beside the listener, on
127.0.0.1 and [::1] only whatever --host says, on --ui-port (4243 by
default, never --port). Its URL, with the run's token, is said on stderr (a
{"type":"ui"} line with --json) before the listener is ready. It follows
the --save file; without --save, a private capture file (0600, in a new
temporary directory) deleted when listen stops. --open opens the URL in the
browser (xdg-open, open or start); failing to is only a warning.

--tunnel KIND gives the listener a public URL through a tunnel client you
already use: cloudflared (a quick tunnel), ngrok, tailscale (Funnel) or
ssh:[USER@]HOST[:PORT]. listen starts the client (its output goes to a log
file whose path is said; to stderr too with --verbose), learns the public
URL, and is ready only once a request sent to that URL arrived (a random
path, answered, neither kept nor shown): then it says "public URL: …  →
http://127.0.0.1:PORT" and, for the endpoint, the webhook and callback URLs
to paste. It checks again every --tunnel-check-interval; when the client
exits or a check fails it says so at once, restarts the client with
backoff, and says loudly when the URL changed. The client dies with listen,
and what it left (a funnel) is removed. Behind a tunnel --allow-ip judges
the sender's address the client passes on. The inspector is never
tunnelled.` + exitStatus("stopped (Ctrl-C, SIGTERM, or --timeout without --exit-after), or --exit-after's deliveries came", "--timeout passed before --exit-after's deliveries came, --expect-valid saw an invalid signature, or --expect-app-2xx a delivery the app did not accept", couldNotRun+" (the address cannot be bound, the --tunnel client is missing or did not get a public URL that reaches the listener in --tunnel-timeout)"),
		Example: `  hooktool listen
  hooktool listen --provider aella --forward-to localhost:3000/webhooks
  hooktool listen --port 9000 --save deliveries.jsonl --status 500
  hooktool listen --json --exit-after 3 --timeout 60s > got.jsonl
  hooktool listen --events 'transfer.*,mandate.debit.failed' --allow-ip 127.0.0.1/32
  hooktool listen --ui --open --save deliveries.jsonl
  hooktool listen --forward-to 3000 --route 'invoice.*=3001' --route 'path:/github=3002'
  hooktool listen --forward-to 3000 --mirror 'where:data.amount>5000=staging.example:8080/hooks'
  hooktool listen --endpoint local --tunnel cloudflared --forward-to 3000
  hooktool listen --tunnel ssh:nokey@localhost.run --tunnel-remote-port 80`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.flags, o.StatusSet = cmd.Flags(), cmd.Flags().Changed("status")
			if runF != nil {
				return runF(o)
			}
			return runListen(cmd.Context(), app, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addToleranceFlag(fs)
	o.signing.addCompletions(app, cmd)
	fs.StringVar(&o.Host, "host", "127.0.0.1", "address to bind; 0.0.0.0 or :: listens on every interface")
	portVar(fs, &o.Port, "port", 4242, "port to bind; 0 picks a free one")
	fs.StringVar(&o.Save, "save", "", "append every delivery to this JSON Lines file (created 0600)")
	fs.BoolVar(&o.Fsync, "fsync", false, "make each group of saved deliveries durable (fsync) before answering")
	fs.IntVar(&o.Status, "status", 200, "status to answer with")
	spanVar(fs, &o.Delay, "delay", 0, "wait this long before answering")
	fs.StringVar(&o.Body, "body", "", `answer body (default {"received":true,"id":...})`)
	fs.Float64Var(&o.FailRate, "fail-rate", 0, "share of deliveries (0 to 1) answered 500, to test retries")
	fs.BoolVar(&o.RejectInvalid, "reject-invalid", false, "answer 401 to a delivery whose signature is invalid (it is still kept)")
	fs.StringSliceVar(&o.Events, "events", nil, "show and forward only these event types (comma-separated globs); others are still kept")
	fs.StringArrayVar(&o.AllowIPs, "allow-ip", nil, "accept only these remote addresses (CIDR or address, IPv4 or IPv6; repeatable); others get 403")
	fs.StringVar(&o.MaxBody, "max-body", "5MiB", "largest body accepted; larger ones get 413 and are not kept")
	fs.StringVar(&o.EventPath, "event-path", "", "gjson path of the event type in a body (default: the provider's, else event)")
	urlVar(fs, &o.ForwardTo, "forward-to", "forward each delivery to the app at this URL (a bare port or /path means localhost); a path in it replaces the delivery's")
	fs.BoolVar(&o.PathPrefix, "path-prefix", false, "with --forward-to: put its path before each delivery's path instead of replacing it")
	fs.StringArrayVar(&o.ForwardHeaders, "forward-header", nil, "add a header to deliveries forwarded to the app (--forward-to, --route), never to a --mirror, 'Name: value' (repeatable)")
	spanVar(fs, &o.ForwardTimeout, "forward-timeout", 30*time.Second, "time the app has to answer a forwarded delivery")
	fs.IntVar(&o.ForwardRetry, "forward-retry", 0, "forward a delivery again, up to this many times, when the app answers 5xx or cannot be reached")
	spanVar(fs, &o.ForwardRetryBackoff, "forward-retry-backoff", time.Second, "wait before the first --forward-retry; it doubles each time, up to 1m")
	fs.BoolVar(&o.ForwardInsecure, "forward-insecure", false, "do not check the TLS certificate of the --forward-to app and the --mirror targets (a local one's self-signed certificate)")
	fs.StringArrayVar(&o.Routes, "route", nil, "forward the deliveries MATCH takes to URL instead, 'MATCH=URL' (MATCH: an event glob, path:/PREFIX or where:COND; repeatable; the first that matches wins, --forward-to is the default)")
	fs.StringArrayVar(&o.Mirrors, "mirror", nil, "also send a copy of each delivery to URL, or of those MATCH takes with 'MATCH=URL'; its answer is recorded, never returned (repeatable)")
	fs.StringArrayVar(&o.MirrorHeaders, "mirror-header", nil, "add a header to the copies sent to each --mirror (which get no --forward-header), 'Name: value' (repeatable)")
	spanVar(fs, &o.MirrorTimeout, "mirror-timeout", 5*time.Second, "time a --mirror target has to answer: the sender's answer waits no longer for it")
	fs.IntVar(&o.ExitAfter, "exit-after", 0, "exit 0 after this many distinct deliveries matching --events (a retry is the same delivery)")
	fs.BoolVar(&o.CountAttempts, "count-attempts", false, "make --exit-after count every delivery, retries and duplicates included")
	spanVar(fs, &o.Timeout, "timeout", 0, "stop after this long; with --exit-after, exit 1 if they have not all come")
	fs.BoolVar(&o.ExpectValid, "expect-valid", false, "exit 1 if any delivery's signature was invalid")
	fs.BoolVar(&o.ExpectApp2xx, "expect-app-2xx", false, "exit 1 if the --forward-to app did not answer 2xx to the last attempt of every delivery")
	fs.StringVar(&o.ReadyFile, "ready-file", "", "write the listening URL to this file once ready")
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "also show each delivery's headers and pretty-printed body")
	spanVar(fs, &o.HeaderTimeout, "header-timeout", 10*time.Second, "time a client has to send the request headers")
	spanVar(fs, &o.ReadTimeout, "read-timeout", 60*time.Second, "time a client has to send the whole request, body included")
	spanVar(fs, &o.IdleTimeout, "idle-timeout", 120*time.Second, "how long an idle keep-alive connection is kept open")
	fs.BoolVar(&o.UI, "ui", false, "serve the inspector (as hooktool inspect does) beside the listener, on 127.0.0.1 and [::1] only")
	portVar(fs, &o.UIPort, "ui-port", inspect.DefaultPort, "with --ui: port to serve the inspector on; 0 picks a free one; never --port")
	fs.IntVar(&o.UIKeep, "ui-keep", inspect.DefaultKeep, "with --ui: deliveries held in memory (the newest); older ones are read from the file when shown")
	fs.BoolVar(&o.Open, "open", false, "with --ui: open the inspector in the browser (xdg-open, open or start)")
	addTunnelFlags(fs, o)
	return cmd
}

// listenSetup is everything runListen resolves before it binds.
type listenSetup struct {
	handler listener.Options
	tunnel  *tunnelSetup // nil without --tunnel
	signing *resolvedSigning
	forward string
	// routes and mirrors are where the route table and the mirrors send,
	// for the ready line; targets every app forwarded to, to probe.
	routes, mirrors []view.ListenTarget
	targets         []probeTarget
	unsigned        string // why deliveries are not verified, when they are not
}

func runListen(ctx context.Context, app *App, o *ListenOptions) error {
	setup, err := app.listenSetup(o)
	if err != nil {
		return err
	}
	if o.ReadyFile != "" {
		// A stale file from an earlier run must not look like readiness.
		if err := os.Remove(o.ReadyFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return failErr(fmt.Errorf("--ready-file: %w", err))
		}
		defer os.Remove(o.ReadyFile)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)))
	if err != nil {
		var hints []string
		var dnsErr *net.DNSError
		if h := bindHint("--port", o.Port, err); h != "" {
			hints = append(hints, h)
		} else if errors.As(err, &dnsErr) || errors.Is(err, syscall.EADDRNOTAVAIL) {
			hints = append(hints, "--host must be an address of this machine, such as 127.0.0.1 (the default), ::1 or 0.0.0.0")
		}
		return failErr(fmt.Errorf("cannot listen on %s: %w", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)), err), hints...)
	}
	var store *capture.Writer
	save := o.Save
	if o.UI && save == "" {
		// The inspector reads capture files: without --save, a private one.
		var remove func()
		if save, remove, err = privateCapture(); err != nil {
			ln.Close()
			return err
		}
		defer remove()
	}
	if save != "" {
		if store, err = app.createCapture("capture file", save, o.Fsync); err != nil {
			ln.Close()
			return err
		}
		setup.handler.Store = store
	}
	if o.UI {
		ui, err := app.startUI(save, store, o.UIPort, o.UIKeep, ln.Addr().(*net.TCPAddr).Port, o.Open, app.listenUIActions(o, setup, store))
		if err != nil {
			ln.Close()
			store.Close()
			return err
		}
		defer ui.stop() // after the capture file is closed: it is followed to its end
	}
	printer := view.NewListenPrinter(app.out(), view.ListenSettings{Verbose: o.Verbose, Redact: setup.signing.redactor()})
	setup.handler.OnDelivery = printer.Delivery
	ctx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	var tun *tunnelRun
	tunnelStarted := false
	if setup.tunnel != nil {
		if tun, err = app.newTunnelRun(o, setup, ln.Addr().(*net.TCPAddr)); err != nil {
			ln.Close()
			if store != nil {
				store.Close()
			}
			return err
		}
		setup.handler.CheckPath, setup.handler.OnCheck = tun.sup.CheckPath(), tun.sup.Arrived
		defer tun.stop(false) // however listen ends: no client left behind
	}
	var readyErr error
	srv, err := listener.NewServer(listener.ServerOptions{
		Handler:       setup.handler,
		HeaderTimeout: o.HeaderTimeout,
		ReadTimeout:   o.ReadTimeout,
		// A delivery is answered after the app's last attempt.
		WriteTimeout: o.ReadTimeout + o.Delay + time.Duration(o.ForwardRetry+1)*o.ForwardTimeout +
			setup.handler.ForwardRetry.Total() + o.MirrorTimeout + 10*time.Second,
		IdleTimeout:   o.IdleTimeout,
		Linger:        tunnelLinger(setup.tunnel != nil),
		ExitAfter:     o.ExitAfter,
		CountAttempts: o.CountAttempts,
		ExpectApp2xx:  o.ExpectApp2xx,
		Timeout:       o.Timeout,
		OnReady: func(url string) error {
			if tun != nil {
				// Ready means reachable: announced once a request sent to
				// the public URL arrived (the server is serving by then).
				tunnelStarted = true
				tun.start(ctx, func(public string) error { return app.announceReady(o, setup, printer, url, public) }, stopServing)
				return nil
			}
			readyErr = app.announceReady(o, setup, printer, url, "")
			return readyErr
		},
	})
	if err != nil {
		ln.Close()
		if store != nil {
			store.Close()
		}
		return unusableSecret(err)
	}
	if o.ForwardInsecure {
		var apps []string
		for _, t := range setup.targets {
			apps = append(apps, t.target)
		}
		app.warn("--forward-insecure: the TLS certificate of %s is not checked", strings.Join(apps, ", "))
	}
	app.probeApps(ctx, setup.targets, o.StatusSet, o.Status)
	if ip := net.ParseIP(o.Host); o.Host == "" || (ip != nil && ip.IsUnspecified()) {
		app.warn("listening on every network interface (--host %s): anyone who can reach this machine can send deliveries; use --allow-ip to limit who", cmp.Or(o.Host, `""`))
	}
	res, err := srv.Serve(ctx, ln)
	if tun != nil {
		stopServing()
		if terr := tun.stop(tunnelStarted); terr != nil && err == nil {
			if store != nil {
				store.Close()
			}
			return terr
		}
	}
	if err != nil {
		if store != nil {
			store.Close()
		}
		if readyErr != nil {
			return readyErr
		}
		return failErr(err)
	}
	summary := view.ListenSummary{Stats: res.Stats, Save: o.Save}
	if store != nil {
		if err := store.Close(); err != nil {
			app.warn("closing the capture file: %v", err)
		}
		// Deleted or moved while listening (and created anew, or not):
		// then not every delivery kept is in the file now.
		if store.Recreated() > 0 || store.Lost() > 0 {
			summary.File = &view.ListenFile{InFile: store.InFile(), Recreated: store.Recreated(), Lost: store.Lost()}
		}
	}
	printer.Summary(summary)
	// The deliveries the app did not accept are told however the listener
	// stopped (--exit-after, --timeout, Ctrl-C), before any other verdict.
	appFailed := o.ExpectApp2xx && (len(res.AppFailures) > 0 || res.AppFailuresUntold > 0)
	if appFailed {
		printer.AppFailures(view.ListenAppFailures{
			Failures: res.AppFailures, Untold: res.AppFailuresUntold,
			Distinct: res.Stats.Received - res.Stats.Repeats, Save: o.Save,
		})
	}
	switch {
	case o.ExitAfter > 0 && res.TimedOut:
		accepted := ""
		if o.ExpectApp2xx && !o.CountAttempts {
			accepted = " the app accepted"
		}
		// A failure: an error line, which --quiet keeps.
		return &exitError{code: ExitInvalid, err: fmt.Errorf("timed out after %s with %d of %d deliveries%s", o.Timeout, res.Counted, o.ExitAfter, accepted)}
	case o.ExpectValid && res.Stats.Invalid > 0:
		// A failure: an error line, which --quiet keeps.
		return &exitError{code: ExitInvalid, err: fmt.Errorf("%s had an invalid signature (--expect-valid)", view.Plural(res.Stats.Invalid, "delivery", "deliveries"))}
	case appFailed:
		return silentExit(ExitInvalid)
	}
	return nil
}

func (app *App) listenSetup(o *ListenOptions) (*listenSetup, error) {
	if o.HeaderTimeout <= 0 || o.ReadTimeout <= 0 || o.IdleTimeout <= 0 {
		return nil, usageErr("--header-timeout, --read-timeout and --idle-timeout must be positive")
	}
	if o.Status < 100 || o.Status > 599 {
		return nil, usageErr("--status %d is not an HTTP status", o.Status)
	}
	if o.FailRate < 0 || o.FailRate > 1 {
		return nil, usageErr("--fail-rate must be between 0 and 1")
	}
	for _, g := range o.Events {
		if _, err := pathMatch(g); err != nil {
			return nil, usageErr("--events %q is not a valid glob", g)
		}
	}
	maxBody, err := parseSize(o.MaxBody)
	if err != nil {
		return nil, usageErr("--max-body: %v", err)
	}
	allow, err := parsePrefixes(o.AllowIPs)
	if err != nil {
		return nil, err
	}
	r, err := app.loadSigningConfig(o.flags)
	if err != nil {
		return nil, err
	}
	s := &listenSetup{signing: r}
	h := listener.Options{
		Status: o.Status, StatusSet: o.StatusSet, Delay: o.Delay, Body: o.Body,
		FailRate: o.FailRate, RejectInvalid: o.RejectInvalid, Events: o.Events, AllowIPs: allow,
		MaxBody: maxBody, Now: app.Now, EventPath: "event",
	}
	// Verification is optional for listen: with no scheme, deliveries are
	// shown as unsigned rather than refused.
	switch err := app.finishSigning(r, r.cfg.Provider(r.endpoint)); {
	case errors.Is(err, errNoScheme):
		s.unsigned = "no scheme is configured"
		if err := app.listenDetect(r, &h); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	case signature.Unsigned(r.scheme):
		s.unsigned = "the provider does not sign"
	case len(r.signing.Secrets) == 0:
		s.unsigned = "no secret is configured"
		// Still the scheme: a delivery that carries its signature is
		// "not checked (no secret)", not unsigned.
		h.Scheme = r.scheme
	default:
		// A secret the scheme cannot use stops listen here, before anything
		// is bound or created (listener.New would refuse it too): a
		// listener that says it verifies, verifies.
		if _, err := r.newVerifier(r.scheme); err != nil {
			return nil, err
		}
		h.Scheme, h.Secrets, h.Tolerance = r.scheme, r.signing.Secrets, r.signing.Tolerance
	}
	// Every configured secret stays out of the capture, other endpoints'
	// included.
	for _, alt := range r.cfg.Alternates(r.endpoint) {
		h.Redact = append(h.Redact, alt.Secret)
	}
	if h.Secrets == nil {
		h.Secrets = r.signing.Secrets
	}
	if p := r.provider; p != nil {
		h.Provider, h.EventPath, h.EventHeader, h.EventIDPath = p.ID, p.EventPath, p.EventHeader, p.EventIDPath
		h.OnlyEvent = p.OnlyEvent()
		app.warnUnmatchedEvents("--events", o.Events, p)
	}
	if o.EventPath != "" {
		h.EventPath, h.EventHeader, h.OnlyEvent = o.EventPath, "", ""
	}
	if r.endpoint != "" {
		ep := r.cfg.Endpoints[r.endpoint]
		h.WebhookPath, h.CallbackPath = urlPath(ep.URL), urlPath(ep.CallbackURL)
	}
	verifying := s.unsigned == ""
	if o.RejectInvalid && !verifying {
		return nil, usageErr("--reject-invalid needs a scheme and a secret to verify with")
	}
	if o.ExpectValid && !verifying {
		return nil, usageErr("--expect-valid needs a scheme and a secret to verify with")
	}
	routes, err := listenRoutes(o.Routes, r)
	if err != nil {
		return nil, err
	}
	if p := r.provider; p != nil {
		for _, rt := range routes {
			if g := rt.match.EventGlob(); g != "" {
				what := rt.what // endpoint E: routes[i]
				if strings.HasPrefix(what, "--route ") {
					what = "--route"
				}
				app.warnUnmatchedEvents(what, []string{g}, p)
			}
		}
	}
	if o.ForwardTo == "" && len(routes) == 0 {
		for _, f := range []struct {
			set  bool
			name string
		}{{o.ExpectApp2xx, "--expect-app-2xx"}, {o.ForwardRetry != 0, "--forward-retry"}, {o.ForwardInsecure && len(o.Mirrors) == 0, "--forward-insecure"}, {len(o.ForwardHeaders) > 0, "--forward-header"}} {
			if f.set {
				hints := []string{"or --route MATCH=URL (or routes: in the endpoint's config)"}
				if f.name == "--forward-header" && len(o.Mirrors) > 0 {
					// It went to mirrors once: say where their headers go now.
					hints = append(hints, "a header for the mirrors is --mirror-header 'Name: value'")
				}
				return nil, &exitError{code: ExitError, err: fmt.Errorf("%s is about the app deliveries are forwarded to: give --forward-to too", f.name), hints: hints}
			}
		}
		if o.PathPrefix {
			return nil, &exitError{code: ExitError, err: errors.New("--path-prefix needs --forward-to"), hints: []string{"or --route MATCH=URL, whose URLs it applies to too"}}
		}
	}
	if o.MirrorTimeout <= 0 {
		return nil, usageErr("--mirror-timeout must be positive")
	}
	if o.ForwardRetry < 0 || o.ForwardRetry > maxForwardRetry {
		return nil, usageErr("--forward-retry must be 0 to %d", maxForwardRetry)
	}
	if o.ForwardRetry == 0 && o.flags != nil && o.flags.Changed("forward-retry-backoff") {
		return nil, usageErr("--forward-retry-backoff is the wait before the first --forward-retry: give --forward-retry N too")
	}
	if o.CountAttempts && o.ExitAfter <= 0 {
		return nil, usageErr("--count-attempts says what --exit-after counts: give --exit-after too")
	}
	if !o.UI {
		for _, name := range []string{"open", "ui-port", "ui-keep"} {
			if o.flags != nil && o.flags.Changed(name) {
				return nil, usageErr("--%s is about the inspector: give --ui too", name)
			}
		}
	}
	if o.UI && o.UIKeep < 1 {
		return nil, usageErr("--ui-keep must be at least 1")
	}
	if o.UI && o.UIPort != 0 && o.UIPort == o.Port {
		return nil, usageErr("--ui-port must differ from --port: the inspector never shares the listener's port")
	}
	if len(o.MirrorHeaders) > 0 && len(o.Mirrors) == 0 {
		return nil, usageErr("--mirror-header is about the mirrors: give --mirror too")
	}
	// The app's headers (an Authorization for the user's own app) never
	// go to a mirror, which may be another host: mirrors get their own.
	appExtra, err := parseHeaderFlag("--forward-header", o.ForwardHeaders)
	if err != nil {
		return nil, err
	}
	mirrorExtra, err := parseHeaderFlag("--mirror-header", o.MirrorHeaders)
	if err != nil {
		return nil, err
	}
	// One client for the apps (one pool of connections), one for the
	// mirrors, with their own timeout.
	client := delivery.New(delivery.Options{Timeout: o.ForwardTimeout, UserAgent: "hooktool/" + app.Version, Insecure: o.ForwardInsecure})
	forwarder := func(what, raw string, c *delivery.Client, extra http.Header) (*listener.Forwarder, string, error) {
		target, u, err := forwardTarget(what, raw)
		if err != nil {
			return nil, "", err
		}
		fw, err := listener.NewForwarder(u, pathRule(o.PathPrefix), c, extra)
		if err != nil {
			return nil, "", failErr(err) // forwardTarget made it absolute: not expected
		}
		return fw, target, nil
	}
	for _, rt := range routes {
		fw, target, err := forwarder(rt.what, rt.to, client, appExtra)
		if err != nil {
			return nil, err
		}
		h.Routes = append(h.Routes, listener.Route{Match: rt.match, Forward: fw})
		s.routes = append(s.routes, view.ListenTarget{Match: rt.match.String(), URL: target})
		s.targets = append(s.targets, probeTarget{fw, target, "route " + rt.match.String()})
	}
	if o.ForwardTo != "" {
		fw, target, err := forwarder("--forward-to", o.ForwardTo, client, appExtra)
		if err != nil {
			return nil, err
		}
		h.Forward, s.forward = fw, target
		s.targets = append(s.targets, probeTarget{fw, target, "--forward-to"})
	}
	if h.Forward != nil || len(h.Routes) > 0 {
		h.ForwardRetry = delivery.Doubling(o.ForwardRetryBackoff, time.Minute, o.ForwardRetry) // doubling, at most a minute apart
	}
	if len(o.Mirrors) > 0 {
		mc := delivery.New(delivery.Options{Timeout: o.MirrorTimeout, UserAgent: "hooktool/" + app.Version, Insecure: o.ForwardInsecure})
		for _, arg := range o.Mirrors {
			match, raw, err := mirrorArg(arg)
			if err != nil {
				return nil, err
			}
			fw, target, err := forwarder("--mirror", raw, mc, mirrorExtra)
			if err != nil {
				return nil, err
			}
			h.Mirrors = append(h.Mirrors, listener.Mirror{Match: match, Forward: fw})
			t := view.ListenTarget{URL: target}
			if match != nil {
				t.Match = match.String()
			}
			s.mirrors = append(s.mirrors, t)
			s.targets = append(s.targets, probeTarget{fw, target, "--mirror"})
		}
	}
	if s.tunnel, err = app.tunnelSetup(o, &h, r); err != nil {
		return nil, err
	}
	s.handler = h
	return s, nil
}

// probeTarget is an app to see answering at start.
type probeTarget struct {
	fw     *listener.Forwarder
	target string
	// what names where it comes from: --forward-to, route MATCH, --mirror.
	what string
}

// probeTimeout bounds the check at start that each app answers: ready is
// late by at most this much (a refused connection on loopback is told at
// once).
const probeTimeout = 500 * time.Millisecond

// probeApps tells, once at start, each app that nothing answers for yet
// (the first delivery would tell it again, later). Each host and port is
// tried once, all at the same time; the message names every flag or
// route that sends there.
func (app *App) probeApps(ctx context.Context, targets []probeTarget, statusSet bool, status int) {
	type probe struct {
		t     probeTarget
		whats []string
		err   error
	}
	var probes []*probe
	byHost := map[string]*probe{}
	for _, t := range targets {
		u, _ := url.Parse(t.target)
		hp := hostPort(u)
		if p := byHost[hp]; p != nil {
			p.whats = append(p.whats, t.what)
			continue
		}
		p := &probe{t: t, whats: []string{t.what}}
		byHost[hp] = p
		probes = append(probes, p)
	}
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.err = p.t.fw.Probe(ctx, probeTimeout)
		}()
	}
	wg.Wait()
	for _, p := range probes {
		var de *delivery.Error
		if p.err == nil || !errors.As(p.err, &de) {
			continue
		}
		u, _ := url.Parse(p.t.target)
		msg := fmt.Sprintf("nothing answers on %s yet (%s)", hostPort(u), strings.Join(p.whats, ", "))
		if de.Kind != delivery.KindRefused && de.Kind != delivery.KindTimeout {
			msg = fmt.Sprintf("%s: %s (%s)", hostPort(u), de.Msg, strings.Join(p.whats, ", "))
		}
		app.warnOnce(msg, msg, downHint(p.whats, statusSet, status))
	}
}

// downHint says what becomes of deliveries sent to a target that does not
// answer yet: the sender's answer is 502, or --status's when it was given;
// a mirror's answer is only recorded, whatever it is.
func downHint(whats []string, statusSet bool, status int) string {
	if !slices.ContainsFunc(whats, func(w string) bool { return w != "--mirror" }) {
		return "start it: a mirror's answer is only recorded, so the sender is answered as if it were not there (the capture keeps each delivery)"
	}
	if statusSet {
		return fmt.Sprintf("start the app: until it answers, deliveries sent there are answered %d as --status says (the capture keeps them)", status)
	}
	return "start the app: until it answers, deliveries sent there are answered 502 (the capture keeps them)"
}

// hostPort is u's host with its port, the scheme's when it names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// listenRoute is a route before its forwarder is built: what it takes,
// where to, and what set it (for messages).
type listenRoute struct {
	match    listener.Match
	to, what string
}

// listenRoutes reads the route table: the --route flags, then the
// endpoint's routes: in the config.
func listenRoutes(flags []string, r *resolvedSigning) ([]listenRoute, error) {
	var out []listenRoute
	for _, arg := range flags {
		left, to, ok := listener.SplitRoute(arg)
		if !ok || to == "" {
			return nil, usageErr("--route %q is not MATCH=URL (MATCH: an event glob, path:/PREFIX or where:COND)", arg)
		}
		m, err := listener.ParseMatch(left)
		if err != nil {
			return nil, usageErr("--route %q: %v", arg, err)
		}
		out = append(out, listenRoute{m, to, "--route " + left})
	}
	if r.endpoint == "" {
		return out, nil
	}
	for i, rt := range r.cfg.Endpoints[r.endpoint].Routes {
		m, err := listener.ParseMatch(rt.Match)
		if err != nil {
			return nil, usageErr("endpoint %s: routes[%d]: %v", r.endpoint, i, err)
		}
		out = append(out, listenRoute{m, rt.To, fmt.Sprintf("endpoint %s: routes[%d]", r.endpoint, i)})
	}
	return out, nil
}

// mirrorArg reads --mirror: URL, or MATCH=URL when the part before the
// first lone "=" is a match (path:…, where:…, or a glob: no "/" or ":" in
// it, which a URL such as localhost:3000/x?a=b has).
func mirrorArg(arg string) (*listener.Match, string, error) {
	left, to, ok := listener.SplitRoute(arg)
	routed := strings.HasPrefix(arg, "path:") || strings.HasPrefix(arg, "where:") || (ok && !strings.ContainsAny(left, "/:"))
	if !routed {
		return nil, arg, nil
	}
	if !ok || to == "" {
		return nil, "", usageErr("--mirror %q is not URL or MATCH=URL", arg)
	}
	m, err := listener.ParseMatch(left)
	if err != nil {
		return nil, "", usageErr("--mirror %q: %v", arg, err)
	}
	return &m, to, nil
}

// maxForwardRetry bounds --forward-retry: the sender waits for every
// attempt.
const maxForwardRetry = 100

// forwardTarget reads a URL to forward to (--forward-to, a route's,
// --mirror's): "3000" and "/path" mean localhost, no scheme means http.
func forwardTarget(what, raw string) (string, *url.URL, error) {
	target := raw
	if _, err := strconv.Atoi(target); err == nil {
		target = "localhost:" + target
	} else if strings.HasPrefix(target, "/") {
		target = "localhost" + target
	}
	target, err := normalizeURL(what, target)
	if err != nil {
		return "", nil, err
	}
	u, _ := url.Parse(target)
	return target, u, nil
}

func urlPath(raw string) string {
	if raw == "" {
		return ""
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if u.Path == "" {
		return "/"
	}
	return u.Path
}

// announceReady writes the --ready-file, then says the listener is ready.
func (app *App) announceReady(o *ListenOptions, s *listenSetup, printer view.ListenPrinter, url, public string) error {
	if o.ReadyFile != "" {
		if err := os.WriteFile(o.ReadyFile, []byte(url+"\n"), 0o644); err != nil {
			return failErr(fmt.Errorf("--ready-file: %w", err))
		}
	}
	r := view.ListenReady{URL: url, Save: o.Save, ForwardTo: s.forward, Routes: s.routes, Mirrors: s.mirrors, Unsigned: s.unsigned, Provider: s.handler.Provider, PublicURL: public}
	if public != "" {
		r.WebhookURL, r.CallbackURL = s.tunnel.pasteURLs(public)
	}
	if s.handler.Scheme != nil {
		r.Scheme = s.handler.Scheme.Name()
	}
	return printer.Ready(r)
}

// parseSize reads a byte count: 1024, 64k, 64KiB, 5MB, 5MiB, 1G.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult { // an overflow would turn the limit off
		return 0, fmt.Errorf("%q is not a size such as 5MiB, 512KiB or 1048576", s)
	}
	return n * mult, nil
}

// parsePrefixes reads --allow-ip values: CIDRs, or bare addresses (/32,
// /128), comma-separated or repeated.
func parsePrefixes(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if p, err := netip.ParsePrefix(item); err == nil {
				out = append(out, p.Masked())
				continue
			}
			a, err := netip.ParseAddr(item)
			if err != nil {
				return nil, usageErr("--allow-ip %q is neither an address nor a CIDR prefix", item)
			}
			// IPv4-mapped addresses and prefixes are unmapped by the
			// listener, on both sides of the comparison.
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}

// warnUnmatchedEvents says which event globs of flag (--events, a
// --route's match) match none of the provider's events, with the nearest
// name: a mistyped one would otherwise hide or misroute every delivery of
// it, and an --exit-after wait end only at --timeout. A warning, not an
// error: a provider may send events its profile does not list.
func (app *App) warnUnmatchedEvents(flag string, globs []string, p *catalog.Provider) {
	names := p.EventNames()
	for _, g := range globs {
		if slices.ContainsFunc(names, func(n string) bool { ok, _ := pathpkg.Match(g, n); return ok }) {
			continue
		}
		hint := suggest.DidYouMean(g, names)
		if hint == "" {
			hint = "`hooktool events --provider " + p.ID + "` lists them"
		}
		msg := fmt.Sprintf("%s %q matches none of %s's events", flag, g, p.ID)
		app.warnOnce(msg, msg, hint)
	}
}

func pathMatch(glob string) (bool, error) { return pathpkg.Match(glob, "") }

// listenDetect has a listener with no scheme name each delivery's provider
// from its headers (catalog.Detector), and check it with the secret of an
// endpoint of the config whose provider it is (the first by name), else
// with the secret in effect.
func (app *App) listenDetect(r *resolvedSigning, h *listener.Options) error {
	c, err := app.loadCatalog(r)
	if err != nil {
		return err
	}
	h.Detector = catalog.NewDetector(c)
	h.DetectedSecrets = map[string]listener.DetectedSigning{}
	for _, name := range slices.Sorted(maps.Keys(r.cfg.Endpoints)) {
		id := r.cfg.Endpoints[name].Provider
		if _, done := h.DetectedSecrets[id]; id == "" || done {
			continue
		}
		if c.Provider(id) == nil {
			continue // no profile to detect it by
		}
		// The endpoint's signing as every command resolves it
		// (finishSigning): its own scheme or the provider's, the keys of
		// an asymmetric scheme, the provider's documented tolerance.
		rs := &resolvedSigning{cfg: r.cfg, endpoint: name, catalog: c}
		if err := app.finishSigning(rs, id); err != nil {
			return fmt.Errorf("endpoint %s: %w", name, err)
		}
		if len(rs.signing.Secrets) > 0 {
			h.DetectedSecrets[id] = listener.DetectedSigning{Scheme: rs.scheme, Secrets: rs.signing.Secrets, Tolerance: rs.signing.Tolerance}
		}
	}
	// The secret in effect (--secret, HOOKTOOL_SECRET, the config's own)
	// checks the providers no endpoint names, as verify --detect does: a
	// secret given is used, never reported as missing.
	if len(r.signing.Secrets) > 0 {
		fb := &listener.DetectedSigning{Secrets: r.signing.Secrets}
		if r.signing.ToleranceSet {
			fb.Tolerance = r.signing.Tolerance
		}
		h.DetectedFallback = fb
	}
	return nil
}
