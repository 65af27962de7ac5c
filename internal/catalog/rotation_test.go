package catalog

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestProviderSignatureListsVerify: a provider whose documents (or own
// library) say one header may carry several signatures, during a secret
// rotation or for future versions, verifies a delivery whose header
// carries the good signature among others, as the provider's library
// does. The header is written as the provider writes it, from the value
// the catalog's profile signs; the other entry is a well-formed signature
// made with another secret.
func TestProviderSignatureListsVerify(t *testing.T) {
	c := loadBuiltin(t)
	now := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	other := strings.Repeat("ab", 32) // 32 bytes of hex: decodes, never matches
	cases := []struct {
		id, header string
		// rotate writes the header the provider sends from the one the
		// profile signed (good).
		rotate func(good string) string
	}{
		// go-pagerduty webhookv3: the header is split on ",", entries not
		// starting v1= are ignored, any v1= that matches is enough.
		{"pagerduty", "X-PagerDuty-Signature", func(good string) string { return "v1=" + other + "," + good }},
		{"pagerduty", "X-PagerDuty-Signature", func(good string) string { return good + ",v1=" + other }},
		// CircleCI: more comma-separated versions may be added to v1=.
		{"circleci", "circleci-signature", func(good string) string { return good + ",v2=" + other }},
		{"circleci", "circleci-signature", func(good string) string { return "v1=" + other + "," + good }},
		// Paddle: several h1 entries during a rotation, the good one last
		// or first (a verifier reading one entry fails one of the two).
		{"paddle", "Paddle-Signature", func(good string) string { return good + ";h1=" + other }},
		{"paddle", "Paddle-Signature", func(good string) string { return strings.Replace(good, ";h1=", ";h1="+other+";h1=", 1) }},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			p := mustProvider(t, c, tc.id)
			s, err := signature.Lookup(p.Signing.Scheme, p.Signing.Options())
			if err != nil {
				t.Fatal(err)
			}
			g, sec := signerFor(t, s)
			body := []byte(`{"event":"rotation"}`)
			fields, err := g.Sign(signature.SignInput{Body: body, Timestamp: now.Add(-time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for _, f := range fields {
				h.Add(f.Name, f.Value)
			}
			good := h.Get(tc.header)
			if good == "" {
				t.Fatalf("the profile signs no %s header: %v", tc.header, h)
			}
			h.Set(tc.header, tc.rotate(good))
			v, err := signature.Verify(s, signature.Message{Header: h, Body: body}, []signature.Secret{sec}, signature.VerifyOptions{Now: now, Tolerance: 5 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if !v.Valid {
				t.Errorf("%s: %q does not verify: %s %s", tc.header, h.Get(tc.header), v.Reason, v.Message)
			}
		})
	}
}
