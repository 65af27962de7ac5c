package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	pathpkg "path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/listener"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

// ListenOptions are the flags of `hooktool listen`.
type ListenOptions struct {
	signing        signingFlags
	Host           string
	Port           int
	Save           string
	Fsync          bool
	Status         int
	Delay          time.Duration
	Body           string
	FailRate       float64
	RejectInvalid  bool
	Events         []string
	AllowIPs       []string
	MaxBody        string
	EventPath      string
	ForwardTo      string
	ForwardHeaders []string
	ForwardTimeout time.Duration
	ExitAfter      int
	Timeout        time.Duration
	ExpectValid    bool
	ReadyFile      string
	Verbose        bool
	HeaderTimeout  time.Duration
	ReadTimeout    time.Duration
	IdleTimeout    time.Duration
}

func newListenCommand(app *App) *cobra.Command {
	o := &ListenOptions{}
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Receive webhooks locally: show, verify, keep and forward each delivery",
		Long: `Run a local receiver. Each delivery is shown (time, method, path, event
type, signature verdict, size, the answer given, and the app's answer when
forwarding), kept byte-exact in the --save file, forwarded to --forward-to,
and answered as asked, to test a sender's retries.

Binds 127.0.0.1:4242 unless told otherwise (--port 0 picks a free port).
When ready it prints the URL on stderr (a {"type":"ready"} line with --json)
and writes it to --ready-file. What to verify with comes from --provider,
--endpoint or --scheme with a secret, as for verify; with no secret,
deliveries are shown as unsigned.

A delivery is answered only after its record is in the --save file: if the
file cannot be written, the sender gets 503. Ctrl-C stops accepting, lets
in-flight deliveries finish, and prints a summary.

In CI: --exit-after N exits 0 once N deliveries matching --events have come,
--timeout D exits 1 if they have not by then, and --expect-valid exits 1 if
any had an invalid signature.` + exitStatusHelp,
		Example: `  hooktool listen
  hooktool listen --provider aella --forward-to localhost:3000/webhooks
  hooktool listen --port 9000 --save deliveries.jsonl --status 500
  hooktool listen --json --exit-after 3 --timeout 60s > got.jsonl
  hooktool listen --events 'transfer.*,mandate.debit.failed' --allow-ip 127.0.0.1/32`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runListen(app, cmd, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	fs.StringVar(&o.Host, "host", "127.0.0.1", "address to bind; 0.0.0.0 or :: listens on every interface")
	fs.IntVar(&o.Port, "port", 4242, "port to bind; 0 picks a free one")
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
	fs.StringVar(&o.ForwardTo, "forward-to", "", "forward each delivery to the app at this URL (a bare port or /path means localhost)")
	fs.StringArrayVar(&o.ForwardHeaders, "forward-header", nil, "add a header to forwarded deliveries, 'Name: value' (repeatable)")
	spanVar(fs, &o.ForwardTimeout, "forward-timeout", 30*time.Second, "time the app has to answer a forwarded delivery")
	fs.IntVar(&o.ExitAfter, "exit-after", 0, "exit 0 after this many deliveries matching --events")
	spanVar(fs, &o.Timeout, "timeout", 0, "stop after this long; with --exit-after, exit 1 if they have not all come")
	fs.BoolVar(&o.ExpectValid, "expect-valid", false, "exit 1 if any delivery's signature was invalid")
	fs.StringVar(&o.ReadyFile, "ready-file", "", "write the listening URL to this file once ready")
	fs.BoolVarP(&o.Verbose, "verbose", "v", false, "also show each delivery's headers and pretty-printed body")
	spanVar(fs, &o.HeaderTimeout, "header-timeout", 10*time.Second, "time a client has to send the request headers")
	spanVar(fs, &o.ReadTimeout, "read-timeout", 60*time.Second, "time a client has to send the whole request, body included")
	spanVar(fs, &o.IdleTimeout, "idle-timeout", 120*time.Second, "how long an idle keep-alive connection is kept open")
	return cmd
}

// listenSetup is everything runListen resolves before it binds.
type listenSetup struct {
	handler  listener.Options
	signing  *resolvedSigning
	maxBody  int64
	forward  string
	unsigned string // why deliveries are not verified, when they are not
}

func runListen(app *App, cmd *cobra.Command, o *ListenOptions) error {
	setup, err := app.listenSetup(cmd, o)
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
		hint := "another program may be using the port: pick another with --port, or --port 0 for a free one"
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) || strings.Contains(err.Error(), "assign requested address") {
			hint = "--host must be an address of this machine, such as 127.0.0.1 (the default), ::1 or 0.0.0.0"
		}
		return failErr(fmt.Errorf("cannot listen on %s: %w", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)), err), hint)
	}
	var store *capture.Writer
	if o.Save != "" {
		if store, err = app.createCapture("capture file", o.Save, o.Fsync); err != nil {
			ln.Close()
			return err
		}
		setup.handler.Store = store
	}
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	view := newListenView(app, o, setup)
	var matched, inFlight atomic.Int64
	setup.handler.OnDelivery = func(d listener.Delivery) {
		view.show(d)
		// Only deliveries that were kept count: a 503 (the file could not
		// be written) must not let CI pass.
		if d.Refused == "" && d.SaveErr == nil && d.Record.Matched && o.ExitAfter > 0 && matched.Add(1) == int64(o.ExitAfter) {
			stop()
		}
	}
	handler, err := listener.New(setup.handler)
	if err != nil {
		ln.Close()
		if store != nil {
			store.Close()
		}
		return unusableSecret(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inFlight.Add(1)
			defer inFlight.Add(-1)
			handler.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: o.HeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.ReadTimeout + o.Delay + o.ForwardTimeout + 10*time.Second,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    1 << 20,
		// The server's own messages (a TLS handshake on the plain port,
		// a client gone mid-request) are not the user's business.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	url := "http://" + ln.Addr().String()
	if ip := net.ParseIP(o.Host); o.Host == "" || (ip != nil && ip.IsUnspecified()) {
		app.warn("listening on every network interface (--host %s): anyone who can reach this machine can send deliveries; use --allow-ip to limit who", orDefault(o.Host, `""`))
	}
	// Readiness is announced before serving: a sender that reads the ready
	// file at once waits in the socket's backlog, and the ready line comes
	// before any delivery's line.
	if err := app.announceReady(o, setup, url); err != nil {
		ln.Close()
		if store != nil {
			store.Close()
		}
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	timedOut := false
	var timeout <-chan time.Time
	if o.Timeout > 0 {
		t := time.NewTimer(o.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
	case <-timeout:
		timedOut = true
	case err := <-served:
		return failErr(fmt.Errorf("the listener stopped: %w", err))
	}
	// In-flight deliveries finish first, however long their --delay and
	// forward take; connections that never sent a request are not waited
	// for (Go's Shutdown would give them 5 s).
	shutdown, cancel := context.WithTimeout(context.Background(), o.Delay+o.ForwardTimeout+o.ReadTimeout+10*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { _ = srv.Shutdown(shutdown); close(done) }()
	for idle := false; !idle; {
		select {
		case <-done:
			idle = true
		case <-time.After(20 * time.Millisecond):
			if inFlight.Load() == 0 {
				srv.Close()
				<-done
				idle = true
			}
		}
	}
	if store != nil {
		if err := store.Close(); err != nil {
			app.warn("closing the capture file: %v", err)
		}
	}
	view.summary()
	switch {
	case o.ExitAfter > 0 && timedOut:
		app.warn("timed out after %s with %d of %d deliveries", o.Timeout, matched.Load(), o.ExitAfter)
		return silentExit(ExitInvalid)
	case o.ExpectValid && view.invalidCount() > 0:
		app.warn("%s had an invalid signature (--expect-valid)", plural(view.invalidCount(), "delivery", "deliveries"))
		return silentExit(ExitInvalid)
	}
	return nil
}

func (app *App) listenSetup(cmd *cobra.Command, o *ListenOptions) (*listenSetup, error) {
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
	r, err := app.loadSigningConfig(cmd.Flags())
	if err != nil {
		return nil, err
	}
	s := &listenSetup{signing: r, maxBody: maxBody}
	h := listener.Options{
		Status: o.Status, StatusSet: cmd.Flags().Changed("status"), Delay: o.Delay, Body: o.Body,
		FailRate: o.FailRate, RejectInvalid: o.RejectInvalid, Events: o.Events, AllowIPs: allow,
		MaxBody: maxBody, Now: app.Now, EventPath: "event",
	}
	// Verification is optional for listen: with no scheme, deliveries are
	// shown as unsigned rather than refused.
	switch err := app.finishSigning(r, r.cfg.Provider(r.endpoint)); {
	case errors.Is(err, errNoScheme):
		s.unsigned = "no scheme is configured"
	case err != nil:
		return nil, err
	case len(r.signing.Secrets) == 0:
		s.unsigned = "no secret is configured"
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
		h.Provider, h.EventPath = p.ID, p.EventPath
	}
	if o.EventPath != "" {
		h.EventPath = o.EventPath
	}
	if r.endpoint != "" {
		ep := r.cfg.Endpoints[r.endpoint]
		h.WebhookPath, h.CallbackPath = urlPath(ep.URL), urlPath(ep.CallbackURL)
	}
	if o.RejectInvalid && h.Scheme == nil {
		return nil, usageErr("--reject-invalid needs a scheme and a secret to verify with")
	}
	if o.ExpectValid && (h.Scheme == nil || len(h.Secrets) == 0) {
		return nil, usageErr("--expect-valid needs a scheme and a secret to verify with")
	}
	if o.ForwardTo != "" {
		fw, target, err := newForwarder(app, o)
		if err != nil {
			return nil, err
		}
		h.Forward, s.forward = fw, target
	}
	s.handler = h
	return s, nil
}

// newForwarder builds the forwarder: "3000" and "/path" mean localhost.
func newForwarder(app *App, o *ListenOptions) (*listener.Forwarder, string, error) {
	target := o.ForwardTo
	if _, err := strconv.Atoi(target); err == nil {
		target = "localhost:" + target
	} else if strings.HasPrefix(target, "/") {
		target = "localhost" + target
	}
	target, err := normalizeURL("--forward-to", target)
	if err != nil {
		return nil, "", err
	}
	u, _ := url.Parse(target)
	extra, err := parseHeaderArgs(o.ForwardHeaders)
	if err != nil {
		return nil, "", err
	}
	client := delivery.New(delivery.Options{Timeout: o.ForwardTimeout, UserAgent: "hooktool/" + app.Version})
	return listener.NewForwarder(u.Scheme, u.Host, u.EscapedPath(), u.RawQuery, client, extra), target, nil
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

func (app *App) announceReady(o *ListenOptions, s *listenSetup, url string) error {
	if o.ReadyFile != "" {
		if err := os.WriteFile(o.ReadyFile, []byte(url+"\n"), 0o644); err != nil {
			return failErr(fmt.Errorf("--ready-file: %w", err))
		}
	}
	if app.JSON {
		return app.writeJSON(app.Streams.Err, map[string]any{"type": "ready", "url": url, "save": o.Save, "forward_to": s.forward, "verifying": s.unsigned == ""})
	}
	if app.Quiet {
		return nil
	}
	var parts []string
	h := s.handler
	switch {
	case s.unsigned != "":
		parts = append(parts, "not verifying: "+s.unsigned)
	default:
		v := "verifying " + h.Scheme.Name()
		if h.Provider != "" {
			v += " (" + h.Provider + ")"
		}
		parts = append(parts, v)
	}
	if o.Save != "" {
		parts = append(parts, "saving to "+o.Save)
	}
	if s.forward != "" {
		parts = append(parts, "forwarding to "+s.forward)
	}
	fmt.Fprintf(app.Streams.Err, "hooktool: listening on %s (%s)\n", url, strings.Join(parts, "; "))
	return nil
}

// listenView renders deliveries as they come, and the summary at the end.
type listenView struct {
	app *App
	o   *ListenOptions
	s   *listenSetup

	mu       sync.Mutex
	received int
	kept     int
	refused  int
	byEvent  map[string]int
	byVerd   map[string]int
	byAnswer map[int]int
	invalid  int
	hinted   map[string]bool
}

func newListenView(app *App, o *ListenOptions, s *listenSetup) *listenView {
	return &listenView{app: app, o: o, s: s, byEvent: map[string]int{}, byVerd: map[string]int{}, byAnswer: map[int]int{}, hinted: map[string]bool{}}
}

func verdictLabel(v *signature.Verdict) string {
	switch {
	case v == nil:
		return "unsigned"
	case v.Valid:
		return "valid"
	}
	return string(v.Reason)
}

func (v *listenView) invalidCount() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.invalid
}

func (v *listenView) show(d listener.Delivery) {
	v.mu.Lock()
	defer v.mu.Unlock()
	rec := d.Record
	app := v.app
	if d.Refused != "" {
		v.refused++
	} else {
		v.received++
		if d.SaveErr == nil && v.s.handler.Store != nil {
			v.kept++
		}
		ev := rec.Event
		if ev == "" {
			ev = "(none)"
		}
		v.byEvent[ev]++
		v.byVerd[verdictLabel(rec.Verdict)]++
		if rec.Verdict != nil && !rec.Verdict.Valid && rec.Matched {
			v.invalid++
		}
	}
	v.byAnswer[rec.Answer.Status]++
	if d.SaveErr != nil {
		v.hintOnce("capture: "+d.SaveErr.Error(), "the sender got 503 and will retry; free space or fix the file's permissions")
	}
	if d.ForwardErr != nil {
		hint := d.ForwardErr.Hint
		if d.ForwardErr.Kind == delivery.KindTimeout {
			hint = "raise --forward-timeout, or check the app is not stuck on the request"
		}
		// The error may quote the forward URL, and so the query's secret.
		v.hintOnce("forward: "+v.s.signing.redactor().Text(d.ForwardErr.Error()), hint)
	}
	if d.Refused == "" && !rec.Matched {
		return // filtered by --events: kept, not shown
	}
	if app.JSON {
		out := *rec
		out.Type = "delivery"
		if d.Refused != "" {
			out.Type = "refused"
		}
		app.writeJSON(app.Streams.Out, &out)
		return
	}
	if app.Quiet {
		return
	}
	fmt.Fprintln(app.Streams.Out, v.line(d))
	if v.o.Verbose && d.Refused == "" {
		v.details(rec)
	}
}

// hintOnce shows a problem once, not once per delivery. Called with mu held.
func (v *listenView) hintOnce(msg, hint string) {
	if v.hinted[msg] {
		return
	}
	v.hinted[msg] = true
	switch {
	case v.app.JSON:
		m := jsonMessage{Type: "warning", Message: msg}
		if hint != "" {
			m.Hints = []string{hint}
		}
		v.app.writeJSON(v.app.Streams.Err, m)
	case !v.app.Quiet:
		v.app.warn("%s", msg)
		if hint != "" {
			fmt.Fprintf(v.app.Streams.Err, "hooktool: hint: %s\n", term.Escape(hint))
		}
	}
}

func (v *listenView) line(d listener.Delivery) string {
	rec := d.Record
	p := v.app.palette()
	var b strings.Builder
	b.WriteString(p.Dim(rec.ReceivedAt.Local().Format("15:04:05.000")))
	// Everything from the delivery goes through term.Escape: an ESC
	// sequence in an event type could otherwise rewrite the line.
	fmt.Fprintf(&b, "  %s %s", term.Escape(rec.Method), term.Escape(rec.Path))
	if rec.Query != "" {
		b.WriteString("?" + term.Escape(rec.Query))
	}
	if rec.Route != "" {
		b.WriteString(" " + p.Dim("["+rec.Route+"]"))
	}
	if d.Refused != "" {
		fmt.Fprintf(&b, "  %s", p.Bad(fmt.Sprintf("✘ refused %d: %s", rec.Answer.Status, term.Escape(d.Refused))))
		return b.String()
	}
	ev := rec.Event
	if ev == "" {
		ev = "-"
	}
	fmt.Fprintf(&b, "  %s", p.Bold(term.Escape(ev)))
	switch vd := rec.Verdict; {
	case vd == nil:
		b.WriteString("  " + p.Dim("unsigned"))
	case vd.Valid:
		b.WriteString("  " + p.OK("✔ valid"))
	default:
		b.WriteString("  " + p.Bad("✘ "+string(vd.Reason)))
	}
	fmt.Fprintf(&b, "  %s", formatSize(rec.BodySize))
	status := fmt.Sprintf("→ %d", rec.Answer.Status)
	if rec.Answer.Status >= 200 && rec.Answer.Status < 300 {
		b.WriteString("  " + p.OK(status))
	} else {
		b.WriteString("  " + p.Bad(status))
	}
	if fw := rec.Forward; fw != nil {
		if fw.Error != "" {
			b.WriteString("  " + p.Bad("⇢ app ✘ "+term.Escape(fw.Error)))
		} else {
			b.WriteString(fmt.Sprintf("  ⇢ app %d %s", fw.Status, formatLatency(time.Duration(fw.LatencyMS*float64(time.Millisecond)))))
			if fw.Body != "" {
				b.WriteString("  " + p.Dim(preview([]byte(fw.Body), 40)))
			}
		}
	}
	return b.String()
}

// details prints headers (secret-valued ones redacted) and the body,
// pretty-printed for reading only: the kept bytes are never changed.
func (v *listenView) details(rec *capture.Record) {
	out := v.app.Streams.Out
	p := v.app.palette()
	headers := shownHeaders(rec)
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	redacted := v.s.signing.redactor().Shown(headers)
	for _, k := range names {
		fmt.Fprintf(out, "    %s %s\n", p.Dim(term.Escape(k)+":"), term.Escape(redacted[k]))
	}
	if rec.Verdict != nil {
		for _, h := range rec.Verdict.Hints {
			fmt.Fprintf(out, "    %s %s\n", p.Warn("hint:"), term.Escape(h))
		}
	}
	body, _ := rec.Bytes()
	var pretty bytes.Buffer
	switch {
	case len(body) == 0:
		fmt.Fprintln(out, "    "+p.Dim("(empty body)"))
		return
	case json.Indent(&pretty, body, "    ", "  ") == nil:
		body = pretty.Bytes()
	case !utf8.Valid(body):
		fmt.Fprintf(out, "    %s\n", p.Dim(fmt.Sprintf("(%d bytes, binary)", len(body))))
		return
	}
	fmt.Fprintf(out, "    %s\n", term.EscapeText(string(bytes.TrimRight(body, "\r\n"))))
}

// recreatedStore is the capture file's writer if the file was deleted or
// moved while listening (and created anew, or not): then not every
// delivery kept is in the file now.
func (v *listenView) recreatedStore() *capture.Writer {
	if store, ok := v.s.handler.Store.(*capture.Writer); ok && (store.Recreated() > 0 || store.Lost() > 0) {
		return store
	}
	return nil
}

func (v *listenView) summary() {
	v.mu.Lock()
	defer v.mu.Unlock()
	app := v.app
	if app.JSON {
		summary := map[string]any{
			"type": "summary", "received": v.received, "kept": v.kept, "refused": v.refused,
			"by_event": v.byEvent, "by_verdict": v.byVerd, "by_answer": v.byAnswer,
		}
		if store := v.recreatedStore(); store != nil {
			summary["in_file"], summary["recreated"], summary["lost"] = store.InFile(), store.Recreated(), store.Lost()
		}
		app.writeJSON(app.Streams.Err, summary)
		return
	}
	if app.Quiet {
		return
	}
	w := app.Streams.Err
	fmt.Fprintf(w, "hooktool: received %s", plural(v.received, "delivery", "deliveries"))
	if v.s.handler.Store != nil {
		fmt.Fprintf(w, ", kept %d in %s", v.kept, v.o.Save)
		if store := v.recreatedStore(); store != nil {
			if store.Lost() > 0 {
				fmt.Fprintf(w, " (%d of them lost: it was deleted or moved and could not be created anew)", store.Lost())
			} else {
				fmt.Fprintf(w, " (%d of them in the file now: it was deleted or moved and created anew)", store.InFile())
			}
		}
	}
	if v.refused > 0 {
		fmt.Fprintf(w, ", refused %d", v.refused)
	}
	fmt.Fprintln(w)
	for _, group := range []struct {
		name string
		m    map[string]int
	}{{"by event", v.byEvent}, {"by verdict", v.byVerd}, {"by answer", statusCounts(v.byAnswer)}} {
		if len(group.m) == 0 {
			continue
		}
		keys := make([]string, 0, len(group.m))
		for k := range group.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", term.Escape(k), group.m[k])
		}
		fmt.Fprintf(w, "hooktool:   %s: %s\n", group.name, strings.Join(parts, ", "))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func statusCounts(m map[int]int) map[string]int {
	out := map[string]int{}
	for k, n := range m {
		out[strconv.Itoa(k)] = n
	}
	return out
}

func formatSize(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
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

func pathMatch(glob string) (bool, error) { return pathpkg.Match(glob, "") }
