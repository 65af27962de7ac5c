package signature

import (
	"testing"
	"time"
)

// TestPerAttemptSignsAfresh: each attempt is signed at the time it is made,
// with the same id, and what it signs verifies.
func TestPerAttemptSignsAfresh(t *testing.T) {
	s, err := Lookup("standard-webhooks", Options{})
	if err != nil {
		t.Fatal(err)
	}
	secret := NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	g, err := NewSigner(s, secret)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(1_700_000_000, 0)
	now := func() time.Time { clock = clock.Add(time.Minute); return clock }
	body := []byte(`{"a":1}`)
	sign := g.PerAttempt(body, "msg_1", "http://example.test/hook", now)
	first, err := sign(1)
	if err != nil {
		t.Fatal(err)
	}
	second, err := sign(2)
	if err != nil {
		t.Fatal(err)
	}
	if first.Get("webhook-id") != "msg_1" || second.Get("webhook-id") != "msg_1" {
		t.Errorf("ids %q, %q: want msg_1 on every attempt", first.Get("webhook-id"), second.Get("webhook-id"))
	}
	if first.Get("webhook-timestamp") == second.Get("webhook-timestamp") {
		t.Errorf("both attempts signed at %s: want a fresh timestamp each", first.Get("webhook-timestamp"))
	}
	v, err := Verify(s, Message{Header: second, Body: body, URL: "http://example.test/hook"}, []Secret{secret}, VerifyOptions{Now: clock, Tolerance: time.Second})
	if err != nil || !v.Valid {
		t.Errorf("the second attempt does not verify at its own time: %+v, %v", v, err)
	}
}
