package capture

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// missingSource is a capture argument that names nothing: said in the
// user's words, and still an fs.ErrNotExist to errors.Is.
type missingSource string

func (m missingSource) Error() string {
	return string(m) + ": no such capture file or directory"
}

func (missingSource) Unwrap() error { return fs.ErrNotExist }

// Sources expands capture file arguments: a file, a directory (its *.jsonl
// files, in name order), or "-" for stdin (returned as is).
func Sources(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if a == "-" {
			out = append(out, a)
			continue
		}
		st, err := os.Stat(a)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, missingSource(a)
		}
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		var files []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".jsonl") {
				files = append(files, filepath.Join(a, e.Name()))
			}
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s holds no *.jsonl capture files", a)
		}
		sort.Strings(files)
		out = append(out, files...)
	}
	return out, nil
}

// Selector picks records.
type Selector struct {
	// IDs are ids or unique id prefixes; empty selects every id.
	IDs []string
	// Event is a glob on the event type; empty matches all.
	Event string
	// Where are conditions that must all hold.
	Where []Cond
}

// Cond is one --where condition: LEFT OP VALUE. LEFT is a gjson path into
// the body, header.NAME for a header, or record.FIELD for a field of the
// record (RecordFields; any other is refused by ParseCond).
type Cond struct {
	Left  string
	Op    string // ==, !=, <, >, <=, >=, ~ (glob)
	Value string // the literal, unquoted
	text  string
}

var ops = []string{"==", "!=", "<=", ">=", "~", "<", ">"}

// ParseCond reads a --where expression such as data.amount>5000,
// event=="transfer.failed", header.User-Agent~"hooktool/*".
func ParseCond(expr string) (Cond, error) {
	best, at := findOp(expr)
	if at < 0 {
		return Cond{}, fmt.Errorf("%q has no operator (==, !=, <, >, <=, >=, ~ for a glob)", expr)
	}
	c := Cond{Left: strings.TrimSpace(expr[:at]), Op: best, text: expr}
	if strings.HasSuffix(c.Left, "=") || strings.HasSuffix(c.Left, "!") {
		return Cond{}, fmt.Errorf("%q: unknown operator (==, !=, <, >, <=, >=, ~ for a glob)", expr)
	}
	if err := checkLeft(c.Left); err != nil {
		return Cond{}, fmt.Errorf("%q: %w", expr, err)
	}
	raw := strings.TrimSpace(expr[at+len(best):])
	if c.Left == "" || raw == "" {
		return Cond{}, fmt.Errorf("%q: expected PATH%sVALUE", expr, best)
	}
	if strings.HasPrefix(raw, `"`) {
		if err := json.Unmarshal([]byte(raw), &c.Value); err != nil {
			return Cond{}, fmt.Errorf("%q: the value is not a valid quoted string", expr)
		}
	} else {
		c.Value = strings.Trim(raw, "'")
	}
	if c.Op == "~" {
		if _, err := path.Match(c.Value, ""); err != nil {
			return Cond{}, fmt.Errorf("%q: bad glob", expr)
		}
	}
	return c, nil
}

func (c Cond) String() string { return c.text }

// findOp finds the first operator outside quotes and gjson queries
// (#(...)), longest first where two start at the same place.
func findOp(expr string) (string, int) {
	for i := range Unquoted(expr) {
		if i == 0 {
			continue
		}
		for _, op := range ops {
			if strings.HasPrefix(expr[i:], op) {
				return op, i
			}
		}
	}
	return "", -1
}

// Unquoted yields the places in expr outside quotes (' or ", a \ escaping
// the byte after it) and outside gjson queries (#(...)): where an operator
// of a condition may stand, or the "=" that ends one in a route
// (listener.SplitRoute). The one reading of the language's quoting.
func Unquoted(expr string) iter.Seq[int] {
	return func(yield func(int) bool) {
		depth, quote := 0, byte(0)
		for i := 0; i < len(expr); i++ {
			c := expr[i]
			switch {
			case quote != 0:
				if c == '\\' {
					i++
				} else if c == quote {
					quote = 0
				}
				continue
			case c == '"' || c == '\'':
				quote = c
				continue
			case c == '(':
				depth++
				continue
			case c == ')':
				depth--
				continue
			}
			if depth > 0 {
				continue
			}
			if !yield(i) {
				return
			}
		}
	}
}

// Body says what is known of a body being JSON: a caller that evaluates
// many conditions on one body checks it once (gjson.ValidBytes).
type Body int8

const (
	// BodyUnchecked: checked when a condition reads the body.
	BodyUnchecked Body = iota
	BodyJSON
	BodyNotJSON
)

// CheckBody says whether body is JSON, for HoldsFor.
func CheckBody(body []byte) Body {
	if gjson.ValidBytes(body) {
		return BodyJSON
	}
	return BodyNotJSON
}

// value finds the left side in a record: its value and whether it exists.
func (c Cond) value(r *Record, body []byte, kind Body) (string, bool, bool) {
	switch {
	case strings.HasPrefix(c.Left, "header."):
		h := r.Headers
		if len(r.Base64Headers) > 0 {
			if dec, err := r.HeaderBytes(); err == nil {
				h = dec // compare the bytes received, not their base64
			}
		}
		vals := h.Values(strings.TrimPrefix(c.Left, "header."))
		if len(vals) == 0 {
			return "", false, false
		}
		v := strings.Join(vals, ", ")
		_, err := strconv.ParseFloat(v, 64)
		return v, err == nil, true
	case strings.HasPrefix(c.Left, "record."):
		v, ok := r.field(strings.TrimPrefix(c.Left, "record."))
		_, err := strconv.ParseFloat(v, 64)
		return v, err == nil, ok
	}
	if kind == BodyUnchecked {
		kind = CheckBody(body)
	}
	if kind != BodyJSON {
		return "", false, false
	}
	res := gjson.GetBytes(body, c.Left)
	if !res.Exists() {
		return "", false, false
	}
	return res.String(), res.Type == gjson.Number, true
}

// recordFields are what record.FIELD names in a condition, in the order
// the usage error lists them: each gives the field's value in a record, or
// false when the record has none (a forward field of a delivery not
// forwarded). ParseCond refuses any other name, and value reads them here:
// one list for both.
var recordFields = []struct {
	name string
	get  func(r *Record) (string, bool)
}{
	{"id", func(r *Record) (string, bool) { return r.ID, true }},
	{"event", func(r *Record) (string, bool) { return r.Event, true }},
	{"method", func(r *Record) (string, bool) { return r.Method, true }},
	{"path", func(r *Record) (string, bool) { return r.Path, true }},
	{"query", func(r *Record) (string, bool) { return r.Query, true }},
	{"host", func(r *Record) (string, bool) { return r.Host, true }},
	{"remote_addr", func(r *Record) (string, bool) { return r.RemoteAddr, true }},
	{"provider", func(r *Record) (string, bool) { return r.Provider, true }},
	{"scheme", func(r *Record) (string, bool) { return r.Scheme, true }},
	{"route", func(r *Record) (string, bool) { return r.Route, true }},
	{"verdict", func(r *Record) (string, bool) { return r.VerdictLabel(), true }},
	{"repeat_of", func(r *Record) (string, bool) { return r.RepeatOf, true }},
	// The original of a delivery the inspector replayed and recorded.
	{"replay_of", func(r *Record) (string, bool) { return r.ReplayOf, true }},
	{"body_size", func(r *Record) (string, bool) { return strconv.Itoa(r.BodySize), true }},
	// status is answer.status, its older name.
	{"status", func(r *Record) (string, bool) { return strconv.Itoa(r.Answer.Status), true }},
	{"answer.status", func(r *Record) (string, bool) { return strconv.Itoa(r.Answer.Status), true }},
	{"answer.reason", func(r *Record) (string, bool) { return r.Answer.Reason, true }},
	// The app's answer: its status (none when it gave none), the kind of
	// error when it gave none ("" when it answered), the latency, the URL.
	{"forward.status", func(r *Record) (string, bool) {
		if r.Forward == nil || r.Forward.Status == 0 {
			return "", false
		}
		return strconv.Itoa(r.Forward.Status), true
	}},
	{"forward.error", func(r *Record) (string, bool) {
		if r.Forward == nil {
			return "", false
		}
		return r.Forward.Kind(), true
	}},
	{"forward.latency_ms", func(r *Record) (string, bool) {
		if r.Forward == nil {
			return "", false
		}
		return strconv.FormatFloat(r.Forward.LatencyMS, 'f', -1, 64), true
	}},
	{"forward.url", func(r *Record) (string, bool) {
		if r.Forward == nil {
			return "", false
		}
		return r.Forward.URL, true
	}},
	// The route the delivery took (listen --route): its match as written,
	// or "default" (--forward-to), which a forward kept without a route
	// table took too.
	{"forward.route", func(r *Record) (string, bool) {
		if r.Forward == nil {
			return "", false
		}
		return cmp.Or(r.Forward.Route, DefaultRoute), true
	}},
}

// RecordFields names what record.FIELD can be, in order.
func RecordFields() []string {
	names := make([]string, len(recordFields))
	for i, f := range recordFields {
		names[i] = f.name
	}
	return names
}

func (r *Record) field(name string) (string, bool) {
	for _, f := range recordFields {
		if f.name == name {
			return f.get(r)
		}
	}
	return "", false
}

// checkLeft refuses a left side that names nothing: a record field
// hooktool does not know, or a header without a name. Such a condition
// could only ever hold for != and would pass a selection silently.
func checkLeft(left string) error {
	switch {
	case strings.HasPrefix(left, "record."):
		name := strings.TrimPrefix(left, "record.")
		for _, f := range recordFields {
			if f.name == name {
				return nil
			}
		}
		return fmt.Errorf("unknown record field %q: record.FIELD is one of: %s", name, strings.Join(RecordFields(), ", "))
	case left == "header.":
		return errors.New("header.NAME needs a name")
	}
	return nil
}

// Found is what a condition's left side found in a delivery (Cond.Find):
// conditions with the same left side (a route per tenant) find it once.
type Found struct {
	value       string
	numeric, ok bool
}

// Find looks the left side up in a delivery: its record and body, kind
// being what is known of the body being JSON.
func (c Cond) Find(r *Record, body []byte, kind Body) Found {
	v, numeric, ok := c.value(r, body, kind)
	return Found{v, numeric, ok}
}

// Test says whether the condition holds of what its left side found
// (Find, by this condition or another with the same Left).
func (c Cond) Test(f Found) bool { return c.test(f.value, f.numeric, f.ok) }

// holds evaluates the condition. A missing left side holds only for !=.
func (c Cond) holds(r *Record, body []byte, kind Body) bool {
	got, numeric, ok := c.value(r, body, kind)
	return c.test(got, numeric, ok)
}

func (c Cond) test(got string, numeric, ok bool) bool {
	if !ok {
		return c.Op == "!="
	}
	if c.Op == "~" {
		m, _ := path.Match(c.Value, got)
		return m
	}
	// Numbers compare as numbers: only a numeric value found is parsed
	// again (a failed parse costs an allocation, on every delivery of a
	// listener's route).
	cmp, compared := 0, false
	if numeric {
		if a, b, isNum := numbers(got, c.Value); isNum {
			compared = true
			switch {
			case a < b:
				cmp = -1
			case a > b:
				cmp = 1
			}
		}
	}
	if !compared {
		cmp = strings.Compare(got, c.Value)
	}
	switch c.Op {
	case "==":
		return cmp == 0
	case "!=":
		return cmp != 0
	case "<":
		return cmp < 0
	case ">":
		return cmp > 0
	case "<=":
		return cmp <= 0
	case ">=":
		return cmp >= 0
	}
	return false
}

func numbers(a, b string) (float64, float64, bool) {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return x, y, err1 == nil && err2 == nil
}

// HoldsFor evaluates the condition on a delivery: its record and the body
// as received (a listener's route); kind is what is known of the body
// being JSON (CheckBody, once for many conditions).
func (c Cond) HoldsFor(r *Record, body []byte, kind Body) bool { return c.holds(r, body, kind) }

// HoldsOn evaluates the condition on a JSON document (a probe's answer):
// the left side is a gjson path into it.
func (c Cond) HoldsOn(doc []byte) bool {
	return c.holds(&Record{}, doc, BodyUnchecked)
}

// FoundIn is what the condition's left side finds in a JSON document (a
// probe's answer), as compact JSON, or "" when nothing: what to show
// beside a condition that did not hold.
func (c Cond) FoundIn(doc []byte) string {
	if !gjson.ValidBytes(doc) {
		return ""
	}
	res := gjson.GetBytes(doc, c.Left)
	if !res.Exists() {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(res.Raw)); err != nil {
		return res.Raw
	}
	return buf.String()
}

// Match reports whether a record passes the event glob and conditions (the
// ids are checked by Resolve).
func (s *Selector) Match(r *Record) bool {
	if s.Event != "" {
		if ok, _ := path.Match(s.Event, r.Event); !ok {
			return false
		}
	}
	if len(s.Where) == 0 {
		return true
	}
	body, err := r.Bytes()
	if err != nil {
		return false
	}
	for _, c := range s.Where {
		if !c.holds(r, body, BodyUnchecked) {
			return false
		}
	}
	return true
}

// ErrAmbiguousID and ErrNoSuchID report id prefixes that do not pick
// exactly one record.
var (
	ErrAmbiguousID = errors.New("ambiguous id prefix")
	ErrNoSuchID    = errors.New("no record has this id")
)

// IDMatcher resolves id prefixes over one pass of the records.
type IDMatcher struct {
	prefixes []string
	hits     map[string][]string // prefix → full ids matched
}

// NewIDMatcher matches the given ids or prefixes (case-insensitive, as
// ULIDs are upper-case).
func NewIDMatcher(ids []string) *IDMatcher {
	m := &IDMatcher{hits: map[string][]string{}}
	for _, id := range ids {
		m.prefixes = append(m.prefixes, strings.ToUpper(strings.TrimSpace(id)))
	}
	return m
}

// Empty reports whether no ids were asked for.
func (m *IDMatcher) Empty() bool { return len(m.prefixes) == 0 }

// See records an id and reports whether it matches a prefix.
func (m *IDMatcher) See(id string) bool {
	hit := false
	for _, p := range m.prefixes {
		if strings.HasPrefix(id, p) {
			if !contains(m.hits[p], id) {
				m.hits[p] = append(m.hits[p], id)
			}
			hit = true
		}
	}
	return hit
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Check reports a prefix that matched no record or more than one.
func (m *IDMatcher) Check() error {
	for _, p := range m.prefixes {
		switch hits := m.hits[p]; len(hits) {
		case 0:
			return fmt.Errorf("%w: %s", ErrNoSuchID, p)
		case 1:
		default:
			shown := hits
			if len(shown) > 5 {
				shown = shown[:5]
			}
			return fmt.Errorf("%w %s: it matches %d records (%s…): give more characters", ErrAmbiguousID, p, len(hits), strings.Join(shown, ", "))
		}
	}
	return nil
}
