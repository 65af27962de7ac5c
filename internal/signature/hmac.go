package signature

import (
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/hooktool/hooktool/internal/httpx"
)

// encoding is how a MAC is written in a header.
type encoding string

const (
	encHex       encoding = "hex"
	encBase64    encoding = "base64"
	encBase64URL encoding = "base64url"
)

func (e encoding) encode(b []byte) string {
	switch e {
	case encBase64:
		return base64.StdEncoding.EncodeToString(b)
	case encBase64URL:
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

func (e encoding) decode(s string) ([]byte, error) {
	switch e {
	case encBase64:
		return base64.StdEncoding.DecodeString(s)
	case encBase64URL:
		return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return hex.DecodeString(s)
}

// HMACConfig describes a provider that signs with an HMAC: which header, which
// hash, how the MAC is written, and what content is signed. The README's
// "The generic hmac scheme" section is the user's manual of every field.
type HMACConfig struct {
	// Header carries the signature, e.g. "X-Signature".
	Header string `json:"header" mapstructure:"header" yaml:"header"`
	// Hash is sha1, sha256 (the default) or sha512.
	Hash string `json:"hash" mapstructure:"hash" yaml:"hash"`
	// Encoding is hex (the default), base64 or base64url.
	Encoding string `json:"encoding" mapstructure:"encoding" yaml:"encoding"`
	// Prefix comes before the encoded MAC, e.g. "sha256=".
	Prefix string `json:"prefix,omitempty" mapstructure:"prefix" yaml:"prefix"`
	// Template is the signed content, built from literal text and the
	// pieces {id}, {timestamp}, {body}, {url}, {method}, {body_sha256},
	// {form}, {pairs}, {json:PATH} and, in digest mode, {secret}; the
	// default is "{body}".
	Template string `json:"template,omitempty" mapstructure:"template" yaml:"template"`
	// IDHeader and TimestampHeader carry {id} and {timestamp}.
	IDHeader        string `json:"id_header,omitempty" mapstructure:"id_header" yaml:"id_header"`
	TimestampHeader string `json:"timestamp_header,omitempty" mapstructure:"timestamp_header" yaml:"timestamp_header"`
	// TimestampFormat is how {timestamp} is written: unix (the default:
	// seconds), unix_ms (milliseconds: HubSpot) or rfc3339 (Zendesk, Box,
	// Twitch). Signing writes it; verifying reads it for the tolerance.
	TimestampFormat string `json:"timestamp_format,omitempty" mapstructure:"timestamp_format" yaml:"timestamp_format"`
	// TimestampField, when {timestamp} travels in the body (Mailgun's
	// signature.timestamp), is its gjson path in a JSON body or its key in
	// a form: it is read from there for the signed content and the
	// tolerance, and signing takes the body's own value.
	TimestampField string `json:"timestamp_field,omitempty" mapstructure:"timestamp_field" yaml:"timestamp_field"`
	// SecretEncoding is raw (the default: the secret's bytes are the key),
	// base64 (the key is the decoded secret, after any whsec_ prefix) or
	// hex (the key is the bytes its hex digits spell: Adyen).
	SecretEncoding string `json:"secret_encoding,omitempty" mapstructure:"secret_encoding" yaml:"secret_encoding"`
	// Format is the signature header's value when it carries more than one
	// thing: key=value items such as "ts={timestamp};h1={signature}"
	// (Paddle) or "t={timestamp},v1={signature}" (Stripe-like), with one
	// separator (, ; & or space) between items. {timestamp} and {id} are
	// then read from the header itself; several {signature} items may
	// arrive, and any one that matches is enough.
	Format string `json:"format,omitempty" mapstructure:"format" yaml:"format"`
	// Mode is hmac (the default: an HMAC of the template keyed with the
	// secret), digest (a plain hash of the template, which names {secret}:
	// Midtrans) or token (the header carries the secret itself, compared in
	// constant time: GitLab, Xendit).
	Mode string `json:"mode,omitempty" mapstructure:"mode" yaml:"mode"`
	// SignatureField, when the signature travels in the body rather than a
	// header, is the field that carries it: a gjson path in a JSON body, a
	// key in a form body (Billplz's x_signature, Midtrans's
	// signature_key). Such a scheme verifies; hooktool does not sign it.
	SignatureField string `json:"signature_field,omitempty" mapstructure:"signature_field" yaml:"signature_field"`
	// PairsFormat and PairsSeparator write {pairs}: each field of the body
	// as PairsFormat (default "{key}={value}"), sorted, joined with
	// PairsSeparator (default "&"). Billplz: "{key}{value}" and "|".
	PairsFormat    string `json:"pairs_format,omitempty" mapstructure:"pairs_format" yaml:"pairs_format"`
	PairsSeparator string `json:"pairs_separator,omitempty" mapstructure:"pairs_separator" yaml:"pairs_separator"`
	// URLBodySHA256 names a query parameter of the request URL that carries
	// the hex SHA-256 of the body (Twilio's bodySHA256, for JSON bodies,
	// whose signature covers the URL alone): when the URL has it, it must
	// match the body.
	URLBodySHA256 string `json:"url_body_sha256,omitempty" mapstructure:"url_body_sha256" yaml:"url_body_sha256"`
}

// Modes of the generic scheme.
const (
	modeHMAC   = "hmac"
	modeDigest = "digest"
	modeToken  = "token"
)

// hmacScheme is the generic scheme built from an HMACConfig.
type hmacScheme struct {
	cfg    HMACConfig
	mode   string
	hash   crypto.Hash
	enc    encoding
	tmpl   []tmplPart
	format *headerFormat // nil: the header value is Prefix + the signature
	useID  bool
	useTS  bool
	useURL bool
	// idInHeader and tsInHeader: {id} and {timestamp} travel in headers
	// of their own (IDHeader, TimestampHeader), not in Format.
	idInHeader, tsInHeader bool
	tsFormat               string // unix, unix_ms or rfc3339
}

// tmplPart is a literal or a placeholder of a signed-content template.
type tmplPart struct {
	lit         string
	placeholder string // id, timestamp, body, url, ...; empty for a literal
	arg         string // the gjson path of {json:PATH}
}

// maxTemplate bounds a template's length, so that a config cannot make
// every delivery's signed content large.
const maxTemplate = 4096

// NewHMAC validates cfg and returns the generic scheme it describes.
func NewHMAC(cfg HMACConfig) (Scheme, error) {
	s := hmacScheme{cfg: cfg}
	s.mode = strings.ToLower(strings.TrimSpace(cfg.Mode))
	switch s.mode {
	case "":
		s.mode = modeHMAC
	case modeHMAC, modeDigest, modeToken:
	default:
		return nil, fmt.Errorf("hmac scheme: unknown mode %q (hmac, digest, token)", cfg.Mode)
	}
	if strings.TrimSpace(cfg.Header) == "" && cfg.SignatureField == "" {
		return nil, errors.New("hmac scheme: no header is set (hmac.header)")
	}
	if cfg.Header != "" && cfg.SignatureField != "" {
		return nil, errors.New("hmac scheme: the signature is in a header (hmac.header) or in a body field (hmac.signature_field), not both")
	}
	for _, f := range []struct{ key, path string }{{"signature_field", cfg.SignatureField}, {"timestamp_field", cfg.TimestampField}} {
		if f.path != "" && !validFieldPath(f.path) {
			return nil, fmt.Errorf("hmac scheme: hmac.%s %q is a field name, or names joined by dots for a nested JSON field: letters, digits, - and _", f.key, f.path)
		}
	}
	s.tsFormat = strings.ToLower(strings.TrimSpace(cfg.TimestampFormat))
	switch s.tsFormat {
	case "":
		s.tsFormat = tsUnix
	case tsUnix, tsUnixMS, tsRFC3339:
	default:
		return nil, fmt.Errorf("hmac scheme: unknown timestamp_format %q (unix, unix_ms, rfc3339)", cfg.TimestampFormat)
	}
	for _, h := range []struct{ key, name string }{{"header", cfg.Header}, {"id_header", cfg.IDHeader}, {"timestamp_header", cfg.TimestampHeader}} {
		if h.name != "" && !httpx.ValidHeaderName(h.name) {
			return nil, fmt.Errorf("hmac scheme: hmac.%s %q is not a valid HTTP header name", h.key, h.name)
		}
	}
	switch strings.ToLower(cfg.Hash) {
	case "", "sha256":
		s.hash = crypto.SHA256
	case "sha1":
		s.hash = crypto.SHA1
	case "sha512":
		s.hash = crypto.SHA512
	default:
		return nil, fmt.Errorf("hmac scheme: unknown hash %q (sha1, sha256, sha512)", cfg.Hash)
	}
	switch e := encoding(strings.ToLower(cfg.Encoding)); e {
	case "":
		s.enc = encHex
	case encHex, encBase64, encBase64URL:
		s.enc = e
	default:
		return nil, fmt.Errorf("hmac scheme: unknown encoding %q (hex, base64, base64url)", cfg.Encoding)
	}
	switch strings.ToLower(cfg.SecretEncoding) {
	case "", "raw", "base64", "hex":
	default:
		return nil, fmt.Errorf("hmac scheme: unknown secret_encoding %q (raw, base64, hex)", cfg.SecretEncoding)
	}
	if s.mode == modeToken {
		// The header is the secret: nothing is computed, so nothing else
		// of the profile applies.
		if cfg.Template != "" || cfg.Format != "" || cfg.SignatureField != "" || cfg.Prefix != "" || cfg.IDHeader != "" || cfg.TimestampHeader != "" || cfg.TimestampFormat != "" || cfg.TimestampField != "" {
			return nil, errors.New("hmac scheme: mode token sends the secret itself in hmac.header: template, format, prefix, signature_field, id_header, timestamp_header, timestamp_format and timestamp_field do not apply")
		}
		return s, nil
	}
	if cfg.Format != "" {
		if cfg.Prefix != "" {
			return nil, errors.New("hmac scheme: hmac.format writes the whole header value; put a prefix in it, not in hmac.prefix")
		}
		if cfg.SignatureField != "" {
			return nil, errors.New("hmac scheme: hmac.format describes a header, and hmac.signature_field puts the signature in the body")
		}
		f, err := parseFormat(cfg.Format)
		if err != nil {
			return nil, err
		}
		s.format = f
	}
	tmpl := cfg.Template
	if tmpl == "" {
		tmpl = "{body}"
	}
	if len(tmpl) > maxTemplate {
		return nil, fmt.Errorf("hmac scheme: the template is longer than %d bytes", maxTemplate)
	}
	parts, err := parseTemplate(tmpl)
	if err != nil {
		return nil, err
	}
	s.tmpl = parts
	secretUsed := false
	for _, p := range parts {
		switch p.placeholder {
		case "id":
			s.useID = true
		case "timestamp":
			s.useTS = true
		case "url":
			s.useURL = true
		case "secret":
			secretUsed = true
		case "body", "body_sha256":
			if cfg.SignatureField != "" {
				return nil, fmt.Errorf("hmac scheme: the template signs {%s}, and the signature travels in the body (hmac.signature_field): it cannot sign itself; use {pairs} or {json:PATH}", p.placeholder)
			}
		}
	}
	switch {
	case s.mode == modeDigest && !secretUsed:
		return nil, errors.New("hmac scheme: mode digest hashes the template with no key, so it must name {secret}")
	case s.mode == modeHMAC && secretUsed:
		return nil, errors.New("hmac scheme: {secret} belongs to mode digest; an HMAC is keyed with the secret already")
	}
	inFormat := func(ph string) bool { return s.format != nil && s.format.has(ph) }
	s.idInHeader = s.useID && !inFormat("id")
	s.tsInHeader = s.useTS && !inFormat("timestamp") && cfg.TimestampField == ""
	switch {
	case !s.useTS && cfg.TimestampFormat != "":
		return nil, errors.New("hmac scheme: hmac.timestamp_format is set, and the template signs no {timestamp}")
	case !s.useTS && cfg.TimestampField != "":
		return nil, errors.New("hmac scheme: hmac.timestamp_field is set, and the template signs no {timestamp}")
	case cfg.TimestampField != "" && (cfg.TimestampHeader != "" || inFormat("timestamp")):
		return nil, errors.New("hmac scheme: hmac.timestamp_field says {timestamp} is in the body; hmac.timestamp_header or format says it is in a header: give one")
	}
	if s.format != nil {
		for _, ph := range []string{"id", "timestamp"} {
			if inFormat(ph) && !map[string]bool{"id": s.useID, "timestamp": s.useTS}[ph] {
				return nil, fmt.Errorf("hmac scheme: hmac.format carries {%s}, and the template does not sign it", ph)
			}
		}
		if inFormat("timestamp") && cfg.TimestampHeader != "" {
			return nil, errors.New("hmac scheme: hmac.format carries {timestamp}; hmac.timestamp_header says it is elsewhere: give one")
		}
		if inFormat("id") && cfg.IDHeader != "" {
			return nil, errors.New("hmac scheme: hmac.format carries {id}; hmac.id_header says it is elsewhere: give one")
		}
	}
	if s.idInHeader && cfg.IDHeader == "" {
		return nil, errors.New("hmac scheme: the template signs {id}, and no id_header (or {id} in format) says where it is sent")
	}
	if s.tsInHeader && cfg.TimestampHeader == "" {
		return nil, errors.New("hmac scheme: the template signs {timestamp}, and no timestamp_header (or {timestamp} in format) says where it is sent")
	}
	if cfg.PairsFormat != "" {
		if !strings.Contains(cfg.PairsFormat, "{key}") || !strings.Contains(cfg.PairsFormat, "{value}") {
			return nil, errors.New(`hmac scheme: hmac.pairs_format names {key} and {value}, e.g. "{key}={value}"`)
		}
	}
	return s, nil
}

// placeholders are the template pieces, for messages.
const placeholders = "{id}, {timestamp}, {body}, {url}, {method}, {body_sha256}, {form}, {pairs}, {json:PATH}, {secret}"

func parseTemplate(t string) ([]tmplPart, error) {
	var parts []tmplPart
	for t != "" {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			parts = append(parts, tmplPart{lit: t})
			break
		}
		if i > 0 {
			parts = append(parts, tmplPart{lit: t[:i]})
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("hmac scheme: template has an unclosed { at %q", t[i:])
		}
		name := t[i+1 : i+j]
		switch name {
		case "id", "timestamp", "body", "url", "method", "body_sha256", "form", "pairs", "secret":
			parts = append(parts, tmplPart{placeholder: name})
		default:
			path, ok := strings.CutPrefix(name, "json:")
			if !ok || strings.TrimSpace(path) == "" {
				return nil, fmt.Errorf("hmac scheme: template has unknown placeholder {%s} (known: %s)", name, placeholders)
			}
			parts = append(parts, tmplPart{placeholder: "json", arg: path})
		}
		t = t[i+j+1:]
	}
	return parts, nil
}

// formatTimestamp writes t as {timestamp} is sent, in TimestampFormat.
func (s hmacScheme) formatTimestamp(t time.Time) string { return formatTimestamp(s.tsFormat, t) }

func (hmacScheme) Name() string { return "hmac" }
func (s hmacScheme) Description() string {
	switch {
	case s.mode == modeToken:
		return "generic: " + s.cfg.Header + ": the secret itself, compared in constant time"
	case s.cfg.SignatureField != "":
		return "generic: body field " + s.cfg.SignatureField + ": <" + string(s.enc) + " " + s.mode + ">"
	case s.format != nil:
		return "generic: " + s.cfg.Header + ": " + s.cfg.Format + " (" + string(s.enc) + " " + s.mode + ")"
	}
	return "generic: " + s.cfg.Header + ": " + s.cfg.Prefix + "<" + string(s.enc) + " " + strings.ToUpper(s.mode) + ">"
}
func (s hmacScheme) HeaderNames() []string {
	var names []string
	if s.cfg.Header != "" {
		names = append(names, s.cfg.Header)
	}
	if s.idInHeader {
		names = append(names, s.cfg.IDHeader)
	}
	if s.tsInHeader {
		names = append(names, s.cfg.TimestampHeader)
	}
	return names
}
func (s hmacScheme) UsesID() bool        { return s.useID }
func (s hmacScheme) UsesTimestamp() bool { return s.useTS }

// secretHeaders: in token mode the header is the secret itself.
func (s hmacScheme) secretHeaders() []string {
	if s.mode == modeToken {
		return []string{s.cfg.Header}
	}
	return nil
}

func (s hmacScheme) key(sec Secret) ([]byte, error) {
	switch strings.ToLower(s.cfg.SecretEncoding) {
	case "hex":
		k, err := hex.DecodeString(strings.TrimSpace(sec.Reveal()))
		if err != nil || len(k) == 0 {
			return nil, errors.New("it is not hex (hmac.secret_encoding is hex: the key is the bytes its hex digits spell, as Adyen shows its HMAC key)")
		}
		return k, nil
	case "base64":
	default:
		return rawKey(sec)
	}
	k, err := base64Key(sec)
	if err != nil {
		return nil, fmt.Errorf("%w (hmac.secret_encoding is base64)", err)
	}
	return k, nil
}

func (s hmacScheme) mac(key *macKey, p signed, body []byte, url string) []byte {
	if !s.bodyHashMatches(body, url) {
		return nil // no signature equals nothing: the body is not the one signed
	}
	switch s.mode {
	case modeToken:
		sum := sha256.Sum256(key.b)
		return sum[:]
	case modeDigest:
		m := s.hash.New()
		s.writeContent(m, key, p, body, url)
		return m.Sum(nil)
	}
	m := key.hmac(s.hash)
	defer key.done(s.hash, m)
	s.writeContent(m, key, p, body, url)
	return m.Sum(nil)
}

// writeContent writes the signed content the template describes.
func (s hmacScheme) writeContent(w io.Writer, key *macKey, p signed, body []byte, url string) {
	for _, part := range s.tmpl {
		switch part.placeholder {
		case "":
			io.WriteString(w, part.lit)
		case "id":
			io.WriteString(w, p.id)
		case "timestamp":
			io.WriteString(w, p.tsRaw)
		case "body":
			w.Write(body)
		case "url":
			io.WriteString(w, url)
		case "method":
			io.WriteString(w, methodOr(p.method))
		case "body_sha256":
			sum := sha256.Sum256(body)
			io.WriteString(w, hex.EncodeToString(sum[:]))
		case "form":
			writeForm(w, body)
		case "pairs":
			writePairs(w, body, s.cfg)
		case "json":
			writeJSONField(w, body, part.arg)
		case "secret":
			w.Write(key.b)
		}
	}
}

// bodyHashMatches: when the URL carries the body's hash (URLBodySHA256),
// it is the hash of this body.
func (s hmacScheme) bodyHashMatches(body []byte, rawURL string) bool {
	want, ok := urlBodyHash(s.cfg.URLBodySHA256, rawURL)
	if !ok {
		return true
	}
	sum := sha256.Sum256(body)
	got := hex.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(want)), []byte(got)) == 1
}

// urlBodyHash is the value of the query parameter param of rawURL.
func urlBodyHash(param, rawURL string) (string, bool) {
	if param == "" {
		return "", false
	}
	_, query, ok := strings.Cut(rawURL, "?")
	if !ok {
		return "", false
	}
	q, _ := url.ParseQuery(query)
	if _, has := q[param]; !has {
		return "", false
	}
	return q.Get(param), true
}

// methodOr is the request method, POST when it is not known (a delivery
// being signed is a POST).
func methodOr(m string) string {
	if m == "" {
		return http.MethodPost
	}
	return m
}

func (s hmacScheme) sign(key *macKey, id, ts string, body []byte, url string) []HeaderField {
	return s.signRequest(key, id, ts, SignInput{Body: body, URL: url})
}

// signRequest signs with the whole SignInput ({method} needs it).
func (s hmacScheme) signRequest(key *macKey, id, ts string, in SignInput) []HeaderField {
	if s.mode == modeToken {
		return []HeaderField{{Name: s.cfg.Header, Value: string(key.b), Secret: true}}
	}
	var out []HeaderField
	if s.cfg.TimestampField != "" {
		ts = bodyField(in.Body, s.cfg.TimestampField) // the body carries its own
	}
	if s.idInHeader {
		out = append(out, HeaderField{Name: s.cfg.IDHeader, Value: id})
	}
	if s.tsInHeader {
		out = append(out, HeaderField{Name: s.cfg.TimestampHeader, Value: ts})
	}
	sig := s.enc.encode(s.mac(key, signed{id: id, tsRaw: ts, method: in.Method}, in.Body, in.URL))
	if s.format != nil {
		return append(out, HeaderField{Name: s.cfg.Header, Value: s.format.write(sig, id, ts)})
	}
	return append(out, HeaderField{Name: s.cfg.Header, Value: s.cfg.Prefix + sig})
}

// canSign says why s cannot sign headers, if it cannot.
func (s hmacScheme) canSign() error {
	if s.cfg.SignatureField != "" {
		return fmt.Errorf("the signature travels in the body (field %s), not in a header: `hooktool trigger` writes it into the body it sends; sign prints headers only", s.cfg.SignatureField)
	}
	return nil
}

// signBody writes the signature of body into its SignatureField.
func (s hmacScheme) signBody(key *macKey, body []byte, url, method string) ([]byte, error) {
	p := signed{method: method}
	if s.cfg.TimestampField != "" {
		p.tsRaw = bodyField(body, s.cfg.TimestampField)
	}
	sig := s.enc.encode(s.mac(key, p, body, url))
	return setField(body, s.cfg.SignatureField, sig)
}

func (s hmacScheme) parse(h http.Header) (signed, *Verdict) {
	return s.parseBody(h, nil)
}

// parseBody reads the signature from the headers, or from the body when
// it travels there.
func (s hmacScheme) parseBody(h http.Header, body []byte) (signed, *Verdict) {
	if s.cfg.SignatureField != "" {
		p, bad := s.parseField(body)
		if bad != nil {
			return p, bad
		}
		return s.readTimestamp(p, h, body)
	}
	p := signed{header: s.cfg.Header}
	if s.idInHeader {
		p.id = h.Get(s.cfg.IDHeader)
	}
	for _, name := range s.HeaderNames() {
		if h.Get(name) == "" {
			return p, missing(name)
		}
	}
	v := strings.TrimSpace(h.Get(s.cfg.Header))
	switch {
	case s.mode == modeToken:
		sum := sha256.Sum256([]byte(v))
		p.sigs = [][]byte{sum[:]}
		return p, nil
	case s.format != nil:
		if bad := s.format.read(&p, s.cfg.Header, v, s.enc); bad != nil {
			return p, bad
		}
	default:
		// v is trimmed (as HTTP trims header values), so the prefix's start is too.
		rest, ok := strings.CutPrefix(v, strings.TrimLeftFunc(s.cfg.Prefix, unicode.IsSpace))
		if !ok {
			return p, malformed(s.cfg.Header, "expected the prefix "+s.cfg.Prefix)
		}
		raw, err := s.enc.decode(rest)
		if err != nil {
			return p, malformed(s.cfg.Header, "the signature is not "+string(s.enc))
		}
		p.sigs = [][]byte{raw}
	}
	return s.readTimestamp(p, h, body)
}

// readTimestamp reads {timestamp} where it travels (its header, the
// signature header's format, or a body field) and parses it in
// TimestampFormat.
func (s hmacScheme) readTimestamp(p signed, h http.Header, body []byte) (signed, *Verdict) {
	if s.useTS {
		name := s.cfg.TimestampHeader
		switch {
		case s.cfg.TimestampField != "":
			name = s.cfg.TimestampField
			if p.tsRaw = bodyField(body, name); p.tsRaw == "" {
				bad := fail("", ReasonMissingHeader, name, "no "+name+" field in the body (it carries the signed timestamp)")
				return p, &bad
			}
		case s.tsInHeader:
			p.tsRaw = h.Get(name)
		default:
			name = s.cfg.Header + " " + s.format.key("timestamp") + "="
		}
		var bad *Verdict
		if p.ts, bad = parseTimestamp(s.tsFormat, name, p.tsRaw); bad != nil {
			if s.cfg.TimestampField != "" {
				return p, bad
			}
			bad.Header = s.cfg.Header
			if s.tsInHeader {
				bad.Header = s.cfg.TimestampHeader
			}
			return p, bad
		}
		p.hasTS = true
	}
	return p, nil
}
