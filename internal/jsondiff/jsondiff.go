// Package jsondiff compares two JSON documents by structure and lists what
// differs, path by path: "data.amount: 2500 → 3000". Formatting does not
// count (whitespace, key order, how a number or a string is written: 1.0
// is 1, "\u00e9" is "é"); values do.
//
// Paths are gjson paths (keys escaped with gjson.Escape, array elements by
// index), so one can be pasted into --where or an ignore list. Keys come
// from the documents: a caller printing a Change for a terminal escapes it.
package jsondiff

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// MaxDepth is the deepest nesting of arrays and objects compared; a deeper
// document is refused (ErrTooDeep) before it is parsed.
const MaxDepth = 1000

// Kind is how a path differs.
type Kind string

const (
	// Changed: the path is in both documents with different values (a
	// different type is a different value).
	Changed Kind = "changed"
	// Added: the path is only in the second document.
	Added Kind = "added"
	// Removed: the path is only in the first document.
	Removed Kind = "removed"
)

// Path is where a value sits: object keys and array indices (in decimal)
// from the root. The root is the empty path.
type Path []string

// String is the path in gjson syntax: components joined by dots, each
// escaped with gjson.Escape ("by_event.payment\.success", "items.0.id");
// the root is "(root)".
func (p Path) String() string {
	if len(p) == 0 {
		return "(root)"
	}
	parts := make([]string, len(p))
	for i, c := range p {
		parts[i] = gjson.Escape(c)
	}
	return strings.Join(parts, ".")
}

// ParsePath reads a path in the syntax String writes (a backslash escapes
// the next byte). In an ignore list, a component "#" stands for any array
// index.
func ParsePath(s string) (Path, error) {
	if s == "" {
		return nil, errors.New("an empty path")
	}
	var p Path
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			if i+1 == len(s) {
				return nil, fmt.Errorf("path %q ends with a lone backslash", s)
			}
			i++
			cur.WriteByte(s[i])
		case c == '.':
			if cur.Len() == 0 {
				return nil, fmt.Errorf("path %q has an empty component", s)
			}
			p = append(p, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() == 0 {
		return nil, fmt.Errorf("path %q has an empty component", s)
	}
	return append(p, cur.String()), nil
}

// Change is one difference. Old and New are the values as compact JSON:
// Old is nil for Added, New for Removed.
type Change struct {
	Path     Path
	Kind     Kind
	Old, New []byte
}

// String is the change in one line: "balance: -10000 → -30000",
// "data.note: added \"x\"", "items.2: removed {\"id\":3}". It is the
// documents' own text: escape it before printing it to a terminal.
func (c Change) String() string {
	switch c.Kind {
	case Added:
		return c.Path.String() + ": added " + string(c.New)
	case Removed:
		return c.Path.String() + ": removed " + string(c.Old)
	}
	return c.Path.String() + ": " + string(c.Old) + " → " + string(c.New)
}

// Options shape a comparison.
type Options struct {
	// Ignore are paths left out, with everything under them (a volatile
	// timestamp, a request id). "#" in one matches any array index.
	Ignore []Path
}

// NotJSONError is a document that is not JSON. Arg is 1 for the first, 2
// for the second.
type NotJSONError struct{ Arg int }

func (e *NotJSONError) Error() string {
	return fmt.Sprintf("the %s document is not JSON", map[int]string{1: "first", 2: "second"}[e.Arg])
}

// ErrTooDeep is a document nested deeper than MaxDepth.
var ErrTooDeep = fmt.Errorf("nested deeper than %d arrays and objects", MaxDepth)

// Compare lists the differences from a to b, in a stable order: a's keys in
// a's order, then the keys only b has in b's order; arrays index by index.
// An object key given twice counts once, with its last value (as
// encoding/json and JavaScript read it). Its error is a *NotJSONError or
// ErrTooDeep (wrapped with which document); a caller comparing bodies that
// may not be JSON compares their bytes instead.
func Compare(a, b []byte, o Options) ([]Change, error) {
	for i, doc := range [][]byte{a, b} {
		if tooDeep(doc) {
			return nil, fmt.Errorf("the %s document is %w", map[int]string{0: "first", 1: "second"}[i], ErrTooDeep)
		}
		if !gjson.ValidBytes(doc) {
			return nil, &NotJSONError{Arg: i + 1}
		}
	}
	w := walker{ignore: o.Ignore}
	live := make([]int, len(o.Ignore)) // how far each ignore path has matched
	w.diff(nil, gjson.ParseBytes(a), gjson.ParseBytes(b), live)
	return w.out, nil
}

// tooDeep reports whether doc nests arrays and objects deeper than
// MaxDepth (brackets in strings do not count). It runs before any
// recursive parse, so that no document can exhaust the stack.
func tooDeep(doc []byte) bool {
	depth, inString := 0, false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > MaxDepth {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}

type walker struct {
	ignore []Path
	out    []Change
}

// step is the ignore state one level down, into component seg (an array
// index when index): nil when an ignore path covers the child entirely.
func (w *walker) step(live []int, seg string, index bool) ([]int, bool) {
	next := make([]int, len(live))
	for i, k := range live {
		next[i] = -1
		if k < 0 {
			continue
		}
		q := w.ignore[i][k]
		if q == seg || (index && q == "#") {
			if k+1 == len(w.ignore[i]) {
				return nil, false
			}
			next[i] = k + 1
		}
	}
	return next, true
}

func (w *walker) add(p Path, kind Kind, a, b *gjson.Result) {
	c := Change{Path: append(Path(nil), p...), Kind: kind}
	if a != nil {
		c.Old = compact(a.Raw)
	}
	if b != nil {
		c.New = compact(b.Raw)
	}
	w.out = append(w.out, c)
}

func (w *walker) diff(p Path, a, b gjson.Result, live []int) {
	switch {
	case a.IsObject() && b.IsObject():
		ak, av := members(a)
		bk, bv := members(b)
		for _, k := range ak {
			next, keep := w.step(live, k, false)
			if !keep {
				continue
			}
			x := av[k]
			if y, ok := bv[k]; ok {
				w.diff(append(p, k), x, y, next)
			} else {
				w.add(append(p, k), Removed, &x, nil)
			}
		}
		for _, k := range bk {
			if _, ok := av[k]; ok {
				continue
			}
			if _, keep := w.step(live, k, false); keep {
				y := bv[k]
				w.add(append(p, k), Added, nil, &y)
			}
		}
	case a.IsArray() && b.IsArray():
		ae, be := a.Array(), b.Array()
		for i := 0; i < max(len(ae), len(be)); i++ {
			seg := fmt.Sprint(i)
			next, keep := w.step(live, seg, true)
			switch {
			case !keep:
			case i >= len(be):
				w.add(append(p, seg), Removed, &ae[i], nil)
			case i >= len(ae):
				w.add(append(p, seg), Added, nil, &be[i])
			default:
				w.diff(append(p, seg), ae[i], be[i], next)
			}
		}
	default:
		if !sameScalar(a, b) {
			w.add(p, Changed, &a, &b)
		}
	}
}

// members are an object's keys in order of first appearance, and each
// key's last value.
func members(obj gjson.Result) ([]string, map[string]gjson.Result) {
	var keys []string
	vals := map[string]gjson.Result{}
	obj.ForEach(func(k, v gjson.Result) bool {
		name := k.String()
		if _, seen := vals[name]; !seen {
			keys = append(keys, name)
		}
		vals[name] = v
		return true
	})
	return keys, vals
}

// sameScalar compares two values that are not both objects or both arrays:
// numbers by value, strings decoded, a different type is a difference.
func sameScalar(a, b gjson.Result) bool {
	if a.Type != b.Type || a.IsObject() != b.IsObject() || a.IsArray() != b.IsArray() {
		return false
	}
	switch a.Type {
	case gjson.String:
		return a.Str == b.Str
	case gjson.Number:
		return sameNumber(a.Raw, b.Raw)
	case gjson.JSON:
		// An object against an array (both JSON): different types.
		return false
	}
	return true // null, true, false
}

// sameNumber compares two JSON number literals by value, exactly, however
// long their digits or exponents: each is brought to sign, significant
// digits and a power of ten, in time linear in its length (an exponent a
// megabyte long, from a hostile document, is not parsed into a big.Int,
// whose decimal parse takes time quadratic in its digits).
func sameNumber(x, y string) bool {
	if x == y {
		return true
	}
	nx, dx, ex := normalize(x)
	ny, dy, ey := normalize(y)
	return nx == ny && dx == dy && ex == ey
}

// normalize takes a JSON number literal (valid: gjson checked it) to its
// sign, significant digits without leading or trailing zeros, and the
// power of ten of its last digit, as a canonical decimal (no leading zero,
// "-" when negative). Zero is ("", "0") whatever its sign.
func normalize(lit string) (neg bool, digits, exp string) {
	s := lit
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	mant, e, _ := strings.Cut(strings.ToLower(s), "e")
	expNeg := false
	switch {
	case strings.HasPrefix(e, "-"):
		expNeg, e = true, e[1:]
	case strings.HasPrefix(e, "+"):
		e = e[1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits = strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return false, "", "0"
	}
	trimmed := strings.TrimRight(digits, "0")
	shift := int64(len(digits)-len(trimmed)) - int64(len(frac))
	return neg, trimmed, addToDecimal(expNeg, strings.TrimLeft(e, "0"), shift)
}

// addToDecimal returns the canonical decimal of ±mag + d, mag being the
// digits of a magnitude without leading zeros ("" for zero). d is at most
// a literal's length: a magnitude of 19 digits or more is larger than |d|,
// so the sum keeps its sign and only its magnitude moves, digit by digit.
func addToDecimal(neg bool, mag string, d int64) string {
	if len(mag) <= 18 {
		v, _ := strconv.ParseInt(cmp.Or(mag, "0"), 10, 64)
		if neg {
			v = -v
		}
		return strconv.FormatInt(v+d, 10)
	}
	away := (d >= 0) != neg // d moves the value away from zero
	k := d
	if k < 0 {
		k = -k
	}
	b := []byte(mag)
	for i := len(b) - 1; i >= 0 && k != 0; i-- {
		digit := int64(b[i]-'0') + k%10
		if !away {
			digit = int64(b[i]-'0') - k%10
		}
		k /= 10
		switch {
		case digit > 9:
			digit -= 10
			k++ // carry
		case digit < 0:
			digit += 10
			k++ // borrow
		}
		b[i] = byte('0' + digit)
	}
	if k != 0 { // a carry past the first digit (mag > |d|: never a borrow)
		b = append([]byte{'1'}, b...)
	}
	out := strings.TrimLeft(string(b), "0")
	if neg {
		return "-" + out
	}
	return out
}

// compact is a value's JSON without insignificant whitespace.
func compact(raw string) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		return []byte(raw)
	}
	return buf.Bytes()
}
