// Package catalog is hooktool's knowledge of providers, kept as data: one
// YAML file per provider (embedded, and overridable from a directory) with
// its events, sample payload templates, where the event type sits in a
// payload, and how it signs.
package catalog

import (
	"bytes"
	"cmp"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/userfile"
	"github.com/hooktool/hooktool/internal/yamlerr"
	"github.com/tidwall/gjson"
	"go.yaml.in/yaml/v3"
)

//go:embed providers/*.yaml
var builtin embed.FS

// Provider is one provider's file.
type Provider struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Docs is a short note: what the provider is and what to know.
	Docs string `yaml:"docs"`
	// Source says where the events and samples come from.
	Source string `yaml:"source"`
	// DocsURL is the provider's own webhook documentation (the page the
	// signing profile was read from).
	DocsURL string `yaml:"docs_url"`
	// Category groups the catalog: one of Categories.
	Category string `yaml:"category"`
	// Regions are where the provider mostly operates: ISO 3166 country
	// codes (NG, MY, KE) or "global".
	Regions []string `yaml:"regions"`
	// EventPath is the gjson path of the event type in a payload.
	EventPath string `yaml:"event_path"`
	// EventHeader, for providers that send the event type in a header
	// (GitHub's X-GitHub-Event, Shopify's X-Shopify-Topic), names it: it
	// is read before EventPath, and trigger sends it with the event's name.
	EventHeader string `yaml:"event_header"`
	// EventIDPath, when the provider puts a unique event id in its
	// payloads, is its gjson path: a delivery with the same event id is
	// the same event delivered again (listen's repeat_of).
	EventIDPath string `yaml:"event_id_path"`
	ContentType string `yaml:"content_type"`
	// Illustrative marks providers whose events and samples are not
	// published by the provider: hooktool's plausible stand-ins.
	Illustrative bool    `yaml:"illustrative"`
	Signing      Signing `yaml:"signing"`
	Retry        Retry   `yaml:"retry"`
	Events       []Event `yaml:"events"`

	// File is where the provider was read from.
	File string `yaml:"-"`
	// Builtin is true for the embedded providers.
	Builtin bool `yaml:"-"`
}

// Categories are the groups of the catalog, in the order `providers`
// lists them; a provider file's category is one of them.
var Categories = []string{
	"payments", "banking", "finance", "commerce", "crypto", "code", "ci", "infrastructure",
	"monitoring", "messaging", "email", "support", "crm", "productivity", "forms",
	"identity", "media", "analytics", "ai", "other",
}

// Signing is a provider's default scheme and its settings.
type Signing struct {
	Scheme string               `yaml:"scheme"`
	HMAC   signature.HMACConfig `yaml:"hmac"`
	// Tolerance is how old a signed timestamp the provider's own
	// libraries accept, as documented (a Go duration); zero when the
	// scheme signs no timestamp or the provider publishes none.
	Tolerance Wait `yaml:"tolerance"`
	// Note says how sure the profile is: the seed providers do not publish
	// their schemes, and their profiles say so.
	Note string `yaml:"note"`
}

// Options are the signature options the profile describes.
func (s Signing) Options() signature.Options { return signature.Options{HMAC: s.HMAC} }

// Retry is what a provider documents about delivering again what was not
// acknowledged (a non-2xx answer, or none).
type Retry struct {
	// Schedule is the documented wait before each retry, in order
	// ("5m", "1h"); empty when the provider does not publish one.
	Schedule []Wait `yaml:"schedule"`
	// Note says what the provider's documents say and how sure that is.
	Note string `yaml:"note"`
}

// MaxRetries bounds a schedule's length, MaxWait each wait.
const (
	MaxRetries = 100
	MaxWait    = 7 * 24 * time.Hour
)

// Waits are the schedule as durations.
func (r Retry) Waits() []time.Duration {
	out := make([]time.Duration, len(r.Schedule))
	for i, w := range r.Schedule {
		out[i] = time.Duration(w)
	}
	return out
}

// Wait is one wait of a retry schedule, or a profile's tolerance, written
// as a Go duration.
type Wait time.Duration

func (w *Wait) UnmarshalYAML(n *yaml.Node) error {
	d, err := time.ParseDuration(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || d <= 0 || d > MaxWait {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: not a duration such as 30s, 5m or 2h, more than 0 and at most %s", n.Line, MaxWait)}}
	}
	*w = Wait(d)
	return nil
}

// Event is one event type with its sample payload template.
type Event struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Illustrative marks an event (or its sample) that the provider's
	// documents name but do not show.
	Illustrative bool `yaml:"illustrative"`
	// Sample is a text/template that renders to the JSON body; see render.go.
	Sample string `yaml:"sample"`

	provider *Provider
	line     int // of the event in its file
	sample   *template.Template
}

// Provider returns the event's provider.
func (e *Event) Provider() *Provider { return e.provider }

// IsIllustrative reports whether the event or its provider is a stand-in.
func (e *Event) IsIllustrative() bool { return e.Illustrative || e.provider.Illustrative }

// FieldIn is the string or number at path (a gjson path: a profile's
// event_path or event_id_path) in a JSON body, or the parameter named path
// in a form body; "" when the body has none there. The one way hooktool reads an event type or an event id
// from a body: listen from a delivery, trigger from what it sends.
func FieldIn(body []byte, path string) string {
	if path == "" || len(body) == 0 {
		return ""
	}
	// A form body (Billplz's callbacks, Twilio's): path names a parameter.
	if !bytes.ContainsAny(body[:1], "{[ \n\r\t") {
		if !bytes.ContainsRune(body, '=') {
			return ""
		}
		q, _ := url.ParseQuery(string(body))
		return q.Get(path)
	}
	// gjson reads only as far as the path needs (no validation pass over the
	// whole body).
	if v := gjson.GetBytes(body, path); v.Type == gjson.String || v.Type == gjson.Number {
		return v.String()
	}
	return ""
}

// EventIn is the event type body names where the provider puts it.
func (p *Provider) EventIn(body []byte) string { return FieldIn(body, p.EventPath) }

// EventFrom is the event type of a delivery: the value of the header named
// header when there is one, else the field at path in body (FieldIn). The
// one way hooktool reads a delivery's event type: listen, and the catalog's
// own checks.
func EventFrom(h http.Header, body []byte, header, path string) string {
	if header != "" {
		if v := strings.TrimSpace(h.Get(header)); v != "" {
			return v
		}
	}
	return FieldIn(body, path)
}

// EventOf is the event type of a delivery of this provider.
func (p *Provider) EventOf(h http.Header, body []byte) string {
	if v := EventFrom(h, nil, p.EventHeader, ""); v != "" {
		return v
	}
	return cmp.Or(p.EventIn(body), p.OnlyEvent())
}

// OnlyEvent is the name of every delivery of a provider whose payloads do
// not say what they are (no event_path, no event_header: Dropbox's
// notifications): its one event, named by hooktool. "" for the others.
func (p *Provider) OnlyEvent() string {
	if p.EventPath != "" || p.EventHeader != "" || len(p.Events) != 1 {
		return ""
	}
	return p.Events[0].Name
}

// Headers are the headers a delivery of the event carries besides its
// signature: the provider's content type and, for a provider that sends the
// event type in a header, that header with the event's name.
func (p *Provider) Headers(event string) http.Header {
	h := http.Header{"Content-Type": {p.ContentType}}
	if p.EventHeader != "" {
		h[http.CanonicalHeaderKey(p.EventHeader)] = []string{event}
	}
	return h
}

// Catalog is the set of providers in effect.
type Catalog struct {
	Providers []*Provider // sorted by id
}

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	regionPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Load reads the built-in providers, then every *.yaml file of each
// directory in dirs; a file whose id is taken replaces that provider.
func Load(dirs ...string) (*Catalog, error) {
	byID := map[string]*Provider{}
	files, _ := fs.Glob(builtin, "providers/*.yaml")
	for _, f := range files {
		data, _ := builtin.ReadFile(f)
		p, err := Parse("builtin:"+filepath.Base(f), data)
		if err != nil {
			return nil, err
		}
		p.Builtin = true
		byID[p.ID] = p
	}
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("catalog directory: %w", err)
		}
		seen := map[string]string{}
		for _, e := range entries {
			if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				continue
			}
			path := filepath.Join(dir, e.Name())
			data, err := userfile.Read(path, userfile.MaxConfig)
			if err != nil {
				return nil, fmt.Errorf("catalog: %w", err)
			}
			if IsScenarioFile(data) {
				continue // scenarios share the directory; internal/scenario reads them
			}
			p, err := Parse(path, data)
			if err != nil {
				return nil, err
			}
			if other, dup := seen[p.ID]; dup {
				return nil, fmt.Errorf("%s: provider id %q is also defined in %s", path, p.ID, other)
			}
			seen[p.ID] = path
			byID[p.ID] = p
		}
	}
	c := &Catalog{}
	for _, p := range byID {
		c.Providers = append(c.Providers, p)
	}
	sort.Slice(c.Providers, func(i, j int) bool { return c.Providers[i].ID < c.Providers[j].ID })
	return c, nil
}

// IsScenarioFile reports whether a YAML file holds scenarios (a top-level
// scenarios: or steps:) rather than a provider: both kinds share the
// catalog directory.
func IsScenarioFile(data []byte) bool {
	var top map[string]any
	if yaml.Unmarshal(data, &top) != nil {
		return false
	}
	_, list := top["scenarios"]
	_, steps := top["steps"]
	return list || steps
}

// Parse reads and checks one provider file. Errors name the file and line.
func Parse(file string, data []byte) (*Provider, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlerr.In(file, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", file)
	}
	root := doc.Content[0]
	p := &Provider{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil {
		return nil, yamlerr.In(file, err)
	}
	at := func(line int, format string, a ...any) error {
		return yamlerr.At(file, line, format, a...)
	}
	lineOf := func(key string) int {
		if n := mapValue(root, key); n != nil {
			return n.Line
		}
		return root.Line
	}
	switch {
	case !idPattern.MatchString(p.ID):
		return nil, at(lineOf("id"), "id %q must be lower-case letters, digits, - and _", p.ID)
	case strings.TrimSpace(p.Name) == "":
		return nil, at(lineOf("name"), "name is missing")
	case strings.TrimSpace(p.EventPath) == "" && strings.TrimSpace(p.EventHeader) == "" && len(p.Events) != 1:
		return nil, at(lineOf("event_path"), "event_path (the gjson path of the event type in a payload) or event_header (the header that carries it) is missing: only a provider with one event may leave both out (every delivery is that event)")
	case p.EventHeader != "" && !httpx.ValidHeaderName(p.EventHeader):
		return nil, at(lineOf("event_header"), "event_header %q is not a valid HTTP header name", p.EventHeader)
	case len(p.Events) == 0:
		return nil, at(lineOf("events"), "no events")
	}
	if p.ContentType == "" {
		p.ContentType = "application/json"
	}
	if p.Category != "" && !slices.Contains(Categories, p.Category) {
		return nil, at(lineOf("category"), "category %q is not one of %s", p.Category, strings.Join(Categories, ", "))
	}
	for _, r := range p.Regions {
		if r != "global" && !regionPattern.MatchString(r) {
			return nil, at(lineOf("regions"), "region %q is neither global nor an ISO 3166 country code (NG, MY, KE)", r)
		}
	}
	if len(p.Retry.Schedule) > MaxRetries {
		return nil, at(lineOf("retry"), "retry: a schedule has at most %d waits", MaxRetries)
	}
	if p.Signing.Scheme != "" {
		if _, err := signature.Lookup(p.Signing.Scheme, p.Signing.Options()); err != nil {
			return nil, at(lineOf("signing"), "signing: %v", err)
		}
	}
	var eventNodes []*yaml.Node
	if n := mapValue(root, "events"); n != nil {
		eventNodes = n.Content
	}
	names := map[string]int{}
	for i := range p.Events {
		e := &p.Events[i]
		e.provider = p
		// Events that come through a merge key (<<) or an alias have no
		// node of their own under events: they take the line of events.
		node := &yaml.Node{Line: lineOf("events")}
		if i < len(eventNodes) {
			node = eventNodes[i]
		}
		e.line = node.Line
		if strings.TrimSpace(e.Name) == "" {
			return nil, at(e.line, "an event has no name")
		}
		if first, dup := names[e.Name]; dup {
			return nil, at(e.line, "event %s is listed twice (first on line %d)", e.Name, first)
		}
		names[e.Name] = e.line
		if strings.TrimSpace(e.Sample) == "" {
			return nil, at(e.line, "event %s has no sample", e.Name)
		}
		t, tmplLine, err := parseSample(e.Name, e.Sample)
		if err != nil {
			line := e.line
			if n := mapValue(node, "sample"); n != nil {
				line = n.Line
				if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
					line++ // a block scalar's text starts on the next line
				}
				if tmplLine > 0 {
					line += tmplLine - 1
				}
			}
			return nil, at(line, "event %s: sample: %v", e.Name, err)
		}
		e.sample = t
	}
	return p, nil
}

// mapValue returns the value node of key in a YAML mapping node.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// Provider returns the provider with the id, or nil.
func (c *Catalog) Provider(id string) *Provider {
	for _, p := range c.Providers {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// ProviderIDs lists the providers' ids.
func (c *Catalog) ProviderIDs() []string {
	ids := make([]string, len(c.Providers))
	for i, p := range c.Providers {
		ids[i] = p.ID
	}
	return ids
}

// Event returns the event of a provider, or nil.
func (p *Provider) Event(name string) *Event {
	for i := range p.Events {
		if p.Events[i].Name == name {
			return &p.Events[i]
		}
	}
	return nil
}

// ErrUnknownProvider and ErrUnknownEvent classify lookup failures.
var (
	ErrUnknownProvider = errors.New("unknown provider")
	ErrUnknownEvent    = errors.New("unknown event")
	ErrAmbiguousEvent  = errors.New("ambiguous event")
)

// Find looks an event up by name; provider narrows the search and is
// required when the name is not unique across the catalog.
func (c *Catalog) Find(name, provider string) (*Event, error) {
	if provider != "" {
		p := c.Provider(provider)
		if p == nil {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownProvider, provider, strings.Join(c.ProviderIDs(), ", "))
		}
		if e := p.Event(name); e != nil {
			return e, nil
		}
		return nil, fmt.Errorf("%w %q for provider %s (its events: %s)", ErrUnknownEvent, name, p.ID, strings.Join(p.EventNames(), ", "))
	}
	var found []*Event
	for _, p := range c.Providers {
		if e := p.Event(name); e != nil {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("%w %q: no provider in the catalog has it", ErrUnknownEvent, name)
	}
	var ids []string
	for _, e := range found {
		ids = append(ids, e.provider.ID)
	}
	return nil, fmt.Errorf("%w %q: providers %s all have it; pick one with --provider", ErrAmbiguousEvent, name, strings.Join(ids, ", "))
}

// EventNames lists every provider's events, providers in id order.
func (c *Catalog) EventNames() []string {
	var names []string
	for _, p := range c.Providers {
		names = append(names, p.EventNames()...)
	}
	return names
}

// EventNames lists the provider's events in file order.
func (p *Provider) EventNames() []string {
	names := make([]string, len(p.Events))
	for i, e := range p.Events {
		names[i] = e.Name
	}
	return names
}

//go:embed scenarios/*.yaml
var builtinScenarios embed.FS

// BuiltinScenarios returns the embedded scenario files, by file name.
func BuiltinScenarios() map[string][]byte {
	out := map[string][]byte{}
	files, _ := fs.Glob(builtinScenarios, "scenarios/*.yaml")
	for _, f := range files {
		data, _ := builtinScenarios.ReadFile(f)
		out["builtin:"+filepath.Base(f)] = data
	}
	return out
}
