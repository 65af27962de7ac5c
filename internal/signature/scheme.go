// Package signature signs and verifies webhook deliveries under the schemes
// providers use (Standard Webhooks, Svix, Stripe, GitHub, Paystack, Shopify,
// Slack, Flutterwave, and a generic HMAC scheme; and, signing with a private
// key and verifying with a public one, Standard Webhooks v1a, Discord and
// SendGrid), and explains failures.
// Bodies are bytes throughout: nothing here parses and re-encodes a payload.
package signature

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a signed timestamp may be from now.
const DefaultTolerance = 300 * time.Second

// Message is a delivery as received or about to be sent: its headers and its
// body, byte for byte.
type Message struct {
	Header http.Header
	Body   []byte
	// URL is the full request URL, for schemes whose signed content names it.
	URL string
	// Method is the request method, for a generic template with {method}
	// (POST when empty).
	Method string
}

// HeaderField is one header to send, in the scheme's own spelling.
type HeaderField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Secret marks a header whose value is the secret itself (Flutterwave's
	// verif-hash): it must not be printed.
	Secret bool `json:"-"`
}

// SignInput is what a signature is computed over. ID and Timestamp are used
// only by schemes that sign them.
type SignInput struct {
	Body      []byte
	ID        string
	Timestamp time.Time
	URL       string
	// Method is the request method {method} signs (POST when empty).
	Method string
}

// LabeledSecret is a secret configured for something else (another
// endpoint, say). On a mismatch, a match with one of these becomes a hint.
type LabeledSecret struct {
	Label  string
	Secret Secret
}

// VerifyOptions tune a verification.
type VerifyOptions struct {
	// Now is the moment timestamps are checked against; zero means time.Now().
	Now time.Time
	// Tolerance is the largest accepted distance between a signed timestamp
	// and Now, either way. Zero turns the check off.
	Tolerance time.Duration
	// Alternates are secrets to try when diagnosing a mismatch.
	Alternates []LabeledSecret
}

// Scheme is one way of signing webhooks. The methods that compute and parse
// are unexported: new providers are described with the generic hmac scheme.
// A Scheme is a macScheme (a shared secret) or an asymScheme (a key pair).
type Scheme interface {
	// Name is the scheme's identifier, as given to --scheme.
	Name() string
	// Description is a one-line summary for help and listings.
	Description() string
	// HeaderNames are the headers the scheme reads and writes.
	HeaderNames() []string
	// UsesID and UsesTimestamp tell whether signing needs an id or timestamp.
	UsesID() bool
	UsesTimestamp() bool

	// parse finds the signed parts in the headers; it returns a failed
	// verdict when a header is missing or malformed.
	parse(h http.Header) (signed, *Verdict)
}

// macScheme is a scheme whose sender and receiver share a secret: the
// receiver computes the same MAC and compares.
type macScheme interface {
	Scheme
	key(Secret) ([]byte, error)
	sign(key *macKey, id, ts string, body []byte, url string) []HeaderField
	// mac computes the expected signature bytes for what parse found.
	mac(key *macKey, p signed, body []byte, url string) []byte
}

// signed is what a scheme found in a message's headers.
type signed struct {
	header string // the signature header's name
	id     string
	tsRaw  string // exactly as sent: it is part of the signed content
	ts     time.Time
	hasTS  bool
	sigs   [][]byte // decoded candidate signatures
	legacy bool     // GitHub's sha1 header was used
	method string   // the request method, for {method}
	// hints tell how the header was read, for a verdict that is not valid.
	hints []string
	// jws and bodySHA256: a JWS's signing input and its claim of the
	// body's hash (netlify).
	jws, bodySHA256 string
}

// Options configure the schemes that take settings.
type Options struct {
	// GitHubSHA1 makes the github scheme accept (and send) the legacy
	// X-Hub-Signature: sha1= header.
	GitHubSHA1 bool
	// HMAC describes the generic hmac scheme.
	HMAC HMACConfig
}

// SecretHeaders names the headers whose value is the secret itself
// (Flutterwave's verif-hash): they must never be kept or shown, whatever
// they hold.
func SecretHeaders(s Scheme) []string {
	if sh, ok := s.(interface{ secretHeaders() []string }); ok {
		return sh.secretHeaders()
	}
	return nil
}

// registry is every scheme hooktool knows, in one table: Names, Lookup,
// the shell completions and the README's scheme table (held to it by
// TestREADMESchemesTable) all read it. Adding a scheme is a row here, its
// implementation and its tests. It is never changed at run time.
var registry = []struct {
	name    string
	aliases []string
	build   func(Options) (Scheme, error)
}{
	{"standard-webhooks", []string{"standardwebhooks", "standard"}, func(Options) (Scheme, error) { return standardWebhooks(), nil }},
	{"svix", nil, func(Options) (Scheme, error) { return svix(), nil }},
	{"stripe", nil, func(Options) (Scheme, error) { return stripe{}, nil }},
	{"github", nil, func(o Options) (Scheme, error) { return github{sha1: o.GitHubSHA1}, nil }},
	{"paystack", nil, func(Options) (Scheme, error) { return paystack(), nil }},
	{"shopify", nil, func(Options) (Scheme, error) { return shopify(), nil }},
	{"slack", nil, func(Options) (Scheme, error) { return slack{}, nil }},
	{"flutterwave", nil, func(Options) (Scheme, error) { return flutterwave{}, nil }},
	{"hmac", nil, func(o Options) (Scheme, error) { return NewHMAC(o.HMAC) }},
	{"standard-webhooks-v1a", []string{"standardwebhooks-v1a", "v1a"}, func(Options) (Scheme, error) { return standardV1a{standardWebhooks()}, nil }},
	{"discord", []string{"ed25519"}, func(Options) (Scheme, error) { return discord{}, nil }},
	{"sendgrid", []string{"ecdsa-p256"}, func(Options) (Scheme, error) { return sendgrid{}, nil }},
	{"telnyx", nil, func(Options) (Scheme, error) { return telnyx{}, nil }},
	{"netlify", []string{"netlify-jws"}, func(Options) (Scheme, error) { return netlify{}, nil }},
	{"none", nil, func(Options) (Scheme, error) { return none{}, nil }},
}

// Names lists the scheme identifiers, sorted.
func Names() []string {
	names := make([]string, len(registry))
	for i, r := range registry {
		names[i] = r.name
	}
	sort.Strings(names)
	return names
}

// Lookup returns the named scheme (case and surrounding space ignored).
func Lookup(name string, o Options) (Scheme, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return nil, errors.New("no signing scheme given")
	}
	for _, r := range registry {
		if n == r.name || slices.Contains(r.aliases, n) {
			return r.build(o)
		}
	}
	return nil, fmt.Errorf("unknown scheme %q (known: %s)", name, strings.Join(Names(), ", "))
}

// SecretError is a secret that a scheme cannot use. It names the secret by
// where it came from (or its position), never by its value.
type SecretError struct {
	// Secret names the secret: "the secret from HOOKTOOL_SECRET",
	// "secret 2 of 3".
	Secret string
	Scheme string
	Err    error
}

func (e *SecretError) Error() string {
	return e.Secret + " cannot be used with the " + e.Scheme + " scheme: " + e.Err.Error()
}

func (e *SecretError) Unwrap() error { return e.Err }

// checkKey is a decoded secret or public key: it tells whether one of the
// signatures parse found is a signature of the message under it.
type checkKey interface {
	matches(p signed, body []byte, url string) bool
}

// macCheck checks by computing the MAC and comparing in constant time.
type macCheck struct {
	s macScheme
	k *macKey
}

func (c macCheck) matches(p signed, body []byte, url string) bool {
	want := c.s.mac(c.k, p, body, url)
	if len(want) == 0 {
		// Nothing to compare with (a profile whose URL's body hash does
		// not match the body): an empty signature must not match it.
		return false
	}
	for _, got := range p.sigs {
		if hmac.Equal(want, got) {
			return true
		}
	}
	return false
}

// checkKeyOf decodes one secret or key for checking signatures of s.
func checkKeyOf(s Scheme, sec Secret) (checkKey, error) {
	if sec.IsZero() {
		// An empty key is no secret: anyone can compute its MAC.
		return nil, errors.New("it is empty")
	}
	switch s := s.(type) {
	case asymScheme:
		pub, err := verifyingKey(s, sec)
		if err != nil {
			return nil, err
		}
		return pubCheck{s: s, pub: pub}, nil
	case macScheme:
		if sec.IsKey() {
			return nil, keyForSharedSecret(s, sec)
		}
		k, err := s.key(sec)
		if err != nil {
			return nil, err
		}
		return macCheck{s: s, k: newMacKey(k)}, nil
	}
	return nil, fmt.Errorf("the %s scheme neither signs nor checks", s.Name())
}

// keys decodes secrets for checking signatures of s; the first that cannot
// be used is a *SecretError.
func keys(s Scheme, secrets []Secret) ([]checkKey, error) {
	out := make([]checkKey, 0, len(secrets))
	for i, sec := range secrets {
		k, err := checkKeyOf(s, sec)
		if err != nil {
			return nil, &SecretError{Secret: secretName(sec, i, len(secrets)), Scheme: s.Name(), Err: err}
		}
		out = append(out, k)
	}
	return out, nil
}

// keyForSharedSecret is the error of a private or public key given to a
// scheme that signs with a shared secret.
func keyForSharedSecret(s Scheme, sec Secret) error {
	return fmt.Errorf("it is a %s, and the %s scheme signs with a shared secret (secret, secret_file, HOOKTOOL_SECRET); keys are for %s", sec.kind.noun(), s.Name(), strings.Join(AsymmetricNames(), ", "))
}

func secretName(sec Secret, i, n int) string {
	noun := sec.kind.noun()
	switch {
	case sec.Source() != "":
		return "the " + noun + " from " + sec.Source()
	case n > 1:
		return fmt.Sprintf("%s %d of %d", noun, i+1, n)
	}
	return "the " + noun
}

// Sign computes the headers that carry a signature of in under secret.
func Sign(s Scheme, secret Secret, in SignInput) ([]HeaderField, error) {
	g, err := NewSigner(s, secret)
	if err != nil {
		return nil, err
	}
	return g.Sign(in)
}

// CanSign is nil when s can sign a delivery's headers, else why it cannot
// (a generic profile whose signature travels in the body: SignBody).
func CanSign(s Scheme) error {
	if c, ok := s.(interface{ canSign() error }); ok {
		return c.canSign()
	}
	return nil
}

// Signer signs many messages with one scheme and secret (or private key),
// decoding it once and reusing keyed HMAC states (replay --resign signs
// every delivery). It is safe for concurrent use.
type Signer struct {
	s Scheme
	// k is a shared secret's key (nil for a private key), for SignBody.
	k    *macKey
	sign func(id, ts string, in SignInput) ([]HeaderField, error)
}

// NewSigner returns a Signer, or a *SecretError when the scheme cannot use
// the secret (empty, not in the scheme's form, a public key, a key given to
// a scheme that signs with a shared secret or the other way round).
func NewSigner(s Scheme, secret Secret) (*Signer, error) {
	sign, k, err := signerOf(s, secret)
	if err != nil {
		return nil, &SecretError{Secret: secretName(secret, 0, 1), Scheme: s.Name(), Err: err}
	}
	return &Signer{s: s, k: k, sign: sign}, nil
}

func signerOf(s Scheme, sec Secret) (func(id, ts string, in SignInput) ([]HeaderField, error), *macKey, error) {
	if sec.IsZero() {
		return nil, nil, errors.New("it is empty")
	}
	switch s := s.(type) {
	case asymScheme:
		priv, err := signingKey(s, sec)
		if err != nil {
			return nil, nil, err
		}
		return func(id, ts string, in SignInput) ([]HeaderField, error) {
			return s.signWith(priv, id, ts, in.Body)
		}, nil, nil
	case macScheme:
		if sec.IsKey() {
			return nil, nil, keyForSharedSecret(s, sec)
		}
		b, err := s.key(sec)
		if err != nil {
			return nil, nil, err
		}
		k := newMacKey(b)
		// A generic profile signing more than the body and URL (the
		// method, form parameters) signs the whole request.
		if rs, ok := s.(interface {
			signRequest(key *macKey, id, ts string, in SignInput) []HeaderField
		}); ok {
			return func(id, ts string, in SignInput) ([]HeaderField, error) {
				return rs.signRequest(k, id, ts, in), nil
			}, k, nil
		}
		return func(id, ts string, in SignInput) ([]HeaderField, error) {
			return s.sign(k, id, ts, in.Body, in.URL), nil
		}, k, nil
	}
	return nil, nil, fmt.Errorf("the %s scheme does not sign", s.Name())
}

// SignsInBody says whether s carries its signature in the body (a generic
// profile with a signature_field): SignBody signs it, Sign refuses.
func SignsInBody(s Scheme) bool {
	_, ok := s.(interface {
		signBody(key *macKey, body []byte, url, method string) ([]byte, error)
	})
	return ok && CanSign(s) != nil
}

// SignBody returns in.Body with the signature written into the field that
// carries it, every other byte kept; for a scheme that signs headers, the
// body unchanged.
func (g *Signer) SignBody(in SignInput) ([]byte, error) {
	bs, ok := g.s.(interface {
		signBody(key *macKey, body []byte, url, method string) ([]byte, error)
	})
	if !ok || !SignsInBody(g.s) {
		return in.Body, nil
	}
	return bs.signBody(g.k, in.Body, in.URL, in.Method)
}

// Sign computes the headers that carry a signature of in.
func (g *Signer) Sign(in SignInput) ([]HeaderField, error) {
	s := g.s
	if err := CanSign(s); err != nil {
		return nil, err
	}
	if s.UsesID() && in.ID == "" {
		return nil, errors.New("this scheme signs an id, and none was given")
	}
	ts := ""
	if s.UsesTimestamp() {
		if in.Timestamp.IsZero() {
			return nil, errors.New("this scheme signs a timestamp, and none was given")
		}
		ts = strconv.FormatInt(in.Timestamp.Unix(), 10)
		if f, ok := s.(interface{ formatTimestamp(time.Time) string }); ok {
			ts = f.formatTimestamp(in.Timestamp)
		}
	}
	return g.sign(in.ID, ts, in)
}

// Verify checks m against secrets (any one may match; rotation puts the new
// secret first). The error is for secrets that cannot be used at all; every
// problem with the message itself is a verdict.
func Verify(s Scheme, m Message, secrets []Secret, o VerifyOptions) (Verdict, error) {
	vf, err := NewVerifier(s, secrets)
	if err != nil {
		return Verdict{}, err
	}
	return vf.Verify(m, o), nil
}

// SignsURL says whether s signs the request URL (a generic hmac template
// with {url}), so a caller can skip building it otherwise.
func SignsURL(s Scheme) bool {
	h, ok := s.(hmacScheme)
	return ok && h.useURL
}

// Verifier checks many messages under one scheme and set of secrets,
// decoding the secrets once and reusing keyed HMAC states: the listener
// verifies every delivery with one. It is safe for concurrent use.
type Verifier struct {
	s       Scheme
	secrets []Secret
	ks      []checkKey
}

// NewVerifier returns a Verifier, or a *SecretError naming the first secret
// the scheme cannot use (empty, or not in the scheme's form). With no
// secrets at all, every verdict is no_secret.
//
// For an asymmetric scheme, the public keys verify; a private key among
// them (the one that signs) verifies only when no public key is given.
func NewVerifier(s Scheme, secrets []Secret) (*Verifier, error) {
	if Asymmetric(s) && slices.ContainsFunc(secrets, func(sec Secret) bool { return sec.kind == publicKey }) {
		secrets = slices.DeleteFunc(slices.Clone(secrets), func(sec Secret) bool { return sec.kind == privateKey })
	}
	ks, err := keys(s, secrets)
	if err != nil {
		return nil, err
	}
	return &Verifier{s: s, secrets: secrets, ks: ks}, nil
}

// Verify checks m, as the package-level Verify does.
func (vf *Verifier) Verify(m Message, o VerifyOptions) Verdict {
	s, secrets, ks := vf.s, vf.secrets, vf.ks
	p, bad := parseMessage(s, m)
	if bad != nil {
		bad.Scheme = s.Name()
		bad.Hints = append(bad.Hints, otherSchemeHints(s, m.Header)...)
		if bad.Reason == ReasonMalformedHeader {
			bad.Hints = append(bad.Hints, tokenHints(s, secrets, bad.Header, m)...)
		}
		return *bad
	}
	if len(secrets) == 0 {
		return fail(s.Name(), ReasonNoSecret, p.header, "no secret is configured to check the signature with")
	}
	var upper signed
	if !Asymmetric(s) {
		// MACs only: discord-interactions reads Discord's Ed25519 hex in
		// either case.
		p, upper = splitUpperHex(m.Header.Get(p.header), p)
	}
	matched := matchURL(s, ks, p, m.Body, m.URL)
	v := Verdict{Scheme: s.Name(), Header: p.header, SecretIndex: matched + 1}
	var ahead string // a hint: a timestamp ahead that the scheme's libraries accept
	if p.hasTS {
		now := o.Now
		if now.IsZero() {
			now = time.Now()
		}
		skew := int64(now.Sub(p.ts) / time.Second)
		v.SkewSeconds = &skew
		tol := int64(o.Tolerance / time.Second)
		if o.Tolerance > 0 && skew < -tol && ageOnly(s) {
			ahead = fmt.Sprintf("the timestamp is %ds in the future, beyond the %ds tolerance: the %s libraries check only a timestamp's age, so they accept it; a clock is off", -skew, tol, s.Name())
		} else if o.Tolerance > 0 && (skew > tol || -skew > tol) {
			v.SecretIndex = 0
			if skew > 0 {
				v.Reason = ReasonTimestampTooOld
				v.Message = fmt.Sprintf("timestamp is %ds old, beyond the %ds tolerance", skew, tol)
			} else {
				v.Reason = ReasonTimestampInFuture
				v.Message = fmt.Sprintf("timestamp is %ds in the future, beyond the %ds tolerance", -skew, tol)
			}
			if matched >= 0 {
				v.Hints = append(v.Hints, "the signature itself matches: the delivery is a replay or a clock is off; check clocks, or check it as of another moment with `hooktool verify --at`")
			} else {
				v.Hints = append(v.Hints, "the signature does not match either")
			}
			return v
		}
	}
	if matched >= 0 {
		v.Valid = true
		v.Reason = ReasonValid
		v.Message = "signature matches"
		if len(ks) > 1 {
			v.Message = fmt.Sprintf("signature matches secret %d of %d", matched+1, len(ks))
			if Asymmetric(s) {
				v.Message = fmt.Sprintf("signature verifies with %s %d of %d", secrets[matched].kind.noun(), matched+1, len(ks))
			}
		}
		if kh, ok := s.(interface{ keyHint(Secret) string }); ok {
			if hint := kh.keyHint(secrets[matched]); hint != "" {
				v.Hints = append(v.Hints, hint)
			}
		}
		if a, ok := s.(asymScheme); ok {
			if hint := privateAsPublicHint(a, secrets[matched]); hint != "" {
				v.Hints = append(v.Hints, hint)
			}
		}
		if ahead != "" {
			v.Hints = append(v.Hints, ahead)
		}
		return v
	}
	v.Reason = ReasonMismatch
	v.Message = "signature does not match the body"
	if len(ks) > 1 {
		v.Message = fmt.Sprintf("signature matches none of the %d secrets", len(ks))
	}
	switch _, asym := s.(asymScheme); {
	case asym:
		v.Message = "signature does not verify with the public key"
		if len(ks) > 1 {
			v.Message = fmt.Sprintf("signature verifies with none of the %d public keys", len(ks))
		}
	case len(SecretHeaders(s)) > 0:
		// The header is the secret itself: there is no body to match.
		v.Message = "the token in " + p.header + " is not the configured secret (its value is not shown)"
		if len(ks) > 1 {
			v.Message = fmt.Sprintf("the token in %s matches none of the %d secrets (it is compared with each; its value is not shown)", p.header, len(ks))
		}
	}
	v.Hints = p.hints
	if len(upper.sigs) > 0 && matchURL(s, ks, upper, m.Body, m.URL) >= 0 {
		v.Hints = append(v.Hints, upperHexHint)
	}
	v.Hints = append(v.Hints, diagnose(s, secrets, ks, p, m, o)...)
	if ahead != "" {
		v.Hints = append(v.Hints, ahead)
	}
	return v
}

// parseMessage finds the signed parts of m: in its headers, or in its body
// for a generic profile whose signature travels there.
func parseMessage(s Scheme, m Message) (signed, *Verdict) {
	var p signed
	var bad *Verdict
	if bp, ok := s.(interface {
		parseBody(h http.Header, body []byte) (signed, *Verdict)
	}); ok {
		p, bad = bp.parseBody(m.Header, m.Body)
	} else {
		p, bad = s.parse(m.Header)
	}
	p.method = m.Method
	return p, bad
}

// ageOnly reports whether s's official libraries check only how old a
// timestamp is (Stripe's), not how far ahead.
func ageOnly(s Scheme) bool {
	a, ok := s.(interface{ ageOnly() bool })
	return ok && a.ageOnly()
}

// matchKeys returns the index of the first key under which one of the
// candidate signatures verifies, or -1. MACs are compared in constant time.
func matchKeys(ks []checkKey, p signed, body []byte, url string) int {
	for i, k := range ks {
		if k.matches(p, body, url) {
			return i
		}
	}
	return -1
}

// timestamp parses a unix-seconds header value.
func timestamp(header, v string) (time.Time, *Verdict) { return parseTimestamp(tsUnix, header, v) }

func missing(header string) *Verdict {
	v := fail("", ReasonMissingHeader, header, "no "+header+" header")
	return &v
}

func malformed(header, why string) *Verdict {
	v := fail("", ReasonMalformedHeader, header, header+" is malformed: "+why)
	return &v
}

func unsupported(header, why string) *Verdict {
	v := fail("", ReasonUnsupportedVersion, header, header+": "+why)
	return &v
}

// splitUpperHex takes out of p's MAC candidates those written in upper-case
// hex in the header value (a hex MAC is the same in either case) and
// returns them apart, in a copy of p. The official libraries disagree on
// them: stripe-go, go-github and slack-go decode the hex and accept upper
// case; stripe-node, @octokit/webhooks-methods, @slack/bolt and both
// Razorpay SDKs (the official ones, and the code providers' docs give to
// copy) compare the text with the lower-case hex they compute and refuse
// it. hooktool refuses it too, with upperHexHint when it would match
// (bench/interop/go and bench/interop/hmac hold both sides).
func splitUpperHex(value string, p signed) (kept, upper signed) {
	kept, upper = p, p
	kept.sigs, upper.sigs = nil, nil
	for _, sig := range p.sigs {
		lower := hex.EncodeToString(sig)
		if up := strings.ToUpper(lower); up != lower && strings.Contains(value, up) && !strings.Contains(value, lower) {
			upper.sigs = append(upper.sigs, sig)
			continue
		}
		kept.sigs = append(kept.sigs, sig)
	}
	return kept, upper
}

// upperHexHint says why a signature that matches in upper-case hex is refused.
const upperHexHint = "the signature matches, but in upper-case hex: stripe-go, go-github and slack-go accept that; the official libraries of Node (stripe, @octokit/webhooks-methods, @slack/bolt, razorpay) and most receivers compare the text with the lower-case hex they compute and refuse it, as hooktool does; the providers send lower case, so the sender is not the provider's"
