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
	kind   keyKind
}

// keyKind says what a Secret holds: a shared secret (HMAC schemes), or one
// half of an asymmetric key pair. Where the value came from decides it
// (secret: or private_key_file:), not what it looks like, so a key given in
// the wrong place is refused by name rather than guessed at.
type keyKind uint8

const (
	sharedSecret keyKind = iota
	privateKey
	publicKey
)

// noun is how messages name a value of the kind.
func (k keyKind) noun() string {
	switch k {
	case privateKey:
		return "private key"
	case publicKey:
		return "public key"
	}
	return "secret"
}

// Redacted is what a secret prints as.
const Redacted = "[redacted]"

// NewSecret wraps a secret value. Surrounding whitespace (a trailing newline
// from a file, say) is removed.
func NewSecret(v string) Secret {
	v = strings.TrimSpace(v)
	return Secret{value: &v}
}

// NewPrivateKey wraps a private key (PEM, or a scheme's own form such as
// whsk_<base64>) that an asymmetric scheme signs with; verifying with it
// uses the public key derived from it. It redacts itself as a Secret does.
func NewPrivateKey(v string) Secret {
	s := NewSecret(v)
	s.kind = privateKey
	return s
}

// NewPublicKey wraps a public key (PEM, or a scheme's own form: whpk_<base64>,
// hex, base64 DER) that an asymmetric scheme verifies with. It cannot sign.
func NewPublicKey(v string) Secret {
	s := NewSecret(v)
	s.kind = publicKey
	return s
}

// IsKey reports whether s is a private or public key rather than a shared
// secret.
func (s Secret) IsKey() bool { return s.kind != sharedSecret }

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
