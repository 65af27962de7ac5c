package view

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

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
	att := NewAttemptPrinter(out, red, maxAttempts)
	if out.JSON {
		return &replayJSON{out: out, att: att}
	}
	return &replayText{out: out, att: att, progress: term.NewProgress(out.Streams.Err, out.Streams.ErrIsTerminal && !out.Quiet, 0)}
}

// sentOf names a replayed capture for the attempt printer.
func sentOf(d *replay.Delivery) Sent {
	rec := d.Record
	return Sent{Method: rec.Method, Event: rec.Event, Provider: rec.Provider, CaptureID: rec.ID, URL: d.URL, BodyLen: d.BodyLen}
}

type replayText struct {
	out      Out
	att      *AttemptPrinter
	progress *term.Progress
}

func (p *replayText) Attempt(d *replay.Delivery, a delivery.Attempt) {
	p.progress.Clear()
	p.att.Print(sentOf(d), a)
}

func (p *replayText) Done(*replay.Delivery, delivery.Attempt) { p.progress.Step() }

func (p *replayText) Close() { p.progress.Clear() }

func (p *replayText) Summary(s replay.Summary) {
	if p.out.Quiet {
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
	att *AttemptPrinter
}

func (p *replayJSON) Attempt(d *replay.Delivery, a delivery.Attempt) { p.att.Print(sentOf(d), a) }
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

// Sent names what an attempt sent: a capture of replay, or an event of
// trigger. Label is what a text line shows first (default: the capture's id
// and event type).
type Sent struct {
	Method, Event, Provider, CaptureID, Label string
	URL                                       string
	BodyLen                                   int
}

// AttemptPrinter prints delivery attempts: a line each for people (the
// label, the target, the answer, the latency; a hint once per kind on
// stderr) or a JSON object each for scripts. Every byte from the receiver
// or a capture is escaped, and every configured secret redacted.
type AttemptPrinter struct {
	out    Out
	red    *signature.Redactor
	max    int
	hinted map[string]bool
}

// NewAttemptPrinter returns a printer of attempts out of maxAttempts each.
func NewAttemptPrinter(out Out, red *signature.Redactor, maxAttempts int) *AttemptPrinter {
	return &AttemptPrinter{out: out, red: red, max: maxAttempts, hinted: map[string]bool{}}
}

// attemptJSON is one attempt under --json.
type attemptJSON struct {
	Type         string        `json:"type"`
	CaptureID    string        `json:"capture_id,omitempty"`
	Event        string        `json:"event"`
	Provider     string        `json:"provider"`
	URL          string        `json:"url"`
	Attempt      int           `json:"attempt"`
	MaxAttempts  int           `json:"max_attempts"`
	Acknowledged bool          `json:"acknowledged"`
	Status       int           `json:"status,omitempty"`
	LatencyMS    float64       `json:"latency_ms"`
	Request      requestJSON   `json:"request"`
	Response     *responseJSON `json:"response,omitempty"`
	Error        string        `json:"error,omitempty"`
	ErrorKind    delivery.Kind `json:"error_kind,omitempty"`
	Hint         string        `json:"hint,omitempty"`
}

type requestJSON struct {
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	BodyBytes int               `json:"body_bytes"`
}

type responseJSON struct {
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	BodyBase64 []byte            `json:"body_base64,omitempty"`
	Truncated  bool              `json:"truncated,omitempty"`
}

// Print prints attempt a of what s names.
func (p *AttemptPrinter) Print(s Sent, a delivery.Attempt) {
	red := p.red
	// A replay's URL holds the secret put back in its query; an error may
	// quote the URL.
	target := red.URL(s.URL)
	var derr *delivery.Error
	errMsg := ""
	if a.Err != nil {
		derr, _ = a.Err.(*delivery.Error)
		errMsg = red.Text(a.Err.Error())
	}
	hint := ""
	if derr != nil {
		hint = derr.Hint
	} else if a.Status >= 300 && a.Status < 400 {
		to := a.Response.Get("Location")
		if to == "" {
			to = "(no Location header)"
		}
		hint = "redirected to " + to + ": webhooks are not followed through redirects; point --to at the final URL"
	}
	if p.out.JSON {
		method := s.Method
		if method == "" {
			method = http.MethodPost
		}
		j := attemptJSON{
			Type: "delivery", CaptureID: s.CaptureID, Event: s.Event, Provider: s.Provider, URL: target,
			Attempt: a.Number, MaxAttempts: p.max, Acknowledged: a.Acknowledged(), Status: a.Status,
			LatencyMS: ms(a.Latency),
			Request:   requestJSON{Method: method, Headers: red.Shown(a.Header), BodyBytes: s.BodyLen},
			Hint:      hint,
		}
		if a.Err != nil {
			j.Error = errMsg
			if derr != nil {
				j.ErrorKind = derr.Kind
			}
		} else {
			resp := &responseJSON{Status: a.Status, Headers: red.Shown(a.Response), Truncated: a.Truncated}
			if utf8.Valid(a.Body) {
				resp.Body = red.Text(string(a.Body))
			} else {
				resp.BodyBase64 = a.Body
			}
			j.Response = resp
		}
		_ = JSONLine(p.out.Streams.Out, j)
		return
	}
	if p.out.Quiet {
		return
	}
	pal := p.out.Palette
	var status string
	switch {
	case a.Err != nil:
		status = pal.Bad("✘ " + term.Escape(errMsg))
	case a.Acknowledged():
		status = pal.OK(fmt.Sprintf("✔ %d %s", a.Status, http.StatusText(a.Status)))
	default:
		status = pal.Bad(fmt.Sprintf("✘ %d %s", a.Status, http.StatusText(a.Status)))
	}
	prefix := ""
	if p.max > 1 {
		prefix = pal.Dim(fmt.Sprintf("[%d/%d] ", a.Number, p.max))
	}
	label := s.Label
	if label == "" {
		label = s.CaptureID
		if s.Event != "" {
			label += " " + s.Event
		}
	}
	// The label (a capture's id and event type), the target (a capture's
	// path) and the answer are others' bytes: escaped.
	line := fmt.Sprintf("%s%s → %s  %s  %s", prefix, term.Escape(label), term.Escape(target), status, Latency(a.Latency))
	if a.Err == nil && len(a.Body) > 0 {
		line += "  " + pal.Dim(red.Text(Preview(a.Body, 60)))
	}
	fmt.Fprintln(p.out.Streams.Out, line)
	if hint != "" && !p.hinted[hint] {
		p.hinted[hint] = true
		fmt.Fprintf(p.out.Streams.Err, "hooktool: hint: %s\n", term.Escape(hint))
	}
}

// Latency is a duration as people read it: µs under a millisecond, ms
// under ten seconds, then seconds to a tenth.
func Latency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// Preview is the start of a body on one line: runs of white space become
// one space, other control characters are escaped (term.Escape), and a
// binary body is described rather than shown.
func Preview(b []byte, max int) string {
	if !utf8.Valid(b) {
		return fmt.Sprintf("(%d bytes, binary)", len(b))
	}
	s := strings.Join(strings.Fields(string(bytes.TrimSpace(b))), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return term.Escape(s)
}
