// Package scenario runs event flows against a receiver: ordered steps of a
// provider's events that share ids, delivered with the disorders real
// providers cause (duplicates, races, shuffles, jitter, retry storms), and
// checks the receiver's answers and, with probes, its state.
package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/userfile"
	"go.yaml.in/yaml/v3"
)

// Scenario is one flow.
type Scenario struct {
	ID          string
	Description string
	Provider    string
	Steps       []*Step
	Probes      []*Probe
	File        string
	Line        int
}

// Step is one event to deliver.
type Step struct {
	Name     string
	Event    string
	Provider string // the scenario's when empty
	Set      []Assign
	Unset    []string
	Delay    time.Duration
	Times    int
	Expect   Expect
	Line     int
}

// Assign sets a field: Value is JSON text, possibly holding references
// {{ steps.NAME.PATH }} to earlier steps' payloads.
type Assign struct {
	Path  string
	Value string
	// Text is true when Value is a YAML string: the result is a JSON string,
	// unless it is one reference alone, which keeps the referenced JSON.
	Text bool
}

// Probe asks the receiver about its state after the flow.
type Probe struct {
	Method, URL string
	Expect      []capture.Cond
	Line        int
}

// Expect is the answers a step accepts: "2xx" (the default), "200",
// "4xx,409", "200-299".
type Expect struct {
	text   string
	ranges [][2]int
}

// ParseExpect reads an expectation.
func ParseExpect(s string) (Expect, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		s = "2xx"
	}
	e := Expect{text: s}
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		switch {
		case len(part) == 3 && strings.HasSuffix(part, "xx") && part[0] >= '1' && part[0] <= '5':
			lo := int(part[0]-'0') * 100
			e.ranges = append(e.ranges, [2]int{lo, lo + 99})
		case strings.Contains(part, "-"):
			a, b, _ := strings.Cut(part, "-")
			lo, err1 := strconv.Atoi(a)
			hi, err2 := strconv.Atoi(b)
			if err1 != nil || err2 != nil || lo > hi {
				return Expect{}, fmt.Errorf("expect %q: %q is not a status range", s, part)
			}
			e.ranges = append(e.ranges, [2]int{lo, hi})
		default:
			n, err := strconv.Atoi(part)
			if err != nil || n < 100 || n > 599 {
				return Expect{}, fmt.Errorf("expect %q: %q is not a status, a class such as 2xx, or a range", s, part)
			}
			e.ranges = append(e.ranges, [2]int{n, n})
		}
	}
	return e, nil
}

// Accepts reports whether a status meets the expectation.
func (e Expect) Accepts(status int) bool {
	for _, r := range e.ranges {
		if status >= r[0] && status <= r[1] {
			return true
		}
	}
	return false
}

func (e Expect) String() string { return e.text }

// Library is the scenarios in effect: built-in ones and the user's.
type Library struct {
	Scenarios []*Scenario
}

// Find returns a scenario by id.
func (l *Library) Find(id string) *Scenario {
	for _, s := range l.Scenarios {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// IDs lists the scenarios' ids.
func (l *Library) IDs() []string {
	out := make([]string, len(l.Scenarios))
	for i, s := range l.Scenarios {
		out[i] = s.ID
	}
	return out
}

// Load parses built-in files (name → content) and then the YAML files of
// each directory in dirs (a missing directory is skipped); an id defined
// again replaces the earlier one.
func Load(builtin map[string][]byte, dirs ...string) (*Library, error) {
	byID := map[string]*Scenario{}
	names := make([]string, 0, len(builtin))
	for n := range builtin {
		names = append(names, n)
	}
	sort.Strings(names)
	add := func(file string, data []byte) error {
		list, err := Parse(file, data)
		if err != nil {
			return err
		}
		for _, s := range list {
			byID[s.ID] = s
		}
		return nil
	}
	for _, n := range names {
		if err := add(n, builtin[n]); err != nil {
			return nil, err
		}
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				continue
			}
			path := filepath.Join(dir, e.Name())
			data, err := userfile.Read(path, userfile.MaxConfig)
			if err != nil {
				return nil, err
			}
			// A provider file shares the catalog directory: only files with
			// scenarios are scenario files.
			if !catalog.IsScenarioFile(data) {
				continue
			}
			if err := add(path, data); err != nil {
				return nil, err
			}
		}
	}
	l := &Library{}
	for _, s := range byID {
		l.Scenarios = append(l.Scenarios, s)
	}
	sort.Slice(l.Scenarios, func(i, j int) bool { return l.Scenarios[i].ID < l.Scenarios[j].ID })
	return l, nil
}

// LoadFile parses one scenario file (a list under scenarios:, or one
// scenario at the top level).
func LoadFile(path string) ([]*Scenario, error) {
	data, err := userfile.Read(path, userfile.MaxConfig)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

var refPattern = regexp.MustCompile(`\{\{\s*steps\.([A-Za-z0-9_-]+)\.([^}]+?)\s*\}\}`)

// Parse reads a scenario file. Errors name the file and line.
func Parse(file string, data []byte) ([]*Scenario, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", file)
	}
	root := deref(doc.Content[0])
	at := func(n *yaml.Node, format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", file, n.Line, fmt.Sprintf(format, a...))
	}
	if root.Kind != yaml.MappingNode {
		return nil, at(root, "expected a mapping with scenarios: or steps:")
	}
	var nodes []*yaml.Node
	if list := value(root, "scenarios"); list != nil {
		if list.Kind != yaml.SequenceNode {
			return nil, at(list, "scenarios: must be a list")
		}
		nodes = list.Content
	} else {
		nodes = []*yaml.Node{root}
	}
	var out []*Scenario
	seen := map[string]int{}
	for _, n := range nodes {
		s, err := parseScenario(file, deref(n), at)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[s.ID]; dup {
			return nil, at(n, "scenario %s is defined twice (first on line %d)", s.ID, first)
		}
		seen[s.ID] = n.Line
		out = append(out, s)
	}
	return out, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func value(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

func scalar(m *yaml.Node, key string) string {
	if v := value(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func checkKeys(n *yaml.Node, allowed []string, at func(*yaml.Node, string, ...any) error) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ok := false
		for _, a := range allowed {
			ok = ok || k.Value == a
		}
		if !ok {
			return at(k, "unknown key %q (known: %s)", k.Value, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func parseScenario(file string, n *yaml.Node, at func(*yaml.Node, string, ...any) error) (*Scenario, error) {
	if n.Kind != yaml.MappingNode {
		return nil, at(n, "a scenario must be a mapping")
	}
	if err := checkKeys(n, []string{"id", "description", "provider", "steps", "probes"}, at); err != nil {
		return nil, err
	}
	s := &Scenario{ID: scalar(n, "id"), Description: scalar(n, "description"), Provider: scalar(n, "provider"), File: file, Line: n.Line}
	if s.ID == "" {
		if file != "" && !strings.HasPrefix(file, "builtin:") {
			s.ID = strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".yaml"), ".yml")
		} else {
			return nil, at(n, "a scenario has no id")
		}
	}
	steps := value(n, "steps")
	if steps == nil || steps.Kind != yaml.SequenceNode || len(steps.Content) == 0 {
		return nil, at(n, "scenario %s has no steps", s.ID)
	}
	names := map[string]bool{}
	for i, sn := range steps.Content {
		sn = deref(sn)
		step, err := parseStep(sn, i, s, names, at)
		if err != nil {
			return nil, err
		}
		names[step.Name] = true
		s.Steps = append(s.Steps, step)
	}
	if probes := value(n, "probes"); probes != nil {
		if probes.Kind != yaml.SequenceNode {
			return nil, at(probes, "probes: must be a list")
		}
		for _, pn := range probes.Content {
			pn = deref(pn)
			if err := checkKeys(pn, []string{"request", "expect"}, at); err != nil {
				return nil, err
			}
			p, err := ParseProbe(scalar(pn, "request"))
			if err != nil {
				return nil, at(pn, "%v", err)
			}
			p.Line = pn.Line
			if ex := value(pn, "expect"); ex != nil {
				items := []*yaml.Node{ex}
				if ex.Kind == yaml.SequenceNode {
					items = ex.Content
				}
				for _, it := range items {
					c, err := capture.ParseCond(deref(it).Value)
					if err != nil {
						return nil, at(it, "probe expect: %v", err)
					}
					p.Expect = append(p.Expect, c)
				}
			}
			s.Probes = append(s.Probes, p)
		}
	}
	return s, nil
}

func parseStep(n *yaml.Node, i int, s *Scenario, earlier map[string]bool, at func(*yaml.Node, string, ...any) error) (*Step, error) {
	if n.Kind != yaml.MappingNode {
		return nil, at(n, "a step must be a mapping")
	}
	if err := checkKeys(n, []string{"name", "event", "provider", "set", "unset", "delay", "times", "expect"}, at); err != nil {
		return nil, err
	}
	st := &Step{Name: scalar(n, "name"), Event: scalar(n, "event"), Provider: scalar(n, "provider"), Times: 1, Line: n.Line}
	if st.Name == "" {
		st.Name = fmt.Sprintf("step%d", i+1)
	}
	if earlier[st.Name] {
		return nil, at(n, "step name %s is used twice", st.Name)
	}
	if st.Event == "" {
		return nil, at(n, "step %s has no event", st.Name)
	}
	if d := scalar(n, "delay"); d != "" {
		v, err := time.ParseDuration(d)
		if err != nil || v < 0 {
			return nil, at(value(n, "delay"), "delay %q is not a duration such as 500ms", d)
		}
		st.Delay = v
	}
	if t := scalar(n, "times"); t != "" {
		v, err := strconv.Atoi(t)
		if err != nil || v < 1 || v > MaxTimes {
			return nil, at(value(n, "times"), "times must be 1 to %d", MaxTimes)
		}
		st.Times = v
	}
	expect := scalar(n, "expect")
	if v := value(n, "expect"); v != nil && v.Kind == yaml.SequenceNode {
		// expect: [409, 422] means either.
		var items []string
		for _, it := range v.Content {
			items = append(items, deref(it).Value)
		}
		expect = strings.Join(items, ",")
	} else if v != nil && v.Kind != yaml.ScalarNode {
		return nil, at(v, "expect must be a status, a class such as 2xx, a range, or a list of them")
	}
	e, err := ParseExpect(expect)
	if err != nil {
		return nil, at(n, "%v", err)
	}
	st.Expect = e
	if set := value(n, "set"); set != nil {
		if set.Kind != yaml.MappingNode {
			return nil, at(set, "set: must map paths to values")
		}
		for j := 0; j+1 < len(set.Content); j += 2 {
			k, v := set.Content[j], deref(set.Content[j+1])
			a := Assign{Path: k.Value}
			if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
				a.Value, a.Text = v.Value, true
			} else {
				var x any
				if err := v.Decode(&x); err != nil {
					return nil, at(v, "set %s: %v", k.Value, err)
				}
				raw, err := json.Marshal(x)
				if err != nil {
					return nil, at(v, "set %s: %v", k.Value, err)
				}
				a.Value = string(raw)
			}
			for _, m := range refPattern.FindAllStringSubmatch(a.Value, -1) {
				if !earlier[m[1]] {
					return nil, at(v, "set %s refers to step %q, which is not an earlier step of %s", k.Value, m[1], s.ID)
				}
			}
			if strings.Contains(a.Value, "{{") && !refPattern.MatchString(a.Value) {
				return nil, at(v, "set %s: a reference is written {{ steps.NAME.PATH }}", k.Value)
			}
			st.Set = append(st.Set, a)
		}
	}
	if un := value(n, "unset"); un != nil {
		if un.Kind != yaml.SequenceNode {
			return nil, at(un, "unset: must be a list of paths")
		}
		for _, p := range un.Content {
			st.Unset = append(st.Unset, deref(p).Value)
		}
	}
	return st, nil
}

// ParseProbe reads "METHOD URL" (or just a URL, for GET).
func ParseProbe(s string) (*Probe, error) {
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		return &Probe{Method: "GET", URL: f[0]}, nil
	case 2:
		return &Probe{Method: strings.ToUpper(f[0]), URL: f[1]}, nil
	}
	return nil, fmt.Errorf("probe %q: expected 'METHOD URL'", s)
}

// resolve expands the references in an assignment against the payloads of
// earlier steps.
func (a Assign) resolve(bodies map[string][]byte) ([]byte, error) {
	if !a.Text {
		return []byte(a.Value), nil
	}
	if m := refPattern.FindStringSubmatch(a.Value); m != nil && m[0] == strings.TrimSpace(a.Value) {
		v, err := lookup(bodies, m[1], m[2])
		if err != nil {
			return nil, err
		}
		return []byte(v.Raw), nil
	}
	var firstErr error
	out := refPattern.ReplaceAllStringFunc(a.Value, func(ref string) string {
		m := refPattern.FindStringSubmatch(ref)
		v, err := lookup(bodies, m[1], m[2])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v.String()
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return json.Marshal(out)
}

// Rendered is a step's payload, built once and sent as often as asked.
type Rendered struct {
	Step *Step
	Body []byte
}
