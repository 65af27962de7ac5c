package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/compare"
	"github.com/hooktool/hooktool/internal/catalog"
	deliv "github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/randid"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/signature"
)

// MaxActionBody bounds the JSON body of a POST (an edited delivery body
// is in it).
const MaxActionBody = 8 << 20

// MaxAnswerShown is how much of the target's answer an action result
// shows.
const MaxAnswerShown = 4 << 10

// Appender keeps records; *capture.Writer (listen --save's) is one.
type Appender interface {
	Append(*capture.Record) error
}

// ReplayRequest is the body of POST /api/deliveries/{id}/replay.
type ReplayRequest struct {
	// To is where to send: an absolute http:// or https:// URL; "" is
	// Options.Target.
	To string `json:"to,omitempty"`
	// Resign gives the delivery a new id, timestamp and signature made
	// with the configured secret; false sends it byte-exact.
	Resign bool `json:"resign"`
}

// SetEdit is one field edit of a resend, as `replay --set PATH=VALUE`
// (or --set-str with String).
type SetEdit struct {
	Path   string `json:"path"`
	Value  string `json:"value"`
	String bool   `json:"string,omitempty"`
}

// ResendRequest is the body of POST /api/deliveries/{id}/resend: an
// edited delivery, always re-signed.
type ResendRequest struct {
	To    string    `json:"to,omitempty"`
	Set   []SetEdit `json:"set,omitempty"`
	Unset []string  `json:"unset,omitempty"`
	// Body, when set, is the whole edited body (Set and Unset are made
	// in it after).
	Body *string `json:"body,omitempty"`
	// SetHeaders replace the original's values of each name they name
	// (several of one name: several values, in order); UnsetHeaders
	// leave the original's out. Neither may name a header
	// httpx.Unsendable refuses (framing, hop-by-hop, invalid) or one the
	// re-signing makes anew (replay.Schemes.SignatureHeaders): refused
	// with the reason.
	SetHeaders   []HeaderEdit `json:"set_headers,omitempty"`
	UnsetHeaders []string     `json:"unset_headers,omitempty"`
}

// HeaderEdit is one header value a resend sets.
type HeaderEdit struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ReasonSigned is why a resend cannot edit a signature's header.
const ReasonSigned = "the signature's: it is made anew when the delivery is re-signed"

// headerEdits are a resend's header edits as replay.Options takes them:
// names canonical, checked by replay.CheckHeaderEdits (httpx.Unsendable)
// and against the headers the re-signing of rec makes anew.
type headerEdits struct {
	set   http.Header
	unset []string
}

func (s *Server) headerEdits(rec *capture.Record, req *ResendRequest) (headerEdits, error) {
	var e headerEdits
	if len(req.SetHeaders) > 0 {
		e.set = http.Header{}
	}
	for _, h := range req.SetHeaders {
		name := http.CanonicalHeaderKey(h.Name)
		e.set[name] = append(e.set[name], h.Value)
	}
	for _, name := range req.UnsetHeaders {
		name = http.CanonicalHeaderKey(name)
		if _, both := e.set[name]; both {
			return e, fmt.Errorf("header %q: both set and unset", name)
		}
		e.unset = append(e.unset, name)
	}
	if err := replay.CheckHeaderEdits(e.set, e.unset); err != nil {
		return e, err
	}
	// Without a scheme nothing can be re-signed: the send says so.
	signed, _ := s.o.Schemes.SignatureHeaders(rec)
	for _, name := range append(slices.Sorted(maps.Keys(e.set)), e.unset...) {
		for _, sig := range signed {
			if strings.EqualFold(name, sig) {
				return e, fmt.Errorf("header %q: %s", name, ReasonSigned)
			}
		}
	}
	return e, nil
}

// headerPreview is how the edits change rec's headers, and the headers of
// rec (and the signature's) that cannot be edited, with why.
func (s *Server) headerPreview(rec *capture.Record, e headerEdits) ([]compare.Header, []httpx.Refusal, error) {
	kept, err := rec.HeaderBytes()
	if err != nil {
		return nil, nil, err
	}
	orig := make(http.Header, len(kept))
	for k, vv := range kept {
		name := http.CanonicalHeaderKey(k)
		orig[name] = append(orig[name], vv...)
	}
	edited := orig.Clone()
	for _, name := range e.unset {
		delete(edited, name)
	}
	for name, vv := range e.set {
		edited[name] = vv
	}
	fixed := httpx.Unsendable(orig)
	signed, _ := s.o.Schemes.SignatureHeaders(rec)
	seen := map[string]bool{}
	for _, name := range signed {
		name = http.CanonicalHeaderKey(name)
		if !seen[name] {
			seen[name] = true
			fixed = append(fixed, httpx.Refusal{Name: name, Reason: ReasonSigned})
		}
	}
	slices.SortFunc(fixed, func(a, b httpx.Refusal) int { return strings.Compare(a.Name, b.Name) })
	return compare.Headers(orig, edited, compare.Options{Redactor: s.o.Redactor}), fixed, nil
}

// Preview is what a resend would send, without sending it.
type Preview struct {
	Body BodyShown `json:"body"`
	// Changes is how the edited body differs from the original (the
	// diff engine of `captures diff`).
	Changes compare.Body `json:"changes"`
	// Headers are how the edited headers differ from the original's
	// (values hidden as the Redactor says); the signature's are made anew
	// on send and not among them.
	Headers []compare.Header `json:"headers"`
	// Fixed are the headers an edit may not name: the original's framing
	// and hop-by-hop ones, and the signature's, each with why.
	Fixed []httpx.Refusal `json:"fixed"`
}

// ActionResult is what a replay or resend did.
type ActionResult struct {
	// URL is where it was sent (secrets hidden).
	URL      string `json:"url"`
	Resigned bool   `json:"resigned"`
	// Acknowledged: the target answered 2xx.
	Acknowledged bool    `json:"acknowledged"`
	Status       int     `json:"status,omitempty"`
	LatencyMS    float64 `json:"latency_ms"`
	ErrorKind    string  `json:"error_kind,omitempty"`
	Error        string  `json:"error,omitempty"`
	// Answer is the start of the target's answer (MaxAnswerShown bytes,
	// U+FFFD for bytes that are not UTF-8); AnswerTruncated says there
	// was more.
	Answer          string `json:"answer,omitempty"`
	AnswerTruncated bool   `json:"answer_truncated,omitempty"`
	// Sent are the headers sent, sorted by name, secrets "[redacted]".
	Sent     []HeaderShown `json:"sent"`
	BodySize int           `json:"body_size"`
	// Recorded is the id of the record kept of it (Options.Store), with
	// replay_of the original's id.
	Recorded string   `json:"recorded,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// diff is GET /api/diff?a=ID&b=ID: compare.Result (as `captures diff
// --json` prints it), header values hidden as the Redactor says.
func (s *Server) diff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var recs [2]*capture.Record
	for i, k := range []string{"a", "b"} {
		id := q.Get(k)
		if id == "" {
			writeError(w, http.StatusBadRequest, "give two deliveries: ?a=ID&b=ID")
			return
		}
		rec, status, err := s.lookup(id)
		if err != nil {
			writeError(w, status, err.Error())
			return
		}
		recs[i] = rec
	}
	res, err := compare.Records(recs[0], recs[1], compare.Options{Redactor: s.o.Redactor})
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, s.o.Redactor.Text(err.Error()))
		return
	}
	writeJSON(w, res)
}

// lookup is the record of id, or the status and error to answer.
func (s *Server) lookup(id string) (*capture.Record, int, error) {
	pos, ok := s.o.Index.Lookup(id)
	if !ok {
		return nil, http.StatusNotFound, fmt.Errorf("no delivery has the id %q", id)
	}
	rec, err := s.o.Index.Record(pos)
	if err != nil {
		if errors.Is(err, ErrGone) {
			return nil, http.StatusGone, err
		}
		return nil, http.StatusInternalServerError, err
	}
	return rec, 0, nil
}

// readAction decodes a POST's JSON body into v: application/json (a
// form cannot send it without a preflight), at most MaxActionBody bytes,
// no unknown fields. An empty body is {}.
func readAction(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" && !strings.HasPrefix(ct, "application/json;") {
		writeError(w, http.StatusUnsupportedMediaType, "send the request as application/json")
		return false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxActionBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request is larger than %d bytes", MaxActionBody))
		} else {
			writeError(w, http.StatusBadRequest, "the request could not be read")
		}
		return false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		writeError(w, http.StatusBadRequest, "the request is not the JSON this action takes")
		return false
	}
	return true
}

// target is where an action on rec sends: to, else the URL of the route
// rec took (Options.Routes), else Options.Target, placed as `hooktool
// replay` places a capture (replay.NewTarget, httpx.PathReplace).
func (s *Server) target(to string, rec *capture.Record) (*replay.Target, error) {
	if to == "" && rec.Forward != nil && rec.Forward.Route != "" {
		to = s.o.Routes[rec.Forward.Route]
	}
	if to == "" {
		to = s.o.Target
	}
	if to == "" {
		return nil, errors.New("no target: give to (an http:// or https:// URL); this inspector forwards nowhere")
	}
	return replay.NewTarget(to, httpx.PathReplace)
}

// replayOne is POST /api/deliveries/{id}/replay.
func (s *Server) replayOne(w http.ResponseWriter, r *http.Request) {
	rec, status, err := s.lookup(r.PathValue("id"))
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	var req ReplayRequest
	if !readAction(w, r, &req) {
		return
	}
	s.send(w, r, rec, req.To, req.Resign, nil, headerEdits{})
}

// edits makes the request's edits into a replay Body: the whole body
// first, then Set and Unset (catalog.Apply, as `replay --set`).
func (req *ResendRequest) edits() (func(*capture.Record, []byte) ([]byte, error), error) {
	var edits []catalog.Edit
	for _, e := range req.Set {
		if e.Path == "" || strings.Contains(e.Path, "=") {
			return nil, fmt.Errorf("set: %q is not a path", e.Path)
		}
		ed, err := catalog.ParseSet(e.Path+"="+e.Value, e.String)
		if err != nil {
			return nil, err
		}
		edits = append(edits, ed)
	}
	for _, p := range req.Unset {
		edits = append(edits, catalog.Edit{Path: p, Unset: true})
	}
	apply := replay.EditBody(edits)
	whole := req.Body
	return func(rec *capture.Record, body []byte) ([]byte, error) {
		if whole != nil {
			body = []byte(*whole)
		}
		if len(edits) == 0 {
			return body, nil
		}
		return apply(rec, body)
	}, nil
}

// resend is POST /api/deliveries/{id}/resend (?preview=1: the edited body
// and what changed, nothing sent).
func (s *Server) resend(w http.ResponseWriter, r *http.Request) {
	rec, status, err := s.lookup(r.PathValue("id"))
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	var req ResendRequest
	if !readAction(w, r, &req) {
		return
	}
	body, err := req.edits()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	hdr, err := s.headerEdits(rec, &req)
	if err != nil {
		writeError(w, http.StatusBadRequest, s.o.Redactor.Text(err.Error()))
		return
	}
	if p := r.URL.Query().Get("preview"); p != "" && p != "0" {
		orig, err := rec.Bytes()
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		edited, err := body(rec, slices.Clone(orig))
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		changes, err := compare.Bodies(orig, edited)
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, err.Error())
			return
		}
		headers, fixed, err := s.headerPreview(rec, hdr)
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, Preview{Body: bodyShown(edited), Changes: changes, Headers: headers, Fixed: fixed})
		return
	}
	s.send(w, r, rec, req.To, true, body, hdr)
}

// bodyShown is b as BodyShown shows a body.
func bodyShown(b []byte) BodyShown {
	var rec capture.Record
	rec.SetBody(b)
	shown := BodyShown{Size: len(b), Encoding: rec.BodyEncoding, JSON: len(bytes.TrimSpace(b)) > 0 && json.Valid(b)}
	if rec.BodyEncoding == capture.BodyBase64 {
		shown.Base64 = rec.Body
	} else {
		shown.Text = rec.Body
	}
	return shown
}

// send sends rec once through replay.Run (the engine of `hooktool
// replay`), re-signed when resign (always with an edited body), and
// answers what happened. Nothing is sent when anything is missing: no
// target, no secret to re-sign with.
func (s *Server) send(w http.ResponseWriter, r *http.Request, rec *capture.Record, to string, resign bool, body func(*capture.Record, []byte) ([]byte, error), hdr headerEdits) {
	target, err := s.target(to, rec)
	if err != nil {
		writeError(w, http.StatusBadRequest, s.o.Redactor.Text(err.Error()))
		return
	}
	resign = resign || body != nil
	if resign && len(s.o.Secrets) == 0 {
		writeError(w, http.StatusBadRequest, "no secret to re-sign with: give the inspector the endpoint's secret (HOOKTOOL_SECRET, --secret-file)")
		return
	}
	// The index's record is shared: the engine may put a secret back in
	// its query.
	own := *rec
	own.Headers = rec.Headers.Clone()
	var (
		mu       sync.Mutex
		sentBody []byte
		last     *deliv.Attempt
		sentURL  string
		warnings []string
	)
	keep := func(_ *capture.Record, b []byte) ([]byte, error) {
		if body != nil {
			var err error
			if b, err = body(&own, b); err != nil {
				return nil, err
			}
		}
		mu.Lock()
		sentBody = b
		mu.Unlock()
		return b, nil
	}
	o := replay.Options{
		Source:      func(each func(*capture.Record) error) error { return each(&own) },
		Target:      target,
		Header:      hdr.set,
		UnsetHeader: hdr.unset,
		Client:      s.o.Client,
		Concurrency: 1,
		Secrets:     s.o.Secrets,
		Resign:      resign,
		Schemes:     s.o.Schemes,
		Now:         s.o.Now,
		NewID:       s.o.NewID,
		OnDropped: func(_ *capture.Record, names []string) {
			warnings = append(warnings, "not sent: "+strings.Join(names, ", ")+" (a name that is not a token, or a value with CR, LF or NUL)")
		},
		OnUnrestored: func(*capture.Record) {
			warnings = append(warnings, "a secret was redacted in this capture and none is configured to put back: sent as kept")
		},
		OnDone: func(d *replay.Delivery, a deliv.Attempt) { last, sentURL = &a, d.URL },
	}
	if resign {
		// Body is what the engine sends; with none, the kept bytes. It is
		// set only to re-sign, as replay.Options.Body always re-signs.
		o.Body = keep
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	_, err = replay.Run(ctx, o)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, s.o.Redactor.Text(err.Error()))
		return
	}
	if last == nil {
		writeError(w, http.StatusInternalServerError, "nothing was sent")
		return
	}
	if sentBody == nil {
		if sentBody, err = own.Bytes(); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	res := s.result(*last, sentURL, resign, len(sentBody))
	res.Warnings = warnings
	if s.o.Store != nil {
		kept, err := s.replayRecord(rec, *last, sentURL, sentBody)
		if err == nil {
			err = s.o.Store.Append(kept)
		}
		if err != nil {
			res.Warnings = append(res.Warnings, "not recorded: "+s.o.Redactor.Text(err.Error()))
		} else {
			res.Recorded = kept.ID
		}
	}
	writeJSON(w, res)
}

// result is an attempt as an action answers it.
func (s *Server) result(a deliv.Attempt, url string, resigned bool, size int) ActionResult {
	red := s.o.Redactor
	res := ActionResult{
		URL: red.URL(url), Resigned: resigned, Acknowledged: a.Acknowledged(), Status: a.Status,
		LatencyMS: float64(a.Latency.Microseconds()) / 1000, Sent: []HeaderShown{}, BodySize: size,
	}
	if a.Err != nil {
		res.Error, res.ErrorKind = red.Text(a.Err.Error()), string(deliv.KindOther)
		var de *deliv.Error
		if errors.As(a.Err, &de) {
			res.ErrorKind = string(de.Kind)
		}
	}
	b := a.Body
	res.AnswerTruncated = a.Truncated
	if len(b) > MaxAnswerShown {
		b, res.AnswerTruncated = b[:MaxAnswerShown], true
	}
	res.Answer = red.Text(strings.ToValidUTF8(string(b), "\uFFFD"))
	res.Sent = s.headersShown(a.Header)
	return res
}

// headersShown is h sorted by name, a hidden header's values "[redacted]".
func (s *Server) headersShown(h http.Header) []HeaderShown {
	out := []HeaderShown{}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		vals := h[name]
		hs := HeaderShown{Name: name, Values: slices.Clone(vals)}
		if s.o.Redactor.HidesHeader(name, vals) {
			hs.Redacted = true
			for i := range hs.Values {
				hs.Values[i] = signature.Redacted
			}
		}
		for i, v := range hs.Values {
			if !utf8.ValidString(v) {
				hs.NotUTF8 = true
				hs.Values[i] = strings.ToValidUTF8(v, "\uFFFD")
			}
		}
		out = append(out, hs)
	}
	return out
}

// replayRecord is the record kept of a replay of orig: the request as sent
// (capture.NewRecord of it, secrets hidden as the listener hides them),
// replay_of orig's id, and the target's answer as its forward.
func (s *Server) replayRecord(orig *capture.Record, a deliv.Attempt, url string, body []byte) (*capture.Record, error) {
	req, err := http.NewRequest(orig.Method, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header = a.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	rec := capture.NewRecord(req, s.o.Now())
	rec.RemoteAddr = a.LocalAddr
	rec.SetBody(body)
	rec.Provider, rec.Scheme, rec.Event, rec.Route = orig.Provider, orig.Scheme, orig.Event, orig.Route
	rec.Matched = true
	rec.ReplayOf = orig.ID
	res := s.result(a, url, false, len(body))
	rec.Forward = &capture.Forward{URL: res.URL, Status: a.Status, LatencyMS: res.LatencyMS, Error: res.Error, ErrorKind: res.ErrorKind}
	if a.Err == nil && len(a.Body) > 0 {
		// The app's answer may echo a secret: hidden as listen hides it.
		rec.Forward.Body = capture.AnswerStart(a.Body, s.o.Redactor)
	}
	rec.Redact(s.o.Redactor)
	return rec, nil
}

// defaults fills the action options a command may leave empty.
func (o *Options) defaults() {
	if o.Client == nil {
		o.Client = deliv.New(deliv.Options{Timeout: 10 * time.Second, UserAgent: "hooktool/" + o.Version})
	}
	if o.Schemes == nil {
		o.Schemes = replay.NewSchemes(replay.SchemeOptions{})
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.NewID == nil {
		o.NewID = randid.MessageID
	}
	if o.EventEvery <= 0 {
		o.EventEvery = DefaultEventEvery
	}
}
