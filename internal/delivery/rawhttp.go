package delivery

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// h1Transport is a lean HTTP/1.1 client transport for plain http://
// targets: one buffered write per request, the response read in the
// caller's goroutine (no reader and writer goroutines per connection, no
// channel handoffs), and a small per-host pool of idle connections.
//
// What it sends is what net/http's Transport sends for the same request,
// byte for byte (header order and trimming, Host, User-Agent,
// Content-Length rules), and it refuses what net/http refuses (invalid
// header names and values, control bytes in the request URI) before
// anything is written. Everything it does not handle goes to the fallback
// *http.Transport unchanged: https, proxies, bodies of unknown or large
// length, chunked and trailers, Expect and Upgrade, client traces, and a
// fallback configured otherwise than delivery's (compression, keep-alives
// off, a response header timeout).
//
// Like net/http, a request is sent again on a fresh connection only when
// a connection taken from the pool turned out to be dead: when nothing of
// the request could be written, or, for a replayable request (GET, HEAD,
// OPTIONS, TRACE, or one with an Idempotency-Key), when the connection
// ended before any byte of the answer. A POST that was written is never
// sent twice: the server may have acted on it. Connections the server
// closed while they were idle are noticed before they are used (a
// non-blocking peek on the socket, what net/http's background reader
// notices), so that this rarely matters.
type h1Transport struct {
	fallback *http.Transport
	// lean is false when the fallback is configured in a way this
	// transport does not reproduce: everything then goes to the fallback.
	lean           bool
	dial           func(ctx context.Context, network, addr string) (net.Conn, error)
	maxIdlePerHost int
	idleTimeout    time.Duration
	maxHeaderBytes int64

	mu   sync.Mutex
	idle map[string][]*h1Conn // by host:port, most recently used last
}

const (
	// h1MaxBuffered is the largest request body sent in the request's one
	// buffered write; larger ones go to the fallback transport.
	h1MaxBuffered = 1 << 20
	// h1KeepBuffer is the largest write buffer kept for reuse.
	h1KeepBuffer   = 64 << 10
	h1UserAgent    = "Go-http-client/1.1" // net/http's default
	h1DefaultIdle  = 90 * time.Second
	h1DefaultHosts = 2                // http.DefaultMaxIdleConnsPerHost
	h1DefaultLimit = 10 << 20         // net/http's default MaxResponseHeaderBytes
	h1ReadBuffer   = 4 << 10          // net/http's bufio.Reader size per connection
	h1NoLimit      = math.MaxInt64    // read limit once the headers are read
	h1DialTimeout  = 30 * time.Second // net.Dialer's Timeout and KeepAlive, as Go's default transport
)

// aLongTimeAgo is a deadline in the past: it makes a blocked read or write
// return at once.
var aLongTimeAgo = time.Unix(1, 0)

var errReadOnClosedBody = errors.New("http: read on closed response body")

func newH1Transport(fb *http.Transport) *h1Transport {
	t := &h1Transport{
		fallback:       fb,
		lean:           fb.DisableCompression && !fb.DisableKeepAlives && fb.ResponseHeaderTimeout == 0 && fb.Dial == nil, //nolint:staticcheck // Dial: a set one is honoured by the fallback
		dial:           fb.DialContext,
		maxIdlePerHost: fb.MaxIdleConnsPerHost,
		idleTimeout:    fb.IdleConnTimeout,
		maxHeaderBytes: fb.MaxResponseHeaderBytes,
		idle:           map[string][]*h1Conn{},
	}
	if t.dial == nil {
		t.dial = (&net.Dialer{Timeout: h1DialTimeout, KeepAlive: h1DialTimeout}).DialContext
	}
	if t.maxIdlePerHost <= 0 {
		t.maxIdlePerHost = h1DefaultHosts
	}
	if t.idleTimeout <= 0 {
		t.idleTimeout = h1DefaultIdle
	}
	if t.maxHeaderBytes <= 0 {
		t.maxHeaderBytes = h1DefaultLimit
	}
	return t
}

// CloseIdleConnections closes the idle connections of this transport and
// of its fallback.
func (t *h1Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*h1Conn{}
	t.mu.Unlock()
	for _, list := range idle {
		for _, pc := range list {
			pc.conn.Close()
		}
	}
	t.fallback.CloseIdleConnections()
}

// handles reports whether req is one this transport sends itself.
func (t *h1Transport) handles(req *http.Request) bool {
	if !t.lean || req.URL == nil || req.URL.Scheme != "http" || req.URL.Host == "" || req.Header == nil ||
		len(req.TransferEncoding) != 0 || len(req.Trailer) != 0 || req.Cancel != nil || //nolint:staticcheck // a Cancel channel is honoured by the fallback
		req.Method == http.MethodConnect {
		return false
	}
	if req.Body != nil && req.Body != http.NoBody && (req.ContentLength <= 0 || req.ContentLength > h1MaxBuffered) {
		return false // length unknown (net/http would probe it, or chunk it), or large
	}
	if req.Method != "" && !validToken(req.Method) {
		return false // the fallback says why
	}
	if _, ok := req.Header["Expect"]; ok {
		return false // net/http waits for the 100 Continue
	}
	if _, ok := req.Header["Upgrade"]; ok {
		return false // a 101 answer hands over the connection
	}
	if !isASCII(req.Host) || !isASCII(req.URL.Host) {
		return false // Punycode
	}
	if t.fallback.Proxy != nil {
		if u, err := t.fallback.Proxy(req); u != nil || err != nil {
			return false
		}
	}
	return httptrace.ContextClientTrace(req.Context()) == nil
}

// RoundTrip implements http.RoundTripper.
func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.handles(req) {
		return t.fallback.RoundTrip(req)
	}
	bp := getBuffer()
	buf, err := appendRequest((*bp)[:0], req)
	if req.Body != nil {
		if cerr := req.Body.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		putBuffer(bp, buf)
		return nil, err
	}
	resp, err := t.send(req, buf)
	putBuffer(bp, buf)
	return resp, err
}

var bufferPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func getBuffer() *[]byte { return bufferPool.Get().(*[]byte) }

func putBuffer(bp *[]byte, b []byte) {
	if cap(b) > h1KeepBuffer {
		return
	}
	*bp = b[:0]
	bufferPool.Put(bp)
}

// send writes the request in buf and reads the answer, on a pooled
// connection or a new one, and once more on a new one when the pooled one
// was dead.
func (t *h1Transport) send(req *http.Request, buf []byte) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key := hostPort(req)
	for fresh := false; ; fresh = true {
		var pc *h1Conn
		if !fresh {
			pc = t.take(key)
		}
		if pc == nil {
			var err error
			if pc, err = t.dialConn(ctx, key); err != nil {
				return nil, ctxError(ctx, err)
			}
		}
		resp, retry, err := pc.roundTrip(ctx, req, buf)
		if err == nil {
			return resp, nil
		}
		if !retry || fresh || !pc.reused {
			return nil, err
		}
	}
}

func (t *h1Transport) dialConn(ctx context.Context, key string) (*h1Conn, error) {
	conn, err := t.dial(ctx, "tcp", key)
	if err != nil {
		return nil, err
	}
	pc := &h1Conn{t: t, key: key, conn: conn}
	pc.br = bufio.NewReaderSize(pc, h1ReadBuffer)
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			pc.raw = raw
			pc.peekFn = pc.peek
		}
	}
	return pc, nil
}

// take returns a live idle connection to key, or nil.
func (t *h1Transport) take(key string) *h1Conn {
	for {
		t.mu.Lock()
		list := t.idle[key]
		if len(list) == 0 {
			t.mu.Unlock()
			return nil
		}
		pc := list[len(list)-1]
		list[len(list)-1] = nil
		t.idle[key] = list[:len(list)-1]
		t.mu.Unlock()
		if time.Since(pc.idleAt) <= t.idleTimeout && pc.alive() {
			return pc
		}
		pc.conn.Close()
	}
}

// put keeps pc as idle, closing it when the pool for its host is full; it
// also closes the host's connections idle for too long.
func (t *h1Transport) put(pc *h1Conn) {
	now := time.Now()
	pc.idleAt, pc.reused = now, true
	var expired []*h1Conn
	t.mu.Lock()
	list := t.idle[pc.key]
	n := 0
	for n < len(list) && now.Sub(list[n].idleAt) > t.idleTimeout {
		n++
	}
	if n > 0 {
		expired = append(expired, list[:n]...)
		m := copy(list, list[n:])
		clear(list[m:])
		list = list[:m]
	}
	if len(list) < t.maxIdlePerHost {
		t.idle[pc.key] = append(list, pc)
		pc = nil
	} else {
		t.idle[pc.key] = list
	}
	t.mu.Unlock()
	if pc != nil {
		pc.conn.Close()
	}
	for _, c := range expired {
		c.conn.Close()
	}
}

// h1Conn is one connection. It is the source of its bufio.Reader, so that
// it counts the bytes of each answer and bounds the size of its headers.
type h1Conn struct {
	t      *h1Transport
	key    string
	conn   net.Conn
	raw    syscall.RawConn // nil when conn has no file descriptor
	peekFn func(fd uintptr) bool
	br     *bufio.Reader

	reused   bool // it came from the pool: it has answered before
	idleAt   time.Time
	deadline bool // a deadline is set on conn

	nread     int64 // bytes read for the current answer
	readLimit int64 // bytes left for its headers

	peekBuf   [1]byte
	peekAlive bool
}

func (pc *h1Conn) Read(p []byte) (int, error) {
	if pc.readLimit <= 0 {
		return 0, fmt.Errorf("read limit of %d bytes exhausted", pc.t.maxHeaderBytes)
	}
	if int64(len(p)) > pc.readLimit {
		p = p[:pc.readLimit]
	}
	n, err := pc.conn.Read(p)
	pc.nread += int64(n)
	pc.readLimit -= int64(n)
	return n, err
}

// alive reports whether an idle connection can be used: the server has
// neither closed it nor sent anything unasked (a 408, say).
func (pc *h1Conn) alive() bool {
	if pc.br.Buffered() > 0 {
		return false
	}
	if pc.raw == nil {
		return true
	}
	pc.peekAlive = false
	if err := pc.raw.Read(pc.peekFn); err != nil {
		return false
	}
	return pc.peekAlive
}

// roundTrip writes buf and reads the answer. retry reports that the
// request can be sent again on a new connection: nothing of it was
// written, or the request is replayable and nothing of the answer came.
func (pc *h1Conn) roundTrip(ctx context.Context, req *http.Request, buf []byte) (resp *http.Response, retry bool, err error) {
	deadline, hasDeadline := ctx.Deadline()
	if hasDeadline || pc.deadline {
		if err := pc.conn.SetDeadline(deadline); err != nil {
			pc.conn.Close()
			return nil, true, err
		}
		pc.deadline = hasDeadline
	}
	var stop func() bool
	if ctx.Done() != nil {
		conn := pc.conn
		stop = context.AfterFunc(ctx, func() { conn.SetDeadline(aLongTimeAgo) })
	}
	fail := func(err error) error {
		if stop != nil {
			stop()
		}
		pc.conn.Close()
		return ctxDeadlineError(ctx, err, deadline, hasDeadline)
	}

	n, err := pc.conn.Write(buf)
	if err != nil {
		err = fail(err)
		return nil, n == 0 && ctx.Err() == nil && !isTimeout(err), err
	}

	pc.nread, pc.readLimit = 0, pc.t.maxHeaderBytes
	for {
		resp, err = http.ReadResponse(pc.br, req)
		if err != nil {
			if pc.readLimit <= 0 {
				err = fmt.Errorf("net/http: server response headers exceeded %d bytes; aborted", pc.t.maxHeaderBytes)
			}
			nothing := pc.nread == 0
			if nothing && errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF // the connection ended before the answer began
			}
			err = fail(err)
			return nil, nothing && replayable(req) && ctx.Err() == nil && !isTimeout(err), err
		}
		if resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
		// An interim answer (100 Continue, 103 Early Hints): the final one
		// follows. The header limit covers them all, as in net/http.
	}
	pc.readLimit = h1NoLimit

	keep := !resp.Close && !wantsClose(req) && resp.StatusCode != http.StatusSwitchingProtocols
	if resp.Body == http.NoBody {
		pc.t.release(pc, keep, stop)
		return resp, false, nil
	}
	resp.Body = &h1Body{rc: resp.Body, pc: pc, keep: keep, stop: stop, ctx: ctx, deadline: deadline, hasDeadline: hasDeadline}
	return resp, false, nil
}

// release ends a round trip on pc: back to the pool when keep holds and
// the connection is clean, closed otherwise.
func (t *h1Transport) release(pc *h1Conn, keep bool, stop func() bool) {
	if stop != nil && !stop() {
		keep = false // canceled: the deadline in the past may land any time
	}
	if !keep || pc.br.Buffered() > 0 {
		pc.conn.Close()
		return
	}
	if pc.deadline {
		if err := pc.conn.SetDeadline(time.Time{}); err != nil {
			pc.conn.Close()
			return
		}
		pc.deadline = false
	}
	t.put(pc)
}

// h1Body is an answer's body: read to its end, it gives the connection back
// to the pool; closed before, it closes the connection.
type h1Body struct {
	rc          io.ReadCloser
	keep        bool
	stop        func() bool
	ctx         context.Context
	deadline    time.Time
	hasDeadline bool

	mu     sync.Mutex
	pc     *h1Conn // nil once the connection is released
	closed bool
}

func (b *h1Body) Read(p []byte) (int, error) {
	b.mu.Lock()
	closed, pc := b.closed, b.pc
	b.mu.Unlock()
	if closed {
		return 0, errReadOnClosedBody
	}
	if pc == nil {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.done(true)
	case err != nil:
		err = ctxDeadlineError(b.ctx, err, b.deadline, b.hasDeadline)
		b.done(false)
	}
	return n, err
}

func (b *h1Body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	// Not read to its end: the rest of the answer is still on the
	// connection (and might never come), so the connection is closed.
	b.done(false)
	return nil
}

func (b *h1Body) done(keep bool) {
	b.mu.Lock()
	pc := b.pc
	b.pc = nil
	b.mu.Unlock()
	if pc != nil {
		pc.t.release(pc, keep && b.keep, b.stop)
	}
}

// ctxError is err, or the context's error when the context is done: the
// connection was interrupted because of it.
func ctxError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// ctxDeadlineError is ctxError, and context.DeadlineExceeded for any
// failure once the context's deadline has passed. The connection's
// deadline is the context's and may fire a moment before the context is
// done; and what it interrupts need not say so: a status line cut short
// ("HTT") reads as a malformed answer, not as a timeout.
func ctxDeadlineError(ctx context.Context, err error, deadline time.Time, hasDeadline bool) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if hasDeadline && !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return err
}

// hostPort is the address to dial for req, the key of its pool.
func hostPort(req *http.Request) string {
	h := req.URL.Host
	if req.URL.Port() != "" {
		return h
	}
	return net.JoinHostPort(req.URL.Hostname(), "80")
}

// appendRequest appends req as net/http's Transport writes it (request
// line, Host, User-Agent, Connection: close when asked, Content-Length,
// then the headers sorted by name, each value trimmed), then its body. It
// fails, as net/http does, on an invalid header name or value or a control
// byte in the request URI.
func appendRequest(b []byte, req *http.Request) ([]byte, error) {
	keys := getKeys()
	defer putKeys(keys)
	for k, vv := range req.Header {
		if !validToken(k) {
			return b, fmt.Errorf("net/http: invalid header field name %q", k)
		}
		for _, v := range vv {
			if !validHeaderValue(v) {
				// Not the value: it may be a secret.
				return b, fmt.Errorf("net/http: invalid header field value for %q", k)
			}
		}
		if !excluded(k) {
			*keys = append(*keys, k)
		}
	}
	slices.Sort(*keys)

	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	ruri := req.URL.RequestURI()
	for i := 0; i < len(ruri); i++ {
		if ruri[i] < ' ' || ruri[i] == 0x7f {
			return b, errors.New("net/http: can't write control character in Request.URL")
		}
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !validHost(host) {
		host = "" // what net/http sends rather than an altered Host
	}
	host = removeZone(host)

	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, ruri...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\n"...)
	ua := h1UserAgent
	if vv, ok := req.Header["User-Agent"]; ok {
		ua = ""
		if len(vv) > 0 {
			ua = textproto.TrimString(vv[0])
		}
	}
	if ua != "" {
		b = append(b, "User-Agent: "...)
		b = append(b, ua...)
		b = append(b, "\r\n"...)
	}
	if req.Close && !hasToken(first(req.Header["Connection"]), "close") {
		b = append(b, "Connection: close\r\n"...)
	}
	var n int64
	if req.Body != nil && req.Body != http.NoBody {
		n = req.ContentLength
	}
	// net/http's rule: a length when there is a body, and 0 for the methods
	// servers expect one with.
	if n > 0 || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, n, 10)
		b = append(b, "\r\n"...)
	}
	for _, k := range *keys {
		for _, v := range req.Header[k] {
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, textproto.TrimString(v)...)
			b = append(b, "\r\n"...)
		}
	}
	b = append(b, "\r\n"...)
	if n == 0 {
		return b, nil
	}

	// The body, and a byte more to tell a body longer than ContentLength.
	start := len(b)
	b = slices.Grow(b, int(n)+1)
	got, err := io.ReadFull(req.Body, b[start:start+int(n)])
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return b, fmt.Errorf("http: ContentLength=%d with Body length %d", n, got)
	}
	if err != nil {
		return b, err
	}
	if extra, err := req.Body.Read(b[start+int(n) : start+int(n)+1]); extra > 0 {
		more, _ := io.Copy(io.Discard, req.Body)
		return b, fmt.Errorf("http: ContentLength=%d with Body length %d", n, n+int64(extra)+more)
	} else if err != nil && err != io.EOF {
		return b, err
	}
	return b[:start+int(n)], nil
}

var keysPool = sync.Pool{New: func() any { k := make([]string, 0, 16); return &k }}

func getKeys() *[]string { return keysPool.Get().(*[]string) }

func putKeys(k *[]string) {
	clear(*k)
	*k = (*k)[:0]
	keysPool.Put(k)
}

// excluded reports whether header k is not written from the header map:
// those net/http writes itself (Host, User-Agent, Content-Length,
// Transfer-Encoding, Trailer), and, whatever their case, the framing and
// Host headers, so that no second Host or Content-Length is ever sent.
func excluded(k string) bool {
	switch len(k) {
	case len("Host"):
		return equalFold(k, "Host")
	case len("Trailer"):
		return k == "Trailer"
	case len("User-Agent"):
		return k == "User-Agent"
	case len("Content-Length"):
		return equalFold(k, "Content-Length")
	case len("Transfer-Encoding"):
		return equalFold(k, "Transfer-Encoding")
	}
	return false
}

// replayable is net/http's Request.isReplayable for a body it holds.
func replayable(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, a := req.Header["Idempotency-Key"]
	_, b := req.Header["X-Idempotency-Key"]
	return a || b
}

// wantsClose is net/http's Request.wantsClose.
func wantsClose(req *http.Request) bool {
	return req.Close || hasToken(first(req.Header["Connection"]), "close")
}

func first(vv []string) string {
	if len(vv) == 0 {
		return ""
	}
	return vv[0]
}

// hasToken reports whether token is in the comma-separated list v, ASCII
// case-insensitively (net/http's hasToken).
func hasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	if v == token {
		return true
	}
	for sp := 0; sp <= len(v)-len(token); sp++ {
		if b := v[sp]; b != token[0] && b|0x20 != token[0] {
			continue
		}
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if endPos := sp + len(token); endPos != len(v) && !isTokenBoundary(v[endPos]) {
			continue
		}
		if equalFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(b byte) bool { return b == ' ' || b == ',' || b == '\t' }

func equalFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != lower(t[i]) {
			return false
		}
	}
	return true
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// removeZone removes an IPv6 zone identifier from host (RFC 6874), as
// net/http does.
func removeZone(host string) string {
	if len(host) == 0 || host[0] != '[' {
		return host
	}
	i := strings.LastIndexByte(host, ']')
	if i < 0 {
		return host
	}
	j := strings.LastIndexByte(host[:i], '%')
	if j < 0 {
		return host
	}
	return host[:j] + host[i:]
}

// validToken is httpguts.ValidHeaderFieldName (and net/http's validMethod):
// one or more token characters.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte[s[i]] {
			return false
		}
	}
	return true
}

// validHeaderValue is httpguts.ValidHeaderFieldValue: no control byte but
// space and tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// validHost is httpguts.ValidHostHeader.
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if !hostByte[h[i]] {
			return false
		}
	}
	return true
}

var tokenByte, hostByte = func() (tok, host [256]bool) {
	for c := '0'; c <= '9'; c++ {
		tok[c], host[c] = true, true
	}
	for c := 'a'; c <= 'z'; c++ {
		tok[c], host[c] = true, true
		tok[c-'a'+'A'], host[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		tok[c] = true
	}
	for _, c := range "!$%&()*+,-.:;=['_]~" {
		host[c] = true
	}
	return tok, host
}()
