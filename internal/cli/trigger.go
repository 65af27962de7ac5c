package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/randid"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/cobra"
)

// TriggerOptions are what `hooktool trigger` sends, where and how.
type TriggerOptions struct {
	signing signingFlags
	// resolved is the config the flags, the environment and the file give;
	// the scheme is resolved once the event's provider is known.
	resolved *resolvedSigning
	edits    payloadEdits
	// Events holds the EVENT argument: none with --all, else one.
	Events       []string
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

func newTriggerCommand(app *App, runF func(*TriggerOptions) error) *cobra.Command {
	o := &TriggerOptions{}
	cmd := &cobra.Command{
		Use:   "trigger EVENT | --all --provider P | --data FILE --provider P",
		Short: "Send realistic, signed sample events of a provider",
		Long: `Build an event's sample payload (fresh ids and times, edited with --set,
--set-str and --unset, or your own with --data), sign it the way the
provider signs, POST it, and print one line per attempt: event, status,
latency and the start of the response body.

Without --provider, an event name unique across the catalog picks its
provider. With --data FILE --provider P and no EVENT, the event is the one
the body names where P's profile puts it; a body naming none, or one P
lacks, is refused. The target is --to URL, else the endpoint's webhook URL (its
callback URL with --callback), else http://127.0.0.1:4242/ (hooktool
listen's default). --retry N retries non-2xx answers and failed connections
with exponential backoff and jitter, re-signed with a fresh timestamp each
time, as providers redeliver. --print shows the request instead of sending
it.` + exitStatus("every delivery was acknowledged with 2xx (--print: the request was printed)", "a delivery was not acknowledged with 2xx, or could not be made", couldNotRun+" (an unknown event, a bad --set path, an unreadable file)"),
		Example: `  hooktool trigger transfer.completed --to http://localhost:3000/webhooks
  hooktool trigger mandate.debit.failed --set data.transaction.amount=2500 --set data.transaction.narration='"Rent"'
  hooktool trigger ACCOUNT_CREDITED --provider accounts --endpoint staging
  hooktool trigger --all --provider payments --to http://localhost:3000/hook
  hooktool trigger transfer.failed --provider aella --print --format curl
  hooktool trigger loan.approved --endpoint adjutor --callback --retry 3 --json`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: app.completeEvents,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(printFormats, o.Format) {
				return usageErr("--format %q: expected one of %s", o.Format, strings.Join(printFormats, ", "))
			}
			if o.Retry < 0 || o.Timeout <= 0 {
				return usageErr("--retry must be 0 or more and --timeout positive")
			}
			var err error
			if o.resolved, err = app.loadSigningConfig(cmd.Flags()); err != nil {
				return err
			}
			o.Events = args
			if runF != nil {
				return runF(o)
			}
			return runTrigger(cmd.Context(), app, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	o.edits.addFlags(fs)
	fs.BoolVar(&o.All, "all", false, "send every event of the --provider")
	urlVar(fs, &o.To, "to", "target URL (default: the endpoint's URL, else http://127.0.0.1:4242/)")
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

func runTrigger(ctx context.Context, app *App, o *TriggerOptions) error {
	plan, err := app.planTrigger(o)
	if err != nil {
		return err
	}
	r := o.resolved
	out := app.out()
	printer := view.NewTriggerPrinter(out, o.Format)
	if o.Print {
		for i, ev := range plan.events {
			if err := app.printRequest(printer, r, plan.signer, ev, plan.names[i], plan.target, plan.bodies[i], plan.extra, o.Format); err != nil {
				return err
			}
		}
		return nil
	}
	client := delivery.New(delivery.Options{
		Timeout: o.Timeout, Retries: o.Retry, Backoff: o.RetryBackoff,
		UserAgent: "hooktool/" + app.Version, Insecure: o.Insecure,
	})
	attempts := view.NewAttemptPrinter(out, r.redactor(), map[string]bool{})
	failed := 0
	for i, ev := range plan.events {
		req := r.deliveryRequest(app.Now, ev, plan.target, plan.bodies[i], plan.extra, plan.signer)
		sent := view.Sent{Event: plan.names[i], Provider: ev.Provider().ID, Label: plan.names[i], URL: plan.target, BodyBytes: len(req.Body)}
		req.OnAttempt = func(a delivery.Attempt) { attempts.Attempt(sent, a, o.Retry+1) }
		tried := client.Send(ctx, req)
		if !tried[len(tried)-1].Acknowledged() {
			failed++
		}
	}
	if failed > 0 {
		printer.NotAcknowledged(failed, len(plan.events))
		return silentExit(ExitInvalid)
	}
	return nil
}

// triggerPlan is what trigger sends: the events with their finished
// bodies and the event type each body names, the signer (nil: --unsigned),
// the target and the extra headers.
type triggerPlan struct {
	events []*catalog.Event
	bodies [][]byte
	// names are the event types the bodies carry where the provider's
	// profile puts them (--data or --set may change it), else the events'.
	names  []string
	signer *signature.Signer
	target string
	extra  http.Header
}

// planTrigger resolves everything before anything is sent, so a usage
// error (a bad --set path, a missing secret) stops the run first.
func (app *App) planTrigger(o *TriggerOptions) (*triggerPlan, error) {
	r := o.resolved
	var data []byte
	var err error
	if o.Data != "" {
		if data, err = app.readPayload(o.Data); err != nil {
			return nil, err
		}
	}
	var events []*catalog.Event
	if len(o.Events) == 0 && !o.All && o.Data != "" {
		events, err = app.bodyEvent(r, o, data)
	} else {
		events, err = app.triggerEvents(r, o)
	}
	if err != nil {
		return nil, err
	}
	if err := app.finishSigning(r, events[0].Provider().ID); err != nil {
		return nil, err
	}
	plan := &triggerPlan{events: events}
	// A provider that does not sign (scheme none) is sent unsigned.
	if !o.Unsigned && !signature.Unsigned(r.scheme) {
		if err := r.needSecrets("sign"); err != nil {
			var e *exitError
			if errors.As(err, &e) {
				e.hints = append(e.hints, "or pass --unsigned to send without a signature")
			}
			return nil, err
		}
		if plan.signer, err = r.newSigner(r.scheme); err != nil {
			return nil, err
		}
	}
	if plan.target, err = r.target(o.To, o.Callback); err != nil {
		return nil, err
	}
	if plan.extra, err = parseHeaderArgs(o.Headers); err != nil {
		return nil, err
	}
	plan.bodies = make([][]byte, len(events))
	plan.names = make([]string, len(events))
	for i, ev := range events {
		body := data
		if body == nil {
			if body, err = ev.Render(app.Now()); err != nil {
				return nil, failErr(err)
			}
		}
		if plan.bodies[i], err = o.edits.apply(body); err != nil {
			return nil, err
		}
		plan.names[i] = cmp.Or(ev.Provider().EventIn(plan.bodies[i]), ev.Name)
	}
	if plan.signer != nil && signature.SignsInBody(r.scheme) {
		// The signature travels in the body (Billplz's x_signature,
		// Midtrans's signature_key): it is written there once, and no
		// header is signed per attempt.
		for i := range plan.bodies {
			if plan.bodies[i], err = plan.signer.SignBody(signature.SignInput{Body: plan.bodies[i], URL: plan.target}); err != nil {
				return nil, failErr(err)
			}
		}
		plan.signer = nil
	}
	return plan, nil
}

// triggerEvents picks the events to send: one by name, or --all of a provider.
func (app *App) triggerEvents(r *resolvedSigning, o *TriggerOptions) ([]*catalog.Event, error) {
	c, err := app.loadCatalog(r)
	if err != nil {
		return nil, err
	}
	providerID := r.cfg.Provider(r.endpoint)
	if o.All {
		if len(o.Events) > 0 {
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
	if len(o.Events) == 0 {
		return nil, usageErr("no event: give its name (`hooktool events` lists them) or --all --provider P")
	}
	ev, err := c.Find(o.Events[0], providerID)
	if err != nil {
		return nil, catalogLookupErr(c, err, o.Events[0], providerID)
	}
	return []*catalog.Event{ev}, nil
}

// bodyEvent is the event of --data's body when no EVENT is given: the
// event type the body names where the provider's profile puts it
// (catalog.Provider.EventOf, as listen reads a delivery's), after the
// edits, as the line is labelled when EVENT is given. A body that names
// none, or one the provider lacks, is refused: nothing is sent that the
// command cannot name.
func (app *App) bodyEvent(r *resolvedSigning, o *TriggerOptions, data []byte) ([]*catalog.Event, error) {
	providerID := r.cfg.Provider(r.endpoint)
	if providerID == "" {
		return nil, usageErr("no event: give its name, or --provider P to read it from --data's body")
	}
	p, err := app.findProvider(r, providerID)
	if err != nil {
		return nil, err
	}
	body, err := o.edits.apply(data)
	if err != nil {
		return nil, err
	}
	from := "--data " + o.Data
	if o.Data == "-" {
		from = "--data - (stdin)"
	}
	name := p.EventOf(nil, body)
	switch {
	case name != "":
	case p.EventHeader != "":
		return nil, failErr(fmt.Errorf("no event: %s sends the event type in its %s header, not in the body", p.ID, p.EventHeader),
			"give the event's name: hooktool trigger EVENT --provider "+p.ID+" --data …")
	case p.EventPath == "":
		return nil, failErr(fmt.Errorf("no event: %s's profile does not say where its bodies name the event type", p.ID),
			"give the event's name: hooktool trigger EVENT --provider "+p.ID+" --data …")
	default:
		return nil, failErr(fmt.Errorf("no event: the body of %s names none at %s, where %s puts it", from, p.EventPath, p.ID),
			"give the event's name (hooktool trigger EVENT --provider "+p.ID+" --data …), or put it at "+p.EventPath)
	}
	ev := p.Event(name)
	if ev == nil {
		return nil, unknownNameErr(fmt.Errorf("%w %q: the body of %s names it, and %s has no such event (its events: %s)",
			catalog.ErrUnknownEvent, name, from, p.ID, strings.Join(p.EventNames(), ", ")),
			name, p.EventNames(), "`hooktool events --provider "+p.ID+"` lists them; give EVENT to send the body under one of them")
	}
	return []*catalog.Event{ev}, nil
}

// deliveryRequest builds the request for one event; each attempt is signed
// afresh with the same id, as providers redeliver. A nil signer sends it
// unsigned.
func (r *resolvedSigning) deliveryRequest(now func() time.Time, ev *catalog.Event, target string, body []byte, extra http.Header, signer *signature.Signer) delivery.Request {
	h := ev.Provider().Headers(ev.Name)
	for k, v := range extra {
		h[k] = v
	}
	req := delivery.Request{Method: http.MethodPost, URL: target, Header: h, Body: body}
	if signer == nil {
		return req
	}
	id := ""
	if r.scheme.UsesID() {
		id = randid.MessageID()
	}
	req.Sign = signer.PerAttempt(body, id, target, now)
	return req
}

// printRequest shows the request --print would have sent: signed once,
// now, with a fresh id; secrets hidden.
func (app *App) printRequest(printer view.TriggerPrinter, r *resolvedSigning, signer *signature.Signer, ev *catalog.Event, name, target string, body []byte, extra http.Header, format string) error {
	var fields []signature.HeaderField
	if signer != nil {
		var err error
		fields, err = signer.Sign(signature.SignInput{Body: body, ID: randid.MessageID(), Timestamp: app.Now(), URL: target})
		if err != nil {
			return failErr(err)
		}
	}
	// The provider's own headers (an event header), then --header's, which
	// win as they do when sending.
	sent := ev.Provider().Headers(ev.Name)
	for k, v := range extra {
		sent[k] = v
	}
	names := make([]string, 0, len(sent))
	for k := range sent {
		if k != "Content-Type" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range sent[k] {
			fields = append(fields, signature.HeaderField{Name: k, Value: v})
		}
	}
	app.hideSecretHeaders(r, fields, format)
	contentType := ev.Provider().ContentType
	if ct, ok := extra["Content-Type"]; ok && len(ct) > 0 {
		contentType = ct[0]
	}
	return printer.Request(view.PrintedRequest{
		Event: name, Provider: ev.Provider().ID, Method: http.MethodPost, URL: target,
		ContentType: contentType, Headers: fields, Body: body,
	})
}
