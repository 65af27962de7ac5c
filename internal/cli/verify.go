package cli

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

// VerifyOptions are the flags of `hooktool verify`.
type VerifyOptions struct {
	signing signingFlags
	sel     selectFlags
	Payload string
	Headers []string
	Request string
	At      string
	URL     string
}

func newVerifyCommand(app *App) *cobra.Command {
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
receive time (--at overrides); a line per delivery and a summary follow, and
the exit status is 1 if any is invalid. Selection flags (--id, --event,
--where, --last) work as for captures.` + exitStatusHelp,
		Example: `  export HOOKTOOL_SECRET=whsec_...
  hooktool verify --scheme stripe --payload body.json --header 'Stripe-Signature: t=...,v1=...'
  cat body.json | hooktool verify --scheme github --header 'X-Hub-Signature-256: sha256=...'
  hooktool verify --endpoint staging --request delivery.http --at 2026-11-23T18:00:00Z --json
  hooktool verify deliveries.jsonl                 # every captured delivery, as of its receive time`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return runVerifyCaptures(app, cmd, o, args)
			}
			return runVerify(app, cmd, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
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

func runVerify(app *App, cmd *cobra.Command, o *VerifyOptions) error {
	r, err := app.resolveSigning(cmd.Flags())
	if err != nil {
		return err
	}
	var msg signature.Message
	if o.Request != "" {
		if msg.Header, msg.Body, msg.URL, err = readRequestFile(o.Request); err != nil {
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
	app.printVerdict(v, now)
	if !v.Valid {
		return silentExit(ExitInvalid)
	}
	return nil
}

// verdictJSON is the --json form of a verdict.
type verdictJSON struct {
	signature.Verdict
	CheckedAt int64 `json:"checked_at"`
}

func (app *App) printVerdict(v signature.Verdict, at time.Time) {
	out := app.Streams.Out
	if app.JSON {
		app.writeJSON(out, verdictJSON{Verdict: v, CheckedAt: at.Unix()})
		return
	}
	if app.Quiet {
		return
	}
	p := app.palette()
	if v.Valid {
		fmt.Fprintf(out, "%s (%s): %s\n", p.OK("✔ valid"), v.Scheme, term.Escape(v.Message))
	} else {
		fmt.Fprintf(out, "%s (%s, %s): %s\n", p.Bad("✘ invalid"), v.Scheme, v.Reason, term.Escape(v.Message))
	}
	for _, h := range v.Hints {
		fmt.Fprintf(out, "%s %s\n", p.Warn("hint:"), term.Escape(h))
	}
}

// redactedSignature reports whether a capture's signature header was
// redacted when kept.
func redactedSignature(s signature.Scheme, rec *capture.Record) bool {
	for _, name := range rec.Redacted {
		for _, h := range s.HeaderNames() {
			if strings.EqualFold(name, h) {
				return true
			}
		}
	}
	return false
}

// runVerifyCaptures verifies every selected captured delivery.
func runVerifyCaptures(app *App, cmd *cobra.Command, o *VerifyOptions, args []string) error {
	if o.Request != "" || o.Payload != "" || len(o.Headers) > 0 {
		return usageErr("--request, --payload and --header check one delivery; with capture files, each capture is checked")
	}
	q, err := app.newCaptureQuery(args, &o.sel)
	if err != nil {
		return err
	}
	r, err := app.loadSigningConfig(cmd.Flags())
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
	checked, valid, unchecked := 0, 0, 0
	byReason := map[string]int{}
	out := app.Streams.Out
	p := app.palette()
	alternates := r.cfg.Alternates(r.endpoint)
	// One Verifier per provider and scheme (as forRecord caches schemes):
	// the secrets are decoded once, not per capture.
	verifiers := map[string]*signature.Verifier{}
	err = app.eachCapture(q, func(rec *capture.Record) error {
		s, serr := schemes.forRecord(rec)
		if serr != nil {
			unchecked++
			if app.JSON {
				return app.writeJSON(out, map[string]any{"capture_id": rec.ID, "event": rec.Event, "checked": false, "reason": serr.Error()})
			}
			if !app.Quiet {
				fmt.Fprintf(out, "%s  %s  %s\n", term.Escape(rec.ID), term.Escape(orDefault(rec.Event, "-")), p.Dim("unchecked: "+term.Escape(serr.Error())))
			}
			return nil
		}
		body, berr := rec.Bytes()
		if berr != nil {
			return failErr(berr)
		}
		when := rec.ReceivedAt
		if !at.IsZero() {
			when = at
		}
		uri := rec.Path
		if q := rec.Query; q != "" {
			if rec.RedactedQuery {
				// The query was signed as it came, secret and all.
				q = signature.RestoreQuery(q, r.signing.Secrets[0])
			}
			uri += "?" + q
		}
		vf := verifiers[schemeKey(rec)]
		if vf == nil {
			if vf, err = r.newVerifier(s); err != nil {
				return err
			}
			verifiers[schemeKey(rec)] = vf
		}
		v := vf.Verify(signature.Message{Header: rec.Headers, Body: body, URL: "http://" + rec.Host + uri},
			signature.VerifyOptions{Now: when, Tolerance: r.signing.Tolerance, Alternates: alternates})
		if redactedSignature(s, rec) && rec.Verdict != nil {
			// The header that carried the signature was the secret itself and
			// was not kept: the verdict made on receipt is the one to report.
			v = *rec.Verdict
			v.Hints = append(v.Hints, "the signature header was redacted when kept: this is the verdict recorded on receipt")
		}
		checked++
		if v.Valid {
			valid++
		} else {
			byReason[string(v.Reason)]++
		}
		if app.JSON {
			return app.writeJSON(out, struct {
				CaptureID string `json:"capture_id"`
				Event     string `json:"event,omitempty"`
				Checked   bool   `json:"checked"`
				signature.Verdict
				CheckedAt int64 `json:"checked_at"`
			}{rec.ID, rec.Event, true, v, when.Unix()})
		}
		if app.Quiet {
			return nil
		}
		label := p.OK("✔ valid")
		if !v.Valid {
			label = p.Bad("✘ " + string(v.Reason) + ": " + term.Escape(v.Message))
		}
		// The id and event type come from the capture file: escaped, so
		// neither can rewrite the line.
		fmt.Fprintf(out, "%s  %s  %s\n", term.Escape(rec.ID), term.Escape(orDefault(rec.Event, "-")), label)
		for _, h := range v.Hints {
			fmt.Fprintf(out, "    %s %s\n", p.Warn("hint:"), term.Escape(h))
		}
		return nil
	})
	if err != nil {
		return err
	}
	invalid := checked - valid
	if checked == 0 && unchecked > 0 {
		return failErr(fmt.Errorf("none of the %d captures could be checked: they record no scheme", unchecked), "give --scheme, --provider or --endpoint")
	}
	if app.JSON {
		app.writeJSON(app.Streams.Err, map[string]any{"type": "summary", "checked": checked, "valid": valid, "invalid": invalid, "unchecked": unchecked, "invalid_by": byReason})
	} else if !app.Quiet {
		fmt.Fprintf(app.Streams.Err, "hooktool: checked %d: %d valid, %d invalid", checked, valid, invalid)
		if unchecked > 0 {
			fmt.Fprintf(app.Streams.Err, ", %d unchecked (no scheme)", unchecked)
		}
		fmt.Fprintln(app.Streams.Err)
	}
	if invalid > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}
