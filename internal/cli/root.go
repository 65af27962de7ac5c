// Package cli holds hooktool's commands: one file each, an options struct,
// a constructor that binds flags, and a run function that takes the I/O
// streams. Engines live in their own packages; this one wires them up.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/config"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// App is what every command of one invocation shares: the streams, the
// global flags, the environment and the clock.
type App struct {
	Streams *term.Streams
	Getenv  func(string) string
	Now     func() time.Time
	Version string
	Build   BuildInfo

	onceMu sync.Mutex
	warned map[string]bool

	ConfigFile string
	JSON       bool
	NoColor    bool
	Quiet      bool
}

// NewApp returns an App over the process's streams and environment; b is
// what the build stamped in (empty fields are filled from the module's
// build information).
func NewApp(b BuildInfo) *App {
	b = completeBuildInfo(b)
	return &App{Streams: term.System(), Getenv: os.Getenv, Now: time.Now, Version: b.Version, Build: b}
}

// Main runs hooktool with args and returns the exit code.
func Main(ctx context.Context, app *App, args []string) int {
	root := NewRootCommand(app)
	presetGlobalFlags(app, args)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	app.reportError(err)
	return exitCode(err)
}

// presetGlobalFlags sets the output flags before parsing, so an error in
// parsing (an unknown flag before --json) is still reported as asked.
func presetGlobalFlags(app *App, args []string) {
	for _, a := range args {
		switch a {
		case "--":
			return
		case "--json":
			app.JSON = true
		case "--no-color":
			app.NoColor = true
		case "--quiet", "-q":
			app.Quiet = true
		}
	}
}

// NewRootCommand builds the command tree.
func NewRootCommand(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "hooktool",
		Short: "Build, test and debug webhook integrations",
		Long: `hooktool signs and verifies webhooks the way payment and banking
providers send them, and says why a signature fails, on a laptop and in CI.

Settings come from flags, then HOOKTOOL_* environment variables, then the
config file (--config, ./hooktool.yaml, or ~/.config/hooktool/config.yaml),
then defaults. Secrets are never printed.` + exitStatusHelp,
		Version:       app.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	if app.Build.Version != "" {
		root.Version = app.Build.String()
	}
	root.SetIn(app.Streams.In)
	root.SetOut(app.Streams.Out)
	root.SetErr(app.Streams.Err)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageErr("%v", err)
	})
	pf := root.PersistentFlags()
	pf.StringVar(&app.ConfigFile, "config", "", "config file (default ./hooktool.yaml, then ~/.config/hooktool/config.yaml)")
	pf.BoolVar(&app.JSON, "json", false, "print JSON lines for machines instead of text for people")
	pf.BoolVar(&app.NoColor, "no-color", false, "never colour output (colour is used only on a terminal, and never with NO_COLOR set)")
	pf.BoolVarP(&app.Quiet, "quiet", "q", false, "print nothing but errors and requested data")
	pf.String("catalog", "", "directory of provider files that add to or replace the built-in catalog")
	root.AddCommand(
		newSignCommand(app),
		newVerifyCommand(app),
		newConfigCommand(app),
		newProvidersCommand(app),
		newEventsCommand(app),
		newTriggerCommand(app),
		newListenCommand(app, nil),
		newReplayCommand(app),
		newCapturesCommand(app),
		newScenarioCommand(app),
		newVersionCommand(app),
		newInitCommand(app),
	)
	return root
}

// loadConfig reads the configuration, binding the given config keys to the
// command's flags, and reports warnings.
func (app *App) loadConfig(flags *pflag.FlagSet, bindings map[string]string) (*config.Config, error) {
	cfg, err := config.Load(config.Options{ConfigFile: app.ConfigFile, Flags: flags, Bindings: bindings, Getenv: app.Getenv})
	if err != nil {
		return nil, failErr(err, "`hooktool config --help` describes the config file")
	}
	for _, w := range cfg.Warnings() {
		app.warn("%s", w)
	}
	return cfg, nil
}

// palette colours stdout when it is a terminal and colour is allowed.
func (app *App) palette() term.Palette {
	return term.NewPalette(term.ColorWanted(app.Streams.OutIsTerminal, app.NoColor, app.Getenv))
}

func (app *App) errPalette() term.Palette {
	return term.NewPalette(term.ColorWanted(app.Streams.ErrIsTerminal, app.NoColor, app.Getenv))
}

// warn prints "hooktool: warning: ..." to stderr unless --quiet.
func (app *App) warn(format string, a ...any) {
	if app.Quiet {
		return
	}
	p := app.errPalette()
	msg := fmt.Sprintf(format, a...)
	if app.JSON {
		app.writeJSON(app.Streams.Err, jsonMessage{Type: "warning", Message: msg})
		return
	}
	// Messages may quote a delivery (a capture's id, an app's error): no
	// control character of theirs reaches the terminal.
	fmt.Fprintf(app.Streams.Err, "hooktool: %s %s\n", p.Warn("warning:"), term.Escape(msg))
}

// jsonMessage is an error or warning on stderr under --json.
type jsonMessage struct {
	Type     string   `json:"type"`
	Message  string   `json:"message"`
	Hints    []string `json:"hints,omitempty"`
	ExitCode int      `json:"exit_code,omitempty"`
}

// warnOnce prints a warning (with a hint) the first time it is given.
func (app *App) warnOnce(msg, hint string) {
	app.onceMu.Lock()
	defer app.onceMu.Unlock()
	if app.warned == nil {
		app.warned = map[string]bool{}
	}
	if app.warned[msg] {
		return
	}
	app.warned[msg] = true
	if app.Quiet {
		return
	}
	if app.JSON {
		app.writeJSON(app.Streams.Err, jsonMessage{Type: "warning", Message: msg, Hints: []string{hint}})
		return
	}
	app.warn("%s", msg)
	fmt.Fprintf(app.Streams.Err, "hooktool: hint: %s\n", term.Escape(hint))
}

// reportError prints an error and its hints to stderr, as JSON with --json.
func (app *App) reportError(err error) {
	if err == nil {
		return
	}
	var e *exitError
	if errors.As(err, &e) && e.silent {
		return
	}
	var hints []string
	if e != nil {
		hints = e.hints
	} else {
		hints = []string{"see --help for usage"}
	}
	if app.JSON {
		app.writeJSON(app.Streams.Err, jsonMessage{Type: "error", Message: err.Error(), Hints: hints, ExitCode: exitCode(err)})
		return
	}
	p := app.errPalette()
	fmt.Fprintf(app.Streams.Err, "hooktool: %s %s\n", p.Bad("error:"), term.EscapeText(err.Error()))
	for _, h := range hints {
		fmt.Fprintf(app.Streams.Err, "hooktool: hint: %s\n", term.Escape(h))
	}
}

// writeJSON writes v as one line of JSON.
func (app *App) writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	return view.JSONLine(w, v)
}

// out is how the command's printer prints (see package view).
func (app *App) out() view.Out {
	return view.Out{Streams: app.Streams, JSON: app.JSON, Quiet: app.Quiet, Palette: app.palette(), ErrPalette: app.errPalette()}
}

// bindings maps config keys to flag names for the flags a command has.
func bindings(flags *pflag.FlagSet, pairs ...string) map[string]string {
	out := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if flags.Lookup(pairs[i+1]) != nil {
			out[pairs[i]] = pairs[i+1]
		}
	}
	return out
}
