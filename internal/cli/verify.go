package cli

import (
	"errors"
	"net/http"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
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
	o.sel.addFlags(fs)
	cmd.MarkFlagsMutuallyExclusive("request", "payload")
	return cmd
}

// runVerify checks one delivery.
func runVerify(app *App, o *VerifyOptions) error {
	r, err := app.resolveSigning(o.flags)
	if err != nil {
		return err
	}
	var msg signature.Message
	if o.Request != "" {
		if msg.Header, msg.Body, msg.URL, msg.Method, err = readRequestFile(o.Request); err != nil {
			return err
		}
	} else {
		msg.Header = http.Header{}
		if msg.Body, err = app.readPayload(o.Payload); err != nil {
			return err
		}
	}
	extra, err := parseHeaderArgs(o.Headers)
	if err != nil {
		return err
	}
	for name, values := range extra {
		msg.Header[name] = values
	}
	if o.URL != "" {
		msg.URL = o.URL
	}
	if len(msg.Header) == 0 {
		return usageErr("no headers to check: give --header 'Name: value' (repeatable) or --request FILE")
	}
	if err := r.needSecrets("verify"); err != nil {
		return err
	}
	vf, err := r.newVerifier(r.scheme)
	if err != nil {
		return err
	}
	now := app.Now()
	if o.At != "" {
		if now, err = parseTime("at", o.At); err != nil {
			return err
		}
	}
	v := vf.Verify(msg, signature.VerifyOptions{
		Now:        now,
		Tolerance:  r.signing.Tolerance,
		Alternates: r.cfg.Alternates(r.endpoint),
	})
	if err := view.NewVerifyPrinter(app.out()).Verdict(v, now); err != nil {
		return failErr(err)
	}
	if !v.Valid {
		return silentExit(ExitInvalid)
	}
	return nil
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
