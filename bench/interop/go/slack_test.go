package interop

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// TestSlack holds hooktool's slack scheme to slack-go
// (slack.NewSecretsVerifier, Write, Ensure). slack-go has no signing
// function: its side is v0= HMAC-SHA256 of "v0:{timestamp}:{body}" in hex,
// as Slack's documentation says, with Go's crypto/hmac.
func TestSlack(t *testing.T) {
	t.Parallel()
	const secret, other = "8f742231b10e8888abcd99yyyzzz85a5", "0000000000000000000000000000ffff"
	j := judge{t: t, library: "slack-go v0.36.0", scheme: "slack", lib: func(m message, secret string) error {
		v, err := slack.NewSecretsVerifier(httpHeader(m), secret)
		if err != nil {
			return err
		}
		if _, err := v.Write(m.body); err != nil {
			return err
		}
		return v.Ensure()
	}}
	libSign := func(body []byte, at time.Time) message {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte("v0:" + unix(at) + ":"))
		mac.Write(body)
		return message{header: map[string]string{
			"X-Slack-Request-Timestamp": unix(at), "X-Slack-Signature": "v0=" + hex.EncodeToString(mac.Sum(nil)),
		}, body: body}
	}
	common(j, secret, other, libSign, true, "timestamp_in_future")
	upperHex(j, libSign([]byte("token=abc&team_id=T1"), time.Now()), secret, true)
}
