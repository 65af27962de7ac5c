// Package config turns hooktool's settings (flags, HOOKTOOL_* environment
// variables, a YAML config file, defaults, in that order of precedence) into
// a typed Config, and remembers where each value came from.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/userfile"
	"github.com/hooktool/hooktool/internal/yamlerr"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment variable hooktool reads.
const EnvPrefix = "HOOKTOOL"

// FileName is the config file looked for in the working directory.
const FileName = "hooktool.yaml"

// Source says where a setting's value came from.
type Source string

const (
	FromFlag    Source = "flag"
	FromEnv     Source = "env"
	FromFile    Source = "file"
	FromDefault Source = "default"
)

func (s Source) rank() int {
	switch s {
	case FromFlag:
		return 3
	case FromEnv:
		return 2
	case FromFile:
		return 1
	}
	return 0
}

// Setting is one effective value, for `hooktool config`. Secret values are
// already redacted.
type Setting struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source Source `json:"source"`
	// Origin names the flag, variable or file the value came from.
	Origin string `json:"origin,omitempty"`
}

// Endpoint is a named destination: a provider's app with its webhook URL
// (events pushed to you), its optional callback URL (results of actions you
// initiated), and how deliveries to it are signed.
type Endpoint struct {
	Name        string
	Provider    string
	URL         string
	CallbackURL string
	// Routes are the endpoint's routes: (listen --route), in order.
	Routes []Route
}

// Route is one entry of an endpoint's routes: the deliveries Match takes
// (an event glob, path:/PREFIX or where:COND, as listen --route's left
// side) are forwarded To a URL (as --forward-to reads it).
type Route struct {
	Match string
	To    string
}

// Signing is everything a scheme needs: its name and settings, the secrets
// (the first signs, any verifies) and the timestamp tolerance.
type Signing struct {
	Scheme string
	// SchemeExplicit is true when the scheme comes from a flag or the
	// endpoint itself, and so beats a provider's default scheme; a
	// top-level scheme (env, file) is only a fallback.
	SchemeExplicit bool
	Options        signature.Options
	// Secrets are what the scheme signs and verifies with (UseScheme):
	// shared secrets for an HMAC scheme, keys for an asymmetric one.
	Secrets []signature.Secret
	// Keys are the asymmetric schemes' keys: the private key
	// (private_key_file) first when there is one, then the public keys
	// (public_key, public_key_file).
	Keys []signature.Secret
	// Unused are the secrets or keys configured that the scheme does not
	// use: kept out of what is shown all the same.
	Unused    []signature.Secret
	Tolerance time.Duration
	// ToleranceSet is true when the tolerance comes from a flag, the
	// environment or the file, and so beats a provider's documented one.
	ToleranceSet bool
}

// UseScheme makes Secrets what scheme s signs and verifies with: the keys
// for an asymmetric scheme, the shared secrets for the others (and for no
// scheme). When only the other kind is configured, Secrets is that kind,
// so that the scheme refuses it by name (an HMAC secret given to an Ed25519
// scheme, a key file given to github) rather than finding nothing.
func (sg *Signing) UseScheme(s signature.Scheme) {
	secrets, keys := sg.Secrets, sg.Keys
	if sg.Unused != nil {
		return // already chosen
	}
	mine, other := secrets, keys
	if s != nil && signature.Asymmetric(s) {
		mine, other = keys, secrets
	}
	if len(mine) == 0 {
		mine, other = other, nil
	}
	sg.Secrets, sg.Unused = mine, append([]signature.Secret{}, other...)
}

// Config is the effective configuration of one invocation.
type Config struct {
	// File is the config file read, or "" when there was none.
	File      string
	Catalog   string
	Endpoints map[string]Endpoint

	v        *viper.Viper
	flags    *pflag.FlagSet
	bindings map[string]string // config key -> flag name
	getenv   func(string) string
	warnings []string
	lines    map[string]int // config key -> its line in the file
}

// Options say where to look for settings.
type Options struct {
	// ConfigFile is --config; when empty, HOOKTOOL_CONFIG, ./hooktool.yaml
	// and the user config directory are tried, in that order.
	ConfigFile string
	// Flags and Bindings map config keys to the command's flags.
	Flags    *pflag.FlagSet
	Bindings map[string]string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
}

// Keys a config file may set at the top level and per endpoint.
var (
	signingKeys  = []string{"scheme", "secret", "secrets", "secret_file", "secret_env", "private_key_file", "public_key", "public_key_file", "tolerance", "github_sha1", "hmac.header", "hmac.hash", "hmac.encoding", "hmac.prefix", "hmac.template", "hmac.id_header", "hmac.timestamp_header", "hmac.secret_encoding", "hmac.format", "hmac.mode", "hmac.signature_field", "hmac.pairs_format", "hmac.pairs_separator", "hmac.url_body_sha256", "hmac.timestamp_format", "hmac.timestamp_field"}
	endpointKeys = append([]string{"provider", "url", "callback_url", "routes"}, signingKeys...)
	topKeys      = append([]string{"catalog", "endpoint", "provider"}, signingKeys...)
)

// Load reads the configuration.
func Load(o Options) (*Config, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	v := viper.NewWithOptions(viper.WithDecoderRegistry(yamlDecoder{}))
	v.SetConfigType("yaml")
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(envKeyReplacer)
	v.AutomaticEnv()
	v.SetDefault("tolerance", signature.DefaultTolerance.String())
	c := &Config{v: v, flags: o.Flags, bindings: o.Bindings, getenv: getenv, Endpoints: map[string]Endpoint{}}
	for key, name := range o.Bindings {
		if f := o.Flags.Lookup(name); f != nil {
			if err := v.BindPFlag(key, f); err != nil {
				return nil, err
			}
		}
	}
	path, required := o.ConfigFile, o.ConfigFile != ""
	if path == "" {
		if p := getenv(EnvPrefix + "_CONFIG"); p != "" {
			path, required = p, true
		} else {
			path = discover()
		}
	}
	if path != "" {
		f, err := os.Open(path)
		switch {
		case err == nil:
			defer f.Close()
			data, err := userfile.ReadAll(f, path, userfile.MaxConfig)
			if err == nil {
				err = v.ReadConfig(bytes.NewReader(data))
			}
			if err != nil {
				return nil, fileError(path, err)
			}
			if c.lines, err = checkKinds(path, data); err != nil {
				return nil, err
			}
			c.File = path
		case required || !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("config file: %w", err)
		}
	}
	if err := c.resolve(); err != nil {
		if c.File != "" {
			return nil, fmt.Errorf("config file %s: %w", c.File, err)
		}
		return nil, err
	}
	return c, nil
}

// discover finds the config file when none was named.
func discover() string {
	if _, err := os.Stat(FileName); err == nil {
		return FileName
	}
	if dir, err := os.UserConfigDir(); err == nil {
		p := filepath.Join(dir, "hooktool", "config.yaml")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// fileError says what is wrong with the config file in the form the
// config has always used ("config file F: yaml: line N: what"), through
// yamlerr, which hides every value the parser quotes: a secret must not
// reach an error message.
func fileError(path string, err error) error {
	var pe viper.ConfigParseError
	if errors.As(err, &pe) {
		if u := errors.Unwrap(pe); u != nil {
			err = u
		}
	}
	var e *yamlerr.Error
	if !errors.As(yamlerr.In(path, err, yamlerr.HideValues()), &e) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = fmt.Sprintf("config file %s: %s", path, p.What)
		if p.Line > 0 {
			lines[i] = fmt.Sprintf("config file %s: yaml: line %d: %s", path, p.Line, p.What)
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// checkKinds finds the line of each key of the config file, and refuses a
// value of the wrong kind with its line: viper would read a list given for
// scheme as "", and a map among secrets as the text "map[…]".
func checkKinds(file string, data []byte) (map[string]int, error) {
	lines := map[string]int{}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return lines, nil // viper has read it: nothing to check
	}
	var walk func(m *yaml.Node, prefix, rel string, known []string) error
	walk = func(m *yaml.Node, prefix, rel string, known []string) error {
		if m.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			name, v := strings.ToLower(m.Content[i].Value), m.Content[i+1]
			key, line := prefix+name, v.Line
			lines[key] = line
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			want := ""
			switch {
			case v.Tag == "!!null":
			case prefix == "" && name == "endpoints":
				if v.Kind != yaml.MappingNode {
					want = "a map from endpoint names to their settings"
					break
				}
				if err := walk(v, "endpoints.", "", nil); err != nil {
					return err
				}
			case prefix == "endpoints.":
				if v.Kind != yaml.MappingNode {
					want = "a map of the endpoint's settings (url, scheme, secret, …)"
					break
				}
				if err := walk(v, key+".", "", endpointKeys); err != nil {
					return err
				}
			case rel == "" && name == "hmac" && slices.Contains(known, "hmac.header"):
				if v.Kind != yaml.MappingNode {
					want = "a map of the hmac scheme's settings (header, hash, …)"
					break
				}
				if err := walk(v, key+".", "hmac.", known); err != nil {
					return err
				}
			case rel == "" && name == "routes" && strings.HasPrefix(prefix, "endpoints."):
				if err := checkRoutes(file, key, v); err != nil {
					return err
				}
			case rel == "" && (name == "secret" || name == "secrets" || name == "public_key"):
				ok := v.Kind == yaml.ScalarNode || v.Kind == yaml.SequenceNode
				for _, x := range v.Content {
					ok = ok && x.Kind == yaml.ScalarNode
				}
				if !ok {
					want = "a string or a list of strings"
				}
			case slices.Contains(known, rel+name) && v.Kind != yaml.ScalarNode:
				want = "a single value, not a list or a map"
			case rel+name == "github_sha1":
				if _, err := strconv.ParseBool(v.Value); err != nil {
					want = "true or false"
				}
			}
			if want != "" {
				return fmt.Errorf("config file %s:%d: %s must be %s", file, line, key, want)
			}
		}
		return nil
	}
	return lines, walk(doc.Content[0], "", "", topKeys)
}

// checkRoutes refuses an endpoint's routes: that is not a list of {match,
// to} mappings of two plain values, with the line of what is wrong.
func checkRoutes(file, key string, v *yaml.Node) error {
	if v.Kind != yaml.SequenceNode {
		return fmt.Errorf("config file %s:%d: %s must be a list of {match, to}", file, v.Line, key)
	}
	for _, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			return fmt.Errorf("config file %s:%d: %s must be a list of {match, to}", file, item.Line, key)
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, val := strings.ToLower(item.Content[i].Value), item.Content[i+1]
			if k != "match" && k != "to" {
				return fmt.Errorf("config file %s:%d: %s: unknown key %q in a route (match, to)", file, item.Content[i].Line, key, k)
			}
			if val.Kind == yaml.ScalarNode && val.Value != "" {
				seen[k] = true
			}
		}
		if !seen["match"] || !seen["to"] {
			return fmt.Errorf("config file %s:%d: %s: a route needs match and to, each a single value", file, item.Line, key)
		}
	}
	return nil
}

// routes reads an endpoint's routes: (checked by checkRoutes when they
// come from the file).
func (c *Config) routes(key string) []Route {
	list, ok := c.v.Get(key).([]any)
	if !ok {
		return nil
	}
	var out []Route
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, Route{Match: scalar(m["match"]), To: scalar(m["to"])})
	}
	return out
}

func scalar(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// inFile prefixes err with the file and line of key when the file sets it.
func (c *Config) inFile(key string, err error) error {
	if src, _ := c.source(key); src == FromFile && c.lines[key] > 0 {
		return fmt.Errorf("config file %s:%d: %w", c.File, c.lines[key], err)
	}
	return err
}

// Warnings are problems worth telling the user that do not stop the run,
// such as unknown keys in the config file.
func (c *Config) Warnings() []string { return c.warnings }

func (c *Config) resolve() error {
	c.Catalog = c.path("catalog")
	known := map[string]bool{}
	for _, k := range topKeys {
		known[k] = true
	}
	for _, name := range c.endpointNames() {
		for _, k := range endpointKeys {
			known["endpoints."+name+"."+k] = true
		}
	}
	keys := c.v.AllKeys()
	sort.Strings(keys)
	for _, k := range keys {
		if c.v.InConfig(k) && !known[k] {
			c.warnings = append(c.warnings, "config file: unknown key "+k+" (ignored)")
		}
	}
	// An endpoint's signing settings (and secrets) are resolved when it is
	// used, so one endpoint's missing secret does not stop the others.
	for _, name := range c.endpointNames() {
		p := "endpoints." + name + "."
		c.Endpoints[name] = Endpoint{
			Name:        name,
			Provider:    c.v.GetString(p + "provider"),
			URL:         c.v.GetString(p + "url"),
			CallbackURL: c.v.GetString(p + "callback_url"),
			Routes:      c.routes(p + "routes"),
		}
	}
	return nil
}

// path reads a file path setting: "~/" is the home directory, and a relative
// path from the config file is relative to that file's directory.
func (c *Config) path(key string) string {
	p := c.v.GetString(key)
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, rest)
		}
	}
	if src, _ := c.source(key); src == FromFile && p != "" && !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(c.File), p)
	}
	return p
}

func (c *Config) endpointNames() []string {
	var names []string
	for name := range c.v.GetStringMap("endpoints") {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// source tells where key's value comes from.
func (c *Config) source(key string) (Source, string) {
	if name, ok := c.bindings[key]; ok && c.flags != nil {
		if f := c.flags.Lookup(name); f != nil && f.Changed {
			return FromFlag, "--" + name
		}
	}
	env := EnvName(key)
	if c.getenv(env) != "" {
		return FromEnv, env
	}
	if c.v.InConfig(key) {
		return FromFile, c.File
	}
	return FromDefault, ""
}

// EnvName is the environment variable that sets a config key.
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(envKeyReplacer.Replace(key))
}

// envKeyReplacer turns a config key into the tail of its variable's name
// (built once: Settings asks for every key of every endpoint).
var envKeyReplacer = strings.NewReplacer(".", "_", "-", "_")

// set reports whether key has a value from a flag, the environment or the file.
func (c *Config) set(key string) bool {
	s, _ := c.source(key)
	return s != FromDefault
}

// pick chooses the key to read for a signing setting of an endpoint: a flag
// beats everything; then the endpoint's own value; then the top level.
func (c *Config) pick(endpoint, key string) string {
	if s, _ := c.source(key); s == FromFlag || endpoint == "" {
		return key
	}
	if ek := "endpoints." + endpoint + "." + key; c.set(ek) {
		return ek
	}
	return key
}

// Signing resolves how to sign and verify: for a named endpoint when
// endpoint is not empty, else from the top-level settings.
func (c *Config) Signing(endpoint string) (Signing, error) {
	if endpoint != "" {
		if err := c.CheckEndpoint(endpoint); err != nil {
			return Signing{}, err
		}
		sg, err := c.signing(endpoint)
		if err != nil {
			return sg, fmt.Errorf("endpoint %s: %w", endpoint, err)
		}
		return sg, nil
	}
	return c.signing(endpoint)
}

// CheckEndpoint says whether the config defines the endpoint named (""
// names none, and is no error): an error naming the ones it defines if not.
func (c *Config) CheckEndpoint(name string) error {
	if _, ok := c.Endpoints[name]; name == "" || ok {
		return nil
	}
	return fmt.Errorf("no endpoint named %q in the config%s", name, c.knownEndpoints())
}

// EndpointNames are the names of the endpoints the config defines, sorted.
func (c *Config) EndpointNames() []string { return slices.Sorted(maps.Keys(c.Endpoints)) }

func (c *Config) knownEndpoints() string {
	names := c.endpointNames()
	if len(names) == 0 {
		return " (it defines none)"
	}
	return " (known: " + strings.Join(names, ", ") + ")"
}

// Provider is the provider in effect: the provider setting (--provider,
// HOOKTOOL_PROVIDER, provider: in the file) if given, else the endpoint's.
func (c *Config) Provider(endpoint string) string {
	if s, _ := c.source("provider"); s != FromDefault {
		return c.v.GetString("provider")
	}
	if e, ok := c.Endpoints[endpoint]; ok {
		return e.Provider
	}
	return ""
}

// DefaultEndpoint is the endpoint named by the `endpoint` setting, if any.
func (c *Config) DefaultEndpoint() string { return c.v.GetString("endpoint") }

func (c *Config) signing(endpoint string) (Signing, error) {
	var sg Signing
	schemeKey := c.pick(endpoint, "scheme")
	sg.Scheme = c.v.GetString(schemeKey)
	sg.SchemeExplicit = strings.HasPrefix(schemeKey, "endpoints.")
	if src, _ := c.source(schemeKey); src == FromFlag {
		sg.SchemeExplicit = true
	}
	tolKey := c.pick(endpoint, "tolerance")
	tol, err := ParseTolerance(c.v.GetString(tolKey))
	if err != nil {
		return sg, c.inFile(tolKey, err)
	}
	sg.Tolerance = tol
	if src, _ := c.source(tolKey); src != FromDefault {
		sg.ToleranceSet = true
	}
	sg.Options.GitHubSHA1 = c.v.GetBool(c.pick(endpoint, "github_sha1"))
	h := &sg.Options.HMAC
	for key, dst := range map[string]*string{
		"hmac.header": &h.Header, "hmac.hash": &h.Hash, "hmac.encoding": &h.Encoding, "hmac.prefix": &h.Prefix,
		"hmac.template": &h.Template, "hmac.id_header": &h.IDHeader, "hmac.timestamp_header": &h.TimestampHeader,
		"hmac.secret_encoding": &h.SecretEncoding, "hmac.format": &h.Format, "hmac.mode": &h.Mode,
		"hmac.signature_field": &h.SignatureField, "hmac.pairs_format": &h.PairsFormat, "hmac.pairs_separator": &h.PairsSeparator, "hmac.url_body_sha256": &h.URLBodySHA256,
		"hmac.timestamp_format": &h.TimestampFormat, "hmac.timestamp_field": &h.TimestampField,
	} {
		*dst = c.v.GetString(c.pick(endpoint, key))
	}
	if sg.Secrets, err = c.secrets(endpoint); err != nil {
		return sg, err
	}
	sg.Keys, err = c.keys(endpoint)
	return sg, err
}

// keys resolves the asymmetric keys: the private key file, then the public
// keys, each where pick finds it (a flag, the endpoint, the top level).
func (c *Config) keys(endpoint string) ([]signature.Secret, error) {
	var out []signature.Secret
	if key := c.pick(endpoint, "private_key_file"); c.set(key) {
		k, err := ReadKeyFile(c.path(key), signature.NewPrivateKey)
		if err != nil {
			return nil, err
		}
		if len(k) > 1 {
			return nil, fmt.Errorf("private key file %s holds %d keys: one signs, so give one", c.path(key), len(k))
		}
		out = append(out, k[0].From(c.secretSource(key)+" "+k[0].Source()))
	}
	top, topSrc, err := c.scopePublicKeys("")
	if topSrc == FromFlag || endpoint == "" {
		return append(out, top...), err
	}
	if ep, epSrc, err := c.scopePublicKeys("endpoints." + endpoint + "."); epSrc != FromDefault {
		return append(out, ep...), err
	}
	if err != nil {
		return nil, err
	}
	out = append(out, top...)
	return out, nil
}

// scopePublicKeys reads the public keys of one scope (prefix "" for the
// top level, "endpoints.NAME." for an endpoint) from its best-ranked source
// (a flag over the environment over the file, as for secrets; public_key
// and public_key_file both when they rank the same), and that rank.
func (c *Config) scopePublicKeys(prefix string) ([]signature.Secret, Source, error) {
	var out []signature.Secret
	best := FromDefault
	names := []string{"public_key", "public_key_file"}
	for _, name := range names {
		if src, _ := c.source(prefix + name); src.rank() > best.rank() {
			best = src
		}
	}
	for _, name := range names {
		key := prefix + name
		if src, _ := c.source(key); src == FromDefault || src != best {
			continue
		}
		from := c.secretSource(key)
		if name == "public_key_file" {
			ks, err := ReadKeyFile(c.path(key), signature.NewPublicKey)
			if err != nil {
				return nil, best, err
			}
			for _, k := range ks {
				out = append(out, k.From(from+" "+k.Source()))
			}
			continue
		}
		values, _ := stringsOf(c.v.Get(key))
		for i, v := range values {
			item := from
			if len(values) > 1 {
				item = fmt.Sprintf("%s item %d", from, i+1)
			}
			if strings.TrimSpace(v) == "" {
				return nil, best, c.inFile(key, fmt.Errorf("%s is empty", key))
			}
			out = append(out, signature.NewPublicKey(v).From(item))
		}
	}
	return out, best, nil
}

// ReadKeyFile reads keys from a file: PEM blocks, or else one key a line
// (whpk_…, hex, base64 DER), blank lines and lines starting with # skipped.
// Each key's Source is "PATH" for one PEM block or "PATH line N".
func ReadKeyFile(path string, kind func(string) signature.Secret) ([]signature.Secret, error) {
	data, err := userfile.Read(path, userfile.MaxSecret)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	var out []signature.Secret
	text := string(data)
	if strings.Contains(text, "-----BEGIN") {
		// Each block from its BEGIN line to its END line, as written.
		for n := 1; ; n++ {
			start := strings.Index(text, "-----BEGIN")
			if start < 0 {
				break
			}
			end := strings.Index(text[start:], "-----END")
			if end < 0 {
				out = append(out, kind(text[start:]).From(fmt.Sprintf("%s block %d", path, n)))
				break
			}
			stop := start + end + len("-----END")
			if nl := strings.Index(text[stop:], "\n"); nl >= 0 {
				stop += nl
			} else {
				stop = len(text)
			}
			out = append(out, kind(text[start:stop]).From(fmt.Sprintf("%s block %d", path, n)))
			text = text[stop:]
		}
		if len(out) == 1 {
			out[0] = out[0].From(path)
		}
		return out, nil
	}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, kind(line).From(fmt.Sprintf("%s line %d", path, n+1)))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("key file %s holds no key", path)
	}
	return out, nil
}

// ParseTolerance reads a tolerance: a Go duration ("5m", "300s") or a
// number of seconds ("300"); "0" turns the timestamp check off.
func ParseTolerance(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return signature.DefaultTolerance, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("tolerance %q is negative", s)
		}
		if n > int64(math.MaxInt64/time.Second) {
			return 0, fmt.Errorf("tolerance %q is more seconds than a duration holds", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("tolerance %q is not a duration such as 300s or 5m, or a number of seconds", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("tolerance %q is negative", s)
	}
	return d, nil
}

// secretKeys are the ways a scope can give secrets, in the order that wins a
// tie between equally ranked sources.
var secretKeys = []string{"secret", "secrets", "secret_file", "secret_env"}

// secrets resolves the secrets of a scope: a flag at the top level beats
// everything; then the endpoint's; then the top level's.
func (c *Config) secrets(endpoint string) ([]signature.Secret, error) {
	top, topSrc, topErr := c.scopeSecrets("")
	if topSrc == FromFlag || endpoint == "" {
		return top, topErr
	}
	if ep, epSrc, err := c.scopeSecrets("endpoints." + endpoint + "."); epSrc != FromDefault {
		return ep, err
	}
	return top, topErr
}

// scopeSecrets reads the best-ranked secret source of one scope (prefix ""
// for the top level, "endpoints.NAME." for an endpoint).
func (c *Config) scopeSecrets(prefix string) ([]signature.Secret, Source, error) {
	best, bestSrc := "", FromDefault
	for _, k := range secretKeys {
		if s, _ := c.source(prefix + k); s.rank() > bestSrc.rank() {
			best, bestSrc = k, s
		}
	}
	key := prefix + best
	from := c.secretSource(key)
	switch best {
	case "":
		return nil, FromDefault, nil
	case "secret", "secrets":
		values, ok := stringsOf(c.v.Get(key))
		if !ok {
			return nil, bestSrc, c.inFile(key, fmt.Errorf("%s must be a string or a list of strings", key))
		}
		var out []signature.Secret
		for i, v := range values {
			item := from
			if len(values) > 1 {
				item = fmt.Sprintf("%s item %d", from, i+1)
			}
			out = append(out, signature.NewSecret(v).From(item))
		}
		return nonEmpty(key, out, bestSrc)
	case "secret_file":
		out, err := ReadSecretFile(c.path(key))
		if err != nil {
			return nil, bestSrc, err
		}
		for i := range out {
			// "--secret-file keys.txt line 2", "HOOKTOOL_SECRET_FILE keys.txt line 2"
			out[i] = out[i].From(from + " " + out[i].Source())
		}
		return nonEmpty(key, out, bestSrc)
	default: // secret_env
		name := c.v.GetString(key)
		val := c.getenv(name)
		if val == "" {
			return nil, bestSrc, fmt.Errorf("%s names the environment variable %s, which is not set", key, name)
		}
		return []signature.Secret{signature.NewSecret(val).From(name + " (named by " + from + ")")}, bestSrc, nil
	}
}

// secretSource names where key's value comes from, for messages about a
// secret that cannot be used: the flag, the environment variable, or the
// config file's line and key. Never the value.
func (c *Config) secretSource(key string) string {
	src, origin := c.source(key)
	switch {
	case src == FromFlag || src == FromEnv:
		return origin
	case c.lines[key] > 0:
		return fmt.Sprintf("config file %s:%d: %s", c.File, c.lines[key], key)
	}
	return "config file " + c.File + ": " + key
}

func nonEmpty(key string, secrets []signature.Secret, src Source) ([]signature.Secret, Source, error) {
	out := secrets[:0]
	for _, s := range secrets {
		if !s.IsZero() {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, src, fmt.Errorf("%s is empty", key)
	}
	return out, src, nil
}

// ReadSecretFile reads secrets from a file, one a line (the first signs);
// blank lines and lines starting with # are skipped. Each secret's Source
// is "PATH line N".
func ReadSecretFile(path string) ([]signature.Secret, error) {
	data, err := userfile.Read(path, userfile.MaxSecret)
	if err != nil {
		return nil, fmt.Errorf("secret file: %w", err)
	}
	var out []signature.Secret
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, signature.NewSecret(line).From(fmt.Sprintf("%s line %d", path, n+1)))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("secret file %s holds no secret", path)
	}
	return out, nil
}

// Alternates are the secrets configured for endpoints other than the chosen
// one (and the top-level ones, when an endpoint is chosen), labelled for
// hints when a signature does not match.
func (c *Config) Alternates(chosen string) []signature.LabeledSecret {
	var out []signature.LabeledSecret
	if chosen != "" {
		if top, _, err := c.scopeSecrets(""); err == nil {
			for _, s := range top {
				out = append(out, signature.LabeledSecret{Label: "the top-level secret (not the endpoint's)", Secret: s})
			}
		}
	}
	for _, name := range c.endpointNames() {
		if name == chosen {
			continue
		}
		secrets, err := c.secrets(name)
		if err != nil {
			continue // reported when that endpoint is used
		}
		if keys, err := c.keys(name); err == nil {
			secrets = append(secrets, keys...)
		}
		for i, s := range secrets {
			label := "endpoint " + name
			if i > 0 {
				label += fmt.Sprintf(" (secret %d)", i+1)
			}
			out = append(out, signature.LabeledSecret{Label: label, Secret: s})
		}
	}
	return out
}

// Settings lists every effective value with its source, secrets redacted.
func (c *Config) Settings() []Setting {
	var out []Setting
	add := func(key, value string) {
		src, origin := c.source(key)
		out = append(out, Setting{Key: key, Value: value, Source: src, Origin: origin})
	}
	scope := func(prefix string, keys []string) {
		for _, k := range keys {
			key := prefix + k
			if !c.set(key) && !(prefix == "" && (k == "tolerance")) {
				continue
			}
			switch k {
			case "secret", "secrets":
				n := 1
				if l, ok := c.v.Get(key).([]any); ok {
					n = len(l)
				}
				add(key, fmt.Sprintf("%s (%d)", signature.Redacted, n))
			case "routes":
				var parts []string
				for _, r := range c.routes(key) {
					parts = append(parts, r.Match+" → "+r.To)
				}
				add(key, strings.Join(parts, "; "))
			case "tolerance":
				d, err := ParseTolerance(c.v.GetString(key))
				if err != nil {
					add(key, c.v.GetString(key)+" (invalid)")
				} else {
					add(key, d.String())
				}
			default:
				add(key, c.v.GetString(key))
			}
		}
	}
	scope("", topKeys)
	for _, name := range c.endpointNames() {
		scope("endpoints."+name+".", endpointKeys)
	}
	return out
}

// stringsOf reads a setting that is one string or a list of them (secrets,
// public_key): ok is false for anything else.
func stringsOf(v any) (values []string, ok bool) {
	switch val := v.(type) {
	case string:
		return []string{val}, true
	case []any:
		for _, x := range val {
			values = append(values, fmt.Sprint(x))
		}
		return values, true
	case []string:
		return val, true
	}
	return nil, false
}
