package signature

import (
	"regexp"
	"strings"
	"testing"
)

// TestUpperCaseHexSignatures (issue 17, interop): a hex signature written
// in upper case is the same MAC; stripe-go, go-github and slack-go accept
// it (they decode the hex), but the official Node libraries (stripe-node,
// @octokit/webhooks-methods, @slack/bolt, razorpay) and razorpay-go compare
// it as text with the lower-case hex they compute and refuse it
// (bench/interop/go and bench/interop/hmac hold both sides). hooktool
// refuses it as they do, signature_mismatch with a hint saying so; a
// lower-case or base64 signature is valid with no such hint.
func TestUpperCaseHexSignatures(t *testing.T) {
	razorpay, err := NewHMAC(HMACConfig{Header: "X-Razorpay-Signature", Hash: "sha256", Encoding: "hex"})
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) Scheme {
		s, err := Lookup(name, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	hexRun := regexp.MustCompile(`[0-9a-f]{40,}`)
	for _, c := range []struct {
		s   Scheme
		hex bool
	}{
		{lookup("github"), true}, {lookup("stripe"), true}, {lookup("slack"), true}, {lookup("paystack"), true}, {razorpay, true},
		{lookup("shopify"), false}, {lookup("standard-webhooks"), false},
	} {
		fields, err := Sign(c.s, NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), SignInput{Body: testBody, ID: testID, Timestamp: signedAt})
		if err != nil {
			t.Fatal(err)
		}
		for _, upper := range []bool{false, true} {
			h := headerOf(fields)
			if upper {
				for name := range h {
					h.Set(name, hexRun.ReplaceAllStringFunc(h.Get(name), strings.ToUpper))
				}
			}
			v, err := Verify(c.s, Message{Header: h, Body: testBody}, secretsOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), VerifyOptions{Now: signedAt})
			refused := upper && c.hex
			if err != nil || v.Valid == refused || (refused && v.Reason != ReasonMismatch) {
				t.Fatalf("%s, upper case %v: %v %+v; want refused (signature_mismatch): %v", c.s.Name(), upper, err, v, refused)
			}
			hinted := strings.Contains(strings.Join(v.Hints, "\n"), "upper-case hex")
			if want := upper && c.hex; hinted != want {
				t.Errorf("%s, upper case %v: hints %q; want the upper-case hint: %v", c.s.Name(), upper, v.Hints, want)
			}
		}
	}
}

// TestUpperCaseHexDiscord: the upper-case rule is the MAC schemes'. Discord's
// Ed25519 signature is hex too, and discord-interactions (the official
// library) reads it with parseInt(…, 16), which takes either case: hooktool
// accepts it in upper case, with no hint.
func TestUpperCaseHexDiscord(t *testing.T) {
	s, err := Lookup("discord", Options{})
	if err != nil {
		t.Fatal(err)
	}
	signKey, verifyKeys := testKeys(t, s)
	fields, err := Sign(s, signKey, SignInput{Body: testBody, Timestamp: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	h := headerOf(fields)
	h.Set("X-Signature-Ed25519", strings.ToUpper(h.Get("X-Signature-Ed25519")))
	v, err := Verify(s, Message{Header: h, Body: testBody}, verifyKeys, VerifyOptions{Now: signedAt})
	if err != nil || !v.Valid || len(v.Hints) > 0 {
		t.Fatalf("discord, upper-case hex: %v %+v; want valid with no hint", err, v)
	}
}
