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
