package catalog

import (
	"net/http"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestEveryProfileSignsItsSamples: each built-in provider's every event,
// rendered, signed with the provider's profile as trigger signs it (the
// signature in the body for a profile whose signature travels there, in
// headers otherwise), verifies under that profile; a provider that does
// not sign (scheme none) gets no signature.
func TestEveryProfileSignsItsSamples(t *testing.T) {
	now := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	for _, p := range loadBuiltin(t).Providers {
		if p.Signing.Scheme == "" {
			continue
		}
		t.Run(p.ID, func(t *testing.T) {
			s, err := signature.Lookup(p.Signing.Scheme, p.Signing.Options())
			if err != nil {
				t.Fatal(err)
			}
			secret := signature.NewSecret("hooktool-test-secret-0123456789")
			if p.Signing.Scheme == "standard-webhooks" || p.Signing.Scheme == "svix" {
				secret = signature.NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
			}
			g, err := signature.NewSigner(s, secret)
			if err != nil {
				t.Fatal(err)
			}
			const target = "https://hooks.example.com/in"
			for i := range p.Events {
				e := &p.Events[i]
				body, err := e.Render(now)
				if err != nil {
					t.Fatalf("%s: %v", e.Name, err)
				}
				in := signature.SignInput{Body: body, ID: "msg_1", Timestamp: now, URL: target}
				if in.Body, err = g.SignBody(in); err != nil {
					t.Fatalf("%s: SignBody: %v", e.Name, err)
				}
				h := http.Header{}
				if !signature.SignsInBody(s) {
					fields, err := g.Sign(in)
					if err != nil {
						t.Fatalf("%s: Sign: %v", e.Name, err)
					}
					for _, f := range fields {
						h.Add(f.Name, f.Value)
					}
				}
				if signature.Unsigned(s) {
					// A provider that does not sign: nothing is added.
					if len(h) != 0 {
						t.Errorf("%s: the none scheme signed headers %v", e.Name, h)
					}
					continue
				}
				v, err := signature.Verify(s, signature.Message{Header: h, Body: in.Body, URL: target}, []signature.Secret{secret}, signature.VerifyOptions{Now: now, Tolerance: signature.DefaultTolerance})
				if err != nil || !v.Valid {
					t.Errorf("%s: %+v, %v\n%s", e.Name, v, err, in.Body)
				}
				if got := p.EventIn(in.Body); got != e.Name {
					t.Errorf("%s: the signed body names the event %q", e.Name, got)
				}
			}
		})
	}
}

// TestFieldInForm: in a form body, the path names a parameter.
func TestFieldInForm(t *testing.T) {
	for _, tc := range []struct{ body, path, want string }{
		{"id=abc&state=paid&paid=true", "state", "paid"},
		{"name=MICHAEL+API&x=%2B1", "name", "MICHAEL API"},
		{"state=paid", "missing", ""},
		{"no form here", "state", ""},
		{`{"state":"paid"}`, "state", "paid"},
	} {
		if got := FieldIn([]byte(tc.body), tc.path); got != tc.want {
			t.Errorf("FieldIn(%q, %q) = %q, want %q", tc.body, tc.path, got, tc.want)
		}
	}
}
