// Package cli holds hooktool's commands: one file each, an options struct,
// a constructor that binds flags, and a run function that takes the I/O
// streams. Engines live in their own packages; this one wires them up.
package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

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
then defaults. Secrets are never printed.` + exitStatus("success", "the answer is no: a signature is invalid, a delivery was not acknowledged, an expectation did not hold (each command's --help says)", ""),
		Example: `  hooktool providers --search pay
  hooktool listen --provider aella --forward-to 3000 --save deliveries.jsonl
  hooktool trigger transfer.completed --to localhost:4242/webhooks
  hooktool verify deliveries.jsonl`,
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
		e := usageErr("%v", err).(*exitError)
		// a flag's own hints (urlValue's) say more than "see --help"
		var inner *exitError
		if errors.As(err, &inner) && len(inner.hints) > 0 {
			e.hints = inner.hints
		}
		return e
	})
	pf := root.PersistentFlags()
	pf.StringVar(&app.ConfigFile, "config", "", "config file (default ./hooktool.yaml, then ~/.config/hooktool/config.yaml)")
	pf.BoolVar(&app.JSON, "json", false, "print JSON lines for machines instead of text for people")
	pf.BoolVar(&app.NoColor, "no-color", false, "never colour output (colour is used only on a terminal, and never with NO_COLOR set)")
	pf.BoolVarP(&app.Quiet, "quiet", "q", false, "print no progress, success or summary lines: only requested data, and each error and failure in one line")
	pf.String("catalog", "", "directory of provider files that add to or replace the built-in catalog")
	root.AddCommand(
		newSignCommand(app, nil),
		newVerifyCommand(app, nil),
		newConfigCommand(app, nil),
		newProvidersCommand(app, nil),
		newEventsCommand(app, nil),
		newTriggerCommand(app, nil),
		newListenCommand(app, nil),
		newReplayCommand(app, nil),
		newCapturesCommand(app, nil),
		newInspectCommand(app, nil),
		newScenarioCommand(app),
		newKeygenCommand(app, nil),
		newVersionCommand(app, nil),
		newInitCommand(app, nil),
	)
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Long += groupExitStatus
			for _, shell := range c.Commands() {
				shell.Long += exitStatus("the script was printed", "", "")
			}
		}
	}
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			helpOf(c)
		}
	}
	refuseUnknownSubcommands(root)
	return root
}

// helpOf makes `hooktool help TOPIC` refuse a topic that is no command as
// an unknown command (noArgs: exit 2, "did you mean …?"), where cobra
// prints the top help and exits 0.
func helpOf(help *cobra.Command) {
	run := help.Run
	help.Run = nil
	help.RunE = func(c *cobra.Command, args []string) error {
		// A word left after a group (hooktool, captures, scenario) is a
		// mistyped command; after a command, it is that command's
		// argument (help trigger transfer.completed), and its help is
		// shown.
		if cmd, rest, err := c.Root().Find(args); err == nil && len(rest) > 0 && cmd.HasSubCommands() {
			return noArgs(cmd, rest)
		}
		run(c, args)
		return nil
	}
	help.Long += exitStatus("the help was printed", "", couldNotRun+" (a topic that is no command)")
}

// refuseUnknownSubcommands makes each command that only groups others
// (hooktool itself, captures, scenario, completion) print its help when
// called alone, and refuse a mistyped subcommand as an unknown command
// (noArgs: exit 2, "did you mean …?"), where cobra would print the help
// and exit 0, or (at the top) its own "Did you mean this?" lines.
func refuseUnknownSubcommands(c *cobra.Command) {
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = noArgs
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
}
