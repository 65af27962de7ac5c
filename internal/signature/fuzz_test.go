package signature

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Fuzz targets, one per header parser. Each feeds arbitrary header values
// (and bodies) through Verify and checks what must hold for any input: no
// panic, a known reason, Valid exactly when the reason is valid, the other
// verdict invariants (checkInvariants), and no configured secret in the
// verdict's message or hints unless the input itself carried it.
//
// Run one with, e.g.:
//
//	go test ./internal/signature -run '^$' -fuzz '^FuzzStripe$' -fuzztime 30s

const (
	// Valid for every scheme: base64 for those that decode it (the key is
	// "fuzz-secret-value-42"), plain bytes for the others.
	fuzzSecret   = "whsec_ZnV6ei1zZWNyZXQtdmFsdWUtNDI="
	fuzzKeyText  = "fuzz-secret-value-42"
	fuzzOther    = "whsec_b3RoZXItc2VjcmV0LXZhbHVlLTc="
	fuzzAltLabel = "endpoint fuzz-alt"
	fuzzAlt      = "whsec_YWx0LXNlY3JldC12YWx1ZS05OQ=="
	fuzzID       = "msg_fuzz"
)

var fuzzNow = time.Unix(1700000000, 0)

// fuzzSeedMessage signs body under s as of fuzzNow.
func fuzzSeedMessage(f *testing.F, s Scheme, body []byte) http.Header {
	f.Helper()
	fields, err := Sign(s, NewSecret(fuzzSecret), SignInput{Body: body, ID: fuzzID, Timestamp: fuzzNow, URL: testURL})
	if err != nil {
		f.Fatal(err)
	}
	return headerOf(fields)
}

// fuzzCheck verifies m under s and checks the invariants.
func fuzzCheck(t *testing.T, s Scheme, m Message) {
	t.Helper()
	m.URL = testURL
	opts := VerifyOptions{
		Now: fuzzNow, Tolerance: DefaultTolerance,
		Alternates: []LabeledSecret{{Label: fuzzAltLabel, Secret: NewSecret(fuzzAlt)}},
	}
	secrets := secretsOf(fuzzSecret, fuzzOther)
	v, err := Verify(s, m, secrets, opts)
	if err != nil {
		t.Fatalf("Verify returned an error for usable secrets: %v", err)
	}
	checkInvariants(t, s, v, len(secrets))

	// No configured secret shows in what the verdict says, unless the
	// request itself carried it (a verdict may quote a header).
	var input strings.Builder
	for k, vs := range m.Header {
		input.WriteString(k + "\n" + strings.Join(vs, "\n") + "\n")
	}
	said := v.Message + "\n" + strings.Join(v.Hints, "\n") + "\n" + v.Header
	for _, sec := range []string{fuzzSecret, fuzzOther, fuzzAlt, fuzzKeyText, strings.TrimPrefix(fuzzSecret, "whsec_")} {
		if strings.Contains(said, sec) && !strings.Contains(input.String(), sec) {
			t.Fatalf("verdict shows a secret: %+v", v)
		}
	}

	// A valid verdict depends on the secret: a different one does not verify.
	if v.Valid {
		w, err := Verify(s, m, secretsOf(third), opts)
		if err != nil || w.Valid {
			t.Fatalf("valid under secret %d, and also under an unrelated one: %+v, %v", v.SecretIndex, w, err)
		}
	}

	// Without secrets, the only outcomes are no_secret or a header problem.
	w, err := Verify(s, m, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	switch w.Reason {
	case ReasonNoSecret, ReasonMissingHeader, ReasonMalformedHeader, ReasonUnsupportedVersion:
	default:
		t.Fatalf("without secrets: %+v", w)
	}
	if w.Reason != ReasonNoSecret && (w.Reason != v.Reason || w.Header != v.Header) {
		t.Fatalf("header verdict depends on secrets: %+v vs %+v", w, v)
	}
}

func mustLookup(f *testing.F, name string, o Options) Scheme {
	f.Helper()
	s, err := Lookup(name, o)
	if err != nil {
		f.Fatal(err)
	}
	return s
}

func fuzzStandard(f *testing.F, name, prefix string) {
	s := mustLookup(f, name, Options{})
	for _, body := range [][]byte{testBody, nil, []byte("x\n")} {
		h := fuzzSeedMessage(f, s, body)
		id, ts, sig := h.Get(prefix+"id"), h.Get(prefix+"timestamp"), h.Get(prefix+"signature")
		f.Add(id, ts, sig, body)
		f.Add(id, ts, "v1a,"+strings.TrimPrefix(sig, "v1,"), body)
		f.Add(id, ts, "v1,bm90 "+sig, body)
		f.Add(id, ts, sig+" v2,abc", body)
		f.Add(id, ts, strings.TrimPrefix(sig, "v1,"), body)
		f.Add(id, ts, sig[:len(sig)-1], body)
		f.Add(id, " "+ts+" ", sig, body)
		f.Add(id, ts+"0", sig, body)
		f.Add(id, "-"+ts, sig, body)
		f.Add("", ts, sig, body)
		f.Add(id, "", sig, body)
	}
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(prefix+"id", id)
		h.Set(prefix+"timestamp", ts)
		h.Set(prefix+"signature", sig)
		fuzzCheck(t, s, Message{Header: h, Body: body})
	})
}

func FuzzStandardWebhooks(f *testing.F) { fuzzStandard(f, "standard-webhooks", "webhook-") }
func FuzzSvix(f *testing.F)             { fuzzStandard(f, "svix", "svix-") }

func FuzzStripe(f *testing.F) {
	s := mustLookup(f, "stripe", Options{})
	ts := strconv.FormatInt(fuzzNow.Unix(), 10)
	for _, body := range [][]byte{testBody, nil} {
		sig := fuzzSeedMessage(f, s, body).Get("Stripe-Signature")
		v1 := sig[strings.Index(sig, "v1="):]
		for _, seed := range []string{
			sig,
			sig + ",v1=" + hex32,
			"v1=" + hex32 + "," + sig,
			sig + ",v0=" + hex32,
			"t=" + ts + ",v0=" + hex32,
			"t=" + ts,
			v1,
			"t=," + v1,
			"t=" + ts + "," + v1 + ",",
			"t=" + ts + ", " + v1,
			"t=" + ts + "," + v1[:len(v1)-1],
			"t=x," + v1,
			"t==" + ts + "," + v1,
			",,,",
			"=",
		} {
			f.Add(seed, body)
		}
	}
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		fuzzCheck(t, s, Message{Header: http.Header{"Stripe-Signature": {sig}}, Body: body})
	})
}

func FuzzGitHub(f *testing.F) {
	withSHA1 := mustLookup(f, "github", Options{GitHubSHA1: true})
	h := fuzzSeedMessage(f, withSHA1, testBody)
	s256, s1 := h.Get("X-Hub-Signature-256"), h.Get("X-Hub-Signature")
	for _, seed := range [][2]string{
		{s256, s1}, {s256, ""}, {"", s1}, {"sha512=" + hex32, s1}, {"sha256=zz", ""},
		{"sha256=", ""}, {strings.TrimPrefix(s256, "sha256="), ""}, {"", "sha1=" + hex32[:40]},
		{"", "md5=abc"}, {"sha256" + hex32, "sha1"}, {"=" + hex32, ""},
	} {
		f.Add(seed[0], seed[1], testBody, true)
		f.Add(seed[0], seed[1], testBody, false)
	}
	plain := mustLookup(f, "github", Options{})
	f.Fuzz(func(t *testing.T, sig256, sig1 string, body []byte, sha1 bool) {
		s := plain
		if sha1 {
			s = withSHA1
		}
		h := http.Header{}
		h.Set("X-Hub-Signature-256", sig256)
		h.Set("X-Hub-Signature", sig1)
		fuzzCheck(t, s, Message{Header: h, Body: body})
	})
}

func FuzzSlack(f *testing.F) {
	s := mustLookup(f, "slack", Options{})
	h := fuzzSeedMessage(f, s, testBody)
	sig, ts := h.Get("X-Slack-Signature"), h.Get("X-Slack-Request-Timestamp")
	for _, seed := range [][2]string{
		{sig, ts}, {"v1" + sig[2:], ts}, {sig[3:], ts}, {sig, ts + ".0"}, {sig, ""}, {"", ts},
		{"v0=", ts}, {"v0=zz", ts}, {sig[:len(sig)-1], ts}, {sig, "+" + ts}, {"v0:" + sig[3:], ts},
	} {
		f.Add(seed[0], seed[1], testBody)
	}
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		h := http.Header{}
		h.Set("X-Slack-Signature", sig)
		h.Set("X-Slack-Request-Timestamp", ts)
		fuzzCheck(t, s, Message{Header: h, Body: body})
	})
}

// FuzzBodyHMAC covers Paystack (hex SHA-512) and Shopify (base64 SHA-256).
func FuzzBodyHMAC(f *testing.F) {
	paystack := mustLookup(f, "paystack", Options{})
	shopify := mustLookup(f, "shopify", Options{})
	for _, body := range [][]byte{testBody, nil} {
		p := fuzzSeedMessage(f, paystack, body).Get("X-Paystack-Signature")
		sh := fuzzSeedMessage(f, shopify, body).Get("X-Shopify-Hmac-Sha256")
		for _, seed := range []string{p, " " + p + " ", p[:len(p)-1], strings.ToUpper(p), "zz" + p[2:]} {
			f.Add(seed, body, false)
		}
		for _, seed := range []string{sh, sh[:len(sh)-1], strings.TrimRight(sh, "="), sh + "==", "!" + sh[1:]} {
			f.Add(seed, body, true)
		}
	}
	f.Fuzz(func(t *testing.T, sig string, body []byte, isShopify bool) {
		s, header := paystack, "X-Paystack-Signature"
		if isShopify {
			s, header = shopify, "X-Shopify-Hmac-Sha256"
		}
		fuzzCheck(t, s, Message{Header: http.Header{header: {sig}}, Body: body})
	})
}

func FuzzFlutterwave(f *testing.F) {
	s := mustLookup(f, "flutterwave", Options{})
	for _, seed := range []string{fuzzSecret, " " + fuzzSecret + "\t", fuzzOther, fuzzSecret[:len(fuzzSecret)-1], fuzzAlt, "x", ""} {
		f.Add(seed, testBody)
	}
	f.Fuzz(func(t *testing.T, hash string, body []byte) {
		fuzzCheck(t, s, Message{Header: http.Header{"Verif-Hash": {hash}}, Body: body})
	})
}

// hmacFuzzConfigs are the generic-scheme configurations FuzzHMAC exercises.
func hmacFuzzConfigs() []HMACConfig {
	var out []HMACConfig
	for _, c := range schemeCases {
		if c.scheme == "hmac" {
			out = append(out, c.opts.HMAC)
		}
	}
	return out
}

func FuzzHMAC(f *testing.F) {
	cfgs := hmacFuzzConfigs()
	schemes := make([]Scheme, len(cfgs))
	for i, cfg := range cfgs {
		schemes[i] = mustLookup(f, "hmac", Options{HMAC: cfg})
		h := fuzzSeedMessage(f, schemes[i], testBody)
		sig, id, ts := h.Get(cfg.Header), h.Get(cfg.IDHeader), h.Get(cfg.TimestampHeader)
		for _, seed := range [][3]string{
			{sig, id, ts}, {sig[:len(sig)-1], id, ts}, {sig + "=", id, ts}, {strings.TrimPrefix(sig, cfg.Prefix), id, ts},
			{sig, id, ts + "x"}, {sig, "", ts}, {sig, id, ""}, {cfg.Prefix, id, ts},
		} {
			f.Add(uint8(i), seed[0], seed[1], seed[2], testBody)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, sig, id, ts string, body []byte) {
		i := int(which) % len(cfgs)
		cfg := cfgs[i]
		h := http.Header{}
		h.Set(cfg.Header, sig)
		if cfg.IDHeader != "" {
			h.Set(cfg.IDHeader, id)
		}
		if cfg.TimestampHeader != "" {
			h.Set(cfg.TimestampHeader, ts)
		}
		fuzzCheck(t, schemes[i], Message{Header: h, Body: body})
	})
}

// FuzzHMACTemplate: NewHMAC with any configuration either refuses it or
// returns a scheme that does not panic, and whose own signatures verify
// (when its headers are distinct, so that one does not overwrite another).
func FuzzHMACTemplate(f *testing.F) {
	for _, cfg := range hmacFuzzConfigs() {
		f.Add(cfg.Header, cfg.Hash, cfg.Encoding, cfg.Prefix, cfg.Template, cfg.IDHeader, cfg.TimestampHeader, cfg.SecretEncoding, "", testBody)
	}
	f.Add("X-Sig", "sha256", "hex", "", "{body", "", "", "", "abc", testBody)
	f.Add("X-Sig", "sha256", "hex", "", "{}{body}", "", "", "", "abc", testBody)
	f.Add("X-Sig", "sha256", "hex", "", "}{body}{", "", "", "", "abc", testBody)
	f.Add("X-Sig", "", "", "v1=", "{timestamp}{timestamp}{body}{url}", "", "X-Sig", "", "", testBody)
	f.Add("X-Sig", "SHA1", "BASE64URL", "=", "{id}{id}", "x-sig-id", "", "RAW", "", testBody)
	f.Add(" ", "md5", "hex", "", "", "", "", "", "", testBody)
	f.Add("X-Sig", "sha256", "hex", " sha256=", "", "", "", "", "", testBody)
	f.Fuzz(func(t *testing.T, header, hash, enc, prefix, template, idHeader, tsHeader, secretEnc, sig string, body []byte) {
		cfg := HMACConfig{
			Header: header, Hash: hash, Encoding: enc, Prefix: prefix, Template: template,
			IDHeader: idHeader, TimestampHeader: tsHeader, SecretEncoding: secretEnc,
		}
		s, err := NewHMAC(cfg)
		if err != nil {
			if s != nil {
				t.Fatalf("NewHMAC returned a scheme and an error: %v", err)
			}
			return
		}
		_ = s.Description()
		names := s.HeaderNames()

		// Arbitrary signature value, with the id and timestamp it signs.
		h := http.Header{}
		for _, n := range names[1:] {
			h.Set(n, strconv.FormatInt(fuzzNow.Unix(), 10))
		}
		h.Set(header, sig)
		fuzzCheck(t, s, Message{Header: h, Body: body})

		// Its own signature verifies.
		distinct := map[string]bool{}
		for _, n := range names {
			distinct[textproto.CanonicalMIMEHeaderKey(n)] = true
		}
		if len(distinct) != len(names) {
			return
		}
		fields, err := Sign(s, NewSecret(fuzzSecret), SignInput{Body: body, ID: fuzzID, Timestamp: fuzzNow, URL: testURL})
		if err != nil {
			t.Fatalf("Sign: %v", err)
		}
		m := Message{Header: headerOf(fields), Body: body}
		fuzzCheck(t, s, m)
		m.URL = testURL
		v, err := Verify(s, m, secretsOf(fuzzSecret), VerifyOptions{Now: fuzzNow, Tolerance: DefaultTolerance})
		if err != nil || !v.Valid {
			t.Fatalf("own signature %v does not verify: %+v, %v", fields, v, err)
		}
	})
}

// piecesFuzzConfigs are generic profiles built from the pieces beyond the
// raw body: a multi-item header, a form, sorted pairs, JSON fields, a
// digest, a token, a signature in the body, the body hash in the URL.
var piecesFuzzConfigs = []HMACConfig{
	{Header: "Paddle-Signature", Format: "ts={timestamp};h1={signature}", Template: "{timestamp}:{body}"},
	{Header: "X-Sig", Format: "t={timestamp},v1={signature},v0={signature},id={id}", Template: "{id}.{timestamp}.{method}.{body_sha256}"},
	{Header: "X-Twilio-Signature", Hash: "sha1", Encoding: "base64", Template: "{url}{form}", URLBodySHA256: "bodySHA256"},
	{SignatureField: "x_signature", Template: "{pairs}", PairsFormat: "{key}{value}", PairsSeparator: "|"},
	{SignatureField: "signature_key", Mode: "digest", Hash: "sha512", Template: "{json:order_id}{json:status_code}{json:gross_amount}{secret}"},
	{Header: "x-korapay-signature", Template: "{json:data}"},
	{Header: "X-Gitlab-Token", Mode: "token"},
}

// FuzzHMACPieces: any header value, body and URL through the pieces'
// parsers and content builders: no panic, and the verdict invariants.
func FuzzHMACPieces(f *testing.F) {
	schemes := make([]Scheme, len(piecesFuzzConfigs))
	for i, cfg := range piecesFuzzConfigs {
		schemes[i] = mustLookup(f, "hmac", Options{HMAC: cfg})
		header := cfg.Header
		if header == "" {
			header = "X-Unused"
		}
		if CanSign(schemes[i]) == nil {
			h := fuzzSeedMessage(f, schemes[i], testBody)
			f.Add(uint8(i), h.Get(header), testBody, testURL)
		}
		f.Add(uint8(i), "", []byte("a=1&b=2&x_signature=00&signature_key=ff"), testURL)
	}
	for _, seed := range []struct {
		v, body, url string
	}{
		{"ts=1;ts=2;h1=;h1==;;;", `{"data":{"a":[1,2,{"b":null}]}}`, "https://h/p?bodySHA256=zz"},
		{"t=,v1=,v0=,id=", `{"order_id":1e999,"status_code":{"x":"\u0000"}}`, "http://[::1]:80/p?bodySHA256="},
		{" , , ", "%zz=%&&=&a=%2", "://bad url"},
		{"h1=" + strings.Repeat("0", 200), `{"data":` + strings.Repeat("[", 2000) + `}`, "https://h:443"},
		{"x", "x_signature=" + strings.Repeat("a", 128) + "&b=%C3%28", "https://user:pw@h/p/"},
	} {
		for i := range piecesFuzzConfigs {
			f.Add(uint8(i), seed.v, []byte(seed.body), seed.url)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, value string, body []byte, rawURL string) {
		i := int(which) % len(piecesFuzzConfigs)
		cfg, s := piecesFuzzConfigs[i], schemes[i]
		h := http.Header{}
		if cfg.Header != "" {
			h.Set(cfg.Header, value)
		}
		h.Set("X-Forwarded-Host", value)
		h.Set("Forwarded", value)
		m := Message{Header: h, Body: body}
		fuzzCheck(t, s, m)
		// With the URL as given (fuzzCheck sets testURL).
		v, err := Verify(s, Message{Header: h, Body: body, URL: rawURL}, secretsOf(fuzzSecret), VerifyOptions{Now: fuzzNow, Tolerance: DefaultTolerance})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, s, v, 1)

		// A profile whose signature travels in the body: what SignBody
		// writes verifies.
		if SignsInBody(s) {
			g, err := NewSigner(s, NewSecret(fuzzSecret))
			if err != nil {
				t.Fatal(err)
			}
			signedBody, err := g.SignBody(SignInput{Body: body, URL: rawURL})
			if err != nil {
				return // not a body the signature can be written into
			}
			v, err := Verify(s, Message{Header: http.Header{}, Body: signedBody, URL: rawURL}, secretsOf(fuzzSecret), VerifyOptions{Now: fuzzNow})
			if err != nil || !v.Valid {
				t.Fatalf("SignBody(%q) = %q does not verify: %+v, %v", body, signedBody, v, err)
			}
		}
	})
}
