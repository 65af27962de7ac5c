// Package capture keeps deliveries: the versioned JSON Lines record that
// `listen --save` writes and `replay` reads, a writer that groups appends
// so that a delivery is answered only once its record is in the file, and
// a streaming reader that survives a torn last line.
package capture

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/signature"
)

// Version is the record format's version, written in every record as "v".
const Version = 1

// Body encodings.
const (
	BodyUTF8   = "utf8"
	BodyBase64 = "base64"
)

// Record is one kept delivery. The body is byte-exact: Body holds it as a
// string when it is valid UTF-8 (BodyEncoding "utf8") and as standard base64
// otherwise (BodyEncoding "base64"); Bytes returns the original either way.
type Record struct {
	// Type is set only in `listen --json` output ("delivery"), not in files.
	Type       string    `json:"type,omitempty"`
	V          int       `json:"v"`
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	RemoteAddr string    `json:"remote_addr"`
	// LocalAddr is the listener's own address the request came in on (the
	// Host header is the sender's to choose).
	LocalAddr string `json:"local_addr,omitempty"`
	Method    string `json:"method"`
	Host      string `json:"host,omitempty"`
	// Path is as it came on the wire, %-escapes kept.
	Path string `json:"path"`
	// RedactedPath says a configured secret in the path was replaced by a
	// marker that reads "[redacted]" before keeping (/hooks/SECRET); replay
	// puts the configured secret back.
	RedactedPath bool   `json:"redacted_path,omitempty"`
	Query        string `json:"query,omitempty"`
	// RedactedQuery says a configured secret in the query was replaced by
	// a marker that reads "[redacted]" before keeping (?token=SECRET);
	// replay puts the configured secret back.
	RedactedQuery bool   `json:"redacted_query,omitempty"`
	Proto         string `json:"proto,omitempty"`
	// Headers maps each canonical header name to its values, in the order
	// they arrived. The values of a header named in Base64Headers are
	// standard base64 of their bytes.
	Headers http.Header `json:"headers"`
	// Base64Headers names, sorted, the headers kept in base64 because one
	// of their values is not valid UTF-8, which a JSON string cannot hold:
	// header bytes are kept exactly, as the body is. HeaderBytes decodes
	// them.
	Base64Headers []string `json:"base64_headers,omitempty"`
	// Redacted names headers in which a configured secret was replaced by
	// "[redacted]" before keeping (Flutterwave's verif-hash is the secret
	// itself); replay puts the configured secret back.
	Redacted     []string `json:"redacted_headers,omitempty"`
	Body         string   `json:"body"`
	BodyEncoding string   `json:"body_encoding"`
	BodySize     int      `json:"body_size"`

	Provider string `json:"provider,omitempty"`
	Scheme   string `json:"scheme,omitempty"`
	Event    string `json:"event,omitempty"`
	// Route is "webhook" or "callback" when the path is an endpoint's.
	Route   string             `json:"route,omitempty"`
	Verdict *signature.Verdict `json:"verdict,omitempty"`
	// Matched is false when --events filtered the delivery out (it is kept,
	// not shown or forwarded).
	Matched bool `json:"matched"`
	// RepeatOf is the id of the first delivery this one repeats (a retry
	// or a duplicate: see Identity), "" for a delivery seen the first time.
	RepeatOf string `json:"repeat_of,omitempty"`
	// ReplayOf is the id of the delivery this one was sent again from
	// (the inspector's replay or resend), "" for one received.
	ReplayOf string   `json:"replay_of,omitempty"`
	Answer   Answer   `json:"answer"`
	Forward  *Forward `json:"forward,omitempty"`
	// ForwardAttempts are every attempt to forward the delivery, in order,
	// when there was more than one (listen --forward-retry); Forward is
	// the last of them.
	ForwardAttempts []Forward `json:"forward_attempts,omitempty"`
	// Mirrors are the copies sent to listen --mirror targets, in the order
	// of the flags: their answers are recorded, never returned to the
	// sender.
	Mirrors []Forward `json:"mirrors,omitempty"`
}

// VerdictLabel is how the record's verdict is named in listings, HAR and
// --where: the verdict's label ("valid", "unsigned", the reason), or
// "sent" for a delivery hooktool sent again (replay_of), which no one
// checked on receipt: re-signed or not, it is not "unsigned".
func (r *Record) VerdictLabel() string {
	if r.Verdict == nil && r.ReplayOf != "" {
		return "sent"
	}
	return r.Verdict.Label()
}

// DefaultRoute is the route (Forward.Route) of a delivery forwarded to
// listen --forward-to when it has a route table.
const DefaultRoute = "default"

// Answer is what the listener answered.
type Answer struct {
	Status  int    `json:"status"`
	DelayMS int64  `json:"delay_ms,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Forward is the result of passing the delivery on to the app.
type Forward struct {
	URL       string  `json:"url"`
	Status    int     `json:"status,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
	// ErrorKind classifies Error (delivery's kinds: timeout,
	// connection_refused, connection_reset, dns, tls, error): what a
	// table or a --where shows of it.
	ErrorKind string `json:"error_kind,omitempty"`
	// Body is the start of the app's answer.
	Body string `json:"body,omitempty"`
	// Route is the listen --route the delivery took: its match as
	// written, or "default" for --forward-to; "" when the listener had no
	// route table (the default then). For a mirror, its match when it has
	// one.
	Route string `json:"route,omitempty"`
}

// MaxAnswerKept is how much of an app's answer a record keeps
// (Forward.Body).
const MaxAnswerKept = 256

// AnswerStart is the start of an app's answer as a record keeps it
// (Forward.Body): at most MaxAnswerKept bytes, as valid UTF-8, every secret
// red knows hidden before the cut (signature.Redactor.TextStart), so an
// answer that echoes one across the cut keeps none of it.
func AnswerStart(body []byte, red *signature.Redactor) string {
	return strings.ToValidUTF8(red.TextStart(body, MaxAnswerKept), "\uFFFD")
}

// Kind is the kind of error the forward met ("" when the app answered):
// ErrorKind, or "error" for a record kept before it was.
func (f *Forward) Kind() string {
	switch {
	case f.ErrorKind != "":
		return f.ErrorKind
	case f.Error != "":
		return "error"
	}
	return ""
}

// NewRecord starts the record of request r, received at now: its request
// line, addresses and headers as they came (the path with its %-escapes;
// r.Header itself, not a copy). The caller adds the body (SetBody), what
// it made of the delivery, then hides the secrets (Redact).
func NewRecord(r *http.Request, now time.Time) *Record {
	rec := &Record{
		V: Version, ID: NewID(now), ReceivedAt: now.UTC(), RemoteAddr: r.RemoteAddr,
		Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Proto: r.Proto,
		Headers: r.Header,
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		rec.LocalAddr = a.String()
	}
	return rec
}

// Redact replaces every secret red knows in the headers, the path and the
// query by a marker, naming where it did (Redacted, RedactedPath,
// RedactedQuery), then keeps the
// headers byte-exact (EncodeHeaders). It comes after verification, which
// reads the values as they came; the map is copied before it is changed.
func (r *Record) Redact(red *signature.Redactor) {
	// Each call adds to what an earlier one found (listen adds a
	// detected token scheme's Redactor to its own).
	var names []string
	r.Headers, names = red.Headers(r.Headers)
	for _, n := range names {
		if !slices.Contains(r.Redacted, n) {
			r.Redacted = append(r.Redacted, n)
		}
	}
	sort.Strings(r.Redacted)
	if p, redacted := red.Path(r.Path); redacted {
		r.Path, r.RedactedPath = p, true
	}
	if q, redacted := red.Query(r.Query); redacted {
		r.Query, r.RedactedQuery = q, true
	}
	r.EncodeHeaders()
}

// SetBody stores body byte-exact.
func (r *Record) SetBody(body []byte) {
	r.BodySize = len(body)
	if utf8.Valid(body) {
		r.Body, r.BodyEncoding = string(body), BodyUTF8
		return
	}
	r.Body, r.BodyEncoding = base64.StdEncoding.EncodeToString(body), BodyBase64
}

// EncodeHeaders keeps the headers byte-exact in JSON: the values of each
// header with one that is not valid UTF-8 become standard base64, and the
// header is named in Base64Headers. The map is copied before it is
// changed (the listener's is the request's own).
func (r *Record) EncodeHeaders() {
	var names []string
	for k, vv := range r.Headers {
		for _, v := range vv {
			if !utf8.ValidString(v) {
				names = append(names, k)
				break
			}
		}
	}
	if len(names) == 0 {
		return
	}
	h := make(http.Header, len(r.Headers))
	for k, vv := range r.Headers {
		h[k] = vv
	}
	for _, k := range names {
		enc := make([]string, len(h[k]))
		for i, v := range h[k] {
			enc[i] = base64.StdEncoding.EncodeToString([]byte(v))
		}
		h[k] = enc
	}
	r.Headers = h
	r.Base64Headers = append(r.Base64Headers, names...)
	sort.Strings(r.Base64Headers)
}

// HeaderBytes returns the headers as they were received, those named in
// Base64Headers decoded: r.Headers itself when there are none, else a
// copy (the other value slices shared).
func (r *Record) HeaderBytes() (http.Header, error) {
	if len(r.Base64Headers) == 0 {
		return r.Headers, nil
	}
	h := make(http.Header, len(r.Headers))
	for k, vv := range r.Headers {
		h[k] = vv
	}
	for _, k := range r.Base64Headers {
		vv := r.Headers[k]
		if vv == nil {
			continue
		}
		dec := make([]string, len(vv))
		for i, v := range vv {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, fmt.Errorf("header %q is in base64_headers but is not base64: %v", k, err)
			}
			dec[i] = string(b)
		}
		h[k] = dec
	}
	return h, nil
}

// Bytes returns the body as it was received.
func (r *Record) Bytes() ([]byte, error) {
	if r.BodyEncoding == BodyBase64 {
		return base64.StdEncoding.DecodeString(r.Body)
	}
	return []byte(r.Body), nil
}

// NewID returns a ULID: 48 bits of milliseconds and 80 random bits in
// Crockford's base32, so ids sort by time. The bits come from math/rand/v2's
// ChaCha8-based generator: unpredictable enough for ids, and no system call
// per delivery.
func NewID(t time.Time) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [16]byte
	binary.BigEndian.PutUint64(b[8:], rand.Uint64())
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16|rand.Uint64()&0xffff)
	// 128 bits → 26 characters of 5 bits, the first holding 3 bits.
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	out := make([]byte, 26)
	for i := 25; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out)
}
