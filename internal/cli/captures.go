package cli

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/export"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/spf13/cobra"
)

// CapturesOptions are what a `hooktool captures` subcommand reads and how
// it prints: the files, the selection, and (show) --raw or (export)
// --format and --to.
type CapturesOptions struct {
	// Command is the subcommand: list, show or export.
	Command    string
	Files      []string
	sel        selectFlags
	Raw        bool
	Format     string
	To         string
	PathPrefix bool
	// Follow (list) prints new deliveries as they are appended.
	Follow bool

	ctx context.Context
}

func newCapturesCommand(app *App, runF func(*CapturesOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "captures",
		Short: "List, show and export captured deliveries",
		Long: `Read the JSON Lines files that listen --save writes (a file, a directory
of *.jsonl files, or - for stdin).

Selection, for every subcommand: --id (a unique prefix is enough), --event
GLOB, --where 'PATH OP VALUE' (a gjson path into the body, header.NAME, or
record.FIELD: id, event, method, path, query, host, remote_addr, provider,
scheme, route, verdict, repeat_of, replay_of, body_size, status,
answer.status, answer.reason, forward.status, forward.error, forward.latency_ms,
forward.url; OP ==, !=, <, >, <=, >=, ~ for a glob), --last N, --first N.` + groupExitStatus,
		Example: `  hooktool captures list deliveries.jsonl
  hooktool captures show deliveries.jsonl 01J...
  hooktool captures list deliveries.jsonl --where 'data.amount>5000' --event 'transfer.*'
  hooktool captures export deliveries.jsonl --format har > deliveries.har`,
	}
	cmd.AddCommand(newCapturesListCommand(app, runF), newCapturesShowCommand(app, runF), newCapturesExportCommand(app, runF), newCapturesDiffCommand(app, nil))
	return cmd
}

func newCapturesListCommand(app *App, runF func(*CapturesOptions) error) *cobra.Command {
	o := &CapturesOptions{Command: "list"}
	cmd := &cobra.Command{
		Use:   "list FILE...",
		Short: "One line per captured delivery: id, time, event, verdict, answer, app, size",
		Long: `List captured deliveries: id, receive time, request, event, verdict, the
answer given (ANSWER), what the app answered when the delivery was forwarded
(APP: its status, or the kind of error: timeout, connection_refused, ...)
and size; --json prints each record as a JSON line.` + exitStatus("the deliveries were listed (--follow: stopped with Ctrl-C or SIGTERM)", "", couldNotRun+" (an unreadable or malformed capture file)"),
		Example: `  hooktool captures list deliveries.jsonl
  hooktool captures list captures/ --event 'mandate.*' --last 20
  hooktool captures list deliveries.jsonl --where 'record.verdict!="valid"' --json | jq -r .id
  hooktool captures list deliveries.jsonl --follow --last 5   # then each new delivery, as listen keeps it`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files, o.ctx = args, cmd.Context()
			if o.Follow {
				if err := checkFollow(o); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(o)
			}
			if o.Follow {
				return runCapturesFollow(app, o)
			}
			return runCapturesList(app, o)
		},
	}
	o.sel.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.Follow, "follow", false, "keep reading: print each delivery appended to FILE until interrupted (like tail -f)")
	return cmd
}

// checkFollow refuses what --follow cannot do: more than one file, stdin,
// a directory, and selections that need the whole file (--id, --first).
func checkFollow(o *CapturesOptions) error {
	switch {
	case len(o.Files) != 1 || o.Files[0] == "-":
		return usageErr("--follow reads one capture file: give FILE (not several, nor - for stdin)")
	case len(o.sel.ids) > 0 || o.sel.first > 0:
		return usageErr("--follow takes --event, --where and --last, not --id or --first")
	}
	if st, err := os.Stat(o.Files[0]); err == nil && st.IsDir() {
		return usageErr("--follow reads one capture file, not a directory: give FILE")
	}
	return nil
}

// runCapturesFollow lists the deliveries of one file (the last --last of
// them, when given), then each one appended, until interrupted: the
// capture engine follows the file (capture.Follow).
func runCapturesFollow(app *App, o *CapturesOptions) error {
	q, err := app.newCaptureQuery(o.Files, &o.sel)
	if err != nil {
		return err
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	printer := view.NewCaptureFollowPrinter(app.out())
	// With --last, the records the file holds at the start are gathered,
	// and the last of them printed once it is read; the printer prints
	// them all as one table then, and each later one as it comes.
	var held []*capture.Record
	caughtUp := false
	err = capture.Follow(ctx, q.files[0], capture.FollowOptions{
		ReadOptions: q.opts,
		CaughtUp: func() error {
			caughtUp = true
			for _, r := range held {
				if err := printer.Capture(r, r.VerdictLabel()); err != nil {
					return err
				}
			}
			held = nil
			return printer.CaughtUp()
		},
	}, func(r *capture.Record, _ capture.Place) error {
		if !q.sel.Match(r) {
			return nil
		}
		if !caughtUp && q.last > 0 {
			if held = append(held, r); len(held) > q.last {
				held = held[1:]
			}
			return nil
		}
		return printer.Capture(r, r.VerdictLabel())
	})
	if cerr := printer.Close(); err == nil {
		err = cerr
	}
	return wrapCaptureErr(err)
}

func runCapturesList(app *App, o *CapturesOptions) error {
	q, err := app.newCaptureQuery(o.Files, &o.sel)
	if err != nil {
		return err
	}
	printer := view.NewCaptureListPrinter(app.out())
	err = app.eachCapture(q, func(r *capture.Record) error {
		return printer.Capture(r, r.VerdictLabel())
	})
	if ferr := printer.Close(); err == nil {
		err = ferr
	}
	return err
}

func newCapturesShowCommand(app *App, runF func(*CapturesOptions) error) *cobra.Command {
	o := &CapturesOptions{Command: "show"}
	cmd := &cobra.Command{
		Use:   "show FILE... ID | show FILE... --last N",
		Short: "Print one captured delivery in full: request line, headers, body",
		Long: `Print one delivery: its request line and headers, what hooktool knew of it
(event, verdict, answer, forward), and the body, pretty-printed when it is
JSON (for reading: the kept bytes never change). Without an ID, --last N or
--first N (or --id) picks the deliveries: every argument is then a file. --raw prints the body's
exact bytes and nothing else; --json prints the record.` + exitStatus("the deliveries selected were printed", "", couldNotRun+" (an unreadable or malformed capture file)"),
		Example: `  hooktool captures show deliveries.jsonl 01J9Z3
  hooktool captures show deliveries.jsonl --last 1     # the latest delivery
  hooktool captures show deliveries.jsonl 01J9Z3 --raw > body.bin
  hooktool captures show deliveries.jsonl 01J9Z3 --json | jq .headers`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.sel.check(); err != nil {
				return err
			}
			// --last, --first or --id pick the deliveries: every argument
			// is a file. Else the last argument is the id.
			if o.sel.picksByFlag() {
				o.Files = args
			} else {
				if len(args) < 2 {
					return usageErr("captures show needs FILE... ID, or --last N, --first N or --id ID to pick deliveries")
				}
				o.Files = args[:len(args)-1]
				o.sel.ids = []string{args[len(args)-1]}
			}
			if runF != nil {
				return runF(o)
			}
			return runCapturesShow(app, o)
		},
	}
	o.sel.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.Raw, "raw", false, "print only the body, byte for byte")
	return cmd
}

func runCapturesShow(app *App, o *CapturesOptions) error {
	q, err := app.newCaptureQuery(o.Files, &o.sel)
	var e *exitError
	if o.sel.picksByFlag() && len(o.Files) > 1 && errors.Is(err, fs.ErrNotExist) && errors.As(err, &e) {
		// show FILE ID --last 1: the ID was taken for a file.
		e.hints = append(e.hints, "with --last, --first or --id every argument is a capture file: give the ID alone (FILE ID), or as --id ID")
	}
	if err != nil {
		return err
	}
	printer := view.NewCaptureShowPrinter(app.out(), o.Raw)
	return app.eachCapture(q, func(r *capture.Record) error {
		body, err := r.Bytes()
		if err != nil {
			return failErr(err)
		}
		return printer.Show(r, body)
	})
}

func newCapturesExportCommand(app *App, runF func(*CapturesOptions) error) *cobra.Command {
	o := &CapturesOptions{Command: "export"}
	cmd := &cobra.Command{
		Use:   "export FILE... --format har|curl",
		Short: "Write captured deliveries as HAR 1.2 or as curl commands",
		Long: `Export deliveries: --format har writes one HAR 1.2 document (open it in a
browser's dev tools, or any HAR viewer); --format curl writes one curl
command per delivery that re-sends it byte-exact to --to (default: the
address it was received on). A path in --to replaces each delivery's path
(the delivery's query follows the target's own); --to without a path keeps
it; --path-prefix puts the path of --to before the delivery's.` + exitStatus("the deliveries were exported", "", couldNotRun+" (an unreadable or malformed capture file)"),
		Example: `  hooktool captures export deliveries.jsonl --format har > deliveries.har
  hooktool captures export deliveries.jsonl --format curl --to http://localhost:3000 > resend.sh`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Format != "har" && o.Format != "curl" {
				return usageErr("--format %q: expected har or curl", o.Format)
			}
			if o.PathPrefix && o.To == "" {
				return usageErr("--path-prefix puts the path of --to before each capture's: give --to")
			}
			if o.Format == "har" && (cmd.Flags().Changed("to") || o.PathPrefix) {
				// A HAR records the requests as received: it is sent nowhere.
				return usageErr("--to and --path-prefix say where --format curl sends; a HAR records each request as it was received")
			}
			o.Files = args
			if runF != nil {
				return runF(o)
			}
			return runCapturesExport(app, o)
		},
	}
	o.sel.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.Format, "format", "f", "har", "har or curl")
	cmd.Flags().StringVar(&o.To, "to", "", "curl: send to this URL instead of where the delivery was received; a path in it replaces the delivery's")
	cmd.Flags().BoolVar(&o.PathPrefix, "path-prefix", false, "curl: put the path of --to before each delivery's path instead of replacing it")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"har", "curl"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runCapturesExport(app *App, o *CapturesOptions) error {
	q, err := app.newCaptureQuery(o.Files, &o.sel)
	if err != nil {
		return err
	}
	if o.Format == "curl" {
		var base *url.URL
		if o.To != "" {
			norm, err := normalizeURL("--to", o.To)
			if err != nil {
				return err
			}
			base, _ = url.Parse(norm)
		}
		return app.eachCapture(q, func(r *capture.Record) error {
			invalid, err := export.Curl(app.Streams.Out, r, base, pathRule(o.PathPrefix))
			if len(invalid) > 0 {
				app.warn("capture %s: left out: %s (a name that is not a token, or a value with CR, LF or NUL)", r.ID, view.QuoteNames(invalid))
			}
			return err
		})
	}
	har := export.NewHAR(app.Version)
	if err := app.eachCapture(q, har.Add); err != nil {
		return err
	}
	return har.Encode(app.Streams.Out)
}
