package view

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/export"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/listener"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

// ListenReady is what `listen` says once it is ready.
type ListenReady struct {
	URL string
	// Save is the --save file, ForwardTo the app's URL; "" when not.
	Save, ForwardTo string
	// Routes are the route table (--route, routes:), Mirrors the --mirror
	// targets, in order.
	Routes, Mirrors []ListenTarget
	// Unsigned says why deliveries are not verified; when it is "",
	// Scheme verifies them, with Provider's profile if not "".
	Unsigned         string
	Scheme, Provider string
	// PublicURL is the tunnel's (--tunnel), "" without one; WebhookURL and
	// CallbackURL are the endpoint's URLs under it, to paste ("" when the
	// endpoint names none).
	PublicURL, WebhookURL, CallbackURL string
}

// ListenTarget is a route or a mirror: what it takes (Match as written; ""
// for a mirror of every delivery) and where it sends.
type ListenTarget struct {
	Match string `json:"match,omitempty"`
	URL   string `json:"url"`
}

// ListenSummary is what `listen` tells when it stops.
type ListenSummary struct {
	listener.Stats
	// Save is the --save file, "" when not saving.
	Save string
	// File, when not nil, says the --save file was deleted or moved while
	// listening: not every delivery kept is in it now.
	File *ListenFile
}

// ListenFile is what became of a --save file deleted or moved while
// listening (capture.Writer's InFile, Recreated and Lost).
type ListenFile struct {
	InFile    int64
	Recreated int
	Lost      int64
}

// ListenAppFailures are the deliveries the --forward-to app did not
// answer 2xx at their last attempt (--expect-app-2xx).
type ListenAppFailures struct {
	Failures []listener.AppFailure
	// Untold more failed but were not remembered in detail.
	Untold int
	// Distinct is how many distinct deliveries came.
	Distinct int
	// Save is the --save file, "" when not saving.
	Save string
}

// ListenSettings are what the listen printer needs besides Out.
type ListenSettings struct {
	// Verbose also shows each delivery's headers and body.
	Verbose bool
	// Redact hides secrets in the headers shown and in forward errors
	// (which may quote the forward URL, and so the query's secret).
	Redact *signature.Redactor
}

// ListenPrinter shows what `listen` does: that it is ready, each delivery
// as it comes (problems once, not once per delivery), and a summary. Its
// methods may be called from many goroutines.
type ListenPrinter interface {
	Ready(ListenReady) error
	Delivery(listener.Delivery)
	Summary(ListenSummary)
	// AppFailures is the --expect-app-2xx failure: an error, and which
	// deliveries failed (told with --quiet too).
	AppFailures(ListenAppFailures)
}

// NewListenPrinter returns the printer for out: JSON lines, else text for
// people (with --quiet, a line for each delivery that failed and the
// errors).
func NewListenPrinter(out Out, s ListenSettings) ListenPrinter {
	if out.JSON {
		return &listenJSON{out: out, s: s}
	}
	return &listenText{out: out, s: s}
}

// listenProblem is a problem a delivery met, with what to do about it, and
// the key it is said once by (OnceKey: its kind and target, not its text).
type listenProblem struct{ key, msg, hint string }

func listenProblems(d listener.Delivery, redact *signature.Redactor) []listenProblem {
	var out []listenProblem
	if d.SaveErr != nil {
		out = append(out, listenProblem{"capture", "capture: " + d.SaveErr.Error(), "the sender got 503 and will retry; free space or fix the file's permissions"})
	}
	if e := d.ForwardErr; e != nil {
		hint := e.Hint
		var untrusted *tls.CertificateVerificationError
		switch {
		case e.Kind == delivery.KindTimeout:
			hint = "raise --forward-timeout, or check the app is not stuck on the request"
		case errors.As(e, &untrusted):
			hint = "for a local app with a self-signed certificate, pass --forward-insecure"
		}
		target := ""
		if d.Record != nil && d.Record.Forward != nil {
			target = d.Record.Forward.URL
		}
		out = append(out, listenProblem{OnceKey("forward", string(e.Kind), target), "forward: " + redact.Text(e.Error()), hint})
	}
	if d.Record != nil {
		for _, m := range d.Record.Mirrors {
			if m.Error != "" {
				// Recorded redacted already.
				hint := "a mirror's answer is only recorded: the sender is answered as without it"
				// Only the recorded text is left of a mirror's error: an
				// untrusted certificate is delivery's "is not trusted".
				if m.ErrorKind == string(delivery.KindTLS) && strings.Contains(m.Error, "is not trusted") {
					hint = "for a local mirror with a self-signed certificate, pass --forward-insecure (it covers --mirror too)"
				}
				out = append(out, listenProblem{OnceKey("mirror", m.ErrorKind, m.URL), "mirror: " + m.Error, hint})
			}
		}
	}
	return out
}

// untoldMessage says how many problems were not said as warnings once the
// printer's memory of those said was full (Once).
func untoldMessage(n int) string {
	return fmt.Sprintf("%s not said here, past the first %d kinds: each delivery's line shows its own", Plural(n, "other problem was", "other problems were"), MaxOnce)
}

// appFailuresMessage is the --expect-app-2xx error.
func appFailuresMessage(f ListenAppFailures) string {
	return fmt.Sprintf("the app did not answer 2xx to the last attempt of %d of %s (--expect-app-2xx)",
		len(f.Failures)+f.Untold, Plural(max(f.Distinct, len(f.Failures)+f.Untold), "delivery", "deliveries"))
}

// VerdictText is how a verdict reads for people: "unsigned" for none,
// "not checked (no secret)" for a signature that was not checked for want
// of a secret, else its Label.
func VerdictText(v *signature.Verdict) string {
	if v != nil && v.Reason == signature.ReasonNoSecret {
		return "not checked (no secret)"
	}
	return v.Label()
}

// shown says whether a delivery is shown: refusals are, and deliveries
// matching --events (the others are kept, not shown).
func shown(d listener.Delivery) bool { return d.Refused != "" || d.Record.Matched }

// eventCounts names the deliveries without an event type "(none)".
func eventCounts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, n := range m {
		if k == "" {
			k = "(none)"
		}
		out[k] += n
	}
	return out
}

// ---- JSON ------------------------------------------------------------------

type listenJSON struct {
	out  Out
	s    ListenSettings
	mu   sync.Mutex
	said Once // the problems said
}

// The fields of these lines are in the order of their names, as they were
// when written from maps.
type listenReadyJSON struct {
	CallbackURL string         `json:"callback_url,omitempty"`
	ForwardTo   string         `json:"forward_to"`
	Mirrors     []ListenTarget `json:"mirrors,omitempty"`
	PublicURL   string         `json:"public_url,omitempty"`
	Routes      []ListenTarget `json:"routes,omitempty"`
	Save        string         `json:"save"`
	Type        string         `json:"type"`
	URL         string         `json:"url"`
	Verifying   bool           `json:"verifying"`
	WebhookURL  string         `json:"webhook_url,omitempty"`
}

type listenSummaryJSON struct {
	ByAnswer  map[int]int    `json:"by_answer"`
	ByEvent   map[string]int `json:"by_event"`
	ByVerdict map[string]int `json:"by_verdict"`
	InFile    *int64         `json:"in_file,omitempty"`
	Kept      int            `json:"kept"`
	Lost      *int64         `json:"lost,omitempty"`
	Received  int            `json:"received"`
	Recreated *int           `json:"recreated,omitempty"`
	Refused   int            `json:"refused"`
	Repeats   int            `json:"repeats,omitempty"`
	Type      string         `json:"type"`
}

type listenAppFailuresJSON struct {
	Type       string           `json:"type"`
	Message    string           `json:"message"`
	Deliveries []appFailureJSON `json:"deliveries"`
	Untold     int              `json:"untold,omitempty"`
	Hints      []string         `json:"hints,omitempty"`
	ExitCode   int              `json:"exit_code"`
}

type appFailureJSON struct {
	ID       string `json:"id"`
	FirstID  string `json:"first_id"`
	Event    string `json:"event"`
	Status   int    `json:"status,omitempty"`
	Error    string `json:"error,omitempty"`
	Attempts int    `json:"attempts"`
}

type listenWarningJSON struct {
	Type    string   `json:"type"`
	Message string   `json:"message"`
	Hints   []string `json:"hints,omitempty"`
}

func (p *listenJSON) Ready(r ListenReady) error {
	return JSONLine(p.out.Streams.Err, listenReadyJSON{Type: "ready", URL: r.URL, Save: r.Save, ForwardTo: r.ForwardTo, Routes: r.Routes, Mirrors: r.Mirrors, Verifying: r.Unsigned == "",
		PublicURL: r.PublicURL, WebhookURL: r.WebhookURL, CallbackURL: r.CallbackURL})
}

func (p *listenJSON) Delivery(d listener.Delivery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range listenProblems(d, p.s.Redact) {
		if !p.said.First(pr.key) {
			continue
		}
		m := listenWarningJSON{Type: "warning", Message: pr.msg}
		if pr.hint != "" {
			m.Hints = []string{pr.hint}
		}
		JSONLine(p.out.Streams.Err, m)
	}
	if !shown(d) {
		return
	}
	rec := *d.Record
	rec.Type = "delivery"
	if d.Refused != "" {
		rec.Type = "refused"
	}
	JSONLine(p.out.Streams.Out, &rec)
}

func (p *listenJSON) Summary(s ListenSummary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.said.Untold(); n > 0 {
		JSONLine(p.out.Streams.Err, listenWarningJSON{Type: "warning", Message: untoldMessage(n)})
	}
	j := listenSummaryJSON{
		Type: "summary", Received: s.Received, Kept: s.Kept, Refused: s.Refused, Repeats: s.Repeats,
		ByEvent: eventCounts(s.ByEvent), ByVerdict: s.ByVerdict, ByAnswer: s.ByAnswer,
	}
	if f := s.File; f != nil {
		j.InFile, j.Recreated, j.Lost = &f.InFile, &f.Recreated, &f.Lost
	}
	JSONLine(p.out.Streams.Err, j)
}

func (p *listenJSON) AppFailures(f ListenAppFailures) {
	p.mu.Lock()
	defer p.mu.Unlock()
	j := listenAppFailuresJSON{Type: "error", Message: appFailuresMessage(f), Deliveries: []appFailureJSON{}, Untold: f.Untold, ExitCode: 1}
	for _, a := range f.Failures {
		j.Deliveries = append(j.Deliveries, appFailureJSON{ID: a.ID, FirstID: a.FirstID, Event: a.Event, Status: a.Status, Error: p.s.Redact.Text(a.Error), Attempts: a.Attempts})
	}
	if h := appFailuresHint(f); h != "" {
		j.Hints = []string{h}
	}
	JSONLine(p.out.Streams.Err, j)
}

// appFailuresHint names the command that shows what the app answered; the
// --save path is one shell word in it (export.ShellQuote), whatever it holds.
func appFailuresHint(f ListenAppFailures) string {
	if f.Save == "" {
		return ""
	}
	return "see what the app answered with `hooktool captures show " + export.ShellQuote(f.Save) + " ID`"
}

// ---- text ------------------------------------------------------------------

type listenText struct {
	out  Out
	s    ListenSettings
	mu   sync.Mutex
	said Once // the problems said
}

func (p *listenText) Ready(r ListenReady) error {
	var parts []string
	if r.Unsigned != "" {
		parts = append(parts, "not verifying: "+r.Unsigned)
	} else {
		v := "verifying " + r.Scheme
		if r.Provider != "" {
			v += " (" + r.Provider + ")"
		}
		parts = append(parts, v)
	}
	if r.Save != "" {
		parts = append(parts, "saving to "+r.Save)
	}
	if len(r.Routes) > 0 {
		routes := make([]string, len(r.Routes))
		for i, t := range r.Routes {
			routes[i] = term.Escape(t.Match) + " → " + term.Escape(t.URL)
		}
		parts = append(parts, "routing "+strings.Join(routes, ", "))
	}
	if r.ForwardTo != "" {
		if len(r.Routes) > 0 {
			parts = append(parts, "the rest to "+r.ForwardTo)
		} else {
			parts = append(parts, "forwarding to "+r.ForwardTo)
		}
	}
	for _, m := range r.Mirrors {
		mirror := "mirroring to " + term.Escape(m.URL)
		if m.Match != "" {
			mirror += " (" + term.Escape(m.Match) + ")"
		}
		parts = append(parts, mirror)
	}
	if !p.out.Shows(ProgressLine) {
		return nil
	}
	_, err := fmt.Fprintf(p.out.Streams.Err, "hooktool: listening on %s (%s)\n", r.URL, strings.Join(parts, "; "))
	if err == nil && r.PublicURL != "" {
		err = printPublic(p.out.Streams.Err, r.PublicURL, r.URL, r.WebhookURL, r.CallbackURL)
	}
	return err
}

// printPublic says the tunnel's public URL, and the endpoint's URLs
// under it to paste in the provider's dashboard.
func printPublic(w io.Writer, public, local, webhook, callback string) error {
	_, err := fmt.Fprintf(w, "hooktool: public URL: %s  →  %s\n", term.Escape(public), term.Escape(local))
	if webhook != "" {
		fmt.Fprintf(w, "hooktool:   webhook URL to paste:  %s\n", term.Escape(webhook))
	}
	if callback != "" {
		fmt.Fprintf(w, "hooktool:   callback URL to paste: %s\n", term.Escape(callback))
	}
	return err
}

// listenFailed reports whether a delivery met a failure: it was refused,
// not kept, its signature is invalid, or the app did not take it.
func listenFailed(d listener.Delivery) bool {
	rec := d.Record
	if d.Refused != "" || d.SaveErr != nil || d.ForwardErr != nil {
		return true
	}
	if vd := rec.Verdict; vd.Checked() && !vd.Valid {
		return true
	}
	fw := rec.Forward
	return fw != nil && (fw.Error != "" || fw.Status < 200 || fw.Status > 299)
}

func (p *listenText) Delivery(d listener.Delivery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.out.Streams.Err
	// The problems explain what the delivery's line shows (→ 503, ⇢ app
	// ✘): details, said once each.
	for _, pr := range listenProblems(d, p.s.Redact) {
		if !p.out.Shows(DetailLine) || !p.said.First(pr.key) {
			continue
		}
		// The messages may quote a delivery (an app's error): no control
		// character of theirs reaches the terminal.
		fmt.Fprintf(w, "hooktool: %s %s\n", p.out.ErrPalette.Warn("warning:"), term.Escape(pr.msg))
		if pr.hint != "" {
			fmt.Fprintf(w, "hooktool: hint: %s\n", term.Escape(pr.hint))
		}
	}
	if !shown(d) || !p.out.Shows(okLine(!listenFailed(d))) {
		return
	}
	fmt.Fprintln(p.out.Streams.Out, p.line(d))
	if d.Refused != "" || !p.out.Shows(DetailLine) {
		return
	}
	if p.s.Verbose {
		p.details(d.Record) // every hint, with the headers
		return
	}
	// The first hint at why a signature failed, as verify gives it: the
	// hints may quote the delivery, so they are escaped.
	if vd := d.Record.Verdict; vd != nil && !vd.Valid && len(vd.Hints) > 0 {
		fmt.Fprintf(p.out.Streams.Out, "    %s %s\n", p.out.Palette.Warn("hint:"), term.Escape(vd.Hints[0]))
	}
}

func (p *listenText) line(d listener.Delivery) string {
	rec := d.Record
	c := p.out.Palette
	var b strings.Builder
	b.WriteString(c.Dim(rec.ReceivedAt.Local().Format("15:04:05.000")))
	// Everything from the delivery goes through term.Escape: an ESC
	// sequence in an event type could otherwise rewrite the line.
	// A sender's request line and event type may be a megabyte long: cut
	// as a table's cell is.
	target := rec.Path
	if rec.Query != "" {
		target += "?" + rec.Query
	}
	fmt.Fprintf(&b, "  %s %s", cut(term.Escape(rec.Method), MaxCell), cut(term.Escape(target), MaxCell))
	if rec.Route != "" {
		b.WriteString(" " + c.Dim("["+rec.Route+"]"))
	}
	if d.Refused != "" {
		fmt.Fprintf(&b, "  %s", c.Bad(fmt.Sprintf("✘ refused %d: %s", rec.Answer.Status, term.Escape(d.Refused))))
		return b.String()
	}
	ev := rec.Event
	if ev == "" {
		ev = "-"
	}
	fmt.Fprintf(&b, "  %s", c.Bold(cut(term.Escape(ev), MaxCell)))
	if len(d.Detected) > 0 {
		// The provider the headers point to, and any other they fit.
		from := "from " + rec.Provider
		if others := slices.DeleteFunc(slices.Clone(d.Detected), func(id string) bool { return id == rec.Provider }); len(others) > 0 {
			from += " (or " + strings.Join(others, ", ") + ")"
		}
		b.WriteString("  " + c.Dim(term.Escape(from)))
	}
	switch vd := rec.Verdict; {
	case !vd.Checked():
		b.WriteString("  " + c.Dim(VerdictText(vd)))
	case vd.Valid:
		b.WriteString("  " + c.OK("✔ "+vd.Label()))
	default:
		b.WriteString("  " + c.Bad("✘ "+vd.Label()))
	}
	fmt.Fprintf(&b, "  %s", Size(rec.BodySize))
	status := fmt.Sprintf("→ %d", rec.Answer.Status)
	if rec.Answer.Status >= 200 && rec.Answer.Status < 300 {
		b.WriteString("  " + c.OK(status))
	} else {
		b.WriteString("  " + c.Bad(status))
	}
	if fw := rec.Forward; fw != nil {
		app := "app"
		if fw.Route != "" {
			app = "app (" + term.Escape(fw.Route) + ")"
		}
		if fw.Error != "" {
			b.WriteString("  " + c.Bad("⇢ "+app+" ✘ "+term.Escape(fw.Error)))
		} else {
			fmt.Fprintf(&b, "  ⇢ %s %d %s", app, fw.Status, Latency(time.Duration(fw.LatencyMS*float64(time.Millisecond))))
		}
		var attempts []string
		if n := len(rec.ForwardAttempts); n > 1 {
			before := make([]string, n-1)
			for i, a := range rec.ForwardAttempts[:n-1] {
				if a.Error != "" {
					before[i] = "✘"
				} else {
					before[i] = strconv.Itoa(a.Status)
				}
			}
			attempts = append(attempts, fmt.Sprintf("attempt %d, after %s", n, strings.Join(before, ", ")))
		}
		if d.RetryStopped {
			attempts = append(attempts, "no retry: listen stopped")
		}
		if len(attempts) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(attempts, "; "))
		}
		if fw.Error == "" && fw.Body != "" {
			b.WriteString("  " + c.Dim(Preview([]byte(fw.Body), 40)))
		}
	}
	if d.Unrouted {
		b.WriteString("  " + c.Dim("⇢ no route"))
	}
	for _, m := range rec.Mirrors {
		if m.Error != "" {
			b.WriteString("  " + c.Bad("⇉ mirror ✘ "+m.Kind()))
		} else {
			fmt.Fprintf(&b, "  ⇉ mirror %d %s", m.Status, Latency(time.Duration(m.LatencyMS*float64(time.Millisecond))))
		}
	}
	if rec.RepeatOf != "" {
		b.WriteString("  " + c.Warn("↻ repeat of "+term.Escape(rec.RepeatOf)))
	}
	return b.String()
}

// details prints headers (secret-valued ones redacted) and the body,
// pretty-printed for reading only: the kept bytes are never changed.
func (p *listenText) details(rec *capture.Record) {
	out := p.out.Streams.Out
	c := p.out.Palette
	headers := CaptureHeaders(rec)
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	redacted := p.s.Redact.Shown(headers)
	for _, k := range names {
		fmt.Fprintf(out, "    %s %s\n", c.Dim(term.Escape(k)+":"), term.Escape(redacted[k]))
	}
	if rec.Verdict != nil {
		for _, h := range rec.Verdict.Hints {
			fmt.Fprintf(out, "    %s %s\n", c.Warn("hint:"), term.Escape(h))
		}
	}
	body, _ := rec.Bytes()
	var pretty bytes.Buffer
	switch {
	case len(body) == 0:
		fmt.Fprintln(out, "    "+c.Dim("(empty body)"))
		return
	case json.Indent(&pretty, body, "    ", "  ") == nil:
		body = pretty.Bytes()
	case !utf8.Valid(body):
		fmt.Fprintf(out, "    %s\n", c.Dim(fmt.Sprintf("(%d bytes, binary)", len(body))))
		return
	}
	fmt.Fprintf(out, "    %s\n", term.EscapeText(string(bytes.TrimRight(body, "\r\n"))))
}

func (p *listenText) Summary(s ListenSummary) {
	if !p.out.Shows(SummaryLine) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.out.Streams.Err
	if n := p.said.Untold(); n > 0 && p.out.Shows(DetailLine) {
		fmt.Fprintf(w, "hooktool: %s %s\n", p.out.ErrPalette.Warn("warning:"), untoldMessage(n))
	}
	fmt.Fprintf(w, "hooktool: received %s", Plural(s.Received, "delivery", "deliveries"))
	if s.Repeats > 0 {
		fmt.Fprintf(w, " (%d repeating an earlier one)", s.Repeats)
	}
	if s.Save != "" {
		fmt.Fprintf(w, ", kept %d in %s", s.Kept, s.Save)
		if f := s.File; f != nil {
			if f.Lost > 0 {
				fmt.Fprintf(w, " (%d of them lost: it was deleted or moved and could not be created anew)", f.Lost)
			} else {
				fmt.Fprintf(w, " (%d of them in the file now: it was deleted or moved and created anew)", f.InFile)
			}
		}
	}
	if s.Refused > 0 {
		fmt.Fprintf(w, ", refused %d", s.Refused)
	}
	fmt.Fprintln(w)
	byAnswer := map[string]int{}
	for k, n := range s.ByAnswer {
		byAnswer[strconv.Itoa(k)] = n
	}
	for _, group := range []struct {
		name string
		m    map[string]int
	}{{"by event", eventCounts(s.ByEvent)}, {"by verdict", verdictTexts(s.ByVerdict)}, {"by answer", byAnswer}} {
		if len(group.m) == 0 {
			continue
		}
		keys := make([]string, 0, len(group.m))
		for k := range group.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", term.Escape(k), group.m[k])
		}
		fmt.Fprintf(w, "hooktool:   %s: %s\n", group.name, strings.Join(parts, ", "))
	}
}

// verdictTexts are verdict counts by VerdictText rather than by Label.
func verdictTexts(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, n := range m {
		if k == string(signature.ReasonNoSecret) {
			k = VerdictText(&signature.Verdict{Reason: signature.ReasonNoSecret})
		}
		out[k] += n
	}
	return out
}

func (p *listenText) AppFailures(f ListenAppFailures) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w, c := p.out.Streams.Err, p.out.ErrPalette
	fmt.Fprintf(w, "hooktool: %s %s\n", c.Bad("error:"), appFailuresMessage(f))
	for _, a := range f.Failures {
		answer := fmt.Sprintf("→ app %d", a.Status)
		if a.Error != "" {
			answer = "→ app ✘ " + p.s.Redact.Text(a.Error)
		}
		// The id, event type and error come from the delivery and the
		// app: escaped.
		fmt.Fprintf(w, "hooktool:   %s  %s  %s  (%s)\n", term.Escape(a.ID), term.Escape(orDash(a.Event)), term.Escape(answer), Plural(a.Attempts, "attempt", "attempts"))
	}
	if f.Untold > 0 {
		fmt.Fprintf(w, "hooktool:   and %d more\n", f.Untold)
	}
	if h := appFailuresHint(f); h != "" && p.out.Shows(DetailLine) {
		fmt.Fprintf(w, "hooktool: hint: %s\n", term.Escape(h))
	}
}

// Plural is "1 one" or "N many".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
