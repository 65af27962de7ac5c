package cli

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/cobra"
)

// TestKeygen: keygen writes the private key to a new 0600 file and prints
// only the public key, in the scheme's own form; an existing file is left
// alone unless --force, which replaces it with a 0600 one; --json names
// both without the private key; a scheme with a shared secret has no pair.
func TestKeygen(t *testing.T) {
	sandbox(t)
	forms := map[string]string{"standard-webhooks-v1a": `^whpk_[A-Za-z0-9+/]{43}=$`, "discord": `^[0-9a-f]{64}$`, "sendgrid": `^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE[A-Za-z0-9+/]+=*$`}
	for _, scheme := range signature.AsymmetricNames() {
		code, out, errs := run(t, "", "keygen", "--scheme", scheme)
		file := "hooktool-" + scheme + ".key"
		if code != ExitOK || errs != "" {
			t.Fatalf("%s: %d %s", scheme, code, errs)
		}
		pub := strings.TrimSuffix(out, "\n")
		if !matches(forms[scheme], pub) || strings.Contains(pub, "\n") {
			t.Errorf("%s: stdout %q, want one public key matching %s", scheme, out, forms[scheme])
		}
		st, err := os.Stat(file)
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v; want a 0600 file", scheme, err, st.Mode())
		}
		priv, _ := os.ReadFile(file)
		body := strings.TrimSpace(string(priv))
		if strings.Contains(out+errs, body[len(body)/2:len(body)/2+20]) {
			t.Errorf("%s: the private key was printed", scheme)
		}
		// Refused without --force, the file untouched.
		code, _, errs = run(t, "", "keygen", "--scheme", scheme)
		if again, _ := os.ReadFile(file); code != ExitError || !strings.Contains(errs, file+" exists: the private key was not written") || !strings.Contains(errs, "--force") || string(again) != string(priv) {
			t.Errorf("%s, again: %d %s", scheme, code, errs)
		}
		// --force replaces it, 0600 whatever the old file's mode.
		os.Chmod(file, 0o644)
		code, out, errs = run(t, "", "keygen", "--scheme", scheme, "--force", "--json")
		var got map[string]string
		if err := json.Unmarshal([]byte(out), &got); code != ExitOK || err != nil {
			t.Fatalf("%s --force --json: %d %q %s", scheme, code, out, errs)
		}
		again, _ := os.ReadFile(file)
		st, _ = os.Stat(file)
		if string(again) == string(priv) || st.Mode().Perm() != 0o600 {
			t.Errorf("%s --force: the file was not replaced by a 0600 one (%v)", scheme, st.Mode())
		}
		if got["scheme"] != scheme || got["private_key_file"] != file || !matches(forms[scheme], got["public_key"]) || got["public_key_form"] == "" || len(got) != 4 {
			t.Errorf("%s --json: %v", scheme, got)
		}
	}
	code, _, errs := run(t, "", "keygen", "--scheme", "github", "--out", "gh.key")
	if _, err := os.Stat("gh.key"); code != ExitError || !strings.Contains(errs, "the github scheme signs with a shared secret, not a key pair") || err == nil {
		t.Errorf("keygen --scheme github: %d %s", code, errs)
	}
	// The generic hmac scheme too (it was refused for lacking a header).
	code, _, errs = run(t, "", "keygen", "--scheme", "hmac", "--out", "h.key")
	if _, err := os.Stat("h.key"); code != ExitError || !strings.Contains(errs, "the hmac scheme signs with a shared secret, not a key pair") || err == nil {
		t.Errorf("keygen --scheme hmac: %d %s", code, errs)
	}
	// A symlink at --out is not followed, even dangling.
	os.Symlink("elsewhere", "link.key")
	if code, _, _ := run(t, "", "keygen", "--scheme", "discord", "--out", "link.key"); code != ExitError {
		t.Errorf("a symlink at --out: exit %d", code)
	}
	if _, err := os.Lstat("elsewhere"); err == nil {
		t.Error("keygen wrote through a symlink")
	}
}

// TestUnusableKeys: a key the scheme cannot use stops sign and verify with
// exit 2, naming it by where it came from, never showing it.
func TestUnusableKeys(t *testing.T) {
	sandbox(t)
	writeFile(t, "body.json", []byte(`{"a":1}`))
	_, pub, _ := run(t, "", "keygen", "--scheme", "standard-webhooks-v1a", "--out", "sw.key")
	pub = strings.TrimSpace(pub)
	writeFile(t, "pub.key", []byte(pub+"\n"))
	priv, _ := os.ReadFile("sw.key")
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"a public key signs", map[string]string{"HOOKTOOL_PUBLIC_KEY": pub}, []string{"sign", "--scheme", "v1a", "--payload", "body.json"},
			[]string{"the public key from HOOKTOOL_PUBLIC_KEY cannot be used with the standard-webhooks-v1a scheme: a public key cannot sign"}},
		{"a public key in the private key file", nil, []string{"sign", "--scheme", "standard-webhooks-v1a", "--private-key-file", "pub.key", "--payload", "body.json"},
			[]string{"the private key from --private-key-file pub.key line 1 cannot be used", "a public key cannot sign"}},
		{"an HMAC secret for an Ed25519 scheme", map[string]string{"HOOKTOOL_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, []string{"verify", "--scheme", "discord", "--payload", "body.json", "-H", "X-Signature-Ed25519: 00", "-H", "X-Signature-Timestamp: 1"},
			[]string{"the secret from HOOKTOOL_SECRET cannot be used with the discord scheme: it is an HMAC secret (whsec_…)"}},
		{"an API key for sendgrid", map[string]string{"HOOKTOOL_SECRET": "sk_live_0123456789abcdef"}, []string{"sign", "--scheme", "sendgrid", "--payload", "body.json"},
			[]string{"it looks like an API key (sk_…)"}},
		{"a key file for github", nil, []string{"sign", "--scheme", "github", "--private-key-file", "sw.key", "--payload", "body.json"},
			[]string{"the private key from --private-key-file sw.key line 1 cannot be used with the github scheme: it is a private key, and the github scheme signs with a shared secret"}},
		{"a bad public key", map[string]string{"HOOKTOOL_PUBLIC_KEY": "whpk_%%%"}, []string{"verify", "--scheme", "v1a", "--payload", "body.json", "-H", "webhook-id: 1", "-H", "webhook-timestamp: 1", "-H", "webhook-signature: v1a,AA=="},
			[]string{"the public key from HOOKTOOL_PUBLIC_KEY cannot be used", "after whpk_, it is not base64"}},
		{"no private key", nil, []string{"sign", "--scheme", "discord", "--payload", "body.json"},
			[]string{"no private key to sign with: the discord scheme is asymmetric", "hooktool keygen --scheme discord"}},
		{"no public key", nil, []string{"verify", "--scheme", "sendgrid", "--payload", "body.json", "-H", "X-Twilio-Email-Event-Webhook-Signature: MEQ=", "-H", "X-Twilio-Email-Event-Webhook-Timestamp: 1"},
			[]string{"no public key to verify with", "HOOKTOOL_PUBLIC_KEY"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, out, errs := run(t, "", c.args...)
			if code != ExitError || out != "" {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr:\n%s\nwant %q", errs, w)
				}
			}
			if strings.Contains(errs, string(priv[10:40])) || strings.Contains(errs, pub[5:40]) || strings.Contains(errs, "MfKQ9r8G") || strings.Contains(errs, "0123456789abcdef") {
				t.Errorf("a key or secret shown: %s", errs)
			}
		})
	}
}

// TestUnusedKeyFlagIsSaid: with both kinds configured, each scheme takes
// its own; a flag of the other kind is said to be unused, not ignored
// silently.
func TestUnusedKeyFlagIsSaid(t *testing.T) {
	sandbox(t)
	writeFile(t, "body.json", []byte(`{"a":1}`))
	run(t, "", "keygen", "--scheme", "discord", "--out", "dc.pem")
	t.Setenv("HOOKTOOL_SECRET", "s3cret")
	code, out, errs := run(t, "", "sign", "--scheme", "github", "--private-key-file", "dc.pem", "--payload", "body.json")
	if code != ExitOK || !strings.Contains(out, "X-Hub-Signature-256: sha256=") || !strings.Contains(errs, "hooktool: warning: --private-key-file is not used: the github scheme signs with a shared secret") {
		t.Errorf("github with a key file: %d %q %q", code, out, errs)
	}
	code, out, errs = run(t, "", "sign", "--scheme", "discord", "--private-key-file", "dc.pem", "--payload", "body.json")
	if code != ExitOK || !strings.Contains(out, "X-Signature-Ed25519: ") || errs != "" {
		t.Errorf("discord with a key file and HOOKTOOL_SECRET set: %d %q %q", code, out, errs)
	}
	code, _, errs = run(t, "", "sign", "--scheme", "discord", "--private-key-file", "dc.pem", "--secret", "x", "--payload", "body.json")
	if code != ExitOK || !strings.Contains(errs, "hooktool: warning: --secret is not used: the discord scheme signs with a key pair") {
		t.Errorf("discord with --secret: %d %q", code, errs)
	}
}

func TestKeygenOptions(t *testing.T) {
	sandbox(t)
	var o *KeygenOptions
	twin := func(app *App) *cobra.Command { return newKeygenCommand(app, keep(&o)) }
	if code, stderr := seam(t, nil, []string{"keygen"}, twin, "keygen", "--scheme", "discord", "-o", "k.pem", "--force"); code != 0 || o == nil || *o != (KeygenOptions{Scheme: "discord", Out: "k.pem", Force: true}) {
		t.Errorf("exit %d, %+v: %s", code, o, stderr)
	}
	o = nil
	if code, _ := seam(t, nil, []string{"keygen"}, twin, "keygen"); code != ExitError || o != nil {
		t.Errorf("no --scheme: exit %d, runF called %v; want exit 2 before runF", code, o != nil)
	}
}

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }
