package cli

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture/export"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/cobra"
)

// SignOptions are the flags of `hooktool sign`.
type SignOptions struct {
	signing     signingFlags
	Payload     string
	ID          string
	Timestamp   string
	Format      string
	To          string
	ContentType string
}

// defaultTarget is where `sign --format curl|http` points when no --to or
// endpoint URL says otherwise: hooktool listen's default address.
const defaultTarget = "http://127.0.0.1:4242/"

var signFormats = []string{"headers", "json", "curl", "http"}

func newSignCommand(app *App) *cobra.Command {
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
  http     the raw HTTP/1.1 request, body included` + exitStatusHelp,
		Example: `  export HOOKTOOL_SECRET=whsec_...
  hooktool sign --scheme standard-webhooks --payload body.json
  hooktool sign --scheme stripe --payload body.json --format curl --to http://localhost:3000/hook
  hooktool sign --scheme github --payload body.json --format http | nc localhost 3000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSign(app, cmd, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	addPayloadFlag(fs, &o.Payload)
	fs.StringVar(&o.ID, "id", "", "message id, for schemes that sign one (default: a fresh msg_... id)")
	fs.StringVar(&o.Timestamp, "timestamp", "", "signing time, unix seconds or RFC 3339 (default: now)")
	fs.StringVarP(&o.Format, "format", "f", "headers", "output: "+strings.Join(signFormats, ", "))
	fs.StringVar(&o.To, "to", "", "target URL for --format curl and http (default: the endpoint's URL, else "+defaultTarget+")")
	fs.StringVar(&o.ContentType, "content-type", "application/json", "Content-Type for --format curl and http")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(signFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runSign(app *App, cmd *cobra.Command, o *SignOptions) error {
	if app.JSON && !cmd.Flags().Changed("format") {
		o.Format = "json"
	}
	if !contains(signFormats, o.Format) {
		return usageErr("--format %q: expected one of %s", o.Format, strings.Join(signFormats, ", "))
	}
	r, err := app.resolveSigning(cmd.Flags())
	if err != nil {
		return err
	}
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
	in := signature.SignInput{Body: body, Timestamp: app.Now()}
	if o.Timestamp != "" {
		if in.Timestamp, err = parseTime("timestamp", o.Timestamp); err != nil {
			return err
		}
	}
	if r.scheme.UsesID() {
		in.ID = o.ID
		if in.ID == "" {
			in.ID = newMessageID()
		}
	}
	target := o.To
	if target == "" && r.endpoint != "" {
		target = r.cfg.Endpoints[r.endpoint].URL
	}
	if target == "" {
		target = defaultTarget
	}
	if target, err = normalizeURL("--to", target); err != nil {
		return err
	}
	in.URL = target
	headers, err := signer.Sign(in)
	if err != nil {
		return failErr(err)
	}
	app.hideSecretHeaders(r, headers, o.Format)
	out := app.Streams.Out
	switch o.Format {
	case "headers":
		for _, h := range headers {
			fmt.Fprintf(out, "%s: %s\n", h.Name, h.Value)
		}
	case "json":
		hm := map[string]string{}
		for _, h := range headers {
			hm[h.Name] = h.Value
		}
		doc := map[string]any{"scheme": r.scheme.Name(), "headers": hm}
		if r.scheme.UsesID() {
			doc["id"] = in.ID
		}
		if r.scheme.UsesTimestamp() {
			doc["timestamp"] = in.Timestamp.Unix()
		}
		return app.writeJSON(out, doc)
	case "curl":
		return writeCurl(out, target, o.ContentType, headers, body, o.Payload)
	case "http":
		return writeHTTP(out, target, o.ContentType, headers, body)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// newMessageID makes an id in the style of Standard Webhooks' examples.
func newMessageID() string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "msg_" + string(b)
}

// hideSecretHeaders hides secrets in headers about to be printed (the
// Redactor decides): a header that is the secret itself (Flutterwave's
// verif-hash) is never printed, and curl's form reads it from the
// environment when it runs.
func (app *App) hideSecretHeaders(r *resolvedSigning, headers []signature.HeaderField, format string) {
	placeholder := signature.Redacted
	if format == "curl" {
		placeholder = "${HOOKTOOL_SECRET:?set HOOKTOOL_SECRET}"
	}
	for _, name := range r.redactor().Fields(headers, placeholder) {
		app.warn("%s carries the secret itself, so it is not printed; --format curl reads it from $HOOKTOOL_SECRET when run", name)
	}
}

// normalizeURL makes a target URL absolute: "localhost:3000/hook" becomes
// "http://localhost:3000/hook", and a bare host gets its "/", so what is
// signed ({url}) is what is requested.
func normalizeURL(what, target string) (string, error) {
	orig := target
	if !strings.Contains(target, "://") {
		target = "http://" + target
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", usageErr("%s %q is not an http:// or https:// URL", what, orig)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", usageErr("%s %q has an empty port", what, orig)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// writeCurl prints a curl command that sends the signed request. The body is
// referenced by file when it came from one (byte-exact, whatever it holds),
// inlined when it is printable text, and read from stdin otherwise.
func writeCurl(w io.Writer, target, contentType string, headers []signature.HeaderField, body []byte, payload string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -X POST %s \\\n", export.ShellQuote(target))
	fmt.Fprintf(&b, "  -H %s \\\n", export.ShellQuote("Content-Type: "+contentType))
	for _, h := range headers {
		if h.Secret {
			fmt.Fprintf(&b, "  -H \"%s: %s\" \\\n", h.Name, h.Value)
			continue
		}
		fmt.Fprintf(&b, "  -H %s \\\n", export.ShellQuote(h.Name+": "+h.Value))
	}
	switch {
	case payload != "" && payload != "-":
		fmt.Fprintf(&b, "  --data-binary @%s\n", export.ShellQuote(payload))
	case utf8.Valid(body) && !bytes.ContainsRune(body, 0):
		// --data-raw: curl would read a body starting with @ as a file name.
		fmt.Fprintf(&b, "  --data-raw %s\n", export.ShellQuote(string(body)))
	default:
		b.WriteString("  --data-binary @-   # the body is binary: pipe it in\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeHTTP prints the raw HTTP/1.1 request.
func writeHTTP(w io.Writer, target, contentType string, headers []signature.HeaderField, body []byte) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return usageErr("--to %q is not an absolute URL", target)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %s\r\n", contentType, strconv.Itoa(len(body)))
	for _, h := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
	}
	b.WriteString("\r\n")
	b.Write(body)
	_, err = w.Write(b.Bytes())
	return err
}
