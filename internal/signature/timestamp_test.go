package signature

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHMACTimestampFormats: hmac.timestamp_format makes signing write
// {timestamp} in that form (the exact header text, and the signature over
// it), and verifying read it: valid as of the moment, timestamp_too_old
// ten minutes later and timestamp_in_future ten minutes earlier under a
// five-minute tolerance.
func TestHMACTimestampFormats(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"", "1700000000"},
		{"unix", "1700000000"},
		{"unix_ms", "1700000000000"},
		{"rfc3339", "2023-11-14T22:13:20Z"},
		{"RFC3339", "2023-11-14T22:13:20Z"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			s := mustHMAC(t, HMACConfig{Header: "X-Sig", Encoding: "base64", Template: "{timestamp}{body}", TimestampHeader: "X-Sig-Time", TimestampFormat: tc.format})
			m := signMsg(t, s, rawNew, testBody, signedAt)
			if got := m.Header.Get("X-Sig-Time"); got != tc.want {
				t.Fatalf("X-Sig-Time = %q, want %q", got, tc.want)
			}
			if got, want := m.Header.Get("X-Sig"), b64(mac(sha256.New, []byte(rawNew), tc.want+string(testBody))); got != want {
				t.Fatalf("X-Sig = %q, want %q (base64 HMAC-SHA256 of %q+body)", got, want, tc.want)
			}
			wantReason(t, verify(t, s, m, secretsOf(rawNew), signedAt, DefaultTolerance), ReasonValid)
			old := verify(t, s, m, secretsOf(rawNew), signedAt.Add(10*time.Minute), 5*time.Minute)
			wantReason(t, old, ReasonTimestampTooOld)
			if *old.SkewSeconds != 600 {
				t.Fatalf("skew %d, want 600", *old.SkewSeconds)
			}
			wantHint(t, old, "the signature itself matches")
			wantReason(t, verify(t, s, m, secretsOf(rawNew), signedAt.Add(-10*time.Minute), 5*time.Minute), ReasonTimestampInFuture)
		})
	}
}

// TestRFC3339TimestampsAsProvidersSendThem: Twitch sends nanoseconds, Box
// an offset; each is signed as sent and read as the moment it names.
func TestRFC3339TimestampsAsProvidersSendThem(t *testing.T) {
	s := mustHMAC(t, HMACConfig{Header: "Twitch-Eventsub-Message-Signature", Prefix: "sha256=", Template: "{id}{timestamp}{body}",
		IDHeader: "Twitch-Eventsub-Message-Id", TimestampHeader: "Twitch-Eventsub-Message-Timestamp", TimestampFormat: "rfc3339"})
	for _, ts := range []string{"2023-11-14T22:13:20.123456789Z", "2023-11-14T14:13:20-08:00", "2023-11-14T22:13:20Z"} {
		h := http.Header{}
		h.Set("Twitch-Eventsub-Message-Id", testID)
		h.Set("Twitch-Eventsub-Message-Timestamp", ts)
		h.Set("Twitch-Eventsub-Message-Signature", "sha256="+hx(mac(sha256.New, []byte(rawNew), testID+ts+string(testBody))))
		v := verify(t, s, Message{Header: h, Body: testBody}, secretsOf(rawNew), signedAt, DefaultTolerance)
		wantReason(t, v, ReasonValid)
		if *v.SkewSeconds != 0 {
			t.Errorf("%s: skew %d, want 0", ts, *v.SkewSeconds)
		}
		// A stale RFC 3339 time is too old, and the diagnosis says so.
		stale := verify(t, s, Message{Header: h, Body: testBody}, secretsOf(rawNew), signedAt.Add(11*time.Minute), 10*time.Minute)
		wantReason(t, stale, ReasonTimestampTooOld)
	}
}

// TestTimestampInTheWrongForm: a timestamp in another form than the
// profile's is malformed, and the message names the form it looks like.
func TestTimestampInTheWrongForm(t *testing.T) {
	for _, tc := range []struct{ format, sent, want string }{
		{"rfc3339", "1700000000", "it looks like unix seconds: hmac.timestamp_format unix?"},
		{"unix", "1700000000000", ""}, // milliseconds read as seconds: far in the future, not malformed
		{"unix", "2023-11-14T22:13:20Z", "it looks like an RFC 3339 time: hmac.timestamp_format rfc3339?"},
		{"unix_ms", "2023-11-14T22:13:20Z", "is not a unix timestamp in milliseconds"},
		{"rfc3339", "2023-11-14 22:13:20", "is not an RFC 3339 time"},
		{"rfc3339", strings.Repeat("9", 200), "it is too long"},
	} {
		s := mustHMAC(t, HMACConfig{Header: "X-Sig", Template: "{timestamp}{body}", TimestampHeader: "X-Sig-Time", TimestampFormat: tc.format})
		h := http.Header{"X-Sig": {hx(mac(sha256.New, []byte(rawNew), tc.sent+string(testBody)))}, "X-Sig-Time": {tc.sent}}
		v := verify(t, s, Message{Header: h, Body: testBody}, secretsOf(rawNew), signedAt, DefaultTolerance)
		if tc.want == "" {
			wantReason(t, v, ReasonTimestampInFuture)
			continue
		}
		wantReason(t, v, ReasonMalformedHeader)
		if !strings.Contains(v.Message, tc.want) || v.Header != "X-Sig-Time" {
			t.Errorf("%s %q: %q about %s, want it to say %q", tc.format, tc.sent, v.Message, v.Header, tc.want)
		}
	}
}

// TestHubSpotV3Profile: HubSpot's v3 signature, base64 HMAC-SHA256 of
// method + URI + body + timestamp (milliseconds), as its docs describe it.
func TestHubSpotV3Profile(t *testing.T) {
	s := mustHMAC(t, HMACConfig{Header: "X-HubSpot-Signature-v3", Encoding: "base64", Template: "{method}{url}{body}{timestamp}",
		TimestampHeader: "X-HubSpot-Request-Timestamp", TimestampFormat: "unix_ms"})
	body := []byte(`[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]`)
	const u = "https://www.example.com/webhook_uri"
	at := time.UnixMilli(1700000000123)
	fields, err := Sign(s, NewSecret(rawNew), SignInput{Body: body, URL: u, Method: http.MethodPost, Timestamp: at})
	if err != nil {
		t.Fatal(err)
	}
	h := headerOf(fields)
	if got := h.Get("X-HubSpot-Request-Timestamp"); got != "1700000000123" {
		t.Fatalf("timestamp %q, want the milliseconds 1700000000123", got)
	}
	if got, want := h.Get("X-HubSpot-Signature-v3"), b64(mac(sha256.New, []byte(rawNew), "POST"+u+string(body)+"1700000000123")); got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	m := Message{Header: h, Body: body, URL: u, Method: http.MethodPost}
	wantReason(t, verify(t, s, m, secretsOf(rawNew), at, 5*time.Minute), ReasonValid)
	wantReason(t, verify(t, s, m, secretsOf(rawNew), at.Add(5*time.Minute+2*time.Second), 5*time.Minute), ReasonTimestampTooOld)
}

var mailgunProfile = HMACConfig{SignatureField: "signature.signature", TimestampField: "signature.timestamp", Template: "{timestamp}{json:signature.token}"}

// TestMailgunSignatureInTheBody: the signature is nested in the body
// (signature.signature), over signature.timestamp + signature.token; the
// timestamp, from the body, is held to the tolerance.
func TestMailgunSignatureInTheBody(t *testing.T) {
	s := mustHMAC(t, mailgunProfile)
	const token = "e0b5477167110d68991efc6b9f89f0a11066af27834600e123"
	body := []byte(`{"signature": {"token": "` + token + `", "timestamp": "1700000000", "signature": ""}, "event-data": {"event": "delivered"}}`)
	g, err := NewSigner(s, NewSecret(rawNew))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := g.SignBody(SignInput{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	want := hx(mac(sha256.New, []byte(rawNew), "1700000000"+token))
	if !strings.Contains(string(signed), `"signature": "`+want+`"}`) {
		t.Fatalf("signed body %s lacks signature.signature %s", signed, want)
	}
	m := Message{Header: http.Header{}, Body: signed}
	v := verify(t, s, m, secretsOf(rawNew), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonValid)
	if v.Header != "signature.signature" {
		t.Fatalf("verdict about %q", v.Header)
	}
	wantReason(t, verify(t, s, m, secretsOf(rawNew), signedAt.Add(time.Hour), DefaultTolerance), ReasonTimestampTooOld)
	// Another token, the same signature: a mismatch.
	m.Body = []byte(strings.Replace(string(signed), token, token[:len(token)-1]+"4", 1))
	wantReason(t, verify(t, s, m, secretsOf(rawNew), signedAt, DefaultTolerance), ReasonMismatch)
	// No timestamp in the body: missing, named.
	m.Body = []byte(strings.Replace(string(signed), `"timestamp": "1700000000", `, "", 1))
	v = verify(t, s, m, secretsOf(rawNew), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMissingHeader)
	if v.Header != "signature.timestamp" {
		t.Fatalf("missing %q, want signature.timestamp", v.Header)
	}
	// A nested field is replaced, never added.
	if _, err := g.SignBody(SignInput{Body: []byte(`{"signature": {"token": "x", "timestamp": "1"}}`)}); err == nil || !strings.Contains(err.Error(), "no signature.signature field") {
		t.Fatalf("signing a body without the nested field: %v", err)
	}
}

// TestTimestampOptionsChecked: the new keys are checked when read.
func TestTimestampOptionsChecked(t *testing.T) {
	for _, tc := range []struct {
		cfg  HMACConfig
		want string
	}{
		{HMACConfig{Header: "X", Template: "{timestamp}{body}", TimestampHeader: "T", TimestampFormat: "iso"}, `unknown timestamp_format "iso"`},
		{HMACConfig{Header: "X", TimestampFormat: "rfc3339"}, "timestamp_format is set, and the template signs no {timestamp}"},
		{HMACConfig{Header: "X", TimestampField: "ts"}, "timestamp_field is set, and the template signs no {timestamp}"},
		{HMACConfig{Header: "X", Template: "{timestamp}{body}", TimestampHeader: "T", TimestampField: "ts"}, "give one"},
		{HMACConfig{Header: "X", Mode: "token", TimestampFormat: "unix"}, "do not apply"},
		{HMACConfig{SignatureField: "a..b", Template: "{pairs}"}, "hmac.signature_field"},
		{HMACConfig{SignatureField: "sig", TimestampField: "x y", Template: "{timestamp}"}, "hmac.timestamp_field"},
	} {
		if _, err := NewHMAC(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewHMAC(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// FuzzParseTimestamp: any text in any form parses without panicking, to a
// time or a malformed verdict naming the header; a time written by
// formatTimestamp reads back as the same second.
func FuzzParseTimestamp(f *testing.F) {
	for _, seed := range []string{
		"1700000000", "1700000000123", "-1", "", " 1700000000 ", "99999999999999999999",
		"2023-11-14T22:13:20Z", "2023-11-14T22:13:20.123456789Z", "2023-11-14T14:13:20-08:00",
		"2023-11-14T22:13:20", "2023-02-30T00:00:00Z", "9999-12-31T23:59:60Z", "2023-11-14T22:13:20.Z",
		"0000-01-01T00:00:00+23:59", "1e9", "0x10",
	} {
		for i := range 3 {
			f.Add(uint8(i), seed)
		}
	}
	formats := []string{tsUnix, tsUnixMS, tsRFC3339}
	f.Fuzz(func(t *testing.T, which uint8, v string) {
		format := formats[int(which)%len(formats)]
		at, bad := parseTimestamp(format, "X-T", v)
		if bad != nil {
			if bad.Reason != ReasonMalformedHeader || bad.Header != "X-T" || !strings.HasPrefix(bad.Message, "X-T is not ") {
				t.Fatalf("%s %q: %+v", format, v, bad)
			}
			return
		}
		if u := at.UTC(); u.Year() < 1 || u.Year() > 9999 {
			return // beyond what the formats write
		}
		back, bad := parseTimestamp(format, "X-T", formatTimestamp(format, at))
		if bad != nil || back.Unix() != at.Unix() {
			t.Fatalf("%s %q: %v written as %q reads back as %v (%+v)", format, v, at, formatTimestamp(format, at), back, bad)
		}
	})
}

// adyenProfile: the HMAC of the notification item's fields joined by
// colons, keyed with the hex-decoded HMAC key, base64 in
// additionalData.hmacSignature.
var adyenProfile = HMACConfig{
	SignatureField: "notificationItems.0.NotificationRequestItem.additionalData.hmacSignature",
	Encoding:       "base64", SecretEncoding: "hex",
	Template: "{json:notificationItems.0.NotificationRequestItem.pspReference}:{json:notificationItems.0.NotificationRequestItem.originalReference}:" +
		"{json:notificationItems.0.NotificationRequestItem.merchantAccountCode}:{json:notificationItems.0.NotificationRequestItem.merchantReference}:" +
		"{json:notificationItems.0.NotificationRequestItem.amount.value}:{json:notificationItems.0.NotificationRequestItem.amount.currency}:" +
		"{json:notificationItems.0.NotificationRequestItem.eventCode}:{json:notificationItems.0.NotificationRequestItem.success}",
}

// TestAdyenPublishedVector: Adyen's published HMAC example (the key, the
// notification, the signature, as in its docs and its libraries' tests)
// verifies under the profile, and signing the same notification writes
// the same signature; secret_encoding hex decodes the key.
func TestAdyenPublishedVector(t *testing.T) {
	const key = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
	const want = "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
	body := `{"live":"false","notificationItems":[{"NotificationRequestItem":{"additionalData":{"hmacSignature":"` + want + `"},` +
		`"amount":{"value":1130,"currency":"EUR"},"pspReference":"7914073381342284","eventCode":"AUTHORISATION","eventDate":"2019-05-06T17:15:34.121+02:00",` +
		`"merchantAccountCode":"TestMerchant","operations":["CANCEL","CAPTURE","REFUND"],"merchantReference":"TestPayment-1407325143704","paymentMethod":"visa","success":"true"}}]}`
	s := mustHMAC(t, adyenProfile)
	v := verify(t, s, Message{Header: http.Header{}, Body: []byte(body)}, secretsOf(key), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonValid)
	g, err := NewSigner(s, NewSecret(key))
	if err != nil {
		t.Fatal(err)
	}
	blank := strings.Replace(body, want, "", 1)
	signed, err := g.SignBody(SignInput{Body: []byte(blank)})
	if err != nil || string(signed) != body {
		t.Fatalf("signed %s, %v; want the published body", signed, err)
	}
	tampered := strings.Replace(body, `"value":1130`, `"value":1131`, 1)
	wantReason(t, verify(t, s, Message{Header: http.Header{}, Body: []byte(tampered)}, secretsOf(key), signedAt, DefaultTolerance), ReasonMismatch)
	if _, err := NewSigner(s, NewSecret("not-hex")); err == nil || !strings.Contains(err.Error(), "hex") {
		t.Fatalf("a key that is not hex: %v", err)
	}
}
