package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/export"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// Paging bounds.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	// MaxHAR is the most deliveries one HAR document holds.
	MaxHAR = 10000
)

// Summary is a delivery as the list shows it.
type Summary struct {
	// Seq is the delivery's position (0 for the oldest): SSE event ids
	// and paging cursors are positions.
	Seq        int            `json:"seq"`
	ID         string         `json:"id"`
	ReceivedAt time.Time      `json:"received_at"`
	Method     string         `json:"method"`
	Path       string         `json:"path"`
	Query      string         `json:"query,omitempty"`
	Event      string         `json:"event,omitempty"`
	Provider   string         `json:"provider,omitempty"`
	Verdict    string         `json:"verdict"` // signature.Verdict.Label
	Valid      bool           `json:"valid"`
	BodySize   int            `json:"body_size"`
	Answer     capture.Answer `json:"answer"`
	RepeatOf   string         `json:"repeat_of,omitempty"`
	// ReplayOf is the original's id when this delivery is a replay or
	// resend the inspector recorded.
	ReplayOf string        `json:"replay_of,omitempty"`
	Forward  *ForwardShown `json:"forward,omitempty"`
}

// ForwardShown is a forward result as shown: secrets in its URL, error
// and body hidden.
type ForwardShown struct {
	URL       string  `json:"url"`
	Status    int     `json:"status,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
	Error     string  `json:"error,omitempty"`
	Body      string  `json:"body,omitempty"`
}

// Detail is one delivery as the detail view shows it.
type Detail struct {
	Summary
	Host       string `json:"host,omitempty"`
	RemoteAddr string `json:"remote_addr"`
	LocalAddr  string `json:"local_addr,omitempty"`
	Proto      string `json:"proto,omitempty"`
	Scheme     string `json:"scheme,omitempty"`
	Route      string `json:"route,omitempty"`
	Matched    bool   `json:"matched"`
	// Headers are as received, sorted by name; a hidden one's values are
	// "[redacted]".
	Headers []HeaderShown `json:"headers"`
	// RedactedHeaders, RedactedPath and RedactedQuery say where the
	// capture itself holds a marker instead of a secret.
	RedactedHeaders []string           `json:"redacted_headers,omitempty"`
	RedactedPath    bool               `json:"redacted_path,omitempty"`
	RedactedQuery   bool               `json:"redacted_query,omitempty"`
	Body            BodyShown          `json:"body"`
	Signature       *signature.Verdict `json:"signature,omitempty"`
	ForwardAttempts []ForwardShown     `json:"forward_attempts,omitempty"`
}

// HeaderShown is one header.
type HeaderShown struct {
	Name     string   `json:"name"`
	Values   []string `json:"values"`
	Redacted bool     `json:"redacted,omitempty"`
	// NotUTF8 says a value's bytes are not UTF-8: shown with U+FFFD in
	// their place (the capture keeps the bytes).
	NotUTF8 bool `json:"not_utf8,omitempty"`
}

// BodyShown is the body: Text when it is UTF-8, else Base64 (the bytes as
// received are at .../body).
type BodyShown struct {
	Size     int    `json:"size"`
	Encoding string `json:"encoding"` // capture.BodyUTF8 or capture.BodyBase64
	Text     string `json:"text,omitempty"`
	Base64   string `json:"base64,omitempty"`
	// JSON says the body is a JSON document (the page may show it as a
	// tree).
	JSON bool `json:"json"`
}

// ListAnswer is GET /api/deliveries.
type ListAnswer struct {
	Deliveries []Summary `json:"deliveries"`
	// Next is the cursor of the next page, "" at the end.
	Next string `json:"next"`
	// Total is how many deliveries are indexed (filtered or not).
	Total   int `json:"total"`
	Scanned int `json:"scanned"`
	Skipped int `json:"skipped"`
}

func (s *Server) summary(pos int, r *capture.Record) Summary {
	q, _ := s.o.Redactor.Query(r.Query)
	sum := Summary{
		Seq: pos, ID: r.ID, ReceivedAt: r.ReceivedAt, Method: r.Method, Path: r.Path, Query: q,
		Event: r.Event, Provider: r.Provider, Verdict: r.VerdictLabel(), Valid: r.Verdict != nil && r.Verdict.Valid,
		BodySize: r.BodySize, Answer: r.Answer, RepeatOf: r.RepeatOf, ReplayOf: r.ReplayOf,
	}
	sum.Answer.Reason = s.o.Redactor.Text(sum.Answer.Reason)
	if r.Forward != nil {
		f := s.forward(*r.Forward)
		sum.Forward = &f
	}
	return sum
}

func (s *Server) forward(f capture.Forward) ForwardShown {
	red := s.o.Redactor
	return ForwardShown{URL: red.URL(f.URL), Status: f.Status, LatencyMS: f.LatencyMS, Error: red.Text(f.Error), Body: red.Text(f.Body)}
}

// filter reads the filter of a request: event, where (repeated), q.
func filterOf(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	return NewFilter(q.Get("event"), q["where"], q.Get("q"))
}

// list is GET /api/deliveries?event=&where=&q=&limit=&cursor=: a page,
// newest first.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	f, err := filterOf(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	q := r.URL.Query()
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be a number from 1 to %d", MaxLimit))
			return
		}
		limit = n
	}
	before := -1
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "cursor must be the next of a previous page")
			return
		}
		before = n
	}
	p := s.o.Index.List(f, PageOptions{Before: before, Limit: limit, Budget: DefaultBudget})
	ans := ListAnswer{Deliveries: []Summary{}, Total: s.o.Index.Len(), Scanned: p.Scanned, Skipped: p.Skipped}
	for _, it := range p.Items {
		ans.Deliveries = append(ans.Deliveries, s.summary(it.Pos, it.Rec))
	}
	if p.Next >= 0 {
		ans.Next = strconv.Itoa(p.Next)
	}
	writeJSON(w, ans)
}

// record is the delivery named by the request's {id}, or an error answer
// already written.
func (s *Server) record(w http.ResponseWriter, r *http.Request) (int, *capture.Record, bool) {
	id := r.PathValue("id")
	pos, ok := s.o.Index.Lookup(id)
	if !ok {
		writeError(w, http.StatusNotFound, "no delivery has this id")
		return 0, nil, false
	}
	rec, err := s.o.Index.Record(pos)
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, ErrGone) {
			status = http.StatusGone
		}
		writeError(w, status, err.Error())
		return 0, nil, false
	}
	return pos, rec, true
}

// detail is GET /api/deliveries/{id}.
func (s *Server) detail(w http.ResponseWriter, r *http.Request) {
	pos, rec, ok := s.record(w, r)
	if !ok {
		return
	}
	d, err := s.detailOf(pos, rec)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, d)
}

func (s *Server) detailOf(pos int, rec *capture.Record) (*Detail, error) {
	red := s.o.Redactor
	d := &Detail{
		Summary: s.summary(pos, rec), Host: rec.Host, RemoteAddr: rec.RemoteAddr, LocalAddr: rec.LocalAddr,
		Proto: rec.Proto, Scheme: rec.Scheme, Route: rec.Route, Matched: rec.Matched,
		Headers: []HeaderShown{}, RedactedHeaders: rec.Redacted, RedactedPath: rec.RedactedPath, RedactedQuery: rec.RedactedQuery,
	}
	headers, err := rec.HeaderBytes()
	if err != nil {
		return nil, err
	}
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		vals := headers[name]
		h := HeaderShown{Name: name, Values: slices.Clone(vals)}
		if red.HidesHeader(name, vals) {
			h.Redacted = true
			for i := range h.Values {
				h.Values[i] = signature.Redacted
			}
		}
		for _, v := range vals {
			if !utf8.ValidString(v) {
				h.NotUTF8 = true
			}
		}
		d.Headers = append(d.Headers, h)
	}
	body, err := rec.Bytes()
	if err != nil {
		return nil, err
	}
	d.Body = BodyShown{Size: len(body), Encoding: rec.BodyEncoding, JSON: len(bytes.TrimSpace(body)) > 0 && json.Valid(body)}
	if rec.BodyEncoding == capture.BodyBase64 {
		d.Body.Base64 = rec.Body
	} else {
		d.Body.Text = rec.Body
	}
	if rec.Verdict != nil {
		v := *rec.Verdict
		v.Message = red.Text(v.Message)
		v.Hints = nil
		for _, h := range rec.Verdict.Hints {
			v.Hints = append(v.Hints, red.Text(h))
		}
		d.Signature = &v
	}
	for _, f := range rec.ForwardAttempts {
		d.ForwardAttempts = append(d.ForwardAttempts, s.forward(f))
	}
	return d, nil
}

// body is GET /api/deliveries/{id}/body: the bytes as received, as a
// download that no browser renders.
func (s *Server) body(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := s.record(w, r)
	if !ok {
		return
	}
	b, err := rec.Bytes()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="body.bin"`)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// shownForExport is rec as an export may show it: hidden headers'
// values "[redacted]" (their bytes decoded first), the query's secrets
// hidden. rec itself is not changed.
func (s *Server) shownForExport(rec *capture.Record) (*capture.Record, error) {
	out := *rec
	headers, err := rec.HeaderBytes()
	if err != nil {
		return nil, err
	}
	out.Headers = make(http.Header, len(headers))
	out.Base64Headers = nil
	for name, vals := range headers {
		if s.o.Redactor.HidesHeader(name, vals) {
			vals = slices.Repeat([]string{signature.Redacted}, len(vals))
		}
		out.Headers[name] = vals
	}
	out.Query, _ = s.o.Redactor.Query(rec.Query)
	return &out, nil
}

// curlOne is GET /api/deliveries/{id}/curl: {"curl": TEXT}, the command
// that sends the delivery again as `captures export --format curl` writes
// it (export.Curl: every value shell-quoted, framing and invalid headers
// left out), secrets "[redacted]".
func (s *Server) curlOne(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := s.record(w, r)
	if !ok {
		return
	}
	shown, err := s.shownForExport(rec)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	var b strings.Builder
	if _, err := export.Curl(&b, shown, nil, httpx.PathReplace); err != nil {
		writeError(w, http.StatusInternalServerError, s.o.Redactor.Text(err.Error()))
		return
	}
	writeJSON(w, map[string]string{"curl": b.String()})
}

// harOne is GET /api/deliveries/{id}/har.
func (s *Server) harOne(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := s.record(w, r)
	if !ok {
		return
	}
	s.writeHAR(w, []*capture.Record{rec}, "delivery.har")
}

// harMany is GET /api/har: the deliveries named by id= (repeated), or
// else every one the filter (as for the list) shows, newest first, up to
// MaxHAR.
func (s *Server) harMany(w http.ResponseWriter, r *http.Request) {
	var recs []*capture.Record
	if ids := r.URL.Query()["id"]; len(ids) > 0 {
		if len(ids) > MaxHAR {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("more than %d ids", MaxHAR))
			return
		}
		for _, id := range ids {
			pos, ok := s.o.Index.Lookup(id)
			if !ok {
				writeError(w, http.StatusNotFound, "no delivery has the id "+strconv.Quote(id))
				return
			}
			rec, err := s.o.Index.Record(pos)
			if err != nil {
				writeError(w, http.StatusGone, err.Error())
				return
			}
			recs = append(recs, rec)
		}
		s.writeHAR(w, recs, "deliveries.har")
		return
	}
	f, err := filterOf(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	p := s.o.Index.List(f, PageOptions{Before: -1, Limit: MaxHAR + 1})
	if len(p.Items) > MaxHAR {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("more than %d deliveries are shown: narrow the filter", MaxHAR))
		return
	}
	for _, it := range p.Items {
		recs = append(recs, it.Rec)
	}
	s.writeHAR(w, recs, "deliveries.har")
}

// writeHAR writes recs, as shownForExport shows them, as a HAR download
// made by the one HAR exporter.
func (s *Server) writeHAR(w http.ResponseWriter, recs []*capture.Record, filename string) {
	har := export.NewHAR(s.o.Version)
	for _, rec := range recs {
		shown, err := s.shownForExport(rec)
		if err == nil {
			err = har.Add(shown)
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
	}
	var buf bytes.Buffer
	if err := har.Encode(&buf); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	w.Write(buf.Bytes())
}

// writeJSON writes v as JSON, with <, > and & escaped (\u003c...), so no
// delivery's bytes read as markup even to a browser that sniffs.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		// Headers are sent; nothing more can be said.
		return
	}
}

// writeError answers {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
