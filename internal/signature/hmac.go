package signature

import (
	"crypto"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
// hash, how the MAC is written, and what content is signed.
type HMACConfig struct {
	// Header carries the signature, e.g. "X-Signature".
	Header string `json:"header" mapstructure:"header" yaml:"header"`
	// Hash is sha1, sha256 (the default) or sha512.
	Hash string `json:"hash" mapstructure:"hash" yaml:"hash"`
	// Encoding is hex (the default), base64 or base64url.
	Encoding string `json:"encoding" mapstructure:"encoding" yaml:"encoding"`
	// Prefix comes before the encoded MAC, e.g. "sha256=".
	Prefix string `json:"prefix,omitempty" mapstructure:"prefix" yaml:"prefix"`
	// Template is the signed content, built from {id}, {timestamp}, {body}
	// and {url}; the default is "{body}".
	Template string `json:"template,omitempty" mapstructure:"template" yaml:"template"`
	// IDHeader and TimestampHeader carry {id} and {timestamp} (unix seconds).
	IDHeader        string `json:"id_header,omitempty" mapstructure:"id_header" yaml:"id_header"`
	TimestampHeader string `json:"timestamp_header,omitempty" mapstructure:"timestamp_header" yaml:"timestamp_header"`
	// SecretEncoding is raw (the default: the secret's bytes are the key) or
	// base64 (the key is the decoded secret, after any whsec_ prefix).
	SecretEncoding string `json:"secret_encoding,omitempty" mapstructure:"secret_encoding" yaml:"secret_encoding"`
}

// hmacScheme is the generic scheme built from an HMACConfig.
type hmacScheme struct {
	cfg    HMACConfig
	hash   crypto.Hash
	enc    encoding
	tmpl   []tmplPart
	useID  bool
	useTS  bool
	useURL bool
}

// tmplPart is a literal or a placeholder of a signed-content template.
type tmplPart struct {
	lit         string
	placeholder string // id, timestamp, body, url; empty for a literal
}

// NewHMAC validates cfg and returns the generic scheme it describes.
func NewHMAC(cfg HMACConfig) (Scheme, error) {
	s := hmacScheme{cfg: cfg}
	if strings.TrimSpace(cfg.Header) == "" {
		return nil, errors.New("hmac scheme: no header is set (hmac.header)")
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
	case "", "raw", "base64":
	default:
		return nil, fmt.Errorf("hmac scheme: unknown secret_encoding %q (raw, base64)", cfg.SecretEncoding)
	}
	tmpl := cfg.Template
	if tmpl == "" {
		tmpl = "{body}"
	}
	parts, err := parseTemplate(tmpl)
	if err != nil {
		return nil, err
	}
	s.tmpl = parts
	for _, p := range parts {
		switch p.placeholder {
		case "id":
			s.useID = true
		case "timestamp":
			s.useTS = true
		case "url":
			s.useURL = true
		}
	}
	if s.useID && cfg.IDHeader == "" {
		return nil, errors.New("hmac scheme: the template signs {id}, and no id_header says where it is sent")
	}
	if s.useTS && cfg.TimestampHeader == "" {
		return nil, errors.New("hmac scheme: the template signs {timestamp}, and no timestamp_header says where it is sent")
	}
	return s, nil
}

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
		case "id", "timestamp", "body", "url":
			parts = append(parts, tmplPart{placeholder: name})
		default:
			return nil, fmt.Errorf("hmac scheme: template has unknown placeholder {%s} (known: {id}, {timestamp}, {body}, {url})", name)
		}
		t = t[i+j+1:]
	}
	return parts, nil
}

func (hmacScheme) Name() string { return "hmac" }
func (s hmacScheme) Description() string {
	return "generic: " + s.cfg.Header + ": " + s.cfg.Prefix + "<" + string(s.enc) + " HMAC>"
}
func (s hmacScheme) HeaderNames() []string {
	names := []string{s.cfg.Header}
	if s.useID {
		names = append(names, s.cfg.IDHeader)
	}
	if s.useTS {
		names = append(names, s.cfg.TimestampHeader)
	}
	return names
}
func (s hmacScheme) UsesID() bool        { return s.useID }
func (s hmacScheme) UsesTimestamp() bool { return s.useTS }

func (s hmacScheme) key(sec Secret) ([]byte, error) {
	if strings.ToLower(s.cfg.SecretEncoding) != "base64" {
		return rawKey(sec)
	}
	k, err := base64Key(sec)
	if err != nil {
		return nil, fmt.Errorf("%w (hmac.secret_encoding is base64)", err)
	}
	return k, nil
}

func (s hmacScheme) mac(key *macKey, p signed, body []byte, url string) []byte {
	m := key.hmac(s.hash)
	defer key.done(s.hash, m)
	for _, part := range s.tmpl {
		switch part.placeholder {
		case "":
			m.Write([]byte(part.lit))
		case "id":
			m.Write([]byte(p.id))
		case "timestamp":
			m.Write([]byte(p.tsRaw))
		case "body":
			m.Write(body)
		case "url":
			m.Write([]byte(url))
		}
	}
	return m.Sum(nil)
}

func (s hmacScheme) sign(key *macKey, id, ts string, body []byte, url string) []HeaderField {
	var out []HeaderField
	if s.useID {
		out = append(out, HeaderField{Name: s.cfg.IDHeader, Value: id})
	}
	if s.useTS {
		out = append(out, HeaderField{Name: s.cfg.TimestampHeader, Value: ts})
	}
	m := s.mac(key, signed{id: id, tsRaw: ts}, body, url)
	return append(out, HeaderField{Name: s.cfg.Header, Value: s.cfg.Prefix + s.enc.encode(m)})
}

func (s hmacScheme) parse(h http.Header) (signed, *Verdict) {
	p := signed{header: s.cfg.Header}
	if s.useID {
		p.id = h.Get(s.cfg.IDHeader)
	}
	for _, name := range s.HeaderNames() {
		if h.Get(name) == "" {
			return p, missing(name)
		}
	}
	v := strings.TrimSpace(h.Get(s.cfg.Header))
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
	if s.useTS {
		p.tsRaw = h.Get(s.cfg.TimestampHeader)
		var bad *Verdict
		if p.ts, bad = timestamp(s.cfg.TimestampHeader, p.tsRaw); bad != nil {
			return p, bad
		}
		p.hasTS = true
	}
	return p, nil
}
