package catalog

import (
	"strings"
	"testing"
)

// A path that is gjson query syntax rather than a plain path is refused
// for --set and --unset alike, naming the path and the reason; plain
// paths, escaped characters, array indexes and -1 (append) still work.
func TestEditPathsMustBePlain(t *testing.T) {
	body := []byte(`{"data":{"a":1,"items":[{"x":1}],"k.v":2}}`)
	bad := []struct{ path, why string }{
		{"#", "#"},
		{"data.#", "#"},
		{"data.items.#.x", "#"},
		{"data.#(a==1)", "#"},
		{"data|x", "|"},
		{"@this", "@"},
		{"data.@reverse", "@"},
		{"data.*", "*"},
		{"data.?", "?"},
		{"data.a*", "*"},
		{"..data", "empty"},
		{"data..a", "empty"},
		{"data.", "empty"},
		{".data", "empty"},
		{"data.[a,b]", "["},
		{"data.{a}", "{"},
		{`data.a\`, `\`},
	}
	for _, c := range bad {
		for _, unset := range []bool{false, true} {
			e := Edit{Path: c.path, Value: []byte("9"), Unset: unset}
			out, err := Apply(body, []Edit{e})
			if err == nil {
				t.Errorf("path %q (unset %v) accepted: %s", c.path, unset, out)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, `"`+c.path+`"`) && !strings.Contains(msg, strings.ReplaceAll(c.path, `\`, `\\`)) || !strings.Contains(msg, c.why) {
				t.Errorf("path %q (unset %v): message %q does not name the path and %q", c.path, unset, msg, c.why)
			}
		}
	}
	good := []struct{ path, want string }{
		{"data.a", `{"data":{"a":9,"items":[{"x":1}],"k.v":2}}`},
		{`data.k\.v`, `{"data":{"a":1,"items":[{"x":1}],"k.v":9}}`},
		{`data.a\#b`, `{"data":{"a":1,"items":[{"x":1}],"k.v":2,"a#b":9}}`},
		{`data.\@x`, `{"data":{"a":1,"items":[{"x":1}],"k.v":2,"@x":9}}`},
		{"data.items.0.x", `{"data":{"a":1,"items":[{"x":9}],"k.v":2}}`},
		{"data.items.-1", `{"data":{"a":1,"items":[{"x":1},9],"k.v":2}}`},
		{"data.items.1", `{"data":{"a":1,"items":[{"x":1},9],"k.v":2}}`},
		{"data.:5", `{"data":{"a":1,"items":[{"x":1}],"k.v":2,"5":9}}`},
		{"new.0.y", `{"data":{"a":1,"items":[{"x":1}],"k.v":2},"new":[{"y":9}]}`},
	}
	for _, c := range good {
		out, err := Apply(body, []Edit{{Path: c.path, Value: []byte("9")}})
		if err != nil || string(out) != c.want {
			t.Errorf("set %q = %s, %v; want %s", c.path, out, err, c.want)
		}
	}
	for _, p := range []string{"data.a", `data.k\.v`, "data.items.0.x"} {
		if _, err := Apply(body, []Edit{{Path: p, Unset: true}}); err != nil {
			t.Errorf("unset %q: %v", p, err)
		}
	}
}

// TestEditsNeverWriteInsideAScalar: gjson and sjson read a string's text
// as JSON (FuzzApplyEdits found `"[0"` with --unset 0 giving `"[`), so an
// edit refuses a payload that is not an object or array and a path through
// a string, number or boolean; through null it builds the object.
func TestEditsNeverWriteInsideAScalar(t *testing.T) {
	for _, c := range []struct {
		body string
		edit Edit
		want string // "" means refused
	}{
		{`"[0"`, Edit{Path: "0", Unset: true}, ""},
		{`"[0"`, Edit{Path: "0", Value: []byte("1")}, ""},
		{`12`, Edit{Path: "a", Value: []byte("1")}, ""},
		{`{"a":"[0"}`, Edit{Path: "a.0", Value: []byte("1")}, ""},
		{`{"a":"{\"b\":1}"}`, Edit{Path: "a.b", Value: []byte("2")}, ""},
		{`{"a":1}`, Edit{Path: "a.b", Value: []byte("2")}, ""},
		{`{"a":{"b":[true]}}`, Edit{Path: "a.b.0.c", Value: []byte("2")}, ""},
		{`{"a":null}`, Edit{Path: "a.b", Value: []byte("2")}, `{"a":{"b":2}}`},
		{`{"a":"x"}`, Edit{Path: "a", Value: []byte("2")}, `{"a":2}`},
		{`["[0"]`, Edit{Path: "0", Unset: true}, `[]`},
	} {
		out, err := Apply([]byte(c.body), []Edit{c.edit})
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%s %+v: gave %s, want an error", c.body, c.edit, out)
		case c.want != "" && err != nil:
			t.Errorf("%s %+v: %v, want %s", c.body, c.edit, err, c.want)
		case c.want != "" && string(out) != c.want:
			t.Errorf("%s %+v: gave %s, want %s", c.body, c.edit, out, c.want)
		}
	}
}
