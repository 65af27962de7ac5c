// Package replay takes kept deliveries back through the wire and through
// the verifier: Run re-sends captures (byte-exact, or re-signed) through a
// bounded worker pool under one rate limit, and Verify checks each capture's
// signature as of its receive time; both resolve a capture's scheme with
// Schemes.
package replay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// MaxConcurrency bounds Options.Concurrency: the workers of the pool.
const MaxConcurrency = 1024

// Source calls each with every capture to use, in order, and stops when
// each returns an error (capture.ErrStop: stop without error), returning it.
type Source func(each func(*capture.Record) error) error

// Options configure a replay.
type Options struct {
	// Source gives the captures to send.
	Source Source
	// Target is where they go.
	Target *Target
	// Header adds headers to every delivery, replacing captured ones of the
	// same name in any case (-H); UnsetHeader takes captured ones out
	// (--unset-header), before Header is added. Neither may name a header
	// httpx.Unsendable refuses (framing, hop-by-hop, invalid): Run refuses
	// them. With re-signing, the signature's headers (Schemes.
	// SignatureHeaders) are made anew whatever these say.
	Header      http.Header
	UnsetHeader []string
	// Client sends.
	Client *delivery.Client
	// Concurrency is how many deliveries are in flight at once, 1 to
	// MaxConcurrency; 1 keeps the captures' order.
	Concurrency int
	// Rate is the most requests per second (0: no limit).
	Rate float64
	// StopOnFailure sends nothing more after a delivery is not acknowledged.
	StopOnFailure bool

	// Secrets are the configured secrets: the first is put back where the
	// listener redacted one (header or query), and signs with Resign.
	Secrets []signature.Secret
	// Resign gives each delivery a new id and timestamp where its scheme
	// has them, and a signature made with Secrets[0] under the scheme
	// Schemes resolves; the old signature's headers are dropped.
	Resign  bool
	Schemes *Schemes
	// Now is the clock of signatures; NewID makes a message id for schemes
	// that sign one. Both are needed with Resign.
	Now   func() time.Time
	NewID func() string

	// Body, when set, makes the body each capture is sent with from its
	// kept bytes: an edit (replay --set, --edit, the inspector's "Edit and
	// resend"; EditBody makes one from field edits). An edited body is
	// always re-signed: with Body set, every delivery is re-signed as with
	// Resign, and Run needs what Resign needs. Its error stops the run as a
	// *CaptureError. Body may be called from several workers at once.
	Body func(rec *capture.Record, body []byte) ([]byte, error)

	// The callbacks are called one at a time (never concurrently), from the
	// workers. Each may be nil.
	//
	// OnDropped: headers of rec that are not sent (a name that is not a
	// token, a value with CR, LF or NUL); framing and hop-by-hop headers
	// are dropped silently.
	OnDropped func(rec *capture.Record, names []string)
	// OnUnrestored: rec had a secret redacted and no secret is configured
	// to put back: it is sent as kept.
	OnUnrestored func(rec *capture.Record)
	// OnAttempt sees every attempt as it ends.
	OnAttempt func(d *Delivery, a delivery.Attempt)
	// OnDone sees every delivery's outcome (its last attempt).
	OnDone func(d *Delivery, last delivery.Attempt)

	// limiter replaces the rate limiter built from Rate (tests).
	limiter waiter
}

// Delivery is one capture being sent.
type Delivery struct {
	Record *capture.Record
	// URL is where it is sent, with any secret put back in its query.
	URL string
	// BodyLen is the body's size in bytes.
	BodyLen int
}

// Summary is what a replay did.
type Summary struct {
	Sent, Acknowledged, Failed int
	// FailedBy counts failures by status code ("500") or error kind
	// ("connection_refused", "timeout", ...). Never nil.
	FailedBy map[string]int
	// Latency of the deliveries' last attempts.
	Latency Percentiles
	// Stopped says StopOnFailure ended the run (false when an error did).
	Stopped bool
}

// Percentiles of latencies (zero with none).
type Percentiles struct{ P50, P95, Max time.Duration }

// CaptureError is a capture that could not be made into a request (a
// body that does not decode, no scheme to re-sign with, a path that would
// leave the target): nothing after it is sent.
type CaptureError struct {
	ID  string
	Err error
}

func (e *CaptureError) Error() string { return fmt.Sprintf("capture %s: %v", e.ID, e.Err) }
func (e *CaptureError) Unwrap() error { return e.Err }

// waiter is the rate limiter's part the pool uses.
type waiter interface{ Wait(context.Context) error }

func (o *Options) check() error {
	switch {
	case o.Source == nil || o.Target == nil || o.Client == nil:
		return errors.New("replay: Source, Target and Client are required")
	case o.Concurrency < 1 || o.Concurrency > MaxConcurrency:
		return fmt.Errorf("replay: concurrency must be 1 to %d", MaxConcurrency)
	case o.resigns() && (o.Schemes == nil || len(o.Secrets) == 0 || o.Now == nil || o.NewID == nil):
		return errors.New("replay: Resign (and an edited Body) needs Schemes, a secret, Now and NewID")
	}
	if err := CheckHeaderEdits(o.Header, o.UnsetHeader); err != nil {
		return err
	}
	return delivery.CheckRate(o.Rate)
}

// CheckHeaderEdits refuses header edits of a re-sent delivery that
// httpx.Unsendable refuses, with its reason: set (Options.Header) and
// unset (Options.UnsetHeader) alike.
func CheckHeaderEdits(set http.Header, unset []string) error {
	h := set.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, name := range unset {
		if _, ok := h[name]; !ok {
			h[name] = []string{""}
		}
	}
	if refused := httpx.Unsendable(h); len(refused) > 0 {
		return fmt.Errorf("header %q: %s", refused[0].Name, refused[0].Reason)
	}
	return nil
}

// resigns says every delivery is re-signed: asked for, or its body edited.
func (o *Options) resigns() bool { return o.Resign || o.Body != nil }

// EditBody returns a Body that makes edits (catalog.Apply: plain paths,
// every byte the edits do not touch kept) in each capture's body.
func EditBody(edits []catalog.Edit) func(*capture.Record, []byte) ([]byte, error) {
	return func(_ *capture.Record, body []byte) ([]byte, error) {
		return catalog.Apply(body, edits)
	}
}

// Run sends every capture of o.Source to o.Target and returns what was
// done. The error is the source's (unreadable captures), a *CaptureError,
// or ctx's; the summary counts what was sent before it.
func Run(ctx context.Context, o Options) (Summary, error) {
	if err := o.check(); err != nil {
		return Summary{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run{o: o, cancel: cancel, resign: map[schemeKey]*resigning{}}
	if o.limiter != nil {
		r.limit = o.limiter
	} else if l := delivery.NewLimiter(o.Rate); l != nil {
		r.limit = l
	}

	jobs := make(chan *capture.Record, o.Concurrency)
	var readErr error
	go func() {
		defer close(jobs)
		readErr = o.Source(func(rec *capture.Record) error {
			select {
			case jobs <- rec:
				return nil
			case <-ctx.Done():
				return capture.ErrStop
			}
		})
		if errors.Is(readErr, capture.ErrStop) {
			readErr = nil
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rec := range jobs {
				if ctx.Err() != nil {
					continue // drain: the reader stops at its next send
				}
				r.send(ctx, rec)
			}
		}()
	}
	wg.Wait()
	s := r.summary()
	switch {
	case readErr != nil:
		s.Stopped = false
		return s, readErr
	case r.prepErr != nil:
		s.Stopped = false
		return s, r.prepErr
	}
	return s, nil
}

// run is one replay's shared state.
type run struct {
	o      Options
	limit  waiter
	cancel context.CancelFunc

	mu      sync.Mutex // serialises callbacks and guards what follows
	lat     []time.Duration
	acked   int
	failed  map[string]int
	prepErr error
	resign  map[schemeKey]*resigning
	stopped atomic.Bool
}

// send makes rec a request, waits its turn under the rate limit, and
// sends it.
func (r *run) send(ctx context.Context, rec *capture.Record) {
	req, err := r.request(rec)
	if err != nil {
		r.mu.Lock()
		if r.prepErr == nil {
			r.prepErr = &CaptureError{ID: rec.ID, Err: err}
		}
		r.mu.Unlock()
		r.cancel()
		return
	}
	if r.limit != nil {
		if err := r.limit.Wait(ctx); err != nil {
			return
		}
	}
	d := &Delivery{Record: rec, URL: req.URL, BodyLen: len(req.Body)}
	if r.o.OnAttempt != nil {
		req.OnAttempt = func(a delivery.Attempt) {
			r.mu.Lock()
			r.o.OnAttempt(d, a)
			r.mu.Unlock()
		}
	}
	attempts := r.o.Client.Send(ctx, req)
	last := attempts[len(attempts)-1]
	r.mu.Lock()
	r.lat = append(r.lat, last.Latency)
	if kind := failure(last); kind == "" {
		r.acked++
	} else {
		if r.failed == nil {
			r.failed = map[string]int{}
		}
		r.failed[kind]++
	}
	if r.o.OnDone != nil {
		r.o.OnDone(d, last)
	}
	r.mu.Unlock()
	if !last.Acknowledged() && r.o.StopOnFailure {
		r.stopped.Store(true)
		r.cancel()
	}
}

// failure is "" for an acknowledged attempt, else its status or error kind.
func failure(a delivery.Attempt) string {
	switch {
	case a.Acknowledged():
		return ""
	case a.Err != nil:
		var de *delivery.Error
		if errors.As(a.Err, &de) {
			return string(de.Kind)
		}
		return "error"
	}
	return fmt.Sprint(a.Status)
}

func (r *run) summary() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Summary{Sent: len(r.lat), Acknowledged: r.acked, Failed: len(r.lat) - r.acked, FailedBy: r.failed, Stopped: r.stopped.Load()}
	if s.FailedBy == nil {
		s.FailedBy = map[string]int{}
	}
	s.Latency = percentiles(r.lat)
	return s
}

// percentiles sorts lat and reads the 50th, 95th and 100th percentiles
// (nearest rank).
func percentiles(lat []time.Duration) Percentiles {
	if len(lat) == 0 {
		return Percentiles{}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	at := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1)+0.5)] }
	return Percentiles{P50: at(0.5), P95: at(0.95), Max: at(1)}
}
