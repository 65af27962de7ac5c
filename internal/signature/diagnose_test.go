package signature

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func indentJSON(t testing.TB, b []byte, indent string) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", indent); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func hasHint(hints []string, sub string) bool {
	return slices.ContainsFunc(hints, func(h string) bool { return strings.Contains(h, sub) })
}

// TestBodyHints: the body was changed after signing in one of the usual
// ways; the mismatch verdict says which, once.
func TestBodyHints(t *testing.T) {
	pretty2 := indentJSON(t, testBody, "  ")
	for _, x := range []struct {
		name           string
		signed, sent   []byte
		hint           string
		otherHintWords string // words the hint must not carry (another variant's)
	}{
		{"newline added", testBody, append(bytes.Clone(testBody), '\n'), "trailing newline removed", "newline added"},
		{"CRLF added", testBody, append(bytes.Clone(testBody), '\r', '\n'), "trailing newline removed", "newline added"},
		{"newline stripped", append(bytes.Clone(testBody), '\n'), testBody, "trailing newline added", "newline removed"},
		{"second newline added", append(bytes.Clone(testBody), '\n'), append(bytes.Clone(testBody), '\n', '\n'), "trailing newline removed", "newline added"},
		{"CRLF added after LF", append(bytes.Clone(testBody), '\n'), append(bytes.Clone(testBody), '\n', '\r', '\n'), "trailing newline removed", "newline added"},
		{"pretty-printed by jq (with a newline)", testBody, append(bytes.Clone(pretty2), '\n'), "compact JSON", "indented"},
		{"pretty-printed", testBody, pretty2, "compact JSON", "indented"},
		{"compacted from 2 spaces", pretty2, testBody, "re-indented with 2 spaces", "4 spaces"},
		{"compacted from 4 spaces", indentJSON(t, testBody, "    "), testBody, "re-indented with 4 spaces", "2 spaces"},
		{"compacted from tabs", indentJSON(t, testBody, "\t"), testBody, "re-indented with tabs", "spaces"},
		{"re-indented 4 to 2", indentJSON(t, testBody, "    "), pretty2, "re-indented with 4 spaces", "compact"},
	} {
		for _, c := range schemeCases {
			if !c.bodyBound {
				continue
			}
			t.Run(x.name+"/"+c.name, func(t *testing.T) {
				s := lookupCase(t, c)
				m := signMsg(t, s, c.secret, x.signed, signedAt)
				m.Body = bytes.Clone(x.sent)
				v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
				wantReason(t, v, ReasonMismatch)
				if len(v.Hints) != 1 || !strings.Contains(v.Hints[0], x.hint) || strings.Contains(v.Hints[0], x.otherHintWords) {
					t.Fatalf("hints %q, want exactly one containing %q", v.Hints, x.hint)
				}
				// Diagnosis is about the configured secrets: with a wrong
				// one, the same change is not reported.
				v = verify(t, s, m, secretsOf(c.old), signedAt, DefaultTolerance)
				if len(v.Hints) != 0 {
					t.Fatalf("wrong secret: hints %q, want none", v.Hints)
				}
			})
		}
	}
}

func TestAlternateSecretHint(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			m := signMsg(t, s, c.old, testBody, signedAt) // signed for staging
			alts := []LabeledSecret{
				{Label: "endpoint production", Secret: NewSecret(third)},
				{Label: "endpoint staging", Secret: NewSecret(c.old)},
			}
			v, err := Verify(s, m, secretsOf(c.secret), VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance, Alternates: alts})
			if err != nil {
				t.Fatal(err)
			}
			wantReason(t, v, ReasonMismatch)
			if len(v.Hints) != 1 || !strings.Contains(v.Hints[0], "endpoint staging") {
				t.Fatalf("hints %q, want one naming endpoint staging", v.Hints)
			}
			// Alternates are for diagnosis only: they never make a message valid.
			if v.Valid || v.SecretIndex != 0 {
				t.Fatalf("alternate made the verdict valid: %+v", v)
			}
			// An alternate that does not match gives no hint.
			v, _ = Verify(s, m, secretsOf(c.secret), VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance, Alternates: alts[:1]})
			if len(v.Hints) != 0 {
				t.Fatalf("non-matching alternate: hints %q", v.Hints)
			}
		})
	}
}

// TestEmptyAlternateNoHint: an alternate whose secret is empty matches
// whatever was signed with the empty key; that is no evidence of anything.
func TestEmptyAlternateNoHint(t *testing.T) {
	c := caseNamed(t, "github")
	s := lookupCase(t, c)
	m := Message{Header: http.Header{"X-Hub-Signature-256": {"sha256=" + hx(mac(sha256.New, nil, string(testBody)))}}, Body: testBody}
	alts := []LabeledSecret{{Label: "endpoint unset", Secret: NewSecret("")}, {Label: "endpoint zero"}}
	v, err := Verify(s, m, secretsOf(c.secret), VerifyOptions{Now: signedAt, Alternates: alts})
	if err != nil {
		t.Fatal(err)
	}
	wantReason(t, v, ReasonMismatch)
	if len(v.Hints) != 0 {
		t.Fatalf("hints %q, want none", v.Hints)
	}
}

func TestRawBytesSecretHint(t *testing.T) {
	for _, name := range []string{"standard-webhooks", "svix"} {
		t.Run(name, func(t *testing.T) {
			c := caseNamed(t, name)
			s := lookupCase(t, c)
			m := signMsg(t, s, c.secret, testBody, signedAt)
			ts := strconv.FormatInt(signedAt.Unix(), 10)
			// The sender keyed the HMAC with the whole "whsec_..." string.
			wrongKey := mac(sha256.New, []byte(c.secret), testID+"."+ts+"."+string(testBody))
			m.Header.Set(c.sigHeader, "v1,"+b64(wrongKey))
			v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
			wantReason(t, v, ReasonMismatch)
			if len(v.Hints) != 1 || !strings.Contains(v.Hints[0], "raw bytes") {
				t.Fatalf("hints %q, want one about raw bytes", v.Hints)
			}
		})
	}
}

// builtin are the schemes without settings, each with a message it signed.
func builtinCases() []schemeCase {
	var out []schemeCase
	for _, c := range schemeCases {
		if c.scheme != "hmac" && !c.opts.GitHubSHA1 {
			out = append(out, c)
		}
	}
	return out
}

// TestWrongSchemeHint: a message signed under one scheme and checked under
// another is a missing header, with a hint naming the scheme it fits.
func TestWrongSchemeHint(t *testing.T) {
	var targets []schemeCase
	targets = append(targets, builtinCases()...)
	targets = append(targets, caseNamed(t, "hmac hex+prefix"), caseNamed(t, "hmac base64 id.timestamp.body"))
	for _, from := range builtinCases() {
		for _, to := range targets {
			if from.scheme == to.scheme || from.scheme == "standard-webhooks" && to.scheme == "svix" {
				continue // svix reads the webhook-* headers: see TestSvixUnbrandedHeaders
			}
			t.Run(from.name+" as "+to.name, func(t *testing.T) {
				m := signMsg(t, lookupCase(t, from), from.secret, testBody, signedAt)
				s := lookupCase(t, to)
				v := verify(t, s, m, secretsOf(to.secret), signedAt, DefaultTolerance)
				wantReason(t, v, ReasonMissingHeader)
				if !slices.Contains(s.HeaderNames(), v.Header) {
					t.Fatalf("missing %q, not a %s header", v.Header, to.name)
				}
				want := "try --scheme " + from.scheme
				if len(v.Hints) != 1 || !strings.Contains(v.Hints[0], want) {
					t.Fatalf("hints %q, want one with %q", v.Hints, want)
				}
			})
		}
	}
}

func TestOtherSchemeVerifiesHint(t *testing.T) {
	stripeCase := caseNamed(t, "stripe")
	s := lookupCase(t, stripeCase)
	secret := stripeCase.secret
	// Stripe-Signature signed with something else; X-Hub-Signature-256 with
	// the configured secret.
	m := signMsg(t, s, stripeCase.old, testBody, signedAt)
	gh, _ := Lookup("github", Options{})
	fields, err := Sign(gh, NewSecret(secret), SignInput{Body: testBody})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		m.Header.Set(f.Name, f.Value)
	}
	v := verify(t, s, m, secretsOf(secret), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMismatch)
	if len(v.Hints) != 1 || !strings.Contains(v.Hints[0], "verifies under --scheme github") || !strings.Contains(v.Hints[0], "X-Hub-Signature-256") {
		t.Fatalf("hints %q, want one saying it verifies under --scheme github", v.Hints)
	}
	// When the GitHub header does not verify either, nothing is said.
	m.Header.Set("X-Hub-Signature-256", "sha256="+hex32)
	v = verify(t, s, m, secretsOf(secret), signedAt, DefaultTolerance)
	if len(v.Hints) != 0 {
		t.Fatalf("hints %q, want none", v.Hints)
	}
}

// TestCleanMismatchNoHints: a wrong secret, and nothing else wrong, gives a
// mismatch with no speculation.
func TestCleanMismatchNoHints(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			for _, body := range [][]byte{testBody, indentJSON(t, testBody, "  "), []byte("plain\n"), nil} {
				m := signMsg(t, s, c.secret, body, signedAt)
				v, err := Verify(s, m, secretsOf(c.old, third), VerifyOptions{
					Now: signedAt, Tolerance: DefaultTolerance,
					Alternates: []LabeledSecret{{Label: "endpoint other", Secret: NewSecret(c.old + "0")}},
				})
				if err != nil {
					t.Fatal(err)
				}
				wantReason(t, v, ReasonMismatch)
				if len(v.Hints) != 0 {
					t.Fatalf("body %q: hints %q, want none", body, v.Hints)
				}
			}
		})
	}
}

// TestStripeAPIKeyAsSecret: a Stripe API key (sk_, rk_, pk_) configured as
// the stripe scheme's secret is named as such; for Paystack, whose sk_ key
// is the webhook secret, it is not.
func TestStripeAPIKeyAsSecret(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"charge.succeeded"}`)
	now := time.Unix(1700000000, 0)
	for _, c := range []struct {
		scheme, secret string
		want           bool
	}{
		{"stripe", "sk_test_51Habc", true},
		{"stripe", "rk_live_51Habc", true},
		{"stripe", "whsec_other", false},
		{"paystack", "sk_test_abc", false},
	} {
		s, err := Lookup(c.scheme, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fields, err := Sign(s, NewSecret("whsec_the_real_one"), SignInput{Body: body, Timestamp: now})
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		for _, f := range fields {
			h.Add(f.Name, f.Value)
		}
		v, err := Verify(s, Message{Header: h, Body: body}, []Secret{NewSecret(c.secret)}, VerifyOptions{Now: now, Tolerance: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(strings.Join(v.Hints, "\n"), "is a Stripe API key")
		if v.Reason != ReasonMismatch || got != c.want {
			t.Errorf("%s with %s: %s, hints %q; want a mismatch, API key hint %v", c.scheme, c.secret, v.Reason, v.Hints, c.want)
		}
		if strings.Contains(strings.Join(v.Hints, "\n"), c.secret) {
			t.Errorf("%s: a hint shows the secret: %q", c.scheme, v.Hints)
		}
	}
}
