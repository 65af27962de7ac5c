package view

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

// VerifyPrinter prints what `verify` finds: the verdict on one delivery,
// or a line per capture checked (stdout) and a summary (stderr).
type VerifyPrinter interface {
	// Verdict is the verdict on one delivery, checked as of at.
	Verdict(v signature.Verdict, at time.Time) error
	// Checked is a capture's verdict, checked as of at.
	Checked(rec *capture.Record, v signature.Verdict, at time.Time) error
	// Unchecked is a capture that could not be checked, and why.
	Unchecked(rec *capture.Record, why error) error
	Summary(s replay.VerifySummary)
	// Detected is what verify --detect found: the candidates the headers
	// point to, and the one checked (nil: none) with the endpoint whose
	// secret it was checked with ("" for the secret in effect).
	Detected(cands []catalog.Candidate, checked *catalog.Candidate, endpoint string) error
}

// NewVerifyPrinter returns out's printer for verify.
func NewVerifyPrinter(out Out) VerifyPrinter {
	if out.JSON {
		return verifyJSON{out}
	}
	return &verifyText{out: out}
}

// verifyText prints a capture's verdict as a line in columns (id, event,
// verdict), as they come: each column at least verifyWidths wide, so the
// verdicts of ordinary event types start in one column. A wider event is
// never cut (a report that is grepped for an event must hold it whole):
// it pushes its verdict along; only a hostile one past MaxCell is cut, as
// every table cuts it.
type verifyText struct {
	out Out
}

// verifyWidths are the least widths of verify's id and event columns: an
// id, then room for most event types (Stripe's longest included).
var verifyWidths = [...]int{26, 40}

// row prints a line of the capture's id and event type (escaped: both come
// from the file) and its verdict.
func (p *verifyText) row(rec *capture.Record, verdict string) error {
	var b strings.Builder
	for i, c := range []string{term.Escape(rec.ID), cut(term.Escape(orDash(rec.Event)), MaxCell)} {
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", max(verifyWidths[i]-VisibleWidth(c), 0)+2))
	}
	b.WriteString(verdict)
	b.WriteString("\n")
	_, err := io.WriteString(p.out.Streams.Out, b.String())
	return err
}

func (p *verifyText) Verdict(v signature.Verdict, _ time.Time) error {
	if !p.out.Shows(okLine(v.Valid)) {
		return nil
	}
	w, pal := p.out.Streams.Out, p.out.Palette
	if v.Valid {
		fmt.Fprintf(w, "%s (%s): %s\n", pal.OK("✔ valid"), v.Scheme, term.Escape(v.Message))
	} else {
		fmt.Fprintf(w, "%s (%s, %s): %s\n", pal.Bad("✘ invalid"), v.Scheme, v.Reason, term.Escape(v.Message))
	}
	if !p.out.Shows(DetailLine) {
		return nil
	}
	for _, h := range v.Hints {
		fmt.Fprintf(w, "%s %s\n", pal.Warn("hint:"), term.Escape(h))
	}
	return nil
}

// orDash is s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (p *verifyText) Checked(rec *capture.Record, v signature.Verdict, _ time.Time) error {
	if !p.out.Shows(okLine(v.Valid)) {
		return nil
	}
	w, pal := p.out.Streams.Out, p.out.Palette
	label := pal.OK("✔ valid")
	if !v.Valid {
		label = pal.Bad("✘ " + string(v.Reason) + ": " + term.Escape(v.Message))
	}
	if err := p.row(rec, label); err != nil {
		return err
	}
	if !p.out.Shows(DetailLine) {
		return nil
	}
	for _, h := range v.Hints {
		fmt.Fprintf(w, "    %s %s\n", pal.Warn("hint:"), term.Escape(h))
	}
	return nil
}

// Unchecked is a failure: a capture that could not be checked.
func (p *verifyText) Unchecked(rec *capture.Record, why error) error {
	return p.row(rec, p.out.Palette.Dim("unchecked: "+term.Escape(why.Error())))
}

func (p *verifyText) Summary(s replay.VerifySummary) {
	if !p.out.Shows(SummaryLine) {
		return
	}
	w := p.out.Streams.Err
	fmt.Fprintf(w, "hooktool: checked %d: %d valid, %d invalid", s.Checked, s.Valid, s.Invalid)
	if s.Unchecked > 0 {
		fmt.Fprintf(w, ", %d unchecked (no scheme)", s.Unchecked)
	}
	fmt.Fprintln(w)
}

type verifyJSON struct{ out Out }

// verdictJSON is the --json form of a verdict.
type verdictJSON struct {
	signature.Verdict
	CheckedAt int64 `json:"checked_at"`
}

func (p verifyJSON) Verdict(v signature.Verdict, at time.Time) error {
	return JSONLine(p.out.Streams.Out, verdictJSON{Verdict: v, CheckedAt: at.Unix()})
}

// checkedJSON is a capture's verdict under --json.
type checkedJSON struct {
	CaptureID string `json:"capture_id"`
	Event     string `json:"event,omitempty"`
	Checked   bool   `json:"checked"`
	signature.Verdict
	CheckedAt int64 `json:"checked_at"`
}

func (p verifyJSON) Checked(rec *capture.Record, v signature.Verdict, at time.Time) error {
	return JSONLine(p.out.Streams.Out, checkedJSON{rec.ID, rec.Event, true, v, at.Unix()})
}

// uncheckedJSON is a capture not checked, under --json (fields in the
// order a map's keys were written before).
type uncheckedJSON struct {
	CaptureID string `json:"capture_id"`
	Checked   bool   `json:"checked"`
	Event     string `json:"event"`
	Reason    string `json:"reason"`
}

func (p verifyJSON) Unchecked(rec *capture.Record, why error) error {
	return JSONLine(p.out.Streams.Out, uncheckedJSON{CaptureID: rec.ID, Event: rec.Event, Reason: why.Error()})
}

// verifySummaryJSON is the summary under --json (fields in the order a
// map's keys were written before).
type verifySummaryJSON struct {
	Checked   int            `json:"checked"`
	Invalid   int            `json:"invalid"`
	InvalidBy map[string]int `json:"invalid_by"`
	Type      string         `json:"type"`
	Unchecked int            `json:"unchecked"`
	Valid     int            `json:"valid"`
}

func (p verifyJSON) Summary(s replay.VerifySummary) {
	by := s.InvalidBy
	if by == nil {
		by = map[string]int{}
	}
	_ = JSONLine(p.out.Streams.Err, verifySummaryJSON{Checked: s.Checked, Invalid: s.Invalid, InvalidBy: by, Type: "summary", Unchecked: s.Unchecked, Valid: s.Valid})
}

// Detected prints a line per candidate, then which one is checked.
func (p *verifyText) Detected(cands []catalog.Candidate, checked *catalog.Candidate, endpoint string) error {
	w := p.out.Streams.Out
	for _, c := range cands {
		if _, err := fmt.Fprintf(w, "detected: %s (%s scheme, %s)\n", term.Escape(c.Provider.ID), c.Scheme.Name(), term.Escape(c.Header)); err != nil {
			return err
		}
	}
	if checked == nil {
		return nil
	}
	line := "checking as " + term.Escape(checked.Provider.ID)
	if endpoint != "" {
		line += " with the secret of endpoint " + term.Escape(endpoint)
	}
	_, err := fmt.Fprintln(w, line)
	return err
}

// detectedJSON is verify --detect's line under --json.
type detectedJSON struct {
	Detected  []candidateJSON `json:"detected"`
	CheckedAs string          `json:"checked_as,omitempty"`
	Endpoint  string          `json:"endpoint,omitempty"`
}

type candidateJSON struct {
	Provider string `json:"provider"`
	Scheme   string `json:"scheme"`
	Header   string `json:"header"`
}

func (p verifyJSON) Detected(cands []catalog.Candidate, checked *catalog.Candidate, endpoint string) error {
	out := detectedJSON{Detected: []candidateJSON{}, Endpoint: endpoint}
	for _, c := range cands {
		out.Detected = append(out.Detected, candidateJSON{c.Provider.ID, c.Scheme.Name(), c.Header})
	}
	if checked != nil {
		out.CheckedAs = checked.Provider.ID
	}
	return JSONLine(p.out.Streams.Out, out)
}
