package cli

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

// TriggerOptions are the flags of `hooktool trigger`.
type TriggerOptions struct {
	signing      signingFlags
	edits        payloadEdits
	All          bool
	To           string
	Callback     bool
	Headers      []string
	Timeout      time.Duration
	Retry        int
	RetryBackoff time.Duration
	Print        bool
	Format       string
	Data         string
	Unsigned     bool
	Insecure     bool
}

var printFormats = []string{"http", "curl", "json"}

func newTriggerCommand(app *App) *cobra.Command {
	o := &TriggerOptions{}
	cmd := &cobra.Command{
		Use:   "trigger EVENT | --all --provider P",
		Short: "Send realistic, signed sample events of a provider",
		Long: `Build an event's sample payload (fresh ids and times, edited with --set,
--set-str and --unset, or your own with --data), sign it the way the
provider signs, POST it, and print one line per attempt: event, status,
latency and the start of the response body.

Without --provider, an event name unique across the catalog picks its
provider. The target is --to URL, else the endpoint's webhook URL (its
callback URL with --callback), else http://127.0.0.1:4242/ (hooktool
listen's default). --retry N retries non-2xx answers and failed connections
with exponential backoff and jitter, re-signed with a fresh timestamp each
time, as providers redeliver. --print shows the request instead of sending
it.

Exit status: 0 when every delivery was acknowledged with 2xx, 1 when any was
not or could not be made, 2 for usage errors (unknown event, bad --set path,
unreadable file).` + exitStatusHelp,
		Example: `  hooktool trigger transfer.completed --to http://localhost:3000/webhooks
  hooktool trigger mandate.debit.failed --set data.transaction.amount=2500 --set data.transaction.narration='"Rent"'
  hooktool trigger ACCOUNT_CREDITED --provider accounts --endpoint staging
  hooktool trigger --all --provider payments --to http://localhost:3000/hook
  hooktool trigger transfer.failed --print --format curl
  hooktool trigger loan.approved --endpoint adjutor-sandbox --callback --retry 3 --json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: app.completeEvents,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrigger(app, cmd, o, args)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	o.edits.addFlags(fs)
	fs.BoolVar(&o.All, "all", false, "send every event of the --provider")
	fs.StringVar(&o.To, "to", "", "target URL (default: the endpoint's URL, else http://127.0.0.1:4242/)")
	fs.BoolVar(&o.Callback, "callback", false, "send to the endpoint's callback URL instead of its webhook URL")
	fs.StringArrayVarP(&o.Headers, "header", "H", nil, "an extra header, 'Name: value' (repeatable)")
	spanVar(fs, &o.Timeout, "timeout", 10*time.Second, "time allowed for each attempt, answer included")
	fs.IntVar(&o.Retry, "retry", 0, "retries of a delivery that is not acknowledged (non-2xx, or no answer)")
	spanVar(fs, &o.RetryBackoff, "retry-backoff", time.Second, "wait before the first retry; it doubles each time, with jitter")
	fs.BoolVar(&o.Print, "print", false, "print the request instead of sending it")
	fs.StringVarP(&o.Format, "format", "f", "http", "with --print: "+strings.Join(printFormats, ", "))
	fs.StringVar(&o.Data, "data", "", "send this file's bytes (- for stdin; at most 64 MiB) instead of the sample; still signed")
	fs.BoolVar(&o.Unsigned, "unsigned", false, "send without a signature (when no secret is configured)")
	fs.BoolVar(&o.Insecure, "insecure", false, "accept any TLS certificate (a local server's self-signed one)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(printFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runTrigger(app *App, cmd *cobra.Command, o *TriggerOptions, args []string) error {
	if !contains(printFormats, o.Format) {
		return usageErr("--format %q: expected one of %s", o.Format, strings.Join(printFormats, ", "))
	}
	if o.Retry < 0 || o.Timeout <= 0 {
		return usageErr("--retry must be 0 or more and --timeout positive")
	}
	r, err := app.loadSigningConfig(cmd.Flags())
	if err != nil {
		return err
	}
	events, err := app.triggerEvents(r, o, args)
	if err != nil {
		return err
	}
	if err := app.finishSigning(r, events[0].Provider().ID); err != nil {
		return err
	}
	var signer *signature.Signer // nil: --unsigned
	if !o.Unsigned {
		if err := r.needSecrets("sign"); err != nil {
			var e *exitError
			if asExit(err, &e) {
				e.hints = append(e.hints, "or pass --unsigned to send without a signature")
			}
			return err
		}
		if signer, err = r.newSigner(r.scheme); err != nil {
			return err
		}
	}
	target, err := r.target(o.To, o.Callback)
	if err != nil {
		return err
	}
	extra, err := parseHeaderArgs(o.Headers)
	if err != nil {
		return err
	}
	var data []byte
	if o.Data != "" {
		if data, err = app.readPayload(o.Data); err != nil {
			return err
		}
	}
	client := delivery.New(delivery.Options{
		Timeout: o.Timeout, Retries: o.Retry, Backoff: o.RetryBackoff,
		UserAgent: "hooktool/" + app.Version, Insecure: o.Insecure,
	})
	// Build every payload first: a usage error (a bad --set path) must stop
	// the run before anything is sent.
	bodies := make([][]byte, len(events))
	for i, ev := range events {
		body := data
		if body == nil {
			if body, err = ev.Render(app.Now()); err != nil {
				return failErr(err)
			}
		}
		if bodies[i], err = o.edits.apply(body); err != nil {
			return err
		}
	}
	failed := 0
	hinted := map[string]bool{}
	for i, ev := range events {
		req := r.deliveryRequest(app, ev, target, bodies[i], extra, signer)
		if o.Print {
			if err := app.printRequest(r, signer, ev, req, o.Format); err != nil {
				return err
			}
			continue
		}
		client.OnAttempt = func(a delivery.Attempt) {
			app.reportAttempt(r, sentItem{event: ev.Name, provider: ev.Provider().ID, label: ev.Name}, target, len(req.Body), a, o.Retry+1, hinted)
		}
		attempts := client.Send(cmd.Context(), req)
		if !attempts[len(attempts)-1].Acknowledged() {
			failed++
		}
	}
	if failed > 0 {
		if len(events) > 1 && !app.Quiet && !app.JSON {
			fmt.Fprintf(app.Streams.Err, "hooktool: %d of %d deliveries not acknowledged\n", failed, len(events))
		}
		return silentExit(ExitInvalid)
	}
	return nil
}

func asExit(err error, target **exitError) bool {
	e, ok := err.(*exitError)
	if ok {
		*target = e
	}
	return ok
}

// triggerEvents picks the events to send: one by name, or --all of a provider.
func (app *App) triggerEvents(r *resolvedSigning, o *TriggerOptions, args []string) ([]*catalog.Event, error) {
	c, err := app.loadCatalog(r)
	if err != nil {
		return nil, err
	}
	providerID := r.cfg.Provider(r.endpoint)
	if o.All {
		if len(args) > 0 {
			return nil, usageErr("give an EVENT or --all, not both")
		}
		if providerID == "" {
			return nil, usageErr("--all needs --provider (known: %s)", strings.Join(c.ProviderIDs(), ", "))
		}
		p, err := app.findProvider(r, providerID)
		if err != nil {
			return nil, err
		}
		events := make([]*catalog.Event, len(p.Events))
		for i := range p.Events {
			events[i] = &p.Events[i]
		}
		return events, nil
	}
	if len(args) == 0 {
		return nil, usageErr("no event: give its name (`hooktool events` lists them) or --all --provider P")
	}
	ev, err := c.Find(args[0], providerID)
	if err != nil {
		return nil, &exitError{code: ExitError, err: err, hints: []string{"`hooktool events` lists the event types"}}
	}
	return []*catalog.Event{ev}, nil
}

// target picks where to send: --to, else the endpoint's URL (or callback
// URL), else listen's default address.
func (r *resolvedSigning) target(to string, callback bool) (string, error) {
	if to != "" {
		if callback {
			return "", usageErr("--callback sends to the endpoint's callback URL: it does not go with --to")
		}
		return normalizeURL("--to", to)
	}
	if r.endpoint != "" {
		e := r.cfg.Endpoints[r.endpoint]
		if callback {
			if e.CallbackURL == "" {
				return "", usageErr("endpoint %s has no callback_url", r.endpoint)
			}
			return normalizeURL("endpoint "+r.endpoint+" callback_url", e.CallbackURL)
		}
		if e.URL != "" {
			return normalizeURL("endpoint "+r.endpoint+" url", e.URL)
		}
		return "", usageErr("endpoint %s has no url: set one, or give --to", r.endpoint)
	}
	if callback {
		return "", usageErr("--callback needs --endpoint NAME with a callback_url in the config")
	}
	return defaultTarget, nil
}

// deliveryRequest builds the request for one event; each attempt is signed
// afresh with the same id, as providers redeliver. A nil signer sends it
// unsigned.
func (r *resolvedSigning) deliveryRequest(app *App, ev *catalog.Event, target string, body []byte, extra http.Header, signer *signature.Signer) delivery.Request {
	h := http.Header{"Content-Type": {ev.Provider().ContentType}}
	for k, v := range extra {
		h[k] = v
	}
	req := delivery.Request{Method: http.MethodPost, URL: target, Header: h, Body: body}
	if signer == nil {
		return req
	}
	id := ""
	if r.scheme.UsesID() {
		id = newMessageID()
	}
	req.Sign = app.freshSigner(signer, body, id, target)
	return req
}

// printRequest shows the request --print would have sent.
func (app *App) printRequest(r *resolvedSigning, signer *signature.Signer, ev *catalog.Event, req delivery.Request, format string) error {
	var fields []signature.HeaderField
	if signer != nil {
		var err error
		fields, err = signer.Sign(signature.SignInput{Body: req.Body, ID: newMessageID(), Timestamp: app.Now(), URL: req.URL})
		if err != nil {
			return failErr(err)
		}
	}
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		if k != "Content-Type" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range req.Header[k] {
			fields = append(fields, signature.HeaderField{Name: k, Value: v})
		}
	}
	app.hideSecretHeaders(r, fields, format)
	out := app.Streams.Out
	contentType := req.Header.Get("Content-Type")
	switch format {
	case "curl":
		return writeCurl(out, req.URL, contentType, fields, req.Body, "")
	case "json":
		hm := map[string]string{"Content-Type": contentType}
		for _, f := range fields {
			hm[f.Name] = f.Value
		}
		return app.writeJSON(out, map[string]any{
			"event": ev.Name, "provider": ev.Provider().ID, "method": req.Method, "url": req.URL,
			"headers": hm, "body": string(req.Body),
		})
	}
	if err := writeHTTP(out, req.URL, contentType, fields, req.Body); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out)
	return err
}

// attemptJSON is one attempt under --json.
type attemptJSON struct {
	Type         string        `json:"type"`
	CaptureID    string        `json:"capture_id,omitempty"`
	Event        string        `json:"event"`
	Provider     string        `json:"provider"`
	URL          string        `json:"url"`
	Attempt      int           `json:"attempt"`
	MaxAttempts  int           `json:"max_attempts"`
	Acknowledged bool          `json:"acknowledged"`
	Status       int           `json:"status,omitempty"`
	LatencyMS    float64       `json:"latency_ms"`
	Request      requestJSON   `json:"request"`
	Response     *responseJSON `json:"response,omitempty"`
	Error        string        `json:"error,omitempty"`
	ErrorKind    delivery.Kind `json:"error_kind,omitempty"`
	Hint         string        `json:"hint,omitempty"`
}

type requestJSON struct {
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	BodyBytes int               `json:"body_bytes"`
}

type responseJSON struct {
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	BodyBase64 []byte            `json:"body_base64,omitempty"`
	Truncated  bool              `json:"truncated,omitempty"`
}

// sentItem names what an attempt sent: an event of trigger, or a capture of
// replay (label is what a line shows first).
type sentItem struct {
	method, event, provider, captureID, label string
}

func (app *App) reportAttempt(r *resolvedSigning, it sentItem, target string, bodyLen int, a delivery.Attempt, max int, hinted map[string]bool) {
	red := r.redactor()
	// A replay's URL holds the secret put back in its query; an error may
	// quote the URL.
	target = red.URL(target)
	var derr *delivery.Error
	errMsg := ""
	if a.Err != nil {
		derr, _ = a.Err.(*delivery.Error)
		errMsg = red.Text(a.Err.Error())
	}
	hint := ""
	if derr != nil {
		hint = derr.Hint
	} else if a.Status >= 300 && a.Status < 400 {
		to := a.Response.Get("Location")
		if to == "" {
			to = "(no Location header)"
		}
		hint = "redirected to " + to + ": webhooks are not followed through redirects; point --to at the final URL"
	}
	if app.JSON {
		j := attemptJSON{
			Type: "delivery", CaptureID: it.captureID, Event: it.event, Provider: it.provider, URL: target,
			Attempt: a.Number, MaxAttempts: max, Acknowledged: a.Acknowledged(), Status: a.Status,
			LatencyMS: float64(a.Latency.Microseconds()) / 1000,
			Request:   requestJSON{Method: orDefault(it.method, http.MethodPost), Headers: red.Shown(a.Header), BodyBytes: bodyLen},
			Hint:      hint,
		}
		if a.Err != nil {
			j.Error = errMsg
			if derr != nil {
				j.ErrorKind = derr.Kind
			}
		} else {
			resp := &responseJSON{Status: a.Status, Headers: red.Shown(a.Response), Truncated: a.Truncated}
			if utf8.Valid(a.Body) {
				resp.Body = red.Text(string(a.Body))
			} else {
				resp.BodyBase64 = a.Body
			}
			j.Response = resp
		}
		app.writeJSON(app.Streams.Out, j)
		return
	}
	if app.Quiet {
		return
	}
	p := app.palette()
	var status string
	switch {
	case a.Err != nil:
		status = p.Bad("✘ " + term.Escape(errMsg))
	case a.Acknowledged():
		status = p.OK(fmt.Sprintf("✔ %d %s", a.Status, http.StatusText(a.Status)))
	default:
		status = p.Bad(fmt.Sprintf("✘ %d %s", a.Status, http.StatusText(a.Status)))
	}
	prefix := ""
	if max > 1 {
		prefix = p.Dim(fmt.Sprintf("[%d/%d] ", a.Number, max))
	}
	// The label (a capture's id and event type), the target (a capture's
	// path) and the answer are others' bytes: escaped.
	line := fmt.Sprintf("%s%s → %s  %s  %s", prefix, term.Escape(it.label), term.Escape(target), status, formatLatency(a.Latency))
	if a.Err == nil && len(a.Body) > 0 {
		line += "  " + p.Dim(red.Text(preview(a.Body, 60)))
	}
	fmt.Fprintln(app.Streams.Out, line)
	if hint != "" && !hinted[hint] {
		hinted[hint] = true
		fmt.Fprintf(app.Streams.Err, "hooktool: hint: %s\n", term.Escape(hint))
	}
}

// formatLatency and preview are the printers' (package view).
func formatLatency(d time.Duration) string { return view.Latency(d) }

func preview(b []byte, max int) string { return view.Preview(b, max) }
