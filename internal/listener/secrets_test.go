package listener

import (
	"errors"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/signature"
)

// mustNew is New for tests whose options are known to be good.
func mustNew(tb testing.TB, o Options) *Handler {
	tb.Helper()
	h, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// TestNewRefusesUnusableSecrets: a secret the scheme cannot use is New's
// error, naming the secret by its source; the listener never goes on with
// verification quietly off (issue 12, item 1: such a listener answered a
// forged delivery 200 and recorded it as unsigned).
func TestNewRefusesUnusableSecrets(t *testing.T) {
	std, err := signature.Lookup("standard-webhooks", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := signature.NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").From("--secret-file keys line 1")
	const value = "whsec_%%%notbase64"
	for _, secrets := range [][]signature.Secret{
		{signature.NewSecret(value).From("HOOKTOOL_SECRET")},
		{good, signature.NewSecret(value).From("HOOKTOOL_SECRET")},
		{signature.NewSecret("").From("HOOKTOOL_SECRET")},
	} {
		h, err := New(Options{Scheme: std, Secrets: secrets, RejectInvalid: true})
		var se *signature.SecretError
		if h != nil || !errors.As(err, &se) {
			t.Fatalf("New with an unusable secret = %v, %v; want a *signature.SecretError", h, err)
		}
		if !strings.Contains(err.Error(), "HOOKTOOL_SECRET") || strings.Contains(err.Error(), "notbase64") {
			t.Errorf("error %q: want it to name HOOKTOOL_SECRET and not show the secret", err)
		}
	}
	if _, err := New(Options{Scheme: std, Secrets: []signature.Secret{good}}); err != nil {
		t.Errorf("New with a good secret: %v", err)
	}
	// Without a scheme, secrets are only kept out of records: nothing to use.
	if _, err := New(Options{Secrets: []signature.Secret{signature.NewSecret(value)}}); err != nil {
		t.Errorf("New with no scheme: %v", err)
	}
}
