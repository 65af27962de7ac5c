package interop

import (
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"
)

// TestSvix holds hooktool's svix scheme to svix's Go library
// (Webhook.Verify, Webhook.Sign): the common cases with svix-* headers,
// and unbranded webhook-* headers (hooktool's standard-webhooks
// signature), which both read when the svix-* ones are absent.
func TestSvix(t *testing.T) {
	t.Parallel()
	secret, other := whsec(t, 24), whsec(t, 24)
	j := judge{t: t, library: "svix (Go) v1.44.0", scheme: "svix", lib: func(m message, secret string) error {
		wh, err := svix.NewWebhook(secret)
		if err != nil {
			return err
		}
		return wh.Verify(m.body, httpHeader(m))
	}}
	libSign := func(body []byte, at time.Time) message {
		wh, err := svix.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := wh.Sign("msg_svix", at, body)
		if err != nil {
			t.Fatal(err)
		}
		return message{header: map[string]string{"svix-id": "msg_svix", "svix-timestamp": unix(at), "svix-signature": sig}, body: body}
	}
	common(j, secret, other, libSign, true, "timestamp_in_future")
	body := []byte(`{"type":"user.created"}`)
	j.check("webhook-* headers (hooktool's standard-webhooks signs)", sign(t, "standard-webhooks", []string{secret}, body), []string{secret}, "valid")
}
