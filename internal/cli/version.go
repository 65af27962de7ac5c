package cli

import (
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/spf13/cobra"
)

// VersionOptions are `hooktool version`'s: it takes no flags of its own.
type VersionOptions struct{}

func newVersionCommand(app *App, runF func(*VersionOptions) error) *cobra.Command {
	o := &VersionOptions{}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Long: `Print what this binary is: version, commit and build date (stamped by the
release build), and the Go version and platform. --json prints one object.` + exitStatus("the version was printed", "", ""),
		Example: `  hooktool version
  hooktool version --json | jq -r .version`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(o)
			}
			return view.NewVersionPrinter(app.out()).Version(app.Build.String(), app.Build)
		},
	}
}
