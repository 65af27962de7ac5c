package signature_test

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestInteropStripe (issue 12, item 19): hooktool judges Stripe-Signature
// headers as the official stripe-go library does (ValidatePayloadWithTolerance:
// several v1 entries, one that is not hex, a space after a comma, timestamps
// ahead and old). The library checks against the real clock, so these sign
// relative to now.
func TestInteropStripe(t *testing.T) {
	s, err := signature.Lookup("stripe", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_interop_stripe_secret"
	body := []byte(`{"id":"evt_1","type":"payment_intent.succeeded"}`)
	now := time.Now()
	sig := func(at time.Time, sec string) string {
		return hex.EncodeToString(stripewebhook.ComputeSignature(at, body, sec))
	}
	ts := func(at time.Time) string { return strconv.FormatInt(at.Unix(), 10) }
	ahead, old := now.Add(time.Hour), now.Add(-time.Hour)
	for _, header := range []string{
		"t=" + ts(now) + ",v1=" + sig(now, secret),
		"t=" + ts(now) + ",v1=" + sig(now, secret) + ",v1=potato",
		"t=" + ts(now) + ",v1=potato,v1=" + sig(now, secret),
		"t=" + ts(now) + ",v1=" + sig(now, "whsec_other") + ",v1=" + sig(now, secret),
		"t=" + ts(now) + ",v0=" + sig(now, secret) + ",v1=" + sig(now, secret),
		"t=" + ts(now) + ", v1=" + sig(now, secret),
		"t=" + ts(now) + ",v1 =" + sig(now, secret),
		"v1=" + sig(now, secret) + ",t=" + ts(now),
		"v1=" + sig(now, secret) + ", t=" + ts(now),
		"t=" + ts(now) + ",v1=potato",
		"t=" + ts(now) + ",v1=" + sig(now, "whsec_other"),
		"t=" + ts(ahead) + ",v1=" + sig(ahead, secret),
		"t=" + ts(old) + ",v1=" + sig(old, secret),
		"t=" + ts(now),
	} {
		official := stripewebhook.ValidatePayloadWithTolerance(body, header, secret, signature.DefaultTolerance)
		v, err := signature.Verify(s, signature.Message{Header: http.Header{"Stripe-Signature": {header}}, Body: body},
			[]signature.Secret{signature.NewSecret(secret)}, signature.VerifyOptions{Now: now, Tolerance: signature.DefaultTolerance})
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid != (official == nil) {
			t.Errorf("%s: hooktool %s (%s), stripe-go %v", header, v.Reason, v.Message, official)
		}
	}
}
