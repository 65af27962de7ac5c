package signature

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
)

func hmacOf(h crypto.Hash, key *macKey, parts ...[]byte) []byte {
	m := key.hmac(h)
	for _, p := range parts {
		m.Write(p)
	}
	sum := m.Sum(nil)
	key.done(h, m)
	return sum
}

func rawKey(s Secret) ([]byte, error) { return []byte(s.Reveal()), nil }

// standard implements Standard Webhooks (https://www.standardwebhooks.com/)
// and Svix, which differ only in header names: HMAC-SHA256 over
// "{id}.{timestamp}.{body}" with a base64 key written "whsec_<base64>", sent
// as space-separated "v1,<base64>" signatures.
type standard struct {
	name, idHeader, tsHeader, sigHeader string
	// unbranded: the webhook-* headers are read when a header of the
	// scheme's own is missing, as the Svix libraries read them.
	unbranded bool
}

func standardWebhooks() standard {
	return standard{name: "standard-webhooks", idHeader: "webhook-id", tsHeader: "webhook-timestamp", sigHeader: "webhook-signature"}
}

func svix() standard {
	return standard{name: "svix", idHeader: "svix-id", tsHeader: "svix-timestamp", sigHeader: "svix-signature", unbranded: true}
}

func (s standard) Name() string { return s.name }
func (s standard) Description() string {
	return "HMAC-SHA256 of id.timestamp.body, " + s.sigHeader + ": v1,<base64>; whsec_ base64 secrets"
}
func (s standard) HeaderNames() []string { return []string{s.idHeader, s.tsHeader, s.sigHeader} }
func (standard) UsesID() bool            { return true }
func (standard) UsesTimestamp() bool     { return true }

func (s standard) key(sec Secret) ([]byte, error) {
	if v := sec.Reveal(); strings.HasPrefix(v, "whsk_") || strings.HasPrefix(v, "whpk_") {
		return nil, errors.New("it is a Standard Webhooks Ed25519 key (" + v[:5] + "…), not a whsec_ secret: v1a signatures are checked with --scheme standard-webhooks-v1a and a public key")
	}
	return base64Key(sec)
}

// hasAll reports whether every one of names has a value in h.
func hasAll(h http.Header, names []string) bool {
	for _, name := range names {
		if h.Get(name) == "" {
			return false
		}
	}
	return true
}

// keyHint names what the official libraries disagree on about a secret
// that matched: its base64 without the = padding.
func (standard) keyHint(sec Secret) string {
	if unpadded(sec) {
		return "the secret's base64 lacks its = padding: the official Python library accepts that (since 2026), the official Go libraries (NewWebhook) refuse it"
	}
	return ""
}

func (s standard) mac(key *macKey, p signed, body []byte, _ string) []byte {
	return hmacOf(crypto.SHA256, key, []byte(p.id), []byte{'.'}, []byte(p.tsRaw), []byte{'.'}, body)
}

func (s standard) sign(key *macKey, id, ts string, body []byte, _ string) []HeaderField {
	m := s.mac(key, signed{id: id, tsRaw: ts}, body, "")
	return []HeaderField{
		{Name: s.idHeader, Value: id},
		{Name: s.tsHeader, Value: ts},
		{Name: s.sigHeader, Value: "v1," + base64.StdEncoding.EncodeToString(m)},
	}
}

func (s standard) parse(h http.Header) (signed, *Verdict) { return s.parseVersion(h, "v1") }

// parseVersion reads the signatures of one version ("v1": HMAC-SHA256,
// "v1a": Ed25519) from the space-separated list; entries of other versions
// are skipped, as the libraries skip them, and named when none is left.
func (s standard) parseVersion(h http.Header, want string) (signed, *Verdict) {
	if s.unbranded && !hasAll(h, s.HeaderNames()) {
		// Svix's libraries read the svix-* headers when all three are
		// there, and else the unbranded webhook-* ones.
		if u := standardWebhooks(); hasAll(h, u.HeaderNames()) {
			s.idHeader, s.tsHeader, s.sigHeader = u.idHeader, u.tsHeader, u.sigHeader
		}
	}
	p := signed{header: s.sigHeader, id: h.Get(s.idHeader), tsRaw: h.Get(s.tsHeader)}
	for _, name := range s.HeaderNames() {
		if h.Get(name) == "" {
			return p, missing(name)
		}
	}
	var bad *Verdict
	if p.ts, bad = timestamp(s.tsHeader, p.tsRaw); bad != nil {
		return p, bad
	}
	p.hasTS = true
	var versions []string
	for _, item := range strings.Fields(h.Get(s.sigHeader)) {
		version, sig, ok := strings.Cut(item, ",")
		if !ok {
			continue
		}
		if version != want {
			versions = append(versions, version)
			continue
		}
		if raw, err := base64.StdEncoding.DecodeString(sig); err == nil {
			p.sigs = append(p.sigs, raw)
		}
	}
	switch {
	case len(p.sigs) > 0:
		return p, nil
	case len(versions) > 0 && want == "v1":
		bad := unsupported(s.sigHeader, "only "+strings.Join(versions, ", ")+" signatures, and hooktool checks v1 (HMAC-SHA256)")
		if slices.Contains(versions, "v1a") && s.name == "standard-webhooks" {
			bad.Hints = append(bad.Hints, "v1a signatures are Ed25519: check them with --scheme standard-webhooks-v1a and the sender's whpk_ public key (--public-key)")
		}
		return p, bad
	case len(versions) > 0:
		bad := unsupported(s.sigHeader, "only "+strings.Join(versions, ", ")+" signatures, and the "+s.name+"-v1a scheme checks v1a (Ed25519)")
		if slices.Contains(versions, "v1") {
			bad.Hints = append(bad.Hints, "v1 signatures are HMAC-SHA256: check them with --scheme "+s.name+" and the whsec_ secret")
		}
		return p, bad
	}
	return p, malformed(s.sigHeader, `expected space-separated "`+want+`,<base64>" signatures`)
}

// stripe: Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...], HMAC-SHA256 of
// "{t}.{body}" keyed with the whole secret string.
type stripe struct{}

const stripeHeader = "Stripe-Signature"

func (stripe) Name() string { return "stripe" }
func (stripe) Description() string {
	return "Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of t.body>; key is the whole secret"
}
func (stripe) HeaderNames() []string        { return []string{stripeHeader} }
func (stripe) UsesID() bool                 { return false }
func (stripe) UsesTimestamp() bool          { return true }
func (stripe) key(s Secret) ([]byte, error) { return rawKey(s) }
func (stripe) mac(key *macKey, p signed, body []byte, _ string) []byte {
	return hmacOf(crypto.SHA256, key, []byte(p.tsRaw), []byte{'.'}, body)
}

func (s stripe) sign(key *macKey, _, ts string, body []byte, _ string) []HeaderField {
	m := s.mac(key, signed{tsRaw: ts}, body, "")
	return []HeaderField{{Name: stripeHeader, Value: "t=" + ts + ",v1=" + hex.EncodeToString(m)}}
}

// ageOnly: Stripe's libraries check only how old a timestamp is.
func (stripe) ageOnly() bool { return true }

// parse reads the header as stripe-go (parseSignatureHeader) and
// stripe-node (parseHeader) do: split on "," and "=" with nothing trimmed,
// unknown keys and v1 values that are not hex skipped. One valid v1 is
// enough.
func (stripe) parse(h http.Header) (signed, *Verdict) {
	p := signed{header: stripeHeader}
	v := h.Get(stripeHeader)
	if v == "" {
		return p, missing(stripeHeader)
	}
	var versions []string
	spaced, notHex := false, false
	for _, item := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(item, "=")
		switch {
		case !ok:
			return p, malformed(stripeHeader, `expected comma-separated key=value pairs such as "t=1700000000,v1=<hex>"`)
		case k == "t":
			p.tsRaw = val
		case k == "v1":
			raw, err := hex.DecodeString(val)
			if err != nil {
				notHex = true
				continue
			}
			p.sigs = append(p.sigs, raw)
		case strings.TrimSpace(k) != k:
			spaced = true
		default:
			versions = append(versions, k)
		}
	}
	if spaced {
		p.hints = append(p.hints, `a key has spaces around it (", v1=" or "v1 ="): Stripe's libraries split the header on , and = without trimming spaces, so they do not read that part`)
	}
	stripeMalformed := func(why string) *Verdict {
		bad := malformed(stripeHeader, why)
		bad.Hints = append(bad.Hints, p.hints...)
		return bad
	}
	if p.tsRaw == "" {
		return p, stripeMalformed("no t= timestamp")
	}
	var bad *Verdict
	if p.ts, bad = timestamp(stripeHeader+" t=", p.tsRaw); bad != nil {
		bad.Header = stripeHeader // the message names t=; Header is a header name
		return p, bad
	}
	p.hasTS = true
	switch {
	case len(p.sigs) > 0:
		return p, nil
	case notHex:
		return p, stripeMalformed("no v1= signature in hex (others are skipped, as Stripe's libraries skip them)")
	case len(versions) > 0 && !spaced:
		return p, unsupported(stripeHeader, "only "+strings.Join(versions, ", ")+" signatures, and hooktool checks v1")
	}
	return p, stripeMalformed("no v1= signature")
}

// github: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of body>; the legacy
// X-Hub-Signature: sha1=<hex> when asked for.
type github struct{ sha1 bool }

const (
	githubHeader       = "X-Hub-Signature-256"
	githubLegacyHeader = "X-Hub-Signature"
)

func (github) Name() string { return "github" }
func (github) Description() string {
	return "X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of body> (legacy sha1 on request)"
}
func (g github) HeaderNames() []string {
	if g.sha1 {
		return []string{githubHeader, githubLegacyHeader}
	}
	return []string{githubHeader}
}
func (github) UsesID() bool                 { return false }
func (github) UsesTimestamp() bool          { return false }
func (github) key(s Secret) ([]byte, error) { return rawKey(s) }
func (github) mac(key *macKey, p signed, body []byte, _ string) []byte {
	if p.legacy {
		return hmacOf(crypto.SHA1, key, body)
	}
	return hmacOf(crypto.SHA256, key, body)
}

func (g github) sign(key *macKey, _, _ string, body []byte, _ string) []HeaderField {
	out := []HeaderField{{Name: githubHeader, Value: "sha256=" + hex.EncodeToString(g.mac(key, signed{}, body, ""))}}
	if g.sha1 {
		out = append(out, HeaderField{Name: githubLegacyHeader, Value: "sha1=" + hex.EncodeToString(g.mac(key, signed{legacy: true}, body, ""))})
	}
	return out
}

func (g github) parse(h http.Header) (signed, *Verdict) {
	if v := h.Get(githubHeader); v != "" {
		return prefixedHex(githubHeader, "sha256=", v, false)
	}
	legacy := h.Get(githubLegacyHeader)
	if legacy != "" && g.sha1 {
		return prefixedHex(githubLegacyHeader, "sha1=", legacy, true)
	}
	bad := missing(githubHeader)
	if legacy != "" {
		bad.Hints = append(bad.Hints, "only the legacy "+githubLegacyHeader+" (sha1) header is present: pass --github-sha1 to accept it")
	}
	return signed{header: githubHeader}, bad
}

func prefixedHex(header, prefix, v string, legacy bool) (signed, *Verdict) {
	p := signed{header: header, legacy: legacy}
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		if algo, _, found := strings.Cut(v, "="); found && len(algo) < 16 {
			return p, unsupported(header, "the signature is "+algo+"=, expected "+prefix)
		}
		return p, malformed(header, "expected "+prefix+"<hex>")
	}
	raw, err := hex.DecodeString(rest)
	if err != nil {
		return p, malformed(header, "the signature after "+prefix+" is not hex")
	}
	p.sigs = [][]byte{raw}
	return p, nil
}

// bodyHMAC covers the schemes that sign the raw body alone and send the
// encoded MAC as the whole header value: Paystack and Shopify.
type bodyHMAC struct {
	name, header, description string
	hash                      crypto.Hash
	encoding                  encoding
}

func paystack() bodyHMAC {
	return bodyHMAC{"paystack", "X-Paystack-Signature", "x-paystack-signature: hex HMAC-SHA512 of the body", crypto.SHA512, encHex}
}

func shopify() bodyHMAC {
	return bodyHMAC{"shopify", "X-Shopify-Hmac-Sha256", "X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the body", crypto.SHA256, encBase64}
}

func (b bodyHMAC) Name() string               { return b.name }
func (b bodyHMAC) Description() string        { return b.description }
func (b bodyHMAC) HeaderNames() []string      { return []string{b.header} }
func (bodyHMAC) UsesID() bool                 { return false }
func (bodyHMAC) UsesTimestamp() bool          { return false }
func (bodyHMAC) key(s Secret) ([]byte, error) { return rawKey(s) }
func (b bodyHMAC) mac(key *macKey, _ signed, body []byte, _ string) []byte {
	return hmacOf(b.hash, key, body)
}
func (b bodyHMAC) sign(key *macKey, _, _ string, body []byte, _ string) []HeaderField {
	return []HeaderField{{Name: b.header, Value: b.encoding.encode(b.mac(key, signed{}, body, ""))}}
}
func (b bodyHMAC) parse(h http.Header) (signed, *Verdict) {
	p := signed{header: b.header}
	v := strings.TrimSpace(h.Get(b.header))
	if v == "" {
		return p, missing(b.header)
	}
	raw, err := b.encoding.decode(v)
	if err != nil {
		return p, malformed(b.header, "not "+string(b.encoding))
	}
	p.sigs = [][]byte{raw}
	return p, nil
}

// slack: X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{ts}:{body}">, with
// the timestamp in X-Slack-Request-Timestamp.
type slack struct{}

const (
	slackHeader   = "X-Slack-Signature"
	slackTSHeader = "X-Slack-Request-Timestamp"
)

func (slack) Name() string { return "slack" }
func (slack) Description() string {
	return "X-Slack-Signature: v0=<hex HMAC-SHA256 of v0:timestamp:body>, X-Slack-Request-Timestamp"
}
func (slack) HeaderNames() []string        { return []string{slackHeader, slackTSHeader} }
func (slack) UsesID() bool                 { return false }
func (slack) UsesTimestamp() bool          { return true }
func (slack) key(s Secret) ([]byte, error) { return rawKey(s) }
func (slack) mac(key *macKey, p signed, body []byte, _ string) []byte {
	return hmacOf(crypto.SHA256, key, []byte("v0:"), []byte(p.tsRaw), []byte{':'}, body)
}
func (s slack) sign(key *macKey, _, ts string, body []byte, _ string) []HeaderField {
	return []HeaderField{
		{Name: slackTSHeader, Value: ts},
		{Name: slackHeader, Value: "v0=" + hex.EncodeToString(s.mac(key, signed{tsRaw: ts}, body, ""))},
	}
}
func (slack) parse(h http.Header) (signed, *Verdict) {
	for _, name := range []string{slackHeader, slackTSHeader} {
		if h.Get(name) == "" {
			return signed{header: slackHeader}, missing(name)
		}
	}
	p, bad := prefixedHex(slackHeader, "v0=", h.Get(slackHeader), false)
	if bad != nil {
		return p, bad
	}
	p.tsRaw = h.Get(slackTSHeader)
	if p.ts, bad = timestamp(slackTSHeader, p.tsRaw); bad != nil {
		return p, bad
	}
	p.hasTS = true
	return p, nil
}

// flutterwave: the verif-hash header carries the shared secret itself. Both
// sides are hashed before the constant-time compare, so not even the
// secret's length shows in timing.
type flutterwave struct{}

const flutterwaveHeader = "verif-hash"

func (flutterwave) Name() string { return "flutterwave" }
func (flutterwave) Description() string {
	return "verif-hash: the shared secret itself, compared in constant time"
}
func (flutterwave) HeaderNames() []string        { return []string{flutterwaveHeader} }
func (flutterwave) secretHeaders() []string      { return []string{flutterwaveHeader} }
func (flutterwave) UsesID() bool                 { return false }
func (flutterwave) UsesTimestamp() bool          { return false }
func (flutterwave) key(s Secret) ([]byte, error) { return rawKey(s) }
func (flutterwave) mac(key *macKey, _ signed, _ []byte, _ string) []byte {
	sum := sha256.Sum256(key.b)
	return sum[:]
}
func (flutterwave) sign(key *macKey, _, _ string, _ []byte, _ string) []HeaderField {
	return []HeaderField{{Name: flutterwaveHeader, Value: string(key.b), Secret: true}}
}
func (flutterwave) parse(h http.Header) (signed, *Verdict) {
	p := signed{header: flutterwaveHeader}
	v := h.Get(flutterwaveHeader)
	if v == "" {
		return p, missing(flutterwaveHeader)
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(v)))
	p.sigs = [][]byte{sum[:]}
	return p, nil
}
