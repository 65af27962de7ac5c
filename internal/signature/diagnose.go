package signature

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// bodyVariant is a cheap transformation of a body that explains a common
// cause of mismatch when the signature verifies against it.
type bodyVariant struct {
	apply func([]byte) ([]byte, bool)
	hint  string
}

var bodyVariants = []bodyVariant{
	{trimNewline, "the body verifies with its trailing newline removed: something (an editor, echo, a heredoc) added one after signing"},
	{addNewline, "the body verifies with a trailing newline added: something stripped it after signing"},
	{jsonCompact, "the body verifies in its compact JSON form: something re-serialized (pretty-printed) it after signing; keep the raw bytes"},
	{jsonIndent("  "), "the body verifies re-indented with 2 spaces: something re-serialized it after signing; keep the raw bytes"},
	{jsonIndent("    "), "the body verifies re-indented with 4 spaces: something re-serialized it after signing; keep the raw bytes"},
	{jsonIndent("\t"), "the body verifies re-indented with tabs: something re-serialized it after signing; keep the raw bytes"},
}

func trimNewline(b []byte) ([]byte, bool) {
	t := bytes.TrimRight(b, "\r\n")
	return t, len(t) != len(b)
}

func addNewline(b []byte) ([]byte, bool) {
	if bytes.HasSuffix(b, []byte("\n")) {
		return nil, false
	}
	return append(bytes.Clone(b), '\n'), true
}

func jsonCompact(b []byte) ([]byte, bool) {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil || bytes.Equal(out.Bytes(), b) {
		return nil, false
	}
	return out.Bytes(), true
}

func jsonIndent(indent string) func([]byte) ([]byte, bool) {
	return func(b []byte) ([]byte, bool) {
		var out bytes.Buffer
		if json.Indent(&out, b, "", indent) != nil || bytes.Equal(out.Bytes(), b) {
			return nil, false
		}
		return out.Bytes(), true
	}
}

// diagnose looks for the usual causes of a mismatch: a changed body, another
// configured secret, a secret used in the wrong form, or another scheme.
func diagnose(s Scheme, secrets []Secret, ks [][]byte, p signed, m Message, o VerifyOptions) []string {
	var hints []string
	for _, v := range bodyVariants {
		if b, ok := v.apply(m.Body); ok && matchKeys(s, ks, p, b, m.URL) >= 0 {
			hints = append(hints, v.hint)
			break
		}
	}
	for _, alt := range o.Alternates {
		k, err := s.key(alt.Secret)
		if err == nil && !alt.Secret.IsZero() && matchKeys(s, [][]byte{k}, p, m.Body, m.URL) >= 0 {
			hints = append(hints, "the signature matches the secret of "+alt.Label+": the delivery was signed for it")
		}
	}
	if _, ok := s.(standard); ok {
		// Stripe's secrets look like Standard Webhooks ones (whsec_...) but
		// are used as raw bytes; a sender may have done the same.
		raw := make([][]byte, len(secrets))
		for i, sec := range secrets {
			raw[i], _ = rawKey(sec)
		}
		if matchKeys(s, raw, p, m.Body, m.URL) >= 0 {
			hints = append(hints, "the signature matches the secret used as raw bytes: the sender did not base64-decode the part after whsec_")
		}
	}
	for _, other := range otherSchemes(s, m.Header) {
		op, _ := other.parse(m.Header)
		oks, err := keys(other, secrets)
		if err == nil && matchKeys(other, oks, op, m.Body, m.URL) >= 0 {
			hints = append(hints, "the request also carries "+op.header+", and it verifies under --scheme "+other.Name())
		}
	}
	return hints
}

// otherSchemes are the built-in schemes other than s whose signature the
// message carries in a form they can parse.
func otherSchemes(s Scheme, h http.Header) []Scheme {
	var out []Scheme
	for _, name := range Names() {
		if name == "hmac" || name == s.Name() {
			continue
		}
		o, _ := Lookup(name, Options{GitHubSHA1: true})
		if _, bad := o.parse(h); bad == nil {
			out = append(out, o)
		}
	}
	return out
}

// otherSchemeHints name the schemes whose headers a message carries when
// the expected one is missing or malformed.
func otherSchemeHints(s Scheme, h http.Header) []string {
	var hints []string
	for _, o := range otherSchemes(s, h) {
		p, _ := o.parse(h)
		hints = append(hints, "the request carries "+p.header+", the "+o.Name()+" scheme's header: try --scheme "+o.Name())
	}
	return hints
}
