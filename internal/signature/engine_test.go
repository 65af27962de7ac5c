package signature

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Shared fixtures for the engine tests.
const (
	testID  = "msg_2Lh9ZkQbXe"
	testURL = "https://hooks.example.com/in?tenant=7"
)

var (
	signedAt = time.Unix(1700000000, 0)
	testBody = []byte(`{"event":"invoice.paid","data":{"id":"in_123","amount":4200,"currency":"eur"}}`)
)

// schemeCase is one scheme, or one configuration of the generic hmac
// scheme, with two valid secrets (new and old, for rotation) and an
// independent, from-the-spec computation of the headers it should send.
type schemeCase struct {
	name        string
	scheme      string
	opts        Options
	secret, old string
	sigHeader   string // the header that carries the signature
	timestamped bool   // the signed content includes a timestamp
	usesID      bool   // the signed content includes an id
	usesURL     bool   // the signed content includes the URL
	bodyBound   bool   // the signature covers the body (all but flutterwave)
	// want computes the headers from the scheme's specification, with the
	// standard library only, for the given secret, body and timestamp.
	want func(secret string, body []byte, ts string) map[string]string
}

func mac(h func() hash.Hash, key []byte, parts ...string) []byte {
	m := hmac.New(h, key)
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func whsecKey(secret string) []byte {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	return k
}

var (
	b64  = base64.StdEncoding.EncodeToString
	b64u = base64.RawURLEncoding.EncodeToString
	hx   = hex.EncodeToString
)

const (
	whsecNew = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	whsecOld = "whsec_b2xkLXNlY3JldC1rZXktYnl0ZXMtMTIz" // "old-secret-key-bytes-123"
	rawNew   = "sk_new_8d1f6c0e4a9b"
	rawOld   = "sk_old_2b7e151628ae"
	// third is a valid secret for every scheme (base64 for those that
	// decode it), different from every case's secret and old.
	third = "whsec_dGhpcmQtc2VjcmV0LWtleS1ieXRlcy00NTY="
)

var hmacTemplateConfig = HMACConfig{
	Header: "X-Webhook-Signature", Encoding: "base64",
	Template: "{id}.{timestamp}.{body}", IDHeader: "X-Webhook-Id", TimestampHeader: "X-Webhook-Timestamp",
}

var schemeCases = []schemeCase{
	{
		name: "standard-webhooks", scheme: "standard-webhooks", secret: whsecNew, old: whsecOld,
		sigHeader: "webhook-signature", timestamped: true, usesID: true, bodyBound: true,
		want: func(s string, body []byte, ts string) map[string]string {
			return map[string]string{
				"webhook-id": testID, "webhook-timestamp": ts,
				"webhook-signature": "v1," + b64(mac(sha256.New, whsecKey(s), testID+"."+ts+"."+string(body))),
			}
		},
	},
	{
		name: "svix", scheme: "svix", secret: whsecNew, old: whsecOld,
		sigHeader: "svix-signature", timestamped: true, usesID: true, bodyBound: true,
		want: func(s string, body []byte, ts string) map[string]string {
			return map[string]string{
				"svix-id": testID, "svix-timestamp": ts,
				"svix-signature": "v1," + b64(mac(sha256.New, whsecKey(s), testID+"."+ts+"."+string(body))),
			}
		},
	},
	{
		// Stripe's secrets look like whsec_ ones but are used whole, as bytes.
		name: "stripe", scheme: "stripe", secret: "whsec_stripeNEW0123456789", old: "whsec_stripeOLD0123456789",
		sigHeader: "Stripe-Signature", timestamped: true, bodyBound: true,
		want: func(s string, body []byte, ts string) map[string]string {
			return map[string]string{"Stripe-Signature": "t=" + ts + ",v1=" + hx(mac(sha256.New, []byte(s), ts+"."+string(body)))}
		},
	},
	{
		name: "github", scheme: "github", secret: rawNew, old: rawOld,
		sigHeader: "X-Hub-Signature-256", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			return map[string]string{"X-Hub-Signature-256": "sha256=" + hx(mac(sha256.New, []byte(s), string(body)))}
		},
	},
	{
		name: "github+sha1", scheme: "github", opts: Options{GitHubSHA1: true}, secret: rawNew, old: rawOld,
		sigHeader: "X-Hub-Signature-256", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			return map[string]string{
				"X-Hub-Signature-256": "sha256=" + hx(mac(sha256.New, []byte(s), string(body))),
				"X-Hub-Signature":     "sha1=" + hx(mac(sha1.New, []byte(s), string(body))),
			}
		},
	},
	{
		name: "paystack", scheme: "paystack", secret: rawNew, old: rawOld,
		sigHeader: "X-Paystack-Signature", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			return map[string]string{"X-Paystack-Signature": hx(mac(sha512.New, []byte(s), string(body)))}
		},
	},
	{
		name: "shopify", scheme: "shopify", secret: rawNew, old: rawOld,
		sigHeader: "X-Shopify-Hmac-Sha256", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			return map[string]string{"X-Shopify-Hmac-Sha256": b64(mac(sha256.New, []byte(s), string(body)))}
		},
	},
	{
		name: "slack", scheme: "slack", secret: "8f742231b10e8888abcd99yyyzzz85a5", old: "0ld5ecret0ld5ecret0ld5ecret0ld5e",
		sigHeader: "X-Slack-Signature", timestamped: true, bodyBound: true,
		want: func(s string, body []byte, ts string) map[string]string {
			return map[string]string{
				"X-Slack-Request-Timestamp": ts,
				"X-Slack-Signature":         "v0=" + hx(mac(sha256.New, []byte(s), "v0:"+ts+":"+string(body))),
			}
		},
	},
	{
		// The verif-hash header is the secret itself: nothing binds it to
		// the body, so a changed body still verifies (bodyBound: false).
		name: "flutterwave", scheme: "flutterwave", secret: "FLWSECK_TEST-new-hash", old: "FLWSECK_TEST-old-hash",
		sigHeader: "verif-hash",
		want: func(s string, _ []byte, _ string) map[string]string {
			return map[string]string{"verif-hash": s}
		},
	},
	{
		name: "hmac hex+prefix", scheme: "hmac", secret: rawNew, old: rawOld,
		opts:      Options{HMAC: HMACConfig{Header: "X-Signature", Prefix: "sha256="}},
		sigHeader: "X-Signature", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			return map[string]string{"X-Signature": "sha256=" + hx(mac(sha256.New, []byte(s), string(body)))}
		},
	},
	{
		name: "hmac base64 id.timestamp.body", scheme: "hmac", secret: rawNew, old: rawOld,
		opts:      Options{HMAC: hmacTemplateConfig},
		sigHeader: "X-Webhook-Signature", timestamped: true, usesID: true, bodyBound: true,
		want: func(s string, body []byte, ts string) map[string]string {
			return map[string]string{
				"X-Webhook-Id": testID, "X-Webhook-Timestamp": ts,
				"X-Webhook-Signature": b64(mac(sha256.New, []byte(s), testID+"."+ts+"."+string(body))),
			}
		},
	},
	{
		name: "hmac sha1", scheme: "hmac", secret: rawNew, old: rawOld,
		opts:      Options{HMAC: HMACConfig{Header: "X-Signature-Sha1", Hash: "sha1"}},
		sigHeader: "X-Signature-Sha1", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			return map[string]string{"X-Signature-Sha1": hx(mac(sha1.New, []byte(s), string(body)))}
		},
	},
	{
		name: "hmac sha512", scheme: "hmac", secret: rawNew, old: rawOld,
		opts:      Options{HMAC: HMACConfig{Header: "X-Signature-512", Hash: "SHA512", Prefix: "sha512="}},
		sigHeader: "X-Signature-512", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			return map[string]string{"X-Signature-512": "sha512=" + hx(mac(sha512.New, []byte(s), string(body)))}
		},
	},
	{
		name: "hmac base64url with url", scheme: "hmac", secret: rawNew, old: rawOld,
		opts: Options{HMAC: HMACConfig{
			Header: "X-Sig", Encoding: "base64url", Template: "{timestamp}:{url}:{body}", TimestampHeader: "X-Sig-Time",
		}},
		sigHeader: "X-Sig", timestamped: true, usesURL: true, bodyBound: true,
		want: func(s string, body []byte, ts string) map[string]string {
			return map[string]string{
				"X-Sig-Time": ts,
				"X-Sig":      b64u(mac(sha256.New, []byte(s), ts+":"+testURL+":"+string(body))),
			}
		},
	},
	{
		name: "hmac secret_encoding base64", scheme: "hmac", secret: whsecNew, old: whsecOld,
		opts:      Options{HMAC: HMACConfig{Header: "X-Sig-B64key", SecretEncoding: "base64"}},
		sigHeader: "X-Sig-B64key", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			return map[string]string{"X-Sig-B64key": hx(mac(sha256.New, whsecKey(s), string(body)))}
		},
	},
	{
		// Paddle: Paddle-Signature: ts=<unix>;h1=<hex HMAC-SHA256 of ts:body>.
		name: "hmac format ts;h1 (Paddle)", scheme: "hmac", secret: rawNew, old: rawOld,
		opts:      Options{HMAC: HMACConfig{Header: "Paddle-Signature", Format: "ts={timestamp};h1={signature}", Template: "{timestamp}:{body}"}},
		sigHeader: "Paddle-Signature", timestamped: true, bodyBound: true,
		want: func(s string, body []byte, ts string) map[string]string {
			return map[string]string{"Paddle-Signature": "ts=" + ts + ";h1=" + hx(mac(sha256.New, []byte(s), ts+":"+string(body)))}
		},
	},
	{
		// The header is the secret itself (GitLab's X-Gitlab-Token).
		name: "hmac mode token", scheme: "hmac", secret: rawNew, old: rawOld,
		opts:      Options{HMAC: HMACConfig{Header: "X-Gitlab-Token", Mode: "token"}},
		sigHeader: "X-Gitlab-Token",
		want: func(s string, _ []byte, _ string) map[string]string {
			return map[string]string{"X-Gitlab-Token": s}
		},
	},
	{
		// A plain hash of the content with the secret in it.
		name: "hmac mode digest", scheme: "hmac", secret: rawNew, old: rawOld,
		opts:      Options{HMAC: HMACConfig{Header: "X-Digest", Mode: "digest", Hash: "sha512", Template: "{body}.{secret}"}},
		sigHeader: "X-Digest", bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			sum := sha512.Sum512([]byte(string(body) + "." + s))
			return map[string]string{"X-Digest": hx(sum[:])}
		},
	},
	{
		name: "hmac method url body_sha256", scheme: "hmac", secret: rawNew, old: rawOld,
		opts:      Options{HMAC: HMACConfig{Header: "X-Request-Sig", Encoding: "base64", Template: "{method}\n{url}\n{body_sha256}"}},
		sigHeader: "X-Request-Sig", usesURL: true, bodyBound: true,
		want: func(s string, body []byte, _ string) map[string]string {
			sum := sha256.Sum256(body)
			return map[string]string{"X-Request-Sig": b64(mac(sha256.New, []byte(s), "POST\n"+testURL+"\n"+hx(sum[:])))}
		},
	},
}

func lookupCase(t testing.TB, c schemeCase) Scheme {
	t.Helper()
	s, err := Lookup(c.scheme, c.opts)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", c.scheme, err)
	}
	return s
}

func headerOf(fields []HeaderField) http.Header {
	h := http.Header{}
	for _, f := range fields {
		h.Add(f.Name, f.Value)
	}
	return h
}

// signMsg signs body as of at, and returns the message a receiver would see.
func signMsg(t testing.TB, s Scheme, secret string, body []byte, at time.Time) Message {
	t.Helper()
	fields, err := Sign(s, NewSecret(secret), SignInput{Body: body, ID: testID, Timestamp: at, URL: testURL})
	if err != nil {
		t.Fatalf("Sign(%s): %v", s.Name(), err)
	}
	return Message{Header: headerOf(fields), Body: bytes.Clone(body), URL: testURL}
}

func secretsOf(vs ...string) []Secret {
	out := make([]Secret, len(vs))
	for i, v := range vs {
		out[i] = NewSecret(v)
	}
	return out
}

var knownReasons = []Reason{
	ReasonValid, ReasonMissingHeader, ReasonMalformedHeader, ReasonUnsupportedVersion,
	ReasonTimestampTooOld, ReasonTimestampInFuture, ReasonMismatch, ReasonNoSecret,
}

// verify runs Verify as of now, fails the test on an error, and checks the
// invariants every verdict must satisfy.
func verify(t testing.TB, s Scheme, m Message, secrets []Secret, now time.Time, tol time.Duration) Verdict {
	t.Helper()
	v, err := Verify(s, m, secrets, VerifyOptions{Now: now, Tolerance: tol})
	if err != nil {
		t.Fatalf("Verify(%s): %v", s.Name(), err)
	}
	checkInvariants(t, s, v, len(secrets))
	return v
}

func checkInvariants(t testing.TB, s Scheme, v Verdict, nSecrets int) {
	t.Helper()
	if !slices.Contains(knownReasons, v.Reason) {
		t.Fatalf("unknown reason %q in %+v", v.Reason, v)
	}
	if v.Valid != (v.Reason == ReasonValid) {
		t.Fatalf("Valid=%v with reason %q", v.Valid, v.Reason)
	}
	if v.Scheme != s.Name() {
		t.Fatalf("verdict scheme %q, want %q", v.Scheme, s.Name())
	}
	if v.Message == "" || v.Header == "" {
		t.Fatalf("verdict without message or header: %+v", v)
	}
	if v.Valid && (v.SecretIndex < 1 || v.SecretIndex > nSecrets) {
		t.Fatalf("valid verdict with SecretIndex %d of %d secrets", v.SecretIndex, nSecrets)
	}
	if !v.Valid && v.SecretIndex != 0 {
		t.Fatalf("invalid verdict with SecretIndex %d: %+v", v.SecretIndex, v)
	}
	if (v.Reason == ReasonTimestampTooOld || v.Reason == ReasonTimestampInFuture) && v.SkewSeconds == nil {
		t.Fatalf("%s without SkewSeconds", v.Reason)
	}
}

func wantReason(t testing.TB, v Verdict, r Reason) {
	t.Helper()
	if v.Reason != r {
		t.Fatalf("reason %q, want %q; verdict %+v", v.Reason, r, v)
	}
}

func TestSignMatchesSpec(t *testing.T) {
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			if s.UsesTimestamp() != c.timestamped || s.UsesID() != c.usesID {
				t.Fatalf("UsesTimestamp=%v UsesID=%v, want %v %v", s.UsesTimestamp(), s.UsesID(), c.timestamped, c.usesID)
			}
			fields, err := Sign(s, NewSecret(c.secret), SignInput{Body: testBody, ID: testID, Timestamp: signedAt, URL: testURL})
			if err != nil {
				t.Fatal(err)
			}
			want := c.want(c.secret, testBody, ts)
			if len(fields) != len(want) {
				t.Fatalf("Sign sent %d headers %v, want %d %v", len(fields), fields, len(want), want)
			}
			for _, f := range fields {
				if w, ok := want[f.Name]; !ok || f.Value != w {
					t.Errorf("%s: %q, want %q (present in spec: %v)", f.Name, f.Value, w, ok)
				}
			}
			// Every header sent is one the scheme says it uses, and the
			// signature header is among them.
			names := s.HeaderNames()
			for _, f := range fields {
				if !slices.Contains(names, f.Name) {
					t.Errorf("Sign sent %s, not in HeaderNames %v", f.Name, names)
				}
			}
			if !slices.Contains(names, c.sigHeader) {
				t.Errorf("HeaderNames %v lacks %s", names, c.sigHeader)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	bodies := map[string][]byte{
		"json":   testBody,
		"empty":  {},
		"binary": {0, 0xff, '\n', 0x80, '.', ':', ',', ' '},
		"large":  bytes.Repeat([]byte("0123456789abcdef"), 4096),
	}
	for _, c := range schemeCases {
		for bname, body := range bodies {
			t.Run(c.name+"/"+bname, func(t *testing.T) {
				s := lookupCase(t, c)
				m := signMsg(t, s, c.secret, body, signedAt)
				v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
				wantReason(t, v, ReasonValid)
				if v.SecretIndex != 1 || v.Header != c.sigHeader || len(v.Hints) != 0 {
					t.Fatalf("verdict %+v: want SecretIndex 1, header %s, no hints", v, c.sigHeader)
				}
				if c.timestamped != (v.SkewSeconds != nil) {
					t.Fatalf("SkewSeconds %v for timestamped=%v", v.SkewSeconds, c.timestamped)
				}
				if c.timestamped && *v.SkewSeconds != 0 {
					t.Fatalf("SkewSeconds %d, want 0", *v.SkewSeconds)
				}
			})
		}
	}
}

func TestTamperedBody(t *testing.T) {
	tampers := map[string]func([]byte) []byte{
		"flipped bit": func(b []byte) []byte { b = bytes.Clone(b); b[len(b)/2] ^= 1; return b },
		"appended":    func(b []byte) []byte { return append(bytes.Clone(b), 'x') },
		"truncated":   func(b []byte) []byte { return b[:len(b)-1] },
		"emptied":     func([]byte) []byte { return nil },
	}
	for _, c := range schemeCases {
		for tname, tamper := range tampers {
			t.Run(c.name+"/"+tname, func(t *testing.T) {
				s := lookupCase(t, c)
				m := signMsg(t, s, c.secret, testBody, signedAt)
				m.Body = tamper(m.Body)
				v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
				if !c.bodyBound {
					// Documented property of the scheme, not a wish: the
					// header does not depend on the body.
					wantReason(t, v, ReasonValid)
					return
				}
				wantReason(t, v, ReasonMismatch)
				if v.Header != c.sigHeader {
					t.Fatalf("mismatch about %q, want %q", v.Header, c.sigHeader)
				}
			})
		}
	}
}

// TestSignedFields checks that the id, timestamp and URL are covered by the
// signature exactly when the scheme says it signs them.
func TestSignedFields(t *testing.T) {
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	ts1 := strconv.FormatInt(signedAt.Unix()+1, 10)
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			replaceAll := func(m Message, old, new string) Message {
				h := http.Header{}
				for k, vs := range m.Header {
					for _, v := range vs {
						h.Add(k, strings.ReplaceAll(v, old, new))
					}
				}
				m.Header = h
				return m
			}
			if c.timestamped {
				m := replaceAll(signMsg(t, s, c.secret, testBody, signedAt), ts, ts1)
				wantReason(t, verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance), ReasonMismatch)
			}
			if c.usesID {
				m := replaceAll(signMsg(t, s, c.secret, testBody, signedAt), testID, testID+"x")
				wantReason(t, verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance), ReasonMismatch)
			}
			m := signMsg(t, s, c.secret, testBody, signedAt)
			m.URL = testURL + "&y=2"
			v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
			if c.usesURL {
				wantReason(t, v, ReasonMismatch)
			} else {
				wantReason(t, v, ReasonValid)
			}
		})
	}
}

func TestWrongSecret(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			m := signMsg(t, s, c.secret, testBody, signedAt)
			v := verify(t, s, m, secretsOf(c.old), signedAt, DefaultTolerance)
			wantReason(t, v, ReasonMismatch)
			if v.Header != c.sigHeader {
				t.Fatalf("mismatch about %q, want %q", v.Header, c.sigHeader)
			}
			v = verify(t, s, m, secretsOf(c.old, third), signedAt, DefaultTolerance)
			wantReason(t, v, ReasonMismatch)
			if !strings.Contains(v.Message, "none of the 2 secrets") {
				t.Fatalf("message %q does not say no secret of 2 matched", v.Message)
			}
		})
	}
}

func TestTimestampTolerance(t *testing.T) {
	tol := DefaultTolerance
	tolS := int64(tol / time.Second)
	type tc struct {
		name      string
		now       time.Time
		tol       time.Duration
		secret    string // verify with this secret (c.secret when empty)
		want      Reason
		skew      int64
		hintMatch string
	}
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			m := signMsg(t, s, c.secret, testBody, signedAt)
			if !c.timestamped {
				// Nothing signed to check: any moment is fine, no skew.
				for _, now := range []time.Time{signedAt.Add(-10 * 365 * 24 * time.Hour), signedAt.Add(10 * 365 * 24 * time.Hour)} {
					v := verify(t, s, m, secretsOf(c.secret), now, tol)
					wantReason(t, v, ReasonValid)
					if v.SkewSeconds != nil {
						t.Fatalf("SkewSeconds set for an untimestamped scheme: %d", *v.SkewSeconds)
					}
				}
				return
			}
			year := 365 * 24 * time.Hour
			for _, x := range []tc{
				{name: "exactly tolerance old", now: signedAt.Add(tol), tol: tol, want: ReasonValid, skew: tolS},
				{name: "exactly tolerance ahead", now: signedAt.Add(-tol), tol: tol, want: ReasonValid, skew: -tolS},
				{name: "1s beyond, old", now: signedAt.Add(tol + time.Second), tol: tol, want: ReasonTimestampTooOld, skew: tolS + 1, hintMatch: "signature itself matches"},
				{name: "1s beyond, ahead", now: signedAt.Add(-tol - time.Second), tol: tol, want: ReasonTimestampInFuture, skew: -tolS - 1, hintMatch: "signature itself matches"},
				{name: "stale", now: signedAt.Add(time.Hour), tol: tol, want: ReasonTimestampTooOld, skew: 3600},
				{name: "future", now: signedAt.Add(-2 * time.Hour), tol: tol, want: ReasonTimestampInFuture, skew: -7200},
				{name: "stale and wrong secret", now: signedAt.Add(time.Hour), tol: tol, secret: c.old, want: ReasonTimestampTooOld, skew: 3600, hintMatch: "does not match either"},
				{name: "tight tolerance", now: signedAt.Add(11 * time.Second), tol: 10 * time.Second, want: ReasonTimestampTooOld, skew: 11},
				{name: "tolerance 0, a year old", now: signedAt.Add(year), tol: 0, want: ReasonValid, skew: int64(year / time.Second)},
				{name: "tolerance 0, a year ahead", now: signedAt.Add(-year), tol: 0, want: ReasonValid, skew: -int64(year / time.Second)},
				{name: "tolerance 0, wrong secret", now: signedAt.Add(year), tol: 0, secret: c.old, want: ReasonMismatch, skew: int64(year / time.Second)},
			} {
				if x.want == ReasonTimestampInFuture && c.scheme == "stripe" {
					// Stripe's libraries check only the age: see
					// TestStripeAgreesWithItsLibraries.
					x.want, x.hintMatch = ReasonValid, "check only a timestamp's age"
				}
				t.Run(x.name, func(t *testing.T) {
					sec := x.secret
					if sec == "" {
						sec = c.secret
					}
					v := verify(t, s, m, secretsOf(sec), x.now, x.tol)
					wantReason(t, v, x.want)
					if v.SkewSeconds == nil || *v.SkewSeconds != x.skew {
						t.Fatalf("SkewSeconds %v, want %d", v.SkewSeconds, x.skew)
					}
					if x.hintMatch != "" && !slices.ContainsFunc(v.Hints, func(h string) bool { return strings.Contains(h, x.hintMatch) }) {
						t.Fatalf("hints %q lack %q", v.Hints, x.hintMatch)
					}
				})
			}
		})
	}
}

func TestRotation(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			byOld := signMsg(t, s, c.old, testBody, signedAt)
			byNew := signMsg(t, s, c.secret, testBody, signedAt)
			for _, x := range []struct {
				name    string
				m       Message
				secrets []string
				index   int
			}{
				{"new first, signed with old", byOld, []string{c.secret, c.old}, 2},
				{"new first, signed with new", byNew, []string{c.secret, c.old}, 1},
				{"old first, signed with new", byNew, []string{c.old, c.secret}, 2},
				{"third of three", byOld, []string{c.secret, third, c.old}, 3},
			} {
				t.Run(x.name, func(t *testing.T) {
					v := verify(t, s, x.m, secretsOf(x.secrets...), signedAt, DefaultTolerance)
					wantReason(t, v, ReasonValid)
					if v.SecretIndex != x.index {
						t.Fatalf("SecretIndex %d, want %d", v.SecretIndex, x.index)
					}
					if want := "secret " + strconv.Itoa(x.index) + " of " + strconv.Itoa(len(x.secrets)); !strings.Contains(v.Message, want) {
						t.Fatalf("message %q lacks %q", v.Message, want)
					}
				})
			}
		})
	}
}

func TestMissingHeader(t *testing.T) {
	for _, c := range schemeCases {
		if c.opts.GitHubSHA1 {
			continue // either header suffices; see TestGitHubLegacy
		}
		s := lookupCase(t, c)
		for _, name := range s.HeaderNames() {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				for _, how := range []string{"deleted", "empty"} {
					m := signMsg(t, s, c.secret, testBody, signedAt)
					if how == "deleted" {
						m.Header.Del(name)
					} else {
						m.Header.Set(name, "")
					}
					v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
					wantReason(t, v, ReasonMissingHeader)
					if v.Header != name || !strings.Contains(v.Message, name) {
						t.Fatalf("%s: verdict names %q (%q), want %s", how, v.Header, v.Message, name)
					}
					if len(v.Hints) != 0 {
						t.Fatalf("%s: unexpected hints %q", how, v.Hints)
					}
				}
			})
		}
		t.Run(c.name+"/no headers at all", func(t *testing.T) {
			v := verify(t, s, Message{Header: http.Header{}, Body: testBody}, secretsOf(c.secret), signedAt, DefaultTolerance)
			wantReason(t, v, ReasonMissingHeader)
			if !slices.Contains(s.HeaderNames(), v.Header) {
				t.Fatalf("missing %q, not one of %v", v.Header, s.HeaderNames())
			}
		})
	}
}

// headerCase alters one header of a correctly signed message.
type headerCase struct {
	scheme string // a schemeCases name
	header string // set to value
	value  string
	about  string // the header the verdict must name
}

func caseNamed(t testing.TB, name string) schemeCase {
	t.Helper()
	for _, c := range schemeCases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no scheme case %q", name)
	return schemeCase{}
}

func runHeaderCases(t *testing.T, want Reason, cases []headerCase) {
	t.Helper()
	for _, x := range cases {
		t.Run(x.scheme+"/"+x.header+"="+x.value, func(t *testing.T) {
			c := caseNamed(t, x.scheme)
			s := lookupCase(t, c)
			m := signMsg(t, s, c.secret, testBody, signedAt)
			m.Header.Set(x.header, x.value)
			v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
			wantReason(t, v, want)
			if v.Header != x.about {
				t.Fatalf("verdict about %q, want %q (%q)", v.Header, x.about, v.Message)
			}
		})
	}
}

const hex32 = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

func TestMalformedHeader(t *testing.T) {
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	var cases []headerCase
	for _, std := range []string{"standard-webhooks", "svix"} {
		p := "webhook-"
		if std == "svix" {
			p = "svix-"
		}
		sig, tsh := p+"signature", p+"timestamp"
		cases = append(cases,
			headerCase{std, sig, "garbage", sig},
			headerCase{std, sig, "v1", sig},
			headerCase{std, sig, "v1,!!!not-base64!!!", sig},
			headerCase{std, sig, "v1,dGVzdA", sig}, // unpadded
			headerCase{std, sig, hex32, sig},
			headerCase{std, tsh, "soon", tsh},
			headerCase{std, tsh, "1700000000.5", tsh},
			headerCase{std, tsh, "0x6553f100", tsh},
			headerCase{std, tsh, "99999999999999999999", tsh},
		)
	}
	cases = append(cases,
		headerCase{"stripe", "Stripe-Signature", "garbage", "Stripe-Signature"},
		headerCase{"stripe", "Stripe-Signature", "v1=" + hex32, "Stripe-Signature"},                    // no t=
		headerCase{"stripe", "Stripe-Signature", "t=,v1=" + hex32, "Stripe-Signature"},                 // empty t=
		headerCase{"stripe", "Stripe-Signature", "t=" + ts, "Stripe-Signature"},                        // no v1=
		headerCase{"stripe", "Stripe-Signature", "t=" + ts + ",v1=zz", "Stripe-Signature"},             // not hex
		headerCase{"stripe", "Stripe-Signature", "t=yesterday,v1=" + hex32, "Stripe-Signature"},        // t not an integer
		headerCase{"stripe", "Stripe-Signature", "t=" + ts + ".0,v1=" + hex32, "Stripe-Signature"},     // t not an integer
		headerCase{"stripe", "Stripe-Signature", "t=" + ts + ";v1=" + hex32, "Stripe-Signature"},       // wrong separator
		headerCase{"stripe", "Stripe-Signature", "t=" + ts + ",v1=" + hex32 + ",", "Stripe-Signature"}, // empty pair
		headerCase{"github", "X-Hub-Signature-256", "sha256=zz", "X-Hub-Signature-256"},
		headerCase{"github", "X-Hub-Signature-256", hex32, "X-Hub-Signature-256"},
		headerCase{"github", "X-Hub-Signature-256", "garbage", "X-Hub-Signature-256"},
		headerCase{"github", "X-Hub-Signature-256", "sha256:" + hex32, "X-Hub-Signature-256"},
		headerCase{"paystack", "X-Paystack-Signature", "not hex at all", "X-Paystack-Signature"},
		headerCase{"paystack", "X-Paystack-Signature", "abc", "X-Paystack-Signature"}, // odd length
		headerCase{"shopify", "X-Shopify-Hmac-Sha256", "!!!", "X-Shopify-Hmac-Sha256"},
		headerCase{"shopify", "X-Shopify-Hmac-Sha256", "dGVzdA", "X-Shopify-Hmac-Sha256"}, // unpadded
		headerCase{"slack", "X-Slack-Signature", "garbage", "X-Slack-Signature"},
		headerCase{"slack", "X-Slack-Signature", "v0=zz", "X-Slack-Signature"},
		headerCase{"slack", "X-Slack-Signature", hex32, "X-Slack-Signature"},
		headerCase{"slack", "X-Slack-Request-Timestamp", "now", "X-Slack-Request-Timestamp"},
		headerCase{"hmac hex+prefix", "X-Signature", hex32, "X-Signature"}, // no prefix
		headerCase{"hmac hex+prefix", "X-Signature", "sha256=xyz", "X-Signature"},
		headerCase{"hmac hex+prefix", "X-Signature", "sha1=" + hex32, "X-Signature"},
		headerCase{"hmac base64 id.timestamp.body", "X-Webhook-Signature", "%%%", "X-Webhook-Signature"},
		headerCase{"hmac base64 id.timestamp.body", "X-Webhook-Timestamp", "1e9", "X-Webhook-Timestamp"},
		headerCase{"hmac sha1", "X-Signature-Sha1", "g00d", "X-Signature-Sha1"},
		headerCase{"hmac base64url with url", "X-Sig", "a+b/c", "X-Sig"}, // std alphabet, not url
		headerCase{"hmac base64url with url", "X-Sig-Time", "-", "X-Sig-Time"},
		headerCase{"hmac secret_encoding base64", "X-Sig-B64key", "nothex", "X-Sig-B64key"},
	)
	runHeaderCases(t, ReasonMalformedHeader, cases)
}

func TestUnsupportedVersion(t *testing.T) {
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	runHeaderCases(t, ReasonUnsupportedVersion, []headerCase{
		{"standard-webhooks", "webhook-signature", "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "webhook-signature"},
		{"standard-webhooks", "webhook-signature", "v2,abc v1a,def", "webhook-signature"},
		{"svix", "svix-signature", "v1a,Zm9v", "svix-signature"},
		{"stripe", "Stripe-Signature", "t=" + ts + ",v0=" + hex32, "Stripe-Signature"},
		{"slack", "X-Slack-Signature", "v1=" + hex32, "X-Slack-Signature"},
		{"github", "X-Hub-Signature-256", "sha512=" + hex32, "X-Hub-Signature-256"},
	})
}

func TestNoSecret(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			m := signMsg(t, s, c.secret, testBody, signedAt)
			for _, secrets := range [][]Secret{nil, {}} {
				v := verify(t, s, m, secrets, signedAt, DefaultTolerance)
				wantReason(t, v, ReasonNoSecret)
				if v.Header != c.sigHeader {
					t.Fatalf("no_secret about %q, want %q", v.Header, c.sigHeader)
				}
			}
		})
	}
}

// TestUnusableSecret: a secret that cannot be a key is an error from Sign
// and Verify, never a verdict, and the error does not show the secret.
func TestUnusableSecret(t *testing.T) {
	const notBase64 = "whsec_this is *not* base64!"
	for _, name := range []string{"standard-webhooks", "svix", "hmac secret_encoding base64"} {
		t.Run(name, func(t *testing.T) {
			c := caseNamed(t, name)
			s := lookupCase(t, c)
			m := signMsg(t, s, c.secret, testBody, signedAt)
			for _, bad := range []string{notBase64, "whsec_", "plainly not a key"} {
				_, err := Sign(s, NewSecret(bad), SignInput{Body: testBody, ID: testID, Timestamp: signedAt})
				if err == nil {
					t.Fatalf("Sign with %q: no error", bad)
				}
				if bad != "whsec_" && strings.Contains(err.Error(), bad) {
					t.Fatalf("Sign error shows the secret: %v", err)
				}
				_, err = Verify(s, m, secretsOf(c.secret, bad), VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance})
				if err == nil {
					t.Fatalf("Verify with %q: no error", bad)
				}
				if (bad != "whsec_" && strings.Contains(err.Error(), bad)) || !strings.Contains(err.Error(), "secret 2 of 2") {
					t.Fatalf("Verify error %q: should name the position and not show the secret", err)
				}
			}
		})
	}
}

// TestEmptySecret: an empty secret is no key. Sign refuses it, and Verify
// must too: otherwise a signature anyone can compute (the HMAC under the
// empty key, or an empty verif-hash) would be accepted.
func TestEmptySecret(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			for _, sec := range []Secret{{}, NewSecret(""), NewSecret(" \n")} {
				if _, err := Sign(s, sec, SignInput{Body: testBody, ID: testID, Timestamp: signedAt, URL: testURL}); err == nil {
					t.Fatal("Sign with an empty secret: no error")
				}
				// A forgery: sign with the empty key directly.
				m := signMsg(t, s, c.secret, testBody, signedAt)
				if k, err := s.(macScheme).key(sec); err == nil {
					fields := s.(macScheme).sign(newMacKey(k), testID, strconv.FormatInt(signedAt.Unix(), 10), testBody, testURL)
					m.Header = headerOf(fields)
					if c.name == "flutterwave" {
						m.Header.Set("verif-hash", " ") // trimmed to the empty secret
					}
				}
				v, err := Verify(s, m, []Secret{sec}, VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance})
				if err == nil {
					t.Fatalf("Verify with an empty secret: no error; verdict %+v", v)
				}
				if _, err := Verify(s, m, []Secret{NewSecret(c.secret), sec}, VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance}); err == nil || !strings.Contains(err.Error(), "secret 2 of 2") {
					t.Fatalf("Verify with an empty second secret: %v", err)
				}
			}
		})
	}
}

func TestStripeMultipleSignatures(t *testing.T) {
	c := caseNamed(t, "stripe")
	s := lookupCase(t, c)
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	good := hx(mac(sha256.New, []byte(c.secret), ts+"."+string(testBody)))
	wrong := hx(mac(sha256.New, []byte(c.old), ts+"."+string(testBody)))
	for _, x := range []struct {
		value string
		want  Reason
	}{
		{"t=" + ts + ",v1=" + wrong + ",v1=" + good, ReasonValid},
		{"t=" + ts + ",v1=" + good + ",v1=" + wrong, ReasonValid},
		{"v1=" + wrong + ",t=" + ts + ",v1=" + good, ReasonValid},             // any order
		{"v1=" + wrong + ", t=" + ts + ", v1=" + good, ReasonMalformedHeader}, // spaces: see TestStripeAgreesWithItsLibraries
		{"t=" + ts + ",v0=" + wrong + ",v1=" + good, ReasonValid},             // unknown scheme beside v1
		{"t=" + ts + ",v1=" + wrong + ",v1=" + wrong, ReasonMismatch},
		{"t=" + ts + ",v1=" + good[:62], ReasonMismatch}, // truncated
	} {
		m := Message{Header: http.Header{"Stripe-Signature": {x.value}}, Body: testBody}
		v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
		if v.Reason != x.want {
			t.Errorf("%s: %q, want %q", x.value, v.Reason, x.want)
		}
	}
}

func TestStandardMultipleSignatures(t *testing.T) {
	c := caseNamed(t, "standard-webhooks")
	s := lookupCase(t, c)
	m := signMsg(t, s, c.secret, testBody, signedAt)
	good := m.Header.Get("webhook-signature")
	wrong := signMsg(t, s, c.old, testBody, signedAt).Header.Get("webhook-signature")
	for _, x := range []struct {
		value string
		want  Reason
	}{
		{wrong + " " + good, ReasonValid},
		{good + " " + wrong, ReasonValid},
		{"v1a,c2lnbmF0dXJl " + good, ReasonValid},
		{"v1,!!! " + good, ReasonValid}, // a bad one beside a good one
		{wrong + "  " + wrong, ReasonMismatch},
		{wrong + " v1a," + strings.TrimPrefix(good, "v1,"), ReasonMismatch}, // the right MAC, under another version
	} {
		m.Header.Set("webhook-signature", x.value)
		v := verify(t, s, m, secretsOf(c.secret), signedAt, DefaultTolerance)
		if v.Reason != x.want {
			t.Errorf("%s: %q, want %q", x.value, v.Reason, x.want)
		}
	}
}

func TestGitHubLegacy(t *testing.T) {
	secret := rawNew
	legacy := http.Header{"X-Hub-Signature": {"sha1=" + hx(mac(sha1.New, []byte(secret), string(testBody)))}}
	m := Message{Header: legacy, Body: testBody}

	plain, _ := Lookup("github", Options{})
	v := verify(t, plain, m, secretsOf(secret), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMissingHeader)
	if v.Header != "X-Hub-Signature-256" {
		t.Fatalf("missing %q, want X-Hub-Signature-256", v.Header)
	}
	if !slices.ContainsFunc(v.Hints, func(h string) bool { return strings.Contains(h, "--github-sha1") }) {
		t.Fatalf("hints %q do not mention --github-sha1", v.Hints)
	}

	withSHA1, _ := Lookup("github", Options{GitHubSHA1: true})
	v = verify(t, withSHA1, m, secretsOf(secret), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonValid)
	if v.Header != "X-Hub-Signature" {
		t.Fatalf("valid under %q, want X-Hub-Signature", v.Header)
	}
	v = verify(t, withSHA1, m, secretsOf(rawOld), signedAt, DefaultTolerance)
	wantReason(t, v, ReasonMismatch)

	// A sha256 header, when present, is what counts, even with sha1 allowed.
	both := m
	both.Header = legacy.Clone()
	both.Header.Set("X-Hub-Signature-256", "sha256="+hx(mac(sha256.New, []byte(rawOld), string(testBody))))
	wantReason(t, verify(t, withSHA1, both, secretsOf(secret), signedAt, DefaultTolerance), ReasonMismatch)

	// Garbage in the legacy header is malformed once it is accepted.
	m.Header = http.Header{"X-Hub-Signature": {"sha1=nothex"}}
	wantReason(t, verify(t, withSHA1, m, secretsOf(secret), signedAt, DefaultTolerance), ReasonMalformedHeader)
	m.Header = http.Header{"X-Hub-Signature": {"md5=abcd"}}
	wantReason(t, verify(t, withSHA1, m, secretsOf(secret), signedAt, DefaultTolerance), ReasonUnsupportedVersion)
}

func TestLookup(t *testing.T) {
	for _, alias := range []string{"standard-webhooks", "standardwebhooks", "standard", " Standard-Webhooks "} {
		s, err := Lookup(alias, Options{})
		if err != nil || s.Name() != "standard-webhooks" {
			t.Errorf("Lookup(%q) = %v, %v", alias, s, err)
		}
	}
	names := Names()
	if !slices.IsSorted(names) {
		t.Errorf("Names() not sorted: %v", names)
	}
	for _, n := range names {
		s, err := Lookup(n, Options{HMAC: HMACConfig{Header: "X-Sig"}})
		if err != nil || s.Name() != n || s.Description() == "" || len(s.HeaderNames()) == 0 && !Unsigned(s) {
			t.Errorf("Lookup(%q) = %v, %v", n, s, err)
		}
	}
	for _, bad := range []string{"", "  ", "stripey"} {
		if _, err := Lookup(bad, Options{}); err == nil {
			t.Errorf("Lookup(%q): no error", bad)
		}
	}
	if _, err := Lookup("hmac", Options{}); err == nil {
		t.Error("Lookup(hmac) without a header: no error")
	}
}

func TestNewHMACRejects(t *testing.T) {
	for _, cfg := range []HMACConfig{
		{},
		{Header: "  "},
		{Header: "X-Sig", Hash: "md5"},
		{Header: "X-Sig", Encoding: "base32"},
		{Header: "X-Sig", SecretEncoding: "base32"},
		{Header: "X-Sig", Template: "{body"},
		{Header: "X-Sig", Template: "{}"},
		{Header: "X-Sig", Template: "{Body}"},
		{Header: "X-Sig", Template: "{nonce}.{body}"},
		{Header: "X-Sig", Template: "{id}.{body}"},
		{Header: "X-Sig", Template: "{timestamp}.{body}"},
		{Header: "X-Sig", Mode: "rsa"},
		{Header: "X-Sig", Mode: "digest"},
		{Header: "X-Sig", Template: "{body}{secret}"},
		{Header: "X-Sig", Mode: "token", Template: "{body}"},
		{Header: "X-Sig", Mode: "token", Prefix: "Bearer "},
		{Header: "X-Sig", Template: "{json:}"},
		{Header: "X-Sig", Format: "{signature}"},
		{Header: "X-Sig", Format: "v1={sig}"},
		{Header: "X-Sig", Format: "t={timestamp}"},
		{Header: "X-Sig", Format: "t={timestamp},v1={signature}"},
		{Header: "X-Sig", Format: "t={timestamp},v1={signature};v2={signature}", Template: "{timestamp}.{body}"},
		{Header: "X-Sig", Format: "v1={signature},v1={signature}"},
		{Header: "X-Sig", Format: "v1={signature},", Template: "{body}"},
		{Header: "X-Sig", Format: "t={timestamp},v1={signature}", Template: "{timestamp}.{body}", TimestampHeader: "X-Ts"},
		{Header: "X-Sig", Format: "v1={signature}", Prefix: "v1="},
		{Header: "X-Sig", SignatureField: "sig"},
		{SignatureField: "sig", Template: "{body}"},
		{SignatureField: "sig", Template: "{body_sha256}"},
		{Header: "X-Sig", Template: "{pairs}", PairsFormat: "{key}"},
		{Header: "X-Sig", Template: strings.Repeat("x", 5000)},
	} {
		if s, err := NewHMAC(cfg); err == nil {
			t.Errorf("NewHMAC(%+v) = %v, want an error", cfg, s)
		}
	}
}

func TestSignRequiresIDAndTimestamp(t *testing.T) {
	for _, c := range schemeCases {
		s := lookupCase(t, c)
		if c.usesID {
			if _, err := Sign(s, NewSecret(c.secret), SignInput{Body: testBody, Timestamp: signedAt}); err == nil {
				t.Errorf("%s: Sign without an id: no error", c.name)
			}
		}
		if c.timestamped {
			if _, err := Sign(s, NewSecret(c.secret), SignInput{Body: testBody, ID: testID}); err == nil {
				t.Errorf("%s: Sign without a timestamp: no error", c.name)
			}
		}
	}
}

// TestHMACPrefixWhitespace: HTTP trims header values, so a configured
// prefix that starts with whitespace still verifies what Sign sent.
func TestHMACPrefixWhitespace(t *testing.T) {
	for _, prefix := range []string{" sha256=", "\tv1:", " ", "sha256= "} {
		s, err := NewHMAC(HMACConfig{Header: "X-Signature", Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		m := signMsg(t, s, rawNew, testBody, signedAt)
		for _, value := range []string{m.Header.Get("X-Signature"), strings.TrimSpace(m.Header.Get("X-Signature"))} {
			m.Header.Set("X-Signature", value)
			wantReason(t, verify(t, s, m, secretsOf(rawNew), signedAt, DefaultTolerance), ReasonValid)
		}
	}
}

// TestVerifierReuse checks one Verifier across many messages from many
// goroutines, as the listener uses it: the keyed HMAC states it keeps for
// reuse must come back clean, so a valid message after a tampered one (and
// the other way round) gets its own verdict, with two secrets to rotate
// through.
func TestVerifierReuse(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			vf, err := NewVerifier(s, secretsOf(c.secret, c.old))
			if err != nil {
				t.Fatal(err)
			}
			concurrently(t, func(g, i int) string {
				body := []byte(fmt.Sprintf(`{"goroutine":%d,"n":%d}`, g, i))
				secret, want, index := c.secret, ReasonValid, 1
				if i%2 == 1 {
					secret, index = c.old, 2
				}
				m := signMsg(t, s, secret, body, signedAt)
				if (g+i)%3 == 0 && c.bodyBound {
					m.Body = append([]byte(nil), body...)
					m.Body[len(m.Body)-1] = ']'
					want, index = ReasonMismatch, 0
				}
				v := vf.Verify(m, VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance})
				if v.Reason != want || v.SecretIndex != index {
					return fmt.Sprintf("%+v, want %s with secret %d", v, want, index)
				}
				return ""
			})
		})
	}
}

// TestSignerReuse: one Signer signing many bodies from many goroutines
// makes the same headers as a fresh Sign of each, which verify.
func TestSignerReuse(t *testing.T) {
	for _, c := range schemeCases {
		t.Run(c.name, func(t *testing.T) {
			s := lookupCase(t, c)
			sg, err := NewSigner(s, NewSecret(c.secret))
			if err != nil {
				t.Fatal(err)
			}
			concurrently(t, func(g, i int) string {
				in := SignInput{Body: []byte(fmt.Sprintf(`{"goroutine":%d,"n":%d}`, g, i)), ID: testID, Timestamp: signedAt, URL: testURL}
				got, err := sg.Sign(in)
				want, werr := Sign(s, NewSecret(c.secret), in)
				if err != nil || werr != nil || !reflect.DeepEqual(got, want) {
					return fmt.Sprintf("%v %v: %v, want %v", err, werr, got, want)
				}
				v, err := Verify(s, Message{Header: headerOf(got), Body: in.Body, URL: testURL}, secretsOf(c.secret), VerifyOptions{Now: signedAt, Tolerance: DefaultTolerance})
				if err != nil || !v.Valid {
					return fmt.Sprintf("%v %+v", err, v)
				}
				return ""
			})
		})
	}
}

// concurrently runs check for 50 messages in each of 8 goroutines and
// reports what it returns that is not "" (the first of each goroutine).
func concurrently(t *testing.T, check func(goroutine, message int) string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if e := check(g, i); e != "" {
					errs <- fmt.Sprintf("goroutine %d message %d: %s", g, i, e)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
