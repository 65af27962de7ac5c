package listener

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
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

	// ExitAfter, when positive, stops serving once that many deliveries
	// have been kept: matching Events, not refused, and written to the
	// Store (a 503 does not count).
	ExitAfter int
	// Timeout, when positive, stops serving after that long.
	Timeout time.Duration

	// OnReady, when set, is called with the listener's URL before the
	// first request is served (a sender that reads the URL at once waits
	// in the socket's backlog); an error stops Serve before it serves.
	OnReady func(url string) error
}

// Stats count what a Server received.
type Stats struct {
	// Received counts the deliveries read whole; Refused the requests
	// refused before (see Delivery.Refused).
	Received, Refused int
	// Kept counts the deliveries written to the Store.
	Kept int
	// Invalid counts the deliveries matching Events whose signature was
	// invalid.
	Invalid int
	// ByEvent counts deliveries by event type ("" when a body has none),
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
}

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
}

// NewServer returns a Server, or the error of New.
func NewServer(o ServerOptions) (*Server, error) {
	s := &Server{o: o, storing: o.Handler.Store != nil, enough: make(chan struct{})}
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
	st.ByEvent[rec.Event]++
	st.ByVerdict[rec.Verdict.Label()]++
	if rec.Verdict != nil && !rec.Verdict.Valid && rec.Matched {
		st.Invalid++
	}
	// Only deliveries that were kept count: a 503 (the file could not be
	// written) must not let CI pass.
	if d.SaveErr == nil && rec.Matched && s.o.ExitAfter > 0 {
		s.counted++
		if s.counted == s.o.ExitAfter {
			close(s.enough)
		}
	}
}

// Serve serves on ln (and closes it) until ctx is done, ExitAfter
// deliveries are kept or Timeout passes. Then it stops accepting, closes
// the idle connections, and returns once every delivery in flight has
// been answered, however long its Delay and forward take (up to
// WriteTimeout); a connection that has sent nothing is not waited for.
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
