package delivery

import "time"

// Schedule is a retry schedule as providers publish one: the wait before
// each retry, in order. A delivery on a schedule is tried at most
// len(Schedule)+1 times; the waits are taken as given, without jitter.
type Schedule []time.Duration

// Total is how long the waits add up to.
func (s Schedule) Total() time.Duration {
	var t time.Duration
	for _, d := range s {
		t += d
	}
	return t
}

// Scaled is the schedule with every wait multiplied by f (0 < f): a
// provider's hours become a test's milliseconds, in the same proportions.
func (s Schedule) Scaled(f float64) Schedule {
	out := make(Schedule, len(s))
	for i, d := range s {
		out[i] = time.Duration(float64(d) * f)
	}
	return out
}

// FitScale is the factor that brings the schedule's total wait within
// limit: 1 when it already fits.
func (s Schedule) FitScale(limit time.Duration) float64 {
	if t := s.Total(); t > limit && t > 0 {
		return float64(limit) / float64(t)
	}
	return 1
}

// Doubling is the schedule of retries retries waiting first, then
// twice as long before each next one, each wait at most max: the
// exponential backoff of Options.Backoff (without its jitter) and of
// listen --forward-retry.
func Doubling(first, max time.Duration, retries int) Schedule {
	s := make(Schedule, retries)
	for n := range s {
		s[n] = doubled(first, max, n+1)
	}
	return s
}

// doubled is the wait before retry n (1, 2, ...): first·2^(n-1), at most
// max.
func doubled(first, max time.Duration, n int) time.Duration {
	d := first
	for i := 1; i < n && d < max; i++ {
		if d > max/2 {
			return max // and never overflow
		}
		d *= 2
	}
	return min(d, max)
}
