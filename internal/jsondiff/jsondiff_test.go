package jsondiff

import (
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

func lines(changes []Change) []string {
	out := make([]string, len(changes))
	for i, c := range changes {
		out[i] = c.String()
	}
	return out
}

func mustCompare(t *testing.T, a, b string, o Options) []string {
	t.Helper()
	changes, err := Compare([]byte(a), []byte(b), o)
	if err != nil {
		t.Fatalf("Compare(%s, %s): %v", a, b, err)
	}
	return lines(changes)
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		want       []string
	}{
		{"equal", `{"a":1}`, `{"a":1}`, nil},
		{"a number changed", `{"balance":-10000}`, `{"balance":-30000}`, []string{"balance: -10000 → -30000"}},
		{"nested", `{"data":{"amount":2500,"currency":"NGN"}}`, `{"data":{"amount":3000,"currency":"NGN"}}`, []string{"data.amount: 2500 → 3000"}},
		{"added and removed keys", `{"a":1,"b":2}`, `{"b":2,"c":{"d" : [1, 2]}}`, []string{"a: removed 1", `c: added {"d":[1,2]}`}},
		{"arrays by index", `[1,2,3]`, `[1,5]`, []string{"1: 2 → 5", "2: removed 3"}},
		{"array grows", `{"items":[{"id":1}]}`, `{"items":[{"id":1},{"id":2}]}`, []string{`items.1: added {"id":2}`}},
		{"a type change", `{"a":1}`, `{"a":"1"}`, []string{`a: 1 → "1"`}},
		{"object to array", `{"a":{}}`, `{"a":[]}`, []string{"a: {} → []"}},
		{"null, true, false", `[null,true,false]`, `[false,true,null]`, []string{"0: null → false", "2: false → null"}},
		{"root scalars", `1`, `2`, []string{"(root): 1 → 2"}},
		{"root type", `{"a":1}`, `[1]`, []string{`(root): {"a":1} → [1]`}},
		{"key order does not count", `{"a":1,"b":2}`, `{"b":2,"a":1}`, nil},
		{"whitespace does not count", "{\n  \"a\": [ 1 , 2 ]\n}", `{"a":[1,2]}`, nil},
		{"how a number is written does not count", `[1, 1.0, 100, -0, 0.5, 12345678901234567890123]`, `[1e0, 1, 1E2, 0, 5e-1, 12345678901234567890123.000]`, nil},
		{"numbers past float64 precision differ", `[12345678901234567890123]`, `[12345678901234567890124]`, []string{"0: 12345678901234567890123 → 12345678901234567890124"}},
		{"huge exponents are compared, not expanded", `[1e999999999999, 1e999999999999]`, `[10e999999999998, 1e999999999998]`, []string{"1: 1e999999999999 → 1e999999999998"}},
		{"string escapes do not count", `{"s":"\u00e9\n"}`, `{"s":"é\n"}`, nil},
		{"a string changed keeps its escapes", `{"s":"a\"b"}`, `{"s":"a\u0022c"}`, []string{`s: "a\"b" → "a\u0022c"`}},
		{"values are compact", `{"a":{ "x" : [ 1 , { "y" : null } ] }}`, `{"a":1}`, []string{`a: {"x":[1,{"y":null}]} → 1`}},
		{"a duplicate key counts once, its last value", `{"a":1,"a":2}`, `{"a":2}`, nil},
		{"the first document's order, then the second's new keys", `{"z":1,"m":1,"a":1}`, `{"y":2,"a":2,"z":2,"b":2}`,
			[]string{"z: 1 → 2", "m: removed 1", "a: 1 → 2", "y: added 2", "b: added 2"}},
		{"keys with dots and gjson syntax are escaped", `{"by_event":{"payment.success":1,"a*b|c#d@e?":1}}`, `{"by_event":{"payment.success":2,"a*b|c#d@e?":2}}`,
			[]string{`by_event.payment\.success: 1 → 2`, `by_event.a\*b\|c\#d\@e\?: 1 → 2`}},
		{"keys are decoded", `{"\u0061":1}`, `{"a":2}`, []string{"a: 1 → 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustCompare(t, tc.a, tc.b, Options{}); !slices.Equal(got, tc.want) {
				t.Errorf("Compare(%s, %s)\n got %q\nwant %q", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// A change's kind, path and values, as a caller such as --json reads them.
func TestChangeFields(t *testing.T) {
	changes, err := Compare([]byte(`{"a":{"b":[1,2]},"gone":true}`), []byte(`{"a":{"b":[1,3,4]},"new":null}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Path: Path{"a", "b", "1"}, Kind: Changed, Old: []byte("2"), New: []byte("3")},
		{Path: Path{"a", "b", "2"}, Kind: Added, New: []byte("4")},
		{Path: Path{"gone"}, Kind: Removed, Old: []byte("true")},
		{Path: Path{"new"}, Kind: Added, New: []byte("null")},
	}
	if len(changes) != len(want) {
		t.Fatalf("%d changes: %q", len(changes), lines(changes))
	}
	for i, c := range changes {
		w := want[i]
		if !slices.Equal(c.Path, w.Path) || c.Kind != w.Kind || string(c.Old) != string(w.Old) || string(c.New) != string(w.New) ||
			(w.Old == nil) != (c.Old == nil) || (w.New == nil) != (c.New == nil) {
			t.Errorf("change %d = %+v, want %+v", i, c, w)
		}
	}
}

func TestIgnore(t *testing.T) {
	a := `{"balance":-10000,"checked_at":"10:00","meta":{"request_id":"r1","v":1},"items":[{"id":1,"at":"x"},{"id":2,"at":"y"}],"a.b":1}`
	b := `{"balance":-30000,"checked_at":"10:01","meta":{"request_id":"r2","v":1,"trace":"t"},"items":[{"id":1,"at":"z"},{"id":3,"at":"w"},{"id":4}],"a.b":2}`
	ignore := func(paths ...string) Options {
		var o Options
		for _, s := range paths {
			p, err := ParsePath(s)
			if err != nil {
				t.Fatal(err)
			}
			o.Ignore = append(o.Ignore, p)
		}
		return o
	}
	all := mustCompare(t, a, b, Options{})
	if len(all) != 9 {
		t.Fatalf("without ignores: %q", all)
	}
	got := mustCompare(t, a, b, ignore("checked_at", "meta", "items.#.at", `a\.b`))
	want := []string{"balance: -10000 → -30000", "items.1.id: 2 → 3", `items.2: added {"id":4}`}
	if !slices.Equal(got, want) {
		t.Errorf("ignoring:\n got %q\nwant %q", got, want)
	}
	// An index, a path under an added element, a path that is not there.
	got = mustCompare(t, a, b, ignore("items.2", "items.1.at", "items.0.at", "nothing.here", "balance.deeper"))
	want = []string{"balance: -10000 → -30000", "checked_at: \"10:00\" → \"10:01\"", `meta.request_id: "r1" → "r2"`, `meta.trace: added "t"`, "items.1.id: 2 → 3", "a\\.b: 1 → 2"}
	if !slices.Equal(got, want) {
		t.Errorf("ignoring indices:\n got %q\nwant %q", got, want)
	}
	// "#" matches array indices, not object keys.
	if got := mustCompare(t, `{"o":{"0":1}}`, `{"o":{"0":2}}`, ignore("o.#")); len(got) != 1 {
		t.Errorf("# matched a key: %q", got)
	}
	if got := mustCompare(t, `{"o":[1]}`, `{"o":[2]}`, ignore("o.0")); len(got) != 0 {
		t.Errorf("an index component did not match: %q", got)
	}
}

func TestPaths(t *testing.T) {
	for _, tc := range []struct {
		path Path
		text string
	}{
		{Path{"a"}, "a"},
		{Path{"data", "amount"}, "data.amount"},
		{Path{"items", "0", "id"}, "items.0.id"},
		{Path{"payment.success"}, `payment\.success`},
		{Path{`back\slash`, "a*b?c|d#e@f"}, `back\\slash.a\*b\?c\|d\#e\@f`},
		{Path{"with space", "ünïcode"}, "with space.ünïcode"},
	} {
		if got := tc.path.String(); got != tc.text {
			t.Errorf("%q.String() = %q, want %q", tc.path, got, tc.text)
		}
		back, err := ParsePath(tc.text)
		if err != nil || !slices.Equal(back, tc.path) {
			t.Errorf("ParsePath(%q) = %q, %v; want %q", tc.text, back, err, tc.path)
		}
	}
	if got := Path(nil).String(); got != "(root)" {
		t.Errorf("the root is %q", got)
	}
	for _, bad := range []string{"", ".", "a.", ".a", "a..b", `a\`} {
		if p, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) = %q, want an error", bad, p)
		}
	}
}

// What is not JSON is an error naming the document, never a diff.
func TestNotJSON(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		arg  int
	}{
		{"", `{}`, 1},
		{`{}`, "", 2},
		{"not json", `{}`, 1},
		{`{}`, `{"a":1`, 2},
		{`{"a":1}{"b":2}`, `{}`, 1},
		{`{}`, "{\"a\":\"\x01\"}", 2},
		{`<html>`, `<html>`, 1},
		{"\xff\xfe", `1`, 1},
		{`[1,]`, `1`, 1},
		{`01`, `1`, 1},
	} {
		changes, err := Compare([]byte(tc.a), []byte(tc.b), Options{})
		var nj *NotJSONError
		if !errors.As(err, &nj) || nj.Arg != tc.arg || changes != nil {
			t.Errorf("Compare(%q, %q) = %q, %v; want document %d is not JSON", tc.a, tc.b, lines(changes), err, tc.arg)
		}
		if err != nil && !strings.Contains(err.Error(), "not JSON") {
			t.Errorf("error %q", err)
		}
	}
}

func TestTooDeep(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if _, err := Compare([]byte(deep), []byte(`[]`), Options{}); !errors.Is(err, ErrTooDeep) || !strings.Contains(err.Error(), "first") {
		t.Errorf("a document %d deep: %v", MaxDepth+1, err)
	}
	// Far deeper, unbalanced: refused at once, no stack exhausted.
	if _, err := Compare([]byte(`{}`), []byte(strings.Repeat(`{"a":[`, 1<<20)), Options{}); !errors.Is(err, ErrTooDeep) || !strings.Contains(err.Error(), "second") {
		t.Errorf("a document 2M deep: %v", err)
	}
	// Brackets inside strings do not count; MaxDepth itself is fine.
	ok := strings.Repeat("[", MaxDepth) + `"` + strings.Repeat(`[\"`, 2*MaxDepth) + `"` + strings.Repeat("]", MaxDepth)
	if got, err := Compare([]byte(ok), []byte(ok), Options{}); err != nil || len(got) != 0 {
		t.Errorf("a document %d deep with brackets in a string: %q, %v", MaxDepth, lines(got), err)
	}
}

// TestExponentArithmetic: exponents of any length are compared by value,
// with what the digits' places add to them, carries and borrows across
// every digit included.
func TestExponentArithmetic(t *testing.T) {
	long := strings.Repeat("9", 30)
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"1e" + long, "10e" + long[1:] + "8", true},
		{"1e" + long, "10e" + long, false},
		{"10e" + long, "1e1" + strings.Repeat("0", 30), true},  // a carry through every digit
		{"0.1e1" + strings.Repeat("0", 30), "1e" + long, true}, // a borrow through every digit
		{"-1e-" + long, "-0.01e-" + long[2:] + "97", true},
		{"1e-" + long, "1e" + long, false},
		{"1e-1" + strings.Repeat("0", 30), "0.1e-" + long, true},
		{"1000e0018", "1e21", true},
		{"1.50e+2", "150", true},
		{"0e" + long, "-0.0e-" + long, true},
	} {
		if got := sameNumber(tc.a, tc.b); got != tc.same {
			t.Errorf("sameNumber(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
		ra, _ := new(big.Rat).SetString(tc.a)
		rb, _ := new(big.Rat).SetString(tc.b)
		if ra != nil && rb != nil && (ra.Cmp(rb) == 0) != tc.same {
			t.Errorf("the test is wrong about %s and %s", tc.a, tc.b)
		}
	}
}

// TestHugeExponentIsNoWork: a hostile document's number with an exponent
// megabytes long (a delivery body for captures diff) compares at once; a
// decimal parse of it (big.Int.SetString) took minutes.
func TestHugeExponentIsNoWork(t *testing.T) {
	exp := strings.Repeat("7", 16<<20)
	a, b := []byte(`{"n":1e`+exp+`}`), []byte(`{"n":10e`+exp[:len(exp)-1]+`6}`)
	done := make(chan []Change, 1)
	go func() {
		c, err := Compare(a, b, Options{})
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	select {
	case c := <-done:
		if len(c) != 0 {
			t.Errorf("1e%s… and 10e%s…6 differ: %d changes", exp[:3], exp[:3], len(c))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("comparing one number took more than 20 s")
	}
}
