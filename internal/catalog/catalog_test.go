package catalog

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// TestBuiltinCatalogConsistent checks every embedded provider file: it
// parses, each sample renders to valid JSON, the event-type path finds the
// event's own name in its sample, and renders are fresh.
func TestBuiltinCatalogConsistent(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Providers) == 0 {
		t.Fatal("no built-in providers")
	}
	now := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	for _, p := range c.Providers {
		if !p.Builtin || p.Signing.Scheme == "" || p.Signing.Note == "" || p.Source == "" || p.Docs == "" {
			t.Errorf("%s: built-in providers name their source, docs, scheme and a signing note", p.ID)
		}
		for i := range p.Events {
			e := &p.Events[i]
			if e.Description == "" {
				t.Errorf("%s %s: no description", p.ID, e.Name)
			}
			a, err := e.Render(now)
			if err != nil {
				t.Errorf("%s %s: %v", p.ID, e.Name, err)
				continue
			}
			checkContentType(t, p, e.Name, a)
			if got := p.EventOf(p.Headers(e.Name), a); got != e.Name {
				t.Errorf("%s %s: %s%s finds %q in the sample", p.ID, e.Name, p.EventHeader, p.EventPath, got)
			}
			b, _ := e.Render(now)
			if bytes.Contains(a, []byte("{{")) || (bytes.Equal(a, b) && strings.Contains(e.Sample, "{{")) {
				t.Errorf("%s %s: two renders are identical: ids are not fresh", p.ID, e.Name)
			}
		}
	}
}

func TestSharedNamesAgreeWithinAPayload(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Find("mandate.debit.successful", "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := e.Render(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mandate := gjson.GetBytes(body, "data.mandate.id").String()
	if len(mandate) != 36 || gjson.GetBytes(body, "data.transaction.mandateId").String() != mandate {
		t.Errorf("the transaction's mandateId does not match the mandate's id:\n%s", body)
	}
	if gjson.GetBytes(body, "data.transaction.id").String() == mandate {
		t.Errorf("different names gave the same id")
	}
}

func TestRenderTimeLayouts(t *testing.T) {
	p, err := Parse("t.yaml", []byte(`id: t
name: T
event_path: e
events:
  - name: x
    description: d
    sample: '{"e":"{{.Event}}","a":"{{now "rfc3339"}}","b":"{{now "rfc3339ms"}}","c":{{now "unix"}},"d":"{{ago "90m" "rfc3339"}}","f":{{int "n" 5 5}},"g":"{{pick "p" "only"}}"}'
`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 18, 0, 0, 380_000_000, time.UTC)
	got, err := p.Events[0].Render(now)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"e":"x","a":"2026-11-23T18:00:00Z","b":"2026-11-23T18:00:00.380Z","c":1795456800,"d":"2026-11-23T16:30:00Z","f":5,"g":"only"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, doc, want string
	}{
		{"yaml syntax", "id: x\nname: [unclosed\n", "bad.yaml:"},
		{"unknown field", "id: x\nname: X\nevent_path: e\nevnts: []\n", "bad.yaml:4: field evnts not found"},
		{"bad id", "id: Bad Id\nname: X\n", "bad.yaml:1: id"},
		{"no event path", "id: x\nname: X\nevents:\n  - {name: a, sample: '{}'}\n  - {name: b, sample: '{}'}\n", "bad.yaml:1: event_path (the gjson path of the event type in a payload) or event_header (the header that carries it) is missing: only a provider with one event may leave both out"},
		{"duplicate event", "id: x\nname: X\nevent_path: e\nevents:\n  - name: a\n    sample: '{}'\n  - name: a\n    sample: '{}'\n", "bad.yaml:7: event a is listed twice (first on line 5)"},
		{"no sample", "id: x\nname: X\nevent_path: e\nevents:\n  - name: a\n", "bad.yaml:5: event a has no sample"},
		{"bad template", "id: x\nname: X\nevent_path: e\nevents:\n  - name: a\n    sample: |\n      {\"a\": \"{{uuid \"x\"\"}\n", "bad.yaml:7: event a: sample: unterminated quoted string"},
		{"bad template, third line", "id: x\nname: X\nevent_path: e\nevents:\n  - name: a\n    sample: |\n      {\n        \"a\": 1,\n        \"b\": \"{{uuid}\"\n      }\n", "bad.yaml:9: event a: sample:"},
		{"unknown function", "id: x\nname: X\nevent_path: e\nevents:\n  - name: a\n    sample: '{{nope}}'\n", `function "nope" not defined`},
		{"bad scheme", "id: x\nname: X\nevent_path: e\nsigning:\n  scheme: rot13\nevents:\n  - name: a\n    sample: '{}'\n", "bad.yaml:5: signing: unknown scheme"},
		{"hmac without header", "id: x\nname: X\nevent_path: e\nsigning:\n  scheme: hmac\nevents:\n  - name: a\n    sample: '{}'\n", "no header"},
	}
	for _, tc := range cases {
		_, err := Parse("bad.yaml", []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestUserDirectoryOverridesAndAdds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("aella.yaml", "id: aella\nname: My Aella\nevent_path: type\nevents:\n  - name: only.one\n    sample: '{\"type\":\"only.one\"}'\n")
	write("acme.yml", "id: acme\nname: Acme\nevent_path: kind\nevents:\n  - name: thing.happened\n    sample: '{\"kind\":\"thing.happened\"}'\n")
	write("notes.txt", "not a provider")
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Provider("aella"); p == nil || p.Name != "My Aella" || p.Builtin || len(p.Events) != 1 {
		t.Errorf("aella was not replaced: %+v", p)
	}
	if _, err := c.Find("transfer.completed", "aella"); err == nil {
		t.Error("the replaced provider's events are still there")
	}
	if e, err := c.Find("thing.happened", ""); err != nil || e.Provider().ID != "acme" {
		t.Errorf("acme's event: %v", err)
	}
	write("broken.yaml", "id: broken\nname: B\nevent_path: e\nevents:\n  - name: a\n    sample: '{{'\n")
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "broken.yaml")+":6") {
		t.Errorf("a broken user file: %v", err)
	}
}

func TestFind(t *testing.T) {
	c := &Catalog{}
	for _, doc := range []string{
		"id: a\nname: A\nevent_path: e\nevents:\n  - name: shared\n    sample: '{}'\n  - name: only.a\n    sample: '{}'\n",
		"id: b\nname: B\nevent_path: e\nevents:\n  - name: shared\n    sample: '{}'\n",
	} {
		p, err := Parse("x.yaml", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		c.Providers = append(c.Providers, p)
	}
	if e, err := c.Find("only.a", ""); err != nil || e.Provider().ID != "a" {
		t.Errorf("unique name: %v", err)
	}
	if _, err := c.Find("shared", ""); err == nil || !strings.Contains(err.Error(), "a, b") || !strings.Contains(err.Error(), "--provider") {
		t.Errorf("ambiguous name: %v", err)
	}
	if e, err := c.Find("shared", "b"); err != nil || e.Provider().ID != "b" {
		t.Errorf("with --provider: %v", err)
	}
	if _, err := c.Find("nope", "a"); err == nil || !strings.Contains(err.Error(), "shared, only.a") {
		t.Errorf("unknown event of a provider: %v", err)
	}
	if _, err := c.Find("x", "zzz"); err == nil || !strings.Contains(err.Error(), "known: a, b") {
		t.Errorf("unknown provider: %v", err)
	}
}

func TestEditsKeepOtherBytes(t *testing.T) {
	body := []byte("{\n  \"event\": \"x\",\n  \"data\": {\n    \"amount\": 100,\n    \"note\": \"keep  me\"\n  }\n}\n")
	var edits []Edit
	for _, s := range []struct {
		arg      string
		asString bool
	}{{"data.amount=2500", false}, {`data.narration="Rent"`, false}, {"data.ref=abc", false}, {"data.code=007", true}} {
		e, err := ParseSet(s.arg, s.asString)
		if err != nil {
			t.Fatal(err)
		}
		edits = append(edits, e)
	}
	out, err := Apply(body, edits)
	if err != nil {
		t.Fatal(err)
	}
	if gjson.GetBytes(out, "data.amount").Raw != "2500" || gjson.GetBytes(out, "data.narration").String() != "Rent" ||
		gjson.GetBytes(out, "data.ref").String() != "abc" || gjson.GetBytes(out, "data.code").Raw != `"007"` {
		t.Errorf("edits did not land:\n%s", out)
	}
	if !bytes.HasPrefix(out, []byte("{\n  \"event\": \"x\",\n  \"data\": {\n    \"amount\": 2500,\n    \"note\": \"keep  me\"")) {
		t.Errorf("bytes around the edit changed:\n%s", out)
	}
	out, err = Apply(out, []Edit{{Path: "data.note", Unset: true}})
	if err != nil || gjson.GetBytes(out, "data.note").Exists() {
		t.Errorf("unset: %v\n%s", err, out)
	}
	if _, err := Apply(out, []Edit{{Path: "data.missing", Unset: true}}); err == nil {
		t.Error("unsetting a missing field is not an error")
	}
	if _, err := ParseSet("novalue", false); err == nil {
		t.Error("--set without = accepted")
	}
	if _, err := Apply([]byte("not json"), edits[:1]); err == nil {
		t.Error("editing a non-JSON body is not an error")
	}
}

// A provider's retry schedule is a list of waits; the seed providers that
// say they retry but not when carry only a note.
func TestRetrySchedule(t *testing.T) {
	doc := "id: t\nname: T\nevent_path: e\nretry:\n  schedule: [30s, 5m, 2h]\n  note: documented\nevents:\n  - {name: a, sample: '{}'}\n"
	p, err := Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Retry.Waits(); len(w) != 3 || w[0] != 30*time.Second || w[2] != 2*time.Hour || p.Retry.Note != "documented" {
		t.Errorf("waits %v, note %q", w, p.Retry.Note)
	}
	for _, bad := range []string{"[0s]", "[-1m]", "[soon]", "[200h]", "[[1m]]", "{a: 1m}"} {
		d := strings.Replace(doc, "[30s, 5m, 2h]", bad, 1)
		if _, err := Parse("t.yaml", []byte(d)); err == nil || !strings.Contains(err.Error(), "t.yaml:") {
			t.Errorf("schedule %s: %v", bad, err)
		}
	}
	long := strings.Replace(doc, "[30s, 5m, 2h]", "["+strings.Repeat("1s, ", MaxRetries)+"1s]", 1)
	if _, err := Parse("t.yaml", []byte(long)); err == nil || !strings.Contains(err.Error(), "t.yaml:5: retry: a schedule has at most") {
		t.Errorf("a schedule of %d waits: %v", MaxRetries+1, err)
	}
	cat, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"aella", "payments"} {
		r := cat.Provider(id).Retry
		if len(r.Schedule) != 0 || !strings.Contains(r.Note, "publishes no schedule") {
			t.Errorf("%s: schedule %v, note %q", id, r.Schedule, r.Note)
		}
	}
}

// TestOnlyEvent: a provider whose payloads do not say what they are (no
// event_path, no event_header) has one event, and every delivery is it;
// a provider with a path or a header has none.
func TestOnlyEvent(t *testing.T) {
	p, err := Parse("one.yaml", []byte("id: one\nname: One\nevents:\n  - {name: notification, sample: '{\"list_folder\": {}}'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{"list_folder": {"accounts": ["dbid:1"]}}`, `{}`, ``, `not json`} {
		if got := p.EventOf(http.Header{}, []byte(body)); got != "notification" {
			t.Errorf("EventOf(%q) = %q, want notification", body, got)
		}
	}
	q, err := Parse("two.yaml", []byte("id: two\nname: Two\nevent_path: type\nevents:\n  - {name: a, sample: '{}'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := q.OnlyEvent(); got != "" {
		t.Errorf("OnlyEvent of a provider with event_path: %q", got)
	}
	if got := q.EventOf(http.Header{}, []byte(`{"type": "b"}`)); got != "b" {
		t.Errorf("EventOf with event_path: %q", got)
	}
}
