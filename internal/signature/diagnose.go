package signature

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// bodyVariant is a cheap transformation of a body that explains a common
// cause of mismatch when the signature verifies against one of its results.
type bodyVariant struct {
	apply func([]byte) [][]byte
	hint  string
}

var bodyVariants = []bodyVariant{
	{trimNewline, "the body verifies with its trailing newline removed: something (an editor, echo, a heredoc) added one after signing"},
	{addNewline, "the body verifies with a trailing newline added: something stripped it after signing"},
	{jsonIndent(""), "the body verifies in its compact JSON form: something re-serialized (pretty-printed) it after signing; keep the raw bytes"},
	{jsonIndent("  "), "the body verifies re-indented with 2 spaces: something re-serialized it after signing; keep the raw bytes"},
	{jsonIndent("    "), "the body verifies re-indented with 4 spaces: something re-serialized it after signing; keep the raw bytes"},
	{jsonIndent("\t"), "the body verifies re-indented with tabs: something re-serialized it after signing; keep the raw bytes"},
	{formReencoded, "the body verifies with its form parameters written again (re-ordered by name, or with + and %20 swapped): something parsed the form and re-encoded it after signing; keep the raw bytes"},
}

// trimNewline drops one trailing LF, one CRLF, or every trailing newline.
func trimNewline(b []byte) [][]byte {
	var out [][]byte
	for _, cut := range []string{"\r\n", "\n"} {
		if t, ok := bytes.CutSuffix(b, []byte(cut)); ok {
			out = append(out, t)
		}
	}
	if t := bytes.TrimRight(b, "\r\n"); len(t) < len(b) {
		out = append(out, t)
	}
	return out
}

// addNewline appends an LF or a CRLF.
func addNewline(b []byte) [][]byte {
	return [][]byte{append(bytes.Clone(b), '\n'), append(bytes.Clone(b), '\r', '\n')}
}

// jsonIndent re-serializes JSON, compact when indent is empty, with and
// without a trailing newline (jq and most pretty-printers add one).
func jsonIndent(indent string) func([]byte) [][]byte {
	return func(b []byte) [][]byte {
		// json.Indent's output grows with nesting depth times the number of
		// values: 20 KB of nested arrays re-indents to hundreds of MB before
		// it fails. Skip re-indenting when the result could be far larger
		// than the body.
		if indent != "" && indentBound(b, len(indent)) > 8*int64(len(b))+64<<10 {
			return nil
		}
		var out bytes.Buffer
		var err error
		if indent == "" {
			err = json.Compact(&out, b)
		} else {
			err = json.Indent(&out, b, "", indent)
		}
		if err != nil {
			return nil
		}
		plain := out.Bytes()
		var variants [][]byte
		for _, v := range [][]byte{plain, append(bytes.Clone(plain), '\n')} {
			if !bytes.Equal(v, b) {
				variants = append(variants, v)
			}
		}
		return variants
	}
}

// indentBound is an upper bound on the size of b re-indented with an indent
// of width w: a line break, as deep as the deepest nesting, at most once per
// structural byte, and a space after each colon.
func indentBound(b []byte, w int) int64 {
	depth, deepest, breaks := int64(0), int64(0), int64(0)
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
			breaks++
		case c == ']' || c == '}':
			depth--
			breaks++
		case c == ',':
			breaks++
		}
	}
	return 2*int64(len(b)) + breaks*(1+deepest*int64(w))
}

// diagnose looks for the usual causes of a mismatch: a changed body, another
// configured secret, a secret used in the wrong form, or another scheme.
func diagnose(s Scheme, secrets []Secret, ks []checkKey, p signed, m Message, o VerifyOptions) []string {
	var hints []string
variants:
	for _, v := range bodyVariants {
		for _, b := range v.apply(m.Body) {
			if matchURL(s, ks, p, b, m.URL) >= 0 {
				hints = append(hints, v.hint)
				break variants
			}
		}
	}
	hints = append(hints, urlHints(s, ks, p, m)...)
	hints = append(hints, tokenHints(s, secrets, p.header, m)...)
	for _, alt := range o.Alternates {
		k, err := checkKeyOf(s, alt.Secret)
		if err == nil && matchKeys([]checkKey{k}, p, m.Body, m.URL) >= 0 {
			hints = append(hints, "the signature matches the "+alt.Secret.kind.noun()+" of "+alt.Label+": the delivery was signed for it")
		}
	}
	if std, ok := s.(standard); ok {
		// Stripe's secrets look like Standard Webhooks ones (whsec_...) but
		// are used as raw bytes; a sender may have done the same.
		raw := make([]checkKey, len(secrets))
		for i, sec := range secrets {
			k, _ := rawKey(sec)
			raw[i] = macCheck{s: std, k: newMacKey(k)}
		}
		if matchKeys(raw, p, m.Body, m.URL) >= 0 {
			hints = append(hints, "the signature matches the secret used as raw bytes: the sender did not base64-decode the part after whsec_")
		}
	}
	if _, ok := s.(stripe); ok {
		hints = append(hints, stripeAPIKeyHints(secrets)...)
	}
	if a, ok := s.(asymScheme); ok && len(hints) == 0 {
		hints = append(hints, mismatchHint(a))
	}
	for _, other := range otherSchemes(s, m.Header) {
		op, _ := other.parse(m.Header)
		oks, err := keys(other, secrets)
		if err == nil && matchKeys(oks, op, m.Body, m.URL) >= 0 {
			hints = append(hints, "the request also carries "+op.header+", and it verifies under --scheme "+other.Name())
		}
	}
	return hints
}

// otherSchemes are the built-in schemes other than s whose signature the
// message carries in a form they can parse, one for each signature header
// (svix reads the webhook-* headers too; standard-webhooks, first by name,
// is the one named for them).
func otherSchemes(s Scheme, h http.Header) []Scheme {
	var out []Scheme
	seen := map[string]bool{}
	for _, name := range Names() {
		if name == "hmac" || name == s.Name() {
			continue
		}
		o, _ := Lookup(name, Options{GitHubSHA1: true})
		if p, bad := o.parse(h); bad == nil && !seen[p.header] {
			seen[p.header] = true
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

// stripeAPIKeyHints name the secrets that are Stripe API keys (sk_, rk_,
// pk_): Stripe signs webhooks with the endpoint's signing secret (whsec_),
// never with an API key. Only for the stripe scheme: for Paystack and
// Korapay the sk_ key is the webhook secret.
func stripeAPIKeyHints(secrets []Secret) []string {
	var hints []string
	for i, sec := range secrets {
		v := sec.Reveal()
		for _, prefix := range []string{"sk_", "rk_", "pk_"} {
			if strings.HasPrefix(v, prefix) {
				hints = append(hints, fmt.Sprintf("%s is a Stripe API key (%s…), not a webhook signing secret: Stripe signs with the endpoint's secret, whsec_…, shown in the Dashboard's webhook endpoint or by stripe listen", secretName(sec, i, len(secrets)), prefix))
				break
			}
		}
	}
	return hints
}
