package signature

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Query markers: what a secret in a query string is kept as. Both read
// "[redacted...]" once decoded and are legal in a URL as they are (a bare
// "[" is not, and curl would take it for a glob). The first stands for the
// secret as it was on the wire; the second for a secret that was
// %-escaped there, which RestoreQuery puts back escaped.
// A path keeps a secret with the same markers (Path, RestorePath).
const (
	queryRedacted        = "%5Bredacted%5D"
	queryRedactedEscaped = "%5Bredacted-escaped%5D"
)

// minPathSecret is the shortest secret looked for in a path: a one-byte
// secret would be marked in every path that has its letter, which hides
// nothing and shows which letter it is.
const minPathSecret = 2

// credentialHeaders carry credentials of their own: never shown, though
// kept (a replay needs them).
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// Redactor keeps secrets out of what hooktool keeps and shows: header
// values, query strings and free text. It is the one place that decides
// what counts as a secret: every configured secret (this endpoint's and
// the others'), and the whole value of a header that carries one (the
// scheme's, such as Flutterwave's verif-hash). A nil Redactor redacts
// nothing. It is safe for concurrent use.
type Redactor struct {
	secrets []string // revealed, longest first, so a secret is never cut by a shorter one inside it
	whole   []string // canonical names of headers whose value is the secret itself
}

// NewRedactor returns a Redactor for the secrets and for s's
// secret-carrying headers (s may be nil).
func NewRedactor(s Scheme, secrets ...[]Secret) *Redactor {
	r := &Redactor{}
	seen := map[string]bool{}
	for _, list := range secrets {
		for _, sec := range list {
			if sec.kind == publicKey {
				continue // not a secret: hiding it would only mark it to be put back
			}
			if v := sec.Reveal(); v != "" && !seen[v] {
				seen[v] = true
				r.secrets = append(r.secrets, v)
			}
		}
	}
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	if s != nil {
		for _, name := range SecretHeaders(s) {
			r.whole = append(r.whole, http.CanonicalHeaderKey(name))
		}
	}
	return r
}

// Holds reports whether s contains a secret.
func (r *Redactor) Holds(s string) bool {
	if r == nil {
		return false
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// Text returns s, text to show (an app's answer that echoes a header, an
// error that quotes a URL), with every secret in it, as it is or
// %-escaped, replaced by "[redacted]".
func (r *Redactor) Text(s string) string {
	if r == nil {
		return s
	}
	s, _ = r.replace(s, Redacted, Redacted, false, 0)
	return s
}

// TextStart is the first n bytes of Text(b), for keeping or showing the
// start of some text (an app's answer): every secret is hidden before the
// cut, so none is kept in part where it falls. Only as much of b is read
// as a secret starting before the cut can reach, %-escaped.
func (r *Redactor) TextStart(b []byte, n int) string {
	if r != nil && len(r.secrets) > 0 {
		if w := n + 3*len(r.secrets[0]); len(b) > w { // longest first
			b = b[:w]
		}
		s := r.Text(string(b))
		return s[:min(len(s), n)]
	}
	return string(b[:min(len(b), n)])
}

// replaceRaw replaces every secret in s by "[redacted]", the way a kept
// header value is redacted: RestoreHeaders undoes it exactly.
func (r *Redactor) replaceRaw(s string) string {
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// replace replaces every secret in s (of at least min bytes) by rawMark
// where it is as it is, and by escMark where it is %-escaped (wholly or in
// part; with plus, "+" decodes to a space, as in a query), keeping every
// other byte of s, in one pass from the left: a secret is looked for as
// it is at every byte, and escaped at every byte that starts a character
// of what s decodes to after the last one replaced, so no match is made
// of a marker's own text (a secret "d]" or "ed" once cut the marker it
// had just written). Where anything was replaced, the markers' text that
// came in s itself ("%5Bredacted...") has its "%5B" written "%5b", the
// same character, so the Restore functions put the secret back only where
// a marker was put; a path or query with no secret in it is returned as
// it is.
func (r *Redactor) replace(s, rawMark, escMark string, plus bool, min int) (out string, replaced bool) {
	if len(r.secrets) == 0 || !r.mayHold(s, plus) {
		return s, false
	}
	var b strings.Builder
	last, next := 0, 0 // bytes of s up to last are written; next starts a decoded character
	lower := -1        // the "B" of the markers' text found in s, written "b" once reached
scan:
	for p := 0; p < len(s); {
		for _, sec := range r.secrets {
			if len(sec) >= min && strings.HasPrefix(s[p:], sec) {
				b.WriteString(s[last:p])
				b.WriteString(rawMark)
				p += len(sec)
				last, next, lower, replaced = p, p, -1, true
				continue scan
			}
		}
		if p == next {
			for _, sec := range r.secrets {
				if end, ok := decodedPrefix(s, p, sec, plus); len(sec) >= min && ok {
					b.WriteString(s[last:p])
					b.WriteString(escMark)
					p = end
					last, next, lower, replaced = p, p, -1, true
					continue scan
				}
			}
			_, w := decodeAt(s, p, plus)
			next = p + w
		}
		if lower < 0 && strings.HasPrefix(s[p:], markerText) {
			lower = p + len("%5")
		}
		if p == lower {
			b.WriteString(s[last:p])
			b.WriteByte('b')
			last, lower = p+1, -1
		}
		p++
	}
	if !replaced {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// mayHold says whether s may hold a secret, as it is or escaped: with no
// "%" (nor, with plus, "+") s decodes to itself, so a secret not in it as
// it is is not in it at all. It spares the byte-by-byte scan of replace
// for the text that holds none, a whole body most often.
func (r *Redactor) mayHold(s string, plus bool) bool {
	if strings.IndexByte(s, '%') >= 0 || plus && strings.IndexByte(s, '+') >= 0 {
		return true
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// markerText starts both markers; written with "%5b", the same text is
// no marker to the Restore functions.
const markerText = "%5Bredacted"

// decodedPrefix reports whether s, decoded from byte p on, starts with
// sec, and where in s the bytes sec was decoded from end.
func decodedPrefix(s string, p int, sec string, plus bool) (end int, ok bool) {
	for i := 0; i < len(sec); i++ {
		if p >= len(s) {
			return 0, false
		}
		c, w := decodeAt(s, p, plus)
		if c != sec[i] {
			return 0, false
		}
		p += w
	}
	return p, true
}

// decodeAt decodes the character at byte p of s: a %XX escape (a
// malformed one left as it is), "+" as a space with plus, or the byte
// itself; w is how many bytes of s it takes.
func decodeAt(s string, p int, plus bool) (c byte, w int) {
	switch c := s[p]; {
	case c == '%' && p+2 < len(s) && ishex(s[p+1]) && ishex(s[p+2]):
		return unhex(s[p+1])<<4 | unhex(s[p+2]), 3
	case c == '+' && plus:
		return ' ', 1
	default:
		return c, 1
	}
}

// secretHeader reports whether the header's whole value is a secret.
func (r *Redactor) secretHeader(name string) bool {
	for _, w := range r.whole {
		if strings.EqualFold(w, name) {
			return true
		}
	}
	return false
}

// Headers returns h as it may be kept: a secret-carrying header's value is
// "[redacted]", and every secret inside any other value is replaced by
// "[redacted]". h itself is not changed; it is returned as it is when
// nothing was redacted, else a copy is. names are the redacted headers,
// sorted, for RestoreHeaders.
func (r *Redactor) Headers(h http.Header) (kept http.Header, names []string) {
	kept = h
	if r == nil {
		return kept, nil
	}
	cloned := false
	for name, values := range h {
		whole := r.secretHeader(name)
		redacted := false
		for i, v := range values {
			red := v
			if whole {
				red = Redacted
			}
			red = r.replaceRaw(red)
			if red == v {
				continue
			}
			if !cloned {
				kept, cloned = h.Clone(), true
			}
			kept[name][i] = red
			redacted = true
		}
		if redacted {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return kept, names
}

// Shown flattens h for showing (values joined with ", "): credentials,
// secret-carrying headers and any value holding a secret are shown as
// "[redacted]".
func (r *Redactor) Shown(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = r.ShownValue(k, strings.Join(v, ", "))
	}
	return out
}

// ShownValue is value, of the header name, as it may be shown:
// "[redacted]" for a credential header (Authorization, Cookie, ...), a
// secret-carrying header, or a value holding a secret; value itself
// otherwise. A nil Redactor still hides credentials.
func (r *Redactor) ShownValue(name, value string) string {
	if r.hides(name, value) {
		return Redacted
	}
	return value
}

// HidesHeader reports whether a header is shown as "[redacted]" (the rule
// of Shown and ShownValue, for a caller that keeps the values apart).
func (r *Redactor) HidesHeader(name string, values []string) bool {
	return r.hides(name, strings.Join(values, ", "))
}

// hides is the one rule of ShownValue and HidesHeader: a credential, a
// secret-carrying header, or a value holding a secret.
func (r *Redactor) hides(name, value string) bool {
	for _, c := range credentialHeaders {
		if strings.EqualFold(name, c) {
			return true
		}
	}
	return r != nil && (r.secretHeader(name) || r.Holds(value))
}

// Fields hides secrets in headers about to be printed: the value of a
// header that is the secret itself (Secret set) becomes placeholder, and
// any other value holding a secret becomes "[redacted]". It returns the
// names of the secret headers, for a warning.
func (r *Redactor) Fields(fields []HeaderField, placeholder string) (secretNames []string) {
	for i, f := range fields {
		switch {
		case f.Secret:
			fields[i].Value = placeholder
			secretNames = append(secretNames, f.Name)
		case r.Holds(f.Value):
			fields[i].Value = Redacted
		}
	}
	return secretNames
}

// Query returns the raw query string rawQuery as it may be kept: every
// secret in it, as it came on the wire or %-escaped, is replaced by a
// marker that reads "[redacted]"; every other byte is kept as it came (but
// the markers' own text, "%5Bredacted", written "%5bredacted" so it is no
// marker: see replace). redacted reports whether anything was replaced
// (for RestoreQuery).
func (r *Redactor) Query(rawQuery string) (kept string, redacted bool) {
	if r == nil || rawQuery == "" || len(r.secrets) == 0 {
		return rawQuery, false
	}
	return r.replace(rawQuery, queryRedacted, queryRedactedEscaped, true, 0)
}

// Path returns the escaped path rawPath (as it came on the wire) as it may
// be kept: every secret in it (/hooks/SECRET, a token in a callback path),
// as it came or %-escaped, is replaced by the markers Query uses, every
// other byte kept as Query keeps it; redacted reports whether anything was
// (for RestorePath). Secrets of one byte are not looked for
// (minPathSecret).
func (r *Redactor) Path(rawPath string) (kept string, redacted bool) {
	if r == nil || len(r.secrets) == 0 {
		return rawPath, false
	}
	return r.replace(rawPath, queryRedacted, queryRedactedEscaped, false, minPathSecret)
}

// URL returns the URL u for showing: the secrets in its query replaced as
// Query replaces them, any other as Text does.
func (r *Redactor) URL(u string) string {
	if r == nil || len(r.secrets) == 0 {
		return u
	}
	base, query, ok := strings.Cut(u, "?")
	base = r.Text(base)
	if !ok {
		return base
	}
	query, _ = r.Query(query)
	return base + "?" + query
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// Restorable is the secret a replay puts back where the Redactor hid one
// (RestoreHeaders, RestoreQuery): the first shared secret of secrets. A key
// is never put back: a request must not carry a private key.
func Restorable(secrets []Secret) (Secret, bool) {
	for _, sec := range secrets {
		if !sec.IsKey() && !sec.IsZero() {
			return sec, true
		}
	}
	return Secret{}, false
}

// RestoreHeaders puts secret back where Headers put "[redacted]", in the
// named headers of h (changed in place), so a replay carries the header as
// it was received.
func RestoreHeaders(h http.Header, names []string, secret Secret) {
	v := secret.Reveal()
	for _, name := range names {
		for i, val := range h[name] {
			h[name][i] = strings.ReplaceAll(val, Redacted, v)
		}
	}
}

// RestorePath puts secret back where Path put its markers: as it was on
// the wire, or %-escaped as a path segment (url.PathEscape) where it had
// been escaped, in whatever way. So the path restored is the path as it
// came where the secret came as it is (but for "%5bredacted", see
// replace), and otherwise the same path once decoded (url.PathUnescape),
// the secret written in the one escaping.
func RestorePath(rawPath string, secret Secret) string {
	v := secret.Reveal()
	return restore(rawPath, v, url.PathEscape(v))
}

// RestoreQuery puts secret back where Query put its markers: as it was on
// the wire, or %-escaped where it had been escaped.
func RestoreQuery(rawQuery string, secret Secret) string {
	v := secret.Reveal()
	return restore(rawQuery, v, url.QueryEscape(v))
}

// restore replaces each marker by the secret as it came (raw) or escaped
// (esc) in one pass from the left, so a secret holding a marker's text is
// not itself taken for a marker.
func restore(s, raw, esc string) string {
	return strings.NewReplacer(queryRedacted, raw, queryRedactedEscaped, esc).Replace(s)
}
