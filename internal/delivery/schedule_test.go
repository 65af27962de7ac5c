package delivery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	s := Schedule{time.Minute, 5 * time.Minute, 30 * time.Minute}
	if s.Total() != 36*time.Minute {
		t.Errorf("Total = %s", s.Total())
	}
	if got := s.Scaled(0.001); got[0] != 60*time.Millisecond || got[1] != 300*time.Millisecond || got[2] != 1800*time.Millisecond {
		t.Errorf("Scaled = %v", got)
	}
	if f := s.FitScale(time.Hour); f != 1 {
		t.Errorf("a schedule that fits is scaled by %v", f)
	}
	f := s.FitScale(36 * time.Second)
	if got := s.Scaled(f).Total(); got < 35*time.Second || got > 36*time.Second {
		t.Errorf("FitScale(36s) = %v: the total is %s", f, got)
	}
	if (Schedule{}).FitScale(time.Second) != 1 || (Schedule{}).Total() != 0 {
		t.Error("an empty schedule")
	}
}

// A client on a schedule tries once and then once after each wait, each
// attempt reported, and stops at the first acknowledgement; Retries and
// Backoff do not count then.
func TestSendFollowsTheSchedule(t *testing.T) {
	var hits, okAfter atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := hits.Add(1); okAfter.Load() == 0 || n < okAfter.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	c := New(Options{Timeout: 5 * time.Second, Retries: 9, Schedule: Schedule{time.Millisecond, 2 * time.Millisecond}})
	var seen []int
	attempts := c.Send(context.Background(), Request{URL: srv.URL, OnAttempt: func(a Attempt) { seen = append(seen, a.Number) }})
	if len(attempts) != 3 || hits.Load() != 3 || len(seen) != 3 || attempts[2].Status != 500 || attempts[2].Number != 3 {
		t.Errorf("%d attempts, %d hits, seen %v", len(attempts), hits.Load(), seen)
	}
	hits.Store(0)
	okAfter.Store(2)
	attempts = c.Send(context.Background(), Request{URL: srv.URL})
	if len(attempts) != 2 || !attempts[1].Acknowledged() {
		t.Errorf("acknowledged on the second attempt: %d attempts", len(attempts))
	}
	if c.wait(1) != time.Millisecond || c.wait(2) != 2*time.Millisecond {
		t.Errorf("waits %s %s", c.wait(1), c.wait(2))
	}
}

// Request.Addrs records each attempt's connection ends; without it none.
func TestSendRecordsAddrsWhenAsked(t *testing.T) {
	var remote atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { remote.Store(r.RemoteAddr) }))
	defer srv.Close()
	c := New(Options{Timeout: 5 * time.Second})
	a := c.Send(context.Background(), Request{URL: srv.URL, Addrs: true})[0]
	if a.LocalAddr == "" || a.LocalAddr != remote.Load() || a.RemoteAddr != srv.Listener.Addr().String() {
		t.Errorf("local %q (the server saw %v), remote %q (the server is %s)", a.LocalAddr, remote.Load(), a.RemoteAddr, srv.Listener.Addr())
	}
	if a := c.Send(context.Background(), Request{URL: srv.URL})[0]; a.LocalAddr != "" || a.RemoteAddr != "" {
		t.Errorf("addresses recorded unasked: %q %q", a.LocalAddr, a.RemoteAddr)
	}
}

// Doubling waits first, then twice as long each time, never longer than
// max, even when doubling would overflow.
func TestDoubling(t *testing.T) {
	s := time.Second
	for _, c := range []struct {
		first, max time.Duration
		retries    int
		want       Schedule
	}{
		{s, time.Minute, 0, Schedule{}},
		{s, time.Minute, 4, Schedule{s, 2 * s, 4 * s, 8 * s}},
		{s, 5 * s, 5, Schedule{s, 2 * s, 4 * s, 5 * s, 5 * s}},
		{time.Hour, time.Minute, 2, Schedule{time.Minute, time.Minute}},
		{time.Duration(1) << 62, time.Duration(1<<63 - 1), 3, Schedule{1 << 62, 1<<63 - 1, 1<<63 - 1}},
	} {
		got := Doubling(c.first, c.max, c.retries)
		if !slices.Equal(got, c.want) {
			t.Errorf("Doubling(%s, %s, %d) = %v, want %v", c.first, c.max, c.retries, got, c.want)
		}
	}
	if got := Doubling(s, time.Minute, 3).Total(); got != 7*s {
		t.Errorf("Total of 1s, 2s, 4s = %s, want 7s", got)
	}
}
