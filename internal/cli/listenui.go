package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/inspect"
)

// listenUI is the inspector `listen --ui` serves beside the listener, over
// the file the listener saves to.
type listenUI struct {
	srv    *inspect.Server
	ix     *inspect.Index
	cancel context.CancelFunc
	done   chan struct{} // closed when serving and following have stopped
}

// privateCapture makes the file `listen --ui` saves to when --save is not
// given: 0600 in a directory of its own (0700), which remove deletes.
func privateCapture() (path string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "hooktool-listen-")
	if err != nil {
		return "", nil, failErr(fmt.Errorf("--ui without --save: a private capture file: %w", err), "give --save FILE to keep deliveries in a file of your own")
	}
	return filepath.Join(dir, "deliveries.jsonl"), func() { os.RemoveAll(dir) }, nil
}

// listenUIActions are the inspector's options for its actions as the
// listener sees them, as `hooktool replay` builds them: a replay goes to
// the app the delivery was forwarded to (its --route, else --forward-to)
// unless the page names another URL, re-signs with
// the listener's secrets, sends as the forwarder does (--forward-timeout,
// --forward-insecure), and is kept in the listener's capture file with
// replay_of.
func (app *App) listenUIActions(o *ListenOptions, setup *listenSetup, store *capture.Writer) inspect.Options {
	// listenSetup has resolved the signing (and read the secrets) once.
	a := inspect.Options{
		Redactor: setup.signing.redactor(),
		Target:   setup.forward,
		Routes:   map[string]string{},
		Secrets:  setup.signing.signing.Secrets,
		Schemes:  app.captureSchemes(setup.signing),
		Client:   delivery.New(delivery.Options{Timeout: o.ForwardTimeout, UserAgent: "hooktool/" + app.Version, Insecure: o.ForwardInsecure}),
		Now:      app.Now,
	}
	for _, rt := range setup.routes {
		a.Routes[rt.Match] = rt.URL
	}
	if store != nil {
		a.Store = store
	}
	return a
}

// startUI serves the inspector over path on port (never listenPort), with
// the actions' options, says its URL, and opens it in the browser when
// open is set. It serves until stop. The index learns of new records from
// store, the listener's writer of path (set before its first Append), or,
// without one, by following the file.
func (app *App) startUI(path string, store *capture.Writer, port, keep, listenPort int, open bool, actions inspect.Options) (*listenUI, error) {
	warn := func(m string) { app.warn("%s", m) }
	ix, err := inspect.NewIndex([]string{path}, inspect.IndexOptions{Keep: keep, Warn: warn})
	if err != nil {
		return nil, failErr(err)
	}
	actions.Index, actions.Version, actions.Warn = ix, app.Version, warn
	srv := inspect.New(actions)
	ls, err := srv.Listen(port)
	if err == nil && srv.Port() == listenPort {
		for _, l := range ls {
			l.Close()
		}
		err = fmt.Errorf("the inspector was given the listener's port %d", listenPort)
	}
	if err != nil {
		ix.Close()
		if h := bindHint("--ui-port", port, err); h != "" {
			return nil, failErr(fmt.Errorf("--ui-port: %w", err), h)
		}
		return nil, failErr(fmt.Errorf("--ui-port: %w", err))
	}
	ctx, cancel := context.WithCancel(context.Background())
	ui := &listenUI{srv: srv, ix: ix, cancel: cancel, done: make(chan struct{})}
	served, followed := make(chan struct{}), make(chan struct{})
	go func() {
		if err := srv.Serve(ls); err != nil {
			app.warn("the inspector stopped: %v", err)
		}
		close(served)
	}()
	if store != nil {
		// Told by the writer of each record it writes, with its place:
		// nothing is read and decoded a second time (listen --ui kept
		// 0.79× of the deliveries/s it keeps without, when the index
		// followed the file it had just written).
		store.OnAppend = func(rec *capture.Record, at capture.Place) {
			c := *rec // the index keeps it; the listener's stays its own
			if err := ix.Add(path, at, &c); err != nil {
				warn(fmt.Sprintf("the inspector could not index delivery %s: %v", c.ID, err))
			}
		}
		close(followed)
	} else {
		go func() { ix.Follow(ctx); close(followed) }()
	}
	go func() {
		<-served
		<-followed
		close(ui.done)
	}()
	if err := view.NewInspectPrinter(app.out()).Ready(view.InspectReady{URL: srv.URL(), Deliveries: ix.Len(), Files: 1}); err != nil {
		ui.stop()
		return nil, err
	}
	if open {
		if err := openSystemBrowser(srv.URL()); err != nil {
			app.warn("--open: could not open a browser (%v): open the URL above", err)
		}
	}
	return ui, nil
}

// stop stops serving and following, and closes the index.
func (ui *listenUI) stop() {
	ui.cancel()
	ui.srv.Close()
	<-ui.done
	ui.ix.Close()
}
