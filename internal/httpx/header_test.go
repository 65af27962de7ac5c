package httpx

import "testing"

func TestValidHeaderName(t *testing.T) {
	for _, n := range []string{"X-Sig", "Stripe-Signature", "webhook-id", "x_a.b~c!", "A1"} {
		if !ValidHeaderName(n) {
			t.Errorf("%q refused", n)
		}
	}
	for _, n := range []string{"", "Bad Header", "X:Y", "X\r\nY", "X\x00", "Bad(ts)", "Bad{}", "é", "X\t", "a/b", `a"b`} {
		if ValidHeaderName(n) {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestValidHeaderValue(t *testing.T) {
	for _, v := range []string{"", "v1=abc, t=1", "a\tb", "caf\xc3\xa9", "\xff"} {
		if !ValidHeaderValue(v) {
			t.Errorf("%q refused", v)
		}
	}
	for _, v := range []string{"a\rb", "a\nb", "a\x00b", "a\x1bb", "a\x7fb"} {
		if ValidHeaderValue(v) {
			t.Errorf("%q accepted", v)
		}
	}
}
