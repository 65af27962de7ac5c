package cli

import (
	"errors"

	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/config"
	"github.com/spf13/cobra"
)

// InitOptions are what `hooktool init` was asked: the file to write and
// whether to replace it.
type InitOptions struct {
	Path  string
	Force bool
}

func newInitCommand(app *App, runF func(*InitOptions) error) *cobra.Command {
	o := &InitOptions{}
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter hooktool.yaml",
		Long: `Write a starter configuration file with every key explained (default
./hooktool.yaml, created 0600 as it may come to hold secrets). An existing
file is left alone unless --force.` + exitStatus("the file was written", "", couldNotRun+" (the file exists and --force was not given, or cannot be written)"),
		Example: `  hooktool init
  hooktool init ~/.config/hooktool/config.yaml
  hooktool init --force`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Path = "hooktool.yaml"
			if len(args) == 1 {
				o.Path = args[0]
			}
			if runF != nil {
				return runF(o)
			}
			return runInit(app, o)
		},
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace an existing file")
	return cmd
}

func runInit(app *App, o *InitOptions) error {
	if err := config.WriteStarter(o.Path, o.Force); err != nil {
		if errors.Is(err, config.ErrExists) {
			return failErr(err, "pass --force to replace it")
		}
		return failErr(err)
	}
	view.Wrote(app.out(), o.Path)
	return nil
}
