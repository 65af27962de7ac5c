package catalog

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for provider files and payload edits. Run one with, e.g.:
//
//	go test ./internal/catalog -run '^$' -fuzz '^FuzzCatalogParse$' -fuzztime 30s

// FuzzCatalogParse parses arbitrary bytes as a provider file: no panic; an
// error names the file; an accepted provider renders each of its events.
func FuzzCatalogParse(f *testing.F) {
	files, _ := fs.Glob(builtin, "providers/*.yaml")
	for _, name := range files {
		data, err := builtin.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		"id: x\nname: X\nevent_path: event\nevents:\n  - name: a\n    sample: '{\"event\": \"{{.Event}}\", \"id\": \"{{uuid \"a\"}}\", \"n\": {{int \"n\" 1 9}}}'\n",
		"id: x\nname: X\nevent_path: e\nsigning:\n  scheme: hmac\n  hmac: {header: X-Sig, hash: sha512, encoding: base64, template: '{id}.{timestamp}.{body}', id_header: X-Id, timestamp_header: X-Ts}\nevents:\n  - name: a\n    sample: |\n      {\"a\": \"{{digits \"d\" 10}}{{alnum \"b\" 4}}{{hex \"h\" 8}}\", \"t\": \"{{now \"rfc3339ms\"}}\", \"p\": \"{{pick \"p\" \"x\" \"y\"}}\", \"g\": \"{{ago \"90m\" \"unix\"}}\"}\n",
		"id: x\nname: X\nevent_path: e\nevents:\n  - name: a\n    sample: '{{nope}}'\n",
		"id: x\nname: [unclosed\n",
		"id: x\nname: X\nevent_path: e\nevents: {a: b}\n",
		"id: x\nname: X\nevent_path: e\nevents:\n  - name: a\n    sample: [1, 2]\n",
		"id: x\nname: X\nevent_path: e\nevnts: []\n",
		"id: x\nname: X\nevent_path: e\nevents:\n  - &e {name: a, sample: '{}'}\n  - *e\n",
		"<<: {id: x, name: X, event_path: e}\nevents:\n  - name: a\n    sample: '{}'\n",
		"--- \n...\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		if p.ID == "" || len(p.Events) == 0 {
			t.Fatalf("accepted a provider without an id or events: %+v", p)
		}
		for i := range p.Events {
			e := &p.Events[i]
			if e.Provider() != p {
				t.Fatalf("event %s: provider not set", e.Name)
			}
			// A template may fail at render time (a function given a bad
			// argument); it must not panic.
			_, _ = e.Render(now)
		}
	})
}

// FuzzApplyEdits applies a --set (or --set-str, or --unset) with arbitrary
// paths and values to arbitrary bodies: no panic, and an edit of valid JSON
// that succeeds leaves valid JSON.
func FuzzApplyEdits(f *testing.F) {
	body := `{"event":"transfer.completed","data":{"amount":5000,"tags":["a","b"],"customer":{"email":"ada@example.com"},"n":null}}`
	for _, seed := range []struct {
		body, arg       string
		asString, unset bool
	}{
		{body, "data.amount=2500", false, false},
		{body, `data.narration="Rent"`, false, false},
		{body, "data.narration=Rent", false, false},
		{body, "data.amount=2500", true, false},
		{body, "data.tags.1=c", false, false},
		{body, "data.tags.-1=c", false, false},
		{body, `data.new.deep.path={"x":[1,2]}`, false, false},
		{body, "data.customer", false, true},
		{body, "data.nope", false, true},
		{body, "data.tags.#", false, true},
		{body, `data\.amount=1`, false, false},
		{body, "data.tags.#(==\"a\")=z", false, false},
		{body, "@reverse=1", false, false},
		{body, "a|b=1", false, false},
		{body, "=1", false, false},
		{"[1,2,3]", "1=x", false, false},
		{"[1,2,3]", "5=x", false, false},
		{"not json", "a=1", false, false},
		{"  {}  \n", "a.b.c=1", false, false},
		{`{"a":"\u00e9\ud800"}`, "a=\xff", false, false},
	} {
		f.Add([]byte(seed.body), seed.arg, seed.asString, seed.unset)
	}
	f.Fuzz(func(t *testing.T, body []byte, arg string, asString, unset bool) {
		var e Edit
		if unset {
			e = Edit{Path: arg, Unset: true}
		} else {
			var err error
			if e, err = ParseSet(arg, asString); err != nil {
				return
			}
			if !json.Valid(e.Value) {
				t.Fatalf("ParseSet(%q) gave a value that is not JSON: %q", arg, e.Value)
			}
		}
		out, err := Apply(body, []Edit{e})
		if err != nil {
			return
		}
		if json.Valid(body) && !json.Valid(out) {
			t.Fatalf("edit %+v of valid JSON %q gave invalid JSON %q", e, body, out)
		}
	})
}
