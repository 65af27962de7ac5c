package cli

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/randid"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// ReplayOptions are the flags and arguments of `hooktool replay`.
type ReplayOptions struct {
	signing       signingFlags
	sel           selectFlags
	Files         []string
	To            string
	KeepPath      bool
	PathPrefix    bool
	Resign        bool
	Concurrency   int
	Rate          float64
	Retry         int
	RetryBackoff  time.Duration
	Timeout       time.Duration
	StopOnFailure bool
	Headers       []string
	UnsetHeaders  []string
	Insecure      bool
	// edits change each body (--set, --set-str, --unset); Edit opens the
	// one selected body in the user's editor. Either re-signs.
	edits payloadEdits
	Edit  bool

	// flags (for the config's bindings) and ctx come from the command.
	flags *pflag.FlagSet
	ctx   context.Context
}

// newReplayCommand builds `replay`; runF, when not nil, is called with the
// options instead of running them (tests).
func newReplayCommand(app *App, runF func(*ReplayOptions) error) *cobra.Command {
	o := &ReplayOptions{}
	cmd := &cobra.Command{
		Use:   "replay FILE... [--to URL | --endpoint NAME]",
		Short: "Re-send captured deliveries, byte-exact or re-signed",
		Long: `Re-send deliveries that listen --save kept: the same method, path, query,
headers (hop-by-hop ones excepted) and body bytes, to --to URL or the
endpoint's URL. A path in the target URL replaces each capture's path (the
capture's query follows the target's own); a target without a path keeps
the capture's path. --path-prefix puts the target's path before the
capture's instead; --keep-path=false sends to the target exactly as given.

--resign gives each delivery a new id and timestamp where the scheme has
them, and recomputes the signature with the configured secret, under the
scheme the capture recorded (its provider's profile) or --scheme, so a
receiver with a timestamp tolerance accepts it; the body stays byte-exact.

--concurrency 1 (the default) keeps capture order. --rate limits requests
per second; --retry, --retry-backoff and --timeout work as in trigger.
Selection: --id, --event, --where, --last, as for captures. -H adds a
header or replaces the captured ones of its name; --unset-header leaves
one out; a framing or hop-by-hop header (Content-Length, Host, ...) is
refused for either. Re-signing makes the signature's headers anew.

--set PATH=VALUE, --set-str PATH=VALUE and --unset PATH edit each selected
body as trigger's do (a plain path; every other byte kept); --edit opens
the body of the one selected capture in $VISUAL (else $EDITOR), after any
--set, and sends what the editor saved. It needs a terminal (stdin and
stderr): without one, edit with --set. An edited body is always re-signed,
as --resign: without a usable secret nothing is sent.` + exitStatus("every delivery was acknowledged with 2xx", "a delivery was not acknowledged with 2xx, or could not be made", couldNotRun+" (an unreadable capture file, or one with nothing to replay, or a selection that leaves every capture out; an edit that cannot be made, or with no secret to re-sign; --edit without a terminal, with no editor, or an editor that failed)"),
		Example: `  hooktool replay deliveries.jsonl --to http://localhost:3000/webhooks
  hooktool replay deliveries.jsonl --id 01J... --resign --endpoint staging
  hooktool replay deliveries.jsonl --where 'event=="transfer.failed"' --where 'data.amount>5000' --to localhost:3000
  hooktool replay big.jsonl --to http://localhost:3000/hook --concurrency 32 --rate 500
  hooktool replay deliveries.jsonl --id 01J... --set data.amount=3000 --unset data.fee --to localhost:3000
  hooktool replay deliveries.jsonl --id 01J... --edit --to localhost:3000`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files, o.flags, o.ctx = args, cmd.Flags(), cmd.Context()
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runReplay(app, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	o.sel.addFlags(fs)
	urlVar(fs, &o.To, "to", "target URL (default: the endpoint's URL)")
	fs.BoolVar(&o.KeepPath, "keep-path", true, "send each capture's path (when the target has none) and query; false: the target URL exactly as given")
	fs.BoolVar(&o.PathPrefix, "path-prefix", false, "put the target's path before each capture's path instead of replacing it")
	fs.BoolVar(&o.Resign, "resign", false, "new id and timestamp, signature recomputed with the configured secret")
	fs.IntVarP(&o.Concurrency, "concurrency", "c", 1, "deliveries in flight at once, 1 to 1024 (1 keeps capture order)")
	fs.Float64Var(&o.Rate, "rate", 0, "at most this many requests per second (0: no limit)")
	fs.IntVar(&o.Retry, "retry", 0, "retries of a delivery that is not acknowledged")
	spanVar(fs, &o.RetryBackoff, "retry-backoff", time.Second, "wait before the first retry; it doubles each time, with jitter")
	spanVar(fs, &o.Timeout, "timeout", 10*time.Second, "time allowed for each attempt")
	fs.BoolVar(&o.StopOnFailure, "stop-on-failure", false, "send nothing more after a delivery is not acknowledged")
	fs.StringArrayVarP(&o.Headers, "header", "H", nil, "an extra header, 'Name: value', replacing captured ones of that name (repeatable)")
	fs.StringArrayVar(&o.UnsetHeaders, "unset-header", nil, "leave out this captured header, any case (repeatable)")
	fs.BoolVar(&o.Insecure, "insecure", false, "accept any TLS certificate")
	o.edits.addFlags(fs)
	fs.BoolVar(&o.Edit, "edit", false, "open the one selected body in $VISUAL or $EDITOR, then send it re-signed (needs a terminal)")
	return cmd
}

// validate checks the flags that need no config or file.
func (o *ReplayOptions) validate() error {
	if o.Concurrency < 1 || o.Concurrency > replay.MaxConcurrency {
		return usageErr("--concurrency must be 1 to %d", replay.MaxConcurrency)
	}
	if o.PathPrefix && !o.KeepPath {
		return usageErr("--path-prefix appends each capture's path; --keep-path=false sends none: give one of them")
	}
	if o.Rate < 0 || o.Retry < 0 || o.Timeout <= 0 {
		return usageErr("--rate and --retry must be 0 or more, --timeout positive")
	}
	if _, err := o.edits.parse(); err != nil {
		return err
	}
	if _, err := o.headerEdits(); err != nil {
		return err
	}
	if o.Edit && slices.Contains(o.Files, "-") {
		return usageErr("--edit needs stdin for the editor: give the capture file by name, not -")
	}
	return checkRate(o.Rate)
}

// headerEdits are -H's headers, checked with --unset-header's names by
// the engine's rule (replay.CheckHeaderEdits: no framing, hop-by-hop or
// invalid header).
func (o *ReplayOptions) headerEdits() (http.Header, error) {
	extra, err := parseHeaderArgs(o.Headers)
	if err != nil {
		return nil, err
	}
	if err := replay.CheckHeaderEdits(extra, o.UnsetHeaders); err != nil {
		return nil, usageErr("%v", err)
	}
	return extra, nil
}

// checkRate refuses a --rate that gives no usable interval between sends.
func checkRate(rate float64) error {
	if err := delivery.CheckRate(rate); err != nil {
		return usageErr("--rate %v", err)
	}
	return nil
}

func runReplay(app *App, o *ReplayOptions) error {
	if o.Edit && !(app.Streams.InIsTerminal && app.Streams.ErrIsTerminal) {
		return failErr(errors.New("--edit opens an editor, and stdin and stderr are not both a terminal"),
			"without a terminal, edit with --set PATH=VALUE, --set-str PATH=VALUE or --unset PATH")
	}
	edits, err := o.edits.parse()
	if err != nil {
		return err
	}
	q, err := app.newCaptureQuery(o.Files, &o.sel)
	if err != nil {
		return err
	}
	r, err := app.loadSigningConfig(o.flags)
	if err != nil {
		return err
	}
	base, err := r.replayTarget(o.To)
	if err != nil {
		return err
	}
	rule := pathRule(o.PathPrefix)
	if !o.KeepPath {
		rule = httpx.PathExact
	}
	target, err := replay.NewTarget(base, rule)
	if err != nil {
		return failErr(err) // replayTarget normalised it: not expected
	}
	extra, err := o.headerEdits()
	if err != nil {
		return err
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	source := func(each func(*capture.Record) error) error { return app.eachCapture(q, each) }
	var body func(*capture.Record, []byte) ([]byte, error)
	if len(edits) > 0 {
		body = replay.EditBody(edits)
	}
	edited := body != nil || o.Edit
	resign := o.Resign || edited
	var schemes *replay.Schemes
	if !resign {
		// Secrets only, to put back headers the listener redacted.
		r.signing, _ = r.cfg.Signing(r.endpoint)
	} else {
		if schemes, err = app.newCaptureSchemes(r); err != nil {
			return err
		}
		verb := "re-sign"
		if edited {
			verb = "re-sign the edited body"
		}
		if err := r.needSecrets(verb); err != nil {
			return err
		}
	}
	if o.Edit {
		// After the secret is known: nobody edits a body that cannot be sent.
		if source, body, err = app.editOne(ctx, q, body); err != nil {
			return err
		}
	}
	client := delivery.New(delivery.Options{
		Timeout: o.Timeout, Retries: o.Retry, Backoff: o.RetryBackoff,
		UserAgent: "hooktool/" + app.Version, Insecure: o.Insecure,
	})
	defer batchGC()()

	p := view.NewReplayPrinter(app.out(), r.redactor(), o.Retry+1)
	sum, err := replay.Run(ctx, replay.Options{
		Source:        source,
		Target:        target,
		Header:        extra,
		UnsetHeader:   o.UnsetHeaders,
		Client:        client,
		Concurrency:   o.Concurrency,
		Rate:          o.Rate,
		StopOnFailure: o.StopOnFailure,
		Secrets:       r.signing.Secrets,
		Resign:        o.Resign,
		Body:          body,
		Schemes:       schemes,
		Now:           app.Now,
		NewID:         randid.MessageID,
		OnDropped: func(rec *capture.Record, names []string) {
			app.warn("capture %s: not sent: %s (a name that is not a token, or a value with CR, LF or NUL)", rec.ID, view.QuoteNames(names))
		},
		OnUnrestored: func(rec *capture.Record) {
			what := strings.Join(rec.Redacted, ", ")
			if rec.RedactedPath {
				what = strings.TrimPrefix(what+" and its path", " and ")
			}
			if rec.RedactedQuery {
				what = strings.TrimPrefix(what+" and its query", " and ")
			}
			// Said once for what was redacted, not for each capture (their
			// IDs, like their header names, are the file's).
			app.warnOnce("unrestored\x00"+what, "capture "+rec.ID+" had "+what+" redacted", "configure the secret (HOOKTOOL_SECRET, --secret-file) to put it back, or use --resign")
		},
		OnAttempt: p.Attempt,
		OnDone:    p.Done,
	})
	p.Close()
	if err != nil {
		// What was sent before the bad capture is still worth a summary.
		if sum.Sent > 0 {
			p.Summary(sum)
		}
		var ce *replay.CaptureError
		if errors.As(err, &ce) {
			return failErr(err)
		}
		return err
	}
	if sum.Sent == 0 {
		// A CI step that replays nothing must not pass: as verify, none
		// could be sent.
		return q.nothingSelected("nothing to replay")
	}
	p.Summary(sum)
	if sum.Failed > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}

// newCaptureSchemes resolves the scheme of each capture for replay
// --resign and verify over captures: --scheme or the endpoint's, else the
// capture's provider profile (from the catalog), its recorded scheme, or
// the configured one.
func (app *App) newCaptureSchemes(r *resolvedSigning) (*replay.Schemes, error) {
	err := app.finishSigning(r, r.cfg.Provider(r.endpoint))
	if err != nil && !errors.Is(err, errNoScheme) {
		return nil, err
	}
	if err != nil {
		r.scheme = nil
	}
	return app.captureSchemes(r), nil
}

// captureSchemes are the schemes of captures under r, whose signing is
// resolved already (finishSigning): r's scheme, fixed when it was given
// explicitly, else each capture's provider's or recorded one.
func (app *App) captureSchemes(r *resolvedSigning) *replay.Schemes {
	o := replay.SchemeOptions{
		Configured: r.scheme,
		Options:    r.signing.Options,
		ProviderScheme: func(id string) (signature.Scheme, error) {
			cat, err := app.loadCatalog(r)
			if err != nil {
				return nil, nil // as if the provider were unknown: the recorded scheme decides
			}
			p := cat.Provider(id)
			if p == nil || p.Signing.Scheme == "" {
				return nil, nil
			}
			return signature.Lookup(p.Signing.Scheme, p.Signing.Options())
		},
	}
	if r.scheme != nil && r.signing.SchemeExplicit {
		o.Fixed = r.scheme
	}
	return replay.NewSchemes(o)
}

// replayTarget is the target URL: --to, else the endpoint's URL.
func (r *resolvedSigning) replayTarget(to string) (string, error) {
	raw := to
	if raw == "" {
		if r.endpoint == "" {
			return "", usageErr("no target: give --to URL or --endpoint NAME")
		}
		raw = r.cfg.Endpoints[r.endpoint].URL
		if raw == "" {
			return "", usageErr("endpoint %s has no url: set one, or give --to", r.endpoint)
		}
	}
	return normalizeURL("--to", raw)
}
