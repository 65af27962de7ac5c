package config

import (
	"testing"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestHMACPiecesKeys: the generic scheme's format, mode, signature_field
// and pairs_* keys reach the scheme's options, from the file and from the
// environment.
func TestHMACPiecesKeys(t *testing.T) {
	isolate(t)
	write(t, FileName, `
endpoints:
  paddle:
    scheme: hmac
    hmac: {header: Paddle-Signature, format: "ts={timestamp};h1={signature}", template: "{timestamp}:{body}"}
  twilio:
    scheme: hmac
    hmac: {header: X-Twilio-Signature, template: "{url}{form}", url_body_sha256: bodySHA256}
  billplz:
    scheme: hmac
    hmac: {signature_field: x_signature, template: "{pairs}", pairs_format: "{key}{value}", pairs_separator: "|"}
  gitlab:
    scheme: hmac
  zendesk:
    scheme: hmac
    hmac: {header: X-Zendesk-Webhook-Signature, encoding: base64, template: "{timestamp}{body}", timestamp_header: X-Zendesk-Webhook-Signature-Timestamp, timestamp_format: rfc3339}
  mailgun:
    scheme: hmac
    hmac: {signature_field: signature.signature, timestamp_field: signature.timestamp, template: "{timestamp}{json:signature.token}"}
`)
	t.Setenv("HOOKTOOL_ENDPOINTS_GITLAB_HMAC_MODE", "token")
	t.Setenv("HOOKTOOL_ENDPOINTS_GITLAB_HMAC_HEADER", "X-Gitlab-Token")
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]signature.HMACConfig{
		"paddle":  {Header: "Paddle-Signature", Format: "ts={timestamp};h1={signature}", Template: "{timestamp}:{body}"},
		"billplz": {SignatureField: "x_signature", Template: "{pairs}", PairsFormat: "{key}{value}", PairsSeparator: "|"},
		"gitlab":  {Header: "X-Gitlab-Token", Mode: "token"},
		"twilio":  {Header: "X-Twilio-Signature", Template: "{url}{form}", URLBodySHA256: "bodySHA256"},
		"zendesk": {Header: "X-Zendesk-Webhook-Signature", Encoding: "base64", Template: "{timestamp}{body}", TimestampHeader: "X-Zendesk-Webhook-Signature-Timestamp", TimestampFormat: "rfc3339"},
		"mailgun": {SignatureField: "signature.signature", TimestampField: "signature.timestamp", Template: "{timestamp}{json:signature.token}"},
	}
	for ep, w := range want {
		sg, err := c.Signing(ep)
		if err != nil {
			t.Fatal(err)
		}
		if sg.Options.HMAC != w {
			t.Errorf("%s: hmac = %+v, want %+v", ep, sg.Options.HMAC, w)
		}
	}
}
