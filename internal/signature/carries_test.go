package signature

import (
	"net/http"
	"testing"
	"time"
)

// TestCarries: a signed request carries its own scheme's signature; a
// request without the headers, with a malformed one, or with a MAC of
// another length (sha1 hex where sha256 hex is expected) does not.
func TestCarries(t *testing.T) {
	hmacScheme := func(cfg HMACConfig) Scheme {
		s, err := NewHMAC(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sha256hex := hmacScheme(HMACConfig{Header: "X-Signature"})
	sha1hex := hmacScheme(HMACConfig{Header: "X-Signature", Hash: "sha1"})
	signed := func(s Scheme, secret string) http.Header {
		fields, err := Sign(s, NewSecret(secret), SignInput{Body: []byte(`{}`), ID: "msg_1", Timestamp: time.Unix(1_800_000_000, 0)})
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		for _, f := range fields {
			h.Set(f.Name, f.Value)
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		s      Scheme
		h      http.Header
		header string
	}{
		{"stripe", stripe{}, signed(stripe{}, "whsec_x"), "Stripe-Signature"},
		{"standard webhooks", standardWebhooks(), signed(standardWebhooks(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "webhook-signature"},
		{"sha256 hex", sha256hex, signed(sha256hex, "k"), "X-Signature"},
		{"sha1 hex is not sha256 hex", sha256hex, signed(sha1hex, "k"), ""},
		{"sha256 hex is not sha1 hex", sha1hex, signed(sha256hex, "k"), ""},
		{"no header", github{}, http.Header{}, ""},
		{"malformed", github{}, http.Header{"X-Hub-Signature-256": {"sha256=zz"}}, ""},
		{"stripe without a timestamp", stripe{}, http.Header{"Stripe-Signature": {"v1=00"}}, ""},
	} {
		header, ok := Carries(tc.s, tc.h)
		if header != tc.header || ok != (tc.header != "") {
			t.Errorf("%s: Carries = %q, %v; want %q", tc.name, header, ok, tc.header)
		}
	}
}
