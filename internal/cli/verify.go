package cli

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// VerifyOptions are the flags and arguments of `hooktool verify`.
type VerifyOptions struct {
	signing signingFlags
	sel     selectFlags
	// Files are capture files: each selected capture is checked. Without
	// them, one delivery is (--payload or stdin, --header, --request).
	Files   []string
	Payload string
	Headers []string
	Request string
	At      string
	URL     string
	// Detect names the provider and scheme from the headers, and checks
	// with the secret of an endpoint configured for that provider.
	Detect bool

	// flags come from the command, for the config's bindings.
	flags *pflag.FlagSet
}

// newVerifyCommand builds `verify`; runF, when not nil, is called with the
// options instead of running them (tests).
func newVerifyCommand(app *App, runF func(*VerifyOptions) error) *cobra.Command {
	o := &VerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [flags]",
		Short: "Check a webhook signature and say why it fails",
		Long: `Check the signature of a delivery against the configured secret(s).

The body is taken byte for byte from --payload FILE, or from stdin; the
headers from --header 'Name: value' (repeatable, as curl takes them), or
both from --request FILE holding a raw HTTP request.

On failure the reason is one of: missing_header, malformed_header,
unsupported_version, timestamp_too_old, timestamp_in_future,
signature_mismatch; hint: lines name the likely cause when one is found (a
trailing newline, re-serialized JSON, another endpoint's secret, another
scheme's header).

With capture files as arguments (hooktool verify deliveries.jsonl), each
captured delivery is verified with the scheme given (--scheme, --provider,
--endpoint) or else its provider's profile or recorded scheme, as of its
receive time (--at overrides); a line per delivery and a summary follow. Selection flags (--id, --event,
--where, --last) work as for captures.` + exitStatus("the signature is valid (capture files: every delivery's)", "the answer is no: the signature is invalid (capture files: any delivery's)", couldNotRun+" (capture files: none could be checked: an empty file, or a selection that leaves every capture out)"),
		Example: `  export HOOKTOOL_SECRET=whsec_...
  hooktool verify --scheme stripe --payload body.json --header 'Stripe-Signature: t=...,v1=...'
  cat body.json | hooktool verify --scheme github --header 'X-Hub-Signature-256: sha256=...'
  hooktool verify --endpoint staging --request delivery.http --at 2026-11-23T18:00:00Z --json
  hooktool verify deliveries.jsonl                 # every captured delivery, as of its receive time`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files, o.flags = args, cmd.Flags()
			if len(o.Files) > 0 && (o.Request != "" || o.Payload != "" || len(o.Headers) > 0) {
				return usageErr("--request, --payload and --header check one delivery; with capture files, each capture is checked")
			}
			if o.Detect && (len(o.Files) > 0 || o.flags.Changed("scheme") || o.flags.Changed("provider")) {
				return usageErr("--detect finds the provider and scheme of one delivery: give it without --scheme, --provider and capture files")
			}
			if runF != nil {
				return runF(o)
			}
			if len(o.Files) > 0 {
				return runVerifyCaptures(app, o)
			}
			return runVerify(app, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addToleranceFlag(fs)
	o.signing.addCompletions(app, cmd)
	addPayloadFlag(fs, &o.Payload)
	fs.StringArrayVarP(&o.Headers, "header", "H", nil, "a received header, 'Name: value' (repeatable)")
	fs.StringVar(&o.Request, "request", "", "file holding a raw HTTP request: headers and body (at most 64 MiB)")
	fs.StringVar(&o.At, "at", "", "check timestamps as of this moment (unix seconds or RFC 3339) instead of now")
	fs.StringVar(&o.URL, "url", "", "the URL the delivery was sent to, for schemes that sign it ({url} in an hmac template)")
	fs.BoolVar(&o.Detect, "detect", false, "name the provider and scheme the headers point to, and check with the secret of an endpoint configured for it")
	o.sel.addFlags(fs)
	cmd.MarkFlagsMutuallyExclusive("request", "payload")
	return cmd
}

// runVerify checks one delivery.
func runVerify(app *App, o *VerifyOptions) error {
	if o.Detect {
		msg, err := app.readDelivery(o)
		if err != nil {
			return err
		}
		return runVerifyDetect(app, o, msg)
	}
	r, err := app.resolveSigning(o.flags)
	if err != nil {
		return err
	}
	msg, err := app.readDelivery(o)
	if err != nil {
		return err
	}
	v, at, err := app.verdictOf(o, r, msg)
	if err != nil {
		return err
	}
	return printVerdict(app, v, at)
}

// readDelivery reads the one delivery verify checks: --request, or
// --payload (or stdin) and --header.
func (app *App) readDelivery(o *VerifyOptions) (signature.Message, error) {
	var msg signature.Message
	var err error
	if o.Request != "" {
		if msg.Header, msg.Body, msg.URL, msg.Method, err = readRequestFile(o.Request); err != nil {
			return msg, err
		}
	} else {
		msg.Header = http.Header{}
		if msg.Body, err = app.readPayload(o.Payload); err != nil {
			return msg, err
		}
	}
	extra, err := parseHeaderArgs(o.Headers)
	if err != nil {
		return msg, err
	}
	for name, values := range extra {
		msg.Header[name] = values
	}
	if o.URL != "" {
		msg.URL = o.URL
	}
	if len(msg.Header) == 0 {
		return msg, usageErr("no headers to check: give --header 'Name: value' (repeatable) or --request FILE")
	}
	return msg, nil
}

// verifyAt is the moment timestamps are checked against: --at, or now.
func (app *App) verifyAt(o *VerifyOptions) (time.Time, error) {
	if o.At != "" {
		return parseTime("at", o.At)
	}
	return app.Now(), nil
}

// verdictOf checks msg with the scheme and secrets r resolved.
func (app *App) verdictOf(o *VerifyOptions, r *resolvedSigning, msg signature.Message) (signature.Verdict, time.Time, error) {
	if err := r.needSecrets("verify"); err != nil {
		return signature.Verdict{}, time.Time{}, err
	}
	vf, err := r.newVerifier(r.scheme)
	if err != nil {
		return signature.Verdict{}, time.Time{}, err
	}
	now, err := app.verifyAt(o)
	if err != nil {
		return signature.Verdict{}, now, err
	}
	return vf.Verify(msg, signature.VerifyOptions{
		Now:        now,
		Tolerance:  r.signing.Tolerance,
		Alternates: r.cfg.Alternates(r.endpoint),
	}), now, nil
}

// printVerdict prints the verdict; an invalid one is exit 1.
func printVerdict(app *App, v signature.Verdict, now time.Time) error {
	if err := view.NewVerifyPrinter(app.out()).Verdict(v, now); err != nil {
		return failErr(err)
	}
	if !v.Valid {
		return silentExit(ExitInvalid)
	}
	return nil
}

// runVerifyDetect names the providers the headers point to
// (catalog.Detector) and checks the delivery as one of them: the one an
// endpoint of the config names, with that endpoint's secret; else each in
// turn with the secret in effect, the first that verifies winning.
func runVerifyDetect(app *App, o *VerifyOptions, msg signature.Message) error {
	r, err := app.loadSigningConfig(o.flags)
	if err != nil {
		return err
	}
	c, err := app.loadCatalog(r)
	if err != nil {
		return err
	}
	cands := catalog.NewDetector(c).Detect(msg.Header)
	p := view.NewVerifyPrinter(app.out())
	if len(cands) == 0 {
		if err := p.Detected(nil, nil, ""); err != nil {
			return failErr(err)
		}
		return &exitError{code: ExitInvalid, err: errors.New("no provider of the catalog signs with these headers"), hints: []string{"give --scheme or --provider; `hooktool providers show ID` shows a provider's headers"}}
	}
	order, endpoint := detectOrder(r, cands)
	if endpoint != "" {
		r.endpoint = endpoint
	}
	var first signature.Verdict
	var firstAt time.Time
	for i, cand := range order {
		if err := app.finishSigning(r, cand.Provider.ID); err != nil {
			return err
		}
		// The profile's scheme, whatever the config's top-level scheme says.
		r.scheme = cand.Scheme
		v, at, err := app.verdictOf(o, r, msg)
		if err != nil {
			_ = p.Detected(cands, &order[i], endpoint)
			return err
		}
		if i == 0 {
			first, firstAt = v, at
		}
		if v.Valid || endpoint != "" || i == len(order)-1 {
			if !v.Valid && endpoint == "" && len(order) > 1 {
				v, at = first, firstAt
				cand = order[0]
				v.Hints = append(v.Hints, catalog.NoneVerified(len(order)))
			}
			if err := p.Detected(cands, &cand, endpoint); err != nil {
				return failErr(err)
			}
			return printVerdict(app, v, at)
		}
	}
	return nil
}

// detectOrder puts first the candidate whose provider an endpoint of the
// config names (the endpoint given, else the first by name), and returns
// that endpoint; "" when none does, the candidates in catalog order.
func detectOrder(r *resolvedSigning, cands []catalog.Candidate) ([]catalog.Candidate, string) {
	names := slices.Sorted(maps.Keys(r.cfg.Endpoints))
	if r.endpoint != "" {
		names = []string{r.endpoint}
	}
	for _, name := range names {
		for i, c := range cands {
			if r.cfg.Endpoints[name].Provider == c.Provider.ID {
				return []catalog.Candidate{cands[i]}, name
			}
		}
	}
	return cands, ""
}

// runVerifyCaptures checks every selected captured delivery.
func runVerifyCaptures(app *App, o *VerifyOptions) error {
	q, err := app.newCaptureQuery(o.Files, &o.sel)
	if err != nil {
		return err
	}
	r, err := app.loadSigningConfig(o.flags)
	if err != nil {
		return err
	}
	schemes, err := app.newCaptureSchemes(r)
	if err != nil {
		return err
	}
	if err := r.needSecrets("verify"); err != nil {
		return err
	}
	var at time.Time
	if o.At != "" {
		if at, err = parseTime("at", o.At); err != nil {
			return err
		}
	}
	p := view.NewVerifyPrinter(app.out())
	sum, err := replay.Verify(replay.VerifyOptions{
		Source: func(each func(*capture.Record) error) error {
			// The engine's own errors become the command's here, before
			// eachCapture would make them plain could-not-run errors.
			return app.eachCapture(q, func(rec *capture.Record) error { return verifyErr(each(rec)) })
		},
		Schemes:     schemes,
		Secrets:     r.signing.Secrets,
		Tolerance:   r.signing.Tolerance,
		Alternates:  r.cfg.Alternates(r.endpoint),
		At:          at,
		OnChecked:   p.Checked,
		OnUnchecked: p.Unchecked,
	})
	var none *replay.NoneCheckedError
	switch {
	case errors.As(err, &none) && none.Unchecked == 0:
		return q.nothingSelected(none.Error())
	case errors.As(err, &none):
		return failErr(err, "give --scheme, --provider or --endpoint")
	case err != nil:
		return err
	}
	p.Summary(sum)
	if sum.Invalid > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}

// verifyErr is the command's error for an error of verifying a capture: a
// secret the scheme cannot use names where it came from, with a hint; any
// other (a body that does not decode) is a could-not-run error.
func verifyErr(err error) error {
	var se *signature.SecretError
	var e *exitError
	switch {
	case err == nil || errors.As(err, &e):
		return err
	case errors.As(err, &se):
		return unusableSecret(err)
	}
	return failErr(err)
}
