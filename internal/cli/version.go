package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

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

func newVersionCommand(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Long: `Print what this binary is: version, commit and build date (stamped by the
release build), and the Go version and platform. --json prints one object.` + exitStatusHelp,
		Example: `  hooktool version
  hooktool version --json | jq -r .version`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if app.JSON {
				return app.writeJSON(app.Streams.Out, app.Build)
			}
			_, err := fmt.Fprintln(app.Streams.Out, app.Build.String())
			return err
		},
	}
}
