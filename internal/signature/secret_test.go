package signature

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// The secret's value, and pieces of it that would show in a partial leak.
const (
	secretValue = "whsec_c2VjcmV0LXNob3VsZC1uZXZlci1wcmludA=="
	secretCore  = "c2VjcmV0LXNob3VsZC1uZXZlci1wcmludA" // the part after whsec_
)

// leaks reports whether out shows the secret: its value, its base64 core,
// or either in hex (for %x).
func leaks(out string) bool {
	for _, v := range []string{secretValue, secretCore, fmt.Sprintf("%x", secretCore), fmt.Sprintf("%X", secretCore)} {
		if strings.Contains(out, v) {
			return true
		}
	}
	return false
}

type exportedHolder struct {
	Name   string
	Secret Secret
}

type unexportedHolder struct {
	name   string
	secret Secret
}

type nestedHolder struct {
	inner unexportedHolder
	list  []Secret
	byKey map[string]Secret
	ptr   *Secret
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("  " + secretValue + "\n")
	if s.Reveal() != secretValue {
		t.Fatalf("Reveal = %q, want the trimmed value", s.Reveal())
	}
	values := map[string]any{
		"Secret":                s,
		"*Secret":               &s,
		"[]Secret":              []Secret{s, s},
		"map":                   map[string]Secret{"k": s},
		"exported field":        exportedHolder{"x", s},
		"*exported field":       &exportedHolder{"x", s},
		"unexported field":      unexportedHolder{"x", s},
		"*unexported field":     &unexportedHolder{"x", s},
		"nested unexported":     nestedHolder{inner: unexportedHolder{"x", s}, list: []Secret{s}, byKey: map[string]Secret{"k": s}, ptr: &s},
		"LabeledSecret":         LabeledSecret{Label: "staging", Secret: s},
		"VerifyOptions":         VerifyOptions{Alternates: []LabeledSecret{{Label: "staging", Secret: s}}},
		"any slice":             []any{s, &s},
		"anonymous unexported":  struct{ s Secret }{s},
		"array":                 [1]Secret{s},
		"interface in a struct": struct{ v any }{s},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.40s", "%T", "%p"}
	for name, v := range values {
		for _, verb := range verbs {
			if out := fmt.Sprintf(verb, v); leaks(out) {
				t.Errorf("%s with %s: %q shows the secret", name, verb, out)
			}
		}
		if out := fmt.Sprint(v) + fmt.Sprintln(v); leaks(out) {
			t.Errorf("%s with Sprint: %q shows the secret", name, out)
		}
	}
	if got := fmt.Sprint(s); got != Redacted {
		t.Errorf("Sprint = %q, want %q", got, Redacted)
	}
}

func TestSecretMarshalling(t *testing.T) {
	s := NewSecret(secretValue)
	for name, v := range map[string]any{
		"Secret":         s,
		"exported field": exportedHolder{"x", s},
		"tagged": struct {
			S Secret `json:"secret"`
		}{s},
		"map":           map[string]Secret{"k": s},
		"LabeledSecret": LabeledSecret{Label: "staging", Secret: s},
		"pointer":       &s,
	} {
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if leaks(string(out)) || !strings.Contains(string(out), Redacted) {
			t.Errorf("json %s: %s", name, out)
		}
		out, err = xml.Marshal(struct {
			XMLName xml.Name `xml:"x"`
			V       any
		}{V: v})
		if err == nil && leaks(string(out)) {
			t.Errorf("xml %s: %s", name, out)
		}
	}
	text, _ := s.MarshalText()
	if string(text) != Redacted {
		t.Errorf("MarshalText = %q", text)
	}
	// A map keyed by a secret uses MarshalText for the key.
	out, err := json.Marshal(map[Secret]int{s: 1})
	if err != nil || leaks(string(out)) {
		t.Errorf("json map key: %s, %v", out, err)
	}
}

func TestSecretInErrors(t *testing.T) {
	s := NewSecret(secretValue)
	base := fmt.Errorf("bad secret %v (%s, %q)", s, s, s)
	errs := []error{
		base,
		fmt.Errorf("wrapped: %w", base),
		fmt.Errorf("holder: %+v", exportedHolder{"x", s}),
		fmt.Errorf("holder: %+v", unexportedHolder{"x", s}),
		errors.Join(base, fmt.Errorf("%#v", s)),
	}
	for _, err := range errs {
		if leaks(err.Error()) {
			t.Errorf("error %q shows the secret", err)
		}
	}
	if !errors.Is(errs[1], base) {
		t.Fatal("wrapping lost the error chain")
	}
}

func TestSecretInSlog(t *testing.T) {
	s := NewSecret(secretValue)
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		slog.New(h).Info("verify", "secret", s, "holder", exportedHolder{"x", s}, "hidden", unexportedHolder{"x", s})
	}
	if leaks(buf.String()) {
		t.Errorf("slog output shows the secret:\n%s", buf.String())
	}
}

func TestSecretZero(t *testing.T) {
	var zero Secret
	if !zero.IsZero() || zero.Reveal() != "" {
		t.Error("the zero Secret is not empty")
	}
	if !NewSecret(" \t\n").IsZero() {
		t.Error("a whitespace secret is not empty")
	}
	if NewSecret("x").IsZero() {
		t.Error("a set secret is empty")
	}
	if fmt.Sprint(zero) != Redacted {
		t.Errorf("zero Secret prints %q", fmt.Sprint(zero))
	}
}

// TestVerdictsNeverShowSecrets: whatever the outcome, a verdict (as JSON,
// as the CLI would print it) does not contain a configured secret.
func TestVerdictsNeverShowSecrets(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			good := signMsg(t, s, c.secret, testBody, signedAt)
			msgs := map[string]Message{
				"valid":    good,
				"tampered": {Header: good.Header, Body: []byte("x"), URL: testURL},
				"missing":  {Header: map[string][]string{}, Body: testBody},
			}
			for name, m := range msgs {
				for _, secrets := range [][]Secret{secretsOf(c.secret), secretsOf(c.old, third)} {
					v, err := Verify(s, m, secrets, VerifyOptions{
						Now: signedAt, Tolerance: DefaultTolerance,
						Alternates: []LabeledSecret{{Label: "endpoint staging", Secret: NewSecret(c.secret)}},
					})
					if err != nil {
						t.Fatal(err)
					}
					out, _ := json.Marshal(v)
					for _, sec := range []string{c.secret, c.old, third} {
						if strings.Contains(string(out), sec) || strings.Contains(fmt.Sprintf("%+v", v), sec) {
							t.Fatalf("%s: verdict shows a secret: %s", name, out)
						}
					}
				}
			}
		})
	}
}
