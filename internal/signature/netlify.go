package signature

import (
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// netlify: Netlify's deploy notifications. X-Webhook-Signature is a compact
// JWS (a JWT) signed HS256 with the notification's "JWS secret token",
// whose claims are iss "netlify" and sha256, the hex SHA-256 of the body:
// the token's signature binds the claims, the claim binds the body. The
// standard library does all of it (HMAC-SHA256, base64url, JSON); no JWT
// library is needed for one algorithm and two claims. Nothing dates the
// token (no timestamp to check).
type netlify struct{}

const netlifyHeader = "X-Webhook-Signature"

func (netlify) Name() string { return "netlify" }
func (netlify) Description() string {
	return "X-Webhook-Signature: a JWS (HS256) whose claims are iss=netlify and sha256=<hex SHA-256 of the body>"
}
func (netlify) HeaderNames() []string          { return []string{netlifyHeader} }
func (netlify) UsesID() bool                   { return false }
func (netlify) UsesTimestamp() bool            { return false }
func (netlify) key(sec Secret) ([]byte, error) { return rawKey(sec) }

// maxJWS bounds the token read: Netlify's is about 200 bytes.
const maxJWS = 8 << 10

func (netlify) parse(h http.Header) (signed, *Verdict) {
	p := signed{header: netlifyHeader}
	v := strings.TrimSpace(h.Get(netlifyHeader))
	if v == "" {
		return p, missing(netlifyHeader)
	}
	parts := strings.Split(v, ".")
	if len(v) > maxJWS || len(parts) != 3 {
		return p, malformed(netlifyHeader, "expected a compact JWS: three base64url parts joined by dots")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss    string `json:"iss"`
		SHA256 string `json:"sha256"`
	}
	for i, dst := range []any{&hdr, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[i], "="))
		if err != nil || json.Unmarshal(raw, dst) != nil {
			return p, malformed(netlifyHeader, fmt.Sprintf("its %s is not base64url JSON", []string{"header", "claims"}[i]))
		}
	}
	if hdr.Alg != "HS256" {
		return p, unsupported(netlifyHeader, fmt.Sprintf("the JWS is signed with alg %s, and Netlify signs HS256", quote(hdr.Alg)))
	}
	if claims.Iss != "netlify" {
		return p, malformed(netlifyHeader, fmt.Sprintf("its iss is %s, not netlify", quote(claims.Iss)))
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[2], "="))
	if err != nil || len(sig) == 0 {
		return p, malformed(netlifyHeader, "its signature is not base64url")
	}
	p.sigs = [][]byte{sig}
	p.jws = parts[0] + "." + parts[1]
	p.bodySHA256 = claims.SHA256
	return p, nil
}

// macSize is an HS256 signature's length (mac computes one only for the
// body the token names, so Carries asks this instead).
func (netlify) macSize() int { return sha256.Size }

// mac is the HS256 of the token's signing input, when its sha256 claim is
// this body's hash; nothing (which no signature equals) when it is not.
func (netlify) mac(key *macKey, p signed, body []byte, _ string) []byte {
	sum := sha256.Sum256(body)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(p.bodySHA256)), []byte(hex.EncodeToString(sum[:]))) != 1 {
		return nil
	}
	return hmacOf(crypto.SHA256, key, []byte(p.jws))
}

func (s netlify) sign(key *macKey, _, _ string, body []byte, _ string) []HeaderField {
	sum := sha256.Sum256(body)
	enc := base64.RawURLEncoding.EncodeToString
	in := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(`{"iss":"netlify","sha256":"`+hex.EncodeToString(sum[:])+`"}`))
	sig := hmacOf(crypto.SHA256, key, []byte(in))
	return []HeaderField{{Name: netlifyHeader, Value: in + "." + enc(sig)}}
}
