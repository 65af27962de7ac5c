package signature

import (
	"regexp"
	"strings"
	"testing"
)

// TestUpperCaseHexSignatures (issue 17, interop): a hex signature written
// in upper case is the same MAC, and hooktool accepts it as stripe-go,
// go-github and slack-go do (they decode the hex); stripe-node,
// @octokit/webhooks-methods, @slack/bolt and Razorpay's SDKs compare it as
// text with the lower-case hex they compute and refuse it
// (bench/interop/go and bench/interop/hmac hold both sides). A valid
// verdict says so in a hint; a lower-case or base64 signature gets none.
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
			if err != nil || !v.Valid {
				t.Fatalf("%s, upper case %v: %v %+v", c.s.Name(), upper, err, v)
			}
			hinted := strings.Contains(strings.Join(v.Hints, "\n"), "upper-case hex")
			if want := upper && c.hex; hinted != want {
				t.Errorf("%s, upper case %v: hints %q; want the upper-case hint: %v", c.s.Name(), upper, v.Hints, want)
			}
		}
	}
}
