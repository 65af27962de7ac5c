package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/userfile"
	"github.com/spf13/cobra"
)

// KeygenOptions are `hooktool keygen`'s flags.
type KeygenOptions struct {
	Scheme string
	Out    string
	Force  bool
}

func newKeygenCommand(app *App, runF func(*KeygenOptions) error) *cobra.Command {
	o := &KeygenOptions{}
	cmd := &cobra.Command{
		Use:   "keygen --scheme S [--out FILE]",
		Short: "Make a throwaway key pair for an asymmetric scheme",
		Long: `Make a key pair to test an asymmetric scheme with (` + strings.Join(signature.AsymmetricNames(), ", ") + `):
the private key signs (trigger, sign), the public key verifies (verify, listen).

The private key is written to --out (default hooktool-SCHEME.key), created
0600; an existing file is left alone unless --force. It is never printed.
The public key is printed on stdout in the form the scheme's receivers are
given: whpk_<base64> (standard-webhooks-v1a), hex (discord), base64 DER
(sendgrid), base64 (telnyx). With --json, one object: scheme, private_key_file, public_key,
public_key_form.

Then sign with --private-key-file FILE (or HOOKTOOL_PRIVATE_KEY_FILE) and
verify with --public-key KEY (or HOOKTOOL_PUBLIC_KEY).` + exitStatus("the key pair was made", "", couldNotRun+" (a scheme with a shared secret, a file that exists)"),
		Example: `  hooktool keygen --scheme standard-webhooks-v1a --out sw.key
  export HOOKTOOL_PUBLIC_KEY=$(hooktool keygen --scheme discord --out discord.pem --force)
  hooktool trigger --scheme discord --private-key-file discord.pem --payload body.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Scheme == "" {
				return usageErr("give --scheme: one of %s", strings.Join(signature.AsymmetricNames(), ", "))
			}
			if runF != nil {
				return runF(o)
			}
			return runKeygen(app, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.Scheme, "scheme", "s", "", "the asymmetric scheme: "+strings.Join(signature.AsymmetricNames(), ", "))
	fs.StringVarP(&o.Out, "out", "o", "", "the file the private key is written to, 0600 (default hooktool-SCHEME.key)")
	fs.BoolVar(&o.Force, "force", false, "replace --out if it exists")
	_ = cmd.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions(signature.AsymmetricNames(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runKeygen(app *App, o *KeygenOptions) error {
	const sharedHint = "the HMAC schemes sign with a shared secret: any random string of 32 bytes or more will do"
	s, err := signature.Lookup(o.Scheme, signature.Options{})
	if err != nil {
		if slices.Contains(signature.Names(), o.Scheme) {
			// A scheme that needs a profile to exist (hmac): a shared secret's.
			return failErr(fmt.Errorf("the %s scheme signs with a shared secret, not a key pair; key pairs are for %s", o.Scheme, strings.Join(signature.AsymmetricNames(), ", ")), sharedHint)
		}
		return unknownNameErr(err, o.Scheme, signature.AsymmetricNames(), "keygen makes key pairs for "+strings.Join(signature.AsymmetricNames(), ", "))
	}
	kp, err := signature.NewKeyPair(s)
	if err != nil {
		return failErr(err, sharedHint)
	}
	out := o.Out
	if out == "" {
		out = "hooktool-" + s.Name() + ".key"
	}
	if err := userfile.WritePrivate(out, []byte(kp.Private.Reveal()), o.Force); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return failErr(fmt.Errorf("%s exists: the private key was not written", out), "give another --out, or --force to replace it")
		}
		return failErr(fmt.Errorf("writing the private key: %w", err))
	}
	return view.NewKeygenPrinter(app.out()).KeyPair(view.KeyPair{
		Scheme: s.Name(), PrivateKeyFile: out, PublicKey: kp.Public, PublicKeyForm: kp.PublicForm,
	})
}
