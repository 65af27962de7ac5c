// Package compare says how two kept deliveries differ: their request lines,
// their headers (by canonical name, each header's values in order) and
// their bodies (by structure when both are JSON, by bytes otherwise). It is
// the engine behind `captures diff` and the inspector's diff: a Result is
// plain data, for a printer or a JSON encoder.
//
// A Result holds the deliveries' own bytes (header values, JSON values,
// body bytes): whoever prints it for a terminal escapes it. Secrets are
// not in it: header values are shown as the Redactor allows.
package compare

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/jsondiff"
	"github.com/hooktool/hooktool/internal/signature"
)

// Bounds of a byte difference's excerpts.
const (
	// ContextBytes are the bytes shown before the first difference.
	ContextBytes = 16
	// ExcerptBytes are the most of each side's differing bytes shown.
	ExcerptBytes = 64
)

// Kinds of difference, as jsondiff names them.
const (
	Changed = jsondiff.Changed
	Added   = jsondiff.Added
	Removed = jsondiff.Removed
)

// Options shape a comparison.
type Options struct {
	// Redactor decides which header values are shown as "[redacted]"
	// (signature.Redactor.ShownValue): credentials, secret-carrying
	// headers, values holding a configured secret. Values are compared as
	// kept, shown as it allows. Nil still hides credentials.
	Redactor *signature.Redactor
}

// Result is how delivery B differs from delivery A.
type Result struct {
	A Side `json:"a"`
	B Side `json:"b"`
	// Same: nothing differs (request line, headers, body bytes).
	Same bool `json:"same"`
	// Request are the parts of the request line that differ: method,
	// path, query, proto, in that order.
	Request []Field `json:"request"`
	// Headers that differ, by canonical name, sorted; Host among them.
	Headers []Header `json:"headers"`
	Body    Body     `json:"body"`
}

// Side names one of the two deliveries.
type Side struct {
	ID       string `json:"id"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Query    string `json:"query,omitempty"`
	Event    string `json:"event,omitempty"`
	BodySize int    `json:"body_size"`
}

// Field is a part of the request line that differs.
type Field struct {
	Name string `json:"field"`
	Old  string `json:"old"`
	New  string `json:"new"`
}

// Header is a header that differs: Changed (in both, other values or
// another order), Added (only in B) or Removed (only in A). Old is nil for
// Added, New for Removed.
type Header struct {
	Name string        `json:"name"`
	Kind jsondiff.Kind `json:"kind"`
	Old  []string      `json:"old,omitempty"`
	New  []string      `json:"new,omitempty"`
}

// Body formats.
const (
	// FormatJSON: both bodies are JSON, compared by structure (Changes).
	FormatJSON = "json"
	// FormatBytes: at least one is not JSON (or is nested too deep to
	// compare), compared by bytes.
	FormatBytes = "bytes"
)

// Body is how the bodies differ.
type Body struct {
	// Same: the bodies are byte-identical.
	Same bool `json:"same"`
	// Format is FormatJSON or FormatBytes.
	Format string `json:"format"`
	// Changes are jsondiff's, path by path (FormatJSON).
	Changes []Change `json:"changes,omitempty"`
	// Bytes says where the bytes differ: set when the bodies differ and
	// are not compared as JSON, or are the same JSON in other bytes
	// (re-serialized: whitespace, key order, how a number is written),
	// which a signature over the body does not survive.
	Bytes *Bytes `json:"bytes,omitempty"`
}

// Change is one structural difference of the bodies. Old and New are
// compact JSON, as jsondiff gives them (absent for Added and Removed).
type Change struct {
	Path string          `json:"path"`
	Kind jsondiff.Kind   `json:"kind"`
	Old  json.RawMessage `json:"old,omitempty"`
	New  json.RawMessage `json:"new,omitempty"`
	text string
}

// String is the change in one line, as jsondiff writes it: "data.amount:
// 2500 → 3000", "data.note: added \"x\"". Escape it for a terminal.
func (c Change) String() string { return c.text }

// Bytes is where two bodies' bytes differ: they share their first Offset
// bytes and their last Suffix bytes; between them, Old and New differ.
type Bytes struct {
	OldSize int `json:"old_size"`
	NewSize int `json:"new_size"`
	// Offset is the first byte that differs (from 0).
	Offset int `json:"offset"`
	// Line and Column (from 1, in bytes) of Offset, when both bodies are
	// UTF-8 text; 0 otherwise.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Suffix is how many bytes at the end are the same.
	Suffix int `json:"suffix"`
	// Context is up to ContextBytes of the shared bytes before Offset.
	Context Excerpt `json:"context"`
	// Old and New are each side's differing bytes (up to ExcerptBytes).
	Old Excerpt `json:"old"`
	New Excerpt `json:"new"`
}

// Excerpt is some bytes of a body: Text when they are UTF-8 (as they are:
// escape them for a terminal), else Hex ("0a ff 00"). Len is how many
// bytes the whole run has; Truncated says Text or Hex show fewer.
type Excerpt struct {
	Len       int    `json:"len"`
	Text      string `json:"text,omitempty"`
	Hex       string `json:"hex,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Records compares delivery b with delivery a. Its error is a record whose
// body or headers do not decode (a malformed capture).
func Records(a, b *capture.Record, o Options) (*Result, error) {
	shownQuery := func(q string) string {
		q, _ = o.Redactor.Query(q)
		return q
	}
	// The sides' queries are shown as the request's are: a secret in one
	// is "[redacted]".
	res := &Result{A: sideOf(a, shownQuery), B: sideOf(b, shownQuery), Request: []Field{}, Headers: []Header{}}
	for _, f := range []struct{ name, old, new string }{
		{"method", a.Method, b.Method},
		{"path", a.Path, b.Path},
		{"query", a.Query, b.Query},
		{"proto", a.Proto, b.Proto},
	} {
		if f.old == f.new {
			continue
		}
		if f.name == "query" {
			f.old, f.new = shownQuery(f.old), shownQuery(f.new)
		}
		res.Request = append(res.Request, Field{Name: f.name, Old: f.old, New: f.new})
	}
	ha, err := headersOf(a)
	if err != nil {
		return nil, err
	}
	hb, err := headersOf(b)
	if err != nil {
		return nil, err
	}
	res.Headers = Headers(ha, hb, o)
	ba, err := a.Bytes()
	if err != nil {
		return nil, err
	}
	bb, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	if res.Body, err = Bodies(ba, bb); err != nil {
		return nil, err
	}
	res.Same = len(res.Request) == 0 && len(res.Headers) == 0 && res.Body.Same
	return res, nil
}

func sideOf(r *capture.Record, shownQuery func(string) string) Side {
	return Side{ID: r.ID, Method: r.Method, Path: r.Path, Query: shownQuery(r.Query), Event: r.Event, BodySize: r.BodySize}
}

// headersOf are the headers as received (base64-kept ones decoded), by
// canonical name, with Host among them.
func headersOf(r *capture.Record) (http.Header, error) {
	kept, err := r.HeaderBytes()
	if err != nil {
		return nil, err
	}
	h := make(http.Header, len(kept)+1)
	for k, vv := range kept {
		name := http.CanonicalHeaderKey(k)
		h[name] = append(h[name], vv...)
	}
	if r.Host != "" {
		h["Host"] = append([]string{r.Host}, h["Host"]...)
	}
	return h, nil
}

// Headers says how headers b differ from headers a, both keyed by
// canonical name, sorted by name, values shown as o.Redactor allows: the
// header part of Records, for headers that are not a record's (an edit's
// preview).
func Headers(a, b http.Header, o Options) []Header {
	red := o.Redactor
	names := make([]string, 0, len(a)+len(b))
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	shown := func(name string, vv []string) []string {
		if vv == nil {
			return nil
		}
		out := make([]string, len(vv))
		for i, v := range vv {
			out[i] = red.ShownValue(name, v)
		}
		return out
	}
	out := []Header{}
	for _, k := range names {
		va, inA := a[k]
		vb, inB := b[k]
		switch {
		case !inA:
			out = append(out, Header{Name: k, Kind: Added, New: shown(k, vb)})
		case !inB:
			out = append(out, Header{Name: k, Kind: Removed, Old: shown(k, va)})
		case !slices.Equal(va, vb):
			out = append(out, Header{Name: k, Kind: Changed, Old: shown(k, va), New: shown(k, vb)})
		}
	}
	return out
}

// Bodies compares body b with body a: by structure when both are JSON
// (jsondiff), with a byte difference when they are not, or when they are
// the same JSON in other bytes. Its error is none today: a body jsondiff
// cannot compare is compared by bytes.
func Bodies(a, b []byte) (Body, error) {
	body := Body{Same: bytes.Equal(a, b), Format: FormatJSON}
	changes, err := jsondiff.Compare(a, b, jsondiff.Options{})
	var notJSON *jsondiff.NotJSONError
	switch {
	case errors.As(err, &notJSON), errors.Is(err, jsondiff.ErrTooDeep):
		body.Format = FormatBytes
	case err != nil:
		return Body{}, err
	}
	for _, c := range changes {
		body.Changes = append(body.Changes, Change{Path: c.Path.String(), Kind: c.Kind, Old: c.Old, New: c.New, text: c.String()})
	}
	if !body.Same && len(body.Changes) == 0 {
		body.Bytes = byteDiff(a, b)
	}
	return body, nil
}

// byteDiff finds the run where a and b differ: after their common prefix
// and before their common suffix (which does not overlap the prefix).
func byteDiff(a, b []byte) *Bytes {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	textA, textB := utf8.Valid(a), utf8.Valid(b)
	text := textA && textB
	from := max(0, p-ContextBytes)
	if text {
		// Cut between runes, never inside one: é and è share their
		// first byte.
		for p > 0 && p < len(a) && !utf8.RuneStart(a[p]) {
			p--
		}
		for s > 0 && !utf8.RuneStart(a[len(a)-s]) {
			s--
		}
		for from = max(0, p-ContextBytes); from < p && !utf8.RuneStart(a[from]); from++ {
		}
	}
	d := &Bytes{OldSize: len(a), NewSize: len(b), Offset: p, Suffix: s}
	if text {
		d.Line = 1 + bytes.Count(a[:p], []byte("\n"))
		d.Column = p - (bytes.LastIndexByte(a[:p], '\n') + 1) + 1
	}
	d.Context = excerpt(a[from:p], ContextBytes, textA)
	d.Old = excerpt(a[p:len(a)-s], ExcerptBytes, textA)
	d.New = excerpt(b[p:len(b)-s], ExcerptBytes, textB)
	return d
}

// excerpt shows at most n bytes of run, part of a body: as text when the
// body is UTF-8 (a rune cut at the end is left out), else in hex.
func excerpt(run []byte, n int, text bool) Excerpt {
	e := Excerpt{Len: len(run)}
	cut := run
	if len(cut) > n {
		cut, e.Truncated = cut[:n], true
	}
	if text {
		for len(cut) > 0 && !utf8.Valid(cut) {
			cut = cut[:len(cut)-1] // a rune cut in two by the bound
		}
		e.Text = string(cut)
		return e
	}
	e.Hex = spacedHex(cut)
	return e
}

func spacedHex(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	out := make([]byte, 0, 3*len(b)-1)
	for i, c := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = hex.AppendEncode(out, []byte{c})
	}
	return string(out)
}
