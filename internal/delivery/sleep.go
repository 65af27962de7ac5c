package delivery

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx is done, and then returns ctx's error.
// It is hooktool's one way of pausing: the backoff between retries, the
// listener's --delay, a scenario's waits, replay's.
func Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
