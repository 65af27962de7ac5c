package signature

import (
	"errors"
	"strings"
	"testing"
)

// TestConstructorsRefuseUnusableSecrets: NewVerifier and NewSigner return a
// *SecretError for a secret the scheme cannot use, and never a value that
// would fail (or, worse, skip verification) later. The error names the
// secret by its source, or by its position, and never shows it.
func TestConstructorsRefuseUnusableSecrets(t *testing.T) {
	std, _ := Lookup("standard-webhooks", Options{})
	b64, err := NewHMAC(HMACConfig{Header: "X-Signature", SecretEncoding: "base64"})
	if err != nil {
		t.Fatal(err)
	}
	good := NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	cases := []struct {
		scheme  Scheme
		secrets []Secret
		name    string // what the error must call the secret
	}{
		{std, []Secret{NewSecret("whsec_%%%notbase64").From("HOOKTOOL_SECRET")}, "the secret from HOOKTOOL_SECRET"},
		{std, []Secret{good, NewSecret("whsec_%%%notbase64")}, "secret 2 of 2"},
		{std, []Secret{NewSecret("whsec_%%%notbase64")}, "the secret"},
		{std, []Secret{NewSecret("   ").From("--secret-file k line 3")}, "the secret from --secret-file k line 3"},
		{b64, []Secret{NewSecret("%%%notbase64").From("config file c.yaml:4: secret")}, "the secret from config file c.yaml:4: secret"},
	}
	for _, c := range cases {
		check := func(what string, err error) {
			t.Helper()
			var se *SecretError
			if !errors.As(err, &se) {
				t.Fatalf("%s(%s, %s): error %v, want a *SecretError", what, c.scheme.Name(), c.name, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, c.name+" cannot be used with the "+c.scheme.Name()+" scheme: ") {
				t.Errorf("%s: error %q, want it to start with %q", what, msg, c.name)
			}
			if strings.Contains(msg, "notbase64") {
				t.Errorf("%s: error %q shows the secret", what, msg)
			}
		}
		vf, err := NewVerifier(c.scheme, c.secrets)
		if vf != nil {
			t.Errorf("NewVerifier returned a Verifier with an unusable secret")
		}
		check("NewVerifier", err)
		_, err = Verify(c.scheme, Message{Header: map[string][]string{}}, c.secrets, VerifyOptions{})
		check("Verify", err)
		bad := c.secrets[len(c.secrets)-1]
		sg, err := NewSigner(c.scheme, bad)
		if sg != nil {
			t.Errorf("NewSigner returned a Signer with an unusable secret")
		}
		if c.name == "secret 2 of 2" {
			c.name = "the secret" // the Signer has only the one
		}
		check("NewSigner", err)
		_, err = Sign(c.scheme, bad, SignInput{ID: "msg_1", Timestamp: signedAt})
		check("Sign", err)
	}
	// A Signer needs a secret; a Verifier without any gives no_secret verdicts.
	if sg, err := NewSigner(std, Secret{}); sg != nil || err == nil {
		t.Errorf("NewSigner with no secret = %v, %v; want an error", sg, err)
	}
	vf, err := NewVerifier(std, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := signMsg(t, std, good.Reveal(), testBody, signedAt)
	if v := vf.Verify(m, VerifyOptions{Now: signedAt}); v.Reason != ReasonNoSecret {
		t.Errorf("a Verifier with no secrets: %+v, want no_secret", v)
	}
}
