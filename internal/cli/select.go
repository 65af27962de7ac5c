package cli

import (
	"errors"
	"fmt"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/spf13/pflag"
)

// selectFlags pick captured deliveries; shared by captures, replay and
// verify over captures.
type selectFlags struct {
	ids     []string
	event   string
	where   []string
	last    int
	first   int
	skipBad bool
}

func (s *selectFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&s.ids, "id", nil, "a capture id, or a unique prefix of one (repeatable)")
	fs.StringVar(&s.event, "event", "", "only deliveries whose event type matches this glob")
	fs.StringArrayVar(&s.where, "where", nil, "only deliveries where PATH OP VALUE holds: a gjson path into the body, header.NAME or record.FIELD; OP is ==, !=, <, >, <=, >= or ~ (glob); repeatable")
	fs.IntVar(&s.last, "last", 0, "only the last N selected deliveries")
	fs.IntVar(&s.first, "first", 0, "only the first N selected deliveries")
	fs.BoolVar(&s.skipBad, "skip-bad", false, "skip malformed lines (with a warning) instead of stopping")
}

// check refuses counts that select nothing sensible.
func (s *selectFlags) check() error {
	switch {
	case s.last < 0:
		return usageErr("--last must be positive")
	case s.first < 0:
		return usageErr("--first must be positive")
	case s.first > 0 && s.last > 0:
		return usageErr("--first and --last do not go together")
	}
	return nil
}

// picksByFlag reports whether the flags pick the deliveries (--id,
// --first, --last), so that `captures show` needs no ID argument.
func (s *selectFlags) picksByFlag() bool {
	return len(s.ids) > 0 || s.first > 0 || s.last > 0
}

// captureQuery is a parsed selection over capture files.
type captureQuery struct {
	files []string
	sel   capture.Selector
	ids   *capture.IDMatcher
	last  int
	first int
	opts  capture.ReadOptions
	// read and selected count the records eachCapture read, and those the
	// selection kept (before --last), for "nothing selected".
	read, selected int
}

func (app *App) newCaptureQuery(args []string, s *selectFlags) (*captureQuery, error) {
	if len(args) == 0 {
		return nil, usageErr("no capture file: give FILE, a directory of *.jsonl files, or - for stdin")
	}
	// The selection is checked first: a mistake in it is found before any
	// file is opened, and before a command sends anything.
	q := &captureQuery{sel: capture.Selector{Event: s.event}, ids: capture.NewIDMatcher(s.ids), last: s.last, first: s.first}
	if err := s.check(); err != nil {
		return nil, err
	}
	for _, w := range s.where {
		c, err := capture.ParseCond(w)
		if err != nil {
			return nil, usageErr("--where %v", err)
		}
		q.sel.Where = append(q.sel.Where, c)
	}
	files, err := capture.Sources(args)
	if err != nil {
		return nil, failErr(err)
	}
	q.files = files
	q.opts = capture.ReadOptions{SkipBad: s.skipBad, Warn: func(m string) { app.warn("%s", m) }}
	return q, nil
}

// each calls fn with every selected record, in file order. Records are
// streamed, except with --id or --last, where the (few) selected records
// are gathered first so an ambiguous prefix is refused before any is used.
// --first stops reading once it has its records (with --id, once every
// file is read: an ambiguous prefix is still refused).
func (app *App) eachCapture(q *captureQuery, fn func(*capture.Record) error) error {
	stopAt := 0
	if q.ids.Empty() {
		stopAt = q.first
	}
	scan := func(fn func(*capture.Record) error) error {
		for _, f := range q.files {
			if stopAt > 0 && q.selected >= stopAt {
				break
			}
			read := func(rec *capture.Record, _ int) error {
				if stopAt > 0 && q.selected >= stopAt {
					return capture.ErrStop
				}
				q.read++
				if !q.ids.Empty() && !q.ids.See(rec.ID) {
					return nil
				}
				if !q.sel.Match(rec) {
					return nil
				}
				q.selected++
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
	if q.first > 0 && len(picked) > q.first {
		picked = picked[:q.first]
	}
	for _, r := range picked {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// nothingSelected is the error for a query that gave no record, once
// eachCapture is done: the files hold none, or the selection left every
// one out. A command for which nothing to act on is a failure (verify)
// returns it.
func (q *captureQuery) nothingSelected(what string) error {
	if q.read > 0 {
		return failErr(fmt.Errorf("%s: none of the %d captures read matched the selection", what, q.read),
			"`hooktool captures list` shows the captures and what they hold")
	}
	src := fmt.Sprintf("the %d capture files hold none", len(q.files))
	if len(q.files) == 1 {
		name := q.files[0]
		if name == "-" {
			name = "stdin"
		}
		src = name + " holds none"
	}
	return failErr(fmt.Errorf("%s: %s", what, src), "was anything delivered? `hooktool listen --save FILE` keeps each delivery it receives")
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
