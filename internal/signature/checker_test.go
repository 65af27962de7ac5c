package signature

import (
	"net/http"
	"testing"
	"time"
)

// A Checker gives the verdict Verify gives, the URL counted only by a
// scheme that signs it; with no scheme there is none, with no secret a
// signed delivery is "not checked", and a secret the scheme cannot use is
// refused.
func TestChecker(t *testing.T) {
	if c, err := NewChecker(nil, []Secret{NewSecret("s")}, 0); c != nil || err != nil {
		t.Errorf("no scheme: %v, %v", c, err)
	}
	std, err := Lookup("standard-webhooks", Options{})
	if err != nil {
		t.Fatal(err)
	}
	noSecret, err := NewChecker(std, nil, 0)
	if noSecret == nil || err != nil {
		t.Fatalf("no secret: %v, %v", noSecret, err)
	}
	signed := http.Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {"1800000000"}, "Webhook-Signature": {"v1,AAAA"}}
	if v := noSecret.Check(signed, nil, "", time.Now()); v == nil || v.Valid || v.Reason != ReasonNoSecret {
		t.Errorf("no secret, signed delivery: %+v", v)
	}
	if v := noSecret.Check(http.Header{}, nil, "", time.Now()); v != nil {
		t.Errorf("no secret, no signature header: %+v", v)
	}
	if v := (*Checker)(nil).Check(http.Header{}, nil, "", time.Now()); v != nil {
		t.Errorf("a nil Checker made a verdict: %+v", v)
	}
	if _, err := NewChecker(std, []Secret{NewSecret("whsec_!!!")}, 0); err == nil {
		t.Error("an unusable secret was accepted")
	}
	secret := NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	c, err := NewChecker(std, []Secret{secret}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := NewSigner(std, secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"a":1}`)
	h, err := sg.PerAttempt(body, "msg_1", "http://h/in", func() time.Time { return now })(1)
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Check(h, body, "http://h/other", now); v == nil || !v.Valid {
		t.Errorf("valid delivery: %+v", v)
	}
	if v := c.Check(h, body, "", now.Add(time.Hour)); v == nil || v.Valid || v.Reason != ReasonTimestampTooOld {
		t.Errorf("an hour later, beyond the tolerance: %+v", v)
	}
	if v := c.Check(h, []byte(`{"a":2}`), "", now); v == nil || v.Valid || v.Reason != ReasonMismatch {
		t.Errorf("another body: %+v", v)
	}
}
