package interop

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"
)

// TestStripe holds hooktool's stripe scheme to stripe-go
// (webhook.ValidatePayloadWithTolerance, webhook.ComputeSignature), with
// the Stripe-Signature header variants the library reads its own way
// (several v1 entries, one that is not hex, spaces, the order of items).
func TestStripe(t *testing.T) {
	t.Parallel()
	const secret, other = "whsec_interop_stripe_secret", "whsec_other"
	j := judge{t: t, library: "stripe-go v85.0.0", scheme: "stripe", lib: func(m message, secret string) error {
		return webhook.ValidatePayloadWithTolerance(m.body, m.header["Stripe-Signature"], secret, 300*time.Second)
	}}
	v1 := func(at time.Time, body []byte, secret string) string {
		return hex.EncodeToString(webhook.ComputeSignature(at, body, secret))
	}
	libSign := func(body []byte, at time.Time) message {
		return message{header: map[string]string{"Stripe-Signature": "t=" + unix(at) + ",v1=" + v1(at, body, secret)}, body: body}
	}
	common(j, secret, other, libSign, true, "valid")
	upperHex(j, libSign([]byte(`{"id":"evt_2"}`), time.Now()), secret, true)

	body := []byte(`{"id":"evt_1","type":"payment_intent.succeeded"}`)
	now := time.Now()
	ts, sig, otherSig := unix(now), v1(now, body, secret), v1(now, body, other)
	for _, c := range []struct{ name, header, want string }{
		{"a second v1 that is not hex", "t=" + ts + ",v1=" + sig + ",v1=potato", "valid"},
		{"a first v1 that is not hex", "t=" + ts + ",v1=potato,v1=" + sig, "valid"},
		{"another secret's v1 first (rotation)", "t=" + ts + ",v1=" + otherSig + ",v1=" + sig, "valid"},
		{"a v0 entry beside v1", "t=" + ts + ",v0=" + sig + ",v1=" + sig, "valid"},
		{"v1 before t", "v1=" + sig + ",t=" + ts, "valid"},
		{"a space after the comma before v1", "t=" + ts + ", v1=" + sig, "malformed_header"},
		{"a space before =", "t=" + ts + ",v1 =" + sig, "malformed_header"},
		{"a space after the comma before t", "v1=" + sig + ", t=" + ts, "malformed_header"},
		{"only a v1 that is not hex", "t=" + ts + ",v1=potato", "malformed_header"},
		{"only another secret's v1", "t=" + ts + ",v1=" + otherSig, "signature_mismatch"},
		{"no v1", "t=" + ts, "malformed_header"},
	} {
		j.check("header: "+c.name, message{header: map[string]string{"Stripe-Signature": c.header}, body: body}, []string{secret}, c.want)
	}
}
