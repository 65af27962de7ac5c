package scenario

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/jsondiff"
	"github.com/hooktool/hooktool/internal/signature"
)

// FlowOptions are a whole run of a scenario against a receiver: the
// disorders (Options), where and how each delivery is sent, what is kept,
// and the probes asked afterwards.
type FlowOptions struct {
	// Options are the disorders. RunFlow makes Send; OnResult sees each
	// delivery's outcome as it ends (from many goroutines when concurrent).
	Options
	// Target is the receiver's URL; Header goes with every delivery.
	Target string
	Header http.Header
	Client *delivery.Client
	// Sign returns the signature headers of body, made afresh at each
	// attempt (a timestamped scheme signs the time of sending); id is the
	// step's message id.
	Sign func(body []byte, id string) func(attempt int) (http.Header, error)
	// NewID gives each step the message id every send of it carries (a
	// redelivery keeps its id); nil when the scheme uses none.
	NewID func() string
	// Keep, when set, sees each delivery as sent, every attempt of it
	// (Keeper.Keep keeps it), with the connection's addresses.
	Keep func(*Delivery, delivery.Attempt)
	// Probes ask the receiver about its state after the flow, each within
	// ProbeTimeout; OnProbe sees each outcome.
	Probes       []*Probe
	ProbeTimeout time.Duration
	OnProbe      func(ProbeResult)
	// Idempotency, when set, makes the run an idempotency check.
	Idempotency *Idempotency
}

// Idempotency is a check that needs no hand-written expectation: reset
// the receiver, send the flow once in order, probe; reset, send the same
// flow again (the same rendered events, ids and bodies, re-signed) with
// the disorders, probe again. The receiver is idempotent when each probe
// answered the same both times (Compare says what "the same" is).
//
// Without a reset the second run redelivers events the receiver has
// already handled: then it must change nothing at all.
type Idempotency struct {
	// Reset, when set, is asked before each run; it must answer 2xx.
	Reset *Probe
	// Ignore are paths of the probes' JSON answers left out of the
	// comparison (a timestamp, a request id).
	Ignore []jsondiff.Path
	// OnReset sees each reset's outcome; OnRun hears that run 1 or 2
	// starts, with the options it is sent with.
	OnReset func(ProbeResult)
	OnRun   func(run int, o Options)
}

// Report is what a run did.
type Report struct {
	Scenario *Scenario
	Results  []Result
	Probes   []ProbeResult
	// Seed is what the order and the jitter were drawn from; Seeded says
	// anything was (Options.Draws).
	Seed    uint64
	Seeded  bool
	Elapsed time.Duration
	// Idempotency is set when the run was an idempotency check: the
	// resets made and each probe's comparison (Results and Probes hold
	// both runs', each marked with its run).
	Idempotency *IdempotencyReport
}

// IdempotencyReport is the outcome of an idempotency check.
type IdempotencyReport struct {
	Resets  []ProbeResult
	Answers []AnswerDiff // one per probe, in the probes' order
}

// ResetsFailed is how many resets did not answer 2xx.
func (r *IdempotencyReport) ResetsFailed() int {
	n := 0
	for _, x := range r.Resets {
		if !x.OK() {
			n++
		}
	}
	return n
}

// Changed is how many probes did not answer the same after both runs.
func (r *IdempotencyReport) Changed() int {
	n := 0
	for _, a := range r.Answers {
		if !a.Same() {
			n++
		}
	}
	return n
}

// Failed is how many deliveries did not meet their step's expectation.
func (r *Report) Failed() int {
	n := 0
	for _, x := range r.Results {
		if !x.OK {
			n++
		}
	}
	return n
}

// ProbesFailed is how many probes did not hold.
func (r *Report) ProbesFailed() int {
	n := 0
	for _, p := range r.Probes {
		if !p.OK() {
			n++
		}
	}
	return n
}

// OK reports whether every expectation held and, in an idempotency
// check, every reset answered 2xx and every probe answered the same.
func (r *Report) OK() bool {
	if i := r.Idempotency; i != nil && i.ResetsFailed()+i.Changed() > 0 {
		return false
	}
	return r.Failed()+r.ProbesFailed() == 0
}

// RunFlow sends the rendered steps of s with the disorders asked for, then
// runs the probes, and reports what happened. With o.Idempotency it runs
// the idempotency check instead (see Idempotency).
func RunFlow(ctx context.Context, s *Scenario, steps []Rendered, o FlowOptions) *Report {
	// Each step's id is drawn once: every copy, retry and (in an
	// idempotency check) second run of it carries the same.
	ids := make([]string, len(steps))
	if o.NewID != nil {
		for i := range ids {
			ids[i] = o.NewID()
		}
	}
	send := func(ctx context.Context, d *Delivery) delivery.Attempt {
		h := o.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		body := d.Rendered.Body
		req := delivery.Request{Method: http.MethodPost, URL: o.Target, Header: h, Body: body}
		if o.Sign != nil {
			req.Sign = o.Sign(body, ids[d.Step])
		}
		if o.Keep != nil {
			// Every attempt is a delivery as sent, retries too.
			req.OnAttempt, req.Addrs = func(a delivery.Attempt) { o.Keep(d, a) }, true
		}
		attempts := o.Client.Send(ctx, req)
		return attempts[len(attempts)-1]
	}
	client := &http.Client{Timeout: o.ProbeTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	probe := func(run int) []ProbeResult {
		var out []ProbeResult
		for _, p := range o.Probes {
			pr := RunProbe(ctx, client, p)
			pr.Run = run
			if o.OnProbe != nil {
				o.OnProbe(pr)
			}
			out = append(out, pr)
		}
		return out
	}
	start := time.Now()
	rep := &Report{Scenario: s, Seed: o.Seed, Seeded: o.Draws()}
	run := o.Options
	run.Send = send
	if o.Idempotency == nil {
		rep.Results = Run(ctx, steps, run)
		rep.Probes = probe(0)
		rep.Elapsed = time.Since(start)
		return rep
	}
	idem := o.Idempotency
	rep.Idempotency = &IdempotencyReport{}
	reset := func() {
		if idem.Reset == nil {
			return
		}
		r := RunProbe(ctx, client, idem.Reset)
		if idem.OnReset != nil {
			idem.OnReset(r)
		}
		rep.Idempotency.Resets = append(rep.Idempotency.Resets, r)
	}
	// Run 1: the flow once, in order, at once, nothing else.
	once := Options{Duplicate: 1, Seed: o.Seed, Send: send, OnResult: o.OnResult, RunNumber: 1}
	reset()
	if idem.OnRun != nil {
		idem.OnRun(1, once)
	}
	rep.Results = Run(ctx, steps, once)
	first := probe(1)
	// Run 2: the same deliveries with the disorders.
	run.RunNumber = 2
	reset()
	if idem.OnRun != nil {
		idem.OnRun(2, run)
	}
	rep.Results = append(rep.Results, Run(ctx, steps, run)...)
	second := probe(2)
	rep.Probes = append(first, second...)
	for i := range o.Probes {
		rep.Idempotency.Answers = append(rep.Idempotency.Answers, CompareAnswers(first[i], second[i], idem.Ignore))
	}
	rep.Elapsed = time.Since(start)
	return rep
}

// AnswerDiff is how a probe's answer after the second run differs from its
// answer after the first.
type AnswerDiff struct {
	Probe *Probe
	// Status is the status of each answer.
	Status [2]int
	// Changes are the differences of two JSON bodies.
	Changes []jsondiff.Change
	// Body is set when a body is not JSON and the bytes differ: then
	// Bodies are the two bodies.
	Body   bool
	Bodies [2][]byte
	// Err is set when a probe got no answer: there was nothing to compare.
	Err error
}

// Same reports whether the two answers were the same.
func (d AnswerDiff) Same() bool {
	return d.Err == nil && d.Status[0] == d.Status[1] && len(d.Changes) == 0 && !d.Body
}

// CompareAnswers compares a probe's two answers. An answer is its status
// and its body: JSON bodies compared by structure (key order, whitespace
// and how numbers and strings are written do not count; paths in ignore
// are left out), any other body byte for byte. Headers do not count
// (Date changes on every answer).
func CompareAnswers(first, second ProbeResult, ignore []jsondiff.Path) AnswerDiff {
	d := AnswerDiff{Probe: first.Probe, Status: [2]int{first.Status, second.Status}}
	switch {
	case first.Err != nil:
		d.Err = fmt.Errorf("no answer after run 1: %w", first.Err)
		return d
	case second.Err != nil:
		d.Err = fmt.Errorf("no answer after run 2: %w", second.Err)
		return d
	case first.Truncated || second.Truncated:
		// Only the beginnings were read: the same beginnings prove nothing.
		d.Err = fmt.Errorf("an answer is longer than %d bytes", MaxProbeBody)
		return d
	}
	changes, err := jsondiff.Compare(first.Body, second.Body, jsondiff.Options{Ignore: ignore})
	if err != nil {
		d.Body = !bytes.Equal(first.Body, second.Body)
		if d.Body {
			d.Bodies = [2][]byte{first.Body, second.Body}
		}
		return d
	}
	d.Changes = changes
	return d
}

// Problem says how the answers differ, in a line ("" when they are the
// same); the changes themselves are in Changes.
func (d AnswerDiff) Problem() string {
	switch {
	case d.Err != nil:
		return "nothing to compare: " + d.Err.Error()
	case d.Same():
		return ""
	}
	return "the answer changed between the runs"
}

// Lines are the differences, one a line: "status: 200 → 500", each JSON
// change ("balance: -10000 → -30000"), or the two bodies' sizes when they
// are not JSON. They hold the receiver's text: escape them for a terminal.
func (d AnswerDiff) Lines() []string {
	if d.Err != nil {
		return nil // Problem says it all
	}
	var out []string
	if d.Status[0] != d.Status[1] {
		out = append(out, fmt.Sprintf("status: %d → %d", d.Status[0], d.Status[1]))
	}
	for _, c := range d.Changes {
		out = append(out, c.String())
	}
	if d.Body {
		out = append(out, fmt.Sprintf("body (not JSON): %d bytes → %d bytes, not the same", len(d.Bodies[0]), len(d.Bodies[1])))
	}
	return out
}

// Names are the steps' names in the order Options will send them.
func (o Options) Names(steps []Rendered) []string {
	order := o.Order(len(steps))
	names := make([]string, len(order))
	for i, idx := range order {
		names[i] = steps[idx].Step.Name
	}
	return names
}

// RandomSeed is a seed for a shuffle or jitter nobody chose.
func RandomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// KeepOptions say where and how deliveries are kept.
type KeepOptions struct {
	Store interface{ Append(*capture.Record) error }
	// Redactor leaves every configured secret out, as listen does
	// (Flutterwave's verif-hash is the secret itself).
	Redactor *signature.Redactor
	// Checker gives each kept delivery the verdict listen would have given
	// it on receipt; nil keeps none ("unsigned").
	Checker *signature.Checker
	// Target is the URL deliveries are sent to; Scheme and Provider name
	// how they are signed and whose events they are.
	Target, Scheme, Provider string
	Now                      func() time.Time
	// OnError hears of a delivery that could not be kept.
	OnError func(error)
}

// Keeper keeps deliveries as sent, in the capture format, so that replay
// can send them again.
type Keeper struct {
	o      KeepOptions
	target *url.URL
}

// NewKeeper returns a Keeper, or why it cannot keep anything.
func NewKeeper(o KeepOptions) (*Keeper, error) {
	if o.Store == nil || o.Redactor == nil || o.Now == nil {
		return nil, errors.New("scenario: a Keeper needs a store, a redactor and a clock")
	}
	u, err := url.Parse(o.Target)
	if err != nil {
		return nil, err
	}
	return &Keeper{o: o, target: u}, nil
}

// Keep keeps one delivery as sent, with its answer.
func (k *Keeper) Keep(d *Delivery, a delivery.Attempt) {
	if err := k.o.Store.Append(k.record(d, a)); err != nil && k.o.OnError != nil {
		k.o.OnError(err)
	}
}

// record is the capture record of a delivery sent.
func (k *Keeper) record(d *Delivery, a delivery.Attempt) *capture.Record {
	sent := &http.Request{Method: http.MethodPost, URL: k.target, Host: k.target.Host, Proto: "HTTP/1.1", Header: a.Header,
		RemoteAddr: a.LocalAddr}
	rec := capture.NewRecord(sent, k.o.Now())
	rec.LocalAddr = a.RemoteAddr
	rec.Provider, rec.Scheme, rec.Event, rec.Matched = k.o.Provider, k.o.Scheme, d.Rendered.Step.Event, true
	rec.Answer = capture.Answer{Status: a.Status}
	if a.Err != nil {
		rec.Answer.Reason = a.Err.Error()
	}
	rec.SetBody(d.Rendered.Body)
	// Checked before the secrets are redacted, as listen checks on receipt.
	rec.Verdict = k.o.Checker.Check(a.Header, d.Rendered.Body, k.o.Target, rec.ReceivedAt)
	// As listen does: no configured secret is kept (Flutterwave's
	// verif-hash is the secret itself), and header bytes stay exact.
	rec.Redact(k.o.Redactor)
	return rec
}
