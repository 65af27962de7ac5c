package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// asymScheme is a scheme whose sender holds a private key and whose
// receiver holds the public one: the receiver cannot sign. Keys are
// Secrets of the private or public kind (NewPrivateKey, NewPublicKey).
type asymScheme interface {
	Scheme
	// parsePublic and parsePrivate decode a key in the scheme's forms; the
	// error says what is wrong without quoting the key.
	parsePublic(v string) (crypto.PublicKey, error)
	parsePrivate(v string) (crypto.Signer, error)
	signWith(k crypto.Signer, id, ts string, body []byte) ([]HeaderField, error)
	// check reports whether one of p's signatures verifies under pub.
	check(pub crypto.PublicKey, p signed, body []byte) bool
	// generate makes a key pair: the private key as written to its file,
	// the public key in the form the scheme's receivers are given.
	generate() (private, public string, err error)
	// publicForm names the public key's form, for messages and keygen.
	publicForm() string
}

// Asymmetric reports whether s signs with a private key and verifies with a
// public one (rather than a shared secret).
func Asymmetric(s Scheme) bool {
	_, ok := s.(asymScheme)
	return ok
}

// AsymmetricNames lists the schemes that sign with a private key, sorted.
func AsymmetricNames() []string {
	var out []string
	for _, name := range Names() {
		if s, err := Lookup(name, Options{}); err == nil && Asymmetric(s) {
			out = append(out, name)
		}
	}
	return out
}

// KeyPair is a key pair made by NewKeyPair.
type KeyPair struct {
	// Private is the private key as its file holds it (PEM, or whsk_...):
	// it redacts itself, and is written to a file, never printed.
	Private Secret
	// Public is the public key in the form the scheme's receivers are
	// given (whpk_..., hex, base64 DER): not secret, printed.
	Public string
	// PublicForm names that form.
	PublicForm string
}

// NewKeyPair makes a fresh key pair for an asymmetric scheme, for testing.
func NewKeyPair(s Scheme) (KeyPair, error) {
	a, ok := s.(asymScheme)
	if !ok {
		return KeyPair{}, fmt.Errorf("the %s scheme signs with a shared secret, not a key pair; key pairs are for %s", s.Name(), strings.Join(AsymmetricNames(), ", "))
	}
	priv, pub, err := a.generate()
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{Private: NewPrivateKey(priv), Public: pub, PublicForm: a.publicForm()}, nil
}

// Where keys are configured, for messages.
const (
	publicKeySettings  = "public_key, public_key_file, HOOKTOOL_PUBLIC_KEY, --public-key"
	privateKeySettings = "private_key_file, HOOKTOOL_PRIVATE_KEY_FILE, --private-key-file"
)

// verifyingKey is the public key that checks signatures: a public key, or
// the one derived from a private key (verifying where one signs). A private
// key given where a public one is expected is used the same way, and the
// verdict says so (privateAsPublicHint).
func verifyingKey(s asymScheme, sec Secret) (crypto.PublicKey, error) {
	switch sec.kind {
	case sharedSecret:
		return nil, sharedSecretForKeys(s, sec)
	case privateKey:
		k, err := s.parsePrivate(sec.Reveal())
		if err != nil {
			return nil, err
		}
		return k.Public(), nil
	}
	pub, err := s.parsePublic(sec.Reveal())
	if err == nil {
		return pub, nil
	}
	if k, perr := s.parsePrivate(sec.Reveal()); perr == nil {
		return k.Public(), nil
	}
	return nil, err
}

// signingKey is the private key that signs.
func signingKey(s asymScheme, sec Secret) (crypto.Signer, error) {
	switch sec.kind {
	case sharedSecret:
		return nil, sharedSecretForKeys(s, sec)
	case publicKey:
		return nil, errors.New("a public key cannot sign: sign with the private key (" + privateKeySettings + ")")
	}
	k, err := s.parsePrivate(sec.Reveal())
	if err == nil {
		return k, nil
	}
	if _, perr := s.parsePublic(sec.Reveal()); perr == nil {
		return nil, errors.New("it is a public key (" + s.publicForm() + "), and a public key cannot sign: sign with the private key it was made with")
	}
	return nil, err
}

// sharedSecretForKeys is the error of a shared secret (secret:,
// HOOKTOOL_SECRET) given to an asymmetric scheme, saying what it looks like.
func sharedSecretForKeys(s asymScheme, sec Secret) error {
	v := sec.Reveal()
	what := "it is a shared secret"
	switch {
	case strings.HasPrefix(v, "whsec_"):
		what = "it is an HMAC secret (whsec_…)"
	case strings.HasPrefix(v, "sk_") || strings.HasPrefix(v, "rk_"):
		what = "it looks like an API key (" + v[:3] + "…), not a webhook key, and secrets are for HMAC schemes"
	default:
		if _, err := s.parsePublic(v); err == nil {
			what = "it is a public key given as a secret: give it as a public key"
		} else if _, err := s.parsePrivate(v); err == nil {
			what = "it is a private key given as a secret: keep it in a file named by private_key_file"
		}
	}
	msg := what + "; the " + s.Name() + " scheme verifies with a public key (" + publicKeySettings + ") and signs with a private key (" + privateKeySettings + ")"
	if s.Name() == "standard-webhooks-v1a" && strings.HasPrefix(v, "whsec_") {
		msg += "; v1 (HMAC) signatures are checked with --scheme standard-webhooks"
	}
	return errors.New(msg)
}

// privateAsPublicHint explains a match under a private key given where a
// public key was expected.
func privateAsPublicHint(s asymScheme, sec Secret) string {
	if sec.kind != publicKey {
		return ""
	}
	if _, err := s.parsePublic(sec.Reveal()); err == nil {
		return ""
	}
	return "the public key given is a private key: it verifies, with the public key derived from it, but only the sender should hold it; give receivers the public key (" + s.publicForm() + ") that `hooktool keygen` printed"
}

// pubCheck checks signatures with a public key.
type pubCheck struct {
	s   asymScheme
	pub crypto.PublicKey
}

func (c pubCheck) matches(p signed, body []byte, _ string) bool { return c.s.check(c.pub, p, body) }

// mismatchHint names the two causes a public key cannot tell apart.
func mismatchHint(s asymScheme) string {
	return "either the body or the timestamp changed after signing, or it was signed with a private key other than the one whose public key is configured: a public key cannot tell these apart; check it is the sender's (" + s.publicForm() + ")"
}

// pemBlock decodes v as one PEM block, or returns nil when v is not PEM.
func pemBlock(v string) (*pem.Block, error) {
	if !strings.Contains(v, "-----BEGIN") {
		return nil, nil
	}
	b, _ := pem.Decode([]byte(v))
	if b == nil {
		return nil, errors.New("its PEM is malformed (a -----BEGIN line without a matching, base64 body and -----END line)")
	}
	return b, nil
}

// keyKindName names a parsed key's algorithm, for a wrong-kind message.
func keyKindName(k any) string {
	switch k := k.(type) {
	case ed25519.PublicKey, ed25519.PrivateKey:
		return "an Ed25519 key"
	case *ecdsa.PublicKey:
		return "an ECDSA " + k.Curve.Params().Name + " key"
	case *ecdsa.PrivateKey:
		return "an ECDSA " + k.Curve.Params().Name + " key"
	}
	return fmt.Sprintf("a %T key", k)
}

// parsePEMPublic reads a PEM public key (SubjectPublicKeyInfo).
func parsePEMPublic(b *pem.Block) (any, error) {
	switch b.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, errors.New("its PEM PUBLIC KEY does not parse as a SubjectPublicKeyInfo")
		}
		return k, nil
	case "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "RSA PRIVATE KEY":
		return nil, errors.New("it is a PEM " + b.Type + ", not a PUBLIC KEY")
	}
	return nil, errors.New("it is a PEM " + b.Type + ", expected PUBLIC KEY")
}

// parsePEMPrivate reads a PEM private key: PKCS #8, or SEC 1 for ECDSA.
func parsePEMPrivate(b *pem.Block) (any, error) {
	switch b.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, errors.New("its PEM PRIVATE KEY does not parse as PKCS #8")
		}
		return k, nil
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(b.Bytes)
		if err != nil {
			return nil, errors.New("its PEM EC PRIVATE KEY does not parse as SEC 1")
		}
		return k, nil
	case "PUBLIC KEY":
		return nil, errors.New("it is a PEM PUBLIC KEY, and a public key cannot sign")
	}
	return nil, errors.New("it is a PEM " + b.Type + ", expected PRIVATE KEY")
}

func pkcs8PEM(k any) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// standardV1a is Standard Webhooks' asymmetric scheme: Ed25519 over
// "{id}.{timestamp}.{body}", sent as "v1a,<base64>" in webhook-signature,
// possibly beside "v1," HMAC entries. Keys are whsk_<base64> (the 64-byte
// Ed25519 private key, seed then public key, as Svix's server keeps it; a
// 32-byte seed is read too) and whpk_<base64> (the 32-byte public key).
type standardV1a struct{ std standard }

func (s standardV1a) Name() string { return s.std.name + "-v1a" }
func (s standardV1a) Description() string {
	return "Ed25519 of id.timestamp.body, " + s.std.sigHeader + ": v1a,<base64>; whsk_ private, whpk_ public keys"
}
func (s standardV1a) HeaderNames() []string { return s.std.HeaderNames() }
func (standardV1a) UsesID() bool            { return true }
func (standardV1a) UsesTimestamp() bool     { return true }
func (standardV1a) publicForm() string      { return "whpk_<base64>" }
func (s standardV1a) parse(h http.Header) (signed, *Verdict) {
	return s.std.parseVersion(h, "v1a")
}

func (standardV1a) parsePublic(v string) (crypto.PublicKey, error) {
	b64, ok := strings.CutPrefix(v, "whpk_")
	if !ok {
		if strings.HasPrefix(v, "whsk_") {
			return nil, errors.New("it is a private key (whsk_…), expected a whpk_ public key")
		}
		return nil, errors.New("it does not start with whpk_: expected whpk_<base64 of the 32-byte Ed25519 public key>")
	}
	raw, err := decodeBase64(b64)
	if err != nil {
		return nil, fmt.Errorf("after whpk_, %w", err)
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("after whpk_ it holds %d bytes, and an Ed25519 public key is %d", len(raw), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

func (standardV1a) parsePrivate(v string) (crypto.Signer, error) {
	b64, ok := strings.CutPrefix(v, "whsk_")
	if !ok {
		return nil, errors.New("it does not start with whsk_: expected whsk_<base64 of the Ed25519 private key>")
	}
	raw, err := decodeBase64(b64)
	if err != nil {
		return nil, fmt.Errorf("after whsk_, %w", err)
	}
	return ed25519Private(raw, "after whsk_ it")
}

// ed25519Private reads a 32-byte seed or a 64-byte private key (seed, then
// public key, which must be the seed's).
func ed25519Private(raw []byte, it string) (ed25519.PrivateKey, error) {
	switch len(raw) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case ed25519.PrivateKeySize:
		k := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
		if !bytes.Equal(k[ed25519.SeedSize:], raw[ed25519.SeedSize:]) {
			return nil, errors.New(it + " holds a seed and a public key that is not the seed's")
		}
		return k, nil
	}
	return nil, fmt.Errorf("%s holds %d bytes, and an Ed25519 private key is %d (or a %d-byte seed)", it, len(raw), ed25519.PrivateKeySize, ed25519.SeedSize)
}

func (s standardV1a) signWith(k crypto.Signer, id, ts string, body []byte) ([]HeaderField, error) {
	sig := ed25519.Sign(k.(ed25519.PrivateKey), standardContent(id, ts, body))
	return []HeaderField{
		{Name: s.std.idHeader, Value: id},
		{Name: s.std.tsHeader, Value: ts},
		{Name: s.std.sigHeader, Value: "v1a," + base64.StdEncoding.EncodeToString(sig)},
	}, nil
}

func standardContent(id, ts string, body []byte) []byte {
	msg := make([]byte, 0, len(id)+len(ts)+2+len(body))
	msg = append(msg, id...)
	msg = append(msg, '.')
	msg = append(msg, ts...)
	msg = append(msg, '.')
	return append(msg, body...)
}

func (standardV1a) check(pub crypto.PublicKey, p signed, body []byte) bool {
	return ed25519Any(pub.(ed25519.PublicKey), standardContent(p.id, p.tsRaw, body), p.sigs)
}

func ed25519Any(pub ed25519.PublicKey, msg []byte, sigs [][]byte) bool {
	for _, sig := range sigs {
		if ed25519.Verify(pub, msg, sig) {
			return true
		}
	}
	return false
}

func (standardV1a) generate() (string, string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	return "whsk_" + base64.StdEncoding.EncodeToString(priv) + "\n", "whpk_" + base64.StdEncoding.EncodeToString(pub), nil
}

// discord: Ed25519 over "{timestamp}{body}", the signature in hex in
// X-Signature-Ed25519 and the timestamp in X-Signature-Timestamp; the public
// key in hex, as Discord shows it (PEM is read too); the private key PEM
// (PKCS #8), as `openssl genpkey -algorithm ed25519` writes it.
type discord struct{}

const (
	discordHeader   = "X-Signature-Ed25519"
	discordTSHeader = "X-Signature-Timestamp"
)

func (discord) Name() string { return "discord" }
func (discord) Description() string {
	return "X-Signature-Ed25519: hex Ed25519 of timestamp+body, X-Signature-Timestamp; hex public key"
}
func (discord) HeaderNames() []string { return []string{discordHeader, discordTSHeader} }
func (discord) UsesID() bool          { return false }
func (discord) UsesTimestamp() bool   { return true }
func (discord) publicForm() string    { return "64 hex digits" }

func (discord) parse(h http.Header) (signed, *Verdict) {
	p := signed{header: discordHeader}
	for _, name := range []string{discordHeader, discordTSHeader} {
		if h.Get(name) == "" {
			return p, missing(name)
		}
	}
	raw, err := hex.DecodeString(strings.TrimSpace(h.Get(discordHeader)))
	if err != nil || len(raw) != ed25519.SignatureSize {
		return p, malformed(discordHeader, fmt.Sprintf("expected %d hex digits (an Ed25519 signature)", 2*ed25519.SignatureSize))
	}
	p.sigs = [][]byte{raw}
	p.tsRaw = h.Get(discordTSHeader)
	var bad *Verdict
	if p.ts, bad = timestamp(discordTSHeader, p.tsRaw); bad != nil {
		return p, bad
	}
	p.hasTS = true
	return p, nil
}

func (discord) parsePublic(v string) (crypto.PublicKey, error) {
	b, err := pemBlock(v)
	if err != nil {
		return nil, err
	}
	if b != nil {
		return ed25519PEMPublic(b, "discord")
	}
	raw, err := hex.DecodeString(v)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("expected %d hex digits (an Ed25519 public key) or a PEM PUBLIC KEY", 2*ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

func (discord) parsePrivate(v string) (crypto.Signer, error) { return ed25519PEMPrivate(v, "discord") }

// ed25519PEMPublic is the Ed25519 public key of a PEM block, for scheme.
func ed25519PEMPublic(b *pem.Block, scheme string) (ed25519.PublicKey, error) {
	k, err := parsePEMPublic(b)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("it is " + keyKindName(k) + ", and " + scheme + " verifies Ed25519")
	}
	return pub, nil
}

// ed25519PEMPrivate is the Ed25519 private key in v, a PEM PRIVATE KEY as
// `hooktool keygen --scheme SCHEME` writes it.
func ed25519PEMPrivate(v, scheme string) (crypto.Signer, error) {
	b, err := pemBlock(v)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, errors.New("expected a PEM PRIVATE KEY (-----BEGIN PRIVATE KEY-----), as `hooktool keygen --scheme " + scheme + "` writes")
	}
	k, err := parsePEMPrivate(b)
	if err != nil {
		return nil, err
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("it is " + keyKindName(k) + ", and " + scheme + " signs with Ed25519")
	}
	return priv, nil
}

func timestamped(ts string, body []byte) []byte {
	return append(append(make([]byte, 0, len(ts)+len(body)), ts...), body...)
}

func (discord) signWith(k crypto.Signer, _, ts string, body []byte) ([]HeaderField, error) {
	sig := ed25519.Sign(k.(ed25519.PrivateKey), timestamped(ts, body))
	return []HeaderField{
		{Name: discordTSHeader, Value: ts},
		{Name: discordHeader, Value: hex.EncodeToString(sig)},
	}, nil
}

func (discord) check(pub crypto.PublicKey, p signed, body []byte) bool {
	return ed25519Any(pub.(ed25519.PublicKey), timestamped(p.tsRaw, body), p.sigs)
}

func (discord) generate() (string, string, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	text, err := pkcs8PEM(priv)
	return text, hex.EncodeToString(pub), err
}

// sendgrid: SendGrid's signed Event Webhook. ECDSA P-256 with SHA-256 over
// "{timestamp}{body}", the ASN.1 DER signature in base64 in
// X-Twilio-Email-Event-Webhook-Signature, the timestamp in
// X-Twilio-Email-Event-Webhook-Timestamp; the public key is base64 DER
// (SubjectPublicKeyInfo), as SendGrid shows it (PEM is read too); the
// private key PEM (PKCS #8 or SEC 1).
type sendgrid struct{}

const (
	sendgridHeader   = "X-Twilio-Email-Event-Webhook-Signature"
	sendgridTSHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

func (sendgrid) Name() string { return "sendgrid" }
func (sendgrid) Description() string {
	return "X-Twilio-Email-Event-Webhook-Signature: base64 DER ECDSA P-256 SHA-256 of timestamp+body; base64 DER public key"
}
func (sendgrid) HeaderNames() []string { return []string{sendgridHeader, sendgridTSHeader} }
func (sendgrid) UsesID() bool          { return false }
func (sendgrid) UsesTimestamp() bool   { return true }
func (sendgrid) publicForm() string    { return "base64 DER" }

func (sendgrid) parse(h http.Header) (signed, *Verdict) {
	p := signed{header: sendgridHeader}
	for _, name := range []string{sendgridHeader, sendgridTSHeader} {
		if h.Get(name) == "" {
			return p, missing(name)
		}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h.Get(sendgridHeader)))
	if err != nil || len(raw) < 8 || raw[0] != 0x30 {
		return p, malformed(sendgridHeader, "expected the base64 of an ASN.1 DER ECDSA signature")
	}
	p.sigs = [][]byte{raw}
	p.tsRaw = h.Get(sendgridTSHeader)
	var bad *Verdict
	if p.ts, bad = timestamp(sendgridTSHeader, p.tsRaw); bad != nil {
		return p, bad
	}
	p.hasTS = true
	return p, nil
}

func p256Key[K *ecdsa.PublicKey | *ecdsa.PrivateKey](k any, verb string) (K, error) {
	var curve elliptic.Curve
	switch e := k.(type) {
	case *ecdsa.PublicKey:
		curve = e.Curve
	case *ecdsa.PrivateKey:
		curve = e.Curve
	default:
		return nil, errors.New("it is " + keyKindName(k) + ", and sendgrid " + verb + " ECDSA P-256")
	}
	if curve != elliptic.P256() {
		return nil, errors.New("it is on the curve " + curve.Params().Name + ", and sendgrid " + verb + " on P-256")
	}
	out, ok := k.(K)
	if !ok {
		return nil, errors.New("it is " + keyKindName(k) + ", not the kind of key that " + verb)
	}
	return out, nil
}

func (sendgrid) parsePublic(v string) (crypto.PublicKey, error) {
	b, err := pemBlock(v)
	if err != nil {
		return nil, err
	}
	var k any
	if b != nil {
		if k, err = parsePEMPublic(b); err != nil {
			return nil, err
		}
	} else {
		der, err := decodeBase64(strings.Join(strings.Fields(v), ""))
		if err != nil {
			return nil, fmt.Errorf("expected the base64 DER of a P-256 public key, as SendGrid shows it: %w", err)
		}
		if k, err = x509.ParsePKIXPublicKey(der); err != nil {
			return nil, errors.New("its base64 is not the DER of a public key (SubjectPublicKeyInfo)")
		}
	}
	return p256Key[*ecdsa.PublicKey](k, "verifies")
}

func (sendgrid) parsePrivate(v string) (crypto.Signer, error) {
	b, err := pemBlock(v)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, errors.New("expected a PEM PRIVATE KEY or EC PRIVATE KEY, as `hooktool keygen --scheme sendgrid` writes")
	}
	k, err := parsePEMPrivate(b)
	if err != nil {
		return nil, err
	}
	return p256Key[*ecdsa.PrivateKey](k, "signs")
}

func (sendgrid) signWith(k crypto.Signer, _, ts string, body []byte) ([]HeaderField, error) {
	sum := sha256.Sum256(timestamped(ts, body))
	sig, err := ecdsa.SignASN1(rand.Reader, k.(*ecdsa.PrivateKey), sum[:])
	if err != nil {
		return nil, err
	}
	return []HeaderField{
		{Name: sendgridTSHeader, Value: ts},
		{Name: sendgridHeader, Value: base64.StdEncoding.EncodeToString(sig)},
	}, nil
}

func (sendgrid) check(pub crypto.PublicKey, p signed, body []byte) bool {
	sum := sha256.Sum256(timestamped(p.tsRaw, body))
	for _, sig := range p.sigs {
		if ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), sum[:], sig) {
			return true
		}
	}
	return false
}

func (sendgrid) generate() (string, string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	text, err := pkcs8PEM(k)
	if err != nil {
		return "", "", err
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return text, base64.StdEncoding.EncodeToString(der), err
}

// decodeBase64 reads standard base64, its = padding optional. The error
// quotes nothing.
func decodeBase64(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 && !strings.Contains(s, "=") {
		enc = base64.RawStdEncoding
	}
	raw, err := enc.DecodeString(s)
	switch {
	case err == nil && len(raw) > 0:
		return raw, nil
	case strings.ContainsFunc(s, func(r rune) bool { return !isBase64(r) }):
		return nil, errors.New("it is not base64: it holds characters other than A-Z, a-z, 0-9, +, / and =")
	}
	return nil, errors.New("its base64 is empty, cut short or its = padding is out of place")
}
