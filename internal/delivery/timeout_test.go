package delivery

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// A target that sends the start of a status line and stalls past the
// timeout timed out: its answer is not "malformed". Whichever of the
// connection's deadline and the context's fires first, the attempt is a
// timeout.
func TestPartialStatusLineThenStallIsATimeout(t *testing.T) {
	srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
		return "HTT", false
	})
	// The server's serve loop waits for a next request that never comes:
	// the connection stays open and silent after "HTT".
	c := fast(Options{Timeout: 20 * time.Millisecond})
	for i := range 50 {
		as := c.Send(context.Background(), Request{URL: srv.url() + "/"})
		e := kindOf(t, as[0])
		if e.Kind != KindTimeout || !errors.Is(e.Err, context.DeadlineExceeded) {
			t.Fatalf("run %d: kind %s (%q, %v), want a timeout", i, e.Kind, e.Msg, e.Err)
		}
	}
}

// Whatever a transport says when it fails, an attempt whose deadline has
// passed ran out of time (net/http's transport may report what it read
// before the connection was torn down).
func TestClassifyPastTheDeadlineIsATimeout(t *testing.T) {
	u := &url.URL{Scheme: "http", Host: "127.0.0.1:9"}
	attempt, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Millisecond))
	defer cancel()
	malformed := &url.Error{Op: "Post", URL: u.String(), Err: errors.New(`malformed HTTP response "HTT"`)}
	if e := Classify(malformed, u, time.Second, context.Background(), attempt); e.Kind != KindTimeout || !errors.Is(e, context.DeadlineExceeded) {
		t.Fatalf("past the deadline: kind %s (%v), want a timeout", e.Kind, e.Err)
	}
	inTime, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if e := Classify(malformed, u, time.Minute, context.Background(), inTime); e.Kind != KindOther {
		t.Fatalf("in time: kind %s (%v), want %s", e.Kind, e.Err, KindOther)
	}
}
