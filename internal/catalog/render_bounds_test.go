package catalog

import (
	"strings"
	"testing"
	"time"
)

// Template bombs are refused when the catalog is read, naming the file and
// line; what only shows when rendering (a count from a variable, output
// past the limit) fails the render quickly, with a message.
func TestSampleBombsAreRefused(t *testing.T) {
	doc := func(sample string) string {
		return "id: x\nname: X\nevent_path: e\nevents:\n  - name: a\n    sample: |\n      {\"e\": \"a\",\n" + sample + "\n      }\n"
	}
	parse := []struct{ name, sample, want string }{
		{"nested ranges", `       "x": "{{range 100000}}{{range 100000}}x{{end}}{{end}}"`, "bad.yaml:8: event a: sample: the ranges loop 10000100000 times, more than 100000"},
		{"one huge range", `       "x": "{{range 1000000000}}{{end}}"`, "bad.yaml:8: event a: sample: the ranges loop 1000000000 times, more than 100000"},
		{"sibling ranges", `       "x": "{{range 60000}}{{end}}{{range 60000}}{{end}}"`, "bad.yaml:8: event a: sample: the ranges loop 120000 times, more than 100000"},
		{"a range over a variable", `       "x": "{{$n := 5}}{{range $n}}x{{end}}"`, "bad.yaml:8: event a: sample: range takes a number such as {{range 3}}"},
		{"digits", `       "x": "{{digits "d" 3000000000}}"`, "bad.yaml:8: event a: sample: digits asks for 3000000000 characters, more than 4096"},
		{"alnum", `       "x": "{{alnum "d" 5000}}"`, "bad.yaml:8: event a: sample: alnum asks for 5000 characters"},
		{"hex negative", `       "x": "{{hex "d" -1}}"`, "bad.yaml:8: event a: sample: hex asks for -1 characters"},
		{"a template call", `       "x": "{{template "a"}}"`, "bad.yaml:8: event a: sample: a sample cannot call templates"},
	}
	for _, tc := range parse {
		start := time.Now()
		_, err := Parse("bad.yaml", []byte(doc(tc.sample)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %s", tc.name, took)
		}
	}
	render := []struct{ name, sample, want string }{
		{"digits from a variable", `       "x": "{{$n := 3000000000}}{{digits "d" $n}}"`, "digits asks for 3000000000 characters, more than 4096"},
		{"output past the limit", `       "x": "{{range 100000}}` + strings.Repeat("y", 100) + `{{end}}"`, "the sample renders to more than 4 MiB"},
		{"int across the whole range", `       "x": {{int "n" -9223372036854775808 9223372036854775807}}`, ""},
	}
	for _, tc := range render {
		p, err := Parse("bad.yaml", []byte(doc(tc.sample)))
		if err != nil {
			t.Errorf("%s: parse: %v", tc.name, err)
			continue
		}
		start := time.Now()
		out, err := p.Events[0].Render(time.Now())
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.yaml")):
			t.Errorf("%s: err = %v (%d bytes), want it to contain %q", tc.name, err, len(out), tc.want)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: took %s", tc.name, took)
		}
	}
}
