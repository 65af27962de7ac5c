package signature

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNotChecked: with no secret, a message carrying a scheme's signature
// is "not checked" (no_secret, naming the header), one carrying none is
// unsigned (nil), for every scheme.
func TestNotChecked(t *testing.T) {
	body := []byte(`{"a":1}`)
	for _, name := range Names() {
		s, err := Lookup(name, Options{HMAC: HMACConfig{Header: "X-Sig", Hash: "sha256", Encoding: "hex"}})
		if err != nil {
			t.Fatal(err)
		}
		if Unsigned(s) {
			// Nothing is signed: every delivery is unsigned.
			if v := NotChecked(s, http.Header{"Stripe-Signature": {"t=1,v1=00"}}, nil); v != nil {
				t.Errorf("none: %+v, want nil (unsigned)", v)
			}
			continue
		}
		secret, _ := testKeys(t, s)
		fields, err := Sign(s, secret, SignInput{Body: body, ID: "msg_1", Timestamp: time.Unix(1700000000, 0)})
		if err != nil {
			t.Fatal(name, err)
		}
		signed := http.Header{}
		for _, f := range fields {
			signed.Add(f.Name, f.Value)
		}
		v := NotChecked(s, signed, nil)
		if v == nil || v.Reason != ReasonNoSecret || v.Valid || v.Scheme != name || v.Header == "" || v.Checked() {
			t.Errorf("%s, signed: %+v, want a no_secret verdict naming the header", name, v)
		}
		if v := NotChecked(s, http.Header{"Content-Type": {"application/json"}}, nil); v != nil {
			t.Errorf("%s, no signature header: %+v, want nil (unsigned)", name, v)
		}
	}
	if NotChecked(nil, http.Header{"Stripe-Signature": {"t=1,v1=00"}}, nil) != nil {
		t.Error("no scheme: want nil")
	}
	// A malformed signature header is a signature header: not checked.
	if v := NotChecked(stripe{}, http.Header{"Stripe-Signature": {"garbage"}}, nil); v == nil || v.Reason != ReasonNoSecret {
		t.Errorf("malformed: %+v", v)
	}
}

// TestSignedID: the id a scheme signs, kept across re-signed retries; none
// for schemes that sign no id.
func TestSignedID(t *testing.T) {
	hm, err := NewHMAC(HMACConfig{Header: "X-Sig", Hash: "sha256", Encoding: "hex", Template: "{id}.{body}", IDHeader: "X-Id"})
	if err != nil {
		t.Fatal(err)
	}
	bodyOnly, _ := NewHMAC(HMACConfig{Header: "X-Sig", Hash: "sha256", Encoding: "hex", IDHeader: "X-Id"})
	for _, tc := range []struct {
		name string
		s    Scheme
		h    http.Header
		want string
	}{
		{"standard-webhooks", standardWebhooks(), http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1"}, "Webhook-Signature": {"v1,x"}}, "msg_1"},
		{"svix", svix(), http.Header{"Svix-Id": {"msg_2"}, "Svix-Timestamp": {"1"}, "Svix-Signature": {"v1,x"}}, "msg_2"},
		{"svix, unbranded", svix(), http.Header{"Webhook-Id": {"msg_3"}, "Webhook-Timestamp": {"1"}, "Webhook-Signature": {"v1,x"}}, "msg_3"},
		{"hmac signing {id}", hm, http.Header{"X-Id": {"7"}, "X-Sig": {"zz-not-hex"}}, "7"},
		{"hmac not signing {id}", bodyOnly, http.Header{"X-Id": {"7"}, "X-Sig": {"00"}}, ""},
		{"stripe", stripe{}, http.Header{"Stripe-Signature": {"t=1,v1=00"}}, ""},
		{"no scheme", nil, http.Header{"Webhook-Id": {"msg_1"}}, ""},
	} {
		if got := SignedID(tc.s, tc.h, nil); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestNotCheckedReadsTheBody: a profile whose signature travels in the
// body (Billplz's x_signature) is "not checked" without a secret when the
// body carries it, and unsigned when it does not: it was always unsigned,
// NotChecked reading headers only.
func TestNotCheckedReadsTheBody(t *testing.T) {
	s, err := Lookup("hmac", Options{HMAC: HMACConfig{SignatureField: "x_signature", Template: "{pairs}", PairsFormat: "{key}{value}", PairsSeparator: "|"}})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if v := NotChecked(s, h, []byte("id=1&paid=true&x_signature="+strings.Repeat("ab", 32))); v == nil || v.Reason != ReasonNoSecret {
		t.Errorf("a body carrying x_signature: %+v, want not checked (no secret)", v)
	}
	if v := NotChecked(s, h, []byte("id=1&paid=true")); v != nil {
		t.Errorf("a body without x_signature: %+v, want unsigned (nil)", v)
	}
}
