package signature

import (
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
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testKeys returns what signs and what verifies under s: a fresh key pair
// for an asymmetric scheme, a whsec_ secret for the others.
func testKeys(t testing.TB, s Scheme) (sign Secret, verify []Secret) {
	t.Helper()
	if !Asymmetric(s) {
		sec := NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		return sec, []Secret{sec}
	}
	kp, err := NewKeyPair(s)
	if err != nil {
		t.Fatal(err)
	}
	return kp.Private, []Secret{NewPublicKey(kp.Public)}
}

func asymSchemes(t testing.TB) []Scheme {
	t.Helper()
	var out []Scheme
	for _, name := range []string{"standard-webhooks-v1a", "discord", "sendgrid", "telnyx"} {
		s, err := Lookup(name, Options{})
		if err != nil || !Asymmetric(s) {
			t.Fatalf("Lookup(%s) = %v, %v; want an asymmetric scheme", name, s, err)
		}
		out = append(out, s)
	}
	if names := AsymmetricNames(); !slices.Equal(names, []string{"discord", "sendgrid", "standard-webhooks-v1a", "telnyx"}) {
		t.Fatalf("AsymmetricNames() = %v", names)
	}
	return out
}

// TestAsymmetricVerdicts: each asymmetric scheme signs with the private key
// and verifies with the public one (or the private one, deriving the
// public key), and gives each failure its reason: a tampered body or a
// wrong key is signature_mismatch (with the hint that a public key cannot
// tell them apart), a stale or future timestamp is timestamp_too_old or
// timestamp_in_future, a missing or malformed header its own reason.
func TestAsymmetricVerdicts(t *testing.T) {
	body := []byte(`{"event":"delivered","email":"a@example.com"}`)
	o := VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance}
	for _, s := range asymSchemes(t) {
		t.Run(s.Name(), func(t *testing.T) {
			priv, pubs := testKeys(t, s)
			fields, err := Sign(s, priv, SignInput{Body: body, ID: testID, Timestamp: signedAt})
			if err != nil {
				t.Fatal(err)
			}
			m := Message{Header: headerOf(fields), Body: body}
			for name, keys := range map[string][]Secret{"public key": pubs, "private key": {priv}} {
				v, err := Verify(s, m, keys, o)
				if err != nil || !v.Valid || v.Reason != ReasonValid || v.Scheme != s.Name() || len(v.Hints) != 0 {
					t.Errorf("verified with the %s: %+v, %v", name, v, err)
				}
			}
			expect := func(what string, m Message, keys []Secret, o VerifyOptions, want Reason, hint string) {
				t.Helper()
				v, err := Verify(s, m, keys, o)
				if err != nil || v.Valid || v.Reason != want {
					t.Errorf("%s: %+v, %v; want %s", what, v, err, want)
					return
				}
				if hint != "" && !slices.ContainsFunc(v.Hints, func(h string) bool { return strings.Contains(h, hint) }) {
					t.Errorf("%s: hints %q, want one with %q", what, v.Hints, hint)
				}
			}
			tampered := m
			tampered.Body = []byte(strings.Replace(string(body), "delivered", "bounced", 1))
			expect("tampered body", tampered, pubs, o, ReasonMismatch, "a public key cannot tell these apart")
			_, other := testKeys(t, s)
			expect("wrong key", m, other, o, ReasonMismatch, "signed with a private key other than")
			newline := m
			newline.Body = append(append([]byte{}, body...), '\n')
			expect("trailing newline", newline, pubs, o, ReasonMismatch, "trailing newline removed")
			expect("stale", m, pubs, VerifyOptions{Now: signedAt.Add(time.Hour), Tolerance: DefaultTolerance}, ReasonTimestampTooOld, "the signature itself matches")
			expect("future", m, pubs, VerifyOptions{Now: signedAt.Add(-time.Hour), Tolerance: DefaultTolerance}, ReasonTimestampInFuture, "the signature itself matches")
			sigHeader := s.HeaderNames()[len(s.HeaderNames())-1]
			if s.Name() != "standard-webhooks-v1a" {
				sigHeader = s.HeaderNames()[0]
			}
			for _, name := range s.HeaderNames() {
				h := m.Header.Clone()
				h.Del(name)
				expect("no "+name, Message{Header: h, Body: body}, pubs, o, ReasonMissingHeader, "")
			}
			h := m.Header.Clone()
			h.Set(sigHeader, "not a signature")
			expect("malformed", Message{Header: h, Body: body}, pubs, o, ReasonMalformedHeader, "")
			// Two public keys (rotation): the second verifies.
			v, err := Verify(s, m, append(other, pubs...), o)
			if err != nil || !v.Valid || v.SecretIndex != 2 {
				t.Errorf("rotation: %+v, %v", v, err)
			}
			v, _ = Verify(s, tampered, append(other, pubs...), o)
			if v.Message != "signature verifies with none of the 2 public keys" {
				t.Errorf("rotation, tampered: %q", v.Message)
			}
		})
	}
}

// TestAsymmetricSignatures: what each scheme sends is what its provider
// sends, checked by computing it independently (Ed25519 is deterministic;
// ECDSA is checked with ecdsa.VerifyASN1).
func TestAsymmetricSignatures(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i * 7)
	}
	edKey := ed25519.NewKeyFromSeed(seed)
	body := []byte("{\"a\":\"caf\xe9\"}\r\n")
	ts := strconv.FormatInt(signedAt.Unix(), 10)

	v1a, _ := Lookup("standard-webhooks-v1a", Options{})
	fields, err := Sign(v1a, NewPrivateKey("whsk_"+base64.StdEncoding.EncodeToString(edKey)), SignInput{Body: body, ID: testID, Timestamp: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	want := "v1a," + base64.StdEncoding.EncodeToString(ed25519.Sign(edKey, []byte(testID+"."+ts+"."+string(body))))
	if h := headerOf(fields); h.Get("webhook-signature") != want || h.Get("webhook-id") != testID || h.Get("webhook-timestamp") != ts {
		t.Errorf("v1a headers %v, want webhook-signature %s", h, want)
	}
	// A 32-byte seed after whsk_ signs the same.
	seeded, err := Sign(v1a, NewPrivateKey("whsk_"+base64.StdEncoding.EncodeToString(seed)), SignInput{Body: body, ID: testID, Timestamp: signedAt})
	if err != nil || headerOf(seeded).Get("webhook-signature") != want {
		t.Errorf("v1a with a seed: %v, %v", seeded, err)
	}

	dc, _ := Lookup("discord", Options{})
	der, _ := x509.MarshalPKCS8PrivateKey(edKey)
	fields, err = Sign(dc, NewPrivateKey(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))), SignInput{Body: body, Timestamp: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	h := headerOf(fields)
	if want := hex.EncodeToString(ed25519.Sign(edKey, append([]byte(ts), body...))); h.Get("X-Signature-Ed25519") != want || h.Get("X-Signature-Timestamp") != ts {
		t.Errorf("discord headers %v, want X-Signature-Ed25519 %s", h, want)
	}

	sg, _ := Lookup("sendgrid", Options{})
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(ek)
	fields, err = Sign(sg, NewPrivateKey(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}))), SignInput{Body: body, Timestamp: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	h = headerOf(fields)
	sig, err := base64.StdEncoding.DecodeString(h.Get("X-Twilio-Email-Event-Webhook-Signature"))
	sum := sha256.Sum256(append([]byte(ts), body...))
	if err != nil || !ecdsa.VerifyASN1(&ek.PublicKey, sum[:], sig) || h.Get("X-Twilio-Email-Event-Webhook-Timestamp") != ts {
		t.Errorf("sendgrid headers %v do not verify", h)
	}
	// The public key as SendGrid shows it: base64 DER, and as PEM.
	spki, _ := x509.MarshalPKIXPublicKey(&ek.PublicKey)
	for _, pub := range []string{base64.StdEncoding.EncodeToString(spki), string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))} {
		if v, err := Verify(sg, Message{Header: h, Body: body}, []Secret{NewPublicKey(pub)}, VerifyOptions{Now: signedAt}); err != nil || !v.Valid {
			t.Errorf("sendgrid public key %.20q: %+v, %v", pub, v, err)
		}
	}
}

// TestStandardWebhooksMixedEntries: webhook-signature may carry v1 (HMAC)
// and v1a (Ed25519) entries side by side; each scheme checks the entries it
// can and accepts when one verifies, and names the other kind when only
// that kind is there.
func TestStandardWebhooksMixedEntries(t *testing.T) {
	body := []byte(`{"type":"contact.created"}`)
	v1, _ := Lookup("standard-webhooks", Options{})
	v1a, _ := Lookup("standard-webhooks-v1a", Options{})
	secret := NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	priv, pubs := testKeys(t, v1a)
	hm := headerOf(must(Sign(v1, secret, SignInput{Body: body, ID: testID, Timestamp: signedAt})))
	ed := headerOf(must(Sign(v1a, priv, SignInput{Body: body, ID: testID, Timestamp: signedAt})))
	o := VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance}
	forged := "v1a," + base64.StdEncoding.EncodeToString(make([]byte, 64))
	for _, order := range [][]string{
		{hm.Get("webhook-signature"), forged, ed.Get("webhook-signature")},
		{ed.Get("webhook-signature"), "v2,abc", hm.Get("webhook-signature")},
	} {
		h := hm.Clone()
		h.Set("webhook-signature", strings.Join(order, " "))
		m := Message{Header: h, Body: body}
		if v, err := Verify(v1, m, []Secret{secret}, o); err != nil || !v.Valid {
			t.Errorf("v1 of %q: %+v, %v", order, v, err)
		}
		if v, err := Verify(v1a, m, pubs, o); err != nil || !v.Valid {
			t.Errorf("v1a of %q: %+v, %v", order, v, err)
		}
	}
	// Only the other kind: unsupported_version, and the scheme to use.
	if v, _ := Verify(v1a, Message{Header: hm, Body: body}, pubs, o); v.Reason != ReasonUnsupportedVersion || !strings.Contains(strings.Join(v.Hints, " "), "--scheme standard-webhooks and the whsec_ secret") {
		t.Errorf("v1a of v1 entries only: %+v", v)
	}
	if v, _ := Verify(v1, Message{Header: ed, Body: body}, []Secret{secret}, o); v.Reason != ReasonUnsupportedVersion || !strings.Contains(strings.Join(v.Hints, " "), "--scheme standard-webhooks-v1a") {
		t.Errorf("v1 of v1a entries only: %+v", v)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestAsymmetricKeysThatCannotBeUsed: a key of the wrong kind, form, curve
// or algorithm stops signing and verifying with a *SecretError that names
// the key by its source, says what is wrong, and never shows it.
func TestAsymmetricKeysThatCannotBeUsed(t *testing.T) {
	v1a, _ := Lookup("standard-webhooks-v1a", Options{})
	dc, _ := Lookup("discord", Options{})
	sg, _ := Lookup("sendgrid", Options{})
	gh, _ := Lookup("github", Options{})
	std, _ := Lookup("standard-webhooks", Options{})
	v1aPair, _ := NewKeyPair(v1a)
	dcPair, _ := NewKeyPair(dc)
	sgPair, _ := NewKeyPair(sg)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	p384PEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p384DER}))
	p384Pub, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)

	const src = "--private-key-file k.pem"
	cases := []struct {
		name   string
		s      Scheme
		key    Secret
		sign   bool
		want   string // in the error
		secret string // what must not appear
	}{
		{"public key signs", v1a, NewPublicKey(v1aPair.Public).From("HOOKTOOL_PUBLIC_KEY"), true, "the public key from HOOKTOOL_PUBLIC_KEY cannot be used with the standard-webhooks-v1a scheme: a public key cannot sign", v1aPair.Public},
		{"whpk_ in the private key file", v1a, NewPrivateKey(v1aPair.Public).From(src), true, "the private key from " + src + " cannot be used with the standard-webhooks-v1a scheme: it is a public key (whpk_<base64>), and a public key cannot sign", v1aPair.Public[5:]},
		{"hex public key in the private key file", dc, NewPrivateKey(dcPair.Public).From(src), true, "a public key cannot sign", dcPair.Public},
		{"whsec_ secret verifies v1a", v1a, NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").From("HOOKTOOL_SECRET"), false, "the secret from HOOKTOOL_SECRET cannot be used with the standard-webhooks-v1a scheme: it is an HMAC secret (whsec_…); the standard-webhooks-v1a scheme verifies with a public key", "MfKQ9r8G"},
		{"whsec_ secret, the v1 scheme named", v1a, NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), false, "v1 (HMAC) signatures are checked with --scheme standard-webhooks", "MfKQ9r8G"},
		{"sk_ API key to discord", dc, NewSecret("sk_test_4eC39HqLyjWDarjtT1zdp7dc"), false, "it looks like an API key (sk_…), not a webhook key", "4eC39Hq"},
		{"a public key given as a secret", sg, NewSecret(sgPair.Public), false, "it is a public key given as a secret", sgPair.Public[30:]},
		{"whpk_ not base64", v1a, NewPublicKey("whpk_%%%%notbase64"), false, "after whpk_, it is not base64", "notbase64"},
		{"whpk_ too short", v1a, NewPublicKey("whpk_" + base64.StdEncoding.EncodeToString([]byte("short"))), false, "after whpk_ it holds 5 bytes, and an Ed25519 public key is 32", "c2hvcnQ"},
		{"no whpk_", v1a, NewPublicKey(dcPair.Public), false, "it does not start with whpk_", dcPair.Public},
		{"whsk_ seed and public key disagree", v1a, NewPrivateKey("whsk_" + base64.StdEncoding.EncodeToString(make([]byte, 64))), true, "holds a seed and a public key that is not the seed's", "AAAAAAAA"},
		{"bad PEM", sg, NewPrivateKey("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----"), true, "its PEM is malformed", "not base64 at all"},
		{"wrong curve, private", sg, NewPrivateKey(p384PEM), true, "it is on the curve P-384, and sendgrid signs on P-256", p384PEM[40:80]},
		{"wrong curve, public", sg, NewPublicKey(base64.StdEncoding.EncodeToString(p384Pub)), false, "it is on the curve P-384, and sendgrid verifies on P-256", base64.StdEncoding.EncodeToString(p384Pub)[30:]},
		{"Ed25519 key to sendgrid", sg, dcPair.Private, true, "it is an Ed25519 key, and sendgrid signs ECDSA P-256", dcPair.Private.Reveal()[40:70]},
		{"ECDSA key to discord", dc, sgPair.Private, true, "it is an ECDSA P-256 key, and discord signs with Ed25519", sgPair.Private.Reveal()[40:70]},
		{"hex key to sendgrid", sg, NewPublicKey(dcPair.Public), false, "is not the DER of a public key", dcPair.Public},
		{"a private key file for github", gh, v1aPair.Private.From(src), true, "the private key from " + src + " cannot be used with the github scheme: it is a private key, and the github scheme signs with a shared secret", v1aPair.Private.Reveal()[5:30]},
		{"a public key for github", gh, NewPublicKey(dcPair.Public), false, "it is a public key, and the github scheme signs with a shared secret", dcPair.Public},
		{"whsk_ to standard-webhooks", std, NewSecret(v1aPair.Private.Reveal()), true, "it is a Standard Webhooks Ed25519 key (whsk_…), not a whsec_ secret", v1aPair.Private.Reveal()[5:30]},
		{"empty", dc, NewPublicKey(" "), false, "it is empty", "\x00"},
	}
	for _, c := range cases {
		var err error
		if c.sign {
			var g *Signer
			g, err = NewSigner(c.s, c.key)
			if g != nil {
				t.Errorf("%s: a Signer with an unusable key", c.name)
			}
		} else {
			_, err = NewVerifier(c.s, []Secret{c.key})
		}
		var se *SecretError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want a *SecretError", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n %s\nwant it to hold\n %s", c.name, err, c.want)
		}
		if strings.Contains(err.Error(), c.secret) {
			t.Errorf("%s: %q shows the key", c.name, err)
		}
	}
	// A scheme with a shared secret makes no key pair.
	if _, err := NewKeyPair(gh); err == nil || !strings.Contains(err.Error(), "key pairs are for discord, sendgrid, standard-webhooks-v1a") {
		t.Errorf("NewKeyPair(github): %v", err)
	}
}

// TestPrivateKeyAsVerifyingKey: a private key given where the public key
// belongs (a whsk_ as public_key) verifies, and the verdict says why that
// is not what a receiver should hold.
func TestPrivateKeyAsVerifyingKey(t *testing.T) {
	for _, s := range asymSchemes(t) {
		kp, _ := NewKeyPair(s)
		body := []byte(`{}`)
		m := Message{Header: headerOf(must(Sign(s, kp.Private, SignInput{Body: body, ID: testID, Timestamp: signedAt}))), Body: body}
		v, err := Verify(s, m, []Secret{NewPublicKey(kp.Private.Reveal())}, VerifyOptions{Now: signedAt})
		if err != nil || !v.Valid || len(v.Hints) != 1 || !strings.Contains(v.Hints[0], "the public key given is a private key") {
			t.Errorf("%s: %+v, %v", s.Name(), v, err)
		}
	}
}

// TestKeyPairsRedact: a key pair's private half prints as a Secret does.
func TestKeyPairsRedact(t *testing.T) {
	for _, s := range asymSchemes(t) {
		kp, _ := NewKeyPair(s)
		for _, shown := range []string{kp.Private.String(), string(must(kp.Private.MarshalJSON()))} {
			if strings.Contains(shown, kp.Private.Reveal()[10:30]) {
				t.Errorf("%s: the private key printed: %s", s.Name(), shown)
			}
		}
		if !kp.Private.IsKey() || kp.Public == "" || kp.PublicForm == "" {
			t.Errorf("%s: %+v", s.Name(), kp)
		}
	}
}

// TestAsymmetricDiagnosis: a mismatch names another configured endpoint's
// public key when the delivery verifies under it, and a delivery checked
// under another scheme is pointed to the asymmetric scheme whose headers
// it carries.
func TestAsymmetricDiagnosis(t *testing.T) {
	body := []byte(`{"event":"processed"}`)
	for _, s := range asymSchemes(t) {
		priv, pubs := testKeys(t, s)
		_, other := testKeys(t, s)
		m := Message{Header: headerOf(must(Sign(s, priv, SignInput{Body: body, ID: testID, Timestamp: signedAt}))), Body: body}
		v, err := Verify(s, m, other, VerifyOptions{Now: signedAt, Alternates: []LabeledSecret{{Label: "endpoint staging", Secret: pubs[0]}, {Label: "endpoint hmac", Secret: NewSecret("s3cret")}}})
		if err != nil || v.Reason != ReasonMismatch || !slices.Contains(v.Hints, "the signature matches the public key of endpoint staging: the delivery was signed for it") {
			t.Errorf("%s, another endpoint's key: %+v, %v", s.Name(), v, err)
		}
		gh, _ := Lookup("github", Options{})
		v, _ = Verify(gh, m, []Secret{NewSecret("s3cret")}, VerifyOptions{Now: signedAt})
		if v.Reason != ReasonMissingHeader || !strings.Contains(strings.Join(v.Hints, " "), "try --scheme "+s.Name()) {
			t.Errorf("%s under github: %+v", s.Name(), v)
		}
	}
}

// TestKeysAndRedaction: a public key is no secret: the Redactor leaves it
// in what is kept and shown, so nothing is marked to be put back. A private
// key is hidden like a secret, and never put back into a request: a replay
// restores only a shared secret (Restorable), so a delivery kept by a
// listener that hid a key is never re-sent carrying the private key.
func TestKeysAndRedaction(t *testing.T) {
	s, _ := Lookup("discord", Options{})
	kp, _ := NewKeyPair(s)
	priv := strings.TrimSpace(kp.Private.Reveal())
	r := NewRedactor(s, []Secret{NewPrivateKey(priv), NewPublicKey(kp.Public)})
	if got := r.Text("key " + kp.Public); got != "key "+kp.Public {
		t.Errorf("a public key was hidden: %q", got)
	}
	if got := r.Text("key " + priv); strings.Contains(got, priv[40:60]) {
		t.Errorf("a private key was shown: %q", got)
	}
	if _, ok := Restorable([]Secret{NewPrivateKey(priv), NewPublicKey(kp.Public)}); ok {
		t.Error("a key is restorable")
	}
	if sec, ok := Restorable([]Secret{NewPublicKey(kp.Public), NewSecret("s3cret")}); !ok || sec.Reveal() != "s3cret" {
		t.Errorf("Restorable = %v, %v; want the shared secret", sec, ok)
	}
}

// TestPublicKeysVerifyBeforeThePrivateOne: with a public key configured, a
// private key beside it (the one that signs) does not verify: the public
// keys are what the receiver holds. Alone, the private key verifies.
func TestPublicKeysVerifyBeforeThePrivateOne(t *testing.T) {
	for _, s := range asymSchemes(t) {
		priv, pubs := testKeys(t, s)
		_, other := testKeys(t, s)
		body := []byte(`{}`)
		m := Message{Header: headerOf(must(Sign(s, priv, SignInput{Body: body, ID: testID, Timestamp: signedAt}))), Body: body}
		o := VerifyOptions{Now: signedAt}
		if v, _ := Verify(s, m, []Secret{priv, other[0]}, o); v.Valid || v.Reason != ReasonMismatch {
			t.Errorf("%s: the private key verified beside another public key: %+v", s.Name(), v)
		}
		if v, _ := Verify(s, m, []Secret{priv}, o); !v.Valid {
			t.Errorf("%s: the private key alone: %+v", s.Name(), v)
		}
		v, _ := Verify(s, m, []Secret{priv, other[0], pubs[0]}, o)
		if !v.Valid || v.SecretIndex != 2 || v.Message != "signature verifies with public key 2 of 2" {
			t.Errorf("%s: %+v", s.Name(), v)
		}
	}
}

// TestTelnyxSignature: what the telnyx scheme sends is Telnyx's form,
// computed independently: the base64 Ed25519 signature of
// "timestamp|body" in telnyx-signature-ed25519, the unix timestamp in
// telnyx-timestamp; the public key it prints is the base64 of the 32-byte
// key, and a hex (Discord-style) key is refused naming the form.
func TestTelnyxSignature(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i * 11)
	}
	key := ed25519.NewKeyFromSeed(seed)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	priv := NewPrivateKey(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	s, _ := Lookup("telnyx", Options{})
	body := []byte(`{"data":{"event_type":"message.received","id":"b301ed3f"}}`)
	fields, err := Sign(s, priv, SignInput{Body: body, Timestamp: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	want := base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(ts+"|"+string(body))))
	if h := headerOf(fields); h.Get("telnyx-signature-ed25519") != want || h.Get("telnyx-timestamp") != ts {
		t.Fatalf("headers %v, want telnyx-signature-ed25519 %s and telnyx-timestamp %s", h, want, ts)
	}
	pub := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	v, err := Verify(s, Message{Header: headerOf(fields), Body: body}, []Secret{NewPublicKey(pub)}, VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance})
	if err != nil || !v.Valid {
		t.Fatalf("verify with the base64 public key: %+v, %v", v, err)
	}
	// Discord's signature of the same content without the | does not verify.
	h := headerOf(fields)
	h.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(ts+string(body)))))
	if v, _ := Verify(s, Message{Header: h, Body: body}, []Secret{NewPublicKey(pub)}, VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance}); v.Reason != ReasonMismatch {
		t.Fatalf("timestamp+body without |: %+v", v)
	}
	if _, err := Verify(s, Message{Header: h, Body: body}, []Secret{NewPublicKey(hex.EncodeToString(key.Public().(ed25519.PublicKey)))}, VerifyOptions{}); err == nil || !strings.Contains(err.Error(), "holds 48 bytes") {
		t.Fatalf("a hex public key: %v", err)
	}
}
