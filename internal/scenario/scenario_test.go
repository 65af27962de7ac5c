package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/tidwall/gjson"
)

func TestParseExpect(t *testing.T) {
	tests := []struct {
		in         string
		text       string
		accept     []int
		reject     []int
		wantErrSub string
	}{
		{in: "", text: "2xx", accept: []int{200, 204, 299}, reject: []int{199, 300, 409, 500}},
		{in: "2xx", text: "2xx", accept: []int{200, 201, 299}, reject: []int{100, 199, 300, 404}},
		{in: " 2XX ", text: "2XX", accept: []int{200, 250}, reject: []int{300}},
		{in: "200", text: "200", accept: []int{200}, reject: []int{201, 204, 199, 500}},
		{in: "500", text: "500", accept: []int{500}, reject: []int{200, 501}},
		{in: "4xx,409", text: "4xx,409", accept: []int{400, 404, 409, 499}, reject: []int{200, 399, 500}},
		{in: "409, 2xx", text: "409, 2xx", accept: []int{409, 200, 299}, reject: []int{400, 410, 300}},
		{in: "200-299", text: "200-299", accept: []int{200, 250, 299}, reject: []int{199, 300}},
		{in: "200-202,5xx", text: "200-202,5xx", accept: []int{200, 202, 503}, reject: []int{203, 404}},
		{in: "1xx", text: "1xx", accept: []int{100, 199}, reject: []int{200}},
		{in: "204-204", text: "204-204", accept: []int{204}, reject: []int{203, 205}},

		{in: "abc", wantErrSub: `"abc" is not a status`},
		{in: "6xx", wantErrSub: `"6xx" is not a status`},
		{in: "0xx", wantErrSub: `"0xx" is not a status`},
		{in: "20x", wantErrSub: `"20x" is not a status`},
		{in: "99", wantErrSub: `"99" is not a status`},
		{in: "600", wantErrSub: `"600" is not a status`},
		{in: "2xx,", wantErrSub: `"" is not a status`},
		{in: "2xx,abc", wantErrSub: `expect "2xx,abc": "abc"`},
		{in: "300-200", wantErrSub: `"300-200" is not a status range`},
		{in: "200-", wantErrSub: `"200-" is not a status range`},
		{in: "-", wantErrSub: `"-" is not a status range`},
		{in: "2xx-3xx", wantErrSub: `is not a status range`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := ParseExpect(tt.in)
			if tt.wantErrSub != "" {
				if err == nil {
					t.Fatalf("ParseExpect(%q) = %v, want an error", tt.in, e)
				}
				if !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("ParseExpect(%q) error %q, want it to contain %q", tt.in, err, tt.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseExpect(%q): %v", tt.in, err)
			}
			if e.String() != tt.text {
				t.Errorf("String() = %q, want %q", e.String(), tt.text)
			}
			for _, s := range tt.accept {
				if !e.Accepts(s) {
					t.Errorf("%q does not accept %d", tt.in, s)
				}
			}
			for _, s := range tt.reject {
				if e.Accepts(s) {
					t.Errorf("%q accepts %d", tt.in, s)
				}
			}
		})
	}
	// The zero Expect accepts nothing: every step gets one from ParseExpect.
	if (Expect{}).Accepts(200) {
		t.Error("the zero Expect accepts 200")
	}
}

func mustParse(t *testing.T, file, src string) []*Scenario {
	t.Helper()
	list, err := Parse(file, []byte(src))
	if err != nil {
		t.Fatalf("Parse(%s): %v", file, err)
	}
	return list
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the whole error, or a prefix ending in ": "
	}{
		{"unknown scenario key", `
id: x
provider: payments
stepz: []
steps:
  - event: payment.success
`, `f.yaml:4: unknown key "stepz" (known: id, description, provider, steps, probes, reset)`},
		{"unknown step key", `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
    evnt: payment.success
`, `f.yaml:7: unknown key "evnt" (known: name, event, provider, set, unset, delay, times, expect)`},
		{"unknown probe key", `
id: x
provider: payments
steps:
  - event: payment.success
probes:
  - request: GET http://127.0.0.1:1/
    expects: a==1
`, `f.yaml:8: unknown key "expects" (known: request, expect)`},
		{"missing event", `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
  - name: refunded
    set: {data.amount: 1}
`, `f.yaml:7: step refunded has no event`},
		{"missing event, unnamed step", `
id: x
steps:
  - event: payment.success
  - {}
`, `f.yaml:5: step step2 has no event`},
		{"duplicate step names", `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
  - name: paid
    event: refund.processed
`, `f.yaml:7: step name paid is used twice`},
		{"reference to an unknown step", `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
  - name: refunded
    event: refund.processed
    set:
      data.transaction_id: "{{ steps.payd.data.transaction_id }}"
`, `f.yaml:10: set data.transaction_id refers to step "payd", which is not an earlier step of x`},
		{"reference to a later step", `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
    set:
      data.transaction_id: "{{ steps.refunded.data.transaction_id }}"
  - name: refunded
    event: refund.processed
`, `f.yaml:8: set data.transaction_id refers to step "refunded", which is not an earlier step of x`},
		{"reference to itself", `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
    set: {data.amount: "{{ steps.paid.data.amount }}"}
`, `f.yaml:7: set data.amount refers to step "paid", which is not an earlier step of x`},
		{"reference inside a longer string", `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
  - name: refunded
    event: refund.processed
    set: {data.note: "refund of {{ steps.later.data.x }}"}
`, `f.yaml:9: set data.note refers to step "later"`},
		{"malformed reference", `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
  - name: refunded
    event: refund.processed
    set: {data.transaction_id: "{{ paid.data.transaction_id }}"}
`, `f.yaml:9: set data.transaction_id: a reference is written {{ steps.NAME.PATH }}`},
		{"bad expect", `
id: x
steps:
  - event: payment.success
    expect: 2xx,abc
`, `f.yaml:4: expect "2xx,abc": "abc" is not a status`},
		{"bad delay", `
id: x
steps:
  - event: payment.success
    delay: 5
`, `f.yaml:5: delay "5" is not a duration such as 500ms`},
		{"negative delay", `
id: x
steps:
  - event: payment.success
    delay: -1s
`, `f.yaml:5: delay "-1s" is not a duration`},
		{"times zero", `
id: x
steps:
  - event: payment.success
    times: 0
`, `f.yaml:5: times must be 1 to 1000`},
		{"set not a mapping", `
id: x
steps:
  - event: payment.success
    set: [a, b]
`, `f.yaml:5: set: must map paths to values`},
		{"unset not a list", `
id: x
steps:
  - event: payment.success
    unset: data.amount
`, `f.yaml:5: unset: must be a list of paths`},
		{"no steps", `
id: x
provider: payments
`, `f.yaml:2: scenario x has no steps`},
		{"empty steps", `
id: x
steps: []
`, `f.yaml:2: scenario x has no steps`},
		{"a step is not a mapping", `
id: x
steps:
  - payment.success
`, `f.yaml:4: a step must be a mapping`},
		{"scenarios not a list", `
scenarios: {id: x}
`, `f.yaml:2: scenarios: must be a list`},
		{"a scenario is not a mapping", `
scenarios:
  - x
`, `f.yaml:3: a scenario must be a mapping`},
		{"top level not a mapping", `
- id: x
`, `f.yaml:2: expected a mapping with scenarios: or steps:`},
		{"scenario defined twice", `
scenarios:
  - id: x
    steps: [{event: payment.success}]
  - id: x
    steps: [{event: payment.success}]
`, `f.yaml:5: scenario x is defined twice (first on line 3)`},
		{"probes not a list", `
id: x
steps: [{event: payment.success}]
probes: GET http://127.0.0.1:1/
`, `f.yaml:4: probes: must be a list`},
		{"probe without a request", `
id: x
steps: [{event: payment.success}]
probes:
  - expect: a==1
`, `f.yaml:5: probe "": expected 'METHOD URL'`},
		{"probe with a bad condition", `
id: x
steps: [{event: payment.success}]
probes:
  - request: GET http://127.0.0.1:1/
    expect: [a==1, nope]
`, `f.yaml:6: probe expect: `},
		{"empty file", ``, `f.yaml: the file is empty`},
		{"comments only", "# nothing\n", `f.yaml: the file is empty`},
		{"an empty list", "\nscenarios: []\n", `f.yaml:2: scenarios: lists no scenario`},
		{"a null list", "\nscenarios:\n", `f.yaml:2: scenarios: lists no scenario`},
		{"a key beside scenarios", `
scenarios: [{id: x, steps: [{event: payment.success}]}]
steps: []
`, `f.yaml:3: unknown key "steps" (known: scenarios)`},
		{"every problem is told, a line each", `
id: x
steps:
  - event: payment.success
    evnt: a
    delay: soon
  - event: payment.success
    times: many
`, "f.yaml:5: unknown key \"evnt\" (known: name, event, provider, set, unset, delay, times, expect)\nf.yaml:6: delay \"soon\" is not a duration such as 500ms\nf.yaml:8: times must be 1 to 1000"},
		{"a probe is not a mapping", `
id: x
steps: [{event: payment.success}]
probes: [GET http://127.0.0.1:1/]
`, `f.yaml:4: a probe must be a mapping`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded, want %q", tt.want)
			}
			got := err.Error()
			if strings.HasSuffix(tt.want, ": ") {
				if !strings.HasPrefix(got, tt.want) {
					t.Fatalf("error %q, want it to start with %q", got, tt.want)
				}
			} else if !strings.HasPrefix(got, tt.want) {
				t.Fatalf("error\n %q\nwant\n %q", got, tt.want)
			}
		})
	}
}

// A YAML syntax error names the file and the line, as every other error.
func TestParseYAMLSyntaxError(t *testing.T) {
	_, err := Parse("f.yaml", []byte("id: x\nsteps:\n  - event: payment.success\n    set: {data.amount: 1\n"))
	if err == nil {
		t.Fatal("Parse succeeded on broken YAML")
	}
	if !regexp.MustCompile(`^f\.yaml:\d+: did not find expected`).MatchString(err.Error()) {
		t.Fatalf("error %q is not f.yaml:LINE: what", err)
	}
}

func TestParseYAMLAliases(t *testing.T) {
	src := `
scenarios:
  - id: tok
    provider: duitnow
    steps:
      - name: activated
        event: &ev token.activated
      - name: suspended
        event: token.suspended
        set: &same
          data.tokenReferenceId: "{{ steps.activated.data.tokenReferenceId }}"
          data.tokenPanLast4: "{{ steps.activated.data.tokenPanLast4 }}"
        expect: &ok 200-299
      - name: deleted
        event: token.deleted
        set: *same
        expect: *ok
      - name: again
        event: *ev
        unset: &drop [data.tokenPanLast4]
      - name: again2
        event: *ev
        unset: *drop
`
	list := mustParse(t, "f.yaml", src)
	s := list[0]
	if len(s.Steps) != 5 {
		t.Fatalf("%d steps, want 5", len(s.Steps))
	}
	if !reflect.DeepEqual(s.Steps[1].Set, s.Steps[2].Set) || len(s.Steps[2].Set) != 2 {
		t.Fatalf("aliased set differs: %+v vs %+v", s.Steps[1].Set, s.Steps[2].Set)
	}
	if s.Steps[2].Expect.String() != "200-299" || !s.Steps[2].Expect.Accepts(250) {
		t.Errorf("aliased expect = %q", s.Steps[2].Expect)
	}
	if s.Steps[3].Event != "token.activated" || s.Steps[4].Event != "token.activated" {
		t.Errorf("aliased events: %q, %q", s.Steps[3].Event, s.Steps[4].Event)
	}
	if !slices.Equal(s.Steps[4].Unset, []string{"data.tokenPanLast4"}) {
		t.Errorf("aliased unset = %v", s.Steps[4].Unset)
	}
	// The references of an aliased set resolve like any other.
	cat := loadCatalog(t)
	out, err := Render(s, cat, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := gjson.GetBytes(out[0].Body, "data.tokenReferenceId").String()
	if ref == "" || gjson.GetBytes(out[2].Body, "data.tokenReferenceId").String() != ref {
		t.Errorf("deleted's tokenReferenceId %q, want activated's %q", gjson.GetBytes(out[2].Body, "data.tokenReferenceId"), ref)
	}
	if gjson.GetBytes(out[4].Body, "data.tokenPanLast4").Exists() {
		t.Error("unset through an alias left data.tokenPanLast4")
	}
}

// An alias to a whole step repeats its name, which is an error.
func TestParseAliasedStepRepeatsItsName(t *testing.T) {
	_, err := Parse("f.yaml", []byte("id: x\nsteps:\n  - &s {name: a, event: payment.success}\n  - *s\n"))
	if err == nil || !strings.Contains(err.Error(), "step name a is used twice") {
		t.Fatalf("err = %v, want step name a is used twice", err)
	}
}

func TestParseFields(t *testing.T) {
	src := `# one scenario at the top level, its id from the file name
description: pay twice
provider: payments
steps:
  - event: payment.success
    set:
      data.amount: 2500
      data.currency: USD
      data.quoted: "2500"
      data.flag: true
      data.none: null
      data.tags: [a, 1]
      data.customer: {name: Ann}
    delay: 100ms
    times: 3
    expect: 4xx,409
  - name: refunded
    provider: payments
    event: refund.processed
    unset: [data.refund_id, data.customer.email]
probes:
  - request: http://127.0.0.1:1/a
    expect: status=="ok"
  - request: post http://127.0.0.1:1/b
    expect: ['a==1', 'b>2']
`
	s := mustParse(t, "/some/dir/pay-twice.yml", src)[0]
	if s.ID != "pay-twice" || s.Description != "pay twice" || s.Provider != "payments" || s.File != "/some/dir/pay-twice.yml" {
		t.Errorf("scenario = %+v", s)
	}
	st := s.Steps[0]
	if st.Name != "step1" || st.Delay != 100*time.Millisecond || st.Times != 3 || st.Expect.String() != "4xx,409" || st.Line != 5 {
		t.Errorf("step 1 = %+v", st)
	}
	// What set: does is seen in the payload it builds: YAML's types kept,
	// quoted text kept as text, in the file's order.
	rendered, err := Render(s, loadCatalog(t), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	body := rendered[0].Body
	for path, want := range map[string]string{
		"data.amount": "2500", "data.currency": `"USD"`, "data.quoted": `"2500"`, "data.flag": "true",
		"data.none": "null", "data.tags": `["a",1]`, "data.customer": `{"name":"Ann"}`,
	} {
		if got := compact(gjson.GetBytes(body, path).Raw); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
	if len(st.Set) != 7 || st.Set[0].Path != "data.amount" || st.Set[6].Path != "data.customer" || st.Set[0].Line != 7 {
		t.Errorf("set is not in the file's order, with its lines: %+v", st.Set)
	}
	st = s.Steps[1]
	if st.Name != "refunded" || st.Provider != "payments" || st.Times != 1 || st.Expect.String() != "2xx" || !slices.Equal(st.Unset, []string{"data.refund_id", "data.customer.email"}) {
		t.Errorf("step 2 = %+v", st)
	}
	if len(s.Probes) != 2 {
		t.Fatalf("%d probes", len(s.Probes))
	}
	p := s.Probes[0]
	if p.Method != "GET" || p.URL != "http://127.0.0.1:1/a" || len(p.Expect) != 1 || p.Expect[0].String() != `status=="ok"` || p.Line != 22 {
		t.Errorf("probe 1 = %+v", p)
	}
	p = s.Probes[1]
	if p.Method != "POST" || len(p.Expect) != 2 {
		t.Errorf("probe 2 = %+v", p)
	}

	// A built-in file needs ids.
	if _, err := Parse("builtin:x.yaml", []byte("steps: [{event: payment.success}]\n")); err == nil || !strings.Contains(err.Error(), "builtin:x.yaml:1: a scenario has no id") {
		t.Errorf("builtin without id: %v", err)
	}
}

func TestParseProbe(t *testing.T) {
	for in, want := range map[string][2]string{
		"http://h/x":           {"GET", "http://h/x"},
		"  delete   http://h/": {"DELETE", "http://h/"},
		"GET http://h/?a=1":    {"GET", "http://h/?a=1"},
	} {
		p, err := ParseProbe(in)
		if err != nil || p.Method != want[0] || p.URL != want[1] {
			t.Errorf("ParseProbe(%q) = %+v, %v", in, p, err)
		}
	}
	for _, in := range []string{"", "  ", "GET a b"} {
		if _, err := ParseProbe(in); err == nil {
			t.Errorf("ParseProbe(%q) succeeded", in)
		}
	}
}

func TestLoadBuiltinAndUserScenarios(t *testing.T) {
	lib, err := Load(catalog.BuiltinScenarios())
	if err != nil {
		t.Fatal(err)
	}
	builtin := lib.IDs()
	if len(builtin) == 0 || !sort.StringsAreSorted(builtin) {
		t.Fatalf("built-in ids %v: want some, sorted", builtin)
	}
	// Every built-in scenario renders against the built-in catalog.
	cat := loadCatalog(t)
	for _, s := range lib.Scenarios {
		if _, err := Render(s, cat, time.Now(), nil); err != nil {
			t.Errorf("%s: %v", s.ID, err)
		}
	}
	replaced := builtin[0]

	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mine.yaml", "id: "+replaced+"\ndescription: mine\nprovider: aella\nsteps: [{event: transfer.failed}]\n")
	write("own.yml", "scenarios:\n  - id: shop/one\n    steps: [{event: payment.success}]\n")
	write("provider.yaml", "id: acme\nevents: []\n") // a provider file: skipped
	write("notes.txt", "steps: [oops]\n")            // not YAML by name: skipped
	// a directory: skipped
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	lib, err = Load(catalog.BuiltinScenarios(), filepath.Join(dir, "missing"), dir)
	if err != nil {
		t.Fatal(err)
	}
	if s := lib.Find(replaced); s == nil || s.Description != "mine" || s.File != filepath.Join(dir, "mine.yaml") {
		t.Errorf("the user's scenario does not replace the built-in one: %+v", s)
	}
	if lib.Find("shop/one") == nil || lib.Find("acme") != nil || lib.Find("no/such") != nil {
		t.Errorf("ids = %v", lib.IDs())
	}
	if want := append(slices.Clone(builtin), "shop/one"); !slices.Equal(lib.IDs(), slices.Sorted(slices.Values(want))) {
		t.Errorf("ids = %v, want the built-in ones and shop/one", lib.IDs())
	}

	// Broken files are each named with their line; the others still load.
	write("broken.yaml", "steps: [\n")
	write("bad.yaml", "id: bad\nsteps:\n  - name: a\n    evnt: x\n")
	lib, err = Load(catalog.BuiltinScenarios(), dir)
	if err == nil {
		t.Fatal("Load with broken files succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], filepath.Join(dir, "bad.yaml")+`:4: unknown key "evnt"`) || !strings.HasPrefix(lines[1], filepath.Join(dir, "broken.yaml")+":") {
		t.Errorf("Load with broken files: %v", err)
	}
	if lib == nil || lib.Find("shop/one") == nil || lib.Find(replaced).Description != "mine" || lib.Find("bad") != nil {
		t.Errorf("the good files were not loaded beside the broken ones: %v", lib)
	}
	if _, err := LoadFile(filepath.Join(dir, "nope.yaml")); err == nil {
		t.Error("LoadFile of a missing file succeeded")
	}
	if list, err := LoadFile(filepath.Join(dir, "own.yml")); err != nil || len(list) != 1 || list[0].ID != "shop/one" {
		t.Errorf("LoadFile = %v, %v", list, err)
	}
}

func loadCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestRenderKeepsTypesAndInterpolates(t *testing.T) {
	src := `
id: shop/refund
provider: payments
steps:
  - name: paid
    event: payment.success
    set:
      data.amount: 2500
      data.meta: {order: 7, tags: [a, b]}
  - name: refunded
    event: refund.processed
    set:
      data.transaction_id: "{{ steps.paid.data.transaction_id }}"
      data.amount: "{{ steps.paid.data.amount }}"
      data.customer: "{{steps.paid.data.customer}}"
      data.meta: " {{ steps.paid.data.meta }} "
      data.tags: "{{ steps.paid.data.meta.tags }}"
      data.first_tag: "{{ steps.paid.data.meta.tags.0 }}"
      data.note: "refund of {{ steps.paid.data.transaction_id }} for {{ steps.paid.data.amount }} {{ steps.paid.data.currency }}"
      data.amount_text: "{{ steps.paid.data.amount }}!"
      data.quoted: "2500"
      data.literal: 2500
    unset: [data.refund_id]
`
	s := mustParse(t, "refund.yaml", src)[0]
	out, err := Render(s, loadCatalog(t), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Step != s.Steps[0] || out[1].Step != s.Steps[1] {
		t.Fatalf("rendered %d steps", len(out))
	}
	paid, refunded := out[0].Body, out[1].Body
	for _, b := range [][]byte{paid, refunded} {
		if !gjson.ValidBytes(b) {
			t.Fatalf("not JSON: %s", b)
		}
	}
	get := func(b []byte, p string) gjson.Result { return gjson.GetBytes(b, p) }
	tx := get(paid, "data.transaction_id")
	if tx.Type != gjson.String || tx.String() == "" {
		t.Fatalf("paid transaction_id = %v", tx.Raw)
	}
	checks := []struct {
		path string
		typ  gjson.Type
		raw  string // compact JSON expected, "" to skip
	}{
		{"data.transaction_id", gjson.String, tx.Raw},
		{"data.amount", gjson.Number, "2500"},
		{"data.customer", gjson.JSON, ""},
		{"data.meta", gjson.JSON, `{"order":7,"tags":["a","b"]}`},
		{"data.tags", gjson.JSON, `["a","b"]`},
		{"data.first_tag", gjson.String, `"a"`},
		{"data.note", gjson.String, fmt.Sprintf(`"refund of %s for 2500 NGN"`, tx.String())},
		{"data.amount_text", gjson.String, `"2500!"`},
		{"data.quoted", gjson.String, `"2500"`},
		{"data.literal", gjson.Number, "2500"},
	}
	for _, c := range checks {
		v := get(refunded, c.path)
		if v.Type != c.typ {
			t.Errorf("%s: type %v (%s), want %v", c.path, v.Type, v.Raw, c.typ)
			continue
		}
		if c.raw != "" && compact(v.Raw) != c.raw {
			t.Errorf("%s = %s, want %s", c.path, compact(v.Raw), c.raw)
		}
	}
	if !get(refunded, "data.customer").IsObject() || get(refunded, "data.customer.email").String() != get(paid, "data.customer.email").String() {
		t.Errorf("customer = %s, want paid's %s", get(refunded, "data.customer").Raw, get(paid, "data.customer").Raw)
	}
	if get(refunded, "data.refund_id").Exists() {
		t.Error("unset left data.refund_id")
	}
	if get(refunded, "event").String() != "refund.processed" {
		t.Errorf("event = %s", get(refunded, "event").Raw)
	}

	// extra edits every payload, after its references were taken.
	n := 0
	out, err = Render(s, loadCatalog(t), time.Now(), func(b []byte) ([]byte, error) {
		n++
		return catalog.Apply(b, []catalog.Edit{{Path: "extra", Value: []byte(fmt.Sprint(n))}})
	})
	if err != nil || n != 2 || get(out[0].Body, "extra").Int() != 1 || get(out[1].Body, "extra").Int() != 2 {
		t.Errorf("extra: n=%d err=%v", n, err)
	}
	if _, err := Render(s, loadCatalog(t), time.Now(), func([]byte) ([]byte, error) { return nil, fmt.Errorf("boom") }); err == nil || err.Error() != "boom" {
		t.Errorf("extra's error: %v", err)
	}
}

func compact(raw string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(raw)); err != nil {
		return raw
	}
	return b.String()
}

// Each run renders fresh ids, shared within the run.
func TestRenderSharesIDsWithinARun(t *testing.T) {
	lib, err := Load(catalog.BuiltinScenarios())
	if err != nil {
		t.Fatal(err)
	}
	cat := loadCatalog(t)
	s := lib.Find("aella/mandate-lifecycle")
	a, err := Render(s, cat, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := gjson.GetBytes(a[0].Body, "data.mandate.id").String()
	if id == "" {
		t.Fatal("no mandate id")
	}
	for i, r := range a {
		if got := gjson.GetBytes(r.Body, "data.mandate.id").String(); got != id {
			t.Errorf("step %d mandate id %q, want %q", i+1, got, id)
		}
	}
	for _, i := range []int{2, 3} {
		if got := gjson.GetBytes(a[i].Body, "data.transaction.mandateId").String(); got != id {
			t.Errorf("step %d transaction.mandateId %q, want %q", i+1, got, id)
		}
	}
	if gjson.GetBytes(a[3].Body, "data.transaction.id").String() != gjson.GetBytes(a[2].Body, "data.transaction.id").String() {
		t.Error("the debit that succeeded is not the debit initiated")
	}
	b, err := Render(s, cat, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if gjson.GetBytes(b[0].Body, "data.mandate.id").String() == id {
		t.Error("two renders share a mandate id")
	}

	acc := lib.Find("accounts/credit-then-debit")
	r, err := Render(acc, cat, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	num := gjson.GetBytes(r[0].Body, "accountNumber").String()
	for i, x := range r {
		if gjson.GetBytes(x.Body, "accountNumber").String() != num {
			t.Errorf("step %d accountNumber differs", i+1)
		}
	}
	if b := gjson.GetBytes(r[2].Body, "balance"); b.Type != gjson.Number || b.Int() != 500 {
		t.Errorf("balance after credit = %s", b.Raw)
	}
	if b := gjson.GetBytes(r[4].Body, "balance"); b.Type != gjson.Number || b.Int() != 200 {
		t.Errorf("balance after debit = %s", b.Raw)
	}
}

func TestRenderErrorsNameFileAndLine(t *testing.T) {
	cat := loadCatalog(t)
	tests := []struct{ src, want string }{
		{"id: x\nprovider: payments\nsteps:\n  - name: a\n    event: payment.success\n  - name: b\n    event: refund.processed\n    set: {data.x: \"{{ steps.a.data.nope }}\"}\n",
			"r.yaml:6: step b: set data.x: steps.a.data.nope: the step's payload has no such field"},
		{"id: x\nprovider: payments\nsteps:\n  - name: a\n    event: no.such.event\n",
			"r.yaml:4: step a: "},
		{"id: x\nprovider: nosuch\nsteps:\n  - name: a\n    event: payment.success\n",
			"r.yaml:4: step a: "},
		{"id: x\nprovider: payments\nsteps:\n  - name: a\n    event: payment.success\n    unset: [data.nope]\n",
			"r.yaml:4: step a: --unset data.nope: no such field"},
	}
	for _, tt := range tests {
		s := mustParse(t, "r.yaml", tt.src)[0]
		_, err := Render(s, cat, time.Now(), nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Render error %v, want it to start with %q", err, tt.want)
		}
	}
}

// A reference inside a mapping or a list is resolved like one at the top.
func TestRenderResolvesReferencesInsideObjects(t *testing.T) {
	src := `
id: x
provider: payments
steps:
  - name: paid
    event: payment.success
  - name: refunded
    event: refund.processed
    set:
      data.customer: {email: "{{ steps.paid.data.customer.email }}", note: "for {{ steps.paid.data.amount }}"}
      data.refs: ["{{ steps.paid.data.transaction_id }}", {amount: "{{ steps.paid.data.amount }}"}, 3]
`
	s := mustParse(t, "f.yaml", src)[0]
	out, err := Render(s, loadCatalog(t), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	paid, refunded := out[0].Body, out[1].Body
	if strings.Contains(string(refunded), "{{") {
		t.Fatalf("a reference was sent literally: %s", refunded)
	}
	get := func(b []byte, p string) gjson.Result { return gjson.GetBytes(b, p) }
	if got, want := get(refunded, "data.customer.email").String(), get(paid, "data.customer.email").String(); got != want || want == "" {
		t.Errorf("data.customer.email = %q, want paid's %q", got, want)
	}
	if got, want := get(refunded, "data.customer.note").String(), "for "+get(paid, "data.amount").String(); got != want {
		t.Errorf("data.customer.note = %q, want %q", got, want)
	}
	if got, want := get(refunded, "data.refs.0"), get(paid, "data.transaction_id"); got.Raw != want.Raw {
		t.Errorf("data.refs.0 = %s, want %s", got.Raw, want.Raw)
	}
	if got, want := get(refunded, "data.refs.1.amount"), get(paid, "data.amount"); got.Type != gjson.Number || got.Raw != want.Raw {
		t.Errorf("data.refs.1.amount = %s, want the number %s", got.Raw, want.Raw)
	}
	if get(refunded, "data.refs.2").Int() != 3 {
		t.Errorf("data.refs.2 = %s", get(refunded, "data.refs.2").Raw)
	}
	// Deep references are checked like top-level ones.
	for _, bad := range []struct{ set, want string }{
		{`{a: [{b: "{{ steps.later.data.x }}"}]}`, `f.yaml:9: set data.deep refers to step "later", which is not an earlier step of x`},
		{`[ "{{ paid.data.x }}" ]`, `f.yaml:9: set data.deep: a reference is written {{ steps.NAME.PATH }}`},
	} {
		src := "id: x\nprovider: payments\nsteps:\n  - name: paid\n    event: payment.success\n  - name: refunded\n    event: refund.processed\n    set:\n      data.deep: " + bad.set + "\n"
		if _, err := Parse("f.yaml", []byte(src)); err == nil || err.Error() != bad.want {
			t.Errorf("set %s: %v, want %s", bad.set, err, bad.want)
		}
	}
}

func TestOrder(t *testing.T) {
	if got := (Options{}).Order(5); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("unshuffled order %v", got)
	}
	if got := (Options{Seed: 42}).Order(3); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("a seed without Shuffle reorders: %v", got)
	}
	for _, n := range []int{0, 1} {
		if got := (Options{Shuffle: true, Seed: 9}).Order(n); len(got) != n {
			t.Errorf("Order(%d) = %v", n, got)
		}
	}
	orders := map[string]bool{}
	for seed := uint64(0); seed < 200; seed++ {
		o := Options{Shuffle: true, Seed: seed}
		a, b := o.Order(7), o.Order(7)
		if !slices.Equal(a, b) {
			t.Fatalf("seed %d: %v then %v", seed, a, b)
		}
		sorted := slices.Clone(a)
		slices.Sort(sorted)
		if !slices.Equal(sorted, []int{0, 1, 2, 3, 4, 5, 6}) {
			t.Fatalf("seed %d: %v is not a permutation", seed, a)
		}
		orders[fmt.Sprint(a)] = true
	}
	if len(orders) < 150 {
		t.Errorf("200 seeds gave only %d orders of 7", len(orders))
	}
	// Every order of 3 is reachable.
	seen := map[string]bool{}
	for seed := uint64(0); seed < 500; seed++ {
		seen[fmt.Sprint(Options{Shuffle: true, Seed: seed}.Order(3))] = true
	}
	if len(seen) != 6 {
		t.Errorf("orders of 3 reached: %v", seen)
	}
}

// fakeSteps builds rendered steps without the catalog.
func fakeSteps(t *testing.T, expects ...string) []Rendered {
	t.Helper()
	out := make([]Rendered, len(expects))
	for i, e := range expects {
		ex, err := ParseExpect(e)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = Rendered{Step: &Step{Name: fmt.Sprintf("s%d", i), Event: "e", Times: 1, Expect: ex}, Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	return out
}

func TestRunDuplicatesTimesAndStorm(t *testing.T) {
	steps := fakeSteps(t, "2xx", "409", "2xx")
	steps[2].Step.Times = 2
	var mu sync.Mutex
	var sent []string
	var seen []Result
	results := Run(context.Background(), steps, Options{
		Duplicate: 2, Storm: 2, Rate: 1000, Shuffle: true, Seed: 5,
		Send: func(_ context.Context, d *Delivery) delivery.Attempt {
			mu.Lock()
			sent = append(sent, fmt.Sprintf("%s/%d/%s/%d", d.Rendered.Step.Name, d.Copy, d.Phase, d.Round))
			mu.Unlock()
			return delivery.Attempt{Status: 200}
		},
		OnResult: func(r Result) { mu.Lock(); seen = append(seen, r); mu.Unlock() },
	})
	// (1 + 1 + 2 times) × 2 copies = 8 in the flow, × 3 with the storm.
	if len(results) != 24 || len(sent) != 24 || len(seen) != 24 {
		t.Fatalf("%d results, %d sent, %d seen; want 24", len(results), len(sent), len(seen))
	}
	// The flow comes first, in the shuffled order, copies together.
	order := Options{Shuffle: true, Seed: 5}.Order(3)
	var want []string
	for _, i := range order {
		for range steps[i].Step.Times {
			for c := 1; c <= 2; c++ {
				want = append(want, fmt.Sprintf("s%d/%d/flow/0", i, c))
			}
		}
	}
	if !slices.Equal(sent[:8], want) {
		t.Errorf("flow sent %v, want %v", sent[:8], want)
	}
	storm := slices.Clone(sent[8:])
	sort.Strings(storm)
	var wantStorm []string
	for r := 1; r <= 2; r++ {
		for _, w := range want {
			wantStorm = append(wantStorm, strings.Replace(w, "/flow/0", fmt.Sprintf("/storm/%d", r), 1))
		}
	}
	sort.Strings(wantStorm)
	if !slices.Equal(storm, wantStorm) {
		t.Errorf("storm sent %v, want %v", storm, wantStorm)
	}
	bad := 0
	for _, r := range results {
		if !r.OK {
			bad++
			if r.Delivery.Rendered.Step.Name != "s1" {
				t.Errorf("%s failed", r.Delivery.Rendered.Step.Name)
			}
		}
	}
	if bad != 6 { // s1 expects 409: 2 copies × 3 rounds
		t.Errorf("%d failed, want 6", bad)
	}
}

func TestRunConcurrentOverlaps(t *testing.T) {
	steps := fakeSteps(t, "2xx")
	var inflight, most atomic.Int32
	release := make(chan struct{})
	var arrived sync.WaitGroup
	arrived.Add(4)
	go func() { arrived.Wait(); close(release) }()
	send := func(ctx context.Context, d *Delivery) delivery.Attempt {
		n := inflight.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if d.Phase == "flow" {
			arrived.Done()
			select {
			case <-release:
			case <-time.After(5 * time.Second):
			}
		}
		inflight.Add(-1)
		return delivery.Attempt{Status: 204}
	}
	res := Run(context.Background(), steps, Options{Duplicate: 4, Concurrent: true, Send: send})
	if len(res) != 4 || most.Load() != 4 {
		t.Fatalf("%d results, at most %d in flight; want 4 and 4", len(res), most.Load())
	}
	copies := map[int]bool{}
	for _, r := range res {
		copies[r.Delivery.Copy] = true
		if !r.OK {
			t.Errorf("204 did not meet 2xx")
		}
	}
	if len(copies) != 4 {
		t.Errorf("copies %v", copies)
	}

	// In order, never more than one at a time.
	inflight.Store(0)
	most.Store(0)
	serial := func(ctx context.Context, d *Delivery) delivery.Attempt {
		n := inflight.Add(1)
		if n > most.Load() {
			most.Store(n)
		}
		time.Sleep(time.Millisecond)
		inflight.Add(-1)
		return delivery.Attempt{Status: 200}
	}
	Run(context.Background(), fakeSteps(t, "2xx", "2xx"), Options{Duplicate: 3, Send: serial})
	if most.Load() != 1 {
		t.Errorf("in order: %d in flight at once", most.Load())
	}
}

func TestRunDelayJitterAndCancel(t *testing.T) {
	steps := fakeSteps(t, "2xx", "2xx")
	steps[1].Step.Delay = 30 * time.Millisecond
	start := time.Now()
	res := Run(context.Background(), steps, Options{Jitter: time.Millisecond, Send: func(context.Context, *Delivery) delivery.Attempt {
		return delivery.Attempt{Status: 200}
	}})
	if len(res) != 2 || time.Since(start) < 30*time.Millisecond {
		t.Errorf("%d results in %s, want 2 after the 30ms delay", len(res), time.Since(start))
	}
	// A failed send is not OK, whatever the status.
	res = Run(context.Background(), fakeSteps(t, "2xx"), Options{Send: func(context.Context, *Delivery) delivery.Attempt {
		return delivery.Attempt{Status: 200, Err: fmt.Errorf("reset")}
	}})
	if len(res) != 1 || res[0].OK {
		t.Errorf("an attempt with an error met its expectation: %+v", res)
	}
	// Cancelled: nothing more is sent.
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	res = Run(ctx, fakeSteps(t, "2xx", "2xx", "2xx"), Options{Storm: 3, Send: func(context.Context, *Delivery) delivery.Attempt {
		n++
		cancel()
		return delivery.Attempt{Status: 200}
	}})
	if n != 1 || len(res) != 1 {
		t.Errorf("after cancel: %d sent, %d results", n, len(res))
	}
}

func TestRunProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/state":
			if r.Method != http.MethodPut {
				w.WriteHeader(http.StatusMethodNotAllowed)
				return
			}
			fmt.Fprint(w, `{"status":"refunded","credits":1,"orders":[{"id":"o1"}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	client := srv.Client()
	probe := func(spec string, conds ...string) ProbeResult {
		t.Helper()
		p, err := ParseProbe(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range conds {
			cond, err := capture.ParseCond(c)
			if err != nil {
				t.Fatal(err)
			}
			p.Expect = append(p.Expect, cond)
		}
		return RunProbe(context.Background(), client, p)
	}
	ok := probe("PUT "+srv.URL+"/state", `status=="refunded"`, "credits==1", "orders.#==1")
	if !ok.OK() || ok.Status != 200 || len(ok.Failed) != 0 {
		t.Errorf("probe = %+v", ok)
	}
	bad := probe("PUT "+srv.URL+"/state", "credits==1", "credits==3", `status=="paid"`)
	if bad.OK() || !slices.Equal(bad.Failed, []string{"credits==3", `status=="paid"`}) || !slices.Equal(bad.Got, []string{"1", `"refunded"`}) {
		t.Errorf("failed = %v, got %v", bad.Failed, bad.Got)
	}
	if got := ProbeProblem(bad); got != `did not hold: credits==3 (got 1); status=="paid" (got "refunded")` {
		t.Errorf("ProbeProblem = %q", got)
	}
	// What a failed condition found is shown as compact JSON, or nothing.
	gone := probe("PUT "+srv.URL+"/state", "missing==1", "orders.0=={}")
	if !slices.Equal(gone.Got, []string{"", `{"id":"o1"}`}) || ProbeProblem(gone) != `did not hold: missing==1 (got nothing); orders.0=={} (got {"id":"o1"})` {
		t.Errorf("got %q: %s", gone.Got, ProbeProblem(gone))
	}
	nf := probe(srv.URL + "/nothing")
	if nf.OK() || nf.Status != 404 || ProbeProblem(nf) != "answered 404" {
		t.Errorf("404 probe = %+v, %q", nf, ProbeProblem(nf))
	}
	ln := httptest.NewServer(http.NotFoundHandler())
	url := ln.URL
	ln.Close()
	down := probe("GET " + url + "/")
	if down.OK() || down.Err == nil || ProbeProblem(down) == "" {
		t.Errorf("probe of a closed port = %+v", down)
	}
	if r := RunProbe(context.Background(), client, &Probe{Method: "BAD METHOD", URL: srv.URL}); r.Err == nil {
		t.Error("a bad method was sent")
	}
}

func TestWriteJUnit(t *testing.T) {
	s := mustParse(t, "j.yaml", `
id: shop/<j&u>
steps:
  - name: paid
    event: payment.success
  - name: refunded
    event: refund.processed
    expect: 409
  - name: never
    event: refund.processed
`)[0]
	steps := []Rendered{{Step: s.Steps[0]}, {Step: s.Steps[1]}, {Step: s.Steps[2]}}
	res := []Result{
		{Delivery: &Delivery{Rendered: &steps[0], Step: 0, Copy: 1, Phase: "flow"}, Attempt: delivery.Attempt{Status: 200, Latency: time.Millisecond}, OK: true},
		{Delivery: &Delivery{Rendered: &steps[0], Step: 0, Copy: 2, Phase: "flow"}, Attempt: delivery.Attempt{Status: 200}, OK: true},
		{Delivery: &Delivery{Rendered: &steps[1], Step: 1, Copy: 1, Phase: "flow"}, Attempt: delivery.Attempt{Status: 200}, OK: false},
		{Delivery: &Delivery{Rendered: &steps[1], Step: 1, Copy: 1, Phase: "storm", Round: 2}, Attempt: delivery.Attempt{Err: fmt.Errorf("connection refused")}, OK: false},
	}
	probes := []ProbeResult{
		{Probe: &Probe{Method: "GET", URL: "http://h/a?x=1&y=<2>"}, Status: 200},
		{Probe: &Probe{Method: "GET", URL: "http://h/b"}, Status: 200, Failed: []string{"credits==1"}, Got: []string{"3"}, Body: []byte("{\"credits\":3}\x00\xff")},
	}
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, &Report{Scenario: s, Results: res, Probes: probes, Elapsed: 1500 * time.Millisecond}, nil); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Time     string `xml:"time,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Class   string `xml:"classname,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("the XML does not parse: %v\n%s", err, buf.String())
	}
	if !strings.HasPrefix(buf.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Error("no XML header")
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d suites", len(doc.Suites))
	}
	su := doc.Suites[0]
	if su.Name != "shop/<j&u>" || su.Tests != 5 || su.Failures != 3 || su.Time != "1.500" {
		t.Errorf("suite %s tests=%d failures=%d time=%s", su.Name, su.Tests, su.Failures, su.Time)
	}
	names := []string{"step paid (payment.success)", "step refunded (refund.processed)", "step never (refund.processed)", "probe GET http://h/a?x=1&y=<2>", "probe GET http://h/b"}
	for i, c := range su.Cases {
		if c.Name != names[i] || c.Class != s.ID {
			t.Errorf("case %d = %q (%s)", i, c.Name, c.Class)
		}
	}
	fails := []string{"", "2 of 2 deliveries did not meet expect 409", "not delivered", "", "did not hold: credits==1 (got 3)"}
	for i, c := range su.Cases {
		got := ""
		if c.Failure != nil {
			got = c.Failure.Message
		}
		if got != fails[i] {
			t.Errorf("case %d failure %q, want %q", i, got, fails[i])
		}
	}
	text := su.Cases[1].Failure.Text
	if !strings.Contains(text, "flow copy 1: answered 200, expected 409") || !strings.Contains(text, "storm copy 1 round 2: connection refused") {
		t.Errorf("failure text %q", text)
	}
	if su.Cases[2].Failure.Text != "not delivered" {
		t.Errorf("undelivered step: %q", su.Cases[2].Failure.Text)
	}
	if got := describe(res[2]); got != "flow copy 1: answered 200, expected 409" {
		t.Errorf("describe = %q", got)
	}
}

// A YAML merge key in set (<<: *base) merges the base's assignments; the
// step's own win. Merge keys in steps and scenarios work too.
func TestParseMergeKeys(t *testing.T) {
	src := `
id: x
provider: payments
steps:
  - &first
    name: paid
    event: payment.success
    set: &base {data.currency: USD, data.amount: 7}
  - name: again
    event: payment.success
    set:
      <<: *base
      data.amount: 1
  - <<: *first
    name: third
    set:
      <<: [*base, {data.status: held}]
`
	s := mustParse(t, "f.yaml", src)[0]
	for _, st := range s.Steps {
		for _, a := range st.Set {
			if a.Path == "<<" {
				t.Fatalf("merge key kept as a path: %+v", st.Set)
			}
		}
	}
	if len(s.Steps) != 3 || s.Steps[2].Event != "payment.success" || s.Steps[2].Name != "third" {
		t.Fatalf("steps = %+v", s.Steps)
	}
	out, err := Render(s, loadCatalog(t), time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []map[string]string{
		{"data.currency": "USD", "data.amount": "7"},
		{"data.currency": "USD", "data.amount": "1"},
		{"data.currency": "USD", "data.amount": "7", "data.status": "held"},
	} {
		for path, v := range want {
			if got := gjson.GetBytes(out[i].Body, path).String(); got != v {
				t.Errorf("step %d: %s = %q, want %q", i+1, path, got, v)
			}
		}
	}
	if _, err := Parse("f.yaml", []byte("id: x\nsteps:\n  - event: payment.success\n    set:\n      <<: [1]\n")); err == nil || !strings.HasPrefix(err.Error(), "f.yaml:5: set: << merges a mapping") {
		t.Errorf("a merge of a number: %v", err)
	}
	if _, err := Parse("f.yaml", []byte("id: x\nsteps:\n  - event: payment.success\n    set: {data.a: 1, data.a: 2}\n")); err == nil || !strings.HasPrefix(err.Error(), "f.yaml:4: set data.a is given twice") {
		t.Errorf("a path set twice: %v", err)
	}
}

func TestExpectAsAList(t *testing.T) {
	list, err := Parse("x.yaml", []byte("id: x\nprovider: aella\nsteps:\n  - event: transfer.completed\n    expect: [409, 422]\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := list[0].Steps[0].Expect
	if !e.Accepts(409) || !e.Accepts(422) || e.Accepts(200) {
		t.Errorf("expect [409, 422] accepts 409 %v, 422 %v, 200 %v", e.Accepts(409), e.Accepts(422), e.Accepts(200))
	}
	if _, err := Parse("x.yaml", []byte("id: x\nprovider: aella\nsteps:\n  - event: transfer.completed\n    expect: {a: 1}\n")); err == nil || !strings.Contains(err.Error(), "x.yaml:5:") {
		t.Errorf("a mapping for expect: %v", err)
	}
}

// The longest jitter a Duration can hold draws a wait without overflow
// (it panicked in rand.Int64N on max+1) and the wait ends with the run.
func TestRunJitterAtTheLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	Run(ctx, fakeSteps(t, "2xx"), Options{Jitter: time.Duration(math.MaxInt64), Seed: 1, Send: func(context.Context, *Delivery) delivery.Attempt {
		return delivery.Attempt{Status: 200}
	}})
}

// --duplicate N --concurrent races through a bounded pool: N deliveries
// never have more than MaxConcurrent sends (nor goroutines) in flight.
func TestRunConcurrentIsBounded(t *testing.T) {
	const n = 5 * MaxConcurrent
	var inflight, most atomic.Int32
	base := runtime.NumGoroutine()
	var mostG atomic.Int32
	send := func(ctx context.Context, d *Delivery) delivery.Attempt {
		now := inflight.Add(1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		if g := int32(runtime.NumGoroutine()); g > mostG.Load() {
			mostG.Store(g)
		}
		time.Sleep(2 * time.Millisecond)
		inflight.Add(-1)
		return delivery.Attempt{Status: 200}
	}
	res := Run(context.Background(), fakeSteps(t, "2xx"), Options{Duplicate: n, Concurrent: true, Send: send})
	if len(res) != n {
		t.Fatalf("%d results, want %d", len(res), n)
	}
	if m := most.Load(); m > MaxConcurrent || m < 2 {
		t.Errorf("%d sends in flight at once, want 2 to %d", m, MaxConcurrent)
	}
	if g := int(mostG.Load()) - base; g > MaxConcurrent+4 {
		t.Errorf("%d goroutines more than before the run, want at most %d", g, MaxConcurrent+4)
	}
}

// TestWriteJUnitHidesSecrets: the JUnit file (a CI artifact, kept and
// shared) holds no secret the receiver or an error echoed: a probe's
// answer, its value, a delivery's error.
func TestWriteJUnitHidesSecrets(t *testing.T) {
	const sec = "junit-s3cret-x"
	s := mustParse(t, "j.yaml", "id: shop/j\nsteps:\n  - name: paid\n    event: payment.success\n")[0]
	steps := []Rendered{{Step: s.Steps[0]}}
	res := []Result{{Delivery: &Delivery{Rendered: &steps[0], Copy: 1, Phase: "flow"}, Attempt: delivery.Attempt{Err: fmt.Errorf(`Post "http://h/?t=%s": EOF`, sec)}}}
	probes := []ProbeResult{{Probe: &Probe{Method: "GET", URL: "http://h/b"}, Status: 200, Failed: []string{"k==1"}, Got: []string{`"` + sec + `"`}, Body: []byte(`{"k":"` + sec + `"}`)}}
	var buf bytes.Buffer
	red := signature.NewRedactor(nil, []signature.Secret{signature.NewSecret(sec)})
	if err := WriteJUnit(&buf, &Report{Scenario: s, Results: res, Probes: probes}, red); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), sec) || !strings.Contains(buf.String(), "[redacted]") {
		t.Errorf("the JUnit file holds the secret:\n%s", buf.String())
	}
}
