package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
)

// Hostile input to the commands: malformed config and provider files, and
// malformed or huge --set and --where expressions. Each is refused with
// exit 2 and an error that says where (file and line, or the flag), never
// a panic, never a secret in the message, and in bounded time.

const hostileLeak = "LEAKME-secret-value"

// hostileRun runs hooktool in-process and fails if it takes over limit.
func hostileRun(t *testing.T, limit time.Duration, args ...string) (int, string, string) {
	t.Helper()
	// A bound against work that grows out of hand (a quadratic parse of a
	// 1 MiB value is minutes), not a speed target: the race detector
	// makes everything some ten times slower, a loaded machine more.
	if secRaceEnabled() {
		limit *= 10
	}
	start := time.Now()
	code, out, errs := run(t, "", args...)
	if el := time.Since(start); el > limit {
		t.Errorf("hooktool %.80s took %v", strings.Join(args, " "), el)
	}
	if strings.Contains(out+errs, hostileLeak) {
		t.Errorf("hooktool %.80s printed a secret", strings.Join(args, " "))
	}
	return code, out, errs
}

func TestHostileConfigFiles(t *testing.T) {
	tests := []struct {
		name, doc string
		want      int
		stderr    []string
	}{
		{"malformed YAML", "scheme: github\nendpoints:\n  a: [unclosed\n", ExitError, []string{"config file bad.yaml: ", "line "}},
		{"tab indentation", "scheme: github\nsecret: x\n\tb: c\n", ExitError, []string{"config file bad.yaml: ", "line "}},
		{"endpoints: a list", "scheme: github\nsecret: x\nendpoints:\n  - name: a\n", ExitError, []string{"config file bad.yaml:4: endpoints must be a map"}},
		{"secret: a map", "scheme: github\nsecret:\n  v: " + hostileLeak + "\n", ExitError, []string{"config file bad.yaml:3: secret must be a string or a list of strings"}},
		{"tolerance: true", "scheme: github\nsecret: x\ntolerance: true\n", ExitError, []string{"config file bad.yaml:3: ", `tolerance "true" is not a duration`}},
		{"scheme: a list", "scheme: [github]\nsecret: x\n", ExitError, []string{"config file bad.yaml:1: scheme must be a single value"}},
		{"unknown key: a warning", "scheme: github\nsecret: x\nschme: stripe\n", ExitOK, []string{"warning: config file: unknown key schme (ignored)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sandbox(t)
			writeFile(t, "bad.yaml", []byte(tc.doc))
			writeFile(t, "body.json", []byte(`{"a":1}`))
			code, _, errs := hostileRun(t, 5*time.Second, "--config", "bad.yaml", "sign", "--payload", "body.json")
			if code != tc.want {
				t.Errorf("exit %d, want %d\n%s", code, tc.want, errs)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q, want %q", errs, w)
				}
			}
		})
	}
}

// hostileProvider is a valid provider file with one line replaced.
func hostileProvider(replace, with string) string {
	doc := "id: acme\nname: Acme\nevent_path: event\nevents:\n  - name: acme.paid\n    description: Paid.\n    sample: '{\"event\": \"acme.paid\", \"id\": \"{{uuid \"id\"}}\"}'\n"
	if replace == "" {
		return doc
	}
	if !strings.Contains(doc, replace) {
		panic(replace)
	}
	return strings.Replace(doc, replace, with, 1)
}

func TestHostileCatalogFiles(t *testing.T) {
	tests := []struct {
		name, doc string
		want      int
		stderr    string // for exit 2: where and what
	}{
		{"valid", hostileProvider("", ""), ExitOK, ""},
		{"malformed YAML", hostileProvider("name: Acme", "name: [Acme"), ExitError, "acme.yaml:1: did not find expected"},
		{"name: a list", hostileProvider("name: Acme", "name: [Acme, Inc]"), ExitError, "acme.yaml:2: cannot unmarshal !!seq into string"},
		{"events: a map", hostileProvider("events:\n", "events:\n  x: 1\nother:\n"), ExitError, "acme.yaml:"},
		{"events: a string", strings.Split(hostileProvider("", ""), "events:")[0] + "events: many\n", ExitError, "acme.yaml:4: cannot unmarshal"},
		{"unknown key", hostileProvider("event_path: event", "event_path: event\nevnt_path: e"), ExitError, "acme.yaml:4: field evnt_path not found"},
		{"unknown event key", hostileProvider("    description: Paid.", "    descripton: Paid."), ExitError, "acme.yaml:6: field descripton not found"},
		{"sample: a list", hostileProvider(`    sample: '{"event": "acme.paid", "id": "{{uuid "id"}}"}'`, "    sample: [1, 2]"), ExitError, "acme.yaml:7: cannot unmarshal !!seq into string"},
		{"sample: a map", hostileProvider(`    sample: '{"event": "acme.paid", "id": "{{uuid "id"}}"}'`, "    sample: {a: 1}"), ExitError, "acme.yaml:7: cannot unmarshal !!map into string"},
		{"sample: a number", hostileProvider(`    sample: '{"event": "acme.paid", "id": "{{uuid "id"}}"}'`, "    sample: 12"), ExitOK, ""},
		{"sample: a broken template", hostileProvider(`"{{uuid "id"}}"`, `"{{uuid "id"}"`), ExitError, "acme.yaml:7: event acme.paid: sample:"},
		{"illustrative: a string", hostileProvider("name: Acme", "name: Acme\nillustrative: perhaps"), ExitError, "acme.yaml:3: cannot unmarshal"},
		{"signing: a list", hostileProvider("name: Acme", "name: Acme\nsigning: [hmac]"), ExitError, "acme.yaml:3: cannot unmarshal"},
		{"signing: unknown scheme", hostileProvider("name: Acme", "name: Acme\nsigning:\n  scheme: rot13"), ExitError, "acme.yaml:4: signing: unknown scheme"},
		// A YAML merge key brings the events: it used to panic (index out
		// of range) where Parse looked for each event's line.
		{"events from a merge key", "id: acme\nname: Acme\nevent_path: event\n<<: {events: [{name: acme.paid, sample: '{\"event\": \"acme.paid\"}'}]}\n", ExitOK, ""},
		{"events from a merge key, broken sample", "id: acme\nname: Acme\nevent_path: event\n<<: {events: [{name: acme.paid, sample: '{{'}]}\n", ExitError, "acme.yaml:1: event acme.paid: sample:"},
		{"a 1 MiB name", hostileProvider("name: Acme", "name: "+strings.Repeat("A", 1<<20)), ExitOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sandbox(t)
			if err := os.Mkdir("hooks", 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join("hooks", "acme.yaml"), []byte(tc.doc))
			for _, args := range [][]string{
				{"providers", "--catalog", "hooks"},
				{"events", "show", "acme.paid", "--provider", "acme", "--catalog", "hooks"},
			} {
				code, out, errs := hostileRun(t, 5*time.Second, args...)
				if code != tc.want {
					t.Errorf("%s: exit %d, want %d\n%s", args[0], code, tc.want, errs)
				}
				if tc.want == ExitError && !strings.Contains(errs, filepath.Join("hooks", tc.stderr)) {
					t.Errorf("%s: stderr %q, want %q", args[0], errs, filepath.Join("hooks", tc.stderr))
				}
				if tc.want == ExitOK && args[0] == "events" && !strings.Contains(out, `"event"`) && !strings.Contains(out, "12") {
					t.Errorf("events show printed %q", out)
				}
			}
		})
	}
}

func TestHostileSetExpressions(t *testing.T) {
	sandbox(t)
	deep := strings.Repeat("a.", 1<<19) + "a" // 1 MiB, 524,289 parts
	tests := []struct {
		name   string
		flags  []string
		want   int
		stderr string
	}{
		{"no =", []string{"--set", "data.amount"}, ExitError, `--set "data.amount" is not path=value`},
		{"no path", []string{"--set", "=5"}, ExitError, `--set "=5" is not path=value`},
		{"--set-str without =", []string{"--set-str", "x"}, ExitError, `--set-str "x" is not path=value`},
		{"an index 10^11 past the end", []string{"--set", "data.x.99999999999=1"}, ExitError, "would pad arrays with more than 10000 nulls"},
		{"a numeric key on an object", []string{"--set", "data.77777757775=1"}, ExitOK, ""},
		{"an index into a string", []string{"--set", "event.77777757775=1"}, ExitError, "event is a string, not an object or array"},
		{"many indexes, each small", []string{"--set", strings.Repeat("9999.", 20) + "x=1"}, ExitError, "would pad arrays"},
		{"a 1 MiB path of 524,289 parts", []string{"--set", deep + "=1"}, ExitError, "the path has more than 1000 parts"},
		{"--unset of a 1 MiB path", []string{"--unset", deep}, ExitError, "no such field"},
		{"--unset of a missing field", []string{"--unset", "data.nope"}, ExitError, "--unset data.nope: no such field"},
		{"an index within reach", []string{"--set", "data.list.3=1"}, ExitOK, ""},
		{"a 1 MiB key", []string{"--set", strings.Repeat("k", 1<<20) + "=1"}, ExitOK, ""},
		{"a 1 MiB value", []string{"--set-str", "data.note=" + strings.Repeat("v", 1<<20)}, ExitOK, ""},
		{"a query path", []string{"--set", `data.#(x==1).y=2`}, ExitError, `path "data.#(x": '#' is gjson query syntax`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"events", "show", "payment.success", "--provider", "payments"}, tc.flags...)
			code, out, errs := hostileRun(t, 5*time.Second, args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d\n%.300s", code, tc.want, errs)
			}
			if tc.want == ExitError && (!strings.Contains(errs, tc.stderr) || out != "") {
				t.Errorf("stdout %.100q, stderr %.300q, want %q", out, errs, tc.stderr)
			}
		})
	}
}

func TestHostileWhereExpressions(t *testing.T) {
	sandbox(t)
	w, err := capture.Create("c.jsonl", false)
	if err != nil {
		t.Fatal(err)
	}
	rec := &capture.Record{V: capture.Version, ID: capture.NewID(time.Unix(1_800_000_000, 0)), ReceivedAt: time.Unix(1_800_000_000, 0).UTC(),
		Method: "POST", Path: "/hook", Headers: http.Header{"X-A": {"1"}}, Event: "x", Answer: capture.Answer{Status: 200}}
	rec.SetBody([]byte(`{"event":"x","a":{"a":1},"n":5}`))
	if err := w.Append(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mib := 1 << 20
	tests := []struct {
		name   string
		where  string
		want   int
		stderr string
	}{
		{"no operator", "n", ExitError, "has no operator"},
		{"a single =", "n=5", ExitError, "has no operator"},
		{"nothing left of the operator", "==5", ExitError, "has no operator"},
		{"nothing right of the operator", "n==", ExitError, "expected PATH==VALUE"},
		{"=<", "n=<5", ExitError, "unknown operator"},
		{"!<", "n!<5", ExitError, "unknown operator"},
		{"an unterminated quoted value", `event=="x`, ExitError, "not a valid quoted string"},
		{"a bad glob", "event~[", ExitError, "bad glob"},
		{"an operator only inside quotes", `"a==b"`, ExitError, "has no operator"},
		{"an operator only inside a query", "a.#(a==1)", ExitError, "has no operator"},
		{"1 MiB without an operator", strings.Repeat("a", mib), ExitError, "has no operator"},
		{"1 MiB of (", strings.Repeat("(", mib) + "==1", ExitError, "has no operator"},
		{"a 1 MiB bad glob", "a~" + strings.Repeat("[", mib), ExitError, "bad glob"},
		{"a 1 MiB unterminated value", "a==" + strings.Repeat(`"`, mib), ExitError, "not a valid quoted string"},
		// Well formed, however long: they select nothing, quickly.
		{"a 1 MiB path of 524,289 parts", strings.Repeat("a.", mib/2) + "a==1", ExitOK, ""},
		{"a 1 MiB header name", "header." + strings.Repeat("x", mib) + "==1", ExitOK, ""},
		{"a 64 KiB glob of stars", "event~" + strings.Repeat("*", 64<<10) + "y", ExitOK, ""},
		{"65,536 nested queries", strings.Repeat("#(a==1)#.", 1<<16) + "a==1", ExitOK, ""},
		{"a match", "n>=5", ExitOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := hostileRun(t, 5*time.Second, "captures", "list", "c.jsonl", "--where", tc.where)
			if code != tc.want {
				t.Fatalf("exit %d, want %d\n%.300s", code, tc.want, errs)
			}
			if tc.want == ExitError && (!strings.Contains(errs, "--where") || !strings.Contains(errs, tc.stderr)) {
				t.Errorf("stderr %.300q, want --where and %q", errs, tc.stderr)
			}
			if tc.want == ExitOK && strings.Contains(out, rec.ID) != (tc.name == "a match") {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

// TestHostileMaxBody: a --max-body that overflows int64 used to wrap to a
// negative limit, which the listener reads as none at all.
func TestHostileMaxBody(t *testing.T) {
	sandbox(t)
	for _, size := range []string{"8589934592g", "9223372036854775807k", "99999999999999999999", "-1", "0", "5XB"} {
		code, _, errs := hostileRun(t, 10*time.Second, "listen", "--port", "0", "--timeout", "1s", "--max-body", size)
		if code != ExitError || !strings.Contains(errs, "--max-body") {
			t.Errorf("--max-body %s: exit %d, stderr %q; want a usage error", size, code, errs)
		}
	}
}
