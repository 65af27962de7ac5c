package cli

import (
	"errors"
	"fmt"

	"github.com/hooktool/hooktool/internal/capture"
)

// createCapture opens a --save file for appending, for listen and scenario
// run: what capture.Create refuses (a file another process writes, a file
// that is not a capture file) is exit 2 with a hint, naming it with label;
// what it repaired, and a file deleted under it and created anew, are said
// on stderr.
func (app *App) createCapture(label, path string, fsync bool) (*capture.Writer, error) {
	w, err := capture.Create(path, fsync)
	if err != nil {
		var locked *capture.LockedError
		var notCapture *capture.NotCaptureError
		switch {
		case errors.As(err, &locked):
			return nil, failErr(fmt.Errorf("%s: %w", label, err), "one writer per capture file: stop the other one, or save to another file")
		case errors.As(err, &notCapture):
			return nil, failErr(fmt.Errorf("%s: %w", label, err), "--save appends to a capture file (JSON Lines written by hooktool); name a new file")
		}
		return nil, failErr(fmt.Errorf("%s: %w", label, err))
	}
	if w.Repaired > 0 {
		app.warn("repaired %s: removed %d torn bytes at the end", path, w.Repaired)
	}
	if w.NewlineAdded {
		app.warn("repaired %s: added the newline its last record lacked", path)
	}
	w.OnRecreate = func(err error) {
		if err != nil {
			app.warn("%v (deliveries are not kept until it can be)", err)
			return
		}
		app.warn("%s was deleted or moved away while being written: created it anew (0600); the deliveries kept before are not in it", path)
	}
	return w, nil
}
