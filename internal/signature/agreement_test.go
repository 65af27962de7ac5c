package signature

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cases where hooktool must judge a delivery as the providers' official
// verification code does (issue 12, items 19-21), so that "valid" means
// "your app will accept it".

// TestUnpaddedBase64Secrets (item 21): a whsec_ secret whose base64 lacks
// its = padding is the same key as the padded one, for Standard Webhooks,
// Svix and an hmac scheme with base64 secrets; a valid verdict names what
// the official libraries disagree on.
func TestUnpaddedBase64Secrets(t *testing.T) {
	b64, err := NewHMAC(HMACConfig{Header: "X-Signature", SecretEncoding: "base64"})
	if err != nil {
		t.Fatal(err)
	}
	std, _ := Lookup("standard-webhooks", Options{})
	sv, _ := Lookup("svix", Options{})
	for _, n := range []int{16, 17, 32, 33} { // "==", "=", none, "=="
		key := make([]byte, n)
		for i := range key {
			key[i] = byte(i*37 + n)
		}
		padded := "whsec_" + base64.StdEncoding.EncodeToString(key)
		bare := "whsec_" + base64.RawStdEncoding.EncodeToString(key)
		for _, s := range []Scheme{std, sv, b64} {
			in := SignInput{Body: testBody, ID: testID, Timestamp: signedAt}
			want, err := Sign(s, NewSecret(padded), in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Sign(s, NewSecret(bare), in)
			if err != nil {
				t.Fatalf("%s: signing with %d-byte key without padding: %v", s.Name(), n, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: unpadded secret signs %v, padded %v", s.Name(), got, want)
			}
			v, err := Verify(s, Message{Header: headerOf(want), Body: testBody}, secretsOf(bare), VerifyOptions{Now: signedAt})
			if err != nil || !v.Valid {
				t.Fatalf("%s: verifying with the unpadded secret: %v %+v", s.Name(), err, v)
			}
			hinted := strings.Contains(strings.Join(v.Hints, "\n"), "lacks its = padding")
			if wantHint := s.Name() != "hmac" && bare != padded; hinted != wantHint {
				t.Errorf("%s, %d-byte key: hints %q; want the padding hint: %v", s.Name(), n, v.Hints, wantHint)
			}
		}
	}
}

// TestBadBase64SecretMessages (item 21): the error for a secret that is
// not usable says what is wrong with it; unpadded base64 is never called
// "not base64".
func TestBadBase64SecretMessages(t *testing.T) {
	std, _ := Lookup("standard-webhooks", Options{})
	for secret, want := range map[string]string{
		"whsec_%%%notbase64": "it is not base64: it holds characters other than A-Z, a-z, 0-9, +, / and =",
		"whsec_abc-_def":     "it is not base64: it holds characters other than A-Z, a-z, 0-9, +, / and =",
		"whsec_abcde":        "its base64 is cut short or its = padding is out of place",
		"whsec_ab=c":         "its base64 is cut short or its = padding is out of place",
		"whsec_":             "nothing follows whsec_",
	} {
		_, err := NewVerifier(std, []Secret{NewSecret(secret)})
		if err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("secret %q: error %v, want it to end %q", secret, err, want)
		}
		if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(secret, "whsec_")) && secret != "whsec_" {
			t.Errorf("secret %q: error %q shows it", secret, err)
		}
	}
}

// TestSvixUnbrandedHeaders (item 20): --scheme svix accepts the unbranded
// webhook-id, webhook-timestamp and webhook-signature headers, as the Svix
// libraries do; when all three svix-* headers are there, they are the ones
// read (svix-webhooks go/webhook.go: Verify falls back to webhook-* only when
// a svix-* header is missing).
func TestSvixUnbrandedHeaders(t *testing.T) {
	sv, _ := Lookup("svix", Options{})
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	branded := signMsg(t, sv, secret, testBody, signedAt).Header
	unbranded := http.Header{}
	for name, v := range branded {
		unbranded[strings.Replace(name, "Svix-", "Webhook-", 1)] = v
	}
	tampered := func(h http.Header) http.Header {
		h = h.Clone()
		for name := range h {
			if strings.HasSuffix(name, "-Signature") {
				h.Set(name, "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
			}
		}
		return h
	}
	merge := func(hs ...http.Header) http.Header {
		out := http.Header{}
		for _, h := range hs {
			for k, v := range h {
				out[k] = v
			}
		}
		return out
	}
	partial := merge(unbranded)
	partial.Set("svix-id", "msg_other") // one svix-* header alone: the webhook-* set is read
	for _, c := range []struct {
		name   string
		h      http.Header
		reason Reason
		header string
	}{
		{"unbranded", unbranded, ReasonValid, "webhook-signature"},
		{"branded", branded, ReasonValid, "svix-signature"},
		{"both, svix-* valid", merge(tampered(unbranded), branded), ReasonValid, "svix-signature"},
		{"both, only webhook-* valid", merge(unbranded, tampered(branded)), ReasonMismatch, "svix-signature"},
		{"svix-id alone beside webhook-*", partial, ReasonValid, "webhook-signature"},
		{"unbranded, tampered", tampered(unbranded), ReasonMismatch, "webhook-signature"},
	} {
		v := verify(t, sv, Message{Header: c.h, Body: testBody}, secretsOf(secret), signedAt, DefaultTolerance)
		if v.Reason != c.reason || v.Header != c.header {
			t.Errorf("%s: %s on %s (%s), want %s on %s", c.name, v.Reason, v.Header, v.Message, c.reason, c.header)
		}
	}
	v := verify(t, sv, Message{Header: http.Header{"Webhook-Id": {"msg_1"}}, Body: testBody}, secretsOf(secret), signedAt, DefaultTolerance)
	if v.Reason != ReasonMissingHeader || v.Header != "svix-id" {
		t.Errorf("no signature headers: %+v, want missing svix-id", v)
	}
	// Standard Webhooks reads only its own headers, as its libraries do.
	std, _ := Lookup("standard-webhooks", Options{})
	if v := verify(t, std, Message{Header: branded, Body: testBody}, secretsOf(secret), signedAt, DefaultTolerance); v.Reason != ReasonMissingHeader {
		t.Errorf("standard-webhooks with svix-* headers: %+v, want missing_header", v)
	}
}

// TestStripeAgreesWithItsLibraries (item 19): the Stripe-Signature header is
// read as stripe-go (webhook/client.go, parseSignatureHeader and
// validatePayload) and stripe-node (Webhooks.verifyHeader) read it: split on
// "," and "=" without trimming; a v1 that is not hex is skipped, not fatal;
// only a timestamp's age is checked.
func TestStripeAgreesWithItsLibraries(t *testing.T) {
	c := caseNamed(t, "stripe")
	s := lookupCase(t, c)
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	good := hx(mac(sha256.New, []byte(c.secret), ts+"."+string(testBody)))
	wrong := hx(mac(sha256.New, []byte(c.old), ts+"."+string(testBody)))
	const spaceHint = "split the header on , and = without trimming spaces"
	for _, x := range []struct {
		value string
		want  Reason
		hint  string
	}{
		{"t=" + ts + ",v1=" + good + ",v1=potato", ReasonValid, ""},
		{"t=" + ts + ",v1=potato,v1=" + good, ReasonValid, ""},
		{"t=" + ts + ",v1=" + good + ",v1=" + wrong[:63], ReasonValid, ""}, // odd length: not hex
		{"t=" + ts + ",v1=potato", ReasonMalformedHeader, ""},
		{"t=" + ts + ", v1=" + good, ReasonMalformedHeader, spaceHint},
		{"t=" + ts + ",v1 =" + good, ReasonMalformedHeader, spaceHint},
		{"v1=" + good + ", t=" + ts, ReasonMalformedHeader, spaceHint},
		{"t=" + ts + ",v1=" + good + ", v1=" + wrong, ReasonValid, ""}, // the unpadded v1 is read
		{"t=" + ts + ",v1=" + wrong + ", v1=" + good, ReasonMismatch, spaceHint},
	} {
		m := Message{Header: http.Header{"Stripe-Signature": {x.value}}, Body: testBody}
		v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
		if v.Reason != x.want {
			t.Errorf("%s: %s (%s), want %s", x.value, v.Reason, v.Message, x.want)
		}
		if hinted := strings.Contains(strings.Join(v.Hints, "\n"), spaceHint); hinted != (x.hint != "") {
			t.Errorf("%s: hints %q; want the hint about spaces: %v", x.value, v.Hints, x.hint != "")
		}
	}

	// A timestamp in the future: the libraries check only its age (stripe-go
	// time.Since(t) > tolerance; stripe-node now - t > tolerance), so the
	// delivery is valid, with a hint giving the skew.
	m := signMsg(t, s, c.secret, testBody, signedAt)
	v := verify(t, s, m, secretsOf(c.secret), signedAt.Add(-time.Hour), DefaultTolerance)
	if !v.Valid || v.SkewSeconds == nil || *v.SkewSeconds != -3600 {
		t.Fatalf("an hour ahead: %+v, want valid with skew -3600", v)
	}
	if !strings.Contains(strings.Join(v.Hints, "\n"), "the timestamp is 3600s in the future, beyond the 300s tolerance") {
		t.Errorf("an hour ahead: hints %q, want the skew named", v.Hints)
	}
	if v := verify(t, s, m, secretsOf(c.old), signedAt.Add(-time.Hour), DefaultTolerance); v.Reason != ReasonMismatch {
		t.Errorf("an hour ahead, wrong secret: %+v, want signature_mismatch", v)
	}
	if v := verify(t, s, m, secretsOf(c.secret), signedAt.Add(-time.Minute), DefaultTolerance); !v.Valid || len(v.Hints) != 0 {
		t.Errorf("a minute ahead: %+v, want valid with no hint", v)
	}
	if v := verify(t, s, m, secretsOf(c.secret), signedAt.Add(time.Hour), DefaultTolerance); v.Reason != ReasonTimestampTooOld {
		t.Errorf("an hour old: %+v, want timestamp_too_old", v)
	}
	// Standard Webhooks' libraries refuse a timestamp too far ahead.
	std := lookupCase(t, caseNamed(t, "standard-webhooks"))
	sm := signMsg(t, std, caseNamed(t, "standard-webhooks").secret, testBody, signedAt)
	if v := verify(t, std, sm, secretsOf(caseNamed(t, "standard-webhooks").secret), signedAt.Add(-time.Hour), DefaultTolerance); v.Reason != ReasonTimestampInFuture {
		t.Errorf("standard-webhooks an hour ahead: %+v, want timestamp_in_future", v)
	}
}
