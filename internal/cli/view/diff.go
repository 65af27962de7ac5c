package view

import (
	"fmt"
	"io"
	"strings"

	"github.com/hooktool/hooktool/internal/capture/compare"
	"github.com/hooktool/hooktool/internal/term"
)

// CaptureDiffPrinter prints `captures diff`: the differences section by
// section for people, the compare.Result as one JSON line for scripts.
type CaptureDiffPrinter interface {
	Diff(r *compare.Result) error
}

// NewCaptureDiffPrinter returns the printer for out.
func NewCaptureDiffPrinter(out Out) CaptureDiffPrinter {
	if out.JSON {
		return captureDiffJSON{out.Streams.Out}
	}
	return captureDiffText{out}
}

type captureDiffJSON struct{ w io.Writer }

func (p captureDiffJSON) Diff(r *compare.Result) error { return JSONLine(p.w, r) }

type captureDiffText struct{ out Out }

// Diff prints nothing when the deliveries are the same (as diff does);
// otherwise a line naming each, then each section that differs. Every
// byte of a delivery goes through term.Escape.
func (s captureDiffText) Diff(r *compare.Result) error {
	if r.Same {
		return nil
	}
	w, p, esc := s.out.Streams.Out, s.out.Palette, term.Escape
	side := func(mark string, d compare.Side) string {
		req := d.Method + " " + d.Path
		if d.Query != "" {
			req += "?" + d.Query
		}
		ev := d.Event
		if ev == "" {
			ev = "-"
		}
		return fmt.Sprintf("%s %s  %s  %s  %s", mark, esc(d.ID), esc(req), esc(ev), Size(d.BodySize))
	}
	fmt.Fprintln(w, p.Bad(side("---", r.A)))
	fmt.Fprintln(w, p.OK(side("+++", r.B)))
	if len(r.Request) > 0 {
		fmt.Fprintln(w, p.Bold("request line"))
		shown := func(v string) string {
			if v == "" {
				return p.Dim("(none)")
			}
			return esc(v)
		}
		for _, f := range r.Request {
			fmt.Fprintf(w, "  %s: %s → %s\n", f.Name, shown(f.Old), shown(f.New))
		}
	}
	if len(r.Headers) > 0 {
		fmt.Fprintln(w, p.Bold("headers"))
		values := func(vv []string) string {
			out := make([]string, len(vv))
			for i, v := range vv {
				out[i] = esc(v)
			}
			return strings.Join(out, ", ")
		}
		for _, h := range r.Headers {
			switch h.Kind {
			case compare.Added:
				fmt.Fprintf(w, "  %s: %s %s\n", esc(h.Name), p.OK("added"), values(h.New))
			case compare.Removed:
				fmt.Fprintf(w, "  %s: %s %s\n", esc(h.Name), p.Bad("removed"), values(h.Old))
			default:
				fmt.Fprintf(w, "  %s: %s → %s\n", esc(h.Name), values(h.Old), values(h.New))
			}
		}
	}
	b := r.Body
	if b.Same {
		return nil
	}
	switch {
	case b.Format == compare.FormatJSON && len(b.Changes) > 0:
		fmt.Fprintln(w, p.Bold("body (JSON)"))
		for _, c := range b.Changes {
			fmt.Fprintf(w, "  %s\n", esc(c.String()))
		}
	case b.Format == compare.FormatJSON:
		fmt.Fprintf(w, "%s %s\n", p.Bold("body (JSON)"), "the same values in other bytes (re-serialized: a signature over the body does not survive that)")
	default:
		fmt.Fprintln(w, p.Bold("body (bytes)"))
	}
	if d := b.Bytes; d != nil {
		at := fmt.Sprintf("byte %d", d.Offset)
		if d.Line > 0 {
			at += fmt.Sprintf(" (line %d, column %d)", d.Line, d.Column)
		}
		fmt.Fprintf(w, "  %s → %s; first difference at %s; %s the same at the end\n", Size(d.OldSize), Size(d.NewSize), at, plural(d.Suffix, "byte"))
		if d.Context.Len > 0 {
			fmt.Fprintf(w, "  %s %s\n", p.Dim("after:"), excerpt(d.Context))
		}
		fmt.Fprintf(w, "  %s %s\n", p.Bad("-"), excerpt(d.Old))
		fmt.Fprintf(w, "  %s %s\n", p.OK("+"), excerpt(d.New))
	}
	return nil
}

// excerpt shows some bytes of a body on one line: escaped text in
// quotes (so a space is seen), or hex.
func excerpt(e compare.Excerpt) string {
	var s string
	switch {
	case e.Len == 0:
		return "(nothing)"
	case e.Hex != "":
		s = "hex " + e.Hex
	default:
		s = `"` + term.Escape(e.Text) + `"`
	}
	if e.Truncated {
		s += fmt.Sprintf(" … (%s in all)", plural(e.Len, "byte"))
	}
	return s
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
