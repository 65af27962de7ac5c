package signature

import "testing"

func TestVerdictLabel(t *testing.T) {
	for _, c := range []struct {
		v    *Verdict
		want string
	}{
		{nil, "unsigned"},
		{&Verdict{Valid: true, Reason: ReasonValid}, "valid"},
		{&Verdict{Valid: true}, "valid"},
		{&Verdict{Reason: ReasonMismatch}, "signature_mismatch"},
		{&Verdict{Reason: ReasonTimestampTooOld}, "timestamp_too_old"},
	} {
		if got := c.v.Label(); got != c.want {
			t.Errorf("%+v.Label() = %q, want %q", c.v, got, c.want)
		}
	}
}
