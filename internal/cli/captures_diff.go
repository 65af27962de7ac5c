package cli

import (
	"fmt"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/compare"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// CapturesDiffOptions are the arguments of `hooktool captures diff`: two
// deliveries, each a file and an id (or unique prefix).
type CapturesDiffOptions struct {
	FileA, IDA string
	FileB, IDB string
	SkipBad    bool

	flags *pflag.FlagSet
}

func newCapturesDiffCommand(app *App, runF func(*CapturesDiffOptions) error) *cobra.Command {
	o := &CapturesDiffOptions{}
	cmd := &cobra.Command{
		Use:   "diff FILE ID1 [FILE2] ID2",
		Short: "Say how two captured deliveries differ: request line, headers, body",
		Long: `Compare two deliveries: the parts of their request lines that differ
(method, path, query, proto), their headers (by canonical name, each
header's values in order; Host among them; credentials and secrets shown
as [redacted]), and their bodies: by structure when both are JSON, a line
per path (data.amount: 2500 → 3000, data.note: added "x"); by bytes
otherwise (the sizes, the first byte that differs with its line and
column, and each side's differing bytes: as text, or in hex when a body is
not UTF-8). Two JSON bodies with the same values in other bytes differ: a
signature over the body does not survive re-serializing.

Both deliveries come from FILE, or the second from FILE2. An id may be a
unique prefix. Nothing is printed when they are the same, as diff does;
--json prints one object (same, request, headers, body) either way.` + exitStatus("the deliveries are the same", "the deliveries differ", couldNotRun+" (an unreadable capture file, an id that matches no delivery or several)"),
		Example: `  hooktool captures diff deliveries.jsonl 01J9Z3 01J9Z7
  hooktool captures diff sent.jsonl 01J9Z3 received.jsonl 01J9ZA
  hooktool captures diff deliveries.jsonl 01J9Z3 01J9Z7 --json | jq .body.changes`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 3:
				o.FileA, o.IDA, o.FileB, o.IDB = args[0], args[1], args[0], args[2]
			case 4:
				o.FileA, o.IDA, o.FileB, o.IDB = args[0], args[1], args[2], args[3]
			default:
				return usageErr("captures diff takes FILE ID1 ID2, or FILE ID1 FILE2 ID2 (%d arguments given)", len(args))
			}
			if o.FileA == "-" && o.FileB == "-" && len(args) == 4 {
				return usageErr("stdin can be read once: give - for one of the files at most, or FILE ID1 ID2 for two deliveries of one file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.flags = cmd.Flags()
			if runF != nil {
				return runF(o)
			}
			return runCapturesDiff(app, o)
		},
	}
	cmd.Flags().BoolVar(&o.SkipBad, "skip-bad", false, "skip malformed lines (with a warning) instead of stopping")
	return cmd
}

func runCapturesDiff(app *App, o *CapturesDiffOptions) error {
	// The configured secrets, to keep them out of what is shown (the
	// records were redacted when kept; the config may know more now).
	r, err := app.loadSigningConfig(o.flags)
	if err != nil {
		return err
	}
	r.signing, _ = r.cfg.Signing(r.endpoint)
	var a, b *capture.Record
	if o.FileA == o.FileB {
		a, b, err = app.pickTwo(o.FileA, o.IDA, o.IDB, o.SkipBad)
	} else {
		if a, _, err = app.pickTwo(o.FileA, o.IDA, "", o.SkipBad); err == nil {
			b, _, err = app.pickTwo(o.FileB, o.IDB, "", o.SkipBad)
		}
	}
	if err != nil {
		return err
	}
	res, err := compare.Records(a, b, compare.Options{Redactor: r.redactor()})
	if err != nil {
		return failErr(err)
	}
	if err := view.NewCaptureDiffPrinter(app.out()).Diff(res); err != nil {
		return err
	}
	if !res.Same {
		return silentExit(ExitInvalid)
	}
	return nil
}

// pickTwo reads file once and returns the delivery of id1 and, when id2 is
// not empty, that of id2 (each an id or a unique prefix of one: one that
// matches no delivery, or several, is exit 2).
func (app *App) pickTwo(file, id1, id2 string, skipBad bool) (*capture.Record, *capture.Record, error) {
	ids := []string{id1}
	if id2 != "" {
		ids = append(ids, id2)
	}
	q, err := app.newCaptureQuery([]string{file}, &selectFlags{skipBad: skipBad})
	if err != nil {
		return nil, nil, err
	}
	all, m1, m2 := capture.NewIDMatcher(ids), capture.NewIDMatcher([]string{id1}), capture.NewIDMatcher([]string{id2})
	var a, b *capture.Record
	err = app.eachCapture(q, func(r *capture.Record) error {
		if !all.See(r.ID) {
			return nil
		}
		if m1.See(r.ID) {
			a = r
		}
		if id2 != "" && m2.See(r.ID) {
			b = r
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := all.Check(); err != nil {
		return nil, nil, failErr(fmt.Errorf("%s: %w", file, err), "`hooktool captures list FILE` lists the ids")
	}
	return a, b, nil
}
