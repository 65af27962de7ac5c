package interop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/razorpay/razorpay-go/utils"
)

// TestRazorpay holds the catalog's Razorpay profile (hooktool --provider
// razorpay: hex HMAC-SHA256 of the body in X-Razorpay-Signature) to
// Razorpay's official Go SDK (utils.VerifyWebhookSignature). The SDK has no
// signing function: its side is utils.VerifySignature's own computation,
// HMAC-SHA256 in lower-case hex, with Go's crypto/hmac. Razorpay signs no
// timestamp.
func TestRazorpay(t *testing.T) {
	t.Parallel()
	const secret, other = "razorpay_webhook_secret", "another_webhook_secret"
	j := judge{t: t, library: "razorpay-go v1.3.3", scheme: "provider:razorpay", lib: func(m message, secret string) error {
		if !utils.VerifyWebhookSignature(string(m.body), m.header["X-Razorpay-Signature"], secret) {
			return errRefused
		}
		return nil
	}}
	libSign := func(body []byte, _ time.Time) message {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		return message{header: map[string]string{"X-Razorpay-Signature": hex.EncodeToString(mac.Sum(nil))}, body: body}
	}
	common(j, secret, other, libSign, false, "")
	// The SDK compares the hex as text: upper case is refused, by both.
	upperHex(j, libSign([]byte(`{"entity":"event","event":"payment.captured"}`), time.Time{}), secret, false)
}
