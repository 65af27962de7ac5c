package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestKeys: private_key_file, public_key (a string or a list) and
// public_key_file (PEM blocks, or one key a line) resolve as secrets do
// (the endpoint's own beat the top level's, the environment names its
// variables), each key labelled by where it came from; UseScheme gives an
// asymmetric scheme the keys and an HMAC scheme the secrets.
func TestKeys(t *testing.T) {
	isolate(t)
	pemKey := "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----"
	write(t, "keys/pub.pem", pemKey+"\n"+strings.Replace(pemKey, "MCow", "MCox", 1)+"\n")
	write(t, "keys/lines.txt", "# receivers' keys\nwhpk_A\n\nwhpk_B\n")
	write(t, "keys/priv.pem", "-----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----\n")
	write(t, FileName, `secret: top-secret
public_key: [whpk_top1, whpk_top2]
endpoints:
  a:
    scheme: discord
    private_key_file: keys/priv.pem
    public_key_file: keys/pub.pem
  b:
    public_key_file: keys/lines.txt
`)
	c, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	sources := func(ss []signature.Secret) (out []string) {
		for _, s := range ss {
			out = append(out, s.Source())
		}
		return out
	}
	sg, err := c.Signing("a")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"config file hooktool.yaml:6: endpoints.a.private_key_file keys/priv.pem", "config file hooktool.yaml:7: endpoints.a.public_key_file keys/pub.pem block 1", "config file hooktool.yaml:7: endpoints.a.public_key_file keys/pub.pem block 2"}
	if got := sources(sg.Keys); !slices.Equal(got, want) {
		t.Errorf("endpoint a: keys from\n%q\nwant\n%q", got, want)
	}
	if !sg.Keys[0].IsKey() || sg.Keys[1].Reveal() != pemKey {
		t.Errorf("endpoint a: the PEM block is not kept whole: %q", sg.Keys[1].Reveal())
	}
	discord, _ := signature.Lookup("discord", signature.Options{})
	sg.UseScheme(discord)
	if len(sg.Secrets) != 3 || len(sg.Unused) != 1 || sg.Unused[0].Reveal() != "top-secret" {
		t.Errorf("discord: %d secrets, unused %v", len(sg.Secrets), sg.Unused)
	}
	sg, _ = c.Signing("b")
	if got := sources(sg.Keys); !slices.Equal(got, []string{"config file hooktool.yaml:9: endpoints.b.public_key_file keys/lines.txt line 2", "config file hooktool.yaml:9: endpoints.b.public_key_file keys/lines.txt line 4"}) {
		t.Errorf("endpoint b: keys from %q", got)
	}
	github, _ := signature.Lookup("github", signature.Options{})
	sg.UseScheme(github)
	if reveal(sg.Secrets) != "top-secret" || len(sg.Unused) != 2 {
		t.Errorf("github: secrets %s, %d unused", reveal(sg.Secrets), len(sg.Unused))
	}
	sg, _ = c.Signing("")
	if got := sources(sg.Keys); !slices.Equal(got, []string{"config file hooktool.yaml:2: public_key item 1", "config file hooktool.yaml:2: public_key item 2"}) {
		t.Errorf("top level: keys from %q", got)
	}
	// Within a scope the best-ranked source wins, as for secrets: the
	// environment's public key over the file's public_key_file.
	t.Setenv("HOOKTOOL_PUBLIC_KEY", "whpk_env")
	write(t, FileName, "public_key_file: keys/lines.txt\n")
	c, _ = Load(Options{})
	sg, _ = c.Signing("")
	if got := sources(sg.Keys); !slices.Equal(got, []string{"HOOKTOOL_PUBLIC_KEY"}) {
		t.Errorf("top level with HOOKTOOL_PUBLIC_KEY: keys from %q", got)
	}
	// Only the other kind configured: it is handed over, to be refused by name.
	write(t, FileName, "scheme: github\n")
	c, _ = Load(Options{})
	sg, _ = c.Signing("")
	sg.UseScheme(github)
	if len(sg.Secrets) != 1 || sg.Secrets[0].Source() != "HOOKTOOL_PUBLIC_KEY" || !sg.Secrets[0].IsKey() {
		t.Errorf("github with only a public key: %v", sources(sg.Secrets))
	}
	// A private key file with two keys is refused: one signs.
	write(t, FileName, "private_key_file: keys/two.pem\n")
	write(t, "keys/two.pem", pemKey+"\n"+pemKey+"\n")
	c, _ = Load(Options{})
	if _, err := c.Signing(""); err == nil || !strings.Contains(err.Error(), "holds 2 keys: one signs") {
		t.Errorf("two private keys: %v", err)
	}
}
