package config

import (
	"errors"
	"fmt"
	"os"
)

// Starter is what `hooktool init` writes: every key, commented.
const Starter = `# hooktool configuration (YAML). Precedence: flags > HOOKTOOL_* environment
# variables > this file > defaults. Every key has a variable: scheme is
# HOOKTOOL_SCHEME, endpoints.staging.url is HOOKTOOL_ENDPOINTS_STAGING_URL.
# ` + "`hooktool config`" + ` shows the values in effect and where each came from.

# The scheme used when no provider or endpoint says otherwise:
# standard-webhooks, svix, stripe, github, paystack, shopify, slack,
# flutterwave, or hmac (see the hmac: block).
# scheme: standard-webhooks

# Secrets: keep them out of this file when you can. secret_file holds one a
# line (rotation: the first signs, any verifies); secret_env names a variable.
# secret_file: ~/.config/hooktool/secret
# secret_env: MY_WEBHOOK_SECRET

# How far a signed timestamp may be from now, either way (0 turns it off).
tolerance: 5m

# Provider files that add to or replace the built-in catalog.
# catalog: ./hooks/

# The endpoint used when --endpoint is not given.
# endpoint: staging

endpoints:
  staging:
    # A provider from ` + "`hooktool providers`" + `: its profile gives the scheme,
    # event names and sample payloads.
    provider: aella
    # Where providers push events (and trigger/replay send by default).
    url: http://localhost:3000/webhooks
    # Where results of actions you initiated arrive (trigger --callback).
    # callback_url: http://localhost:3000/callbacks
    # Override the provider's scheme:
    # scheme: hmac
    # hmac:
    #   header: X-Signature
    #   hash: sha256            # sha1, sha256, sha512
    #   encoding: hex           # hex, base64, base64url
    #   prefix: "sha256="
    #   template: "{timestamp}.{body}"
    #   timestamp_header: X-Timestamp
    secret_env: AELLA_WEBHOOK_SECRET
    # secrets: [new-secret, old-secret]
    tolerance: 300s
`

// ErrExists is WriteStarter's error for a file it does not replace.
var ErrExists = errors.New("exists: not overwritten")

// WriteStarter writes Starter to path, created 0600 as it may come to hold
// secrets. An existing file is left alone (an error wrapping ErrExists)
// unless force.
func WriteStarter(path string, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s %w", path, ErrExists)
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(Starter); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
