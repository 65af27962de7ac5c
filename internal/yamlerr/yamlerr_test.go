package yamlerr

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestInNamesFileAndLine(t *testing.T) {
	var v map[string]any
	err := yaml.Unmarshal([]byte("a: 1\nb: [unclosed\nc: 2\n"), &v)
	got := In("f.yaml", err).Error()
	if !strings.HasPrefix(got, "f.yaml:") || strings.Contains(got, "yaml: line") || strings.Contains(got, "\n") {
		t.Errorf("syntax error = %q, want one f.yaml:N: line", got)
	}

	// Type errors: every problem on a line of its own, in line order.
	var typed struct {
		A int `yaml:"a"`
		B int `yaml:"b"`
	}
	err = yaml.Unmarshal([]byte("b: x\na: y\n"), &typed)
	got = In("t.yaml", err).Error()
	lines := strings.Split(got, "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "t.yaml:1: cannot unmarshal") || !strings.HasPrefix(lines[1], "t.yaml:2: cannot unmarshal") {
		t.Errorf("type errors =\n%s", got)
	}

	// A message without a line names the file alone.
	if got := In("z.yaml", errors.New("yaml: control characters are not allowed")).Error(); got != "z.yaml: control characters are not allowed" {
		t.Errorf("no line: %q", got)
	}
	if In("x", nil) != nil {
		t.Error("In(nil) is not nil")
	}
	// An *Error passes through, whatever file it is handed.
	e := At("a.yaml", 3, "step %s has no event", "paid")
	if got := In("b.yaml", e); got != e || got.Error() != "a.yaml:3: step paid has no event" {
		t.Errorf("In(*Error) = %v", got)
	}
}

func TestHideValues(t *testing.T) {
	var v struct {
		Secret int `yaml:"secret"`
	}
	for _, doc := range []string{"secret: leak'x\n", "secret: \"leak\"\n", "secret: !!str leak\n"} {
		err := yaml.Unmarshal([]byte(doc), &v)
		if err == nil {
			t.Fatalf("%q decoded", doc)
		}
		if got := In("c.yaml", err, HideValues()).Error(); strings.Contains(got, "leak") || !strings.HasPrefix(got, "c.yaml:1: ") {
			t.Errorf("%q: %q shows the value or lost the line", doc, got)
		}
		if got := In("c.yaml", err).Error(); !strings.Contains(got, "leak") {
			t.Errorf("without HideValues the value is hidden too: %q", got)
		}
	}
}

type step struct {
	Name  string `yaml:"name"`
	Event string `yaml:"event"`
	Inner `yaml:",inline"`
	skip  int
	Never string `yaml:"-"`
}

type Inner struct {
	Delay string `yaml:"delay"`
}

func TestKnownKeys(t *testing.T) {
	var s step
	dec := yaml.NewDecoder(strings.NewReader("name: a\nevnt: b\n"))
	dec.KnownFields(true)
	err := dec.Decode(&s)
	if got := In("s.yaml", err, KnownKeys(step{})).Error(); got != `s.yaml:2: unknown key "evnt" (known: name, event, delay)` {
		t.Errorf("got %q", got)
	}
	// Other types keep the parser's words.
	if got := In("s.yaml", err).Error(); !strings.HasPrefix(got, "s.yaml:2: field evnt not found in type yamlerr.step") {
		t.Errorf("got %q", got)
	}
}
