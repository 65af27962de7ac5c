package inspect

import (
	"context"
	"os"
	"time"
)

// TODO(follow): Refresh and Poll are a stopgap, to be replaced by
// capture's follower (internal/capture/follow.go, being written on another
// branch): it re-reads a growing file, handles torn last lines and
// recreation, and hands each record to Index.Add. Until then the index
// watches its files itself, by polling their size.

// Refresh indexes what was appended to the files since the last look: a
// file grown is read from where the index stopped; a file replaced under
// its path (recreated) or cut short is opened again and read from its
// start (records already indexed, by id, are not added twice). It returns
// how many deliveries were added, and wakes subscribers when any were.
func (ix *Index) Refresh() (int, error) {
	added := 0
	var firstErr error
	for _, p := range ix.paths {
		n, err := ix.refresh(p)
		added += n
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if added > 0 {
		ix.notify()
	}
	return added, firstErr
}

func (ix *Index) refresh(path string) (int, error) {
	s, err := ix.sourceFor(path)
	if err != nil {
		return 0, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, nil // gone for now: its entries still read from the open file
	}
	cur, err := s.f.Stat()
	if err != nil {
		return 0, err
	}
	if !os.SameFile(st, cur) || st.Size() < s.next {
		if s, err = ix.open(path); err != nil {
			return 0, err
		}
	} else if st.Size() == s.next {
		return 0, nil
	}
	es, err := ix.scan(s)
	if err != nil {
		return 0, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n := 0
	for _, e := range es {
		if ix.appendLocked(e, nil) {
			n++
		}
	}
	return n, nil
}

// Poll calls Refresh every interval until ctx ends, sending its errors to
// the index's Warn.
func (ix *Index) Poll(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := ix.Refresh(); err != nil {
				ix.warn(err.Error())
			}
		}
	}
}
