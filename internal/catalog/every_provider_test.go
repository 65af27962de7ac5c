package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// testSecrets are what a profile is signed with in the tests: a raw secret
// first, a whsec_ base64 one for the schemes that take only that, and a
// hex one for a profile whose secret_encoding is hex (Adyen).
var testSecrets = []signature.Secret{
	signature.NewSecret("hooktool-test-secret-0123456789"),
	signature.NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
	signature.NewSecret("44782def547aaa06c910c43932b1eb0c71fc68d9d0c057550c48ec2acf6ba056"),
}

// signerFor is a signer for the profile with the first test secret it can
// use, and the secret that verifies what it signs: for an asymmetric
// scheme, a fresh key pair's private key signs and its public key
// verifies.
func signerFor(t *testing.T, s signature.Scheme) (*signature.Signer, signature.Secret) {
	t.Helper()
	if signature.Asymmetric(s) {
		kp, err := signature.NewKeyPair(s)
		if err != nil {
			t.Fatalf("keygen for the %s scheme: %v", s.Name(), err)
		}
		g, err := signature.NewSigner(s, kp.Private)
		if err != nil {
			t.Fatalf("a %s key pair's private key does not sign: %v", s.Name(), err)
		}
		return g, signature.NewPublicKey(kp.Public)
	}
	var last error
	for _, sec := range testSecrets {
		g, err := signature.NewSigner(s, sec)
		if err == nil {
			return g, sec
		}
		last = err
	}
	t.Fatalf("no test secret suits the %s scheme: %v", s.Name(), last)
	return nil, signature.Secret{}
}

// TestEveryProviderEveryEvent walks the whole catalog: each event's sample
// renders to a body of the provider's content type; the event type is
// where the profile says (event_path or event_header) and is the event's
// name; a delivery signed with the profile (as trigger signs it: in the
// body for a profile whose signature travels there) verifies; and a
// one-byte change (to the body; to the token of a scheme that sends the
// secret itself; to the signature in the body) is refused as a signature
// mismatch. A provider that does not sign (scheme none) gets nothing.
func TestEveryProviderEveryEvent(t *testing.T) {
	c := loadBuiltin(t)
	now := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	for _, p := range c.Providers {
		t.Run(p.ID, func(t *testing.T) {
			if p.Signing.Scheme == "" {
				t.Fatal("no signing scheme")
			}
			s, err := signature.Lookup(p.Signing.Scheme, p.Signing.Options())
			if err != nil {
				t.Fatal(err)
			}
			g, sec := signerFor(t, s)
			target := "https://hooks.example.com/webhooks/" + p.ID + "?env=test"
			for i := range p.Events {
				e := &p.Events[i]
				body, err := e.Render(now)
				if err != nil {
					t.Errorf("%s: %v", e.Name, err)
					continue
				}
				checkContentType(t, p, e.Name, body)
				h := p.Headers(e.Name)
				if got := p.EventOf(h, body); got != e.Name {
					t.Errorf("%s: the event type found (%s%s) is %q", e.Name, p.EventHeader, p.EventPath, got)
				}
				// Signed as trigger signs: in the body for a profile whose
				// signature travels there, in headers otherwise.
				in := signature.SignInput{Body: body, ID: "msg_" + p.ID, Timestamp: now.Add(-time.Minute), URL: target}
				if body, err = g.SignBody(in); err != nil {
					t.Fatalf("%s: sign the body: %v", e.Name, err)
				}
				if !signature.SignsInBody(s) {
					fields, err := g.Sign(in)
					if err != nil {
						t.Fatalf("%s: sign: %v", e.Name, err)
					}
					for _, f := range fields {
						h.Add(f.Name, f.Value)
					}
				}
				if signature.Unsigned(s) {
					// A provider that does not sign: nothing to verify.
					if len(h) != len(p.Headers(e.Name)) {
						t.Errorf("%s: the none scheme signed headers %v", e.Name, h)
					}
					continue
				}
				verify := func(h http.Header, body []byte) signature.Verdict {
					v, err := signature.Verify(s, signature.Message{Header: h, Body: body, URL: target}, []signature.Secret{sec}, signature.VerifyOptions{Now: now, Tolerance: signature.DefaultTolerance})
					if err != nil {
						t.Fatalf("%s: verify: %v", e.Name, err)
					}
					return v
				}
				if v := verify(h, body); !v.Valid {
					t.Errorf("%s: a delivery signed with the profile does not verify: %s %s", e.Name, v.Reason, v.Message)
				}
				tampered, th := bytes.Clone(body), h.Clone()
				switch tokens := signature.SecretHeaders(s); {
				case len(tokens) > 0:
					v := []byte(th.Get(tokens[0]))
					v[len(v)/2] ^= 1
					th.Set(tokens[0], string(v))
				case signature.SignsInBody(s):
					// Part of the body may be unsigned (Midtrans signs three
					// fields): one byte of the signature itself changes.
					sig := FieldIn(body, p.Signing.HMAC.SignatureField)
					i := bytes.Index(tampered, []byte(sig))
					if sig == "" || i < 0 {
						t.Fatalf("%s: no signature in %s of the signed body", e.Name, p.Signing.HMAC.SignatureField)
					}
					tampered[i] = map[bool]byte{true: '1', false: '0'}[tampered[i] == '0']
				default:
					tampered[len(tampered)/2] ^= 1
				}
				if v := verify(th, tampered); v.Valid || v.Reason != signature.ReasonMismatch {
					t.Errorf("%s: a one-byte change gives %s (%s), want %s", e.Name, v.Reason, v.Message, signature.ReasonMismatch)
				}
			}
		})
	}
}

// checkContentType: a JSON body is valid JSON, a form body parses.
func checkContentType(t *testing.T, p *Provider, event string, body []byte) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(p.ContentType)
	if err != nil {
		t.Errorf("content_type %q: %v", p.ContentType, err)
		return
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if !json.Valid(body) {
			t.Errorf("%s: the sample is not valid JSON:\n%s", event, body)
		}
	case mt == "application/x-www-form-urlencoded":
		if _, err := url.ParseQuery(string(body)); err != nil {
			t.Errorf("%s: the sample is not a form: %v", event, err)
		}
	default:
		t.Errorf("%s: no check for content type %s", event, mt)
	}
}

// TestEveryProviderFileDescribesItself: every built-in provider names its
// documentation (an https docs_url, or for the seeds whose provider is not
// identified, the seed document in source), a category from Categories
// and its regions.
func TestEveryProviderFileDescribesItself(t *testing.T) {
	for _, p := range loadBuiltin(t).Providers {
		u, err := url.Parse(p.DocsURL)
		switch {
		case p.DocsURL == "" && strings.Contains(p.Source, "shared/seeds/"):
		case err != nil || u.Scheme != "https" || u.Host == "":
			t.Errorf("%s: docs_url %q is not an https URL", p.ID, p.DocsURL)
		}
		if !slices.Contains(Categories, p.Category) {
			t.Errorf("%s: category %q is not one of %v", p.ID, p.Category, Categories)
		}
		if len(p.Regions) == 0 {
			t.Errorf("%s: no regions (ISO country codes, or global)", p.ID)
		}
	}
}

// TestCategoryAndRegionsAreChecked: a provider file with a category
// outside the set, or a region that is no country code, is refused with
// its line.
func TestCategoryAndRegionsAreChecked(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"id: x\nname: X\nevent_path: e\ncategory: banks\nevents:\n  - name: a\n    sample: '{}'\n", `bad.yaml:4: category "banks" is not one of payments`},
		{"id: x\nname: X\nevent_path: e\nregions: [NG, nigeria]\nevents:\n  - name: a\n    sample: '{}'\n", `bad.yaml:4: region "nigeria"`},
		// A tolerance that is not a duration is said as such (it was
		// worded as a retry wait's error).
		{"id: x\nname: X\nevent_path: e\nsigning:\n  scheme: github\n  tolerance: 5 minutes\nevents:\n  - name: a\n    sample: '{}'\n", `bad.yaml:6: not a duration such as 30s`},
	} {
		if _, err := Parse("bad.yaml", []byte(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

// TestFindAmbiguousNamesEveryProvider: an event name several providers
// share (GitHub's and Gitea's push) is found with --provider, and without
// one is refused naming every provider that has it.
func TestFindAmbiguousNamesEveryProvider(t *testing.T) {
	c := loadBuiltin(t)
	owners := map[string][]string{}
	for _, p := range c.Providers {
		for _, name := range p.EventNames() {
			owners[name] = append(owners[name], p.ID)
		}
	}
	for name, ids := range owners {
		for _, id := range ids {
			if e, err := c.Find(name, id); err != nil || e.Provider().ID != id {
				t.Errorf("Find(%q, %s): %v", name, id, err)
			}
		}
		_, err := c.Find(name, "")
		if len(ids) == 1 {
			if err != nil {
				t.Errorf("Find(%q) without a provider: %v", name, err)
			}
			continue
		}
		if !errors.Is(err, ErrAmbiguousEvent) || !strings.Contains(err.Error(), strings.Join(ids, ", ")) {
			t.Errorf("Find(%q) without a provider: %v, want %v naming %v", name, err, ErrAmbiguousEvent, ids)
		}
	}
}
