package listener

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

// failingStore fails the appends whose body holds "fail", and keeps the rest.
type failingStore struct {
	memStore
	appended chan struct{} // when not nil, told of every append
}

func (s *failingStore) Append(r *capture.Record) error {
	if s.appended != nil {
		s.appended <- struct{}{}
	}
	if strings.Contains(r.Body, "fail") {
		return errors.New("disk full")
	}
	return s.memStore.Append(r)
}

// serving is a Serve running in the background.
type serving struct {
	url    string
	cancel context.CancelFunc
	done   chan struct{}
	res    Result
	err    error
}

// startServe binds loopback and runs Serve on it with o.
func startServe(t *testing.T, o ServerOptions) *serving {
	t.Helper()
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sv := &serving{url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(sv.done)
		sv.res, sv.err = s.Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		<-sv.done
	})
	return sv
}

// wait waits for Serve to return; a Serve that does not return in 10 s is
// stuck.
func (sv *serving) wait(t *testing.T) {
	t.Helper()
	select {
	case <-sv.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func post(t *testing.T, c *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestServeExitAfterCountsOnlyKept(t *testing.T) {
	store := &failingStore{}
	sv := startServe(t, ServerOptions{
		Handler:   Options{Store: store, EventPath: "event", Events: []string{"kept.*"}},
		ExitAfter: 2,
	})
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	// Neither of the first two counts: one could not be written (503),
	// the other is not among --events. Had either counted, Serve would
	// have stopped before the last request, which would then fail.
	for _, d := range []struct {
		body   string
		status int
	}{
		{`{"event":"kept.a","fail":true}`, http.StatusServiceUnavailable},
		{`{"event":"other"}`, http.StatusOK},
		{`{"event":"kept.b"}`, http.StatusOK},
		{`{"event":"kept.c"}`, http.StatusOK},
	} {
		if status, _ := post(t, c, sv.url, d.body); status != d.status {
			t.Fatalf("%s: answered %d, want %d", d.body, status, d.status)
		}
	}
	sv.wait(t)
	if sv.err != nil {
		t.Fatal(sv.err)
	}
	if sv.res.TimedOut || sv.res.Counted != 2 {
		t.Errorf("result %+v, want 2 counted and no time-out", sv.res)
	}
	want := Stats{
		Received: 4, Kept: 3,
		ByEvent:   map[string]int{"kept.a": 1, "kept.b": 1, "kept.c": 1, "other": 1},
		ByVerdict: map[string]int{"unsigned": 4},
		ByAnswer:  map[int]int{200: 3, 503: 1},
	}
	if !reflect.DeepEqual(sv.res.Stats, want) {
		t.Errorf("stats %+v, want %+v", sv.res.Stats, want)
	}
	if n := len(store.records(t)); n != 3 {
		t.Errorf("%d records kept, want 3", n)
	}
}

func TestServeWaitsForADelayedDelivery(t *testing.T) {
	store := &failingStore{appended: make(chan struct{}, 1)}
	sv := startServe(t, ServerOptions{Handler: Options{Store: store, Delay: 300 * time.Millisecond}})
	type answer struct {
		status int
		body   string
		err    error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Post(sv.url, "application/json", strings.NewReader(`{"event":"slow"}`))
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- answer{resp.StatusCode, string(b), err}
	}()
	<-store.appended // the delivery is kept and now waits out its --delay
	sv.cancel()
	sv.wait(t)
	if sv.err != nil {
		t.Fatal(sv.err)
	}
	a := <-got
	if a.err != nil || a.status != http.StatusOK || !strings.Contains(a.body, `"received":true`) {
		t.Fatalf("the delivery in flight got %d %q (%v), want its whole answer", a.status, a.body, a.err)
	}
	if sv.res.Stats.Received != 1 {
		t.Errorf("stats %+v, want the delivery counted", sv.res.Stats)
	}
}

func TestServeDoesNotWaitForIdleConnections(t *testing.T) {
	sv := startServe(t, ServerOptions{Handler: Options{}, IdleTimeout: time.Minute})
	// A keep-alive connection, idle after one delivery...
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	if status, _ := post(t, &http.Client{Transport: tr}, sv.url, `{}`); status != http.StatusOK {
		t.Fatalf("answered %d", status)
	}
	// ...and one that never sends a request, which http.Server.Shutdown
	// alone would wait 5 s for.
	silent, err := net.Dial("tcp", strings.TrimPrefix(sv.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	stopped := time.Now()
	sv.cancel()
	sv.wait(t)
	// Not a measure of speed: a bound far below the 5 s that would mean
	// the silent connection was waited for.
	if took := time.Since(stopped); took > 4*time.Second {
		t.Errorf("Serve took %s to return after ctx was done", took)
	}
	silent.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := silent.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		t.Errorf("the silent connection is still open after Serve returned (read %d, %v)", n, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestServeIsReadyBeforeTheFirstDelivery(t *testing.T) {
	var mu sync.Mutex
	var events []string
	note := func(e string) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The delivery is waiting in the backlog before Serve is called.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"); err != nil {
		t.Fatal(err)
	}
	var readyURL string
	s, err := NewServer(ServerOptions{
		Handler:   Options{OnDelivery: func(Delivery) { note("delivery") }},
		ExitAfter: 1,
		OnReady: func(url string) error {
			readyURL = url
			// A server already serving would handle the waiting delivery
			// meanwhile.
			time.Sleep(100 * time.Millisecond)
			note("ready")
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Serve(context.Background(), ln)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := "http://" + ln.Addr().String(); readyURL != want {
		t.Errorf("OnReady got %q, want %q", readyURL, want)
	}
	if want := []string{"ready", "delivery"}; !reflect.DeepEqual(events, want) || res.Counted != 1 {
		t.Errorf("events %q, counted %d; want %q, 1", events, res.Counted, want)
	}
}

func TestServeStopsWhenNotReady(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	notReady := errors.New("cannot write the ready file")
	s, err := NewServer(ServerOptions{OnReady: func(string) error { return notReady }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Serve(context.Background(), ln); !errors.Is(err, notReady) {
		t.Fatalf("Serve returned %v, want the OnReady error", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Error("the listener is still open")
	}
}

func TestServeTimeout(t *testing.T) {
	sv := startServe(t, ServerOptions{Handler: Options{}, ExitAfter: 1, Timeout: 50 * time.Millisecond})
	sv.wait(t)
	if sv.err != nil || !sv.res.TimedOut || sv.res.Counted != 0 {
		t.Errorf("Serve = %+v, %v; want timed out with none counted", sv.res, sv.err)
	}
}

func TestNewServerRefusesAnUnusableSecret(t *testing.T) {
	std, err := signature.Lookup("standard-webhooks", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Scheme: std, Secrets: []signature.Secret{signature.NewSecret("whsec_%%%notbase64")}}
	var se *signature.SecretError
	if s, err := NewServer(ServerOptions{Handler: o}); s != nil || !errors.As(err, &se) {
		t.Fatalf("NewServer = %v, %v; want a *signature.SecretError", s, err)
	}
}
