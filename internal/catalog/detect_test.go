package catalog

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestDetectEveryProvider walks the catalog: a delivery signed with a
// provider's profile is detected as that provider (but for a bare token in
// Authorization, which names none, and profiles that put no signature in a
// header), and every candidate
// named carries the signature in its own scheme's form. (A provider whose
// scheme would also read another scheme's headers, Svix reading the
// unbranded webhook-* ones, is named only on its own headers.)
func TestDetectEveryProvider(t *testing.T) {
	c := loadBuiltin(t)
	d := NewDetector(c)
	now := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	for _, p := range c.Providers {
		s, err := signature.Lookup(p.Signing.Scheme, p.Signing.Options())
		if err != nil {
			t.Fatal(err)
		}
		if signature.SignsInBody(s) || signature.Unsigned(s) {
			continue // no header to point to it
		}
		g, _ := signerFor(t, s)
		body, err := p.Events[0].Render(now)
		if err != nil {
			t.Fatal(err)
		}
		fields, err := g.Sign(signature.SignInput{Body: body, ID: "msg_1", Timestamp: now, URL: "https://example.com/hook"})
		if err != nil {
			t.Fatal(err)
		}
		h := p.Headers(p.Events[0].Name)
		for _, f := range fields {
			h.Set(f.Name, f.Value)
		}
		got := d.Detect(h)
		var ids []string
		for _, cand := range got {
			ids = append(ids, cand.Provider.ID)
		}
		if tokens := signature.SecretHeaders(s); len(tokens) > 0 && bareToken(s, tokens[0]) {
			if slices.Contains(ids, p.ID) {
				t.Errorf("%s: a bare token in %s names it", p.ID, tokens[0])
			}
		} else if !slices.Contains(ids, p.ID) {
			t.Errorf("%s: a delivery signed with its profile is detected as %v", p.ID, ids)
		}
		for _, cand := range got {
			if header, ok := signature.Carries(cand.Scheme, h); !ok || header != cand.Header || !ownHeader(cand.Scheme, header) {
				t.Errorf("%s's delivery: candidate %s does not carry it in its own headers (%q, %v)", p.ID, cand.Provider.ID, header, ok)
			}
		}
	}
}

// TestDetectAmbiguousAndNone: a header two providers use names both, in
// catalog order; a prefix or a MAC length tells apart providers that
// share a header name; headers of no provider name none.
func TestDetectAmbiguousAndNone(t *testing.T) {
	parse := func(y string) *Provider {
		p, err := Parse("x.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := &Catalog{Providers: []*Provider{
		parse("id: a\nname: A\nevent_path: e\nsigning: {scheme: github}\nevents:\n  - {name: x, sample: '{}'}\n"),
		parse("id: b\nname: B\nevent_path: e\nsigning: {scheme: github}\nevents:\n  - {name: x, sample: '{}'}\n"),
		parse("id: c\nname: C\nevent_path: e\nsigning: {scheme: hmac, hmac: {header: X-Signature}}\nevents:\n  - {name: x, sample: '{}'}\n"),
		parse("id: d\nname: D\nevent_path: e\nsigning: {scheme: hmac, hmac: {header: X-Signature, hash: sha1}}\nevents:\n  - {name: x, sample: '{}'}\n"),
		parse("id: e\nname: E\nevent_path: e\nsigning: {scheme: hmac, hmac: {header: X-Hub-Signature-256, prefix: 'v9='}}\nevents:\n  - {name: x, sample: '{}'}\n"),
		parse("id: f\nname: F\nevent_path: e\nsigning: {scheme: hmac, hmac: {header: Authorization, mode: token}}\nevents:\n  - {name: x, sample: '{}'}\n"),
		parse("id: g\nname: G\nevent_path: e\nsigning: {scheme: hmac, hmac: {header: X-Gitlab-Token, mode: token}}\nevents:\n  - {name: x, sample: '{}'}\n"),
	}}
	d := NewDetector(c)
	ids := func(h http.Header) []string {
		var out []string
		for _, cand := range d.Detect(h) {
			out = append(out, cand.Provider.ID+":"+cand.Scheme.Name()+":"+cand.Header)
		}
		return out
	}
	hex64 := "sha256=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		h    http.Header
		want []string
	}{
		{http.Header{"X-Hub-Signature-256": {hex64}}, []string{"a:github:X-Hub-Signature-256", "b:github:X-Hub-Signature-256"}},
		{http.Header{"X-Hub-Signature-256": {"v9=" + hex64[7:]}}, []string{"e:hmac:X-Hub-Signature-256"}},
		{http.Header{"X-Signature": {hex64[7:]}}, []string{"c:hmac:X-Signature"}},
		{http.Header{"X-Signature": {hex64[7:47]}}, []string{"d:hmac:X-Signature"}},
		{http.Header{"X-Other": {"1"}}, nil},
		// Any Authorization value fits a token: it names no provider; a
		// token header of a provider's own does.
		{http.Header{"Authorization": {"Bearer abc"}}, nil},
		{http.Header{"X-Gitlab-Token": {"abc"}}, []string{"g:hmac:X-Gitlab-Token"}},
	} {
		if got := ids(tc.h); !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.h, got, tc.want)
		}
	}
}
