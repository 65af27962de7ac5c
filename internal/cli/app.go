package cli

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/config"
	"github.com/hooktool/hooktool/internal/term"
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
	warned view.Once // the warnings said (warnOnce)

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

// warn prints "hooktool: warning: ..." to stderr unless --quiet (a
// warning is not a failure: see view.Out.Shows), with --json too.
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

// warnOnce prints a warning (with a hint) the first time its key is given
// (view.Once: a key names the problem's kind and target, not a text a
// delivery or capture may vary; the memory is bounded).
func (app *App) warnOnce(key, msg, hint string) {
	app.onceMu.Lock()
	defer app.onceMu.Unlock()
	if !app.warned.First(key) {
		return
	}
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
	if !app.out().Shows(view.DetailLine) {
		return // --quiet: an error is one line
	}
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

// BuildInfo is what the release build stamps into the binary.
type BuildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// completeBuildInfo fills what ldflags did not set from the module's build
// information (go install records the module version and, from a checkout,
// the commit).
func completeBuildInfo(b BuildInfo) BuildInfo {
	b.Go, b.OS, b.Arch = runtime.Version(), runtime.GOOS, runtime.GOARCH
	if info, ok := debug.ReadBuildInfo(); ok {
		if (b.Version == "" || b.Version == "dev") && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.time" && b.Date == "":
				b.Date = s.Value
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

func (b BuildInfo) String() string {
	s := "hooktool " + b.Version
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += " (" + c
		if b.Date != "" {
			s += ", " + b.Date
		}
		s += ")"
	}
	return s + fmt.Sprintf(", %s %s/%s", b.Go, b.OS, b.Arch)
}
