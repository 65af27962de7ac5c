package cli

import (
	"slices"
	"strings"

	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/randid"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/cobra"
)

// SignOptions are what `hooktool sign` signs, how, and how it prints it.
type SignOptions struct {
	signing signingFlags
	// resolved is the scheme and secrets the flags, the environment and
	// the config file name.
	resolved    *resolvedSigning
	Payload     string
	ID          string
	Timestamp   string
	Format      string
	To          string
	ContentType string
}

var signFormats = []string{"headers", "json", "curl", "http"}

func newSignCommand(app *App, runF func(*SignOptions) error) *cobra.Command {
	o := &SignOptions{}
	cmd := &cobra.Command{
		Use:   "sign [flags]",
		Short: "Print the signature headers for a payload",
		Long: `Sign a payload and print what to send.

The body is read byte for byte from --payload FILE, or from stdin. A fresh id
and the current time are used where the scheme signs them, unless --id and
--timestamp say otherwise. The first configured secret signs.

Formats:
  headers  one 'Name: value' line per header, nothing else (the default)
  json     {"scheme", "id", "timestamp", "headers": {name: value}}
  curl     a curl command that sends the signed request to --to
  http     the raw HTTP/1.1 request, body included` + exitStatus("the signature (or the request) was printed", "", ""),
		Example: `  export HOOKTOOL_SECRET=whsec_...
  hooktool sign --scheme standard-webhooks --payload body.json
  hooktool sign --scheme stripe --payload body.json --format curl --to http://localhost:3000/hook
  hooktool sign --scheme github --payload body.json --format http | nc localhost 3000`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if app.JSON && !cmd.Flags().Changed("format") {
				o.Format = "json"
			}
			if !slices.Contains(signFormats, o.Format) {
				return usageErr("--format %q: expected one of %s", o.Format, strings.Join(signFormats, ", "))
			}
			var err error
			if o.resolved, err = app.resolveSigning(cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runSign(app, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	addPayloadFlag(fs, &o.Payload)
	fs.StringVar(&o.ID, "id", "", "message id, for schemes that sign one (default: a fresh msg_... id)")
	fs.StringVar(&o.Timestamp, "timestamp", "", "signing time, unix seconds or RFC 3339 (default: now)")
	fs.StringVarP(&o.Format, "format", "f", "headers", "output: "+strings.Join(signFormats, ", "))
	urlVar(fs, &o.To, "to", "target URL for --format curl and http (default: the endpoint's URL, else "+defaultTarget+")")
	fs.StringVar(&o.ContentType, "content-type", "application/json", "Content-Type for --format curl and http")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(signFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runSign(app *App, o *SignOptions) error {
	r := o.resolved
	if err := r.needSecrets("sign"); err != nil {
		return err
	}
	signer, err := r.newSigner(r.scheme)
	if err != nil {
		return err
	}
	body, err := app.readPayload(o.Payload)
	if err != nil {
		return err
	}
	at := app.Now()
	if o.Timestamp != "" {
		if at, err = parseTime("timestamp", o.Timestamp); err != nil {
			return err
		}
	}
	id := ""
	if r.scheme.UsesID() {
		id = o.ID
		if id == "" {
			id = randid.MessageID()
		}
	}
	target, err := r.signTarget(o.To)
	if err != nil {
		return err
	}
	headers, err := signer.Sign(signature.SignInput{Body: body, ID: id, Timestamp: at, URL: target})
	if err != nil {
		return failErr(err)
	}
	app.hideSecretHeaders(r, headers, o.Format)
	return view.NewSignPrinter(app.out(), o.Format).Signed(view.Signed{
		Scheme: r.scheme.Name(),
		ID:     id, HasID: r.scheme.UsesID(),
		Timestamp: at.Unix(), HasTimestamp: r.scheme.UsesTimestamp(),
		URL: target, ContentType: o.ContentType, Headers: headers, Body: body, PayloadFile: o.Payload,
	})
}

// signTarget is the URL sign signs (for schemes that sign it) and prints:
// --to, else the endpoint's URL, else listen's default address.
func (r *resolvedSigning) signTarget(to string) (string, error) {
	target := to
	if target == "" && r.endpoint != "" {
		target = r.cfg.Endpoints[r.endpoint].URL
	}
	if target == "" {
		target = defaultTarget
	}
	return normalizeURL("--to", target)
}
