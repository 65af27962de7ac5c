package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

// run executes hooktool in-process and returns its exit code and output.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	streams, out, errb := term.Test(stdin)
	app := &App{Streams: streams, Getenv: os.Getenv, Now: func() time.Time { return time.Unix(1_800_000_000, 0) }}
	code := Main(context.Background(), app, args)
	return code, out.String(), errb.String()
}

// sandbox isolates a test from the user's config and environment.
func sandbox(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "HOOKTOOL_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Chdir(dir)
	return dir
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestSignVerifyEveryScheme signs with each scheme in the raw HTTP form and
// verifies the request file, then checks a one-byte change is caught.
func TestSignVerifyEveryScheme(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	// Not valid UTF-8, with a NUL and CRLF: the bytes must go through untouched.
	body := []byte("{\"amount\":5000,\"note\":\"caf\xe9\x00\"}\r\n")
	writeFile(t, "body.bin", body)
	hmacFlags := []string{"--hmac-header", "X-Sig", "--hmac-template", "{id}:{timestamp}:{body}", "--hmac-id-header", "X-Id", "--hmac-timestamp-header", "X-Ts", "--hmac-encoding", "base64", "--hmac-prefix", "sha512=", "--hmac-hash", "sha512"}
	for _, scheme := range signature.Names() {
		t.Run(scheme, func(t *testing.T) {
			args := []string{"sign", "--scheme", scheme, "--payload", "body.bin", "--format", "http", "--to", "http://127.0.0.1:9/hook?x=1"}
			vargs := []string{"verify", "--scheme", scheme, "--request", "req.http"}
			if scheme == "hmac" {
				args = append(args, hmacFlags...)
				vargs = append(vargs, hmacFlags...)
			}
			code, out, errs := run(t, "", args...)
			if scheme == "none" {
				// Nothing to sign or verify: both refuse, naming why.
				if code != ExitError || !strings.Contains(errs, "does not sign") {
					t.Fatalf("sign --scheme none: %d %s", code, errs)
				}
				writeFile(t, "req.http", []byte("POST /hook HTTP/1.1\r\nHost: h\r\nX-Sig: x\r\n\r\n{}"))
				if code, _, errs = run(t, "", vargs...); code != ExitError || !strings.Contains(errs, "nothing to verify") {
					t.Fatalf("verify --scheme none: %d %s", code, errs)
				}
				return
			}
			if code != ExitOK {
				t.Fatalf("sign: %d %s", code, errs)
			}
			if scheme == "flutterwave" {
				if strings.Contains(out, "MfKQ9r8") || !strings.Contains(out, "verif-hash: [redacted]") || !strings.Contains(errs, "not printed") {
					t.Fatalf("flutterwave's verif-hash is the secret and must be redacted:\n%s\n%s", out, errs)
				}
				return
			}
			if !strings.HasSuffix(out, string(body)) {
				t.Fatalf("the http form does not end with the exact body:\n%q", out)
			}
			writeFile(t, "req.http", []byte(out))
			if code, out, errs = run(t, "", vargs...); code != ExitOK || !strings.Contains(out, "✔ valid") {
				t.Fatalf("verify: %d %s %s", code, out, errs)
			}
			req, _ := os.ReadFile("req.http")
			writeFile(t, "req.http", []byte(strings.Replace(string(req), "5000", "9000", 1)))
			if code, out, _ = run(t, "", vargs...); code != ExitInvalid || !strings.Contains(out, "signature_mismatch") {
				t.Fatalf("tampered body: %d %s", code, out)
			}
		})
	}
}

// TestSecretsNeverPrinted runs commands that succeed and fail in every output
// mode and checks no secret value appears anywhere.
func TestSecretsNeverPrinted(t *testing.T) {
	sandbox(t)
	const top, ep1, ep2, flagSecret = "TOPSECRETvalue1", "ENDPOINTsecretA", "ENDPOINTsecretB", "FLAGsecretZ"
	writeFile(t, "hooktool.yaml", []byte("secret: "+top+"\nendpoints:\n  a:\n    scheme: stripe\n    secrets: ["+ep1+", "+ep2+"]\n"))
	writeFile(t, "body.json", []byte(`{"a":1}`))
	writeFile(t, "secret.txt", []byte(flagSecret+"\n"))
	cases := [][]string{
		{"config"},
		{"config", "--json"},
		{"sign", "--scheme", "github", "--payload", "body.json"},
		{"sign", "--scheme", "flutterwave", "--payload", "body.json", "--json", "--format", "nope"},
		{"sign", "--endpoint", "a", "--payload", "body.json", "--format", "json"},
		{"verify", "--endpoint", "a", "--payload", "body.json", "--header", "Stripe-Signature: t=1800000000,v1=00"},
		{"verify", "--endpoint", "a", "--payload", "body.json", "--header", "Stripe-Signature: t=1800000000,v1=00", "--json"},
		{"verify", "--scheme", "standard-webhooks", "--payload", "body.json", "--header", "webhook-id: x", "--header", "webhook-timestamp: 1", "--header", "webhook-signature: v1,AA=="},
		{"verify", "--scheme", "github", "--secret-file", "secret.txt", "--payload", "body.json", "--header", "X-Hub-Signature-256: sha256=zz", "--json"},
		{"verify", "--scheme", "github", "--secret", flagSecret, "--payload", "missing.json", "--header", "X-Hub-Signature-256: sha256=00"},
		{"verify", "--scheme", "github", "--secret", flagSecret, "--payload", "body.json", "--header", "broken"},
	}
	for _, args := range cases {
		_, out, errs := run(t, "", args...)
		for _, s := range []string{top, ep1, ep2, flagSecret} {
			if strings.Contains(out, s) || strings.Contains(errs, s) {
				t.Errorf("hooktool %s printed a secret:\nstdout: %s\nstderr: %s", strings.Join(args, " "), out, errs)
			}
		}
	}
}

func TestExitCodes(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "s3cret")
	writeFile(t, "body.json", []byte(`{"a":1}`))
	_, sig, _ := run(t, "", "sign", "--scheme", "github", "--payload", "body.json")
	header := strings.TrimSpace(sig)
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"verify", "--scheme", "github", "--payload", "body.json", "--header", header}, ExitOK},
		{[]string{"verify", "--scheme", "github", "--payload", "body.json", "--header", "X-Hub-Signature-256: sha256=00"}, ExitInvalid},
		{[]string{"verify", "--scheme", "github", "--payload", "body.json", "--header", "Stripe-Signature: t=1"}, ExitInvalid},
		{[]string{"verify", "--scheme", "github", "--payload", "nope.json", "--header", header}, ExitError},
		{[]string{"verify", "--scheme", "nope", "--payload", "body.json", "--header", header}, ExitError},
		{[]string{"verify", "--payload", "body.json", "--header", header}, ExitError},
		{[]string{"verify", "--scheme", "github", "--payload", "body.json"}, ExitError},
		{[]string{"verify", "--scheme", "github", "--payload", "body.json", "--header", header, "--at", "yesterday"}, ExitError},
		{[]string{"verify", "extra-arg"}, ExitError},
		{[]string{"nosuch"}, ExitError},
		{[]string{"sign", "--scheme", "github", "--payload", "body.json", "--format", "xml"}, ExitError},
	}
	for _, tc := range cases {
		if code, out, errs := run(t, "", tc.args...); code != tc.want {
			t.Errorf("hooktool %s: exit %d, want %d\n%s%s", strings.Join(tc.args, " "), code, tc.want, out, errs)
		}
	}
}

// TestPayloadFromStdin checks the body read from stdin is signed as is.
func TestPayloadFromStdin(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "It's a Secret to Everybody")
	code, out, _ := run(t, "Hello, World!", "sign", "--scheme", "github")
	want := "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17\n"
	if code != 0 || out != want {
		t.Fatalf("got %d %q, want %q", code, out, want)
	}
}

func TestJSONErrorsOnStderrOnly(t *testing.T) {
	sandbox(t)
	code, out, errs := run(t, "", "verify", "--json", "--scheme", "github", "--payload", filepath.Join("no", "such"), "--header", "X-Hub-Signature-256: sha256=00", "--secret", "x")
	if code != ExitError || out != "" || !strings.HasPrefix(errs, `{"type":"error"`) {
		t.Fatalf("code %d stdout %q stderr %q", code, out, errs)
	}
}

func TestRedactedHeaders(t *testing.T) {
	r := &resolvedSigning{}
	r.signing.Secrets = []signature.Secret{signature.NewSecret("verysecret")}
	got := r.redactor().Shown(map[string][]string{
		"Authorization": {"Bearer abc"},
		"Verif-Hash":    {"verysecret"},
		"X-Sig":         {"deadbeef"},
	})
	if got["Authorization"] != signature.Redacted || got["Verif-Hash"] != signature.Redacted || got["X-Sig"] != "deadbeef" {
		t.Errorf("%v", got)
	}
}

// TestDynamicCompletions checks event names, provider ids, endpoint names
// and scheme names complete from the catalog and config in effect.
func TestDynamicCompletions(t *testing.T) {
	sandbox(t)
	writeFile(t, "hooktool.yaml", []byte("endpoints:\n  staging:\n    provider: accounts\n    url: http://x\n"))
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "trigger", "--provider", ""}, []string{"aella\t", "accounts\t", "duitnow\t"}},
		{[]string{"__complete", "trigger", ""}, []string{"transfer.completed\t", "ACCOUNT_CREDITED\t"}},
		{[]string{"__complete", "trigger", "--provider", "aella", ""}, []string{"mandate.created\t"}},
		{[]string{"__complete", "verify", "--endpoint", ""}, []string{"staging\taccounts http://x"}},
		{[]string{"__complete", "listen", "--scheme", ""}, []string{"standard-webhooks", "stripe", "hmac"}},
		{[]string{"__complete", "sign", "--format", ""}, []string{"curl", "http"}},
	}
	for _, tc := range cases {
		code, out, errs := run(t, "", tc.args...)
		if code != 0 {
			t.Fatalf("%v: %d %s", tc.args, code, errs)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: %q not offered in\n%s", tc.args, w, out)
			}
		}
	}
	// With a provider given, only its events are offered.
	if _, out, _ := run(t, "", "__complete", "trigger", "--provider", "aella", ""); strings.Contains(out, "ACCOUNT_CREDITED") {
		t.Errorf("another provider's events offered:\n%s", out)
	}
}

// TestEveryCommandDocumentsExamplesAndExitStatus walks the command tree: each
// runnable command has examples and an EXIT STATUS section matching the
// README's table.
func TestEveryCommandDocumentsExamplesAndExitStatus(t *testing.T) {
	streams, _, _ := term.Test("")
	root := NewRootCommand(&App{Streams: streams, Getenv: func(string) string { return "" }})
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"| 0 |", "| 1 |", "| 2 |"} {
		if !strings.Contains(string(readme), code) {
			t.Fatalf("the README's exit code table lacks %q", code)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || !c.Runnable() || strings.HasPrefix(c.CommandPath(), "hooktool completion") || c.Name() == "help" {
			return
		}
		if c.Example == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
		checkExitStatusSection(t, c)
	}
	walk(root)
	checkExitStatusSection(t, root)
}

// exitStatusSection is the section exitStatus writes, at the end of a
// command's long help: a line for each code the command can end with.
var exitStatusSection = regexp.MustCompile(`\n\nEXIT STATUS\n  0  [^\n]+(\n  1  [^\n]+)?\n  2  [^\n]+$`)

// checkExitStatusSection: a command's help has exactly one exit status
// section, its own (written by exitStatus) and last; a command that
// neither signs nor verifies does not talk about signatures in it.
func checkExitStatusSection(t *testing.T, c *cobra.Command) {
	t.Helper()
	if n := strings.Count(strings.ToLower(c.Long), "exit status"); n != 1 {
		t.Errorf("%s: %d exit status sections in its help, want 1:\n%s", c.CommandPath(), n, c.Long)
		return
	}
	m := exitStatusSection.FindString(c.Long)
	if m == "" {
		t.Errorf("%s: no EXIT STATUS section (exitStatus) at the end of its help:\n%s", c.CommandPath(), c.Long)
		return
	}
	if c.Flags().Lookup("scheme") == nil && c.HasParent() && strings.Contains(m, "signature") {
		t.Errorf("%s neither signs nor verifies, but its exit status talks about signatures:%s", c.CommandPath(), m)
	}
}

// TestScenarioRegressions covers review findings: a scenario file in the
// catalog directory, an unusable --rate, and --save keeping no secret.
func TestScenarioRegressions(t *testing.T) {
	sandbox(t)
	os.Mkdir("cat", 0o755)
	writeFile(t, filepath.Join("cat", "mine.yaml"), []byte("id: mine\nprovider: aella\nsteps:\n  - name: one\n    event: transfer.completed\n"))
	if code, _, errs := run(t, "", "events", "--catalog", "cat", "--provider", "aella"); code != 0 {
		t.Fatalf("a scenario file in the catalog directory broke events: %s", errs)
	}
	t.Setenv("HOOKTOOL_SECRET", "flw-SECRET-777")
	got := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got++ }))
	defer srv.Close()
	code, _, errs := run(t, "", "scenario", "run", "mine", "--catalog", "cat", "--to", srv.URL, "--scheme", "flutterwave", "--save", "sent.jsonl")
	if code != 0 || got != 1 {
		t.Fatalf("scenario from the catalog directory: exit %d, %d deliveries: %s", code, got, errs)
	}
	saved, _ := os.ReadFile("sent.jsonl")
	if strings.Contains(string(saved), "flw-SECRET-777") || !strings.Contains(string(saved), `"redacted_headers":["Verif-Hash"]`) {
		t.Errorf("--save kept the secret or did not name the redacted header:\n%s", saved)
	}
	for _, rate := range []string{"1e10", "Inf", "NaN", "1e-12"} {
		if code, _, _ := run(t, "", "scenario", "run", "mine", "--catalog", "cat", "--to", srv.URL, "--storm", "1", "--rate", rate); code != ExitError {
			t.Errorf("--rate %s: exit %d, want 2", rate, code)
		}
		if code, _, _ := run(t, "", "replay", "sent.jsonl", "--to", srv.URL, "--rate", rate); code != ExitError {
			t.Errorf("replay --rate %s: exit %d, want 2", rate, code)
		}
	}
}
