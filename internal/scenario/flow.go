package scenario

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
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
	// Keep, when set, sees each delivery as sent (Keeper.Keep keeps it).
	Keep func(*Delivery, delivery.Attempt)
	// Probes ask the receiver about its state after the flow, each within
	// ProbeTimeout; OnProbe sees each outcome.
	Probes       []*Probe
	ProbeTimeout time.Duration
	OnProbe      func(ProbeResult)
}

// Report is what a run did.
type Report struct {
	Scenario *Scenario
	Results  []Result
	Probes   []ProbeResult
	Seed     uint64
	Elapsed  time.Duration
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

// OK reports whether every expectation held.
func (r *Report) OK() bool { return r.Failed()+r.ProbesFailed() == 0 }

// RunFlow sends the rendered steps of s with the disorders asked for, then
// runs the probes, and reports what happened.
func RunFlow(ctx context.Context, s *Scenario, steps []Rendered, o FlowOptions) *Report {
	ids := make([]string, len(steps))
	if o.NewID != nil {
		for i := range ids {
			ids[i] = o.NewID()
		}
	}
	run := o.Options
	run.Send = func(ctx context.Context, d *Delivery) delivery.Attempt {
		h := o.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		body := d.Rendered.Body
		req := delivery.Request{Method: http.MethodPost, URL: o.Target, Header: h, Body: body}
		if o.Sign != nil {
			req.Sign = o.Sign(body, ids[d.Step])
		}
		attempts := o.Client.Send(ctx, req)
		a := attempts[len(attempts)-1]
		if o.Keep != nil {
			o.Keep(d, a)
		}
		return a
	}
	start := time.Now()
	rep := &Report{Scenario: s, Seed: o.Seed}
	rep.Results = Run(ctx, steps, run)
	client := &http.Client{Timeout: o.ProbeTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range o.Probes {
		pr := RunProbe(ctx, client, p)
		if o.OnProbe != nil {
			o.OnProbe(pr)
		}
		rep.Probes = append(rep.Probes, pr)
	}
	rep.Elapsed = time.Since(start)
	return rep
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
	sent := &http.Request{Method: http.MethodPost, URL: k.target, Host: k.target.Host, Proto: "HTTP/1.1", Header: a.Header}
	rec := capture.NewRecord(sent, k.o.Now())
	rec.Provider, rec.Scheme, rec.Event, rec.Matched = k.o.Provider, k.o.Scheme, d.Rendered.Step.Event, true
	rec.Answer = capture.Answer{Status: a.Status}
	if a.Err != nil {
		rec.Answer.Reason = a.Err.Error()
	}
	rec.SetBody(d.Rendered.Body)
	// As listen does: no configured secret is kept (Flutterwave's
	// verif-hash is the secret itself), and header bytes stay exact.
	rec.Redact(k.o.Redactor)
	return rec
}
