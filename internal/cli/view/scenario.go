package view

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/scenario"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

// ScenarioList prints `scenario list`.
type ScenarioList interface {
	List([]*scenario.Scenario) error
}

// NewScenarioList returns the text or JSON printer out asks for.
func NewScenarioList(out Out) ScenarioList {
	if out.JSON {
		return scenarioListJSON{out}
	}
	return scenarioListText{out}
}

type scenarioListText struct{ out Out }

func (v scenarioListText) List(list []*scenario.Scenario) error {
	tab := NewTable(v.out.Streams.Out, v.out.Palette, "SCENARIO", "STEPS", "DESCRIPTION")
	for _, s := range list {
		// A scenario file is the user's, or anyone's they copied it from.
		tab.Row(term.Escape(s.ID), term.Escape(strings.Join(stepEvents(s), " → ")), term.Escape(s.Description))
	}
	return tab.Flush()
}

type scenarioListJSON struct{ out Out }

// scenarioLine is a scenario under --json (fields in the order of their
// names, as they have always been written).
type scenarioLine struct {
	Description string   `json:"description"`
	File        string   `json:"file"`
	ID          string   `json:"id"`
	Provider    string   `json:"provider"`
	Steps       []string `json:"steps"`
}

func (v scenarioListJSON) List(list []*scenario.Scenario) error {
	for _, s := range list {
		if err := JSONLine(v.out.Streams.Out, scenarioLine{Description: s.Description, File: s.File, ID: s.ID, Provider: s.Provider, Steps: stepEvents(s)}); err != nil {
			return err
		}
	}
	return nil
}

func stepEvents(s *scenario.Scenario) []string {
	var events []string
	for _, st := range s.Steps {
		events = append(events, st.Event)
	}
	return events
}

// ScenarioRun prints `scenario run` as it goes: what is about to be sent,
// each delivery and probe as it ends (Delivery is safe from many
// goroutines), then the totals.
type ScenarioRun interface {
	// Start says what is about to be sent; idempotency, that the run is an
	// idempotency check.
	Start(s *scenario.Scenario, target string, steps []scenario.Rendered, o scenario.Options, idempotency bool)
	// Note is a line about the run (how retries go).
	Note(string)
	Delivery(scenario.Result)
	Probe(scenario.ProbeResult)
	// Reset and Answer are an idempotency check's resets, and each probe's
	// comparison of its two answers.
	Reset(scenario.ProbeResult)
	Answer(scenario.AnswerDiff)
	Summary(*scenario.Report)
}

// NewScenarioRun returns the text or JSON printer out asks for, for a run
// of scenario id.
func NewScenarioRun(out Out, id string, red *signature.Redactor) ScenarioRun {
	if out.JSON {
		return &scenarioRunJSON{out: out, id: id, red: red}
	}
	return &scenarioRunText{out: out, id: id, red: red, hinted: map[string]bool{}}
}

// The app's answers and errors may echo the secret the deliveries were
// signed with: red hides it (before any cut) wherever they are printed.
type scenarioRunText struct {
	out    Out
	id     string
	red    *signature.Redactor
	mu     sync.Mutex
	hinted map[string]bool
}

func (v *scenarioRunText) Start(s *scenario.Scenario, target string, steps []scenario.Rendered, o scenario.Options, idempotency bool) {
	if !v.out.Shows(ProgressLine) {
		return
	}
	w := v.out.Streams.Err
	fmt.Fprintf(w, "hooktool: scenario %s → %s: %s", term.Escape(s.ID), target, term.Escape(strings.Join(o.Names(steps), " → ")))
	switch {
	case o.Shuffle:
		fmt.Fprintf(w, " (shuffled, --seed %d)", o.Seed)
	case o.Jitter > 0:
		fmt.Fprintf(w, " (jitter up to %s, --seed %d)", o.Jitter, o.Seed)
	}
	fmt.Fprintln(w)
	if idempotency {
		fmt.Fprintln(w, "hooktool: idempotency check: run 1 sends the flow once in order, run 2 the same deliveries with the disorders; the probes must answer the same after both")
	}
}

func (v *scenarioRunText) Note(s string) {
	if v.out.Shows(ProgressLine) {
		fmt.Fprintf(v.out.Streams.Err, "hooktool: %s\n", term.Escape(s))
	}
}

func (v *scenarioRunText) Reset(pr scenario.ProbeResult) {
	if !v.out.Shows(okLine(pr.OK())) {
		return
	}
	p := v.out.Palette
	status := p.OK(fmt.Sprintf("✔ %d", pr.Status))
	if !pr.OK() {
		status = p.Bad("✘ " + v.probeProblem(pr))
	}
	fmt.Fprintf(v.out.Streams.Out, "reset %s %s  %s\n", term.Escape(pr.Probe.Method), term.Escape(pr.Probe.URL), status)
	v.hint(pr.Err)
}

// hint prints the hint of a request that got no answer (a delivery, a
// probe, a reset), once per run whatever how many had it.
func (v *scenarioRunText) hint(err error) {
	de, ok := err.(*delivery.Error)
	if !ok || de.Hint == "" || !v.out.Shows(DetailLine) {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.hinted[de.Hint] {
		return
	}
	v.hinted[de.Hint] = true
	fmt.Fprintf(v.out.Streams.Err, "hooktool: hint: %s\n", term.Escape(de.Hint))
}

// The terminal's account of a receiver's answers is bounded, however
// large they are (a probe's answer is read up to a megabyte): the first
// maxShownDifferences differences, each line (and a failed probe's
// problem) cut at maxShownLine runes. --json keeps them whole.
const (
	maxShownDifferences = 20
	maxShownLine        = 200
)

// shownDifferences are the lines of a comparison as the terminal shows
// them: the first ones, cut and escaped, then how many more there are.
func shownDifferences(lines []string) []string {
	out := make([]string, 0, min(len(lines), maxShownDifferences)+1)
	for _, l := range lines[:min(len(lines), maxShownDifferences)] {
		out = append(out, term.Escape(cutRunes(l, maxShownLine)))
	}
	if more := len(lines) - maxShownDifferences; more > 0 {
		out = append(out, fmt.Sprintf("… and %d more differences (--json lists them all)", more))
	}
	return out
}

// cutRunes is s cut after max runes, "…" marking the cut.
func cutRunes(s string, max int) string {
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// probeProblem is why a probe failed, as the terminal shows it: cut and
// escaped (its value may be the receiver's megabyte).
func (v *scenarioRunText) probeProblem(pr scenario.ProbeResult) string {
	return term.Escape(cutRunes(v.red.Text(scenario.ProbeProblem(pr)), maxShownLine))
}

// Answer prints a probe's comparison, and each difference under it (the
// receiver's keys and values, escaped).
func (v *scenarioRunText) Answer(a scenario.AnswerDiff) {
	if !v.out.Shows(okLine(a.Same())) {
		return
	}
	p := v.out.Palette
	w := v.out.Streams.Out
	head := fmt.Sprintf("idempotency %s %s  ", term.Escape(a.Probe.Method), term.Escape(a.Probe.URL))
	if a.Same() {
		fmt.Fprintln(w, head+p.OK("✔ the same answer after both runs"))
		return
	}
	// An error may quote a URL and its query, the bodies anything: the
	// secret hidden as in the deliveries' lines, before any cut.
	problem := v.red.Text(a.Problem())
	if a.Err == nil {
		problem += ":"
	}
	lines := a.Lines()
	for i, l := range lines {
		lines[i] = v.red.Text(l)
	}
	lines = shownDifferences(lines)
	if !v.out.Shows(DetailLine) {
		// --quiet: the differences on the failure's one line.
		fmt.Fprintln(w, head+p.Bad(strings.TrimSpace("✘ "+term.Escape(problem)+" "+strings.Join(lines, "; "))))
		return
	}
	fmt.Fprintln(w, head+p.Bad("✘ "+term.Escape(problem)))
	for _, line := range lines {
		fmt.Fprintln(w, "  "+line)
	}
	if a.Body {
		fmt.Fprintln(w, "  "+p.Dim("before: "+Preview([]byte(v.red.Text(string(a.Bodies[0]))), 60)))
		fmt.Fprintln(w, "  "+p.Dim("after:  "+Preview([]byte(v.red.Text(string(a.Bodies[1]))), 60)))
	}
}

func (v *scenarioRunText) Delivery(res scenario.Result) {
	if !v.out.Shows(okLine(res.OK)) {
		return
	}
	v.mu.Lock()
	d, a, p := res.Delivery, res.Attempt, v.out.Palette
	st := d.Rendered.Step
	// Step names and events come from a scenario file, the answer from the
	// receiver: escaped, so neither can rewrite the line.
	label := fmt.Sprintf("%s %s", term.Escape(st.Name), p.Dim(term.Escape(st.Event)))
	if d.Copy > 1 || d.Phase == "storm" {
		label += p.Dim(fmt.Sprintf(" #%d", d.Copy))
	}
	if d.Phase == "storm" {
		label = p.Dim(fmt.Sprintf("[storm %d] ", d.Round)) + label
	}
	if d.Run > 0 {
		label = p.Dim(fmt.Sprintf("[run %d] ", d.Run)) + label
	}
	var status string
	switch {
	case a.Err != nil:
		status = p.Bad("✘ " + term.Escape(v.red.Text(a.Err.Error())))
	case res.OK:
		status = p.OK(fmt.Sprintf("✔ %d", a.Status))
	default:
		status = p.Bad(fmt.Sprintf("✘ %d (expected %s)", a.Status, st.Expect))
	}
	if a.Number > 1 {
		status += p.Dim(fmt.Sprintf(" (attempt %d)", a.Number))
	}
	line := fmt.Sprintf("%s  %s  %s", label, status, Latency(a.Latency))
	if a.Err == nil && len(a.Body) > 0 {
		line += "  " + p.Dim(Preview([]byte(v.red.Text(string(a.Body))), 50))
	}
	fmt.Fprintln(v.out.Streams.Out, line)
	v.mu.Unlock()
	v.hint(a.Err)
}

func (v *scenarioRunText) Probe(pr scenario.ProbeResult) {
	if !v.out.Shows(okLine(pr.OK())) {
		return
	}
	p := v.out.Palette
	status := p.OK("✔ held")
	if !pr.OK() {
		status = p.Bad("✘ " + v.probeProblem(pr))
	}
	run := ""
	if pr.Run > 0 {
		run = p.Dim(fmt.Sprintf("[run %d] ", pr.Run))
	}
	fmt.Fprintf(v.out.Streams.Out, "%sprobe %s %s  %s\n", run, term.Escape(pr.Probe.Method), term.Escape(pr.Probe.URL), status)
	v.hint(pr.Err)
}

func (v *scenarioRunText) Summary(r *scenario.Report) {
	if !v.out.Shows(SummaryLine) {
		return
	}
	w, n, bad := v.out.Streams.Err, len(r.Results), r.Failed()
	their := "their"
	if n == 1 {
		their = "its" // 1 delivery, 1 met its expectation
	}
	fmt.Fprintf(w, "hooktool: %s: %s, %d met %s expectation", term.Escape(v.id), Plural(n, "delivery", "deliveries"), n-bad, their)
	if len(r.Probes) > 0 {
		fmt.Fprintf(w, "; %d of %d probes held", len(r.Probes)-r.ProbesFailed(), len(r.Probes))
	}
	if i := r.Idempotency; i != nil {
		if n := i.ResetsFailed(); n > 0 {
			fmt.Fprintf(w, "; %d of %d resets failed", n, len(i.Resets))
		}
		if n := i.Changed(); n > 0 {
			fmt.Fprintf(w, "; not idempotent: %d of %d answers changed", n, len(i.Answers))
		} else {
			fmt.Fprintf(w, "; idempotent: %d of %d answers the same", len(i.Answers), len(i.Answers))
		}
	}
	fmt.Fprintf(w, " (%s)\n", r.Elapsed.Round(time.Millisecond))
}

// The JSON lines of a run: fields in the order of their names, as they
// have always been written. One rule for what a line holds: a list is
// always there, empty when it has nothing (a probe that held has
// "failed":[]); any other field that does not apply is left out (no
// "status" when no answer came, no "seed" when nothing was drawn from
// one, no "resets" outside an idempotency check).
type (
	deliveryLine struct {
		Attempts  int           `json:"attempts,omitempty"` // when retried
		Copy      int           `json:"copy"`
		Error     string        `json:"error,omitempty"`
		ErrorKind delivery.Kind `json:"error_kind,omitempty"`
		Event     string        `json:"event"`
		Expect    string        `json:"expect"`
		Hint      string        `json:"hint,omitempty"`
		LatencyMS float64       `json:"latency_ms"`
		OK        bool          `json:"ok"`
		Phase     string        `json:"phase"`
		Round     int           `json:"round,omitempty"`
		Run       int           `json:"run,omitempty"`
		Scenario  string        `json:"scenario"`
		Status    int           `json:"status,omitempty"` // when an answer came
		Step      string        `json:"step"`
		Type      string        `json:"type"`
	}
	probeLine struct {
		Error     string        `json:"error,omitempty"`
		ErrorKind delivery.Kind `json:"error_kind,omitempty"`
		Failed    []string      `json:"failed"`
		Got       []string      `json:"got"`
		Hint      string        `json:"hint,omitempty"`
		Method    string        `json:"method"`
		OK        bool          `json:"ok"`
		Run       int           `json:"run,omitempty"`
		Scenario  string        `json:"scenario"`
		Status    int           `json:"status,omitempty"`
		Type      string        `json:"type"`
		URL       string        `json:"url"`
	}
	resetLine struct {
		Error     string        `json:"error,omitempty"`
		ErrorKind delivery.Kind `json:"error_kind,omitempty"`
		Hint      string        `json:"hint,omitempty"`
		Method    string        `json:"method"`
		OK        bool          `json:"ok"`
		Scenario  string        `json:"scenario"`
		Status    int           `json:"status,omitempty"`
		Type      string        `json:"type"`
		URL       string        `json:"url"`
	}
	// answerLine is a probe's comparison in an idempotency check; each
	// change's old and new values are the JSON they were.
	answerLine struct {
		BodyDiffers bool         `json:"body_differs,omitempty"`
		Changes     []changeLine `json:"changes"`
		Error       string       `json:"error,omitempty"`
		Method      string       `json:"method"`
		OK          bool         `json:"ok"`
		Scenario    string       `json:"scenario"`
		Status      [2]int       `json:"status"`
		Type        string       `json:"type"`
		URL         string       `json:"url"`
	}
	changeLine struct {
		Kind string          `json:"kind"`
		New  json.RawMessage `json:"new,omitempty"`
		Old  json.RawMessage `json:"old,omitempty"`
		Path string          `json:"path"`
	}
	summaryLine struct {
		Deliveries   int     `json:"deliveries"`
		ElapsedMS    int64   `json:"elapsed_ms"`
		Failed       int     `json:"failed"`
		Idempotent   *bool   `json:"idempotent,omitempty"`
		Probes       int     `json:"probes"`
		ProbesFailed int     `json:"probes_failed"`
		Resets       *int    `json:"resets,omitempty"`
		ResetsFailed *int    `json:"resets_failed,omitempty"`
		Scenario     string  `json:"scenario"`
		Seed         *uint64 `json:"seed,omitempty"`
		Type         string  `json:"type"`
	}
)

type scenarioRunJSON struct {
	red *signature.Redactor
	out Out
	id  string
	mu  sync.Mutex
}

// Start and Note say nothing under --json: stdout is the deliveries'
// lines.
func (v *scenarioRunJSON) Start(*scenario.Scenario, string, []scenario.Rendered, scenario.Options, bool) {
}
func (v *scenarioRunJSON) Note(string) {}

func (v *scenarioRunJSON) Reset(pr scenario.ProbeResult) {
	line := resetLine{Method: pr.Probe.Method, OK: pr.OK(), Scenario: v.id, Status: pr.Status, Type: "reset", URL: pr.Probe.URL}
	line.Error, line.ErrorKind, line.Hint = v.failure(pr.Err)
	v.mu.Lock()
	defer v.mu.Unlock()
	_ = JSONLine(v.out.Streams.Out, line)
}

func (v *scenarioRunJSON) Answer(a scenario.AnswerDiff) {
	line := answerLine{BodyDiffers: a.Body, Changes: []changeLine{}, Method: a.Probe.Method, OK: a.Same(), Scenario: v.id,
		Status: a.Status, Type: "idempotency", URL: a.Probe.URL}
	for _, c := range a.Changes {
		line.Changes = append(line.Changes, changeLine{Kind: string(c.Kind), New: v.redactedJSON(c.New), Old: v.redactedJSON(c.Old), Path: v.red.Text(c.Path.String())})
	}
	if a.Err != nil {
		line.Error = v.red.Text(a.Err.Error())
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	_ = JSONLine(v.out.Streams.Out, line)
}

// redactedJSON is a JSON value of the receiver's with the secrets hidden:
// still JSON when they were inside strings, else the text as a string.
func (v *scenarioRunJSON) redactedJSON(raw []byte) json.RawMessage {
	text := v.red.Text(string(raw))
	switch {
	case text == string(raw):
		return raw
	case json.Valid([]byte(text)):
		return json.RawMessage(text)
	}
	b, _ := json.Marshal(text)
	return b
}

func (v *scenarioRunJSON) Delivery(res scenario.Result) {
	d, a := res.Delivery, res.Attempt
	st := d.Rendered.Step
	line := deliveryLine{Copy: d.Copy, Event: st.Event, Expect: st.Expect.String(), LatencyMS: float64(a.Latency.Microseconds()) / 1000,
		OK: res.OK, Phase: d.Phase, Round: d.Round, Run: d.Run, Scenario: v.id, Status: a.Status, Step: st.Name, Type: "delivery"}
	if a.Number > 1 {
		line.Attempts = a.Number
	}
	line.Error, line.ErrorKind, line.Hint = v.failure(a.Err)
	v.mu.Lock()
	defer v.mu.Unlock()
	_ = JSONLine(v.out.Streams.Out, line)
}

// failure is a request's failure under --json: its message (secrets
// hidden), and for one that got no answer its kind and hint (a
// *delivery.Error, as internal/delivery classifies it).
func (v *scenarioRunJSON) failure(err error) (msg string, kind delivery.Kind, hint string) {
	if err == nil {
		return "", "", ""
	}
	if de, ok := err.(*delivery.Error); ok {
		kind, hint = de.Kind, de.Hint
	}
	return v.red.Text(err.Error()), kind, hint
}

func (v *scenarioRunJSON) Probe(pr scenario.ProbeResult) {
	got := make([]string, len(pr.Got))
	for i, g := range pr.Got {
		got[i] = v.red.Text(g)
	}
	failed := append([]string{}, pr.Failed...)
	line := probeLine{Failed: failed, Got: got, Method: pr.Probe.Method, OK: pr.OK(), Run: pr.Run, Scenario: v.id, Status: pr.Status, Type: "probe", URL: pr.Probe.URL}
	line.Error, line.ErrorKind, line.Hint = v.failure(pr.Err)
	v.mu.Lock()
	defer v.mu.Unlock()
	_ = JSONLine(v.out.Streams.Out, line)
}

func (v *scenarioRunJSON) Summary(r *scenario.Report) {
	line := summaryLine{Deliveries: len(r.Results), ElapsedMS: r.Elapsed.Milliseconds(), Failed: r.Failed(),
		Probes: len(r.Probes), ProbesFailed: r.ProbesFailed(), Scenario: v.id, Type: "summary"}
	if r.Seeded {
		line.Seed = &r.Seed
	}
	if i := r.Idempotency; i != nil {
		idempotent, resets, failed := i.Changed() == 0, len(i.Resets), i.ResetsFailed()
		line.Idempotent, line.Resets, line.ResetsFailed = &idempotent, &resets, &failed
	}
	_ = JSONLine(v.out.Streams.Err, line)
}
