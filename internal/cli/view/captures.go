package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/term"
)

// CaptureListPrinter prints `captures list`: a table for people, each
// record as a JSON line for scripts. Close ends the table.
type CaptureListPrinter interface {
	// Capture prints one record; verdict is its verdict's label.
	Capture(r *capture.Record, verdict string) error
	Close() error
}

// NewCaptureListPrinter starts the list (the table's header comes first).
func NewCaptureListPrinter(out Out) CaptureListPrinter {
	if out.JSON {
		return captureListJSON{out.Streams.Out}
	}
	return captureListText{NewTable(out.Streams.Out, out.Palette, "ID", "RECEIVED", "REQUEST", "EVENT", "VERDICT", "ANSWER", "APP", "SIZE")}
}

type captureListJSON struct{ w io.Writer }

func (p captureListJSON) Capture(r *capture.Record, _ string) error { return JSONLine(p.w, r) }
func (p captureListJSON) Close() error                              { return nil }

type captureListText struct{ tab *Table }

func (p captureListText) Capture(r *capture.Record, verdict string) error {
	p.tab.Row(captureCells(r, verdict)...)
	return nil
}

// captureCells are a delivery's cells in the list, escaped: ID, RECEIVED,
// REQUEST, EVENT, VERDICT, ANSWER, APP, SIZE.
func captureCells(r *capture.Record, verdict string) []string {
	ev := r.Event
	if ev == "" {
		ev = "-"
	}
	req := r.Method + " " + r.Path
	if r.Query != "" {
		req += "?" + r.Query
	}
	return []string{term.Escape(r.ID), r.ReceivedAt.Local().Format("2006-01-02 15:04:05"), term.Escape(req), term.Escape(ev), term.Escape(verdict), strconv.Itoa(r.Answer.Status), term.Escape(AppAnswer(r)), Size(r.BodySize)}
}

func (p captureListText) Close() error { return p.tab.Flush() }

// AppAnswer is what the app answered a forwarded delivery: its status, or
// the kind of error when it gave none (timeout, connection_refused, ...);
// "" when the delivery was not forwarded.
func AppAnswer(r *capture.Record) string {
	f := r.Forward
	switch {
	case f == nil:
		return ""
	case f.Error == "" && f.Status != 0:
		return strconv.Itoa(f.Status)
	}
	return f.Kind()
}

// NewCaptureFollowPrinter prints `captures list --follow`: as the list,
// each line written as it comes. The text has fixed column widths (a
// line cannot wait for the widest one to come): a longer value shifts the
// rest of its line, and one past MaxCell is cut, as in the list.
func NewCaptureFollowPrinter(out Out) CaptureListPrinter {
	if out.JSON {
		return captureListJSON{out.Streams.Out}
	}
	p := captureFollowText{out}
	fmt.Fprintln(out.Streams.Out, p.row(out.Palette.Bold, "ID", "RECEIVED", "REQUEST", "EVENT", "VERDICT", "ANSWER", "APP", "SIZE"))
	return p
}

type captureFollowText struct{ out Out }

func (p captureFollowText) row(style func(string) string, cells ...string) string {
	// The columns' widths, the last one's aside: an id, a time, then room
	// for most requests, events and verdicts.
	followWidths := [...]int{26, 19, 22, 24, 18, 6, 5}
	var b strings.Builder
	for i, c := range cells {
		if i < len(cells)-1 {
			c = cut(c, MaxCell) // as the list cuts a hostile record's cell
		}
		b.WriteString(style(c))
		if i < len(followWidths) {
			if pad := followWidths[i] - VisibleWidth(c); pad > 0 {
				b.WriteString(strings.Repeat(" ", pad))
			}
			b.WriteString("  ")
		}
	}
	return b.String()
}

func (p captureFollowText) Capture(r *capture.Record, verdict string) error {
	plain := func(s string) string { return s }
	_, err := fmt.Fprintln(p.out.Streams.Out, p.row(plain, captureCells(r, verdict)...))
	return err
}

func (p captureFollowText) Close() error { return nil }

// CaptureShowPrinter prints `captures show`: the delivery for reading, the
// record as JSON, or (raw) the body's exact bytes and nothing else.
type CaptureShowPrinter interface {
	Show(r *capture.Record, body []byte) error
}

// NewCaptureShowPrinter returns the printer; raw wins over --json.
func NewCaptureShowPrinter(out Out, raw bool) CaptureShowPrinter {
	switch {
	case raw:
		return captureRaw{out.Streams.Out}
	case out.JSON:
		return captureShowJSON{out.Streams.Out}
	}
	return captureShowText{out}
}

type captureRaw struct{ w io.Writer }

func (p captureRaw) Show(_ *capture.Record, body []byte) error {
	_, err := p.w.Write(body)
	return err
}

type captureShowJSON struct{ w io.Writer }

func (p captureShowJSON) Show(r *capture.Record, _ []byte) error { return JSONLine(p.w, r) }

type captureShowText struct{ out Out }

// Show prints a capture for reading. Every string of the record came from a
// sender or a file: each goes through term.Escape (the body through
// term.EscapeText), so nothing in it can act on the terminal.
func (s captureShowText) Show(r *capture.Record, body []byte) error {
	out := s.out.Streams.Out
	p := s.out.Palette
	esc := term.Escape
	uri := r.Path
	if r.Query != "" {
		uri += "?" + r.Query
	}
	fmt.Fprintf(out, "%s %s %s\n", p.Bold(esc(r.Method)), esc(uri), esc(r.Proto))
	headers := CaptureHeaders(r)
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
