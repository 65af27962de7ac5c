package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// jws builds a compact JWS the way Netlify's docs describe it, with no
// help from the scheme: HS256 over base64url(header).base64url(claims).
func jws(t *testing.T, secret string, header, claims any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(header) + "." + enc(claims)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TestNetlifyJWS: Netlify's deploy notifications carry a JWS (HS256, the
// shared "JWS secret token") in X-Webhook-Signature whose claims are
// iss=netlify and sha256=<hex SHA-256 of the body>. hooktool's token has
// exactly that; a token built independently verifies; another body, a
// wrong secret, another issuer and another algorithm are refused, each
// with its reason.
func TestNetlifyJWS(t *testing.T) {
	s, err := Lookup("netlify", Options{})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "netlify-jws-secret-token"
	body := []byte(`{"id":"5ebc34bf4fea0b01f02efa3a","state":"ready","name":"www-example"}`)
	sum := sha256.Sum256(body)
	fields, err := Sign(s, NewSecret(secret), SignInput{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	tok := headerOf(fields).Get("X-Webhook-Signature")
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("X-Webhook-Signature %q is not a compact JWS", tok)
	}
	var hdr, claims map[string]any
	for i, v := range []*map[string]any{&hdr, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(raw, v) != nil {
			t.Fatalf("part %d of %q: %v", i, tok, err)
		}
	}
	if hdr["alg"] != "HS256" || claims["iss"] != "netlify" || claims["sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("header %v, claims %v", hdr, claims)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(parts[0] + "." + parts[1]))
	if parts[2] != base64.RawURLEncoding.EncodeToString(m.Sum(nil)) {
		t.Fatalf("the JWS signature is not HS256 of its signing input")
	}

	check := func(tok string, body []byte, secret string) Verdict {
		return verify(t, s, Message{Header: http.Header{"X-Webhook-Signature": {tok}}, Body: body}, secretsOf(secret), signedAt, DefaultTolerance)
	}
	wantReason(t, check(tok, body, secret), ReasonValid)
	theirs := jws(t, secret, map[string]string{"alg": "HS256", "typ": "JWT"}, map[string]string{"iss": "netlify", "sha256": hex.EncodeToString(sum[:])})
	wantReason(t, check(theirs, body, secret), ReasonValid)
	wantReason(t, check(tok, append([]byte{}, append(body, ' ')...), secret), ReasonMismatch)
	wantReason(t, check(tok, body, "another-secret"), ReasonMismatch)

	other := jws(t, secret, map[string]string{"alg": "HS256"}, map[string]string{"iss": "someone-else", "sha256": hex.EncodeToString(sum[:])})
	v := check(other, body, secret)
	wantReason(t, v, ReasonMalformedHeader)
	if !strings.Contains(v.Message, `iss is "someone-else", not netlify`) {
		t.Fatalf("another issuer: %q", v.Message)
	}
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + strings.Split(theirs, ".")[1] + "."
	v = check(none, body, secret)
	wantReason(t, v, ReasonUnsupportedVersion)
	if !strings.Contains(v.Message, `alg "none"`) {
		t.Fatalf("alg none: %q", v.Message)
	}
	for _, bad := range []string{"not-a-jws", "a.b", "!!.!!.!!", tok + ".x"} {
		wantReason(t, check(bad, body, secret), ReasonMalformedHeader)
	}
}

// FuzzNetlify: any X-Webhook-Signature and body give a verdict that keeps
// the invariants (fuzzCheck), and never panic.
func FuzzNetlify(f *testing.F) {
	s := mustLookup(f, "netlify", Options{})
	for _, body := range [][]byte{testBody, nil, []byte("x\n")} {
		tok := fuzzSeedMessage(f, s, body).Get("X-Webhook-Signature")
		f.Add(tok, body)
		f.Add(tok+"x", body)
		f.Add(strings.Replace(tok, ".", "..", 1), body)
		f.Add("eyJhbGciOiJub25lIn0.e30.", body)
	}
	f.Fuzz(func(t *testing.T, tok string, body []byte) {
		fuzzCheck(t, s, Message{Header: http.Header{"X-Webhook-Signature": {tok}}, Body: body})
	})
}
