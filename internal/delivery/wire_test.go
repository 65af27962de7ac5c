package delivery

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/httpx"
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

// wireRequest is a request as it was read off the wire.
type wireRequest struct {
	line   string              // the request line
	header map[string][]string // each field line's value by its name as written, in order
	body   []byte
}

// parseWire splits the raw bytes of one request without interpreting
// them: names keep their case, values their bytes.
func parseWire(t *testing.T, raw string) wireRequest {
	t.Helper()
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		t.Fatalf("no end of the header in %q", raw)
	}
	lines := strings.Split(head, "\r\n")
	w := wireRequest{line: lines[0], header: map[string][]string{}, body: []byte(body)}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ": ")
		if !ok {
			t.Fatalf("field line %q", l)
		}
		w.header[name] = append(w.header[name], value)
	}
	return w
}

// TestSendsWhatTheCaptureHolds replays capture records the way replay
// builds their requests (httpx.Sendable over the kept header bytes,
// httpx.JoinURL for the path and query) and reads the bytes net/http puts
// on the wire: the method, path, query, every header value and the body
// are the capture's, byte for byte, and the only headers added are the
// client's own framing (Host, Content-Length) and a User-Agent when the
// capture has none. Nothing else: no Accept-Encoding, no Connection, none
// of the framing headers the capture kept.
func TestSendsWhatTheCaptureHolds(t *testing.T) {
	srv := newRawServer(t, answerOK)
	base, err := url.Parse(srv.url() + "/base")
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	binary := "{\"a\": 1}\r\n\xff\x00\xfe"
	tests := []struct {
		name string
		line string // a capture record
		// The headers the client adds: "" for none.
		wantLength string
		wantUA     string
	}{
		{name: "json post",
			line: `{"v":1,"id":"a","method":"POST","path":"/hook/a%2Fb%3Fc","query":"x=1&y=%20z&y=2",` +
				`"headers":{"Content-Type":["application/json"],"X-Multi":["one","two","three"],"Stripe-Signature":["t=1,v1=ab"],"A-First":["1"]},` +
				`"body":"{\"id\":\"evt_1\"}","body_encoding":"utf8","body_size":14}`,
			wantLength: "14", wantUA: "hooktool/test"},
		{name: "binary body and header bytes",
			line: `{"v":1,"id":"b","method":"POST","path":"/","headers":{"X-Raw":["` + b64("caf\xe9 \xff") + `"],"X-Plain":["ok"]},"base64_headers":["X-Raw"],` +
				`"body":"` + b64(binary) + `","body_encoding":"base64","body_size":13}`,
			wantLength: "13", wantUA: "hooktool/test"},
		{name: "framing and hop-by-hop headers kept in the capture",
			line: `{"v":1,"id":"c","method":"POST","path":"/p","headers":{"Content-Length":["999"],"Transfer-Encoding":["chunked"],"Connection":["X-Hop"],` +
				`"X-Hop":["1"],"Keep-Alive":["timeout=5"],"Expect":["100-continue"],"Te":["trailers"],"Upgrade":["h2c"],"X-Kept":["kept"]},` +
				`"body":"abc","body_encoding":"utf8","body_size":3}`,
			wantLength: "3", wantUA: "hooktool/test"},
		{name: "the sender's own user agent and accept-encoding",
			line: `{"v":1,"id":"d","method":"POST","path":"/","headers":{"User-Agent":["Stripe/1.0 (+https://stripe.com/docs/webhooks)"],"Accept-Encoding":["gzip"]},` +
				`"body":"{}","body_encoding":"utf8","body_size":2}`,
			wantLength: "2"},
		{name: "an empty user agent is none",
			line:       `{"v":1,"id":"e","method":"POST","path":"/","headers":{"User-Agent":[""]},"body":"","body_encoding":"utf8","body_size":0}`,
			wantLength: "0"},
		{name: "get without a body",
			line:   `{"v":1,"id":"f","method":"GET","path":"/ping","query":"q","headers":{"Accept":["*/*"]},"body":"","body_encoding":"utf8","body_size":0}`,
			wantUA: "hooktool/test"},
		{name: "put without a body",
			line:       `{"v":1,"id":"g","method":"PUT","path":"/r","headers":{},"body":"","body_encoding":"utf8","body_size":0}`,
			wantLength: "0", wantUA: "hooktool/test"},
		{name: "delete with a body",
			line:       `{"v":1,"id":"h","method":"DELETE","path":"/r","headers":{"X-Empty":[""]},"body":"d","body_encoding":"utf8","body_size":1}`,
			wantLength: "1", wantUA: "hooktool/test"},
	}
	c := fast(Options{UserAgent: "hooktool/test"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec *capture.Record
			if err := capture.Read(strings.NewReader(tc.line+"\n"), "test", capture.ReadOptions{}, func(r *capture.Record, _ int) error {
				rec = r
				return nil
			}); err != nil || rec == nil {
				t.Fatalf("reading the capture: %v", err)
			}
			kept, err := rec.HeaderBytes()
			if err != nil {
				t.Fatal(err)
			}
			h, invalid := httpx.Sendable(kept)
			if len(invalid) > 0 {
				t.Fatalf("invalid headers %v", invalid)
			}
			target, err := httpx.JoinURL(base, rec.Path, rec.Query)
			if err != nil {
				t.Fatal(err)
			}
			body, err := rec.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			before := len(srv.requests())
			as := c.Send(context.Background(), Request{Method: rec.Method, URL: target, Header: h, Body: body})
			if !as[0].Acknowledged() {
				t.Fatalf("%+v", as[0])
			}
			reqs := srv.requests()
			if len(reqs) != before+1 {
				t.Fatalf("the server got %d requests, want 1", len(reqs)-before)
			}
			got := parseWire(t, reqs[len(reqs)-1])

			// The path and query as httpx.JoinURL put them after the base.
			uri := strings.TrimPrefix(target, srv.url())
			if want := rec.Method + " " + uri + " HTTP/1.1"; got.line != want {
				t.Errorf("request line %q, want %q", got.line, want)
			}
			if !bytes.Equal(got.body, body) {
				t.Errorf("body %q, want %q", got.body, body)
			}
			want := map[string][]string{"Host": {srv.ln.Addr().String()}}
			for k, vv := range kept {
				if !httpx.IsFraming(k) && k != "X-Hop" {
					want[k] = vv
				}
			}
			if tc.wantLength != "" {
				want["Content-Length"] = []string{tc.wantLength}
			}
			if tc.wantUA != "" {
				want["User-Agent"] = []string{tc.wantUA}
			}
			if vv, ok := want["User-Agent"]; ok && len(vv) == 1 && vv[0] == "" {
				delete(want, "User-Agent") // an empty User-Agent asks for none
			}
			if !equalHeaders(got.header, want) {
				t.Errorf("sent the headers\n%q\nwant\n%q", got.header, want)
			}
		})
	}
}

func equalHeaders(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// A Host header in the request's map (trigger -H 'Host: x', a raw request
// file) is the Host sent; a "host" or "HOST" key, which Header.Get does not
// find, is dropped as a framing header. Either way one Host is sent.
func TestHostFromTheHeaderMap(t *testing.T) {
	srv := newRawServer(t, answerOK)
	c := fast(Options{})
	for name, want := range map[string]string{"Host": "example.com:8080", "host": srv.ln.Addr().String(), "HOST": srv.ln.Addr().String()} {
		as := c.Send(context.Background(), Request{URL: srv.url() + "/", Header: http.Header{name: {"example.com:8080"}}, Body: []byte("{}")})
		if !as[0].Acknowledged() {
			t.Fatalf("%s: %+v", name, as[0])
		}
		reqs := srv.requests()
		got := parseWire(t, reqs[len(reqs)-1])
		var hosts []string
		for k, vv := range got.header {
			if strings.EqualFold(k, "Host") {
				hosts = append(hosts, vv...)
			}
		}
		if len(hosts) != 1 || hosts[0] != want {
			t.Errorf("%s: sent Host %q, want %s once", name, hosts, want)
		}
	}
}

func TestRefusesHeaderInjection(t *testing.T) {
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

func TestReusesConnections(t *testing.T) {
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
	const workers, each = 32, 20
	c := fast(Options{Concurrency: workers})
	defer c.HTTP.CloseIdleConnections()

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
	// the pooled one, the next two needed new ones.
	if n := conns.Load(); n != 3 {
		t.Fatalf("after 3 answers with Connection: close: %d connections, want 3", n)
	}

	// Concurrent deliveries keep their connections: the pool holds one per
	// worker (net/http's default of 2 idle per host would open a new one
	// for most of them).
	before := conns.Load()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				body := fmt.Sprintf("w%d-%d", w, i)
				if as := c.Send(context.Background(), Request{URL: srv.URL + "/echo", Body: []byte(body)}); !as[0].Acknowledged() || string(as[0].Body) != body {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d concurrent requests failed", failed.Load(), workers*each)
	}
	// At most one connection per worker in use and one idle per worker.
	if n := conns.Load() - before; n > 2*workers {
		t.Fatalf("%d workers sending %d requests opened %d connections, want at most %d", workers, workers*each, n, 2*workers)
	}
	if got := hits.Load(); got != 50+15+3+workers*each {
		t.Fatalf("the server got %d requests, want %d", got, 50+15+3+workers*each)
	}
}

func TestAnswers(t *testing.T) {
	tests := []struct {
		name, answer, body string
		status             int
		hangUp             bool
		conns              int // connections for 3 requests
	}{
		{"content length", "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello", "hello", 201, false, 1},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", "hello", 200, false, 1},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "ok", 200, false, 3},
		{"interim answers", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", 200, false, 1},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", "", 204, false, 1},
		{"redirect", "HTTP/1.1 302 Found\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n", "", 302, false, 1},
		{"HTTP/1.0 read to the end", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it, until the end", "all of it, until the end", 200, true, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, func(n int, req *http.Request) (string, bool) { return tc.answer, tc.hangUp })
			c := fast(Options{})
			defer c.HTTP.CloseIdleConnections()
			for i := 0; i < 3; i++ {
				as := c.Send(context.Background(), Request{URL: srv.url() + "/", Body: []byte("x")})
				if as[0].Err != nil || as[0].Status != tc.status || string(as[0].Body) != tc.body {
					t.Fatalf("attempt %d: %+v", i, as[0])
				}
			}
			if n := srv.connCount(); n != tc.conns {
				t.Fatalf("3 requests over %d connections, want %d", n, tc.conns)
			}
			if n := len(srv.requests()); n != 3 {
				t.Fatalf("the server got %d requests, want 3", n)
			}
		})
	}
}

// closeSignalConn tells when the client closes its end of a connection.
type closeSignalConn struct {
	net.Conn
	once   sync.Once
	closed chan<- struct{}
}

func (c *closeSignalConn) Close() error {
	c.once.Do(func() { c.closed <- struct{}{} })
	return c.Conn.Close()
}

// A connection the server closed while it was idle (its keep-alive
// timeout, a restart) is dropped by the client once it sees the end of
// the stream, and the next delivery goes over a new connection, once.
// (Between the server's close and the client's noticing it, a delivery
// can still take the dying connection: a POST then fails as a reset and is
// not sent again, see TestWrittenRequestSentAgainOnlyWhenReplayable.)
func TestServerClosedIdleConnection(t *testing.T) {
	srv := newRawServer(t, func(int, *http.Request) (string, bool) {
		// A keep-alive answer, then the server closes the connection.
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true
	})
	c := fast(Options{})
	defer c.HTTP.CloseIdleConnections()
	tr := c.HTTP.Transport.(*http.Transport)
	dial := tr.DialContext
	clientClosed := make(chan struct{}, 10)
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &closeSignalConn{Conn: conn, closed: clientClosed}, nil
	}
	for i := 0; i < 3; i++ {
		as := c.Send(context.Background(), Request{URL: srv.url() + "/", Body: []byte(fmt.Sprint(i))})
		if !as[0].Acknowledged() {
			t.Fatalf("request %d after the server closed the idle connection: %+v (%v)", i, as[0], as[0].Err)
		}
		select {
		case <-clientClosed:
		case <-time.After(5 * time.Second):
			t.Fatalf("request %d: the client did not drop the connection the server closed", i)
		}
	}
	reqs := srv.requests()
	if len(reqs) != 3 || srv.connCount() != 3 {
		t.Fatalf("the server got %d requests over %d connections, want 3 over 3 (each once)", len(reqs), srv.connCount())
	}
	for i, r := range reqs {
		if !strings.HasSuffix(r, "\r\n\r\n"+fmt.Sprint(i)) {
			t.Errorf("request %d: %q", i, r)
		}
	}
}

// A request written on a kept-alive connection that then ends without an
// answer is sent again on a new connection only when net/http deems it
// replayable: a GET, HEAD, OPTIONS or TRACE, or a request carrying an
// Idempotency-Key or X-Idempotency-Key header (the sender's word that the
// receiver drops a duplicate). A webhook delivery (a POST) without one is
// never sent twice: the receiver may have acted on it.
func TestWrittenRequestSentAgainOnlyWhenReplayable(t *testing.T) {
	tests := []struct {
		name, method string
		header       http.Header
		wantSent     int // times the server read /second
	}{
		{name: "post", method: "POST", wantSent: 1},
		{name: "post with Idempotency-Key", method: "POST", header: http.Header{"Idempotency-Key": {"k1"}}, wantSent: 2},
		{name: "post with X-Idempotency-Key", method: "POST", header: http.Header{"X-Idempotency-Key": {"k1"}}, wantSent: 2},
		{name: "get", method: "GET", wantSent: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seconds atomic.Int32
			srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
				if req.URL.Path == "/second" && seconds.Add(1) == 1 {
					return "", true // read it, then close the connection without an answer
				}
				return okEmpty, false
			})
			c := fast(Options{})
			defer c.HTTP.CloseIdleConnections()
			if as := c.Send(context.Background(), Request{Method: tc.method, URL: srv.url() + "/first", Body: []byte("{}")}); !as[0].Acknowledged() {
				t.Fatalf("/first: %+v", as[0])
			}
			as := c.Send(context.Background(), Request{Method: tc.method, URL: srv.url() + "/second", Header: tc.header, Body: []byte("{}")})
			if n := int(seconds.Load()); n != tc.wantSent {
				t.Fatalf("the server read /second %d times, want %d", n, tc.wantSent)
			}
			if tc.wantSent == 1 {
				if e := kindOf(t, as[0]); e.Kind != KindReset {
					t.Fatalf("kind %s (%v), want %s", e.Kind, e.Err, KindReset)
				}
			} else if !as[0].Acknowledged() {
				t.Fatalf("sent again: %+v (%v)", as[0], as[0].Err)
			}
			if len(as) != 1 {
				t.Fatalf("%d attempts, want 1 (no retries asked)", len(as))
			}
		})
	}
}

func TestServerHangsUpOnTheRequest(t *testing.T) {
	srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
		if req.URL.Path == "/fine" {
			return okEmpty, false
		}
		return "", true // reads the request, closes without an answer
	})
	c := fast(Options{})
	defer c.HTTP.CloseIdleConnections()
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

func TestNoAnswerTimesOut(t *testing.T) {
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

func TestSlowBodyTimesOut(t *testing.T) {
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
	// The connection, its answer unfinished, is not used again.
	if as := c.Send(context.Background(), Request{URL: srv.url() + "/"}); as[0].Err == nil || srv.connCount() != 2 {
		t.Fatalf("second attempt %+v over %d connections, want a timeout over a second one", as[0], srv.connCount())
	}
}

func TestCanceled(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	got := make(chan struct{}, 4)
	srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
		got <- struct{}{}
		<-release
		return "", true
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-got
		cancel()
	}()
	c := fast(Options{Timeout: 5 * time.Second})
	start := time.Now()
	as := c.Send(ctx, Request{URL: srv.url() + "/"})
	if e := kindOf(t, as[0]); e.Kind != KindCanceled || !errors.Is(e.Err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("kind %s (%v) after %s, want %s at once", e.Kind, e.Err, time.Since(start), KindCanceled)
	}
}

func TestUserInfoIsBasicAuth(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { auth = r.Header.Get("Authorization") }))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://user:pass@", 1)
	as := fast(Options{}).Send(context.Background(), Request{URL: u + "/"})
	if !as[0].Acknowledged() || auth != "Basic dXNlcjpwYXNz" {
		t.Fatalf("%+v, Authorization %q", as[0], auth)
	}
	if _, ok := as[0].Header["Authorization"]; ok {
		t.Errorf("the attempt records the credentials as a header it was given: %v", as[0].Header)
	}
}

// https goes over HTTP/2 when the server offers it, with --insecure's TLS
// configuration too.
func TestHTTPSUsesHTTP2(t *testing.T) {
	var proto atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Proto)
		if _, ok := r.Header["Accept-Encoding"]; ok {
			t.Errorf("Accept-Encoding %q was sent", r.Header["Accept-Encoding"])
		}
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	as := fast(Options{Insecure: true}).Send(context.Background(), Request{URL: srv.URL + "/", Body: []byte("{}")})
	if !as[0].Acknowledged() {
		t.Fatalf("%+v (%v)", as[0], as[0].Err)
	}
	if p, _ := proto.Load().(string); p != "HTTP/2.0" {
		t.Fatalf("protocol %q, want HTTP/2.0", p)
	}
}

// Proxies come from the environment (HTTP_PROXY, NO_PROXY), as with
// net/http's default transport. net/http reads the environment once per
// process, so the client runs in a child process of the test binary.
func TestProxyFromEnvironment(t *testing.T) {
	if target := os.Getenv("HOOKTOOL_TEST_PROXY_TARGET"); target != "" {
		as := fast(Options{}).Send(context.Background(), Request{URL: target})
		fmt.Printf("status=%d body=%q err=%v\n", as[0].Status, as[0].Body, as[0].Err)
		return
	}
	var proxied atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(r.RequestURI)
		io.WriteString(w, "via proxy")
	}))
	defer proxy.Close()
	const target = "http://target.invalid/p?q=1"
	cmd := exec.Command(os.Args[0], "-test.run=^TestProxyFromEnvironment$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HOOKTOOL_TEST_PROXY_TARGET="+target, "HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `status=200 body="via proxy" err=<nil>`) {
		t.Fatalf("child:\n%s", out)
	}
	if got, _ := proxied.Load().(string); got != target {
		t.Fatalf("the proxy got %q, want %q", got, target)
	}
}

// The framing headers are the client's own whatever the size of the body.
func TestContentLengthIsTheBodys(t *testing.T) {
	srv := newRawServer(t, answerOK)
	c := fast(Options{})
	for _, size := range []int{0, 1, 4 << 10, 1<<20 + 1} {
		body := bytes.Repeat([]byte("b"), size)
		as := c.Send(context.Background(), Request{URL: srv.url() + "/", Header: http.Header{"Content-Length": {"5"}}, Body: body})
		if !as[0].Acknowledged() {
			t.Fatalf("%d bytes: %+v", size, as[0])
		}
		reqs := srv.requests()
		got := parseWire(t, reqs[len(reqs)-1])
		if cl := got.header["Content-Length"]; len(cl) != 1 || cl[0] != strconv.Itoa(size) || len(got.body) != size {
			t.Fatalf("%d bytes: Content-Length %q, %d bytes of body", size, cl, len(got.body))
		}
	}
}
