package config

import (
	"fmt"
	"strings"
	"testing"
)

// Hostile config files: malformed YAML, unknown keys and values of the
// wrong kind. Each is an error naming the file and the line (or, for
// unknown keys, a warning naming the key), never a panic, and never a
// silent reading of a list or map as "" or "map[…]". No error shows a
// secret's value.
func TestHostileConfigFiles(t *testing.T) {
	const leak = "LEAKME"
	tests := []struct {
		name, doc string
		// loadErr: Load fails with an error holding each of these.
		loadErr []string
		// useErr: Load succeeds, and resolving the signing settings (of
		// endpoint a when the file has one) fails so.
		useErr []string
		warn   string
	}{
		// Malformed YAML.
		{name: "unclosed flow sequence", doc: "scheme: stripe\nendpoints:\n  a: [unclosed\n", loadErr: []string{"config file hooktool.yaml: ", "line "}},
		{name: "tab indentation", doc: "scheme: stripe\nendpoints:\n\ta:\n", loadErr: []string{"config file hooktool.yaml: ", "line 3"}},
		{name: "tab on the first line", doc: "\t\tsecret: " + leak + "\n", loadErr: []string{"config file hooktool.yaml: "}},
		{name: "unterminated quote", doc: "a: 1\nsecret: \"" + leak + "\n", loadErr: []string{"config file hooktool.yaml: ", "line"}},
		{name: "duplicate key", doc: "scheme: github\nscheme: stripe\n", loadErr: []string{"config file hooktool.yaml: ", "line 2"}},
		{name: "a list at the top", doc: "- scheme\n- github\n", loadErr: []string{"config file hooktool.yaml: ", "line 1"}},
		{name: "a string at the top", doc: "just words\n", loadErr: []string{"config file hooktool.yaml: ", "line 1"}},
		{name: "an anchor that contains itself", doc: "scheme: github\nx: &a [*a]\n", loadErr: []string{"config file hooktool.yaml: "}},
		{name: "an unknown alias", doc: "secret: *" + leak + "\n", loadErr: []string{"config file hooktool.yaml: "}},

		// Unknown keys: a warning, and the rest still works.
		{name: "unknown top-level key", doc: "schme: stripe\nscheme: github\nsecret: s\n", warn: "unknown key schme"},
		{name: "unknown endpoint key", doc: "endpoints:\n  a:\n    urll: http://x\n    scheme: github\n    secret: s\n", warn: "unknown key endpoints.a.urll"},
		{name: "unknown nested key", doc: "scheme: github\nsecret: s\nextra:\n  deep: {x: [1, 2]}\n", warn: "unknown key extra.deep.x"},

		// Values of the wrong kind.
		{name: "endpoints: a list instead of a map", doc: "scheme: github\nendpoints:\n  - name: a\n    url: http://x\n", loadErr: []string{"config file hooktool.yaml:3: endpoints must be a map"}},
		{name: "endpoints: a string", doc: "endpoints: staging\n", loadErr: []string{"config file hooktool.yaml:1: endpoints must be a map"}},
		{name: "an endpoint: a list", doc: "endpoints:\n  a: [http://x, github]\n", loadErr: []string{"config file hooktool.yaml:2: endpoints.a must be a map"}},
		{name: "an endpoint: a string", doc: "endpoints:\n  a: http://x\n", loadErr: []string{"config file hooktool.yaml:2: endpoints.a must be a map"}},
		{name: "secret: a map", doc: "scheme: github\nsecret:\n  value: " + leak + "\n", loadErr: []string{"config file hooktool.yaml:3: secret must be a string or a list of strings"}},
		{name: "secrets: a map in the list", doc: "scheme: github\nsecrets:\n  - " + leak + "\n  - {b: " + leak + "}\n", loadErr: []string{"config file hooktool.yaml:3: secrets must be a string or a list of strings"}},
		{name: "endpoint secret: a map", doc: "endpoints:\n  a:\n    scheme: github\n    secret: {x: " + leak + "}\n", loadErr: []string{"config file hooktool.yaml:4: endpoints.a.secret must be"}},
		{name: "secret: a number", doc: "scheme: github\nsecret: 12345\n", useErr: []string{"config file hooktool.yaml:2: secret must be a string or a list of strings"}},
		{name: "tolerance: true", doc: "scheme: stripe\nsecret: s\ntolerance: true\n", useErr: []string{"config file hooktool.yaml:3: ", `tolerance "true" is not a duration`}},
		{name: "endpoint tolerance: true", doc: "endpoints:\n  a:\n    scheme: stripe\n    secret: s\n    tolerance: true\n", useErr: []string{"config file hooktool.yaml:5: ", `tolerance "true" is not a duration`}},
		{name: "tolerance: a list", doc: "tolerance: [5m]\n", loadErr: []string{"config file hooktool.yaml:1: tolerance must be a single value"}},
		{name: "scheme: a list", doc: "scheme: [stripe]\n", loadErr: []string{"config file hooktool.yaml:1: scheme must be a single value"}},
		{name: "scheme: a map", doc: "scheme: {name: stripe}\n", loadErr: []string{"config file hooktool.yaml:1: scheme must be a single value"}},
		{name: "hmac: a list", doc: "scheme: hmac\nhmac: [X-Sig]\n", loadErr: []string{"config file hooktool.yaml:2: hmac must be a map"}},
		{name: "hmac.header: a list", doc: "scheme: hmac\nhmac:\n  header: [X-Sig]\n", loadErr: []string{"config file hooktool.yaml:3: hmac.header must be a single value"}},
		{name: "endpoint url: a map", doc: "endpoints:\n  a:\n    url: {host: x}\n", loadErr: []string{"config file hooktool.yaml:3: endpoints.a.url must be a single value"}},
		{name: "secret_file: a list", doc: "secret_file: [a, b]\n", loadErr: []string{"config file hooktool.yaml:1: secret_file must be a single value"}},
		{name: "catalog: a map", doc: "catalog: {dir: x}\n", loadErr: []string{"config file hooktool.yaml:1: catalog must be a single value"}},
		{name: "github_sha1: maybe", doc: "scheme: github\ngithub_sha1: maybe\n", loadErr: []string{"config file hooktool.yaml:2: github_sha1 must be true or false"}},
		{name: "an alias of the wrong kind", doc: "endpoints:\n  a: &x\n    url: http://x\n  b:\n    url: *x\n", loadErr: []string{"config file hooktool.yaml:5: endpoints.b.url must be a single value"}},

		// Fine: null values, an alias of the right kind, a huge value.
		{name: "null values", doc: "scheme:\nsecret:\ntolerance:\nendpoints:\n  a:\n"},
		{name: "an alias of the right kind", doc: "scheme: github\nsecret: &s one\nendpoints:\n  a:\n    secret: *s\n"},
		{name: "a 1 MiB value", doc: "scheme: github\nsecret: " + strings.Repeat("x", 1<<20) + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			isolate(t)
			write(t, FileName, tc.doc)
			c, err := Load(Options{})
			check := func(what string, err error, want []string) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s: no error, want %q", what, want)
				}
				for _, w := range want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q, want it to hold %q", what, err, w)
					}
				}
				if strings.Contains(err.Error(), leak) {
					t.Errorf("%s: the error shows a secret: %v", what, err)
				}
			}
			if tc.loadErr != nil {
				check("Load", err, tc.loadErr)
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if w := strings.Join(c.Warnings(), "\n"); tc.warn != "" && !strings.Contains(w, tc.warn) {
				t.Errorf("warnings %q, want %q", w, tc.warn)
			} else if tc.warn == "" && w != "" {
				t.Errorf("unexpected warnings %q", w)
			}
			endpoint := ""
			if _, ok := c.Endpoints["a"]; ok {
				endpoint = "a"
			}
			_ = c.Settings() // shows every value, including invalid ones
			_ = c.Alternates("")
			_, err = c.Signing(endpoint)
			if tc.useErr == nil {
				if err != nil {
					t.Fatalf("Signing(%q): %v", endpoint, err)
				}
				return
			}
			check(fmt.Sprintf("Signing(%q)", endpoint), err, tc.useErr)
		})
	}
}
