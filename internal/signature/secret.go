package signature

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Secret holds a signing secret. Every way of printing it (fmt verbs, JSON,
// text marshalling) yields a redacted placeholder, so a secret cannot leak
// into output or error messages by accident; Reveal is the one way out.
//
// The value sits behind a pointer because fmt cannot call methods on a value
// reached through an unexported struct field: a struct{ s Secret } printed
// with %v would otherwise show the secret itself. Through the pointer, fmt
// shows an address instead. Compare secrets with Reveal, not ==.
//
// A secret may carry where it came from (From), so that a message about a
// secret that cannot be used names it without showing it.
type Secret struct {
	value  *string
	source string
}

// Redacted is what a secret prints as.
const Redacted = "[redacted]"

// NewSecret wraps a secret value. Surrounding whitespace (a trailing newline
// from a file, say) is removed.
func NewSecret(v string) Secret {
	v = strings.TrimSpace(v)
	return Secret{value: &v}
}

// Reveal returns the secret's value, for computing a MAC.
func (s Secret) Reveal() string {
	if s.value == nil {
		return ""
	}
	return *s.value
}

// From returns the secret labelled with where it came from, such as
// "HOOKTOOL_SECRET" or "--secret-file keys.txt line 2". The label is shown
// in messages; the value never is.
func (s Secret) From(source string) Secret {
	s.source = source
	return s
}

// Source is where the secret came from, or "" when that is not known.
func (s Secret) Source() string { return s.source }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

func (s Secret) String() string               { return Redacted }
func (s Secret) GoString() string             { return "signature.Secret{" + Redacted + "}" }
func (s Secret) Format(f fmt.State, _ rune)   { fmt.Fprint(f, Redacted) }
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// base64Key decodes a base64 secret (Standard Webhooks' and Svix's
// whsec_<base64>, or an hmac scheme's with secret_encoding: base64), after
// any whsec_ prefix. The = padding may be left off, as the official Python
// library accepts. The error says what is wrong without quoting the secret.
func base64Key(sec Secret) ([]byte, error) {
	b64 := strings.TrimPrefix(sec.Reveal(), "whsec_")
	if b64 == "" {
		return nil, errors.New("nothing follows whsec_")
	}
	enc := base64.StdEncoding
	if unpadded(sec) {
		enc = base64.RawStdEncoding
	}
	k, err := enc.DecodeString(b64)
	switch {
	case err == nil && len(k) > 0:
		return k, nil
	case strings.ContainsFunc(b64, func(r rune) bool { return !isBase64(r) }):
		return nil, errors.New("it is not base64: it holds characters other than A-Z, a-z, 0-9, +, / and =")
	}
	return nil, errors.New("its base64 is cut short or its = padding is out of place")
}

// unpadded reports whether a base64 secret leaves off its = padding.
func unpadded(sec Secret) bool {
	b64 := strings.TrimPrefix(sec.Reveal(), "whsec_")
	return len(b64)%4 != 0 && !strings.Contains(b64, "=")
}

func isBase64(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '+' || r == '/' || r == '='
}
