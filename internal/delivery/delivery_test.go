package delivery

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func fast(o Options) *Client {
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	o.Backoff = time.Millisecond
	return New(o)
}

func TestDeliversBodyAndHeadersExactly(t *testing.T) {
	body := []byte("{\"a\": 1}\r\n\xff")
	var got []byte
	var hdr http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		hdr = r.Header
		w.WriteHeader(202)
		io.WriteString(w, "accepted")
	}))
	defer srv.Close()
	c := fast(Options{UserAgent: "hooktool/test"})
	as := c.Send(context.Background(), Request{URL: srv.URL + "/hook", Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
		Sign: func(n int) (http.Header, error) { return http.Header{"X-Sig": {"s" + strconv.Itoa(n)}}, nil }})
	if len(as) != 1 || !as[0].Acknowledged() || as[0].Status != 202 || string(as[0].Body) != "accepted" {
		t.Fatalf("attempts: %+v", as)
	}
	if string(got) != string(body) {
		t.Errorf("body %q, want %q", got, body)
	}
	if hdr.Get("X-Sig") != "s1" || hdr.Get("User-Agent") != "hooktool/test" || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", hdr)
	}
	if as[0].Header.Get("X-Sig") != "s1" {
		t.Errorf("the attempt does not record the signature it sent: %v", as[0].Header)
	}
}

func TestRetriesUntilAcknowledged(t *testing.T) {
	var calls atomic.Int32
	var sigs []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sigs = append(sigs, r.Header.Get("X-Sig"))
		if calls.Add(1) <= 2 {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	c := fast(Options{Retries: 5})
	var seen []int
	as := c.Send(context.Background(), Request{URL: srv.URL, Sign: func(n int) (http.Header, error) {
		return http.Header{"X-Sig": {strconv.Itoa(n)}}, nil
	}, OnAttempt: func(a Attempt) { seen = append(seen, a.Status) }})
	if len(as) != 3 || !as[2].Acknowledged() || as[0].Acknowledged() {
		t.Fatalf("attempts %+v", as)
	}
	if strings.Join(sigs, ",") != "1,2,3" {
		t.Errorf("each attempt is re-signed: %v", sigs)
	}
	if len(seen) != 3 || seen[0] != 500 || seen[2] != 200 {
		t.Errorf("OnAttempt saw %v", seen)
	}
}

func TestGivesUpAfterRetries(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	}))
	defer srv.Close()
	as := fast(Options{Retries: 2}).Send(context.Background(), Request{URL: srv.URL})
	if len(as) != 3 || calls.Load() != 3 || as[2].Acknowledged() {
		t.Fatalf("%d attempts, %d calls", len(as), calls.Load())
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		t.Error("the redirect was followed")
	}))
	defer srv.Close()
	as := fast(Options{}).Send(context.Background(), Request{URL: srv.URL + "/old"})
	if as[0].Status != 302 || as[0].Acknowledged() || as[0].Response.Get("Location") != "/new" {
		t.Fatalf("%+v", as[0])
	}
}

func kindOf(t *testing.T, a Attempt) *Error {
	t.Helper()
	e, ok := a.Err.(*Error)
	if !ok {
		t.Fatalf("attempt error %v (%T), want *Error", a.Err, a.Err)
	}
	return e
}

func TestRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	as := fast(Options{Retries: 1}).Send(context.Background(), Request{URL: "http://" + addr + "/"})
	e := kindOf(t, as[len(as)-1])
	if len(as) != 2 || e.Kind != KindRefused || !strings.Contains(e.Hint, "is your server listening on "+addr) {
		t.Fatalf("%d attempts, %+v", len(as), e)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	as := fast(Options{Timeout: 100 * time.Millisecond}).Send(context.Background(), Request{URL: srv.URL})
	if e := kindOf(t, as[0]); e.Kind != KindTimeout || !strings.Contains(e.Msg, "100ms") {
		t.Fatalf("%+v", e)
	}
}

func TestReset(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	}))
	defer srv.Close()
	as := fast(Options{}).Send(context.Background(), Request{URL: srv.URL})
	if e := kindOf(t, as[0]); e.Kind != KindReset {
		t.Fatalf("%+v (%v)", e, e.Err)
	}
}

func TestTLS(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	as := fast(Options{}).Send(context.Background(), Request{URL: strings.Replace(plain.URL, "http://", "https://", 1)})
	if e := kindOf(t, as[0]); e.Kind != KindTLS || !strings.Contains(e.Hint, "http://") {
		t.Fatalf("https to a plain server: %+v", e)
	}
	selfSigned := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer selfSigned.Close()
	as = fast(Options{}).Send(context.Background(), Request{URL: selfSigned.URL})
	if e := kindOf(t, as[0]); e.Kind != KindTLS || !strings.Contains(e.Hint, "--insecure") {
		t.Fatalf("self-signed: %+v", e)
	}
	if as = fast(Options{Insecure: true}).Send(context.Background(), Request{URL: selfSigned.URL}); !as[0].Acknowledged() {
		t.Fatalf("--insecure: %+v", as[0])
	}
}

func TestLongResponseIsTruncated(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", MaxResponseBody+10))
	}))
	defer srv.Close()
	as := fast(Options{}).Send(context.Background(), Request{URL: srv.URL})
	if !as[0].Acknowledged() || !as[0].Truncated || len(as[0].Body) != MaxResponseBody {
		t.Fatalf("truncated=%v len=%d err=%v", as[0].Truncated, len(as[0].Body), as[0].Err)
	}
}

func TestCanceledStopsRetrying(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	c := New(Options{Retries: 100, Backoff: time.Hour})
	if as := c.Send(ctx, Request{URL: srv.URL, OnAttempt: func(Attempt) { cancel() }}); len(as) != 1 {
		t.Fatalf("%d attempts after cancel", len(as))
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	c := &Client{Backoff: 100 * time.Millisecond, MaxBackoff: time.Second}
	for n, max := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 10: time.Second} {
		for i := 0; i < 50; i++ {
			if w := c.wait(n); w < max/2 || w > max {
				t.Fatalf("wait(%d) = %v, want within [%v, %v]", n, w, max/2, max)
			}
		}
	}
}

// A name that cannot resolve (.invalid is reserved for it, RFC 6761).
func TestDNS(t *testing.T) {
	as := fast(Options{Timeout: 10 * time.Second}).Send(context.Background(), Request{URL: "http://hooktool-test.invalid/"})
	if e := kindOf(t, as[0]); e.Kind != KindDNS || !strings.Contains(e.Msg, "hooktool-test.invalid") {
		t.Fatalf("%+v (%v)", e, e.Err)
	}
}

// TestUnsentIsNotRetried: an attempt that could not be made (its signature
// could not be written, its request not built) is not a delivery the
// receiver failed: retrying it would fail the same way after each wait.
func TestUnsentIsNotRetried(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := fast(Options{Retries: 3})
	as := c.Send(context.Background(), Request{URL: srv.URL, Sign: func(int) (http.Header, error) { return nil, io.ErrUnexpectedEOF }})
	if len(as) != 1 || as[0].Err == nil || !strings.HasPrefix(as[0].Err.Error(), "signing: ") || hits.Load() != 0 {
		t.Errorf("%d attempts (%v), %d sent; want 1 attempt, a signing error, none sent", len(as), as[len(as)-1].Err, hits.Load())
	}
	as = c.Send(context.Background(), Request{Method: "BAD METHOD", URL: srv.URL})
	if len(as) != 1 || as[0].Err == nil || hits.Load() != 0 {
		t.Errorf("%d attempts (%v); want 1, unsent", len(as), as[len(as)-1].Err)
	}
}
