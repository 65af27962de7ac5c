package inspect

import (
	"context"
	"fmt"
	"sync"

	"github.com/hooktool/hooktool/internal/capture"
)

// Follow indexes what is appended to the index's files until ctx ends,
// through capture.Follow (the one follower of growing capture files: a
// line is taken once complete, a torn tail repaired or a file recreated
// is followed, records written again after recreation are not taken
// twice). Each file is followed from where NewIndex stopped reading it,
// each record given to Add with its place. A line that is not a record is
// said by the index's Warn and skipped; a file that cannot be read any
// more is said once and no longer followed (its deliveries stay). Follow
// returns when ctx ends and every file's follower has stopped.
func (ix *Index) Follow(ctx context.Context) {
	ix.follow(ctx, capture.FollowOptions{})
}

// follow is Follow with o's Tick, Interval and Looked (tests drive it).
func (ix *Index) follow(ctx context.Context, o capture.FollowOptions) {
	o.SkipBad, o.Warn = true, ix.warn
	var wg sync.WaitGroup
	for _, s := range ix.started() {
		fo := o
		fo.From = s.from
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := capture.Follow(ctx, s.path, fo, func(rec *capture.Record, at capture.Place) error {
				return ix.Add(s.path, at, rec)
			})
			if err != nil {
				ix.warn(fmt.Sprintf("%s: no longer followed: %v", s.path, err))
			}
		}()
	}
	wg.Wait()
}

// started are the sources NewIndex read, one per file given.
func (ix *Index) started() []*source {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return append([]*source(nil), ix.sources[:ix.given]...)
}
