package view

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/scenario"
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
	Start(s *scenario.Scenario, target string, steps []scenario.Rendered, o scenario.Options)
	Delivery(scenario.Result)
	Probe(scenario.ProbeResult)
	Summary(*scenario.Report)
}

// NewScenarioRun returns the text or JSON printer out asks for, for a run
// of scenario id.
func NewScenarioRun(out Out, id string) ScenarioRun {
	if out.JSON {
		return &scenarioRunJSON{out: out, id: id}
	}
	return &scenarioRunText{out: out, id: id, hinted: map[string]bool{}}
}

type scenarioRunText struct {
	out    Out
	id     string
	mu     sync.Mutex
	hinted map[string]bool
}

func (v *scenarioRunText) Start(s *scenario.Scenario, target string, steps []scenario.Rendered, o scenario.Options) {
	if v.out.Quiet {
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
}

func (v *scenarioRunText) Delivery(res scenario.Result) {
	if v.out.Quiet {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
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
	var status string
	switch {
	case a.Err != nil:
		status = p.Bad("✘ " + term.Escape(a.Err.Error()))
	case res.OK:
		status = p.OK(fmt.Sprintf("✔ %d", a.Status))
	default:
		status = p.Bad(fmt.Sprintf("✘ %d (expected %s)", a.Status, st.Expect))
	}
	line := fmt.Sprintf("%s  %s  %s", label, status, Latency(a.Latency))
	if a.Err == nil && len(a.Body) > 0 {
		line += "  " + p.Dim(Preview(a.Body, 50))
	}
	fmt.Fprintln(v.out.Streams.Out, line)
	if de, ok := a.Err.(*delivery.Error); ok && de.Hint != "" && !v.hinted[de.Hint] {
		v.hinted[de.Hint] = true
		fmt.Fprintf(v.out.Streams.Err, "hooktool: hint: %s\n", term.Escape(de.Hint))
	}
}

func (v *scenarioRunText) Probe(pr scenario.ProbeResult) {
	if v.out.Quiet {
		return
	}
	p := v.out.Palette
	status := p.OK("✔ held")
	if !pr.OK() {
		status = p.Bad("✘ " + term.Escape(scenario.ProbeProblem(pr)))
	}
	fmt.Fprintf(v.out.Streams.Out, "probe %s %s  %s\n", term.Escape(pr.Probe.Method), term.Escape(pr.Probe.URL), status)
}

func (v *scenarioRunText) Summary(r *scenario.Report) {
	if v.out.Quiet {
		return
	}
	w, n, bad := v.out.Streams.Err, len(r.Results), r.Failed()
	fmt.Fprintf(w, "hooktool: %s: %d deliveries, %d met their expectation", term.Escape(v.id), n, n-bad)
	if len(r.Probes) > 0 {
		fmt.Fprintf(w, "; %d of %d probes held", len(r.Probes)-r.ProbesFailed(), len(r.Probes))
	}
	fmt.Fprintf(w, " (%s)\n", r.Elapsed.Round(time.Millisecond))
}

// The JSON lines of a run: fields in the order of their names, as they
// have always been written.
type (
	deliveryLine struct {
		Copy      int     `json:"copy"`
		Error     string  `json:"error,omitempty"`
		Event     string  `json:"event"`
		Expect    string  `json:"expect"`
		LatencyMS float64 `json:"latency_ms"`
		OK        bool    `json:"ok"`
		Phase     string  `json:"phase"`
		Round     int     `json:"round,omitempty"`
		Scenario  string  `json:"scenario"`
		Status    int     `json:"status"`
		Step      string  `json:"step"`
		Type      string  `json:"type"`
	}
	probeLine struct {
		Error    string   `json:"error,omitempty"`
		Failed   []string `json:"failed"`
		Method   string   `json:"method"`
		OK       bool     `json:"ok"`
		Scenario string   `json:"scenario"`
		Status   int      `json:"status"`
		Type     string   `json:"type"`
		URL      string   `json:"url"`
	}
	summaryLine struct {
		Deliveries   int    `json:"deliveries"`
		ElapsedMS    int64  `json:"elapsed_ms"`
		Failed       int    `json:"failed"`
		Probes       int    `json:"probes"`
		ProbesFailed int    `json:"probes_failed"`
		Scenario     string `json:"scenario"`
		Seed         uint64 `json:"seed"`
		Type         string `json:"type"`
	}
)

type scenarioRunJSON struct {
	out Out
	id  string
	mu  sync.Mutex
}

// Start says nothing under --json: stdout is the deliveries' lines.
func (v *scenarioRunJSON) Start(*scenario.Scenario, string, []scenario.Rendered, scenario.Options) {}

func (v *scenarioRunJSON) Delivery(res scenario.Result) {
	d, a := res.Delivery, res.Attempt
	st := d.Rendered.Step
	line := deliveryLine{Copy: d.Copy, Event: st.Event, Expect: st.Expect.String(), LatencyMS: float64(a.Latency.Microseconds()) / 1000,
		OK: res.OK, Phase: d.Phase, Round: d.Round, Scenario: v.id, Status: a.Status, Step: st.Name, Type: "delivery"}
	if a.Err != nil {
		line.Error = a.Err.Error()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	_ = JSONLine(v.out.Streams.Out, line)
}

func (v *scenarioRunJSON) Probe(pr scenario.ProbeResult) {
	line := probeLine{Failed: pr.Failed, Method: pr.Probe.Method, OK: pr.OK(), Scenario: v.id, Status: pr.Status, Type: "probe", URL: pr.Probe.URL}
	if pr.Err != nil {
		line.Error = pr.Err.Error()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	_ = JSONLine(v.out.Streams.Out, line)
}

func (v *scenarioRunJSON) Summary(r *scenario.Report) {
	_ = JSONLine(v.out.Streams.Err, summaryLine{Deliveries: len(r.Results), ElapsedMS: r.Elapsed.Milliseconds(), Failed: r.Failed(),
		Probes: len(r.Probes), ProbesFailed: r.ProbesFailed(), Scenario: v.id, Seed: r.Seed, Type: "summary"})
}
