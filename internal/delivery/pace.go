package delivery

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// NewLimiter is the one limit on the pace of sends: rate per second, one
// at a time (a burst of 1), or nil for no limit.
func NewLimiter(perSecond float64) *rate.Limiter {
	if perSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(perSecond), 1)
}

// CheckRate refuses a rate that gives no usable interval between sends
// (NaN, infinite, negative, or so large or small the interval rounds to
// nothing or exceeds a day). 0 is no limit.
func CheckRate(perSecond float64) error {
	if perSecond == 0 {
		return nil
	}
	if math.IsNaN(perSecond) || math.IsInf(perSecond, 0) || perSecond < 0 ||
		time.Duration(float64(time.Second)/perSecond) <= 0 || float64(time.Second)/perSecond > float64(24*time.Hour) {
		return fmt.Errorf("%v is not a usable number of requests per second", perSecond)
	}
	return nil
}
