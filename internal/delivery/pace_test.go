package delivery

import (
	"testing"
	"time"
)

// TestLimiterPace checks the limiter Rate builds on a fake clock: one send
// at once, then one each 1/rate seconds.
func TestLimiterPace(t *testing.T) {
	if NewLimiter(0) != nil {
		t.Error("rate 0 made a limiter")
	}
	l := NewLimiter(20) // one per 50ms
	t0 := time.Unix(1_700_000_000, 0)
	steps := []struct {
		at time.Duration
		ok bool
	}{{0, true}, {10 * time.Millisecond, false}, {49 * time.Millisecond, false}, {50 * time.Millisecond, true}, {60 * time.Millisecond, false}, {100 * time.Millisecond, true}}
	for _, s := range steps {
		if got := l.AllowN(t0.Add(s.at), 1); got != s.ok {
			t.Errorf("at +%v: allowed %v, want %v", s.at, got, s.ok)
		}
	}
}

func TestCheckRate(t *testing.T) {
	for _, r := range []float64{0, 0.5, 20, 1e6} {
		if err := CheckRate(r); err != nil {
			t.Errorf("CheckRate(%v): %v", r, err)
		}
	}
	for _, r := range []float64{-1, 1e300, 1e-9} {
		if err := CheckRate(r); err == nil {
			t.Errorf("CheckRate(%v) accepted", r)
		}
	}
}
