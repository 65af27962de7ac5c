package cli

import (
	"net/url"

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
}

func newCapturesCommand(app *App, runF func(*CapturesOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "captures",
		Short: "List, show and export captured deliveries",
		Long: `Read the JSON Lines files that listen --save writes (a file, a directory
of *.jsonl files, or - for stdin).

Selection, for every subcommand: --id (a unique prefix is enough), --event
GLOB, --where 'PATH OP VALUE' (a gjson path into the body, header.NAME, or
record.FIELD: event, method, path, query, provider, scheme, route, status,
verdict, id, body_size; OP ==, !=, <, >, <=, >=, ~ for a glob), --last N.`,
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
		Short: "One line per captured delivery: id, time, event, verdict, status, size",
		Long: `List captured deliveries: id, receive time, request, event, verdict, the
answer given and size; --json prints each record as a JSON line.` + exitStatus("the deliveries were listed", "", couldNotRun+" (an unreadable or malformed capture file)"),
		Example: `  hooktool captures list deliveries.jsonl
  hooktool captures list captures/ --event 'mandate.*' --last 20
  hooktool captures list deliveries.jsonl --where 'record.verdict!="valid"' --json | jq -r .id`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if runF != nil {
				return runF(o)
			}
			return runCapturesList(app, o)
		},
	}
	o.sel.addFlags(cmd.Flags())
	return cmd
}

func runCapturesList(app *App, o *CapturesOptions) error {
	q, err := app.newCaptureQuery(o.Files, &o.sel)
	if err != nil {
		return err
	}
	printer := view.NewCaptureListPrinter(app.out())
	err = app.eachCapture(q, func(r *capture.Record) error {
		return printer.Capture(r, r.Verdict.Label())
	})
	if ferr := printer.Close(); err == nil {
		err = ferr
	}
	return err
}

func newCapturesShowCommand(app *App, runF func(*CapturesOptions) error) *cobra.Command {
	o := &CapturesOptions{Command: "show"}
	cmd := &cobra.Command{
		Use:   "show FILE... ID",
		Short: "Print one captured delivery in full: request line, headers, body",
		Long: `Print one delivery: its request line and headers, what hooktool knew of it
(event, verdict, answer, forward), and the body, pretty-printed when it is
JSON (for reading: the kept bytes never change). --raw prints the body's
exact bytes and nothing else; --json prints the record.` + exitStatus("the deliveries selected were printed", "", couldNotRun+" (an unreadable or malformed capture file)"),
		Example: `  hooktool captures show deliveries.jsonl 01J9Z3
  hooktool captures show deliveries.jsonl 01J9Z3 --raw > body.bin
  hooktool captures show deliveries.jsonl 01J9Z3 --json | jq .headers`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args[:len(args)-1]
			o.sel.ids = []string{args[len(args)-1]}
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
