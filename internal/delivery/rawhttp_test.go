package delivery

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer is a TCP server that records the exact bytes of each request
// it reads and answers with what answer returns.
type rawServer struct {
	t      *testing.T
	ln     net.Listener
	answer func(n int, req *http.Request) (resp string, hangUp bool)

	mu    sync.Mutex
	reqs  []string // raw bytes of each request, in order
	conns int
	bytes int // every byte received, requests or not
	done  chan struct{}
	wg    sync.WaitGroup
}

func newRawServer(t *testing.T, answer func(n int, req *http.Request) (string, bool)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{t: t, ln: ln, answer: answer, done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		close(s.done)
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) url() string { return "http://" + s.ln.Addr().String() }

type recordingReader struct {
	r   io.Reader
	s   *rawServer
	buf bytes.Buffer
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf.Write(p[:n])
	r.s.mu.Lock()
	r.s.bytes += n
	r.s.mu.Unlock()
	return n, err
}

func (s *rawServer) serve(c net.Conn) {
	defer c.Close()
	go func() { // ends a connection held open when the test ends
		<-s.done
		c.Close()
	}()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	rec := &recordingReader{r: c, s: s}
	br := bufio.NewReader(rec)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return
		}
		raw := rec.buf.String()
		rec.buf.Reset()
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, raw)
		s.mu.Unlock()
		resp, hangUp := s.answer(n, req)
		if resp != "" {
			if _, err := io.WriteString(c, resp); err != nil {
				return
			}
		}
		if hangUp {
			return
		}
	}
}

func (s *rawServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

func (s *rawServer) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *rawServer) byteCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bytes
}

const okEmpty = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

func answerOK(int, *http.Request) (string, bool) { return okEmpty, false }

// leanTransport is the transport New wires in.
func leanTransport(t *testing.T, c *Client) *h1Transport {
	t.Helper()
	h1, ok := c.HTTP.Transport.(*h1Transport)
	if !ok {
		t.Fatalf("transport %T, want *h1Transport", c.HTTP.Transport)
	}
	return h1
}

func newReq(t *testing.T, ctx context.Context, method, u string, body []byte, h http.Header) *http.Request {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	if h != nil {
		req.Header = h
	}
	return req
}

func roundTrip(t *testing.T, rt http.RoundTripper, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, b
}

func TestH1WritesWhatNetHTTPWrites(t *testing.T) {
	srv := newRawServer(t, answerOK)
	body := []byte("{\"a\": 1}\r\n\xff\x00\xfe")
	tests := []struct {
		name, method, path string
		body               []byte
		header             http.Header
		host               string
		close              bool
		want               string // when set, the exact bytes
	}{
		{name: "post", method: "POST", path: "/hook/a%2Fb%3Fc?x=1&y=%20z", body: body,
			header: http.Header{"Content-Type": {"application/json"}, "X-Multi": {"one", "two", "three"}, "X-Trim": {"  padded\t"}, "A-First": {"1"}},
			want: "POST /hook/a%2Fb%3Fc?x=1&y=%20z HTTP/1.1\r\nHost: " + srv.ln.Addr().String() + "\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 13\r\n" +
				"A-First: 1\r\nContent-Type: application/json\r\nX-Multi: one\r\nX-Multi: two\r\nX-Multi: three\r\nX-Trim: padded\r\n\r\n" + string(body)},
		{name: "post empty", method: "POST", path: "/", want: "POST / HTTP/1.1\r\nHost: " + srv.ln.Addr().String() + "\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 0\r\n\r\n"},
		{name: "get empty", method: "GET", path: "/x?q", want: "GET /x?q HTTP/1.1\r\nHost: " + srv.ln.Addr().String() + "\r\nUser-Agent: Go-http-client/1.1\r\n\r\n"},
		{name: "put empty", method: "PUT", path: "/"},
		{name: "delete empty", method: "DELETE", path: "/", want: "DELETE / HTTP/1.1\r\nHost: " + srv.ln.Addr().String() + "\r\nUser-Agent: Go-http-client/1.1\r\n\r\n"},
		{name: "patch empty", method: "PATCH", path: "/"},
		{name: "options empty", method: "OPTIONS", path: "/"},
		{name: "delete with body", method: "DELETE", path: "/", body: []byte("d")},
		{name: "head", method: "HEAD", path: "/"},
		{name: "get with body", method: "GET", path: "/", body: []byte("x")},
		{name: "own user agent", method: "POST", path: "/", body: []byte("b"), header: http.Header{"User-Agent": {" hooktool/1 ", "second"}}},
		{name: "empty user agent", method: "POST", path: "/", header: http.Header{"User-Agent": {""}}},
		{name: "host override", method: "POST", path: "/", host: "example.com:8080"},
		{name: "bad host sent empty", method: "POST", path: "/", host: "exa mple.com"},
		{name: "close", method: "POST", path: "/", close: true},
		{name: "close already asked", method: "POST", path: "/", close: true, header: http.Header{"Connection": {"close"}}},
		{name: "connection kept", method: "POST", path: "/", header: http.Header{"Connection": {"keep-alive"}, "Keep-Alive": {"timeout=5"}}},
		{name: "host in header map", method: "POST", path: "/", header: http.Header{"Host": {"other.example"}}},
		{name: "empty value", method: "POST", path: "/", header: http.Header{"X-Empty": {""}, "X-None": {}}},
	}
	std := &http.Transport{DisableCompression: true}
	defer std.CloseIdleConnections()
	lean := leanTransport(t, New(Options{}))
	defer lean.CloseIdleConnections()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got [2]string
			for i, rt := range []http.RoundTripper{std, lean} {
				h := http.Header{}
				for k, v := range tc.header {
					h[k] = append([]string(nil), v...)
				}
				req := newReq(t, context.Background(), tc.method, srv.url()+tc.path, tc.body, h)
				req.Host, req.Close = tc.host, tc.close
				before := len(srv.requests())
				roundTrip(t, rt, req)
				reqs := srv.requests()
				if len(reqs) != before+1 {
					t.Fatalf("the server got %d requests, want 1", len(reqs)-before)
				}
				got[i] = reqs[len(reqs)-1]
			}
			if got[1] != got[0] {
				t.Errorf("sent\n%q\nnet/http sends\n%q", got[1], got[0])
			}
			if tc.want != "" && got[1] != tc.want {
				t.Errorf("sent\n%q\nwant\n%q", got[1], tc.want)
			}
		})
	}
}

func TestH1NeverWritesASecondFramingHeader(t *testing.T) {
	srv := newRawServer(t, answerOK)
	lean := leanTransport(t, New(Options{}))
	defer lean.CloseIdleConnections()
	h := http.Header{"content-length": {"0"}, "transfer-encoding": {"chunked"}, "HOST": {"evil.example"}, "X-Ok": {"1"}}
	roundTrip(t, lean, newReq(t, context.Background(), "POST", srv.url()+"/", []byte("abc"), h))
	want := "POST / HTTP/1.1\r\nHost: " + srv.ln.Addr().String() + "\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 3\r\nX-Ok: 1\r\n\r\nabc"
	if got := srv.requests(); len(got) != 1 || got[0] != want {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

func TestH1RefusesHeaderInjection(t *testing.T) {
	srv := newRawServer(t, answerOK)
	tests := []struct {
		name    string
		header  http.Header
		wantErr string
	}{
		{"CRLF in a value", http.Header{"X-Note": {"ok\r\nX-Evil: 1"}}, `net/http: invalid header field value for "X-Note"`},
		{"LF in a value", http.Header{"X-Note": {"ok\nX-Evil: 1"}}, `invalid header field value for "X-Note"`},
		{"NUL in a value", http.Header{"X-Note": {"a\x00b"}}, `invalid header field value for "X-Note"`},
		{"CR in the user agent", http.Header{"User-Agent": {"a\rb"}}, `invalid header field value for "User-Agent"`},
		{"space in a name", http.Header{"X Evil": {"1"}}, `net/http: invalid header field name "X Evil"`},
		{"colon in a name", http.Header{"X-A:b": {"1"}}, `invalid header field name "X-A:b"`},
		{"CRLF in a name", http.Header{"X-A\r\nX-Evil": {"1"}}, `invalid header field name`},
		{"empty name", http.Header{"": {"1"}}, `invalid header field name ""`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := fast(Options{})
			as := c.Send(context.Background(), Request{URL: srv.url() + "/", Header: tc.header, Body: []byte("{}")})
			e := kindOf(t, as[0])
			if !strings.Contains(e.Err.Error(), tc.wantErr) {
				t.Errorf("error %q, want %q", e.Err, tc.wantErr)
			}
			if strings.Contains(e.Msg, "Evil: 1") && !strings.Contains(tc.name, "name") {
				t.Errorf("the error shows the value: %q", e.Msg)
			}
		})
	}
	if n, b := srv.connCount(), srv.byteCount(); n != 0 || b != 0 {
		t.Fatalf("the server got %d connections, %d bytes: want none", n, b)
	}
}

// countingServer is an httptest server that counts the connections it accepts.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestH1ReusesConnections(t *testing.T) {
	var hits atomic.Int32
	srv, conns := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/chunked":
			io.WriteString(w, "part one,")
			w.(http.Flusher).Flush()
			io.WriteString(w, "part two")
			return
		case "/close":
			w.Header().Set("Connection", "close")
		case "/nobody":
			w.WriteHeader(204)
			return
		}
		w.Write(b)
	}))
	c := fast(Options{})
	defer leanTransport(t, c).CloseIdleConnections()

	for i := 0; i < 50; i++ {
		body := fmt.Sprintf("body %d", i)
		as := c.Send(context.Background(), Request{URL: srv.URL + "/echo", Body: []byte(body)})
		if !as[0].Acknowledged() || string(as[0].Body) != body {
			t.Fatalf("request %d: %+v", i, as[0])
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("50 sequential requests used %d connections, want 1", n)
	}

	for _, path := range []string{"/chunked", "/nobody", "/echo"} {
		for i := 0; i < 5; i++ {
			as := c.Send(context.Background(), Request{URL: srv.URL + path, Body: []byte("x")})
			want := map[string]string{"/chunked": "part one,part two", "/nobody": "", "/echo": "x"}[path]
			if !as[0].Acknowledged() || string(as[0].Body) != want {
				t.Fatalf("%s: %+v", path, as[0])
			}
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("chunked and empty answers: %d connections, want still 1", n)
	}

	for i := 0; i < 3; i++ {
		if as := c.Send(context.Background(), Request{URL: srv.URL + "/close", Body: []byte("c")}); !as[0].Acknowledged() || string(as[0].Body) != "c" {
			t.Fatalf("/close: %+v", as[0])
		}
	}
	// Each "Connection: close" answer ends its connection: the first took
	// the pooled one, the next two needed new ones, and so does what follows.
	if n := conns.Load(); n != 3 {
		t.Fatalf("after 3 answers with Connection: close: %d connections, want 3", n)
	}

	before := conns.Load()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				body := fmt.Sprintf("w%d-%d", w, i)
				if as := c.Send(context.Background(), Request{URL: srv.URL + "/echo", Body: []byte(body)}); !as[0].Acknowledged() || string(as[0].Body) != body {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of 320 concurrent requests failed", failed.Load())
	}
	if n := conns.Load() - before; n > 32 {
		t.Fatalf("32 workers used %d new connections, want at most 32", n)
	}
	if got := hits.Load(); got != 50+15+3+320 {
		t.Fatalf("the server got %d requests, want %d", got, 50+15+3+320)
	}
	if n := idleCount(leanTransport(t, c)); n < 1 || n > 32 {
		t.Fatalf("%d idle connections, want 1 to 32", n)
	}
}

func idleCount(t *h1Transport) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, l := range t.idle {
		n += len(l)
	}
	return n
}

func TestH1Answers(t *testing.T) {
	tests := []struct {
		name, answer, body string
		status             int
		reused             bool // the next request goes over the same connection
	}{
		{"content length", "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello", "hello", 201, true},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", "hello", 200, true},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "ok", 200, false},
		{"interim answers", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", 200, true},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", "", 204, true},
		{"redirect", "HTTP/1.1 302 Found\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n", "", 302, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, func(n int, req *http.Request) (string, bool) { return tc.answer, false })
			c := fast(Options{})
			defer leanTransport(t, c).CloseIdleConnections()
			for i := 0; i < 3; i++ {
				as := c.Send(context.Background(), Request{URL: srv.url() + "/", Body: []byte("x")})
				if as[0].Err != nil || as[0].Status != tc.status || string(as[0].Body) != tc.body {
					t.Fatalf("attempt %d: %+v", i, as[0])
				}
			}
			want := 1
			if !tc.reused {
				want = 3
			}
			if n := srv.connCount(); n != want {
				t.Fatalf("3 requests over %d connections, want %d", n, want)
			}
			if n := len(srv.requests()); n != 3 {
				t.Fatalf("the server got %d requests, want 3", n)
			}
		})
	}
}

func TestH1HTTP10AnswerReadToEOF(t *testing.T) {
	srv := newRawServer(t, func(int, *http.Request) (string, bool) {
		return "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, until the end", true
	})
	c := fast(Options{})
	for i := 0; i < 2; i++ {
		as := c.Send(context.Background(), Request{URL: srv.url() + "/"})
		if !as[0].Acknowledged() || string(as[0].Body) != "all of it, until the end" {
			t.Fatalf("%+v", as[0])
		}
	}
	if n := srv.connCount(); n != 2 {
		t.Fatalf("%d connections, want 2 (an answer read to EOF ends its connection)", n)
	}
	if n := idleCount(leanTransport(t, c)); n != 0 {
		t.Fatalf("%d idle connections, want 0", n)
	}
}

func TestH1EarlyCloseDropsTheConnection(t *testing.T) {
	srv := newRawServer(t, func(int, *http.Request) (string, bool) {
		return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", false
	})
	lean := leanTransport(t, New(Options{}))
	defer lean.CloseIdleConnections()
	resp, err := lean.RoundTrip(newReq(t, context.Background(), "POST", srv.url()+"/", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := resp.Body.Read(buf); err == nil {
		t.Fatal("a read after Close succeeded")
	}
	if n := idleCount(lean); n != 0 {
		t.Fatalf("%d idle connections after a body closed unread, want 0", n)
	}
	roundTrip(t, lean, newReq(t, context.Background(), "POST", srv.url()+"/", nil, nil))
	if n := srv.connCount(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	if n := idleCount(lean); n != 1 {
		t.Fatalf("%d idle connections after a body read whole, want 1", n)
	}
	lean.CloseIdleConnections()
	if n := idleCount(lean); n != 0 {
		t.Fatalf("%d idle connections after CloseIdleConnections, want 0", n)
	}
}

func TestH1ServerClosedIdleConnection(t *testing.T) {
	closed := make(chan struct{}, 10)
	srv := newRawServer(t, func(int, *http.Request) (string, bool) {
		defer func() { closed <- struct{}{} }()
		// A keep-alive answer, then the server closes the connection
		// (an idle timeout, a restart).
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true
	})
	c := fast(Options{})
	defer leanTransport(t, c).CloseIdleConnections()
	for i := 0; i < 3; i++ {
		as := c.Send(context.Background(), Request{URL: srv.url() + "/", Body: []byte(fmt.Sprint(i))})
		if !as[0].Acknowledged() {
			t.Fatalf("request %d after the server closed the idle connection: %+v (%v)", i, as[0], as[0].Err)
		}
		<-closed
		time.Sleep(10 * time.Millisecond) // the FIN reaches the client
	}
	reqs := srv.requests()
	if len(reqs) != 3 {
		t.Fatalf("the server got %d requests, want 3 (each once)", len(reqs))
	}
	for i, r := range reqs {
		if !strings.HasSuffix(r, "\r\n\r\n"+fmt.Sprint(i)) {
			t.Errorf("request %d: %q", i, r)
		}
	}
}

// pipeConn puts into lean's pool, for srv's host, a connection that
// behaves as server (the other end of a pipe) makes it: it stands for a
// connection that died without the client noticing.
func pipeConn(t *testing.T, lean *h1Transport, u string, server func(net.Conn)) {
	t.Helper()
	client, other := net.Pipe()
	go server(other)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pc := &h1Conn{t: lean, key: pu.Host, conn: client}
	pc.br = bufio.NewReaderSize(pc, h1ReadBuffer)
	lean.put(pc)
}

func TestH1DeadPooledConnection(t *testing.T) {
	tests := []struct {
		name, method string
		header       http.Header
		dead         func(net.Conn)
		wantSent     int // times the real server got the request
		wantKind     Kind
	}{
		// Nothing could be written: sent again on a new connection.
		{name: "write fails", method: "POST", dead: func(c net.Conn) { c.Close() }, wantSent: 1},
		// Written, then the connection ended before any answer: a POST may
		// have been acted upon, so it is not sent again (as net/http)...
		{name: "post, closed after the request", method: "POST", dead: readThenClose, wantSent: 0, wantKind: KindReset},
		// ... a GET, or a POST with an idempotency key, is.
		{name: "get, closed after the request", method: "GET", dead: readThenClose, wantSent: 1},
		{name: "post with Idempotency-Key", method: "POST", header: http.Header{"Idempotency-Key": {"k1"}}, dead: readThenClose, wantSent: 1},
		// Part of an answer came: never sent again.
		{name: "get, part of an answer", method: "GET", dead: func(c net.Conn) {
			bufio.NewReader(c).ReadString('\n')
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")
			c.Close()
		}, wantSent: 0, wantKind: KindReset},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, answerOK)
			c := fast(Options{})
			lean := leanTransport(t, c)
			defer lean.CloseIdleConnections()
			pipeConn(t, lean, srv.url(), tc.dead)
			as := c.Send(context.Background(), Request{Method: tc.method, URL: srv.url() + "/", Header: tc.header, Body: []byte("{}")})
			if tc.wantKind == "" && !as[0].Acknowledged() {
				t.Fatalf("%+v (%v)", as[0], as[0].Err)
			}
			if tc.wantKind != "" {
				if e := kindOf(t, as[0]); e.Kind != tc.wantKind {
					t.Fatalf("kind %s (%v), want %s", e.Kind, e.Err, tc.wantKind)
				}
			}
			if n := len(srv.requests()); n != tc.wantSent {
				t.Fatalf("the server got %d requests, want %d", n, tc.wantSent)
			}
		})
	}
}

func readThenClose(c net.Conn) {
	br := bufio.NewReader(c)
	if req, err := http.ReadRequest(br); err == nil {
		io.Copy(io.Discard, req.Body)
	}
	c.Close()
}

func TestH1ServerHangsUpOnTheRequest(t *testing.T) {
	srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
		if req.URL.Path == "/fine" {
			return okEmpty, false
		}
		return "", true // reads the request, closes without an answer
	})
	c := fast(Options{})
	defer leanTransport(t, c).CloseIdleConnections()
	// On a new connection.
	as := c.Send(context.Background(), Request{URL: srv.url() + "/hangup/1", Body: []byte("{}")})
	if e := kindOf(t, as[0]); e.Kind != KindReset {
		t.Fatalf("kind %s (%v), want %s", e.Kind, e.Err, KindReset)
	}
	// On a connection that answered before.
	if as := c.Send(context.Background(), Request{URL: srv.url() + "/fine", Body: []byte("{}")}); !as[0].Acknowledged() {
		t.Fatalf("%+v", as[0])
	}
	as = c.Send(context.Background(), Request{URL: srv.url() + "/hangup/2", Body: []byte("{}")})
	if e := kindOf(t, as[0]); e.Kind != KindReset {
		t.Fatalf("kind %s (%v), want %s", e.Kind, e.Err, KindReset)
	}
	var paths []string
	for _, r := range srv.requests() {
		paths = append(paths, strings.Fields(r)[1])
	}
	if got := strings.Join(paths, " "); got != "/hangup/1 /fine /hangup/2" {
		t.Fatalf("the server got %s: each request once, none sent again", got)
	}
}

func TestH1NoAnswerTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
		<-release
		return "", true
	})
	c := fast(Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	as := c.Send(context.Background(), Request{URL: srv.url() + "/"})
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the attempt took %s", d)
	}
	e := kindOf(t, as[0])
	if e.Kind != KindTimeout || !errors.Is(e.Err, context.DeadlineExceeded) {
		t.Fatalf("kind %s (%v), want a timeout", e.Kind, e.Err)
	}
}

func TestH1SlowBodyTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
		return "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", false
	})
	c := fast(Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	as := c.Send(context.Background(), Request{URL: srv.url() + "/"})
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the attempt took %s", d)
	}
	if e := kindOf(t, as[0]); e.Kind != KindTimeout {
		t.Fatalf("kind %s (%v), want a timeout", e.Kind, e.Err)
	}
	if n := idleCount(leanTransport(t, c)); n != 0 {
		t.Fatalf("%d idle connections, want 0", n)
	}
}

func TestH1Canceled(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	got := make(chan struct{}, 4)
	srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
		got <- struct{}{}
		<-release
		return "", true
	})
	lean := leanTransport(t, New(Options{}))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-got
		cancel()
	}()
	start := time.Now()
	_, err := lean.RoundTrip(newReq(t, ctx, "POST", srv.url()+"/", []byte("x"), nil))
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("error %v after %s, want context.Canceled at once", err, time.Since(start))
	}

	// Through the client: the attempt is canceled.
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		<-got
		cancel()
	}()
	c := fast(Options{Timeout: 5 * time.Second})
	as := c.Send(ctx, Request{URL: srv.url() + "/"})
	if e := kindOf(t, as[0]); e.Kind != KindCanceled || !errors.Is(e.Err, context.Canceled) {
		t.Fatalf("kind %s (%v), want %s", e.Kind, e.Err, KindCanceled)
	}
}

func TestH1Refused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	lean := leanTransport(t, New(Options{}))
	_, err = lean.RoundTrip(newReq(t, context.Background(), "POST", "http://"+addr+"/", []byte("x"), nil))
	if err == nil || !isRefused(err) {
		t.Fatalf("error %v, want connection refused", err)
	}
	as := fast(Options{}).Send(context.Background(), Request{URL: "http://" + addr + "/"})
	if e := kindOf(t, as[0]); e.Kind != KindRefused {
		t.Fatalf("kind %s (%v), want %s", e.Kind, e.Err, KindRefused)
	}
}

func isRefused(err error) bool {
	e := classify(err, &url.URL{Scheme: "http", Host: "h"}, time.Second, context.Background(), context.Background())
	return e.Kind == KindRefused
}

func TestH1ResponseHeaderLimit(t *testing.T) {
	srv := newRawServer(t, func(int, *http.Request) (string, bool) {
		return "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 4000) + "\r\nContent-Length: 0\r\n\r\n", false
	})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	tr.MaxResponseHeaderBytes = 1000
	lean := newH1Transport(tr)
	_, err := lean.RoundTrip(newReq(t, context.Background(), "GET", srv.url()+"/", nil, nil))
	if err == nil || !strings.Contains(err.Error(), "server response headers exceeded 1000 bytes") {
		t.Fatalf("error %v, want the header limit", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Fatalf("the server got %d requests, want 1", n)
	}
}

func TestH1FallsBack(t *testing.T) {
	// https: the fallback, with --insecure's TLS config.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls") }))
	defer tlsSrv.Close()
	c := fast(Options{Insecure: true})
	if as := c.Send(context.Background(), Request{URL: tlsSrv.URL + "/"}); !as[0].Acknowledged() || string(as[0].Body) != "tls" {
		t.Fatalf("https: %+v", as[0])
	}
	if n := idleCount(leanTransport(t, c)); n != 0 {
		t.Fatalf("https went through the lean transport: %d idle connections", n)
	}

	// A proxy: the fallback sends the request to it.
	var proxied atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(r.RequestURI)
		io.WriteString(w, "via proxy")
	}))
	defer proxy.Close()
	target := newRawServer(t, answerOK)
	c = fast(Options{})
	pu, _ := url.Parse(proxy.URL)
	leanTransport(t, c).fallback.Proxy = http.ProxyURL(pu)
	if as := c.Send(context.Background(), Request{URL: target.url() + "/p"}); !as[0].Acknowledged() || string(as[0].Body) != "via proxy" {
		t.Fatalf("proxy: %+v", as[0])
	}
	if got, _ := proxied.Load().(string); got != target.url()+"/p" {
		t.Fatalf("the proxy got %q", got)
	}
	if target.connCount() != 0 {
		t.Fatal("the target was contacted directly")
	}

	// A body of unknown length: the fallback (which sends it chunked).
	srv := newRawServer(t, answerOK)
	lean := leanTransport(t, New(Options{}))
	req := newReq(t, context.Background(), "POST", srv.url()+"/", nil, nil)
	req.Body = io.NopCloser(strings.NewReader("streamed"))
	resp, _ := roundTrip(t, lean, req)
	if resp.StatusCode != 200 || !strings.Contains(srv.requests()[0], "Transfer-Encoding: chunked") {
		t.Fatalf("a body of unknown length: %q", srv.requests())
	}
	if n := idleCount(lean); n != 0 {
		t.Fatalf("%d idle lean connections, want 0", n)
	}
}

func TestH1UserInfoIsBasicAuth(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { auth = r.Header.Get("Authorization") }))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://user:pass@", 1)
	if as := fast(Options{}).Send(context.Background(), Request{URL: u + "/"}); !as[0].Acknowledged() || auth != "Basic dXNlcjpwYXNz" {
		t.Fatalf("%+v, Authorization %q", as[0], auth)
	}
}

func TestH1IdleConnectionsExpire(t *testing.T) {
	srv := newRawServer(t, answerOK)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	tr.IdleConnTimeout = 50 * time.Millisecond
	lean := newH1Transport(tr)
	defer lean.CloseIdleConnections()
	roundTrip(t, lean, newReq(t, context.Background(), "POST", srv.url()+"/", nil, nil))
	time.Sleep(100 * time.Millisecond)
	roundTrip(t, lean, newReq(t, context.Background(), "POST", srv.url()+"/", nil, nil))
	if n := srv.connCount(); n != 2 {
		t.Fatalf("%d connections, want 2 (the idle one expired)", n)
	}
}
