package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// A scenario file is decoded by yaml.v3 into the types below, with
// Decoder.KnownFields: a key no type names is an error. The struct types
// use yaml.v3's older Unmarshaler form, whose unmarshal function keeps the
// decoder's KnownFields for what it decodes (Node.Decode would not), to
// learn their line first; the leaf types check their own node.

// The keys of a file, of a scenario, of a step and of a probe.
type (
	listYAML struct {
		Scenarios scenarioList `yaml:"scenarios"`
	}
	scenarioYAML struct {
		ID          string    `yaml:"id"`
		Description string    `yaml:"description"`
		Provider    string    `yaml:"provider"`
		Steps       stepList  `yaml:"steps"`
		Probes      probeList `yaml:"probes"`
		Reset       string    `yaml:"reset"`
	}
	stepYAML struct {
		Name     string     `yaml:"name"`
		Event    string     `yaml:"event"`
		Provider string     `yaml:"provider"`
		Set      setYAML    `yaml:"set"`
		Unset    unsetYAML  `yaml:"unset"`
		Delay    delayYAML  `yaml:"delay"`
		Times    timesYAML  `yaml:"times"`
		Expect   expectYAML `yaml:"expect"`
	}
	probeYAML struct {
		Request string    `yaml:"request"`
		Expect  condsYAML `yaml:"expect"`
	}
)

// knownKeys words an unknown key with the keys that are known.
var knownKeys = yamlerr.KnownKeys(listYAML{}, scenarioYAML{}, stepYAML{}, probeYAML{})

// fileYAML is a file: a list under scenarios:, or one scenario.
type fileYAML struct {
	Scenarios []scenarioYAMLAt
	line      int // of scenarios:
}

type scenarioYAMLAt struct {
	scenarioYAML
	line int
}

type stepYAMLAt struct {
	stepYAML
	line int
}

type probeYAMLAt struct {
	probeYAML
	line int
}

type (
	scenarioList []scenarioYAMLAt
	stepList     []stepYAMLAt
	probeList    []probeYAMLAt
)

// problem is an error at n's line, in the form yaml.v3 gives its own, so
// that decoding goes on and every problem is told.
func problem(n *yaml.Node, format string, a ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, fmt.Sprintf(format, a...))}}
}

// nodeCatcher keeps the node it is decoded from.
type nodeCatcher struct{ n *yaml.Node }

func (c *nodeCatcher) UnmarshalYAML(n *yaml.Node) error { c.n = n; return nil }

// nodeOf is the node an older-form unmarshal function decodes from.
func nodeOf(unmarshal func(any) error) *yaml.Node {
	var c nodeCatcher
	_ = unmarshal(&c)
	return c.n
}

func (f *fileYAML) UnmarshalYAML(unmarshal func(any) error) error {
	n := nodeOf(unmarshal)
	if n.Kind != yaml.MappingNode {
		return problem(n, "expected a mapping with scenarios: or steps:")
	}
	for i := 0; i < len(n.Content); i += 2 {
		if n.Content[i].Value == "scenarios" {
			f.line = n.Content[i].Line
			var list listYAML
			err := unmarshal(&list)
			f.Scenarios = list.Scenarios
			return err
		}
	}
	var one scenarioYAMLAt
	err := unmarshal(&one)
	f.Scenarios = []scenarioYAMLAt{one}
	return err
}

func (s *scenarioYAMLAt) UnmarshalYAML(u func(any) error) error {
	return mapping(u, "a scenario", &s.line, &s.scenarioYAML)
}
func (s *stepYAMLAt) UnmarshalYAML(u func(any) error) error {
	return mapping(u, "a step", &s.line, &s.stepYAML)
}
func (p *probeYAMLAt) UnmarshalYAML(u func(any) error) error {
	return mapping(u, "a probe", &p.line, &p.probeYAML)
}

// mapping decodes a YAML mapping into out, noting its line, or says that
// what must be one.
func mapping(unmarshal func(any) error, what string, line *int, out any) error {
	n := nodeOf(unmarshal)
	if *line = n.Line; n.Kind != yaml.MappingNode {
		return problem(n, "%s must be a mapping", what)
	}
	return unmarshal(out)
}

// list decodes a YAML list into out, or says that key must be one.
func list(unmarshal func(any) error, key string, out any) error {
	if n := nodeOf(unmarshal); n.Kind != yaml.SequenceNode {
		return problem(n, "%s: must be a list", key)
	}
	return unmarshal(out)
}

func (l *scenarioList) UnmarshalYAML(u func(any) error) error {
	return list(u, "scenarios", (*[]scenarioYAMLAt)(l))
}
func (l *stepList) UnmarshalYAML(u func(any) error) error {
	return list(u, "steps", (*[]stepYAMLAt)(l))
}
func (l *probeList) UnmarshalYAML(u func(any) error) error {
	return list(u, "probes", (*[]probeYAMLAt)(l))
}

// setYAML is a step's set:, its assignments in the file's order, merge
// keys (<<: *base) merged as YAML says: the mapping's own keys win, then
// the merged mappings in the order given.
type setYAML []Assign

func (s *setYAML) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return problem(n, "set: must map paths to values")
	}
	pairs, err := mergedPairs(n)
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		var v any
		if err := kv[1].Decode(&v); err != nil {
			return err
		}
		if _, err := json.Marshal(v); err != nil {
			return problem(kv[1], "set %s: %v", kv[0].Value, err)
		}
		*s = append(*s, Assign{Path: kv[0].Value, Value: v, Line: kv[1].Line})
	}
	return nil
}

// mergedPairs lists a mapping's key and value nodes with its merge keys
// resolved: a key seen before (the mapping's own first) is left out.
func mergedPairs(n *yaml.Node) ([][2]*yaml.Node, error) {
	seen := map[string]bool{}
	var own, merged [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind == yaml.ScalarNode && k.Tag != "!!merge" && !seen[k.Value] {
			seen[k.Value] = true
			own = append(own, [2]*yaml.Node{k, n.Content[i+1]})
		} else if k.Kind == yaml.ScalarNode && k.Tag != "!!merge" {
			return nil, problem(k, "set %s is given twice", k.Value)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Tag != "!!merge" {
			continue
		}
		from := deref(n.Content[i+1])
		sources := []*yaml.Node{from}
		if from.Kind == yaml.SequenceNode {
			sources = from.Content
		}
		for _, src := range sources {
			src = deref(src)
			if src.Kind != yaml.MappingNode {
				return nil, problem(src, "set: << merges a mapping or a list of them")
			}
			pairs, err := mergedPairs(src)
			if err != nil {
				return nil, err
			}
			for _, kv := range pairs {
				if !seen[kv[0].Value] {
					seen[kv[0].Value] = true
					merged = append(merged, kv)
				}
			}
		}
	}
	return append(merged, own...), nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// unsetYAML is a step's unset:, a list of paths.
type unsetYAML []string

func (u *unsetYAML) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return problem(n, "unset: must be a list of paths")
	}
	return n.Decode((*[]string)(u))
}

type delayYAML time.Duration

func (d *delayYAML) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 {
		return problem(n, "delay %q is not a duration such as 500ms", n.Value)
	}
	*d = delayYAML(v)
	return nil
}

// timesYAML is 0 when not given (once).
type timesYAML int

func (t *timesYAML) UnmarshalYAML(n *yaml.Node) error {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 1 || v > MaxTimes {
		return problem(n, "times must be 1 to %d", MaxTimes)
	}
	*t = timesYAML(v)
	return nil
}

// expectYAML is a status, class or range, or a list of them (either);
// ParseExpect reads it once the step is known.
type expectYAML string

func (e *expectYAML) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*e = expectYAML(n.Value)
		return nil
	case yaml.SequenceNode:
		var items []string
		for _, it := range n.Content {
			if it = deref(it); it.Kind != yaml.ScalarNode {
				return problem(it, "expect must be a status, a class such as 2xx, a range, or a list of them")
			}
			items = append(items, it.Value)
		}
		*e = expectYAML(strings.Join(items, ","))
		return nil
	}
	return problem(n, "expect must be a status, a class such as 2xx, a range, or a list of them")
}

// condsYAML is a probe's expect:, one condition or a list.
type condsYAML []capture.Cond

func (c *condsYAML) UnmarshalYAML(n *yaml.Node) error {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for _, it := range items {
		it = deref(it)
		cond, err := capture.ParseCond(it.Value)
		if it.Kind != yaml.ScalarNode || err != nil {
			if err == nil {
				err = errors.New("a condition is text, such as 'status==\"paid\"'")
			}
			return problem(it, "probe expect: %v", err)
		}
		*c = append(*c, cond)
	}
	return nil
}

var refPattern = regexp.MustCompile(`\{\{\s*steps\.([A-Za-z0-9_-]+)\.([^}]+?)\s*\}\}`)

// Parse reads a scenario file. Errors name the file and line, one a line.
func Parse(file string, data []byte) ([]*Scenario, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc fileYAML
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, yamlerr.At(file, 0, "the file is empty")
		}
		return nil, yamlerr.In(file, err, knownKeys)
	}
	if len(doc.Scenarios) == 0 {
		return nil, yamlerr.At(file, doc.line, "scenarios: lists no scenario")
	}
	var out []*Scenario
	seen := map[string]int{}
	for _, sd := range doc.Scenarios {
		s, err := sd.scenario(file)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[s.ID]; dup {
			return nil, yamlerr.At(file, sd.line, "scenario %s is defined twice (first on line %d)", s.ID, first)
		}
		seen[s.ID] = sd.line
		out = append(out, s)
	}
	return out, nil
}

func (sd *scenarioYAMLAt) scenario(file string) (*Scenario, error) {
	s := &Scenario{ID: sd.ID, Description: sd.Description, Provider: sd.Provider, File: file, Line: sd.line}
	if s.ID == "" {
		if file == "" || strings.HasPrefix(file, "builtin:") {
			return nil, yamlerr.At(file, sd.line, "a scenario has no id")
		}
		s.ID = strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".yaml"), ".yml")
	}
	if len(sd.Steps) == 0 {
		return nil, yamlerr.At(file, sd.line, "scenario %s has no steps", s.ID)
	}
	earlier := map[string]bool{}
	for i := range sd.Steps {
		st, err := sd.Steps[i].step(file, i, s.ID, earlier)
		if err != nil {
			return nil, err
		}
		earlier[st.Name] = true
		s.Steps = append(s.Steps, st)
	}
	if sd.Reset != "" {
		r, err := ParseReset(sd.Reset)
		if err != nil {
			return nil, yamlerr.At(file, sd.line, "%v", err)
		}
		s.Reset = r
	}
	for _, pd := range sd.Probes {
		p, err := ParseProbe(pd.Request)
		if err != nil {
			return nil, yamlerr.At(file, pd.line, "%v", err)
		}
		p.Line, p.Expect = pd.line, pd.Expect
		s.Probes = append(s.Probes, p)
	}
	return s, nil
}

func (sd *stepYAMLAt) step(file string, i int, scenarioID string, earlier map[string]bool) (*Step, error) {
	st := &Step{Name: sd.Name, Event: sd.Event, Provider: sd.Provider, Set: sd.Set, Unset: sd.Unset,
		Delay: time.Duration(sd.Delay), Times: max(int(sd.Times), 1), Line: sd.line}
	if st.Name == "" {
		st.Name = fmt.Sprintf("step%d", i+1)
	}
	if earlier[st.Name] {
		return nil, yamlerr.At(file, sd.line, "step name %s is used twice", st.Name)
	}
	if st.Event == "" {
		return nil, yamlerr.At(file, sd.line, "step %s has no event", st.Name)
	}
	e, err := ParseExpect(string(sd.Expect))
	if err != nil {
		return nil, yamlerr.At(file, sd.line, "%v", err)
	}
	st.Expect = e
	for _, a := range st.Set {
		for _, text := range textsIn(a.Value) {
			for _, m := range refPattern.FindAllStringSubmatch(text, -1) {
				if !earlier[m[1]] {
					return nil, yamlerr.At(file, a.Line, "set %s refers to step %q, which is not an earlier step of %s", a.Path, m[1], scenarioID)
				}
			}
			if strings.Contains(text, "{{") && !refPattern.MatchString(text) {
				return nil, yamlerr.At(file, a.Line, "set %s: a reference is written {{ steps.NAME.PATH }}", a.Path)
			}
		}
	}
	return st, nil
}

// textsIn lists every string in a value decoded from YAML, however deep.
func textsIn(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, textsIn(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			out = append(out, textsIn(x[k])...)
		}
		return out
	}
	return nil
}
