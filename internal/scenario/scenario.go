// Package scenario runs event flows against a receiver: ordered steps of a
// provider's events that share ids, delivered with the disorders real
// providers cause (duplicates, races, shuffles, jitter, retry storms), and
// checks the receiver's answers and, with probes, its state.
package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/userfile"
	"github.com/hooktool/hooktool/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// Scenario is one flow.
type Scenario struct {
	ID          string
	Description string
	Provider    string
	Steps       []*Step
	Probes      []*Probe
	// Reset puts the receiver back in its first state, for an idempotency
	// check (Idempotency.Reset); nil when the file has none.
	Reset *Probe
	File  string
	Line  int
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

// Assign sets a field to a value decoded from YAML (strings, numbers,
// booleans, nil, []any, map[string]any). Any string in it, however deep,
// may hold references {{ steps.NAME.PATH }} to earlier steps' payloads: a
// string that is one reference alone takes the referenced JSON value, any
// other is text with the references' values in it.
type Assign struct {
	Path  string
	Value any
	Line  int
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
// again replaces the earlier one. A file that cannot be read or parsed
// does not hide the others: the library holds every scenario that could be
// read, and the error names each broken file (file:line: what), one a line.
func Load(builtin map[string][]byte, dirs ...string) (*Library, error) {
	byID := map[string]*Scenario{}
	var errs []error
	add := func(file string, data []byte) {
		list, err := Parse(file, data)
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, s := range list {
			byID[s.ID] = s
		}
	}
	for _, n := range slices.Sorted(maps.Keys(builtin)) {
		add(n, builtin[n])
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
				errs = append(errs, err)
				continue
			}
			// A provider file shares the catalog directory: only files with
			// scenarios are scenario files. One that is not YAML at all
			// may have been either, and is broken whichever it was.
			if !catalog.IsScenarioFile(data) {
				var doc yaml.Node
				if err := yaml.Unmarshal(data, &doc); err != nil {
					errs = append(errs, yamlerr.In(path, err))
				}
				continue
			}
			add(path, data)
		}
	}
	l := &Library{}
	for _, s := range byID {
		l.Scenarios = append(l.Scenarios, s)
	}
	sort.Slice(l.Scenarios, func(i, j int) bool { return l.Scenarios[i].ID < l.Scenarios[j].ID })
	return l, errors.Join(errs...)
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

// ParseReset reads a reset request: "METHOD URL", or just a URL, for POST.
func ParseReset(s string) (*Probe, error) {
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		return &Probe{Method: "POST", URL: f[0]}, nil
	case 2:
		return &Probe{Method: strings.ToUpper(f[0]), URL: f[1]}, nil
	}
	return nil, fmt.Errorf("reset %q: expected 'METHOD URL'", s)
}

// resolve is the assignment's JSON value, its references resolved against
// the payloads of earlier steps.
func (a Assign) resolve(bodies map[string][]byte) ([]byte, error) {
	if text, ok := a.Value.(string); ok {
		if m := refPattern.FindStringSubmatch(text); m != nil && m[0] == strings.TrimSpace(text) {
			// The referenced value byte for byte, as the payload has it.
			v, err := lookup(bodies, m[1], m[2])
			if err != nil {
				return nil, err
			}
			return []byte(v.Raw), nil
		}
	}
	v, err := resolveValue(a.Value, bodies)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// resolveValue resolves the references in every string of v.
func resolveValue(v any, bodies map[string][]byte) (any, error) {
	switch x := v.(type) {
	case string:
		return resolveText(x, bodies)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := resolveValue(e, bodies)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := resolveValue(e, bodies)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

// resolveText is a string's value: the referenced JSON when it is one
// reference alone, else the text with each reference's value in it.
func resolveText(s string, bodies map[string][]byte) (any, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	if m := refPattern.FindStringSubmatch(s); m != nil && m[0] == strings.TrimSpace(s) {
		v, err := lookup(bodies, m[1], m[2])
		if err != nil {
			return nil, err
		}
		return json.RawMessage(v.Raw), nil
	}
	var firstErr error
	out := refPattern.ReplaceAllStringFunc(s, func(ref string) string {
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
	return out, nil
}

// Rendered is a step's payload, built once and sent as often as asked.
type Rendered struct {
	Step *Step
	Body []byte
}
