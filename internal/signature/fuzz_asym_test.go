package signature

import (
	"crypto/ed25519"
	"net/http"
	"strings"
	"testing"
)

// FuzzAsymmetric feeds arbitrary header values and bodies to the
// asymmetric schemes (which picks one; a, b, c fill its headers in order)
// and checks what must hold for any input: no panic, the verdict
// invariants, and a valid verdict only under the key that signed: another
// pair's public key does not verify it, and for Ed25519 an independent
// ed25519.Verify of the signed content agrees.
func FuzzAsymmetric(f *testing.F) {
	var schemes []Scheme
	var signers, publics, others []Secret
	for _, name := range []string{"standard-webhooks-v1a", "discord", "sendgrid", "telnyx"} {
		s := mustLookup(f, name, Options{})
		kp, err := NewKeyPair(s)
		if err != nil {
			f.Fatal(err)
		}
		other, _ := NewKeyPair(s)
		schemes = append(schemes, s)
		signers = append(signers, kp.Private)
		publics = append(publics, NewPublicKey(kp.Public))
		others = append(others, NewPublicKey(other.Public))
	}
	for i, s := range schemes {
		for _, body := range [][]byte{testBody, nil, []byte("x\n")} {
			fields, err := Sign(s, signers[i], SignInput{Body: body, ID: fuzzID, Timestamp: fuzzNow})
			if err != nil {
				f.Fatal(err)
			}
			h := headerOf(fields)
			var v [3]string
			for j, name := range s.HeaderNames() {
				v[j] = h.Get(name)
			}
			f.Add(uint8(i), v[0], v[1], v[2], body)
			f.Add(uint8(i), v[0], v[1], v[2]+" v1,AAAA", body)
			f.Add(uint8(i), v[0]+"0", v[1], v[2], body)
			f.Add(uint8(i), v[1], v[0], v[2], body)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, a, b, c string, body []byte) {
		i := int(which) % len(schemes)
		s := schemes[i]
		h := http.Header{}
		for j, name := range s.HeaderNames() {
			if v := []string{a, b, c}[j]; v != "" {
				h.Set(name, v)
			}
		}
		m := Message{Header: h, Body: body}
		o := VerifyOptions{Now: fuzzNow, Tolerance: DefaultTolerance}
		v, err := Verify(s, m, []Secret{publics[i]}, o)
		if err != nil {
			t.Fatalf("Verify with a usable key: %v", err)
		}
		checkInvariants(t, s, v, 1)
		if v.Valid {
			if w, _ := Verify(s, m, []Secret{others[i]}, o); w.Valid {
				t.Fatalf("valid under another pair's key too: %+v", w)
			}
			p, _ := s.parse(h)
			if pub, ok := mustPublic(t, s, publics[i]).(ed25519.PublicKey); ok {
				content := timestamped(p.tsRaw, body)
				switch s.Name() {
				case "standard-webhooks-v1a":
					content = standardContent(p.id, p.tsRaw, body)
				case "telnyx":
					content = []byte(p.tsRaw + "|" + string(body))
				}
				if !ed25519Any(pub, content, p.sigs) {
					t.Fatalf("valid, and ed25519.Verify disagrees: %+v", v)
				}
			}
		}
		w, err := Verify(s, m, nil, o)
		if err != nil {
			t.Fatal(err)
		}
		switch w.Reason {
		case ReasonNoSecret, ReasonMissingHeader, ReasonMalformedHeader, ReasonUnsupportedVersion:
		default:
			t.Fatalf("without keys: %+v", w)
		}
	})
}

func mustPublic(t *testing.T, s Scheme, sec Secret) any {
	t.Helper()
	pub, err := verifyingKey(s.(asymScheme), sec)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// FuzzKeys feeds arbitrary text to every asymmetric scheme as a public and
// as a private key: no panic, and an error never quotes the key.
func FuzzKeys(f *testing.F) {
	var schemes []Scheme
	for _, name := range AsymmetricNames() {
		s := mustLookup(f, name, Options{})
		schemes = append(schemes, s)
		kp, _ := NewKeyPair(s)
		f.Add(kp.Public)
		f.Add(kp.Private.Reveal())
	}
	f.Add("whsk_AAAA")
	f.Add("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----")
	f.Add("-----BEGIN EC PRIVATE KEY-----\n\n-----END EC PRIVATE KEY-----")
	f.Fuzz(func(t *testing.T, key string) {
		for _, s := range schemes {
			for _, sec := range []Secret{NewPublicKey(key), NewPrivateKey(key), NewSecret(key)} {
				_, verr := NewVerifier(s, []Secret{sec})
				_, serr := NewSigner(s, sec)
				for _, err := range []error{verr, serr} {
					if v := sec.Reveal(); err != nil && len(v) >= 12 && containsLong(err.Error(), v) {
						t.Fatalf("%s: the error quotes the key: %v", s.Name(), err)
					}
				}
			}
		}
	})
}

// containsLong reports whether msg holds a 12-byte run of key material
// (base64 or hex characters, a digit, + or / among them): the words of a
// message (PEM armor, SubjectPublicKeyInfo) are no key, even when the key
// holds them.
func containsLong(msg, key string) bool {
	var body []string
	for _, line := range strings.Split(key, "\n") {
		if !strings.HasPrefix(line, "-----") {
			body = append(body, line)
		}
	}
	key = strings.Join(body, "\n")
	material := func(run string) bool {
		return !strings.ContainsFunc(run, func(r rune) bool { return !isBase64(r) }) && strings.ContainsAny(run, "0123456789+/")
	}
	for i := 0; i+12 <= len(key); i++ {
		if run := key[i : i+12]; material(run) && strings.Contains(msg, run) {
			return true
		}
	}
	return false
}
