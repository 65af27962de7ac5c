package bench

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/hooktool/hooktool/internal/signature"
)

// payloadSize is the body size every benchmark verifies.
const payloadSize = 1024

// payload is a 1 KiB JSON event.
var payload = func() []byte {
	head := `{"type":"invoice.paid","id":"evt_1NqD8k2eZvKYlo2C","created":1700000000,"data":{"object":{"id":"in_1NqD8k","amount_due":4200,"currency":"eur","customer":"cus_9s6XKzkNRiz8i3","lines":[{"id":"il_1","amount":4200,"description":"`
	tail := `"}]}}}`
	return []byte(head + strings.Repeat("x", payloadSize-len(head)-len(tail)) + tail)
}()

const msgID = "msg_2Lh9ZkQbXeY1"

// benchCase is one scheme, with what the bare baseline needs to compute the
// same MAC directly: the hash, the key, and the signed content in parts.
type benchCase struct {
	name   string
	scheme string
	opts   signature.Options
	secret string
	hash   string // sha1, sha256, sha512; "none" for flutterwave
	// key turns the secret into the MAC key, as the scheme does.
	key func(secret string) []byte
	// content is the signed content, in the order it is fed to the MAC.
	content func(id, ts string, body []byte) [][]byte
}

const whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func raw(s string) []byte { return []byte(s) }

func whsecKey(s string) []byte {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if err != nil {
		panic(err)
	}
	return k
}

func idTSBody(id, ts string, body []byte) [][]byte {
	return [][]byte{[]byte(id), {'.'}, []byte(ts), {'.'}, body}
}

func bodyOnly(_, _ string, body []byte) [][]byte { return [][]byte{body} }

var benchCases = []benchCase{
	{name: "standard-webhooks", scheme: "standard-webhooks", secret: whsec, hash: "sha256", key: whsecKey, content: idTSBody},
	{name: "svix", scheme: "svix", secret: whsec, hash: "sha256", key: whsecKey, content: idTSBody},
	{name: "stripe", scheme: "stripe", secret: "whsec_stripe0123456789abcdef", hash: "sha256", key: raw,
		content: func(_, ts string, body []byte) [][]byte { return [][]byte{[]byte(ts), {'.'}, body} }},
	{name: "github", scheme: "github", secret: "It's a Secret to Everybody", hash: "sha256", key: raw, content: bodyOnly},
	{name: "github-sha1", scheme: "github", opts: signature.Options{GitHubSHA1: true}, secret: "It's a Secret to Everybody", hash: "sha1", key: raw, content: bodyOnly},
	{name: "paystack", scheme: "paystack", secret: "sk_test_0123456789abcdef", hash: "sha512", key: raw, content: bodyOnly},
	{name: "shopify", scheme: "shopify", secret: "shpss_0123456789abcdef", hash: "sha256", key: raw, content: bodyOnly},
	{name: "slack", scheme: "slack", secret: "8f742231b10e8888abcd99yyyzzz85a5", hash: "sha256", key: raw,
		content: func(_, ts string, body []byte) [][]byte { return [][]byte{[]byte("v0:"), []byte(ts), {':'}, body} }},
	{name: "flutterwave", scheme: "flutterwave", secret: "FLWSECK_TEST-0123456789abcdef", hash: "none", key: raw},
	{name: "hmac-sha256-hex", scheme: "hmac", secret: "s3cr3t", hash: "sha256", key: raw, content: bodyOnly,
		opts: signature.Options{HMAC: signature.HMACConfig{Header: "X-Signature", Prefix: "sha256="}}},
	{name: "hmac-sha1-hex", scheme: "hmac", secret: "s3cr3t", hash: "sha1", key: raw, content: bodyOnly,
		opts: signature.Options{HMAC: signature.HMACConfig{Header: "X-Signature", Hash: "sha1"}}},
	{name: "hmac-sha512-base64-template", scheme: "hmac", secret: "s3cr3t", hash: "sha512", key: raw, content: idTSBody,
		opts: signature.Options{HMAC: signature.HMACConfig{
			Header: "X-Signature", Hash: "sha512", Encoding: "base64",
			Template: "{id}.{timestamp}.{body}", IDHeader: "X-Id", TimestampHeader: "X-Timestamp",
		}}},
}

func hashFunc(name string) func() hash.Hash {
	switch name {
	case "sha1":
		return sha1.New
	case "sha512":
		return sha512.New
	}
	return sha256.New
}

// prepared holds a case's benchmark functions; official is set only for
// standard-webhooks.
type prepared struct {
	name, hash string
	hooktool   func(*testing.B)
	bare       func(*testing.B)
	official   func(*testing.B)
}

func prepare(tb testing.TB, c benchCase) prepared {
	tb.Helper()
	s, err := signature.Lookup(c.scheme, c.opts)
	if err != nil {
		tb.Fatal(err)
	}
	at := time.Unix(1700000000, 0)
	fields, err := signature.Sign(s, signature.NewSecret(c.secret), signature.SignInput{Body: payload, ID: msgID, Timestamp: at})
	if err != nil {
		tb.Fatal(err)
	}
	h := http.Header{}
	for _, f := range fields {
		if c.name == "github-sha1" && f.Name == "X-Hub-Signature-256" {
			continue // only the legacy header: the sha1 path
		}
		h.Set(f.Name, f.Value)
	}
	m := signature.Message{Header: h, Body: payload}
	secrets := []signature.Secret{signature.NewSecret(c.secret)}
	opts := signature.VerifyOptions{Now: at, Tolerance: signature.DefaultTolerance}
	if v, err := signature.Verify(s, m, secrets, opts); err != nil || !v.Valid {
		tb.Fatalf("%s: setup message does not verify: %+v, %v", c.name, v, err)
	}

	p := prepared{name: c.name, hash: c.hash}
	p.hooktool = func(b *testing.B) {
		b.SetBytes(payloadSize)
		b.ReportAllocs()
		for b.Loop() {
			v, err := signature.Verify(s, m, secrets, opts)
			if err != nil || !v.Valid {
				b.Fatalf("%+v, %v", v, err)
			}
		}
	}

	// The bare baseline: the MAC of the signed content under the decoded
	// key, compared in constant time with the expected bytes. No header
	// parsing, no key decoding, no verdict.
	key := c.key(c.secret)
	if c.hash == "none" {
		sent := []byte(h.Get("verif-hash"))
		p.bare = func(b *testing.B) {
			b.SetBytes(payloadSize)
			b.ReportAllocs()
			for b.Loop() {
				if !hmac.Equal(sent, key) {
					b.Fatal("no match")
				}
			}
		}
		return p
	}
	newHash := hashFunc(c.hash)
	parts := c.content(msgID, strconv.FormatInt(at.Unix(), 10), payload)
	mac := func() []byte {
		mh := hmac.New(newHash, key)
		for _, part := range parts {
			mh.Write(part)
		}
		return mh.Sum(nil)
	}
	want := mac()
	// The baseline computes what the scheme sent, not something else.
	var sent strings.Builder
	for _, vs := range h {
		sent.WriteString(strings.Join(vs, " ") + " ")
	}
	if !strings.Contains(sent.String(), hex.EncodeToString(want)) && !strings.Contains(sent.String(), base64.StdEncoding.EncodeToString(want)) {
		tb.Fatalf("%s: the bare baseline's MAC is not in the signed headers %v", c.name, h)
	}
	p.bare = func(b *testing.B) {
		b.SetBytes(payloadSize)
		b.ReportAllocs()
		for b.Loop() {
			if !hmac.Equal(mac(), want) {
				b.Fatal("no match")
			}
		}
	}

	if c.scheme == "standard-webhooks" {
		p.official = func(b *testing.B) {
			// The official library checks against the real clock, so its
			// message is signed as of now, when the benchmark starts.
			wh, err := standardwebhooks.NewWebhook(c.secret)
			if err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			sig, err := wh.Sign(msgID, now, payload)
			if err != nil {
				b.Fatal(err)
			}
			oh := http.Header{}
			oh.Set(standardwebhooks.HeaderWebhookID, msgID)
			oh.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
			oh.Set(standardwebhooks.HeaderWebhookSignature, sig)
			b.SetBytes(payloadSize)
			b.ReportAllocs()
			for b.Loop() {
				if err := wh.Verify(payload, oh); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return p
}

// BenchmarkVerify runs, per scheme, hooktool's Verify and the bare
// baseline side by side (and the official library for Standard Webhooks).
// Sub-benchmark names are key=value pairs, so benchstat can put the
// implementations in columns: benchstat -col /impl bench.txt
func BenchmarkVerify(b *testing.B) {
	if len(payload) != payloadSize {
		b.Fatalf("payload is %d bytes", len(payload))
	}
	for _, c := range benchCases {
		p := prepare(b, c)
		prefix := "scheme=" + c.name + "/hash=" + c.hash + "/impl="
		b.Run(prefix+"hooktool", p.hooktool)
		b.Run(prefix+"bare", p.bare)
		if p.official != nil {
			b.Run(prefix+"official", p.official)
		}
	}
}

func TestPayload(t *testing.T) {
	if len(payload) != payloadSize {
		t.Fatalf("payload is %d bytes, want %d", len(payload), payloadSize)
	}
	if !json.Valid(payload) {
		t.Fatal("payload is not JSON")
	}
	for _, c := range benchCases {
		prepare(t, c) // each case's message verifies
	}
}
