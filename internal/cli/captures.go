package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/export"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// selectFlags pick captured deliveries; shared by captures, replay and
// verify over captures.
type selectFlags struct {
	ids     []string
	event   string
	where   []string
	last    int
	skipBad bool
}

func (s *selectFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&s.ids, "id", nil, "a capture id, or a unique prefix of one (repeatable)")
	fs.StringVar(&s.event, "event", "", "only deliveries whose event type matches this glob")
	fs.StringArrayVar(&s.where, "where", nil, "only deliveries where PATH OP VALUE holds: a gjson path into the body, header.NAME or record.FIELD; OP is ==, !=, <, >, <=, >= or ~ (glob); repeatable")
	fs.IntVar(&s.last, "last", 0, "only the last N selected deliveries")
	fs.BoolVar(&s.skipBad, "skip-bad", false, "skip malformed lines (with a warning) instead of stopping")
}

// captureQuery is a parsed selection over capture files.
type captureQuery struct {
	files []string
	sel   capture.Selector
	ids   *capture.IDMatcher
	last  int
	opts  capture.ReadOptions
}

func (app *App) newCaptureQuery(args []string, s *selectFlags) (*captureQuery, error) {
	if len(args) == 0 {
		return nil, usageErr("no capture file: give FILE, a directory of *.jsonl files, or - for stdin")
	}
	files, err := capture.Sources(args)
	if err != nil {
		return nil, failErr(err)
	}
	q := &captureQuery{files: files, sel: capture.Selector{Event: s.event}, ids: capture.NewIDMatcher(s.ids), last: s.last}
	if s.last < 0 {
		return nil, usageErr("--last must be positive")
	}
	for _, w := range s.where {
		c, err := capture.ParseCond(w)
		if err != nil {
			return nil, usageErr("--where %v", err)
		}
		q.sel.Where = append(q.sel.Where, c)
	}
	q.opts = capture.ReadOptions{SkipBad: s.skipBad, Warn: func(m string) { app.warn("%s", m) }}
	return q, nil
}

// each calls fn with every selected record, in file order. Records are
// streamed, except with --id or --last, where the (few) selected records
// are gathered first so an ambiguous prefix is refused before any is used.
func (app *App) eachCapture(q *captureQuery, fn func(*capture.Record) error) error {
	scan := func(fn func(*capture.Record) error) error {
		for _, f := range q.files {
			read := func(rec *capture.Record, _ int) error {
				if !q.ids.Empty() && !q.ids.See(rec.ID) {
					return nil
				}
				if !q.sel.Match(rec) {
					return nil
				}
				return fn(rec)
			}
			var err error
			if f == "-" {
				err = capture.Read(app.Streams.In, "stdin", q.opts, read)
			} else {
				err = capture.ReadFile(f, q.opts, read)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	if q.ids.Empty() && q.last == 0 {
		return wrapCaptureErr(scan(fn))
	}
	var picked []*capture.Record
	if err := scan(func(r *capture.Record) error {
		picked = append(picked, r)
		if q.last > 0 && len(picked) > q.last {
			picked = picked[1:]
		}
		return nil
	}); err != nil {
		return wrapCaptureErr(err)
	}
	if err := q.ids.Check(); err != nil {
		return usageErr("--id %v", err)
	}
	for _, r := range picked {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// wrapCaptureErr makes an unreadable capture a could-not-run error, and
// leaves the callback's own errors as they are.
func wrapCaptureErr(err error) error {
	var e *exitError
	if err == nil || errors.As(err, &e) {
		return err
	}
	var pe *capture.ParseError
	if errors.As(err, &pe) {
		return failErr(err, "--skip-bad skips malformed lines; a torn last line is always skipped")
	}
	return failErr(err)
}

func newCapturesCommand(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "captures",
		Short: "List, show and export captured deliveries",
		Long: `Read the JSON Lines files that listen --save writes (a file, a directory
of *.jsonl files, or - for stdin).

Selection, for every subcommand: --id (a unique prefix is enough), --event
GLOB, --where 'PATH OP VALUE' (a gjson path into the body, header.NAME, or
record.FIELD: event, method, path, query, provider, scheme, route, status,
verdict, id, body_size; OP ==, !=, <, >, <=, >=, ~ for a glob), --last N.` + exitStatusHelp,
		Example: `  hooktool captures list deliveries.jsonl
  hooktool captures show deliveries.jsonl 01J...
  hooktool captures list deliveries.jsonl --where 'data.amount>5000' --event 'transfer.*'
  hooktool captures export deliveries.jsonl --format har > deliveries.har`,
	}
	cmd.AddCommand(newCapturesListCommand(app), newCapturesShowCommand(app), newCapturesExportCommand(app))
	return cmd
}

func newCapturesListCommand(app *App) *cobra.Command {
	var s selectFlags
	cmd := &cobra.Command{
		Use:   "list FILE...",
		Short: "One line per captured delivery: id, time, event, verdict, status, size",
		Long: `List captured deliveries: id, receive time, request, event, verdict, the
answer given and size; --json prints each record as a JSON line.` + exitStatusHelp,
		Example: `  hooktool captures list deliveries.jsonl
  hooktool captures list captures/ --event 'mandate.*' --last 20
  hooktool captures list deliveries.jsonl --where 'record.verdict!="valid"' --json | jq -r .id`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := app.newCaptureQuery(args, &s)
			if err != nil {
				return err
			}
			out := app.Streams.Out
			p := app.palette()
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			if !app.JSON {
				fmt.Fprintln(tw, p.Bold("ID")+"\t"+p.Bold("RECEIVED")+"\t"+p.Bold("REQUEST")+"\t"+p.Bold("EVENT")+"\t"+p.Bold("VERDICT")+"\t"+p.Bold("ANSWER")+"\t"+p.Bold("SIZE"))
			}
			err = app.eachCapture(q, func(r *capture.Record) error {
				if app.JSON {
					return app.writeJSON(out, r)
				}
				ev := r.Event
				if ev == "" {
					ev = "-"
				}
				req := r.Method + " " + r.Path
				if r.Query != "" {
					req += "?" + r.Query
				}
				_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", term.Escape(r.ID), r.ReceivedAt.Local().Format("2006-01-02 15:04:05"), term.Escape(req), term.Escape(ev), term.Escape(r.Verdict.Label()), r.Answer.Status, view.Size(r.BodySize))
				return err
			})
			if ferr := tw.Flush(); err == nil {
				err = ferr
			}
			return err
		},
	}
	s.addFlags(cmd.Flags())
	return cmd
}

func newCapturesShowCommand(app *App) *cobra.Command {
	var s selectFlags
	var raw bool
	cmd := &cobra.Command{
		Use:   "show FILE... ID",
		Short: "Print one captured delivery in full: request line, headers, body",
		Long: `Print one delivery: its request line and headers, what hooktool knew of it
(event, verdict, answer, forward), and the body, pretty-printed when it is
JSON (for reading: the kept bytes never change). --raw prints the body's
exact bytes and nothing else; --json prints the record.` + exitStatusHelp,
		Example: `  hooktool captures show deliveries.jsonl 01J9Z3
  hooktool captures show deliveries.jsonl 01J9Z3 --raw > body.bin
  hooktool captures show deliveries.jsonl 01J9Z3 --json | jq .headers`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s.ids = []string{args[len(args)-1]}
			q, err := app.newCaptureQuery(args[:len(args)-1], &s)
			if err != nil {
				return err
			}
			return app.eachCapture(q, func(r *capture.Record) error {
				body, err := r.Bytes()
				if err != nil {
					return failErr(err)
				}
				switch {
				case raw:
					_, err = app.Streams.Out.Write(body)
					return err
				case app.JSON:
					return app.writeJSON(app.Streams.Out, r)
				}
				return app.showCapture(r, body)
			})
		},
	}
	s.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&raw, "raw", false, "print only the body, byte for byte")
	return cmd
}

// showCapture prints a capture for reading. Every string of the record came
// from a sender or a file: each goes through term.Escape (the body through
// term.EscapeText), so nothing in it can act on the terminal.
// shownHeaders are a record's headers as received, the values kept in
// base64 (not UTF-8) decoded back to their bytes, for term.Escape to show
// as \xNN; a record whose base64 is broken shows what it holds.
func shownHeaders(r *capture.Record) http.Header {
	if h, err := r.HeaderBytes(); err == nil {
		return h
	}
	return r.Headers
}

func (app *App) showCapture(r *capture.Record, body []byte) error {
	out := app.Streams.Out
	p := app.palette()
	esc := term.Escape
	uri := r.Path
	if r.Query != "" {
		uri += "?" + r.Query
	}
	fmt.Fprintf(out, "%s %s %s\n", p.Bold(esc(r.Method)), esc(uri), esc(r.Proto))
	headers := shownHeaders(r)
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	if r.Host != "" {
		fmt.Fprintf(out, "%s %s\n", p.Dim("Host:"), esc(r.Host))
	}
	for _, k := range names {
		for _, v := range headers[k] {
			fmt.Fprintf(out, "%s %s\n", p.Dim(esc(k)+":"), esc(v))
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "%s %s  %s %s  %s %s\n", p.Dim("id"), esc(r.ID), p.Dim("received"), r.ReceivedAt.Format(time.RFC3339Nano), p.Dim("from"), esc(r.RemoteAddr))
	if r.Event != "" || r.Provider != "" {
		fmt.Fprintf(out, "%s %s  %s %s\n", p.Dim("event"), esc(r.Event), p.Dim("provider"), esc(r.Provider))
	}
	if v := r.Verdict; v != nil {
		label := p.OK("✔ valid")
		if !v.Valid {
			label = p.Bad("✘ " + esc(string(v.Reason)))
		}
		fmt.Fprintf(out, "%s %s (%s): %s\n", p.Dim("verdict"), label, esc(v.Scheme), esc(v.Message))
		for _, h := range v.Hints {
			fmt.Fprintf(out, "%s %s\n", p.Warn("hint:"), esc(h))
		}
	}
	fmt.Fprintf(out, "%s %d %s\n", p.Dim("answered"), r.Answer.Status, esc(r.Answer.Reason))
	if f := r.Forward; f != nil {
		if f.Error != "" {
			fmt.Fprintf(out, "%s %s: %s\n", p.Dim("forwarded"), esc(f.URL), esc(f.Error))
		} else {
			fmt.Fprintf(out, "%s %s: %d in %.1fms\n", p.Dim("forwarded"), esc(f.URL), f.Status, f.LatencyMS)
		}
	}
	fmt.Fprintln(out)
	var pretty bytes.Buffer
	switch {
	case len(body) == 0:
		fmt.Fprintln(out, p.Dim("(empty body)"))
	case json.Indent(&pretty, body, "", "  ") == nil:
		fmt.Fprintf(out, "%s\n", term.EscapeText(pretty.String()))
	case utf8.Valid(body):
		fmt.Fprintf(out, "%s\n", term.EscapeText(string(body)))
	default:
		fmt.Fprintf(out, "%s\n", p.Dim(fmt.Sprintf("(%d bytes, not text: --raw prints them)", len(body))))
	}
	return nil
}

func newCapturesExportCommand(app *App) *cobra.Command {
	var s selectFlags
	var format, to string
	cmd := &cobra.Command{
		Use:   "export FILE... --format har|curl",
		Short: "Write captured deliveries as HAR 1.2 or as curl commands",
		Long: `Export deliveries: --format har writes one HAR 1.2 document (open it in a
browser's dev tools, or any HAR viewer); --format curl writes one curl
command per delivery that re-sends it byte-exact to --to (default: the
address it was received on).` + exitStatusHelp,
		Example: `  hooktool captures export deliveries.jsonl --format har > deliveries.har
  hooktool captures export deliveries.jsonl --format curl --to http://localhost:3000 > resend.sh`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "har" && format != "curl" {
				return usageErr("--format %q: expected har or curl", format)
			}
			q, err := app.newCaptureQuery(args, &s)
			if err != nil {
				return err
			}
			if format == "curl" {
				var base *url.URL
				if to != "" {
					norm, err := normalizeURL("--to", to)
					if err != nil {
						return err
					}
					base, _ = url.Parse(norm)
				}
				return app.eachCapture(q, func(r *capture.Record) error {
					invalid, err := export.Curl(app.Streams.Out, r, base)
					if len(invalid) > 0 {
						app.warn("capture %s: left out: %s (a name that is not a token, or a value with CR, LF or NUL)", r.ID, quoteNames(invalid))
					}
					return err
				})
			}
			har := export.NewHAR(app.Version)
			if err := app.eachCapture(q, har.Add); err != nil {
				return err
			}
			return har.Encode(app.Streams.Out)
		},
	}
	s.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&format, "format", "f", "har", "har or curl")
	cmd.Flags().StringVar(&to, "to", "", "curl: send to this base URL instead of where the delivery was received")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"har", "curl"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
