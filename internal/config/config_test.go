package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/pflag"
)

// isolate clears every HOOKTOOL_* variable and the user config directory,
// and moves into an empty working directory.
func isolate(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, EnvPrefix+"_") {
			k, _, _ := strings.Cut(kv, "=")
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "xdg"))
	t.Setenv("HOME", filepath.Join(dir, "home"))
	t.Chdir(dir)
	return dir
}

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func flagSet(args ...string) (*pflag.FlagSet, map[string]string) {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.String("scheme", "", "")
	fs.String("secret", "", "")
	fs.String("secret-file", "", "")
	fs.String("tolerance", "", "")
	if err := fs.Parse(args); err != nil {
		panic(err)
	}
	return fs, map[string]string{"scheme": "scheme", "secret": "secret", "secret_file": "secret-file", "tolerance": "tolerance"}
}

func setting(t *testing.T, c *Config, key string) Setting {
	t.Helper()
	for _, s := range c.Settings() {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no setting %s in %+v", key, c.Settings())
	return Setting{}
}

func TestPrecedence(t *testing.T) {
	isolate(t)
	write(t, FileName, "scheme: github\ntolerance: 10m\n")
	cases := []struct {
		name   string
		env    string
		args   []string
		want   string
		source Source
	}{
		{"file", "", nil, "github", FromFile},
		{"env beats file", "stripe", nil, "stripe", FromEnv},
		{"flag beats env", "stripe", []string{"--scheme", "slack"}, "slack", FromFlag},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HOOKTOOL_SCHEME", tc.env)
			fs, b := flagSet(tc.args...)
			c, err := Load(Options{Flags: fs, Bindings: b})
			if err != nil {
				t.Fatal(err)
			}
			sg, err := c.Signing("")
			if err != nil {
				t.Fatal(err)
			}
			if sg.Scheme != tc.want {
				t.Errorf("scheme = %q, want %q", sg.Scheme, tc.want)
			}
			if s := setting(t, c, "scheme"); s.Source != tc.source || s.Value != tc.want {
				t.Errorf("setting = %+v, want %s from %s", s, tc.want, tc.source)
			}
			if sg.Tolerance != 10*time.Minute {
				t.Errorf("tolerance = %v, want 10m from the file", sg.Tolerance)
			}
		})
	}
}

func TestDefaultTolerance(t *testing.T) {
	isolate(t)
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	sg, _ := c.Signing("")
	if sg.Tolerance != 300*time.Second {
		t.Errorf("tolerance = %v", sg.Tolerance)
	}
	if s := setting(t, c, "tolerance"); s.Source != FromDefault {
		t.Errorf("tolerance source = %s", s.Source)
	}
	if c.File != "" {
		t.Errorf("file = %q, want none", c.File)
	}
}

func TestDiscovery(t *testing.T) {
	dir := isolate(t)
	xdg := write(t, filepath.Join(dir, "xdg", "hooktool", "config.yaml"), "scheme: paystack\n")
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.File != xdg {
		t.Errorf("file = %q, want the XDG one %q", c.File, xdg)
	}
	write(t, FileName, "scheme: shopify\n")
	if c, _ = Load(Options{}); c.File != FileName {
		t.Errorf("file = %q, want ./%s to win over XDG", c.File, FileName)
	}
	other := write(t, filepath.Join(dir, "other.yaml"), "scheme: slack\n")
	if c, _ = Load(Options{ConfigFile: other}); c.File != other {
		t.Errorf("file = %q, want --config %q", c.File, other)
	}
	t.Setenv("HOOKTOOL_CONFIG", other)
	if c, _ = Load(Options{}); c.File != other {
		t.Errorf("file = %q, want HOOKTOOL_CONFIG %q", c.File, other)
	}
	if _, err := Load(Options{ConfigFile: filepath.Join(dir, "missing.yaml")}); err == nil {
		t.Error("a missing --config file is not an error")
	}
}

func TestMalformedFileNamesLine(t *testing.T) {
	isolate(t)
	write(t, FileName, "scheme: stripe\nendpoints:\n  a: [unclosed\n")
	_, err := Load(Options{})
	if err == nil || !strings.Contains(err.Error(), FileName) || !strings.Contains(err.Error(), "line") {
		t.Fatalf("err = %v, want the file name and a line", err)
	}
}

func TestEndpoints(t *testing.T) {
	isolate(t)
	secretFile := write(t, "rot.txt", "# rotation\nnew-one\n\nold-one\n")
	write(t, FileName, `
scheme: stripe
secret: top-secret
endpoints:
  staging:
    provider: aella
    url: https://staging.example.com/webhooks
    callback_url: https://staging.example.com/callbacks
    scheme: hmac
    hmac: {header: X-Sig, hash: sha512, encoding: base64}
    secrets: [s1, s2]
    tolerance: 60
  prod:
    url: https://example.com/hook
    secret_file: `+secretFile+`
  envsecret:
    secret_env: MY_PROVIDER_SECRET
`)
	t.Setenv("HOOKTOOL_ENDPOINTS_PROD_URL", "https://override.example.com/hook")
	t.Setenv("MY_PROVIDER_SECRET", "from-env")
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := c.Endpoints["staging"]
	stSigning, err := c.Signing("staging")
	if err != nil {
		t.Fatal(err)
	}
	if st.Provider != "aella" || st.CallbackURL != "https://staging.example.com/callbacks" {
		t.Errorf("staging = %+v", st)
	}
	if stSigning.Scheme != "hmac" || stSigning.Options.HMAC.Hash != "sha512" || stSigning.Options.HMAC.Encoding != "base64" {
		t.Errorf("staging signing = %+v", stSigning)
	}
	if stSigning.Tolerance != time.Minute {
		t.Errorf("staging tolerance = %v", stSigning.Tolerance)
	}
	if got := reveal(stSigning.Secrets); got != "s1,s2" {
		t.Errorf("staging secrets = %s", got)
	}
	prod := c.Endpoints["prod"]
	prodSigning, err := c.Signing("prod")
	if err != nil {
		t.Fatal(err)
	}
	if prod.URL != "https://override.example.com/hook" {
		t.Errorf("prod url = %q, want the env override", prod.URL)
	}
	if prodSigning.Scheme != "stripe" {
		t.Errorf("prod inherits scheme %q, want stripe", prodSigning.Scheme)
	}
	if got := reveal(prodSigning.Secrets); got != "new-one,old-one" {
		t.Errorf("prod secrets = %s", got)
	}
	if sg, _ := c.Signing("envsecret"); reveal(sg.Secrets) != "from-env" {
		t.Errorf("envsecret secrets = %s", reveal(sg.Secrets))
	}
	if _, err := c.Signing("nosuch"); err == nil || !strings.Contains(err.Error(), "staging") {
		t.Errorf("unknown endpoint: %v", err)
	}
	alts := c.Alternates("staging")
	if len(alts) != 4 || alts[0].Label != "the top-level secret (not the endpoint's)" || alts[1].Label != "endpoint envsecret" || alts[3].Label != "endpoint prod (secret 2)" {
		t.Errorf("alternates = %v", alts)
	}
}

func TestSecretFlagBeatsEndpoint(t *testing.T) {
	isolate(t)
	write(t, FileName, "endpoints:\n  a:\n    scheme: github\n    secret: endpoint-secret\n")
	t.Setenv("HOOKTOOL_SECRET", "env-secret")
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The endpoint's own secret is more specific than the top-level env one.
	if sg, _ := c.Signing("a"); reveal(sg.Secrets) != "endpoint-secret" {
		t.Errorf("secrets = %s, want the endpoint's", reveal(sg.Secrets))
	}
	fs, b := flagSet("--secret", "flag-secret")
	c, err = Load(Options{Flags: fs, Bindings: b})
	if err != nil {
		t.Fatal(err)
	}
	if sg, _ := c.Signing("a"); reveal(sg.Secrets) != "flag-secret" {
		t.Errorf("secrets = %s, want the flag's", reveal(sg.Secrets))
	}
}

func TestSettingsRedactSecrets(t *testing.T) {
	isolate(t)
	write(t, FileName, "secret: file-secret-value\nendpoints:\n  a:\n    secrets: [ep-secret-one, ep-secret-two]\n")
	t.Setenv("HOOKTOOL_ENDPOINTS_A_URL", "http://x")
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, s := range c.Settings() {
		all.WriteString(s.Key + "=" + s.Value + "\n")
	}
	for _, leak := range []string{"file-secret-value", "ep-secret-one", "ep-secret-two"} {
		if strings.Contains(all.String(), leak) {
			t.Errorf("settings leak %s:\n%s", leak, all.String())
		}
	}
	if s := setting(t, c, "endpoints.a.secrets"); s.Value != "[redacted] (2)" {
		t.Errorf("endpoint secrets = %q", s.Value)
	}
	if s := setting(t, c, "endpoints.a.url"); s.Source != FromEnv || s.Origin != "HOOKTOOL_ENDPOINTS_A_URL" {
		t.Errorf("endpoint url setting = %+v", s)
	}
}

func TestUnknownKeyWarns(t *testing.T) {
	isolate(t)
	write(t, FileName, "schme: stripe\nendpoints:\n  a:\n    secert: x\n")
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(c.Warnings(), "\n")
	if !strings.Contains(w, "schme") || !strings.Contains(w, "endpoints.a.secert") {
		t.Errorf("warnings = %q", w)
	}
}

func TestParseTolerance(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 300 * time.Second, "0": 0, "300": 300 * time.Second, "5m": 5 * time.Minute, "90s": 90 * time.Second} {
		if got, err := ParseTolerance(in); err != nil || got != want {
			t.Errorf("ParseTolerance(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-1", "soon", "-5m"} {
		if _, err := ParseTolerance(bad); err == nil {
			t.Errorf("ParseTolerance(%q) accepted", bad)
		}
	}
}

func reveal(secrets []signature.Secret) string {
	var out []string
	for _, s := range secrets {
		out = append(out, s.Reveal())
	}
	return strings.Join(out, ",")
}

// TestEndpointsResolveAlone checks one endpoint's broken secret does not stop
// another endpoint, nor the top level, from working.
func TestEndpointsResolveAlone(t *testing.T) {
	dir := isolate(t)
	write(t, filepath.Join(dir, "home", ".secrets", "stripe"), "home-secret\n")
	write(t, filepath.Join(dir, "conf", "rel.txt"), "relative-secret\n")
	write(t, filepath.Join(dir, "conf", "c.yaml"), `
secret_file: /nonexistent/secret
endpoints:
  staging:
    secret: own
  prod:
    secret_env: UNSET_PROD_SECRET
  home:
    secret_file: ~/.secrets/stripe
  rel:
    secret_file: rel.txt
`)
	c, err := Load(Options{ConfigFile: filepath.Join(dir, "conf", "c.yaml")})
	if err != nil {
		t.Fatalf("one endpoint's missing secret stopped the load: %v", err)
	}
	for name, want := range map[string]string{"staging": "own", "home": "home-secret", "rel": "relative-secret"} {
		sg, err := c.Signing(name)
		if err != nil || reveal(sg.Secrets) != want {
			t.Errorf("%s: %v %s, want %s", name, err, reveal(sg.Secrets), want)
		}
	}
	if _, err := c.Signing("prod"); err == nil || !strings.Contains(err.Error(), "UNSET_PROD_SECRET") {
		t.Errorf("prod: %v, want the unset variable named", err)
	}
	if _, err := c.Signing(""); err == nil {
		t.Error("the unreadable top-level secret_file is not an error at the top level")
	}
	if len(c.Settings()) == 0 {
		t.Error("no settings")
	}
}

func TestYAMLErrorsHideValues(t *testing.T) {
	isolate(t)
	for _, doc := range []string{"secret: *abc123leak\n", "secret: !!int SECRETleak\n", "a: 1\nsecret: \"unterminated leak\n"} {
		write(t, FileName, doc)
		_, err := Load(Options{})
		if err == nil {
			t.Errorf("%q loaded", doc)
			continue
		}
		if strings.Contains(err.Error(), "leak") {
			t.Errorf("%q: the error shows the value: %v", doc, err)
		}
	}
}
