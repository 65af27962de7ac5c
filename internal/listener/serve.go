package listener

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
)

// ServerOptions configure a Server: its Handler, the HTTP server's
// timeouts, and when to stop serving.
type ServerOptions struct {
	Handler Options

	// HeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the
	// http.Server's ReadHeaderTimeout, ReadTimeout, WriteTimeout and
	// IdleTimeout (0: none). WriteTimeout also bounds how long Serve waits
	// for the deliveries in flight when it stops.
	HeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration

	// ExitAfter, when positive, stops serving once that many distinct
	// deliveries have been kept: matching Events, not refused, and written
	// to the Store (a 503 does not count). A repeat of a delivery counted
	// already (the same capture.Identity: a retry, a duplicate) does not
	// count again, unless CountAttempts.
	ExitAfter int
	// CountAttempts makes ExitAfter count every delivery kept, repeats
	// included.
	CountAttempts bool
	// ExpectApp2xx judges the app's answer to the last attempt of each
	// distinct delivery (Result.AppFailures), and makes ExitAfter count a
	// delivery only once the app accepted it (answered 2xx): a sender's
	// retry of one the app failed still finds the listener.
	ExpectApp2xx bool
	// Timeout, when positive, stops serving after that long.
	Timeout time.Duration

	// OnReady, when set, is called with the listener's URL before the
	// first request is served (a sender that reads the URL at once waits
	// in the socket's backlog); an error stops Serve before it serves.
	OnReady func(url string) error

	// Linger, when positive, is for a relay in front of the listener (a
	// tunnel client, stopped once Serve returns): a connection the server
	// closes is half-closed, and given up to Linger for the relay to close
	// its side, which it does once it has passed the answer on; Serve
	// returns when each is closed. Without it, a relay stopped at once
	// could drop the last answer it still held.
	Linger time.Duration
}

// Stats count what a Server received.
type Stats struct {
	// Received counts the deliveries read whole; Refused the requests
	// refused before (see Delivery.Refused).
	Received, Refused int
	// Kept counts the deliveries written to the Store.
	Kept int
	// Invalid counts the deliveries matching Events whose signature was
	// checked and invalid.
	Invalid int
	// Repeats counts the deliveries received that repeat an earlier one
	// (Record.RepeatOf).
	Repeats int
	// ByEvent counts deliveries by event type ("" when a body has none;
	// bounded: see MaxEventKinds),
	// ByVerdict by signature.Verdict.Label, ByAnswer (refusals too) by the
	// status answered.
	ByEvent, ByVerdict map[string]int
	ByAnswer           map[int]int
}

// Result is how a Serve ended.
type Result struct {
	// TimedOut says Timeout passed first.
	TimedOut bool
	// Counted is how many deliveries counted towards ExitAfter.
	Counted int
	Stats   Stats
	// AppFailures, with ExpectApp2xx, are the distinct deliveries whose
	// last attempt the app did not answer 2xx, in the order they first
	// failed; AppFailuresUntold more were not remembered (past
	// maxAppFailures) and count as failed.
	AppFailures       []AppFailure
	AppFailuresUntold int
}

// AppFailure is a delivery the app did not accept at its last attempt.
type AppFailure struct {
	// ID is the record of the last attempt; FirstID the first delivery's
	// (itself when it was not repeated).
	ID, FirstID string
	Event       string
	// Status is the app's answer to the last attempt (0 when none came),
	// Error why none came, or why the delivery was not forwarded.
	Status int
	Error  string
	// Attempts counts the times the app was tried with the delivery: the
	// sender's repeats, and each forward retry.
	Attempts int

	seq int
}

// What is remembered of event types, which each delivery's body names as
// it likes, is bounded: MaxEventKinds distinct ones are counted (Stats.ByEvent),
// the rest together under OtherEvents, and each name is cut at
// MaxEventName bytes (with "…"), there and in an AppFailure.
const (
	MaxEventKinds = 1000
	MaxEventName  = 200
	OtherEvents   = "(others)"
)

// eventName is ev as it is remembered: cut at MaxEventName bytes, on a
// rune's start.
func eventName(ev string) string {
	if len(ev) <= MaxEventName {
		return ev
	}
	i := MaxEventName
	for i > 0 && !utf8.RuneStart(ev[i]) {
		i--
	}
	return strings.Clone(ev[:i]) + "…"
}

// maxAppFailures bounds the failed deliveries remembered in detail; more
// are counted (AppFailuresUntold), never forgotten as if they had
// succeeded.
const maxAppFailures = 10_000

// Server is the listener's HTTP server: it serves a Handler until it is
// told to stop, then lets the deliveries in flight finish.
type Server struct {
	o       ServerOptions
	handler *Handler
	storing bool

	mu      sync.Mutex
	stats   Stats
	counted int
	enough  chan struct{} // closed once ExitAfter deliveries are counted
	// countedKeys are the distinct deliveries counted towards ExitAfter (at
	// most ExitAfter of them: serving stops there).
	countedKeys map[capture.Key]struct{}
	// failing are the distinct deliveries whose last attempt the app did
	// not accept (ExpectApp2xx); untold the failures past maxAppFailures.
	failing map[capture.Key]*AppFailure
	seq     int
	untold  int
}

// NewServer returns a Server, or the error of New.
func NewServer(o ServerOptions) (*Server, error) {
	s := &Server{o: o, storing: o.Handler.Store != nil, enough: make(chan struct{}),
		countedKeys: map[capture.Key]struct{}{}, failing: map[capture.Key]*AppFailure{}}
	s.stats = Stats{ByEvent: map[string]int{}, ByVerdict: map[string]int{}, ByAnswer: map[int]int{}}
	show := o.Handler.OnDelivery
	ho := o.Handler
	ho.OnDelivery = func(d Delivery) {
		if show != nil {
			show(d)
		}
		s.count(d)
	}
	h, err := New(ho)
	if err != nil {
		return nil, err
	}
	s.handler = h
	return s, nil
}

func (s *Server) count(d Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, st := d.Record, &s.stats
	st.ByAnswer[rec.Answer.Status]++
	if d.Refused != "" {
		st.Refused++
		return
	}
	st.Received++
	if d.SaveErr == nil && s.storing {
		st.Kept++
	}
	ev := eventName(rec.Event)
	if _, known := st.ByEvent[ev]; !known && len(st.ByEvent) >= MaxEventKinds {
		ev = OtherEvents
	}
	st.ByEvent[ev]++
	st.ByVerdict[rec.Verdict.Label()]++
	if rec.Verdict.Checked() && !rec.Verdict.Valid && rec.Matched {
		st.Invalid++
	}
	if rec.RepeatOf != "" {
		st.Repeats++
	}
	accepted := appAccepted(rec)
	// A delivery no route took was not meant for an app: it is not
	// judged, and counts as kept.
	if s.o.ExpectApp2xx && rec.Matched && !d.Unrouted {
		s.judge(d, accepted)
	}
	// Only deliveries that were kept count: a 503 (the file could not be
	// written) must not let CI pass.
	if d.SaveErr != nil || !rec.Matched || s.o.ExitAfter <= 0 || s.counted >= s.o.ExitAfter {
		return
	}
	if !s.o.CountAttempts {
		if s.o.ExpectApp2xx && !accepted && !d.Unrouted {
			return
		}
		if _, done := s.countedKeys[d.Key]; done {
			return
		}
		s.countedKeys[d.Key] = struct{}{}
	}
	s.counted++
	if s.counted == s.o.ExitAfter {
		close(s.enough)
	}
}

// appAccepted says whether the app answered the last attempt to forward
// rec with 2xx.
func appAccepted(rec *capture.Record) bool {
	fw := rec.Forward
	return fw != nil && fw.Error == "" && fw.Status >= 200 && fw.Status < 300
}

// judge keeps what the app made of the last attempt of d's delivery.
func (s *Server) judge(d Delivery, accepted bool) {
	rec := d.Record
	f := s.failing[d.Key]
	if accepted {
		delete(s.failing, d.Key)
		return
	}
	tries := 1
	if n := len(rec.ForwardAttempts); n > 0 {
		tries = n
	}
	if f == nil {
		if len(s.failing) >= maxAppFailures {
			s.untold++
			return
		}
		s.seq++
		f = &AppFailure{FirstID: cmp.Or(rec.RepeatOf, rec.ID), seq: s.seq}
		s.failing[d.Key] = f
	}
	f.ID, f.Event, f.Attempts = rec.ID, eventName(rec.Event), f.Attempts+tries
	f.Status, f.Error = 0, ""
	switch fw := rec.Forward; {
	case fw == nil:
		f.Error = "not forwarded: " + rec.Answer.Reason
	case fw.Error != "":
		f.Error = fw.Error
	default:
		f.Status = fw.Status
	}
}

// Serve serves on ln (and closes it) until ctx is done, ExitAfter
// deliveries are kept or Timeout passes. Then it stops accepting, closes
// the idle connections, and returns once every delivery in flight has
// been answered, however long its forward takes (up to WriteTimeout),
// without waiting out its Delay or a forward's next retry (Handler.Stop);
// a connection that has sent nothing is not waited for.
// Serve is called once.
func (s *Server) Serve(ctx context.Context, ln net.Listener) (Result, error) {
	var conns connStates
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.o.HeaderTimeout,
		ReadTimeout:       s.o.ReadTimeout,
		WriteTimeout:      s.o.WriteTimeout,
		IdleTimeout:       s.o.IdleTimeout,
		MaxHeaderBytes:    1 << 20,
		ConnState:         conns.track,
		// The server's own messages (a TLS handshake on the plain port,
		// a client gone mid-request) are not the user's business.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	if s.o.OnReady != nil {
		if err := s.o.OnReady("http://" + ln.Addr().String()); err != nil {
			ln.Close()
			return Result{}, err
		}
	}
	if s.o.Linger > 0 {
		lg := &lingerListener{Listener: ln, max: s.o.Linger}
		defer lg.wg.Wait() // after shutdown: every connection is closing
		ln = lg
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var timeout <-chan time.Time
	if s.o.Timeout > 0 {
		t := time.NewTimer(s.o.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	var res Result
	var err error
	select {
	case <-ctx.Done():
	case <-s.enough:
	case <-timeout:
		res.TimedOut = true
	case err = <-served:
		err = fmt.Errorf("the listener stopped: %w", err)
	}
	s.shutdown(srv, &conns)
	s.mu.Lock()
	defer s.mu.Unlock()
	res.Counted, res.Stats = s.counted, s.stats
	for _, f := range s.failing {
		res.AppFailures = append(res.AppFailures, *f)
	}
	slices.SortFunc(res.AppFailures, func(a, b AppFailure) int { return a.seq - b.seq })
	res.AppFailuresUntold = s.untold
	return res, err
}

// newConnGrace is how long a connection that has sent no request yet
// when Serve stops has to send one: one that was sending is served, one
// that stays silent is closed (http.Server.Shutdown would wait 5 s for it).
const newConnGrace = 250 * time.Millisecond

// shutdown stops srv: no more connections are accepted, idle ones are
// closed, the deliveries in flight are answered, and silent connections
// are closed after newConnGrace.
func (s *Server) shutdown(srv *http.Server, conns *connStates) {
	// A delivery waiting to forward again would hold Shutdown up to the
	// end of its backoff: it is answered with the attempts made.
	s.handler.Stop()
	grace := context.Background()
	if s.o.WriteTimeout > 0 {
		var cancel context.CancelFunc
		grace, cancel = context.WithTimeout(grace, s.o.WriteTimeout)
		defer cancel()
	}
	done := make(chan struct{})
	go func() {
		_ = srv.Shutdown(grace)
		close(done)
	}()
	silent := time.AfterFunc(newConnGrace, conns.closeNew)
	defer silent.Stop()
	select {
	case <-done:
	case <-conns.quiet():
		// No request is being served (a connection leaves the active
		// state only once its answer is written) and none is coming:
		// what is left are idle connections, which Shutdown would close
		// at its next poll, up to 500 ms from now.
	case <-grace.Done():
	}
	srv.Close()
	<-done
}

// connStates follows the server's connections (http.Server.ConnState):
// how many are new (no request yet) or active (serving one).
type connStates struct {
	mu      sync.Mutex
	state   map[net.Conn]http.ConnState
	busy    int // new or active
	waiters []chan struct{}
}

func busy(s http.ConnState) bool { return s == http.StateNew || s == http.StateActive }

func (c *connStates) track(conn net.Conn, state http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == nil {
		c.state = map[net.Conn]http.ConnState{}
	}
	was, known := c.state[conn]
	if known && busy(was) {
		c.busy--
	}
	if busy(state) {
		c.busy++
	}
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(c.state, conn)
	default:
		c.state[conn] = state
	}
	if c.busy == 0 {
		for _, w := range c.waiters {
			close(w)
		}
		c.waiters = nil
	}
}

// quiet returns a channel closed once no connection is new or active (at
// once if none is).
func (c *connStates) quiet() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{})
	if c.busy == 0 {
		close(ch)
	} else {
		c.waiters = append(c.waiters, ch)
	}
	return ch
}

// closeNew closes the connections that have not sent a request.
func (c *connStates) closeNew() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for conn, st := range c.state {
		if st == http.StateNew {
			conn.Close()
		}
	}
}

// lingerListener is ServerOptions.Linger: its connections' Close half-closes
// them and waits, in the background, for the peer to close its side (or for
// max) before closing them; wg counts those still waiting.
type lingerListener struct {
	net.Listener
	max time.Duration
	wg  sync.WaitGroup
}

func (l *lingerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c, nil
	}
	return &lingerConn{TCPConn: tc, l: l}, nil
}

type lingerConn struct {
	*net.TCPConn
	l    *lingerListener
	once sync.Once
}

func (c *lingerConn) Close() error {
	var err error
	c.once.Do(func() {
		if c.CloseWrite() != nil {
			err = c.TCPConn.Close()
			return
		}
		c.l.wg.Add(1)
		go func() {
			defer c.l.wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(c.l.max))
			// Whatever the peer still sends is not read by anyone: at
			// most a bounded amount is drained until its side closes.
			_, _ = io.Copy(io.Discard, io.LimitReader(c.TCPConn, 1<<20))
			c.TCPConn.Close()
		}()
	})
	return err
}
