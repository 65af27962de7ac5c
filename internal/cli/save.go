package cli

import (
	"errors"
	"fmt"

	"github.com/hooktool/hooktool/internal/capture"
)

// createCapture opens a --save file for appending, for listen and scenario
// run: a file another process writes is exit 2 with a hint, naming it with
// label.
func (app *App) createCapture(label, path string, fsync bool) (*capture.Writer, error) {
	w, err := capture.Create(path, fsync)
	if err != nil {
		if locked := (*capture.LockedError)(nil); errors.As(err, &locked) {
			return nil, failErr(fmt.Errorf("%s: %w", label, err), "one writer per capture file: stop the other one, or save to another file")
		}
		return nil, failErr(fmt.Errorf("%s: %w", label, err))
	}
	return w, nil
}
