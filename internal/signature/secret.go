package signature

import (
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
type Secret struct{ value *string }

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

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

func (s Secret) String() string               { return Redacted }
func (s Secret) GoString() string             { return "signature.Secret{" + Redacted + "}" }
func (s Secret) Format(f fmt.State, _ rune)   { fmt.Fprint(f, Redacted) }
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }
