package view

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

// ReplayPrinter prints what `replay` does: each attempt (a line, or a JSON
// object on stdout), a progress line on a terminal, and the summary on
// stderr. The engine calls it one call at a time.
type ReplayPrinter interface {
	Attempt(d *replay.Delivery, a delivery.Attempt)
	// Done counts a delivery finished (the progress line).
	Done(d *replay.Delivery, last delivery.Attempt)
	// Close clears the progress line: call it once the sending is over.
	Close()
	Summary(s replay.Summary)
}

// NewReplayPrinter returns out's printer for replay. red keeps secrets out
// of what is shown (a URL whose query had its secret put back, a
// response that echoes one); maxAttempts is 1 + --retry.
func NewReplayPrinter(out Out, red *signature.Redactor, maxAttempts int) ReplayPrinter {
	att := attempts{NewAttemptPrinter(out, red, map[string]bool{}), maxAttempts}
	if out.JSON {
		return &replayJSON{out: out, att: att}
	}
	return &replayText{out: out, att: att, progress: term.NewProgress(out.Streams.Err, out.Streams.ErrIsTerminal && out.Shows(ProgressLine), 0)}
}

// attempts prints a replayed capture's attempts, out of max each.
type attempts struct {
	p   AttemptPrinter
	max int
}

func (a attempts) Print(d *replay.Delivery, at delivery.Attempt) {
	rec := d.Record
	label := rec.ID
	if rec.Event != "" {
		label += " " + rec.Event
	}
	a.p.Attempt(Sent{Method: rec.Method, Event: rec.Event, Provider: rec.Provider, CaptureID: rec.ID, Label: label, URL: d.URL, BodyBytes: d.BodyLen}, at, a.max)
}

type replayText struct {
	out      Out
	att      attempts
	progress *term.Progress
}

func (p *replayText) Attempt(d *replay.Delivery, a delivery.Attempt) {
	p.progress.Clear()
	p.att.Print(d, a)
}

func (p *replayText) Done(*replay.Delivery, delivery.Attempt) { p.progress.Step() }

func (p *replayText) Close() { p.progress.Clear() }

func (p *replayText) Summary(s replay.Summary) {
	if !p.out.Shows(SummaryLine) {
		return
	}
	w := p.out.Streams.Err
	fmt.Fprintf(w, "hooktool: replayed %d: %d acknowledged, %d failed", s.Sent, s.Acknowledged, s.Failed)
	if len(s.FailedBy) > 0 {
		keys := make([]string, 0, len(s.FailedBy))
		for k := range s.FailedBy {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s×%d", k, s.FailedBy[k])
		}
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	if s.Sent > 0 {
		fmt.Fprintf(w, "; latency p50 %s, p95 %s, max %s", Latency(s.Latency.P50), Latency(s.Latency.P95), Latency(s.Latency.Max))
	}
	if s.Stopped {
		fmt.Fprint(w, "; stopped at the first failure (--stop-on-failure): later captures were not sent")
	}
	fmt.Fprintln(w)
}

type replayJSON struct {
	out Out
	att attempts
}

func (p *replayJSON) Attempt(d *replay.Delivery, a delivery.Attempt) { p.att.Print(d, a) }
func (p *replayJSON) Done(*replay.Delivery, delivery.Attempt)        {}
func (p *replayJSON) Close()                                         {}

// replaySummaryJSON is the summary under --json (fields in the order a
// map's keys were written before).
type replaySummaryJSON struct {
	Acknowledged int            `json:"acknowledged"`
	Failed       int            `json:"failed"`
	FailedBy     map[string]int `json:"failed_by"`
	LatencyMS    struct {
		Max float64 `json:"max"`
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
	} `json:"latency_ms"`
	Sent             int    `json:"sent"`
	StoppedOnFailure bool   `json:"stopped_on_failure"`
	Type             string `json:"type"`
}

func (p *replayJSON) Summary(s replay.Summary) {
	j := replaySummaryJSON{Acknowledged: s.Acknowledged, Failed: s.Failed, FailedBy: s.FailedBy, Sent: s.Sent, StoppedOnFailure: s.Stopped, Type: "summary"}
	if j.FailedBy == nil {
		j.FailedBy = map[string]int{}
	}
	j.LatencyMS.Max, j.LatencyMS.P50, j.LatencyMS.P95 = ms(s.Latency.Max), ms(s.Latency.P50), ms(s.Latency.P95)
	_ = JSONLine(p.out.Streams.Err, j)
}

// ms is a duration in milliseconds, to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
