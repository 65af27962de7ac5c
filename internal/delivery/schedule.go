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
