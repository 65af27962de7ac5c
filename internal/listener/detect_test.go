package listener

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestDetectedProvider: with no scheme and a Detector, a delivery is
// named after the provider its headers point to and checked with that
// provider's secrets; one of a provider without secrets is not checked
// (no_secret: a provider is detected by its signature, so the delivery is
// signed); headers of no provider leave it unsigned.
func TestDetectedProvider(t *testing.T) {
	parse := func(y string) *catalog.Provider { return parseProvider(t, y) }
	c := &catalog.Catalog{Providers: []*catalog.Provider{
		parse("id: gh\nname: GH\nevent_header: X-GitHub-Event\nsigning: {scheme: github}\nevents:\n  - {name: push, sample: '{}'}\n"),
		parse("id: fb\nname: FB\nevent_path: entry.0.changes.0.field\nsigning: {scheme: github}\nevents:\n  - {name: feed, sample: '{}'}\n"),
		parse("id: st\nname: ST\nevent_path: type\nsigning: {scheme: stripe}\nevents:\n  - {name: x.y, sample: '{}'}\n"),
		parse("id: tk\nname: TK\nevent_path: type\nsigning: {scheme: hmac, hmac: {header: X-Token, mode: token}}\nevents:\n  - {name: x.z, sample: '{}'}\n"),
	}}
	secret := signature.NewSecret("detect-secret")
	body := []byte(`{"entry":[{"changes":[{"field":"feed"}]}]}`)
	sign := func(scheme string) http.Header { return signedHeader(t, scheme, secret, body) }
	for _, tc := range []struct {
		name                   string
		hdr                    http.Header
		provider, event, label string
		detected               int
	}{
		// gh and fb both read X-Hub-Signature-256; fb has the secret.
		{"shared header, the one with a secret", sign("github"), "fb", "feed", "valid", 2},
		{"no secret: not checked", sign("stripe"), "st", "", "no_secret", 1},
		{"no provider's headers", http.Header{"X-Other": {"1"}}, "", "", "", 0},
		{"a token, not kept", http.Header{"X-Token": {"the-token-itself"}}, "tk", "", "no_secret", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := serve(t, Options{
				Store: &memStore{}, EventPath: "event", Detector: catalog.NewDetector(c),
				DetectedSecrets: map[string]DetectedSigning{"fb": {Secrets: []signature.Secret{secret}, Tolerance: time.Minute}},
			})
			h.post(t, "/in", body, tc.hdr)
			d := h.one(t)
			rec := d.Record
			label := ""
			if rec.Verdict != nil {
				label = rec.Verdict.Label()
			}
			if rec.Provider != tc.provider || rec.Event != tc.event || label != tc.label || len(d.Detected) != tc.detected {
				t.Errorf("provider %q event %q verdict %q detected %v; want %q %q %q (%d)", rec.Provider, rec.Event, label, d.Detected, tc.provider, tc.event, tc.label, tc.detected)
			}
			for name, values := range rec.Headers {
				for _, v := range values {
					if strings.Contains(v, "the-token-itself") {
						t.Errorf("the token is kept in %s", name)
					}
				}
			}
		})
	}
}

// TestDetectedFallbackSecret: with no endpoint's secret for the providers
// detected, the secret in effect (Options.DetectedFallback) checks the
// delivery as each in turn, and the first that verifies names it; when
// none does, the first is shown with a hint that each was tried.
func TestDetectedFallbackSecret(t *testing.T) {
	parse := func(y string) *catalog.Provider { return parseProvider(t, y) }
	// gh and fb read the same header; the second (by catalog order) has
	// an event path the body fits.
	c := &catalog.Catalog{Providers: []*catalog.Provider{
		parse("id: gh\nname: GH\nevent_header: X-GitHub-Event\nsigning: {scheme: github}\nevents:\n  - {name: push, sample: '{}'}\n"),
		parse("id: fb\nname: FB\nevent_path: entry.0.changes.0.field\nsigning: {scheme: github}\nevents:\n  - {name: feed, sample: '{}'}\n"),
	}}
	secret := signature.NewSecret("effect-secret")
	body := []byte(`{"entry":[{"changes":[{"field":"feed"}]}]}`)
	signed := func(sec signature.Secret) http.Header { return signedHeader(t, "github", sec, body) }
	for _, tc := range []struct {
		name         string
		fallback     *DetectedSigning
		hdr          http.Header
		label, hint  string
		providerWant string
	}{
		{"no secret in effect", nil, signed(secret), "no_secret", "", "gh"},
		{"the secret in effect verifies", &DetectedSigning{Secrets: []signature.Secret{secret}}, signed(secret), "valid", "", "gh"},
		{"another secret", &DetectedSigning{Secrets: []signature.Secret{secret}}, signed(signature.NewSecret("other")), "signature_mismatch", "checked as each of the 2 providers detected: none verified with the secret in effect", "gh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := serve(t, Options{Store: &memStore{}, EventPath: "event", Detector: catalog.NewDetector(c), DetectedFallback: tc.fallback})
			h.post(t, "/in", body, tc.hdr)
			rec := h.one(t).Record
			if rec.Verdict == nil || rec.Verdict.Label() != tc.label || rec.Provider != tc.providerWant {
				t.Fatalf("verdict %+v provider %q; want %s as %s", rec.Verdict, rec.Provider, tc.label, tc.providerWant)
			}
			if tc.hint != "" && !slices.Contains(rec.Verdict.Hints, tc.hint) {
				t.Errorf("hints %q lack %q", rec.Verdict.Hints, tc.hint)
			}
		})
	}
}

// parseProvider reads a provider file's text.
func parseProvider(t *testing.T, y string) *catalog.Provider {
	t.Helper()
	p, err := catalog.Parse("x.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDetectedFallbackFirstThatVerifies: the secret in effect checks the
// delivery as each provider detected, and the first that verifies names
// it, not the first in catalog order; a scheme that cannot use the secret
// leaves the delivery not checked, saying why.
func TestDetectedFallbackFirstThatVerifies(t *testing.T) {
	c := &catalog.Catalog{Providers: []*catalog.Provider{
		// First in catalog order, on GitHub's header, signing other bytes.
		parseProvider(t, "id: h1\nname: H1\nevent_path: event\nsigning: {scheme: hmac, hmac: {header: X-Hub-Signature-256, prefix: 'sha256=', encoding: hex, template: 'x{body}'}}\nevents:\n  - {name: e, sample: '{}'}\n"),
		parseProvider(t, "id: gh\nname: GH\nevent_path: event\nsigning: {scheme: github}\nevents:\n  - {name: e, sample: '{}'}\n"),
		parseProvider(t, "id: sw\nname: SW\nevent_path: event\nsigning: {scheme: standard-webhooks}\nevents:\n  - {name: e, sample: '{}'}\n"),
	}}
	secret := signature.NewSecret("effect-secret")
	body := []byte(`{"event":"e"}`)
	signed := func(scheme string, sec signature.Secret) http.Header { return signedHeader(t, scheme, sec, body) }
	h := serve(t, Options{Store: &memStore{}, EventPath: "event", Detector: catalog.NewDetector(c), DetectedFallback: &DetectedSigning{Secrets: []signature.Secret{secret}}})
	h.post(t, "/in", body, signed("github", secret))
	d := h.one(t)
	if rec := d.Record; rec.Provider != "gh" || rec.Verdict == nil || !rec.Verdict.Valid || !slices.Equal(d.Detected, []string{"h1", "gh"}) {
		t.Errorf("provider %q verdict %+v detected %v; want gh, valid, of h1 and gh", rec.Provider, rec.Verdict, d.Detected)
	}

	// standard-webhooks wants a whsec_ base64 secret: not this one.
	h = serve(t, Options{Store: &memStore{}, EventPath: "event", Detector: catalog.NewDetector(c), DetectedFallback: &DetectedSigning{Secrets: []signature.Secret{secret}}})
	h.post(t, "/in", body, signed("standard-webhooks", signature.NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")))
	rec := h.one(t).Record
	if rec.Provider != "sw" || rec.Verdict == nil || rec.Verdict.Reason != signature.ReasonNoSecret || !strings.Contains(rec.Verdict.Message, "the secret in effect cannot check sw's standard-webhooks signature") || len(rec.Verdict.Hints) == 0 {
		t.Errorf("provider %q verdict %+v; want sw not checked, saying why, with a hint", rec.Provider, rec.Verdict)
	}
}

// TestRefusedDetectedTokenHidden: a refused delivery (--allow-ip) whose
// header is a detected scheme's token is shown without it, as an
// accepted one is.
func TestRefusedDetectedTokenHidden(t *testing.T) {
	c := &catalog.Catalog{Providers: []*catalog.Provider{
		parseProvider(t, "id: tk\nname: TK\nevent_path: type\nsigning: {scheme: hmac, hmac: {header: X-Token, mode: token}}\nevents:\n  - {name: x.z, sample: '{}'}\n"),
	}}
	h := serve(t, Options{Store: &memStore{}, EventPath: "event", Detector: catalog.NewDetector(c), AllowIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	h.post(t, "/in", []byte(`{}`), http.Header{"X-Token": {"the-token-itself"}})
	d := h.one(t)
	if d.Refused == "" {
		t.Fatalf("not refused: %+v", d)
	}
	if b := mustJSON(t, d.Record); strings.Contains(b, "the-token-itself") {
		t.Errorf("a refused delivery is shown with the token: %s", b)
	}
}

// signedHeader is the headers scheme signs body with under sec, now, with
// the message id msg_1 where the scheme signs one.
func signedHeader(t *testing.T, scheme string, sec signature.Secret, body []byte) http.Header {
	t.Helper()
	s, err := signature.Lookup(scheme, signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fields, err := signature.Sign(s, sec, signature.SignInput{Body: body, Timestamp: time.Now(), ID: "msg_1"})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for _, f := range fields {
		h.Set(f.Name, f.Value)
	}
	return h
}
