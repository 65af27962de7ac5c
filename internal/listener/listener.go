// Package listener is the http.Handler behind `hooktool listen`: it
// receives a delivery, verifies its signature, keeps it byte-exact in the
// capture store, forwards it to the app, and answers as configured. It
// reports each delivery as a typed value; rendering is the caller's.
package listener

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/tidwall/gjson"
)

// Appender keeps records; *capture.Writer is one.
type Appender interface {
	Append(*capture.Record) error
}

// Options configure a Handler.
type Options struct {
	// Scheme and Secrets verify deliveries; with no scheme or no secret,
	// deliveries are "unsigned".
	Scheme    signature.Scheme
	Secrets   []signature.Secret
	Tolerance time.Duration

	Provider string
	// EventPath is the gjson path of the event type in a JSON body.
	EventPath string
	// WebhookPath and CallbackPath label deliveries by the endpoint URL
	// they hit.
	WebhookPath, CallbackPath string

	// Status, Delay and Body make the answer. StatusSet says Status was
	// asked for; otherwise a forwarded delivery is answered with the app's
	// status.
	Status    int
	StatusSet bool
	Delay     time.Duration
	Body      string
	// FailRate is the share (0..1) of deliveries answered 500.
	FailRate float64
	// RejectInvalid answers 401 to deliveries whose signature is invalid.
	RejectInvalid bool

	// Events are globs on the event type: others are kept, not shown or
	// forwarded. Empty means all.
	Events []string
	// AllowIPs, when not empty, refuses (403) every other remote address.
	AllowIPs []netip.Prefix
	// MaxBody is the largest body accepted; larger ones get 413.
	MaxBody int64

	// Redact are more secrets (other endpoints') that must not be kept;
	// Secrets are always redacted too.
	Redact []signature.Secret

	// Store keeps deliveries; nil keeps nothing.
	Store Appender
	// Forward passes matched deliveries on to the app; nil does not.
	Forward *Forwarder

	Now func() time.Time
	// OnDelivery sees every delivery and refusal, from many goroutines.
	OnDelivery func(Delivery)
}

// Delivery is what happened to one request.
type Delivery struct {
	// Record is the delivery as kept (or as it would have been).
	Record *capture.Record
	// Refused says why the request was refused before it was read whole
	// (403 outside --allow-ip, 413 over --max-body, a body cut short); such
	// requests are not kept.
	Refused string
	// SaveErr is set when the record could not be written: the sender got
	// 503.
	SaveErr error
	// ForwardErr is set when the app could not be reached.
	ForwardErr *delivery.Error
}

// Handler receives deliveries.
type Handler struct {
	o        Options
	verifier *signature.Verifier // nil: deliveries are "unsigned"
	signsURL bool
}

// New returns a Handler, or the *signature.SecretError of a secret the
// scheme cannot use: a listener never quietly stops verifying.
func New(o Options) (*Handler, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Status == 0 {
		o.Status = http.StatusOK
	}
	if o.OnDelivery == nil {
		o.OnDelivery = func(Delivery) {}
	}
	h := &Handler{o: o}
	if o.Scheme != nil && len(o.Secrets) > 0 {
		vf, err := signature.NewVerifier(o.Scheme, o.Secrets)
		if err != nil {
			return nil, err
		}
		h.verifier, h.signsURL = vf, signature.SignsURL(o.Scheme)
	}
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := h.o.Now()
	rec := &capture.Record{
		V: capture.Version, ID: capture.NewID(now), ReceivedAt: now.UTC(), RemoteAddr: r.RemoteAddr,
		Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Proto: r.Proto,
		Headers: r.Header, Provider: h.o.Provider,
	}
	if h.o.Scheme != nil {
		rec.Scheme = h.o.Scheme.Name()
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		rec.LocalAddr = a.String()
	}
	if !h.allowed(r.RemoteAddr) {
		h.refuse(w, rec, http.StatusForbidden, "remote address not in --allow-ip")
		return
	}
	body, err := h.readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.refuse(w, rec, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over --max-body (%d bytes)", h.o.MaxBody))
		} else {
			h.refuse(w, rec, http.StatusBadRequest, "body not received whole: "+err.Error())
		}
		return
	}
	rec.SetBody(body)
	h.inspect(rec, r, body)
	h.redactSecrets(rec)
	d := Delivery{Record: rec}
	answerBody, contentType := h.answer(r.Context(), rec, r, body, &d)
	if h.o.Store != nil {
		if err := h.o.Store.Append(rec); err != nil {
			d.SaveErr = err
			rec.Answer = capture.Answer{Status: http.StatusServiceUnavailable, Reason: "capture file: " + err.Error()}
			answerBody, contentType = `{"error":"the delivery could not be kept"}`, "application/json"
		}
	}
	if rec.Answer.DelayMS > 0 {
		t := time.NewTimer(h.o.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(rec.Answer.Status)
	io.WriteString(w, answerBody)
	h.o.OnDelivery(d)
}

func (h *Handler) allowed(remote string) bool {
	if len(h.o.AllowIPs) == 0 {
		return true
	}
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range h.o.AllowIPs {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if h.o.MaxBody > 0 {
		if r.ContentLength > h.o.MaxBody {
			return nil, &http.MaxBytesError{Limit: h.o.MaxBody}
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.o.MaxBody)
	}
	if r.ContentLength > 0 && h.o.MaxBody <= 0 {
		// Nothing bounds the declared length, so it sizes no allocation (a
		// sender could declare a terabyte): the body is read as it comes.
		buf, err := io.ReadAll(r.Body)
		switch {
		case err == nil && int64(len(buf)) > r.ContentLength:
			return nil, errors.New("body longer than its Content-Length")
		case err == io.ErrUnexpectedEOF || err == nil && int64(len(buf)) < r.ContentLength:
			return nil, fmt.Errorf("body cut short: %d of %d bytes", len(buf), r.ContentLength)
		}
		return buf, err
	}
	if r.ContentLength > 0 {
		// One allocation of the declared size (bounded by MaxBody above);
		// one extra byte lets ReadFull see a body longer than declared.
		buf := make([]byte, r.ContentLength+1)
		n, err := io.ReadFull(r.Body, buf)
		switch {
		case int64(n) == r.ContentLength && (err == io.ErrUnexpectedEOF || err == io.EOF):
			return buf[:n], nil
		case err == nil:
			return nil, errors.New("body longer than its Content-Length")
		case err == io.ErrUnexpectedEOF || err == io.EOF:
			return nil, fmt.Errorf("body cut short: %d of %d bytes", n, r.ContentLength)
		}
		return nil, err
	}
	return io.ReadAll(r.Body)
}

func (h *Handler) refuse(w http.ResponseWriter, rec *capture.Record, status int, why string) {
	rec.Answer = capture.Answer{Status: status, Reason: why}
	if status == http.StatusRequestEntityTooLarge || status == http.StatusBadRequest {
		w.Header().Set("Connection", "close")
	}
	http.Error(w, why, status)
	h.o.OnDelivery(Delivery{Record: rec, Refused: why})
}

// inspect finds the event type, the route and the verdict.
func (h *Handler) inspect(rec *capture.Record, r *http.Request, body []byte) {
	// gjson reads only as far as the path needs (no validation pass over the
	// whole body); a body that is not JSON simply has no event type.
	if h.o.EventPath != "" && len(body) > 0 && (body[0] == '{' || body[0] == '[' || body[0] == ' ' || body[0] == '\n' || body[0] == '\r' || body[0] == '\t') {
		if v := gjson.GetBytes(body, h.o.EventPath); v.Type == gjson.String || v.Type == gjson.Number {
			rec.Event = v.String()
		}
	}
	switch {
	case h.o.WebhookPath != "" && r.URL.Path == h.o.WebhookPath:
		rec.Route = "webhook"
	case h.o.CallbackPath != "" && r.URL.Path == h.o.CallbackPath:
		rec.Route = "callback"
	}
	if h.verifier != nil {
		msg := signature.Message{Header: r.Header, Body: body}
		if h.signsURL {
			msg.URL = "http://" + r.Host + r.URL.RequestURI()
		}
		v := h.verifier.Verify(msg, signature.VerifyOptions{Now: rec.ReceivedAt, Tolerance: h.o.Tolerance})
		rec.Verdict = &v
	}
	rec.Matched = h.matches(rec.Event)
}

// redactSecrets keeps no configured secret in the record: a header that
// carries one (Flutterwave's verif-hash is the secret itself) is kept with
// "[redacted]" in its place. The request itself is untouched, so the app
// still gets the real header when forwarding.
func (h *Handler) redactSecrets(rec *capture.Record) {
	var cloned bool
	var secretHeaders []string
	if h.o.Scheme != nil {
		secretHeaders = signature.SecretHeaders(h.o.Scheme)
	}
	for name, values := range rec.Headers {
		whole := false
		for _, sh := range secretHeaders {
			whole = whole || strings.EqualFold(sh, name)
		}
		for i, v := range values {
			red := v
			if whole {
				red = signature.Redacted
			}
			for _, list := range [][]signature.Secret{h.o.Secrets, h.o.Redact} {
				for _, s := range list {
					if !s.IsZero() && strings.Contains(red, s.Reveal()) {
						red = strings.ReplaceAll(red, s.Reveal(), signature.Redacted)
					}
				}
			}
			if red == v {
				continue
			}
			if !cloned {
				rec.Headers, cloned = rec.Headers.Clone(), true
			}
			rec.Headers[name][i] = red
			if len(rec.Redacted) == 0 || rec.Redacted[len(rec.Redacted)-1] != name {
				rec.Redacted = append(rec.Redacted, name)
			}
		}
	}
	sort.Strings(rec.Redacted)
}

func (h *Handler) matches(event string) bool {
	if len(h.o.Events) == 0 {
		return true
	}
	for _, g := range h.o.Events {
		if ok, _ := path.Match(g, event); ok && event != "" {
			return true
		}
	}
	return false
}

// answer decides the status (forwarding first when asked) and returns the
// body and content type to answer with.
func (h *Handler) answer(ctx context.Context, rec *capture.Record, r *http.Request, body []byte, d *Delivery) (string, string) {
	a := capture.Answer{Status: h.o.Status, DelayMS: h.o.Delay.Milliseconds()}
	answerBody, contentType := h.o.Body, "text/plain; charset=utf-8"
	if answerBody == "" {
		answerBody, contentType = `{"received":true,"id":"`+rec.ID+`"}`, "application/json"
	}
	invalid := rec.Verdict != nil && !rec.Verdict.Valid
	switch {
	case h.o.RejectInvalid && invalid:
		a.Status, a.Reason = http.StatusUnauthorized, "invalid signature (--reject-invalid)"
		answerBody, contentType = `{"error":"invalid signature"}`, "application/json"
	case h.o.FailRate > 0 && chance(h.o.FailRate):
		a.Status, a.Reason = http.StatusInternalServerError, "--fail-rate"
		answerBody, contentType = `{"error":"simulated failure (--fail-rate)"}`, "application/json"
	}
	if h.o.Forward != nil && rec.Matched && !(h.o.RejectInvalid && invalid) {
		fw, attempt := h.o.Forward.send(ctx, r, body)
		rec.Forward = fw
		if attempt.Err != nil {
			d.ForwardErr, _ = attempt.Err.(*delivery.Error)
		}
		if !h.o.StatusSet && a.Reason == "" {
			switch {
			case attempt.Err == nil:
				a.Status, a.Reason = attempt.Status, "the app's answer"
				answerBody, contentType = string(attempt.Body), attempt.Response.Get("Content-Type")
			case d.ForwardErr != nil && d.ForwardErr.Kind == delivery.KindTimeout:
				a.Status, a.Reason = http.StatusGatewayTimeout, "the app did not answer in time"
				answerBody, contentType = `{"error":"the app did not answer in time"}`, "application/json"
			default:
				a.Status, a.Reason = http.StatusBadGateway, "the app could not be reached"
				answerBody, contentType = `{"error":"the app could not be reached"}`, "application/json"
			}
		}
	}
	rec.Answer = a
	return answerBody, contentType
}

func chance(p float64) bool {
	if p >= 1 {
		return true
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return err == nil && float64(n.Int64()) < p*1_000_000
}

// Forwarder passes deliveries on to one configured target, never anywhere
// a request asks: the listener is not an open proxy.
type Forwarder struct {
	target *urlParts
	client *delivery.Client
	extra  http.Header
}

type urlParts struct {
	scheme, host, path, query string
}

// NewForwarder forwards to target ("http://host:port/path?query").
func NewForwarder(scheme, host, pathPrefix, query string, client *delivery.Client, extra http.Header) *Forwarder {
	return &Forwarder{target: &urlParts{scheme, host, pathPrefix, query}, client: client, extra: extra}
}

// hopByHop headers are not forwarded (RFC 9110 section 7.6.1).
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// URL is where a request with this path and query goes: the target's path
// with the request's path appended (unless it is "/"), and both queries.
func (f *Forwarder) URL(reqPath, reqQuery string) string {
	p := f.target.path
	if reqPath != "" && reqPath != "/" {
		p = strings.TrimSuffix(p, "/") + reqPath
	}
	if p == "" {
		p = "/"
	}
	q := f.target.query
	if reqQuery != "" {
		if q != "" {
			q += "&"
		}
		q += reqQuery
	}
	u := f.target.scheme + "://" + f.target.host + p
	if q != "" {
		u += "?" + q
	}
	return u
}

func (f *Forwarder) send(ctx context.Context, r *http.Request, body []byte) (*capture.Forward, delivery.Attempt) {
	h := r.Header.Clone()
	for _, k := range hopByHop {
		h.Del(k)
	}
	for _, c := range r.Header.Values("Connection") {
		for _, k := range strings.Split(c, ",") {
			h.Del(strings.TrimSpace(k))
		}
	}
	for k, v := range f.extra {
		h[k] = v
	}
	// The escaped path: the decoded one would turn %3F, %23 and %25 into
	// a query, a fragment and a broken escape.
	url := f.URL(r.URL.EscapedPath(), r.URL.RawQuery)
	// The sender's own context ends when it hangs up; the app still gets
	// the whole delivery, bounded by the forward timeout.
	attempts := f.client.Send(context.WithoutCancel(ctx), delivery.Request{Method: r.Method, URL: url, Header: h, Body: body})
	a := attempts[len(attempts)-1]
	fw := &capture.Forward{URL: url, Status: a.Status, LatencyMS: float64(a.Latency.Microseconds()) / 1000}
	if a.Err != nil {
		fw.Error = a.Err.Error()
	} else if len(a.Body) > 0 {
		b := a.Body
		if len(b) > 256 {
			b = b[:256]
		}
		fw.Body = strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return fw, a
}
