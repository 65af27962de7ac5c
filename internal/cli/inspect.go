package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/inspect"
	"github.com/spf13/cobra"
)

// InspectOptions are `hooktool inspect`'s.
type InspectOptions struct {
	Files     []string
	Port      int
	Keep      int
	ReadyFile string
}

func newInspectCommand(app *App, runF func(*InspectOptions) error) *cobra.Command {
	o := &InspectOptions{}
	cmd := &cobra.Command{
		Use:   "inspect FILE|DIR...",
		Short: "Browse captured deliveries in a local web page",
		Long: `Serve the inspector over capture files: a page on 127.0.0.1 that lists
the deliveries newest first, filters them with the language of --event and
--where (plus text in bodies), shows one (headers with secrets hidden,
body, verdict, the app's answer) and downloads HAR. Files are followed as
they grow (as captures list --follow follows one), so a file another
listen --save is writing shows its new deliveries live.

It binds 127.0.0.1 and [::1] on --ui-port (4243 by default: not ngrok's
4040) and prints the URL to open on stderr (a {"type":"ui"} line with
--json). The URL carries a token for this run only, which the page keeps
in a cookie: requests without it, from another site, or naming another
host are refused.` + exitStatus("stopped (Ctrl-C or SIGTERM)", "", couldNotRun+" (a file cannot be read, the port cannot be bound)"),
		Example: `  hooktool inspect deliveries.jsonl
  hooktool inspect captures/ --ui-port 0`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Files = args
			if runF != nil {
				return runF(o)
			}
			return runInspect(cmd.Context(), app, o)
		},
	}
	fs := cmd.Flags()
	portVar(fs, &o.Port, "ui-port", inspect.DefaultPort, "port to serve the inspector on, on 127.0.0.1 and [::1]; 0 picks a free one")
	fs.IntVar(&o.Keep, "ui-keep", inspect.DefaultKeep, "deliveries held in memory (the newest); older ones are read from the file when shown")
	fs.StringVar(&o.ReadyFile, "ready-file", "", "write the inspector's URL (with its token) to this file, 0600, once ready")
	return cmd
}

func runInspect(ctx context.Context, app *App, o *InspectOptions) error {
	for _, f := range o.Files {
		if f == "-" {
			return usageErr("inspect reads capture files, not stdin (-): give FILE or a directory")
		}
	}
	if o.Keep < 1 {
		return usageErr("--ui-keep must be at least 1")
	}
	files, err := capture.Sources(o.Files)
	if err != nil {
		return failErr(err)
	}
	ix, err := inspect.NewIndex(files, inspect.IndexOptions{Keep: o.Keep, Warn: func(m string) { app.warn("%s", m) }})
	if err != nil {
		return failErr(err)
	}
	defer ix.Close()
	srv := inspect.New(inspect.Options{Index: ix, Version: app.Version, Warn: func(m string) { app.warn("%s", m) }})
	ls, err := srv.Listen(o.Port)
	if err != nil {
		if h := bindHint("--ui-port", o.Port, err); h != "" {
			return failErr(fmt.Errorf("cannot serve the inspector: %w", err), h)
		}
		return failErr(fmt.Errorf("cannot serve the inspector: %w", err))
	}
	if o.ReadyFile != "" {
		if err := os.WriteFile(o.ReadyFile, []byte(srv.URL()+"\n"), 0o600); err != nil {
			for _, l := range ls {
				l.Close()
			}
			return failErr(fmt.Errorf("--ready-file: %w", err))
		}
		defer os.Remove(o.ReadyFile)
	}
	if err := view.NewInspectPrinter(app.out()).Ready(view.InspectReady{URL: srv.URL(), Deliveries: ix.Len(), Files: len(files)}); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() { ix.Follow(ctx); close(followed) }()
	defer func() { cancel(); <-followed }() // before ix.Close
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ls); err != nil {
		return failErr(err)
	}
	return nil
}
