package interop

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

func whsec(t *testing.T, n int) string {
	t.Helper()
	key := make([]byte, n)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

func httpHeader(m message) http.Header {
	h := http.Header{}
	for name, value := range m.header {
		h.Set(name, value)
	}
	return h
}

// TestStandardWebhooks holds hooktool's standard-webhooks scheme to the
// official Standard Webhooks Go library (Webhook.Verify, Webhook.Sign):
// the common cases, a header carrying two signatures (a sender rotating
// its secret), hooktool's own rotation (several secrets), and a secret
// written without its = padding, which hooktool accepts and the Go library
// refuses (the official Python library accepts it).
func TestStandardWebhooks(t *testing.T) {
	t.Parallel()
	secret, other := whsec(t, 32), whsec(t, 32)
	j := judge{t: t, library: "standard-webhooks (Go) v1.3.0", scheme: "standard-webhooks", lib: func(m message, secret string) error {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			return err
		}
		return wh.Verify(m.body, httpHeader(m))
	}}
	signWith := func(secret, id string, body []byte, at time.Time) string {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := wh.Sign(id, at, body)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	libSign := func(body []byte, at time.Time) message {
		return message{header: map[string]string{
			"webhook-id": "msg_interop", "webhook-timestamp": unix(at), "webhook-signature": signWith(secret, "msg_interop", body, at),
		}, body: body}
	}
	common(j, secret, other, libSign, true, "timestamp_in_future")

	body := []byte(`{"type":"invoice.paid","data":{"id":"in_1"}}`)
	now := time.Now()
	two := message{header: map[string]string{
		"webhook-id": "msg_two", "webhook-timestamp": unix(now),
		"webhook-signature": signWith(other, "msg_two", body, now) + " " + signWith(secret, "msg_two", body, now),
	}, body: body}
	j.check("two signatures: the second one's secret", two, []string{secret}, "valid")
	j.check("two signatures: the first one's secret", two, []string{other}, "valid")
	j.checkApart("rotation: hooktool given another secret first", libSign(body, now), secret, true, []string{other, secret}, "valid")
	bare := strings.TrimRight(secret, "=")
	j.checkApart("the secret without its = padding", libSign(body, now), bare, false, []string{bare}, "valid")
	id := message{header: libSign(body, now).header, body: body}
	id.header["webhook-id"] = "msg_other"
	j.check("another webhook-id", id, []string{secret}, "signature_mismatch")
}
