package signature

import (
	"crypto/sha256"
	"crypto/sha512"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func mustHMAC(t testing.TB, cfg HMACConfig) Scheme {
	t.Helper()
	s, err := NewHMAC(cfg)
	if err != nil {
		t.Fatalf("NewHMAC(%+v): %v", cfg, err)
	}
	return s
}

// wantHint fails the test unless one of v's hints contains want.
func wantHint(t testing.TB, v Verdict, want string) {
	t.Helper()
	for _, h := range v.Hints {
		if strings.Contains(h, want) {
			return
		}
	}
	t.Fatalf("no hint containing %q in %+v", want, v)
}

var twilioProfile = HMACConfig{Header: "X-Twilio-Signature", Hash: "sha1", Encoding: "base64", Template: "{url}{form}", URLBodySHA256: "bodySHA256"}

// TestTwilioDocsVectors: Twilio's documented example (the URL, the sorted
// POST parameters, auth token 12345), both ways, with the parameters in
// any order on the wire.
func TestTwilioDocsVectors(t *testing.T) {
	s := mustHMAC(t, twilioProfile)
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	for _, v := range []struct{ caller, want, source string }{
		{"+12349013030", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "twilio.com/docs/usage/security (the example also in twilio-node's tests)"},
		{"+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", "twilio.com/docs/usage/security (current example)"},
	} {
		body := "To=%2B18005551212&From=" + url.QueryEscape(v.caller) + "&Digits=1234&CallSid=CA1234567890ABCDE&Caller=" + url.QueryEscape(v.caller)
		fields, err := Sign(s, NewSecret("12345"), SignInput{Body: []byte(body), URL: u})
		if err != nil {
			t.Fatal(err)
		}
		if got := headerOf(fields).Get("X-Twilio-Signature"); got != v.want {
			t.Errorf("X-Twilio-Signature = %q, want %q (%s)", got, v.want, v.source)
		}
		h := http.Header{"X-Twilio-Signature": {v.want}}
		verdict := verify(t, s, Message{Header: h, Body: []byte(body), URL: u}, secretsOf("12345"), signedAt, DefaultTolerance)
		wantReason(t, verdict, ReasonValid)
		// twilio-node accepts the URL with the default port too.
		verdict = verify(t, s, Message{Header: h, Body: []byte(body), URL: "https://mycompany.com:443/myapp.php?foo=1&bar=2"}, secretsOf("12345"), signedAt, DefaultTolerance)
		wantReason(t, verdict, ReasonValid)
	}
}

// TestTwilioJSONBody: a JSON body is signed through the URL's bodySHA256
// parameter; a changed body is refused, and the hint says why.
func TestTwilioJSONBody(t *testing.T) {
	s := mustHMAC(t, twilioProfile)
	body := []byte(`{"CallSid":"CA123","CallStatus":"completed"}`)
	sum := sha256.Sum256(body)
	u := "https://example.com/status?bodySHA256=" + hx(sum[:])
	m := signMsg(t, s, "tok", body, signedAt)
	m.URL = u
	fields, err := Sign(s, NewSecret("tok"), SignInput{Body: body, URL: u})
	if err != nil {
		t.Fatal(err)
	}
	m.Header = headerOf(fields)
	wantReason(t, verify(t, s, m, secretsOf("tok"), signedAt, DefaultTolerance), ReasonValid)
	m.Body = []byte(`{"CallSid":"CA123","CallStatus":"failed"}`)
	v := verify(t, s, m, secretsOf("tok"), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMismatch)
	wantHint(t, v, "bodySHA256 parameter is not the SHA-256 of the body")
}

// TestFormPiece: {form} is the parameters sorted by name, each name then its
// value; repeated names give each distinct value, sorted.
func TestFormPiece(t *testing.T) {
	var b strings.Builder
	writeForm(&b, []byte("b=2&a=1&c=z&c=y&c=z&d="))
	if got, want := b.String(), "a1b2cyczd"; got != want {
		t.Errorf("{form} = %q, want %q", got, want)
	}
	b.Reset()
	writeForm(&b, []byte(`{"a":1}`))
	if b.String() != "" {
		t.Errorf("{form} of a JSON body = %q, want nothing", b.String())
	}
}

// TestPaddleFormat: Paddle-Signature: ts=…;h1=…, with several h1 entries
// during a secret rotation, others skipped, and the timestamp read from
// the header itself.
func TestPaddleFormat(t *testing.T) {
	s := mustHMAC(t, HMACConfig{Header: "Paddle-Signature", Format: "ts={timestamp};h1={signature}", Template: "{timestamp}:{body}"})
	body := []byte(`{"event_id":"evt_01h8","event_type":"transaction.completed"}`)
	ts := "1671552777"
	good := hx(mac(sha256.New, []byte("pdl_ntfset_secret"), ts+":"+string(body)))
	other := hx(mac(sha256.New, []byte("old-secret"), ts+":"+string(body)))
	at := time.Unix(1671552777, 0)
	for _, tc := range []struct {
		value string
		want  Reason
	}{
		{"ts=" + ts + ";h1=" + good, ReasonValid},
		{"ts=" + ts + ";h1=" + other + ";h1=" + good, ReasonValid},
		{"ts=" + ts + "; h1=" + good, ReasonMalformedHeader}, // nothing trimmed, as Paddle's SDK reads it
		{"ts=" + ts + ";h2=" + good, ReasonUnsupportedVersion},
		{"ts=" + ts + ";h1=zz;h1=" + good, ReasonValid},
		{"ts=" + ts + ";h1=zz", ReasonMalformedHeader},
		{"h1=" + good, ReasonMalformedHeader},
		{"ts=soon;h1=" + good, ReasonMalformedHeader},
		{"ts=" + ts + ";h1=" + other, ReasonMismatch},
		{"ts=1671552700;h1=" + good, ReasonMismatch},
	} {
		h := http.Header{"Paddle-Signature": {tc.value}}
		v := verify(t, s, Message{Header: h, Body: body}, secretsOf("pdl_ntfset_secret"), at, DefaultTolerance)
		if v.Reason != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.value, v.Reason, v.Message, tc.want)
		}
	}
	fields, err := Sign(s, NewSecret("pdl_ntfset_secret"), SignInput{Body: body, Timestamp: at})
	if err != nil {
		t.Fatal(err)
	}
	if got := headerOf(fields).Get("Paddle-Signature"); got != "ts="+ts+";h1="+good {
		t.Errorf("signed %q", got)
	}
	// A spaced item: not read, and the hint says why.
	v := verify(t, s, Message{Header: http.Header{"Paddle-Signature": {"ts=" + ts + "; h1=" + good}}, Body: body}, secretsOf("pdl_ntfset_secret"), at, DefaultTolerance)
	wantHint(t, v, "has spaces around it")
	// Stale: the timestamp in the header is checked.
	v = verify(t, s, Message{Header: headerOf(fields), Body: body}, secretsOf("pdl_ntfset_secret"), at.Add(time.Hour), DefaultTolerance)
	wantReason(t, v, ReasonTimestampTooOld)
}

// TestBillplzPairs: Billplz's X Signature: every callback parameter but
// x_signature, as key+value, sorted case-insensitively, joined with |,
// HMAC-SHA256 in hex, in the form body's x_signature.
func TestBillplzPairs(t *testing.T) {
	cfg := HMACConfig{SignatureField: "x_signature", Template: "{pairs}", PairsFormat: "{key}{value}", PairsSeparator: "|"}
	s := mustHMAC(t, cfg)
	form := "id=W_79pJDk&collection_id=599&paid=true&state=paid&amount=200&paid_amount=200&due_at=2020-12-31&email=api%40billplz.com&mobile=&name=MICHAEL+API&url=https%3A%2F%2Fwww.billplz.com%2Fbills%2FW_79pJDk&paid_at=2015-03-09+16%3A23%3A59+%2B0800"
	var src strings.Builder
	writePairs(&src, []byte(form), cfg)
	want := "amount200|collection_id599|due_at2020-12-31|emailapi@billplz.com|idW_79pJDk|nameMICHAEL API|paid_amount200|paid_at2015-03-09 16:23:59 +0800|paidtrue|statepaid|urlhttps://www.billplz.com/bills/W_79pJDk"
	if src.String() != want {
		t.Fatalf("source string\n got %s\nwant %s", src.String(), want)
	}
	key := "S-s7b6wNwOmFTKl4A-ZrCiEg"
	sig := hx(mac(sha256.New, []byte(key), want))
	body := []byte(form + "&x_signature=" + sig)
	v := verify(t, s, Message{Header: http.Header{}, Body: body}, secretsOf(key), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonValid)
	// A changed amount is refused; the order on the wire does not matter.
	wantReason(t, verify(t, s, Message{Header: http.Header{}, Body: []byte(strings.Replace(string(body), "amount=200", "amount=100", 1))}, secretsOf(key), signedAt, DefaultTolerance), ReasonMismatch)
	wantReason(t, verify(t, s, Message{Header: http.Header{}, Body: []byte("x_signature=" + sig + "&" + form)}, secretsOf(key), signedAt, DefaultTolerance), ReasonValid)
	// No x_signature: missing, naming the field.
	v = verify(t, s, Message{Header: http.Header{}, Body: []byte(form)}, secretsOf(key), signedAt, DefaultTolerance)
	if v.Reason != ReasonMissingHeader || v.Header != "x_signature" {
		t.Errorf("without x_signature: %+v", v)
	}
	// Signing would rewrite the body: refused, with the reason.
	if _, err := Sign(s, NewSecret(key), SignInput{Body: []byte(form)}); err == nil || !strings.Contains(err.Error(), "x_signature") {
		t.Errorf("Sign of a body-field profile: %v", err)
	}
}

// TestKorapayData: {json:data} is the data object with the whitespace
// between tokens removed, as JSON.stringify(req.body.data) writes it.
func TestKorapayData(t *testing.T) {
	s := mustHMAC(t, HMACConfig{Header: "x-korapay-signature", Template: "{json:data}"})
	body := []byte("{\n  \"event\": \"charge.success\",\n  \"data\": {\n    \"reference\": \"KPY-CA-1\",\n    \"amount\": 1000,\n    \"note\": \"a, b: c\"\n  }\n}")
	data := `{"reference":"KPY-CA-1","amount":1000,"note":"a, b: c"}`
	sig := hx(mac(sha256.New, []byte("sk_test_kora"), data))
	m := Message{Header: http.Header{"X-Korapay-Signature": {sig}}, Body: body}
	wantReason(t, verify(t, s, m, secretsOf("sk_test_kora"), signedAt, DefaultTolerance), ReasonValid)
	// The event outside data is not signed, as with Korapay.
	m.Body = []byte(strings.Replace(string(body), "charge.success", "charge.failed", 1))
	wantReason(t, verify(t, s, m, secretsOf("sk_test_kora"), signedAt, DefaultTolerance), ReasonValid)
	m.Body = []byte(strings.Replace(string(body), "1000", "100", 1))
	wantReason(t, verify(t, s, m, secretsOf("sk_test_kora"), signedAt, DefaultTolerance), ReasonMismatch)
}

// TestMidtransDigest: signature_key = SHA-512 of order_id + status_code +
// gross_amount + server key, inside the JSON body.
func TestMidtransDigest(t *testing.T) {
	s := mustHMAC(t, HMACConfig{SignatureField: "signature_key", Mode: "digest", Hash: "sha512", Template: "{json:order_id}{json:status_code}{json:gross_amount}{secret}"})
	serverKey := "SB-Mid-server-TvgWB_Y9s81-rbMBH7zZ8BHW"
	sum := sha512.Sum512([]byte("order-101" + "200" + "10000.00" + serverKey))
	body := []byte(`{"transaction_status":"settlement","status_code":"200","order_id":"order-101","gross_amount":"10000.00","signature_key":"` + hx(sum[:]) + `"}`)
	wantReason(t, verify(t, s, Message{Header: http.Header{}, Body: body}, secretsOf(serverKey), signedAt, DefaultTolerance), ReasonValid)
	wantReason(t, verify(t, s, Message{Header: http.Header{}, Body: []byte(strings.Replace(string(body), "10000.00", "1.00", 1))}, secretsOf(serverKey), signedAt, DefaultTolerance), ReasonMismatch)
	wantReason(t, verify(t, s, Message{Header: http.Header{}, Body: body}, secretsOf("other-key"), signedAt, DefaultTolerance), ReasonMismatch)
}

// TestURLMismatchHint: a URL-signing profile, signed for the public URL
// and received through a tunnel as plain http on another host: the hint
// shows both URLs.
func TestURLMismatchHint(t *testing.T) {
	s := mustHMAC(t, twilioProfile)
	body := []byte("CallSid=CA1&From=%2B15005550006")
	public := "https://abc123.ngrok.app/twilio/voice?x=1"
	fields, err := Sign(s, NewSecret("tok"), SignInput{Body: body, URL: public})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		received string
		extra    http.Header
	}{
		{"forwarded headers", "http://127.0.0.1:4242/twilio/voice?x=1", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"abc123.ngrok.app"}}},
		{"Forwarded header", "http://127.0.0.1:4242/twilio/voice?x=1", http.Header{"Forwarded": {`for=1.2.3.4;proto=https;host="abc123.ngrok.app"`}}},
		{"scheme only", "http://abc123.ngrok.app/twilio/voice?x=1", nil},
		{"trailing slash", "https://abc123.ngrok.app/twilio/voice/?x=1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := headerOf(fields)
			for k, vs := range tc.extra {
				h[k] = vs
			}
			v := verify(t, s, Message{Header: h, Body: body, URL: tc.received}, secretsOf("tok"), signedAt, DefaultTolerance)
			wantReason(t, v, ReasonMismatch)
			wantHint(t, v, "verifies for the URL https://abc123.ngrok.app/twilio/voice?x=1, and the request arrived as "+tc.received)
		})
	}
}

// TestFormReorderedHint: a form body whose signature covers its raw bytes,
// parsed and re-encoded on the way (sorted by name).
func TestFormReorderedHint(t *testing.T) {
	s := lookupCase(t, schemeCase{scheme: "slack"})
	body := []byte("token=xyz&team_id=T1&text=hello+world&command=%2Fdeploy")
	m := signMsg(t, s, "8f742231b10e8888abcd99yyyzzz85a5", body, signedAt)
	q, _ := url.ParseQuery(string(body))
	m.Body = []byte(q.Encode())
	// The provider's order cannot be recovered from the sorted form; the
	// reverse (signed sorted, received in another order) is found.
	sorted := []byte(q.Encode())
	m = signMsg(t, s, "8f742231b10e8888abcd99yyyzzz85a5", sorted, signedAt)
	m.Body = body
	v := verify(t, s, m, secretsOf("8f742231b10e8888abcd99yyyzzz85a5"), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMismatch)
	wantHint(t, v, "form parameters written again")
	// + and %20 swapped.
	m = signMsg(t, s, "8f742231b10e8888abcd99yyyzzz85a5", body, signedAt)
	m.Body = []byte(strings.ReplaceAll(string(body), "+", "%20"))
	v = verify(t, s, m, secretsOf("8f742231b10e8888abcd99yyyzzz85a5"), signedAt, DefaultTolerance)
	wantHint(t, v, "form parameters written again")
}

// TestTokenHints: a token profile receiving an HMAC of the body, and a
// signing profile receiving the secret itself; neither hint shows it.
func TestTokenHints(t *testing.T) {
	body := []byte(`{"event":"charge.completed"}`)
	tok := mustHMAC(t, HMACConfig{Header: "verif-hash", Mode: "token"})
	sig := b64(mac(sha256.New, []byte("FLWSECK_TEST-abc"), string(body)))
	v := verify(t, tok, Message{Header: http.Header{"Verif-Hash": {sig}}, Body: body}, secretsOf("FLWSECK_TEST-abc"), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMismatch)
	wantHint(t, v, "holds an HMAC of the body under the secret, not the token itself")
	if !strings.Contains(v.Message, "not the configured secret") {
		t.Errorf("message %q", v.Message)
	}
	mac := mustHMAC(t, HMACConfig{Header: "flutterwave-signature", Encoding: "base64"})
	v = verify(t, mac, Message{Header: http.Header{"Flutterwave-Signature": {"FLWSECK_TEST-abc"}}, Body: body}, secretsOf("FLWSECK_TEST-abc"), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMalformedHeader) // the secret is not base64
	wantHint(t, v, "carries the secret itself, not a signature")
	v = verify(t, mac, Message{Header: http.Header{"Flutterwave-Signature": {"c2VjcmV0"}}, Body: body}, secretsOf("c2VjcmV0"), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMismatch)
	wantHint(t, v, "carries the secret itself, not a signature")
	for _, h := range v.Hints {
		if strings.Contains(h, "c2VjcmV0") {
			t.Errorf("a hint shows the secret: %s", h)
		}
	}
}

// TestSetField: the signature is written into a body's field, every other
// byte kept.
func TestSetField(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"order_id":"o-1", "signature_key": "", "x":1}`, `{"order_id":"o-1", "signature_key": "SIG", "x":1}`},
		{`{"order_id":"o-1","signature_key":null}`, `{"order_id":"o-1","signature_key":"SIG"}`},
		{"{\n  \"order_id\": \"o-1\"\n}", "{\"signature_key\":\"SIG\",\n  \"order_id\": \"o-1\"\n}"},
		{`{}`, `{"signature_key":"SIG"}`},
		{`{ }`, `{"signature_key":"SIG" }`},
		{"a=1&signature_key=old&b=2", "a=1&b=2&signature_key=SIG"},
		{"", "signature_key=SIG"},
	} {
		got, err := setField([]byte(tc.body), "signature_key", "SIG")
		if err != nil || string(got) != tc.want {
			t.Errorf("setField(%q) = %q, %v; want %q", tc.body, got, err, tc.want)
		}
	}
	if _, err := setField([]byte(`{"a":`), "k", "v"); err == nil {
		t.Error("setField of broken JSON: no error")
	}
}

// TestSignBodyRoundTrip: a body-field profile signs through SignBody and
// verifies; Sign (headers only) refuses it.
func TestSignBodyRoundTrip(t *testing.T) {
	s := mustHMAC(t, HMACConfig{SignatureField: "signature_key", Mode: "digest", Hash: "sha512", Template: "{json:order_id}{json:status_code}{json:gross_amount}{secret}"})
	if !SignsInBody(s) || SignsInBody(mustHMAC(t, HMACConfig{Header: "X-Sig"})) {
		t.Fatal("SignsInBody is wrong")
	}
	g, err := NewSigner(s, NewSecret("server-key"))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"order_id":"o-1","status_code":"200","gross_amount":"10000.00","signature_key":""}`)
	signedBody, err := g.SignBody(SignInput{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512([]byte("o-1" + "200" + "10000.00" + "server-key"))
	if want := strings.Replace(string(body), `"signature_key":""`, `"signature_key":"`+hx(sum[:])+`"`, 1); string(signedBody) != want {
		t.Fatalf("signed body %s, want %s", signedBody, want)
	}
	wantReason(t, verify(t, s, Message{Header: http.Header{}, Body: signedBody}, secretsOf("server-key"), signedAt, DefaultTolerance), ReasonValid)
	if _, err := g.Sign(SignInput{Body: body}); err == nil {
		t.Error("Sign of a body-field profile: no error")
	}
	// A header profile's body is left as it is.
	hg, _ := NewSigner(mustHMAC(t, HMACConfig{Header: "X-Sig"}), NewSecret("k"))
	if b, err := hg.SignBody(SignInput{Body: body}); err != nil || string(b) != string(body) {
		t.Errorf("SignBody of a header profile changed the body: %s, %v", b, err)
	}
}

// TestEmptySignatureNeverMatches: a profile whose MAC can come out empty
// (url_body_sha256 with a body that does not match the URL's hash) must
// not take a header that decodes to no bytes ("sha256=" and nothing) as a
// match: hmac.Equal(nil, []byte{}) is true.
func TestEmptySignatureNeverMatches(t *testing.T) {
	s, err := Lookup("hmac", Options{HMAC: HMACConfig{Header: "X-Sig", Prefix: "sha256=", Template: "{url}{body}", URLBodySHA256: "bodySHA256"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []string{"sha256="} {
		v, err := Verify(s, Message{Header: http.Header{"X-Sig": {sig}}, Body: []byte(`{"a":1}`), URL: "https://example.com/hook?bodySHA256=00"},
			[]Secret{NewSecret("s3cret")}, VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid {
			t.Errorf("X-Sig %q with a body hash that does not match: valid (%s)", sig, v.Message)
		}
	}
}
