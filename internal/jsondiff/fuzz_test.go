package jsondiff

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCompare compares arbitrary pairs of documents. Run with:
//
//	go test ./internal/jsondiff -run '^$' -fuzz '^FuzzCompare$' -fuzztime 30s
//
// No panic; what encoding/json calls JSON is compared (and what it does not
// is refused); a document equals itself; the comparison is symmetric
// (added ↔ removed, old ↔ new); every value shown is compact JSON; and it
// finds a difference exactly when encoding/json's reading of the two differs.
func FuzzCompare(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"balance":-10000}`, `{"balance":-30000}`},
		{`{"a":1,"a":2}`, `{"a":2}`},
		{`[1,1.0,1e2]`, `[1e0,1,100]`},
		{`{"s":"\u00e9"}`, `{"s":"é"}`},
		{`{"a.b":{"c":[1,{"d":null}]}}`, `{"a.b":{"c":[1,{"d":false}],"e":"x"}}`},
		{`"x"`, `not json`},
		{``, `{}`},
		{`[[[[[]]]]]`, `[[[[[1]]]]]`},
		{`{"\ud800":1}`, `{"\ufffd":1}`},
		{"{\"k\":\"\xff\"}", `{"k":"\ufffd"}`},
	} {
		f.Add([]byte(seed[0]), []byte(seed[1]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		changes, err := Compare(a, b, Options{})
		if err != nil {
			var nj *NotJSONError
			switch {
			case errors.Is(err, ErrTooDeep):
			case errors.As(err, &nj):
				doc := map[int][]byte{1: a, 2: b}[nj.Arg]
				if json.Valid(doc) {
					t.Fatalf("document %d is JSON to encoding/json: %q", nj.Arg, doc)
				}
			default:
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !json.Valid(a) || !json.Valid(b) {
			t.Fatalf("compared what encoding/json does not call JSON: %q, %q", a, b)
		}
		if self, err := Compare(a, a, Options{}); err != nil || len(self) != 0 {
			t.Fatalf("a document differs from itself: %q, %v", lines(self), err)
		}
		back, err := Compare(b, a, Options{})
		if err != nil || len(back) != len(changes) {
			t.Fatalf("not symmetric: %q then %q (%v)", lines(changes), lines(back), err)
		}
		flip := map[Kind]Kind{Changed: Changed, Added: Removed, Removed: Added}
		for i, c := range changes {
			var r *Change
			for j := range back {
				if slices.Equal(back[j].Path, c.Path) {
					r = &back[j]
				}
			}
			if r == nil || r.Kind != flip[c.Kind] || !bytes.Equal(r.Old, c.New) || !bytes.Equal(r.New, c.Old) {
				t.Fatalf("change %d %q has no mirror in %q", i, c.String(), lines(back))
			}
			for _, v := range [][]byte{c.Old, c.New} {
				if v == nil {
					continue
				}
				var buf bytes.Buffer
				if !json.Valid(v) || json.Compact(&buf, v) != nil || !bytes.Equal(buf.Bytes(), v) {
					t.Fatalf("change %q shows %q, not compact JSON", c.String(), v)
				}
			}
		}
		// The reference reading: encoding/json, numbers exact. Only where the
		// two readings can agree: valid UTF-8 (encoding/json replaces bad
		// bytes and lone surrogates with U+FFFD) and modest exponents.
		if !utf8.Valid(a) || !utf8.Valid(b) || bytes.Contains(a, []byte(`\u`)) || bytes.Contains(b, []byte(`\u`)) {
			return
		}
		va, oka := reference(a)
		vb, okb := reference(b)
		if !oka || !okb {
			return
		}
		if same := refEqual(va, vb); same != (len(changes) == 0) {
			t.Fatalf("encoding/json says equal=%v, Compare found %q", same, lines(changes))
		}
	})
}

// reference decodes doc with numbers kept as text; false when a number's
// exponent is too large to expand.
func reference(doc []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, saneNumbers(v)
}

func saneNumbers(v any) bool {
	switch x := v.(type) {
	case json.Number:
		s := strings.ToLower(string(x))
		_, e, ok := strings.Cut(s, "e")
		return !ok || len(strings.TrimLeft(strings.TrimLeft(e, "+-"), "0")) <= 3
	case []any:
		for _, e := range x {
			if !saneNumbers(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range x {
			if !saneNumbers(e) {
				return false
			}
		}
	}
	return true
}

func refEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		rx, _ := new(big.Rat).SetString(string(x))
		ry, _ := new(big.Rat).SetString(string(y))
		return rx != nil && ry != nil && rx.Cmp(ry) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !refEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !refEqual(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}
