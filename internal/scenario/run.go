package scenario

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/tidwall/gjson"
)

func lookup(bodies map[string][]byte, step, path string) (gjson.Result, error) {
	body, ok := bodies[step]
	if !ok {
		return gjson.Result{}, fmt.Errorf("step %s has no payload yet", step)
	}
	v := gjson.GetBytes(body, path)
	if !v.Exists() {
		return v, fmt.Errorf("steps.%s.%s: the step's payload has no such field", step, path)
	}
	return v, nil
}

// Render builds every step's payload in scenario order: the event's sample
// with fresh values, the step's set/unset edits with references resolved
// against earlier steps, then extra edits for all steps.
func Render(s *Scenario, cat *catalog.Catalog, now time.Time, extra func([]byte) ([]byte, error)) ([]Rendered, error) {
	bodies := map[string][]byte{}
	out := make([]Rendered, 0, len(s.Steps))
	for _, st := range s.Steps {
		provider := st.Provider
		if provider == "" {
			provider = s.Provider
		}
		ev, err := cat.Find(st.Event, provider)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: step %s: %v", s.File, st.Line, st.Name, err)
		}
		body, err := ev.Render(now)
		if err != nil {
			return nil, err
		}
		var edits []catalog.Edit
		for _, a := range st.Set {
			v, err := a.resolve(bodies)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: step %s: set %s: %v", s.File, st.Line, st.Name, a.Path, err)
			}
			edits = append(edits, catalog.Edit{Path: a.Path, Value: v})
		}
		for _, u := range st.Unset {
			edits = append(edits, catalog.Edit{Path: u, Unset: true})
		}
		if body, err = catalog.Apply(body, edits); err != nil {
			return nil, fmt.Errorf("%s:%d: step %s: %v", s.File, st.Line, st.Name, err)
		}
		if extra != nil {
			if body, err = extra(body); err != nil {
				return nil, err
			}
		}
		bodies[st.Name] = body
		out = append(out, Rendered{Step: st, Body: body})
	}
	return out, nil
}

// Options shape a run.
type Options struct {
	// Duplicate sends each delivery this many times (1: once).
	Duplicate int
	// Concurrent races every delivery instead of sending them in order.
	Concurrent bool
	// Shuffle sends steps in a random order drawn from Seed.
	Shuffle bool
	Seed    uint64
	// Jitter waits a random time up to Jitter before each delivery.
	Jitter time.Duration
	// Storm redelivers everything this many more times after the flow, as
	// fast as Rate allows (0: no limit).
	Storm int
	Rate  float64
	// RunNumber marks every delivery of this run (Delivery.Run): 1 or 2 in
	// an idempotency check, else 0.
	RunNumber int
	// Send delivers one payload (signing it afresh) and returns the outcome.
	Send func(ctx context.Context, d *Delivery) delivery.Attempt
	// OnResult sees each delivery's outcome as it ends (from many goroutines
	// when concurrent).
	OnResult func(Result)
}

// Draws says whether the run draws anything from Seed: a shuffled order,
// or jitter.
func (o Options) Draws() bool { return o.Shuffle || o.Jitter > 0 }

// Delivery is one send of a step's payload.
type Delivery struct {
	Rendered *Rendered
	Step     int // index in the scenario
	Copy     int // 1..Duplicate
	Phase    string
	Round    int // storm round, from 1
	Run      int // in an idempotency check, 1 or 2
}

// Result is a delivery's outcome against its step's expectation.
type Result struct {
	Delivery *Delivery
	Attempt  delivery.Attempt
	OK       bool
}

// Order returns the step indices in the order they will be sent.
func (o Options) Order(n int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if o.Shuffle {
		r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
		r.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	return order
}

// Run delivers the rendered steps with the disorders asked for, then the
// storm, and returns every result in the order they ended.
// Bounds on a run, so that no count makes it hold more than this in
// memory or in flight.
const (
	// MaxConcurrent bounds the sends in flight at once when Concurrent.
	MaxConcurrent = 64
	// MaxDuplicate and MaxStorm bound Options.Duplicate and Storm, MaxTimes
	// a step's times.
	MaxDuplicate = 10_000
	MaxStorm     = 10_000
	MaxTimes     = 1_000
	// MaxDeliveries bounds the deliveries of one run, storm included.
	MaxDeliveries = 1_000_000
)

// Deliveries is how many deliveries a run of s makes with duplicate copies
// and storm rounds (the arguments within their Max bounds).
func Deliveries(s *Scenario, duplicate, storm int) int64 {
	var times int64
	for _, st := range s.Steps {
		times += int64(st.Times)
	}
	return times * int64(duplicate) * int64(1+storm)
}

func Run(ctx context.Context, steps []Rendered, o Options) []Result {
	if o.Duplicate < 1 {
		o.Duplicate = 1
	}
	jr := rand.New(rand.NewPCG(o.Seed+1, o.Seed^0x5851f42d4c957f2d))
	var jmu sync.Mutex
	jitter := func() time.Duration {
		if o.Jitter <= 0 {
			return 0
		}
		jmu.Lock()
		defer jmu.Unlock()
		// Uint64N: Jitter+1 overflows an int64 at the largest Duration.
		return time.Duration(jr.Uint64N(uint64(o.Jitter) + 1))
	}
	var mu sync.Mutex
	var results []Result
	send := func(d *Delivery) {
		if ctx.Err() != nil {
			return
		}
		if j := jitter(); j > 0 {
			_ = delivery.Sleep(ctx, j) // cut short when ctx ends, seen before sending
		}
		a := o.Send(ctx, d)
		r := Result{Delivery: d, Attempt: a, OK: a.Err == nil && d.Rendered.Step.Expect.Accepts(a.Status)}
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
		if o.OnResult != nil {
			o.OnResult(r)
		}
	}
	var flow []*Delivery
	for _, i := range o.Order(len(steps)) {
		for t := 0; t < steps[i].Step.Times; t++ {
			for c := 1; c <= o.Duplicate; c++ {
				flow = append(flow, &Delivery{Rendered: &steps[i], Step: i, Copy: c, Phase: "flow", Run: o.RunNumber})
			}
		}
	}
	if o.Concurrent {
		sendPool(ctx, flow, MaxConcurrent, 0, send)
	} else {
		last := -1
		for _, d := range flow {
			if d.Step != last && d.Rendered.Step.Delay > 0 {
				_ = delivery.Sleep(ctx, d.Rendered.Step.Delay)
			}
			last = d.Step
			send(d)
		}
	}
	for round := 1; round <= o.Storm && ctx.Err() == nil; round++ {
		storm := make([]*Delivery, len(flow))
		for i, d := range flow {
			c := *d
			c.Phase, c.Round = "storm", round
			storm[i] = &c
		}
		sendPool(ctx, storm, stormWorkers, o.Rate, send)
	}
	return results
}

// stormWorkers are the storm's sends in flight at once.
const stormWorkers = 8

// sendPool sends ds with at most workers in flight at once (never more
// goroutines than that, however many deliveries), as fast as rate allows
// (0: no limit).
func sendPool(ctx context.Context, ds []*Delivery, workers int, rate float64, send func(*Delivery)) {
	limiter := delivery.NewLimiter(rate)
	jobs := make(chan *Delivery)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(ds)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				send(d)
			}
		}()
	}
	for _, d := range ds {
		if limiter != nil {
			_ = limiter.Wait(ctx) // an error is ctx's, seen just below
		}
		if ctx.Err() != nil {
			break
		}
		jobs <- d
	}
	close(jobs)
	wg.Wait()
}

// ProbeResult is a probe's outcome.
type ProbeResult struct {
	Probe  *Probe
	Status int
	Body   []byte
	// Failed are the conditions that did not hold; Got, for each, the
	// value its path found in the answer as compact JSON ("" for none).
	Failed []string
	Got    []string
	// Err is set when no answer came: a *delivery.Error (its kind and
	// hint) when the request was made.
	Err     error
	Latency time.Duration
	// Run is 1 or 2 in an idempotency check (after which run), else 0.
	Run int
	// Truncated is set when the answer was longer than MaxProbeBody: Body
	// is its beginning.
	Truncated bool
}

// MaxProbeBody is how much of a probe's answer is read.
const MaxProbeBody = 1 << 20

// OK reports whether the probe answered 2xx and every condition held.
func (p ProbeResult) OK() bool {
	return p.Err == nil && p.Status >= 200 && p.Status < 300 && len(p.Failed) == 0
}

// RunProbe asks the receiver and checks the conditions on its JSON answer.
func RunProbe(ctx context.Context, client *http.Client, p *Probe) ProbeResult {
	res := ProbeResult{Probe: p}
	// The attempt's own deadline (client.Timeout's) tells a timeout from
	// ctx's end, as a delivery's does.
	actx := ctx
	if client.Timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, client.Timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(actx, p.Method, p.URL, nil)
	if err != nil {
		res.Err = err
		return res
	}
	start := time.Now()
	resp, err := client.Do(req)
	res.Latency = time.Since(start)
	if err != nil {
		// No answer: told as a delivery's failure is (a *delivery.Error,
		// with its hint).
		res.Err = delivery.Classify(err, req.URL, client.Timeout, ctx, actx)
		return res
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, MaxProbeBody+1))
	if err != nil {
		res.Err = delivery.Classify(err, req.URL, client.Timeout, ctx, actx)
		return res
	}
	if len(res.Body) > MaxProbeBody {
		res.Body, res.Truncated = res.Body[:MaxProbeBody], true
	}
	for _, c := range p.Expect {
		if !c.HoldsOn(res.Body) {
			res.Failed = append(res.Failed, c.String())
			res.Got = append(res.Got, c.FoundIn(res.Body))
		}
	}
	return res
}

// JUnit XML, as CI systems read it: one test case per step (its every
// delivery must meet the expectation) and per probe.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Class   string        `xml:"classname,attr"`
	Name    string        `xml:"name,attr"`
	Time    string        `xml:"time,attr"`
	Failure *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the run as JUnit XML: a test case per step (its every
// delivery, in both runs of an idempotency check), per probe answer, and in
// an idempotency check per reset and per probe's comparison.
//
// The file is a CI artifact, kept and shared: red hides the secrets a
// receiver's answer or an error may echo in each failure.
func WriteJUnit(w io.Writer, r *Report, red *signature.Redactor) error {
	s := r.Scenario
	suite := junitSuite{Name: s.ID, Time: fmt.Sprintf("%.3f", r.Elapsed.Seconds())}
	add := func(c junitCase) {
		if c.Failure != nil {
			suite.Failures++
			c.Failure.Message, c.Failure.Text = red.Text(c.Failure.Message), red.Text(c.Failure.Text)
		}
		suite.Cases = append(suite.Cases, c)
	}
	for i, st := range s.Steps {
		c := junitCase{Class: s.ID, Name: "step " + st.Name + " (" + st.Event + ")"}
		var took time.Duration
		var bad []string
		n := 0
		for _, res := range r.Results {
			if res.Delivery.Step != i {
				continue
			}
			n++
			took += res.Attempt.Latency
			if !res.OK {
				bad = append(bad, describe(res))
			}
		}
		c.Time = fmt.Sprintf("%.3f", took.Seconds())
		switch {
		case n == 0:
			c.Failure = &junitFailure{Message: "not delivered", Text: "not delivered"}
		case len(bad) > 0:
			c.Failure = &junitFailure{Message: fmt.Sprintf("%d of %d deliveries did not meet expect %s", len(bad), n, st.Expect), Text: strings.Join(bad, "\n")}
		}
		add(c)
	}
	var resets []ProbeResult
	if r.Idempotency != nil {
		resets = r.Idempotency.Resets
	}
	for i, p := range resets {
		c := junitCase{Class: s.ID, Name: fmt.Sprintf("reset %s %s (before run %d)", p.Probe.Method, p.Probe.URL, i+1), Time: fmt.Sprintf("%.3f", p.Latency.Seconds())}
		if !p.OK() {
			msg := ProbeProblem(p)
			c.Failure = &junitFailure{Message: msg, Text: string(p.Body)}
		}
		add(c)
	}
	for _, p := range r.Probes {
		c := junitCase{Class: s.ID, Name: "probe " + p.Probe.Method + " " + p.Probe.URL, Time: fmt.Sprintf("%.3f", p.Latency.Seconds())}
		if p.Run > 0 {
			c.Name += fmt.Sprintf(" (after run %d)", p.Run)
		}
		if !p.OK() {
			msg := ProbeProblem(p)
			c.Failure = &junitFailure{Message: msg, Text: string(p.Body)}
		}
		add(c)
	}
	if r.Idempotency != nil {
		for _, a := range r.Idempotency.Answers {
			c := junitCase{Class: s.ID, Name: "idempotency " + a.Probe.Method + " " + a.Probe.URL, Time: "0.000"}
			if !a.Same() {
				c.Failure = &junitFailure{Message: a.Problem(), Text: strings.Join(a.Lines(), "\n")}
			}
			add(c)
		}
	}
	suite.Tests = len(suite.Cases)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func describe(r Result) string {
	d := r.Delivery
	what := fmt.Sprintf("%s copy %d", d.Phase, d.Copy)
	if d.Round > 0 {
		what += fmt.Sprintf(" round %d", d.Round)
	}
	if r.Attempt.Err != nil {
		return what + ": " + r.Attempt.Err.Error()
	}
	return fmt.Sprintf("%s: answered %d, expected %s", what, r.Attempt.Status, d.Rendered.Step.Expect)
}

// ProbeProblem says why a probe failed.
func ProbeProblem(p ProbeResult) string {
	switch {
	case p.Err != nil:
		return p.Err.Error()
	case p.Status < 200 || p.Status > 299:
		return fmt.Sprintf("answered %d", p.Status)
	}
	failed := make([]string, len(p.Failed))
	for i, c := range p.Failed {
		got := "nothing"
		if i < len(p.Got) && p.Got[i] != "" {
			got = p.Got[i]
		}
		failed[i] = c + " (got " + got + ")"
	}
	return "did not hold: " + strings.Join(failed, "; ")
}
