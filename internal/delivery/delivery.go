// Package delivery sends webhook requests the way providers do: one HTTP
// client shared by trigger, replay and forwarding, with per-attempt
// timeouts, retries with exponential backoff and jitter, and failures
// classified into something a user can act on.
package delivery

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/hooktool/hooktool/internal/httpx"
)

// MaxResponseBody is how much of a response body is kept.
const MaxResponseBody = 64 << 10

// Request is one delivery to make. Sign, when set, is called before each
// attempt and its headers are added: providers re-sign each redelivery with
// a fresh timestamp.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	Sign   func(attempt int) (http.Header, error)
	// OnAttempt, when set, sees each attempt of this request as it ends
	// (the client is shared; what to do with an attempt is the request's).
	OnAttempt func(Attempt)
	// Addrs asks for each attempt's connection addresses (Attempt.LocalAddr
	// and RemoteAddr), for a record of what was sent; off, nothing traces
	// the connection.
	Addrs bool
}

// Attempt is the outcome of one try.
type Attempt struct {
	Number int
	// Header is what was sent, signature included.
	Header   http.Header
	Status   int
	Response http.Header
	Body     []byte // at most MaxResponseBody bytes
	// Truncated is true when the response body was longer than Body.
	Truncated bool
	Latency   time.Duration
	// Err is set when no response came; it is an *Error.
	Err error
	// LocalAddr and RemoteAddr are the connection's two ends ("ip:port"),
	// when the request asked for them (Request.Addrs) and one was made.
	LocalAddr, RemoteAddr string

	// unsent says the attempt could not be made at all (no signature, no
	// request): trying again would fail the same way, so it is not.
	unsent bool
}

// Acknowledged reports whether the receiver answered 2xx.
func (a Attempt) Acknowledged() bool { return a.Err == nil && a.Status >= 200 && a.Status < 300 }

// Kind classifies a failed attempt.
type Kind string

const (
	KindRefused  Kind = "connection_refused"
	KindTimeout  Kind = "timeout"
	KindDNS      Kind = "dns"
	KindTLS      Kind = "tls"
	KindReset    Kind = "connection_reset"
	KindCanceled Kind = "canceled"
	KindOther    Kind = "error"
)

// Error is a delivery that got no response, with a hint at what to do.
type Error struct {
	Kind Kind
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Client sends deliveries through net/http. What goes on the wire is the
// request's method, URL and body, its headers but the framing and
// hop-by-hop ones (httpx.StripFraming), and only what net/http adds to
// frame it: Host, Content-Length, and a User-Agent when the request has
// none (Options.UserAgent, or net/http's; a User-Agent of "" sends none).
// A URL's user:password is sent as basic authentication.
//
// A request is sent again on a new connection only as net/http does it:
// when a kept-alive connection turned out dead before anything was written,
// or, for a GET, HEAD, OPTIONS or TRACE or a request with an
// Idempotency-Key or X-Idempotency-Key header (the sender's word that the
// receiver drops duplicates), when it ended before any byte of the answer.
// Any other request that was written is never sent twice by the client:
// the receiver may have acted on it. Retries are new attempts, each
// reported.
type Client struct {
	HTTP *http.Client
	// Timeout bounds each attempt, response body included.
	Timeout time.Duration
	// Retries is how many times a failed delivery is tried again.
	Retries int
	// Backoff is the wait before the first retry; it doubles each time, up
	// to MaxBackoff, with jitter (each wait is drawn from [d/2, d]).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Schedule, when not empty, replaces Retries and Backoff: a retry
	// after each of its waits (a provider's documented schedule).
	Schedule Schedule

	userAgent string // sent when a request has no User-Agent of its own
}

// Options configure a new client.
type Options struct {
	Timeout    time.Duration
	Retries    int
	Backoff    time.Duration
	UserAgent  string
	Insecure   bool // skip TLS certificate checks (self-signed local servers)
	MaxBackoff time.Duration
	// Concurrency is how many deliveries the caller sends at once (replay
	// --concurrency): the client keeps that many idle connections per host
	// to reuse. 0 keeps DefaultIdlePerHost, enough for a listener
	// forwarding many deliveries at once.
	Concurrency int
	// Schedule, when not empty, is the retry schedule (Client.Schedule).
	Schedule Schedule
}

// DefaultIdlePerHost is how many idle connections per host a client keeps
// when Options.Concurrency is 0.
const DefaultIdlePerHost = 128

// New returns a client that sends through net/http and does not follow
// redirects (providers do not: a 3xx is an answer, and not an
// acknowledgement).
func New(o Options) *Client {
	c := &Client{
		HTTP: &http.Client{
			Transport:     newTransport(o),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Timeout: o.Timeout, Retries: o.Retries, Backoff: o.Backoff, MaxBackoff: o.MaxBackoff,
		Schedule: o.Schedule, userAgent: o.UserAgent,
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Backoff <= 0 {
		c.Backoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Minute
	}
	return c
}

// newTransport is net/http's default transport (proxies from the
// environment, its dial and TLS handshake timeouts) tuned for deliveries.
func newTransport(o Options) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// Deliveries go to one host at a time, many at once (a listener
	// forwarding concurrent deliveries, replay --concurrency 32): keep an
	// idle connection for each delivery in flight, so that each reuses one
	// rather than opening one (net/http keeps 2 per host by default).
	idle := o.Concurrency
	if idle <= 0 {
		idle = DefaultIdlePerHost
	}
	tr.MaxIdleConnsPerHost = idle
	tr.MaxIdleConns = max(2*DefaultIdlePerHost, idle)
	// No Accept-Encoding the sender did not send (and no transparent
	// decompression): a replayed or forwarded delivery carries exactly its
	// own headers.
	tr.DisableCompression = true
	// HTTP/2 over https when the server offers it, --insecure's TLS
	// configuration or not.
	tr.ForceAttemptHTTP2 = true
	tr.Proxy = noLoopbackProxy(http.ProxyFromEnvironment)
	if o.Insecure {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for with --insecure
	}
	return tr
}

// noLoopbackProxy is env (the proxy variables HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY, as net/http reads them) for every target but a loopback one:
// localhost, a name under .localhost (RFC 6761) or a loopback address is
// never sent through a proxy, whatever NO_PROXY says. A local app is
// reached directly; anything else goes the way the user's network says.
func noLoopbackProxy(env func(*http.Request) (*url.URL, error)) func(*http.Request) (*url.URL, error) {
	return func(r *http.Request) (*url.URL, error) {
		if IsLoopbackHost(r.URL.Hostname()) {
			return nil, nil
		}
		return env(r)
	}
}

// IsLoopbackHost says whether host (no port) names this machine's loopback
// interface by itself: localhost, a name under .localhost, or a loopback
// address. A name that merely resolves to one is not known here.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Probe says whether anything answers at target's host and port: a TCP
// connection is opened (and closed at once, nothing sent), within timeout.
// A target reached through a proxy is not probed: it answers nil. The
// error is an *Error, as a delivery's would be (connection_refused, dns,
// timeout).
func (c *Client) Probe(ctx context.Context, target string, timeout time.Duration) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return &Error{Kind: KindOther, Msg: fmt.Sprintf("%q is not an absolute URL", target), Err: err}
	}
	if tr, ok := c.HTTP.Transport.(*http.Transport); ok && tr.Proxy != nil {
		if p, err := tr.Proxy(&http.Request{URL: u}); err != nil || p != nil {
			return nil
		}
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(pctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return Classify(err, u, timeout, ctx, pctx)
	}
	return conn.Close()
}

// Send delivers r, retrying as configured, and returns every attempt; the
// last one is the outcome. An attempt that could not be made (its
// signature or request failed) is not retried.
func (c *Client) Send(ctx context.Context, r Request) []Attempt {
	retries := c.Retries
	if len(c.Schedule) > 0 {
		retries = len(c.Schedule)
	}
	var attempts []Attempt
	for n := 1; ; n++ {
		a := c.attempt(ctx, r, n)
		attempts = append(attempts, a)
		if r.OnAttempt != nil {
			r.OnAttempt(a)
		}
		if a.Acknowledged() || a.unsent || n > retries || ctx.Err() != nil {
			return attempts
		}
		if err := Sleep(ctx, c.wait(n)); err != nil {
			return attempts
		}
	}
}

// wait is the pause after attempt n: the schedule's nth wait, or
// Backoff·2^(n-1), capped, with jitter.
func (c *Client) wait(n int) time.Duration {
	if len(c.Schedule) > 0 {
		return c.Schedule[n-1]
	}
	d := doubled(c.Backoff, c.MaxBackoff, n)
	half := int64(d / 2)
	j, err := rand.Int(rand.Reader, big.NewInt(half+1))
	if err != nil {
		return d
	}
	return time.Duration(half + j.Int64())
}

func (c *Client) attempt(ctx context.Context, r Request, n int) Attempt {
	// The attempt's headers are what was sent. They are r's own when
	// nothing is added to them (nothing changes them after this), and a
	// copy when a signature or the User-Agent is.
	a := Attempt{Number: n, Header: r.Header}
	needUA := c.userAgent != "" && len(r.Header["User-Agent"]) == 0
	if r.Sign != nil || needUA || a.Header == nil {
		a.Header = r.Header.Clone()
		if a.Header == nil {
			a.Header = http.Header{}
		}
	}
	if r.Sign != nil {
		sig, err := r.Sign(n)
		if err != nil {
			a.Err, a.unsent = &Error{Kind: KindOther, Msg: "signing: " + err.Error(), Err: err}, true
			return a
		}
		for k, v := range sig {
			a.Header[k] = v
		}
	}
	if needUA {
		a.Header["User-Agent"] = []string{c.userAgent}
	}
	actx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	if r.Addrs {
		actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
			a.LocalAddr, a.RemoteAddr = ci.Conn.LocalAddr().String(), ci.Conn.RemoteAddr().String()
		}})
	}
	req, err := http.NewRequestWithContext(actx, method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		a.Err, a.unsent = &Error{Kind: KindOther, Msg: err.Error(), Err: err}, true
		return a
	}
	// A Host header given as such (trigger -H) names the Host to send;
	// then no framing or hop-by-hop header of the map is sent, whatever
	// its case: net/http frames the request itself.
	if host := a.Header.Get("Host"); host != "" {
		req.Host = host
	}
	a.Header = httpx.StripFraming(a.Header)
	req.Header = a.Header
	start := time.Now()
	resp, err := c.roundTrip(req)
	if err != nil {
		a.Latency = time.Since(start)
		a.Err = Classify(err, req.URL, c.Timeout, ctx, actx)
		return a
	}
	defer resp.Body.Close()
	a.Status, a.Response = resp.StatusCode, resp.Header
	if resp.StatusCode < 200 {
		// A 101 Switching Protocols has no body: net/http hands over the
		// connection itself as one, which would be read until the timeout.
		// Closing it ends it. (Other 1xx answers are interim: net/http
		// reads on to the final one.)
		a.Latency = time.Since(start)
		return a
	}
	if resp.Body == http.NoBody { // an empty answer (Content-Length: 0, a 204)
		a.Latency = time.Since(start)
		return a
	}
	a.Body, err = io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody+1))
	a.Latency = time.Since(start)
	if len(a.Body) > MaxResponseBody {
		a.Body, a.Truncated = a.Body[:MaxResponseBody], true
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	}
	if err != nil && !a.Truncated {
		a.Err = Classify(err, req.URL, c.Timeout, ctx, actx)
	}
	return a
}

// roundTrip sends req. The client follows no redirects and keeps no
// cookies, so it goes to the transport directly: http.Client.Do would only
// add its redirect bookkeeping. Errors read as Do's do.
func (c *Client) roundTrip(req *http.Request) (*http.Response, error) {
	rt := c.HTTP.Transport
	// Do also turns a URL's user:password into basic authentication.
	if rt == nil || c.HTTP.Jar != nil || c.HTTP.Timeout != 0 || req.URL.User != nil {
		return c.HTTP.Do(req)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		op := req.Method[:1] + strings.ToLower(req.Method[1:])
		return nil, &url.Error{Op: op, URL: req.URL.Redacted(), Err: err}
	}
	return resp, nil
}

// Classify turns a transport error of a request to u into a one-line
// message and a hint: the one account of a failed request, for
// deliveries and for any other request hooktool makes (a scenario's
// probes and resets). parent is the request's context, attempt the
// attempt's (parent bounded by timeout).
func Classify(err error, u *url.URL, timeout time.Duration, parent, attempt context.Context) *Error {
	hostPort := u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			hostPort += ":443"
		} else {
			hostPort += ":80"
		}
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case parent.Err() != nil:
		return &Error{KindCanceled, "canceled", "", err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{KindRefused, "connection refused by " + hostPort, "is your server listening on " + hostPort + "?", err}
	case timedOut(err, attempt):
		if !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		return &Error{KindTimeout, fmt.Sprintf("no response from %s within %s", hostPort, timeout), "raise --timeout, or check the server is not stuck on the request", err}
	case errors.As(err, &dnsErr):
		return &Error{KindDNS, "cannot resolve host " + u.Hostname(), "check the host name in the URL", err}
	case errors.As(err, &recErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return &Error{KindTLS, "TLS handshake with " + hostPort + " failed: the server does not speak HTTPS", "try http:// instead of https://", err}
	case errors.As(err, &certErr):
		return &Error{KindTLS, "TLS certificate of " + hostPort + " is not trusted: " + certErr.Err.Error(), "for a local server with a self-signed certificate, pass --insecure", err}
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{KindReset, hostPort + " closed the connection without a complete answer", "check the server's log: it may have crashed on the request", err}
	}
	return &Error{KindOther, err.Error(), "", err}
}

// timedOut reports whether an attempt that failed with err ran out of
// time: a timeout is in err's chain, or the attempt's deadline has passed,
// whatever err says (a connection interrupted at its deadline can fail as
// anything: a status line cut short reads as a malformed answer).
func timedOut(err error, attempt context.Context) bool {
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) || errors.Is(attempt.Err(), context.DeadlineExceeded) {
		return true
	}
	deadline, ok := attempt.Deadline()
	return ok && !time.Now().Before(deadline)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
