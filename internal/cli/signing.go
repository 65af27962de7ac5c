package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/config"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/userfile"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// signingFlags are the flags of every command that signs or verifies: where
// the scheme, its settings and the secrets come from. Their values reach the
// command through the config (flags > env > file > defaults).
type signingFlags struct {
	endpoint   string
	provider   string
	scheme     string
	secret     string
	secretFile string
	// The asymmetric schemes' keys: never the private key itself on argv.
	privateKeyFile string
	publicKey      string
	publicKeyFile  string
	tolerance      string
	githubSHA1     bool
	hmac           signature.HMACConfig
}

func (f *signingFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&f.endpoint, "endpoint", "e", "", "take the scheme and secrets of this named endpoint from the config")
	fs.StringVarP(&f.scheme, "scheme", "s", "", "signing scheme: "+strings.Join(signature.Names(), ", ")+" (default: the provider's)")
	fs.StringVarP(&f.provider, "provider", "P", "", "provider from the catalog (see hooktool providers); its profile gives the default scheme")
	fs.StringVar(&f.secret, "secret", "", "the secret itself; visible to other processes in the process list, so prefer HOOKTOOL_SECRET or --secret-file")
	fs.StringVar(&f.secretFile, "secret-file", "", "read the secret from this file (one a line for rotation: the first signs, any verifies; at most 64 KiB)")
	fs.StringVar(&f.privateKeyFile, "private-key-file", "", "asymmetric schemes ("+strings.Join(signature.AsymmetricNames(), ", ")+"): the private key that signs (PEM, or whsk_...; see hooktool keygen)")
	fs.StringVar(&f.publicKey, "public-key", "", "asymmetric schemes: the public key that verifies (whpk_..., hex or base64 DER, as the provider shows it)")
	fs.StringVar(&f.publicKeyFile, "public-key-file", "", "asymmetric schemes: read the public key(s) that verify from this file (PEM blocks, or one a line)")
	fs.BoolVar(&f.githubSHA1, "github-sha1", false, "github scheme: also send and accept the legacy X-Hub-Signature: sha1= header")
	fs.StringVar(&f.hmac.Header, "hmac-header", "", "hmac scheme: the header that carries the signature")
	fs.StringVar(&f.hmac.Hash, "hmac-hash", "", "hmac scheme: sha1, sha256 (default) or sha512")
	fs.StringVar(&f.hmac.Encoding, "hmac-encoding", "", "hmac scheme: hex (default), base64 or base64url")
	fs.StringVar(&f.hmac.Prefix, "hmac-prefix", "", "hmac scheme: text before the signature, such as sha256=")
	fs.StringVar(&f.hmac.Template, "hmac-template", "", "hmac scheme: the signed content from {id}, {timestamp}, {body}, {url} (default {body})")
	fs.StringVar(&f.hmac.IDHeader, "hmac-id-header", "", "hmac scheme: the header that carries {id}")
	fs.StringVar(&f.hmac.TimestampHeader, "hmac-timestamp-header", "", "hmac scheme: the header that carries {timestamp} (unix seconds, or as hmac.timestamp_format says in the config)")
	fs.StringVar(&f.hmac.SecretEncoding, "hmac-secret-encoding", "", "hmac scheme: raw (default), base64 or hex secrets")
}

// addToleranceFlag adds --tolerance, for the commands that check a signed
// timestamp (verify, listen) and config, which shows the value in effect;
// a command that only signs has nothing to tolerate.
func (f *signingFlags) addToleranceFlag(fs *pflag.FlagSet) {
	fs.StringVar(&f.tolerance, "tolerance", "", "largest accepted age of a signed timestamp, either way (default 300s; 0 turns the check off)")
}

// addCompletions completes the signing flags' values in the shell: schemes,
// providers from the catalog, endpoints from the config.
func (f *signingFlags) addCompletions(app *App, cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions(signature.Names(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("provider", app.completeProviders)
	_ = cmd.RegisterFlagCompletionFunc("endpoint", app.completeEndpoints)
}

// signingBindings maps config keys to the signing flags.
var signingBindings = []string{
	"endpoint", "endpoint",
	"provider", "provider",
	"catalog", "catalog",
	"scheme", "scheme",
	"secret", "secret",
	"secret_file", "secret-file",
	"private_key_file", "private-key-file",
	"public_key", "public-key",
	"public_key_file", "public-key-file",
	"tolerance", "tolerance",
	"github_sha1", "github-sha1",
	"hmac.header", "hmac-header",
	"hmac.hash", "hmac-hash",
	"hmac.encoding", "hmac-encoding",
	"hmac.prefix", "hmac-prefix",
	"hmac.template", "hmac-template",
	"hmac.id_header", "hmac-id-header",
	"hmac.timestamp_header", "hmac-timestamp-header",
	"hmac.secret_encoding", "hmac-secret-encoding",
}

// resolvedSigning is a scheme ready to use, with what it was resolved from.
type resolvedSigning struct {
	cfg      *config.Config
	endpoint string
	signing  config.Signing
	scheme   signature.Scheme
	// provider is the catalog provider in effect, if any; its profile
	// supplies the scheme when neither a flag nor the endpoint does.
	provider *catalog.Provider
	catalog  *catalog.Catalog

	redactOnce sync.Once
	redact     *signature.Redactor
}

// redactor keeps every configured secret out of what is kept and shown:
// the scheme's secret-carrying headers, this endpoint's secrets and the
// other endpoints'. It is made on first use, once the command has resolved
// its scheme and secrets, and shared by the command's goroutines.
func (r *resolvedSigning) redactor() *signature.Redactor {
	r.redactOnce.Do(func() {
		var others []signature.Secret
		if r.cfg != nil {
			for _, alt := range r.cfg.Alternates(r.endpoint) {
				others = append(others, alt.Secret)
			}
		}
		r.redact = signature.NewRedactor(r.scheme, r.signing.Secrets, r.signing.Unused, others)
	})
	return r.redact
}

// resolveSigning loads the config and resolves the scheme and secrets.
func (app *App) resolveSigning(fs *pflag.FlagSet) (*resolvedSigning, error) {
	r, err := app.loadSigningConfig(fs)
	if err != nil {
		return nil, err
	}
	return r, app.finishSigning(r, r.cfg.Provider(r.endpoint))
}

// loadSigningConfig reads the config for a command with signing flags.
func (app *App) loadSigningConfig(fs *pflag.FlagSet) (*resolvedSigning, error) {
	if a, b := fs.Lookup("secret"), fs.Lookup("secret-file"); a != nil && b != nil && a.Changed && b.Changed {
		return nil, usageErr("give --secret or --secret-file, not both")
	}
	cfg, err := app.loadConfig(fs, bindings(fs, signingBindings...))
	if err != nil {
		return nil, err
	}
	r := &resolvedSigning{cfg: cfg, endpoint: cfg.DefaultEndpoint()}
	return r, checkEndpoint(cfg, r.endpoint)
}

// checkEndpoint refuses an endpoint (--endpoint, or the config's endpoint:)
// that the config does not define, before anything reads it: exit 2, with
// the nearest defined name. Every command that takes --endpoint asks it.
func checkEndpoint(cfg *config.Config, name string) error {
	if err := cfg.CheckEndpoint(name); err != nil {
		return unknownNameErr(err, name, cfg.EndpointNames(), "`hooktool config` lists the endpoints and settings in effect")
	}
	return nil
}

// finishSigning resolves the scheme and secrets, with providerID's profile
// as the default scheme when it is not empty.
func (app *App) finishSigning(r *resolvedSigning, providerID string) error {
	var err error
	if err := checkEndpoint(r.cfg, r.endpoint); err != nil {
		return err
	}
	if r.signing, err = r.cfg.Signing(r.endpoint); err != nil {
		return failErr(err, "`hooktool config` lists the endpoints and settings in effect")
	}
	if providerID != "" {
		if r.provider, err = app.findProvider(r, providerID); err != nil {
			return err
		}
		if p := r.provider.Signing; p.Scheme != "" && !r.signing.SchemeExplicit {
			r.signing.Scheme, r.signing.Options = p.Scheme, p.Options()
			// The provider's documented tolerance, unless one is given.
			if p.Tolerance > 0 && !r.signing.ToleranceSet {
				r.signing.Tolerance = time.Duration(p.Tolerance)
			}
		}
	}
	if r.signing.Scheme == "" {
		r.signing.UseScheme(nil)
		return &exitError{code: ExitError, err: fmt.Errorf("%w: give --scheme (%s), --provider, or --endpoint with a scheme in the config", errNoScheme, strings.Join(signature.Names(), ", ")), hints: []string{"see --help for usage"}}
	}
	if r.scheme, err = signature.Lookup(r.signing.Scheme, r.signing.Options); err != nil {
		if !slices.Contains(signature.Names(), r.signing.Scheme) {
			return unknownNameErr(err, r.signing.Scheme, signature.Names(), "see --help for usage")
		}
		return usageErr("%v", err)
	}
	r.signing.UseScheme(r.scheme)
	for _, sec := range r.signing.Unused {
		// A flag given for the other kind of scheme is said, not silently
		// ignored (a variable or the config may serve other endpoints).
		if strings.HasPrefix(sec.Source(), "--") {
			kind := "a shared secret"
			if signature.Asymmetric(r.scheme) {
				kind = "a key pair"
			}
			app.warn("%s is not used: the %s scheme signs with %s", strings.Fields(sec.Source())[0], r.scheme.Name(), kind)
			break
		}
	}
	return nil
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

// errNoScheme is the error of finishSigning when nothing names a scheme.
var errNoScheme = errors.New("no signing scheme")

// loadCatalog reads the built-in providers and the user's catalog directory
// (--catalog, HOOKTOOL_CATALOG, catalog: in the config), once.
func (app *App) loadCatalog(r *resolvedSigning) (*catalog.Catalog, error) {
	if r.catalog != nil {
		return r.catalog, nil
	}
	c, err := catalog.Load(r.cfg.Catalog)
	if err != nil {
		return nil, failErr(err, "a provider file is YAML: see the built-in ones with `hooktool providers --json`")
	}
	r.catalog = c
	return c, nil
}

func (app *App) findProvider(r *resolvedSigning, id string) (*catalog.Provider, error) {
	c, err := app.loadCatalog(r)
	if err != nil {
		return nil, err
	}
	if p := c.Provider(id); p != nil {
		return p, nil
	}
	return nil, unknownNameErr(fmt.Errorf("unknown provider %q (known: %s)", id, strings.Join(c.ProviderIDs(), ", ")), id, c.ProviderIDs(), "see --help for usage")
}

// newVerifier and newSigner are the one way commands get a Verifier or a
// Signer for scheme s and the configured secrets: a secret the scheme
// cannot use stops the command (exit 2), named by where it came from.
func (r *resolvedSigning) newVerifier(s signature.Scheme) (*signature.Verifier, error) {
	vf, err := signature.NewVerifier(s, r.signing.Secrets)
	if err != nil {
		return nil, unusableSecret(err)
	}
	return vf, nil
}

// newSigner signs with the first configured secret (needSecrets has made
// sure there is one).
func (r *resolvedSigning) newSigner(s signature.Scheme) (*signature.Signer, error) {
	sg, err := signature.NewSigner(s, r.signing.Secrets[0])
	if err != nil {
		return nil, unusableSecret(err)
	}
	return sg, nil
}

// unusableSecret is the error of a secret the scheme cannot use.
func unusableSecret(err error) error {
	return failErr(err, "hooktool neither signs nor verifies with a secret it cannot use: correct it where it is set, or choose the scheme it belongs to with --scheme")
}

func (r *resolvedSigning) needSecrets(verb string) error {
	if signature.Unsigned(r.scheme) {
		return usageErr("the provider does not sign its deliveries (scheme none): there is nothing to %s", verb)
	}
	if len(r.signing.Secrets) > 0 {
		return nil
	}
	if r.scheme != nil && signature.Asymmetric(r.scheme) {
		what, where := "public key", "HOOKTOOL_PUBLIC_KEY, --public-key, --public-key-file, or public_key: in the config file"
		if verb == "sign" {
			what, where = "private key", "--private-key-file, HOOKTOOL_PRIVATE_KEY_FILE, or private_key_file: in the config file (`hooktool keygen --scheme "+r.scheme.Name()+"` makes a pair to test with)"
		}
		return failErr(fmt.Errorf("no %s to %s with: the %s scheme is asymmetric", what, verb, r.scheme.Name()), "set "+where)
	}
	where := "HOOKTOOL_SECRET, --secret-file, or secret: in the config file"
	if r.endpoint != "" {
		where = "secret: (or secret_file:, secret_env:) under endpoints." + r.endpoint + " in the config file, " + where
	}
	return failErr(fmt.Errorf("no secret to %s with", verb), "set "+where)
}

func addPayloadFlag(fs *pflag.FlagSet, p *string) {
	fs.StringVarP(p, "payload", "p", "", "file holding the body (at most 64 MiB), - for stdin (default: stdin when it is not a terminal)")
}

// readPayload reads the body to sign or verify: a file, or stdin for "-" or
// when no file is given and stdin is not a terminal. The bytes are returned
// as they are.
func (app *App) readPayload(path string) ([]byte, error) {
	if path == "" {
		if app.Streams.InIsTerminal {
			return nil, usageErr("no payload: give --payload FILE, or pipe the body on stdin")
		}
		path = "-"
	}
	var data []byte
	var err error
	if path == "-" {
		data, err = userfile.ReadAll(app.Streams.In, "stdin", userfile.MaxPayload)
	} else {
		data, err = userfile.Read(path, userfile.MaxPayload)
	}
	if err != nil {
		return nil, failErr(fmt.Errorf("reading the payload: %w", err))
	}
	return data, nil
}

// parseHeaderArgs reads curl-style "Name: value" header arguments. Values
// are not echoed in errors: a header may carry a secret.
func parseHeaderArgs(args []string) (http.Header, error) {
	return parseHeaderFlag("--header", args)
}

// parseHeaderFlag is parseHeaderArgs for the flag named flag (its
// messages name it): httpx's one policy for a valid name and value.
func parseHeaderFlag(flag string, args []string) (http.Header, error) {
	h := http.Header{}
	for i, a := range args {
		name, value, ok := strings.Cut(a, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, usageErr("%s number %d is not of the form 'Name: value'", flag, i+1)
		}
		if !httpx.ValidHeaderName(name) {
			return nil, usageErr("%s %q is not a valid HTTP header name", flag, name)
		}
		value = strings.TrimSpace(value)
		if !httpx.ValidHeaderValue(value) {
			return nil, usageErr("%s %s: the value has a control character (CR, LF, NUL, ...)", flag, name)
		}
		h.Add(name, value)
	}
	return h, nil
}

// readRequestFile reads a raw HTTP request (as `sign --format http` writes
// it, or a capture from a proxy): its headers and its body, byte for byte.
func readRequestFile(path string) (http.Header, []byte, string, string, error) {
	data, err := userfile.Read(path, userfile.MaxPayload)
	if err != nil {
		return nil, nil, "", "", failErr(fmt.Errorf("reading the request: %w", err))
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		// The parser's message quotes the offending line, which may hold a
		// secret (Flutterwave's verif-hash): it is not shown.
		return nil, nil, "", "", failErr(fmt.Errorf("%s is not an HTTP request", path), "expect a request line, 'Name: value' header lines, a blank line and the body, as `hooktool sign --format http` writes")
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, nil, "", "", failErr(fmt.Errorf("%s: reading the body: %w", path, err))
	}
	h := http.Header(textproto.MIMEHeader(req.Header))
	if req.Host != "" {
		h.Set("Host", req.Host)
	}
	url := ""
	if req.Host != "" {
		url = "http://" + req.Host + req.URL.RequestURI()
	}
	return h, body, url, req.Method, nil
}

// parseTime reads unix seconds or RFC 3339.
func parseTime(flag, s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageErr("--%s %q is neither unix seconds nor RFC 3339 (2026-11-23T18:00:00Z)", flag, s)
	}
	return t, nil
}
