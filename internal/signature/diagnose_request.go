package signature

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
)

// What diagnose finds beyond the body's bytes: the URL a URL-signing
// profile was signed for, a form written again, a token that is a
// signature and a signature that is a token.

// urlForms are the spellings of rawURL that name the same request, as
// Twilio's library accepts them: as received, without and with the
// scheme's default port.
func urlForms(rawURL string) []string {
	forms := []string{rawURL}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return forms
	}
	def := map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	if def == "" {
		return forms
	}
	host, port := u.Hostname(), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	prefix := u.Scheme + "://"
	if u.User != nil {
		prefix += u.User.String() + "@"
	}
	rest := rawURL[strings.Index(rawURL, "://")+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[i:]
	} else {
		rest = ""
	}
	switch port {
	case "":
		forms = append(forms, prefix+host+":"+def+rest)
	case def:
		forms = append(forms, prefix+host+rest)
	}
	return forms
}

// matchURL is matchKeys over the URL's forms, for a scheme that signs it.
func matchURL(s Scheme, ks []*macKey, p signed, body []byte, rawURL string) int {
	if !SignsURL(s) || rawURL == "" {
		return matchKeys(s, ks, p, body, rawURL)
	}
	for _, u := range urlForms(rawURL) {
		if i := matchKeys(s, ks, p, body, u); i >= 0 {
			return i
		}
	}
	return -1
}

// publicURLs are the URLs a request received at rawURL may have been sent
// to before a tunnel or proxy: the one its X-Forwarded-Proto/-Host or
// Forwarded headers name, the other scheme, the path with or without its
// trailing slash. Each comes with what differs.
func publicURLs(rawURL string, h http.Header) [][2]string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil
	}
	var out [][2]string
	add := func(v *url.URL, why string) {
		s := v.String()
		if s == rawURL {
			return
		}
		for _, o := range out {
			if o[0] == s {
				return
			}
		}
		out = append(out, [2]string{s, why})
	}
	proto, host := forwarded(h)
	if proto != "" || host != "" {
		v := *u
		if proto != "" {
			v.Scheme = proto
		}
		if host != "" {
			v.Host = host
		}
		add(&v, "the proxy's X-Forwarded-*/Forwarded headers name it")
	}
	other := map[string]string{"http": "https", "https": "http"}[strings.ToLower(u.Scheme)]
	if other != "" {
		v := *u
		v.Scheme, v.Host = other, u.Hostname()
		if strings.Contains(v.Host, ":") {
			v.Host = "[" + v.Host + "]"
		}
		add(&v, "the scheme differs: a TLS-terminating tunnel or proxy")
	}
	v := *u
	if strings.HasSuffix(u.Path, "/") && len(u.Path) > 1 {
		v.Path = strings.TrimSuffix(u.Path, "/")
	} else {
		v.Path = u.Path + "/"
	}
	v.RawPath = ""
	add(&v, "the trailing slash differs")
	return out
}

// forwarded reads the original scheme and host from a proxy's headers.
func forwarded(h http.Header) (proto, host string) {
	first := func(v string) string { s, _, _ := strings.Cut(v, ","); return strings.TrimSpace(s) }
	proto, host = strings.ToLower(first(h.Get("X-Forwarded-Proto"))), first(h.Get("X-Forwarded-Host"))
	for _, part := range strings.Split(first(h.Get("Forwarded")), ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		v = strings.Trim(v, `"`)
		switch strings.ToLower(k) {
		case "proto":
			if proto == "" {
				proto = strings.ToLower(v)
			}
		case "host":
			if host == "" {
				host = v
			}
		}
	}
	if proto != "http" && proto != "https" {
		proto = ""
	}
	if len(host) > 255 || strings.ContainsAny(host, "/?#@ \t") {
		host = ""
	}
	return proto, host
}

// urlHints: the signature verifies for another URL than the one received.
func urlHints(s Scheme, ks []*macKey, p signed, m Message) []string {
	if !SignsURL(s) || m.URL == "" {
		return nil
	}
	var hints []string
	if h, ok := s.(hmacScheme); ok {
		if want, has := urlBodyHash(h.cfg.URLBodySHA256, m.URL); has {
			sum := sha256.Sum256(m.Body)
			if !strings.EqualFold(want, hex.EncodeToString(sum[:])) {
				hints = append(hints, "the URL's "+h.cfg.URLBodySHA256+" parameter is not the SHA-256 of the body: the body changed after it was signed (or the parameter did)")
			}
		}
	}
	for _, c := range publicURLs(m.URL, m.Header) {
		if matchURL(s, ks, p, m.Body, c[0]) >= 0 {
			hints = append(hints, "the signature verifies for the URL "+c[0]+", and the request arrived as "+m.URL+" ("+c[1]+"): the provider signs the URL it was given, and a tunnel or proxy in between changed it; check with `hooktool verify --url` and give the provider's URL")
			break
		}
	}
	return hints
}

// formReencoded: a form body written again by something that parsed it
// (sorted by name and escaped canonically, or with + and %20 swapped).
func formReencoded(b []byte) [][]byte {
	if len(b) == 0 || isJSONObject(b) || !bytes.ContainsAny(b, "=&") || bytes.ContainsAny(b, "\r\n") {
		return nil
	}
	q, err := url.ParseQuery(string(b))
	if err != nil || len(q) < 2 && !bytes.ContainsAny(b, "+%") {
		return nil
	}
	var out [][]byte
	for _, v := range [][]byte{
		[]byte(q.Encode()),
		bytes.ReplaceAll(b, []byte("+"), []byte("%20")),
		bytes.ReplaceAll(b, []byte("%20"), []byte("+")),
	} {
		if !bytes.Equal(v, b) {
			out = append(out, v)
		}
	}
	return out
}

// tokenHints: the header of a token scheme holds an HMAC of the body (the
// sender signs), or the header of a signing scheme holds a secret itself.
func tokenHints(s Scheme, secrets []Secret, header string, m Message) []string {
	v := strings.TrimSpace(m.Header.Get(header))
	if v == "" || len(v) > 512 {
		return nil
	}
	if len(SecretHeaders(s)) > 0 {
		for _, sec := range secrets {
			k, _ := rawKey(sec)
			for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512, crypto.SHA1} {
				m2 := hmac.New(h.New, k)
				m2.Write(m.Body)
				sum := m2.Sum(nil)
				for _, enc := range []string{hex.EncodeToString(sum), base64.StdEncoding.EncodeToString(sum)} {
					if hmac.Equal([]byte(strings.ToLower(v)), []byte(strings.ToLower(enc))) || hmac.Equal([]byte(v), []byte(enc)) {
						return []string{header + " holds an HMAC of the body under the secret, not the token itself: the sender signs deliveries (as Flutterwave's newer flutterwave-signature does); use a profile that verifies an HMAC"}
					}
				}
			}
		}
		return nil
	}
	for _, sec := range secrets {
		if hmac.Equal([]byte(v), []byte(sec.Reveal())) {
			return []string{header + " carries the secret itself, not a signature: the provider sends a static token; use a token profile (hmac mode: token, or --scheme flutterwave)"}
		}
	}
	return nil
}
