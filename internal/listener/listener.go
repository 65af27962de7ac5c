// Package listener is the http.Handler behind `hooktool listen`: it
// receives a delivery, verifies its signature, keeps it byte-exact in the
// capture store, forwards it to the app, and answers as configured. It
// reports each delivery as a typed value; rendering is the caller's. Server
// serves it until told to stop, then lets the deliveries in flight finish.
package listener

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// Appender keeps records; *capture.Writer is one.
type Appender interface {
	Append(*capture.Record) error
}

// Options configure a Handler.
type Options struct {
	// Scheme and Secrets verify deliveries. With no scheme, deliveries are
	// unsigned (no verdict); with a scheme and no secret, a delivery that
	// carries its signature is "not checked" (signature.NotChecked).
	Scheme    signature.Scheme
	Secrets   []signature.Secret
	Tolerance time.Duration

	Provider string
	// EventPath is the gjson path of the event type in a JSON body.
	EventPath string
	// EventHeader, when set, is the header that carries the event type; it
	// is read before EventPath (catalog.EventFrom).
	EventHeader string
	// OnlyEvent names every delivery whose event type neither EventHeader
	// nor EventPath finds: the one event of a provider whose payloads do
	// not say what they are (catalog.Provider.OnlyEvent).
	OnlyEvent string
	// Detector, when there is no Scheme, names each delivery's provider
	// from its headers (catalog.Detector): the record takes the provider,
	// its scheme and its event type. DetectedSecrets are the secrets (and
	// tolerance) to check a detected provider's deliveries with, by
	// provider id; a provider's without any are not checked
	// (signature.NotChecked: a provider is detected by its signature).
	Detector        *catalog.Detector
	DetectedSecrets map[string]DetectedSigning
	// DetectedFallback, when set, checks a detected delivery whose
	// providers DetectedSecrets does not cover, as verify --detect does:
	// with its secrets (the secret in effect) as each provider detected in
	// turn, the first that verifies winning. Its Scheme is unused; a zero
	// Tolerance is each provider's documented one. A scheme that cannot
	// use them leaves the delivery not checked, saying why.
	DetectedFallback *DetectedSigning
	// EventIDPath is the gjson path of the provider's event id in a JSON
	// body ("" when its profile names none): deliveries with the same one
	// are the same delivery (capture.Identity).
	EventIDPath string
	// Repeats remembers the deliveries seen, to mark each repeat with the
	// id of the first (Record.RepeatOf); nil makes one that remembers
	// capture.DefaultRepeatsMemory.
	Repeats *capture.Repeats
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
	// SenderHeader, when not "", is the header in which a tunnel client
	// passes on the real sender's address (Cf-Connecting-Ip,
	// X-Forwarded-For: for the latter the last address, the one the client
	// added). AllowIPs judges that address, and only on connections from a
	// loopback address (the client's); on others, and whenever
	// SenderHeader is "" (no tunnel), the header is never read.
	SenderHeader string

	// CheckPath, when not "", is the path of the tunnel's self-check
	// (tunnel.Supervisor.CheckPath, 128 random bits): a request for it is
	// answered 200, told to OnCheck, and neither kept, shown nor counted.
	// It is compared in constant time.
	CheckPath string
	OnCheck   func()
	// MaxBody is the largest body accepted; larger ones get 413.
	MaxBody int64

	// Redact are more secrets (other endpoints') that must not be kept;
	// Secrets are always redacted too.
	Redact []signature.Secret

	// Store keeps deliveries; nil keeps nothing.
	Store Appender
	// Forward passes matched deliveries on to the app; nil does not.
	// With Routes, it is the default route: where a delivery no route
	// takes goes.
	Forward *Forwarder
	// Routes send the deliveries each takes to its own app: the first
	// whose Match holds (Forward after them all). A delivery none takes,
	// with no Forward, is kept and answered as without forwarding.
	Routes []Route
	// Mirrors copy the deliveries each takes to a second target, at the
	// same time as the forward; the answer waits for them (each bounded by
	// its client's timeout) and records theirs (Record.Mirrors).
	Mirrors []Mirror
	// ForwardRetry is the wait before each retry of a forward, one retry
	// per wait, when the app answers 5xx or cannot be reached, as a
	// provider would retry it; the sender waits for the last attempt's
	// answer. Handler.Stop ends the wait: no more attempts are made.
	ForwardRetry delivery.Schedule

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
	// ForwardErr is set when the app could not be reached, or answered
	// what cannot be relayed (a 101 or another 1xx), at the last attempt.
	ForwardErr *delivery.Error
	// RetryStopped says a forward that was to be retried (ForwardRetry)
	// was not, because the listener was stopping (Handler.Stop): the
	// record has the attempts made until then.
	RetryStopped bool
	// Unrouted says the listener has routes and none took the delivery
	// (nor a default): it was not forwarded.
	Unrouted bool
	// Key is the delivery's identity (capture.Identity): its repeats have
	// the same. Zero for a refused request.
	Key capture.Key
	// Detected are the providers its headers point to, when the listener
	// has no scheme and detects them (Options.Detector); the record names
	// the one it was checked as.
	Detected []string
}

// DetectedSigning is how a detected provider's deliveries are checked.
type DetectedSigning struct {
	// Scheme is the endpoint's (nil: the provider's, Detector.Scheme).
	Scheme    signature.Scheme
	Secrets   []signature.Secret
	Tolerance time.Duration
}

// Handler receives deliveries.
type Handler struct {
	o       Options
	checker *signature.Checker // nil: deliveries are "unsigned"
	// detected are the checkers of DetectedSecrets, by provider id;
	// fallback DetectedFallback's, and unusable why it could not be used,
	// for the others.
	detected map[string]*signature.Checker
	fallback map[string]*signature.Checker
	unusable map[string]error
	redact   *signature.Redactor
	repeats  *capture.Repeats
	table    routeTable
	// stopping is done once Stop is called: it ends the waits between a
	// forward's attempts, and the --delay waits.
	stopping context.Context
	stop     context.CancelFunc
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
	if o.Repeats == nil {
		o.Repeats = capture.NewRepeats(capture.DefaultRepeatsMemory)
	}
	// No configured secret is kept: Secrets and Redact (other endpoints'),
	// and the whole value of the scheme's secret-carrying headers.
	checker, err := signature.NewChecker(o.Scheme, o.Secrets, o.Tolerance)
	if err != nil {
		return nil, err
	}
	h := &Handler{o: o, checker: checker, redact: signature.NewRedactor(o.Scheme, o.Secrets, o.Redact), repeats: o.Repeats, table: newRouteTable(o.Routes), detected: map[string]*signature.Checker{}}
	h.stopping, h.stop = context.WithCancel(context.Background())
	if o.Scheme == nil && o.Detector != nil {
		for id, ds := range o.DetectedSecrets {
			s := ds.Scheme
			if s == nil {
				s = o.Detector.Scheme(id)
			}
			if s == nil {
				continue
			}
			if h.detected[id], err = signature.NewChecker(s, ds.Secrets, ds.Tolerance); err != nil {
				return nil, err
			}
		}
		if fb := o.DetectedFallback; fb != nil && len(fb.Secrets) > 0 {
			h.fallback, h.unusable = map[string]*signature.Checker{}, map[string]error{}
			for _, id := range o.Detector.IDs() {
				if h.detected[id] != nil {
					continue
				}
				tol := fb.Tolerance
				if tol == 0 {
					tol = o.Detector.Tolerance(id)
				}
				ck, err := signature.NewChecker(o.Detector.Scheme(id), fb.Secrets, tol)
				if err != nil {
					h.unusable[id] = err
					continue
				}
				h.fallback[id] = ck
			}
		}
	}
	return h, nil
}

// Stop tells h that the listener is stopping: a delivery waiting between
// two attempts to forward it (Options.ForwardRetry) is tried no more, and
// is kept and answered with the attempts made, as one whose retries ran
// out; so is one whose attempt is in flight, once it is answered. A
// delivery waiting out Options.Delay is answered at once. Other
// deliveries are served as before. Server.Serve calls it when it stops.
func (h *Handler) Stop() { h.stop() }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.selfCheck(r) {
		if h.o.OnCheck != nil {
			h.o.OnCheck()
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "hooktool\n")
		return
	}
	rec := capture.NewRecord(r, h.o.Now())
	rec.Provider = h.o.Provider
	if h.o.Scheme != nil {
		rec.Scheme = h.o.Scheme.Name()
	}
	if !h.allowed(r) {
		h.refuse(w, r, rec, http.StatusForbidden, "remote address not in --allow-ip")
		return
	}
	if err := capture.CheckPath(rec.Path); err != nil {
		// net/http serves no such request; a Handler used in-process may.
		h.refuse(w, r, rec, http.StatusBadRequest, err.Error())
		return
	}
	sent := r.Body // readBody bounds r.Body; what is left of it is read from this
	body, err := h.readBody(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.refuse(w, r, rec, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over --max-body (%d bytes)", h.o.MaxBody))
			h.discardRest(w, sent)
		} else {
			h.refuse(w, r, rec, http.StatusBadRequest, "body not received whole: "+err.Error())
		}
		return
	}
	rec.SetBody(body)
	cands := h.inspect(rec, r, body)
	// The record keeps no secret; the request itself is untouched, so the
	// app still gets the real headers and query when forwarding.
	h.redactRecord(rec, cands)
	var detected []string
	for _, c := range cands {
		detected = append(detected, c.Provider.ID)
	}
	d := Delivery{Record: rec, Key: h.identity(rec, r, body).Key(), Detected: detected}
	rec.RepeatOf = h.repeats.See(d.Key, rec.ID)
	answerBody, contentType := h.answer(r.Context(), rec, r, body, &d)
	if h.o.Store != nil {
		if err := h.o.Store.Append(rec); err != nil {
			d.SaveErr = err
			rec.Answer = capture.Answer{Status: http.StatusServiceUnavailable, Reason: "capture file: " + err.Error()}
			answerBody, contentType = `{"error":"the delivery could not be kept"}`, "application/json"
		}
	}
	if rec.Answer.DelayMS > 0 {
		h.delay(r.Context())
	}
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	} else {
		// No Content-Type, as the app gave none: neither an empty one nor
		// one net/http would sniff from the body.
		w.Header()["Content-Type"] = nil
	}
	w.WriteHeader(rec.Answer.Status)
	io.WriteString(w, answerBody)
	h.o.OnDelivery(d)
}

// delay waits Options.Delay before a delivery is answered. A client gone
// away ends the wait, and so does Stop: a stopping listener answers the
// delivery at once (it is already kept) rather than wait the delay out.
func (h *Handler) delay(client context.Context) {
	ctx, cancel := context.WithCancel(client)
	defer cancel()
	defer context.AfterFunc(h.stopping, cancel)()
	_ = delivery.Sleep(ctx, h.o.Delay)
}

// selfCheck says whether r is the tunnel's self-check request.
func (h *Handler) selfCheck(r *http.Request) bool {
	return h.o.CheckPath != "" && subtle.ConstantTimeCompare([]byte(r.URL.Path), []byte(h.o.CheckPath)) == 1
}

func (h *Handler) allowed(r *http.Request) bool {
	if len(h.o.AllowIPs) == 0 {
		return true
	}
	addr, ok := h.sender(r)
	if !ok {
		return false
	}
	for _, p := range h.o.AllowIPs {
		if unmapPrefix(p).Contains(addr) {
			return true
		}
	}
	return false
}

// sender is the address --allow-ip judges: the connection's peer, or,
// behind a tunnel, the address its client passed on in SenderHeader when
// the peer is that client (loopback). Unmapped, without a zone.
func (h *Handler) sender(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	// Both sides unmapped: an IPv4 sender of a listener on "::" is
	// ::ffff:a.b.c.d to the socket, and ::ffff:127.0.0.0/104 is how an
	// IPv4 prefix is written for it.
	peer := ap.Addr().Unmap().WithZone("")
	if h.o.SenderHeader == "" || !peer.IsLoopback() {
		return peer, true
	}
	values := r.Header.Values(h.o.SenderHeader)
	if len(values) == 0 {
		return peer, true // not through the tunnel: a program on this machine
	}
	// The client adds the sender last: what comes before it is the
	// sender's own say.
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	a, err := netip.ParseAddr(strings.TrimSpace(last))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// unmapPrefix is p with an IPv4-mapped address (::ffff:a.b.c.d/n, n >= 96)
// as the IPv4 prefix it maps (a.b.c.d/n-96); other prefixes unchanged.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked()
	}
	return p
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

// redactRecord hides every configured secret in rec, and the header of a
// detected scheme whose header is the secret itself (a token), whoever's
// it is.
func (h *Handler) redactRecord(rec *capture.Record, cands []catalog.Candidate) {
	rec.Redact(h.redact)
	for _, c := range cands {
		if len(signature.SecretHeaders(c.Scheme)) > 0 {
			rec.Redact(signature.NewRedactor(c.Scheme))
		}
	}
}

// refuse answers status with why as a plain-text body, closing the
// connection after a body that was not read whole.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, rec *capture.Record, status int, why string) {
	// A refused delivery is shown (and its --json line printed) as any
	// other: its secrets hidden as any other's, a detected token's too.
	var cands []catalog.Candidate
	if h.checker == nil && h.o.Detector != nil {
		cands = h.o.Detector.Detect(r.Header)
	}
	h.redactRecord(rec, cands)
	rec.Answer = capture.Answer{Status: status, Reason: why}
	hdr := w.Header()
	if status == http.StatusRequestEntityTooLarge || status == http.StatusBadRequest {
		hdr.Set("Connection", "close")
	}
	// http.Error's answer, with its length: the 413 is flushed before the
	// rest of the body is discarded, and must be complete without the end
	// of the handler.
	msg := why + "\n"
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Length", strconv.Itoa(len(msg)))
	w.WriteHeader(status)
	io.WriteString(w, msg)
	h.o.OnDelivery(Delivery{Record: rec, Refused: why})
}

const (
	// lingerFactor × MaxBody bounds how much of a refused body is read
	// and dropped, lingerTime how long that may take.
	lingerFactor = 4
	lingerTime   = 10 * time.Second
)

// discardRest reads and drops what is left of a body refused with 413
// (bounded in bytes and time) before the connection is closed, as nginx's
// lingering close does. A sender that writes its whole body before reading
// the answer (Python's http.client, many SDKs) would otherwise have the
// connection reset under it: it gets a broken pipe instead of the 413, and
// retries forever.
func (h *Handler) discardRest(w http.ResponseWriter, body io.Reader) {
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	if err := rc.SetReadDeadline(time.Now().Add(lingerTime)); err != nil {
		return
	}
	limit := int64(math.MaxInt64)
	if h.o.MaxBody <= limit/lingerFactor {
		limit = lingerFactor * h.o.MaxBody
	}
	_, _ = io.CopyN(io.Discard, body, limit)
}

// inspect finds the event type, the route and the verdict; with no scheme
// and a Detector, the provider first, and it returns the providers the
// headers point to.
func (h *Handler) inspect(rec *capture.Record, r *http.Request, body []byte) (cands []catalog.Candidate) {
	url := "http://" + r.Host + r.URL.RequestURI()
	rec.Event = cmp.Or(catalog.EventFrom(r.Header, body, h.o.EventHeader, h.o.EventPath), h.o.OnlyEvent)
	rec.Verdict = h.checker.Check(r.Header, body, url, rec.ReceivedAt)
	if h.checker == nil && h.o.Detector != nil {
		if cands = h.o.Detector.Detect(r.Header); len(cands) > 0 {
			// The candidate with secrets to check it, else the first.
			pick := cands[0]
			for _, c := range cands {
				if h.detected[c.Provider.ID] != nil && h.detected[pick.Provider.ID] == nil {
					pick = c
				}
			}
			// Checked when a secret is configured for it, else with the
			// secret in effect; else not checked (no secret): it was
			// detected by its signature, so it is not unsigned.
			if ck := h.detected[pick.Provider.ID]; ck != nil {
				rec.Verdict = ck.Check(r.Header, body, url, rec.ReceivedAt)
			} else if h.fallback != nil {
				pick, rec.Verdict = h.checkFallback(cands, r.Header, body, url, rec.ReceivedAt)
			} else {
				rec.Verdict = signature.NotChecked(pick.Scheme, r.Header, body)
			}
			rec.Provider, rec.Scheme = pick.Provider.ID, pick.Scheme.Name()
			if ev := pick.Provider.EventOf(r.Header, body); ev != "" {
				rec.Event = ev
			}
		}
	}
	switch {
	case h.o.WebhookPath != "" && r.URL.Path == h.o.WebhookPath:
		rec.Route = "webhook"
	case h.o.CallbackPath != "" && r.URL.Path == h.o.CallbackPath:
		rec.Route = "callback"
	}
	rec.Matched = h.matches(rec.Event)
	return cands
}

// checkFallback checks a delivery as each provider detected in turn with
// the secret in effect (Options.DetectedFallback), and returns the first
// that verifies; when none does, the first checked and its verdict, with a
// hint when several were tried. A provider whose scheme cannot use the
// secret is not checked, and its verdict says why.
func (h *Handler) checkFallback(cands []catalog.Candidate, header http.Header, body []byte, url string, now time.Time) (catalog.Candidate, *signature.Verdict) {
	var first *signature.Verdict
	firstAt, tried := -1, 0
	for i, c := range cands {
		ck := h.fallback[c.Provider.ID]
		if ck == nil {
			continue
		}
		v := ck.Check(header, body, url, now)
		if v != nil && v.Valid {
			return c, v
		}
		tried++
		if first == nil {
			first, firstAt = v, i
		}
	}
	if first != nil {
		if tried > 1 {
			first.Hints = append(first.Hints, catalog.NoneVerified(tried))
		}
		return cands[firstAt], first
	}
	v := signature.NotChecked(cands[0].Scheme, header, body)
	if err := h.unusable[cands[0].Provider.ID]; v != nil && err != nil {
		v.Message = fmt.Sprintf("not checked: the secret in effect cannot check %s's %s signature: %v", cands[0].Provider.ID, cands[0].Scheme.Name(), err)
		v.Hints = append(v.Hints, fmt.Sprintf("give an endpoint with provider: %s its own secret in the config, or listen --provider %s with its secret", cands[0].Provider.ID, cands[0].Provider.ID))
	}
	return cands[0], v
}

// identity is what makes the delivery the same as another
// (capture.Identity): the provider's event id, else the request's method,
// path, query, signed id and body.
func (h *Handler) identity(rec *capture.Record, r *http.Request, body []byte) capture.Identity {
	// The path and query as they came (hashed, never kept): the record's
	// may be redacted.
	id := capture.Identity{Method: rec.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, SignedID: signature.SignedID(h.o.Scheme, r.Header, body), Body: body,
		Invalid: rec.Verdict.Checked() && !rec.Verdict.Valid}
	if h.o.EventIDPath != "" {
		id.EventID = catalog.FieldIn(body, h.o.EventIDPath)
	}
	return id
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
	invalid := rec.Verdict.Checked() && !rec.Verdict.Valid
	switch {
	case h.o.RejectInvalid && invalid:
		a.Status, a.Reason = http.StatusUnauthorized, "invalid signature (--reject-invalid)"
		answerBody, contentType = `{"error":"invalid signature"}`, "application/json"
	case h.o.FailRate > 0 && chance(h.o.FailRate):
		a.Status, a.Reason = http.StatusInternalServerError, "--fail-rate"
		answerBody, contentType = `{"error":"simulated failure (--fail-rate)"}`, "application/json"
	}
	if !rec.Matched || (h.o.RejectInvalid && invalid) {
		rec.Answer = a
		return answerBody, contentType
	}
	// Routes and mirrors judge the path as it came: the record's may be
	// redacted (/hooks/SECRET).
	asCame := *rec
	asCame.Path = r.URL.EscapedPath()
	mirrored := h.mirror(&asCame, body, func(fw *Forwarder) *capture.Forward {
		m, _ := h.forward(ctx, fw, r, body)
		return m
	})
	target, route := h.route(&asCame, body)
	if target == nil && len(h.o.Routes) > 0 {
		d.Unrouted = true
	}
	if target != nil {
		fw, attempt := h.forward(ctx, target, r, body)
		for _, wait := range h.o.ForwardRetry {
			if !retryable(fw, attempt) {
				break
			}
			// Not the sender's context: one that hangs up does not stop
			// the app's retries. Stop does.
			if delivery.Sleep(h.stopping, wait) != nil {
				d.RetryStopped = true
				break
			}
			rec.ForwardAttempts = append(rec.ForwardAttempts, *fw)
			fw, attempt = h.forward(ctx, target, r, body)
		}
		if len(h.o.Routes) > 0 {
			// A route written with the secret (path:/hooks/SECRET) keeps
			// it out of the record as the path does.
			route = h.redact.Text(route)
			fw.Route = route
			for i := range rec.ForwardAttempts {
				rec.ForwardAttempts[i].Route = route
			}
		}
		if rec.ForwardAttempts != nil {
			rec.ForwardAttempts = append(rec.ForwardAttempts, *fw)
		}
		rec.Forward = fw
		unrelayable := attempt.Err == nil && attempt.Status < 200
		switch {
		case attempt.Err != nil:
			d.ForwardErr, _ = attempt.Err.(*delivery.Error)
		case unrelayable:
			d.ForwardErr = unrelayableAnswer(attempt.Status)
		}
		if !h.o.StatusSet && a.Reason == "" {
			switch {
			case attempt.Err == nil && !unrelayable:
				a.Status, a.Reason = attempt.Status, "the app's answer"
				answerBody, contentType = string(attempt.Body), attempt.Response.Get("Content-Type")
			case unrelayable:
				a.Status, a.Reason = http.StatusBadGateway, d.ForwardErr.Msg
				answerBody, contentType = `{"error":"the app's answer cannot be relayed"}`, "application/json"
			case d.ForwardErr != nil && d.ForwardErr.Kind == delivery.KindTimeout:
				a.Status, a.Reason = http.StatusGatewayTimeout, "the app did not answer in time"
				answerBody, contentType = `{"error":"the app did not answer in time"}`, "application/json"
			default:
				a.Status, a.Reason = http.StatusBadGateway, "the app could not be reached"
				answerBody, contentType = `{"error":"the app could not be reached"}`, "application/json"
			}
		}
		if d.RetryStopped {
			a.Reason = strings.TrimPrefix(a.Reason+"; no retry: the listener stopped", "; ")
		}
	}
	rec.Mirrors = mirrored()
	rec.Answer = a
	return answerBody, contentType
}

// forward passes the delivery on once to target, its secrets hidden in
// the record.
func (h *Handler) forward(ctx context.Context, target *Forwarder, r *http.Request, body []byte) (*capture.Forward, delivery.Attempt) {
	fw, attempt := target.send(ctx, r, body)
	// The URL holds the real path and query; the error and the app's
	// answer may quote them.
	fw.URL, fw.Error = h.redact.URL(fw.URL), h.redact.Text(fw.Error)
	if attempt.Err == nil && len(attempt.Body) > 0 {
		fw.Body = capture.AnswerStart(attempt.Body, h.redact)
	}
	return fw, attempt
}

// retryable says whether a forward attempt is tried again: the app
// answered 5xx, or could not be reached or did not answer in time. An
// answer below 500 is the app's word; a target that cannot be made
// (no URL) never will be.
func retryable(fw *capture.Forward, a delivery.Attempt) bool {
	if a.Err != nil {
		return fw.URL != ""
	}
	return a.Status >= 500
}

// unrelayableAnswer is why an app's answer with status (below 200: 101
// Switching Protocols, or a 1xx the client did not take as interim) is not
// passed on. A 1xx is no final answer, and relaying a 101 would leave the
// sender waiting on a connection that switched to nothing.
func unrelayableAnswer(status int) *delivery.Error {
	msg := fmt.Sprintf("the app answered %d", status)
	if text := http.StatusText(status); text != "" {
		msg += " " + text
	}
	return &delivery.Error{
		Kind: delivery.KindOther,
		Msg:  msg + ", which a webhook receiver should not",
		Hint: "answer deliveries with a final status (2xx to acknowledge); 101 and other 1xx answers cannot be relayed",
	}
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
	target *url.URL
	rule   httpx.PathRule
	client *delivery.Client
	extra  http.Header
}

// NewForwarder forwards to target, an absolute http:// or https:// URL
// ("http://host:port/path?query"), each delivery's path and query placed
// as rule says (httpx.TargetURL).
func NewForwarder(target *url.URL, rule httpx.PathRule, client *delivery.Client, extra http.Header) (*Forwarder, error) {
	if target == nil || target.Host == "" || (target.Scheme != "http" && target.Scheme != "https") {
		return nil, errors.New("the forward target is not an absolute http:// or https:// URL")
	}
	return &Forwarder{target: target, rule: rule, client: client, extra: extra}, nil
}

// URL is where a request with this path and query goes
// (httpx.TargetURL: never another host).
func (f *Forwarder) URL(reqPath, reqQuery string) (string, error) {
	return httpx.TargetURL(f.target, f.rule, reqPath, reqQuery)
}

func (f *Forwarder) send(ctx context.Context, r *http.Request, body []byte) (*capture.Forward, delivery.Attempt) {
	// Without framing and hop-by-hop headers (a copy when there are any):
	// the app's connection is the forwarder's own.
	h, _ := httpx.Sendable(r.Header)
	if len(f.extra) > 0 {
		h = h.Clone()
		if h == nil {
			h = http.Header{}
		}
		for k, v := range f.extra {
			h[k] = v
		}
	}
	// The escaped path: the decoded one would turn %3F, %23 and %25 into
	// a query, a fragment and a broken escape.
	url, err := f.URL(r.URL.EscapedPath(), r.URL.RawQuery)
	if err != nil {
		a := delivery.Attempt{Number: 1, Err: &delivery.Error{Kind: delivery.KindOther, Msg: "not forwarded: " + err.Error(), Err: err}}
		return &capture.Forward{Error: a.Err.Error(), ErrorKind: string(delivery.KindOther)}, a
	}
	// The sender's own context ends when it hangs up; the app still gets
	// the whole delivery, bounded by the forward timeout.
	attempts := f.client.Send(context.WithoutCancel(ctx), delivery.Request{Method: r.Method, URL: url, Header: h, Body: body})
	a := attempts[len(attempts)-1]
	fw := &capture.Forward{URL: url, Status: a.Status, LatencyMS: float64(a.Latency.Microseconds()) / 1000}
	if a.Err != nil {
		fw.Error, fw.ErrorKind = a.Err.Error(), string(delivery.KindOther)
		var de *delivery.Error
		if errors.As(a.Err, &de) {
			fw.ErrorKind = string(de.Kind)
		}
	}
	return fw, a
}
