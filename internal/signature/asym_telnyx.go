package signature

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// telnyx: Telnyx's webhooks (API v2). Ed25519 over "{timestamp}|{body}",
// the signature in base64 in telnyx-signature-ed25519 and the timestamp
// (unix seconds) in telnyx-timestamp; the account's public key in base64,
// as the portal shows it (PEM is read too); the private key PEM (PKCS #8),
// as for discord. It differs from discord in the separator and the
// encodings only, so the keys are read by discord's code where they agree.
type telnyx struct{}

const (
	telnyxHeader   = "telnyx-signature-ed25519"
	telnyxTSHeader = "telnyx-timestamp"
)

func (telnyx) Name() string { return "telnyx" }
func (telnyx) Description() string {
	return "telnyx-signature-ed25519: base64 Ed25519 of timestamp|body, telnyx-timestamp; base64 public key"
}
func (telnyx) HeaderNames() []string { return []string{telnyxHeader, telnyxTSHeader} }
func (telnyx) UsesID() bool          { return false }
func (telnyx) UsesTimestamp() bool   { return true }
func (telnyx) publicForm() string    { return "base64 (32 bytes)" }

func (telnyx) parse(h http.Header) (signed, *Verdict) {
	p := signed{header: telnyxHeader}
	for _, name := range []string{telnyxHeader, telnyxTSHeader} {
		if h.Get(name) == "" {
			return p, missing(name)
		}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h.Get(telnyxHeader)))
	if err != nil || len(raw) != ed25519.SignatureSize {
		return p, malformed(telnyxHeader, fmt.Sprintf("expected the base64 of a %d-byte Ed25519 signature", ed25519.SignatureSize))
	}
	p.sigs = [][]byte{raw}
	p.tsRaw = h.Get(telnyxTSHeader)
	var bad *Verdict
	if p.ts, bad = timestamp(telnyxTSHeader, p.tsRaw); bad != nil {
		return p, bad
	}
	p.hasTS = true
	return p, nil
}

func (telnyx) parsePublic(v string) (crypto.PublicKey, error) {
	if b, err := pemBlock(v); err != nil {
		return nil, err
	} else if b != nil {
		return ed25519PEMPublic(b, "telnyx")
	}
	raw, err := decodeBase64(strings.TrimSpace(v))
	if err != nil {
		return nil, fmt.Errorf("expected the base64 of a 32-byte Ed25519 public key, as the Telnyx portal shows it, or a PEM PUBLIC KEY: %w", err)
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("its base64 holds %d bytes, and an Ed25519 public key is %d", len(raw), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

func (telnyx) parsePrivate(v string) (crypto.Signer, error) { return ed25519PEMPrivate(v, "telnyx") }

// telnyxContent is what Telnyx signs: the timestamp, |, the body.
func telnyxContent(ts string, body []byte) []byte {
	out := make([]byte, 0, len(ts)+1+len(body))
	return append(append(append(out, ts...), '|'), body...)
}

func (telnyx) signWith(k crypto.Signer, _, ts string, body []byte) ([]HeaderField, error) {
	sig := ed25519.Sign(k.(ed25519.PrivateKey), telnyxContent(ts, body))
	return []HeaderField{
		{Name: telnyxTSHeader, Value: ts},
		{Name: telnyxHeader, Value: base64.StdEncoding.EncodeToString(sig)},
	}, nil
}

func (telnyx) check(pub crypto.PublicKey, p signed, body []byte) bool {
	return ed25519Any(pub.(ed25519.PublicKey), telnyxContent(p.tsRaw, body), p.sigs)
}

func (telnyx) generate() (string, string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	text, err := pkcs8PEM(priv)
	return text, base64.StdEncoding.EncodeToString(pub), err
}
