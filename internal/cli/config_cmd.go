package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/hooktool/hooktool/internal/config"
	"github.com/spf13/cobra"
)

func newConfigCommand(app *App) *cobra.Command {
	var sf signingFlags
	cmd := &cobra.Command{
		Use:   "config [flags]",
		Short: "Print the effective configuration and where each value came from",
		Long: `Print every setting in effect with its source: flag, env (HOOKTOOL_*),
file, or default. Secrets are shown as [redacted] with their count.

The config file is the one given with --config (or HOOKTOOL_CONFIG), else
./hooktool.yaml, else $XDG_CONFIG_HOME/hooktool/config.yaml (the OS's user
config directory elsewhere).

Example file:

  scheme: stripe
  secret_file: ~/.secrets/stripe   # one secret a line; or secret:, secret_env:
  tolerance: 5m
  endpoint: staging                # the default --endpoint
  endpoints:
    staging:
      provider: aella
      url: https://staging.example.com/webhooks
      callback_url: https://staging.example.com/callbacks
      scheme: hmac
      hmac: {header: X-Aella-Signature, hash: sha512, encoding: hex}
      secrets: [new-secret, old-secret]   # the first signs, any verifies
      tolerance: 300s

Each key can be set in the environment: HOOKTOOL_SCHEME, HOOKTOOL_SECRET,
HOOKTOOL_ENDPOINTS_STAGING_URL, and so on.` + exitStatusHelp,
		Example: `  hooktool config
  HOOKTOOL_SCHEME=github hooktool config --json
  hooktool config --config ./ci/hooktool.yaml --endpoint staging`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConfig(app, cmd)
		},
	}
	sf.addFlags(cmd.Flags())
	sf.addCompletions(app, cmd)
	return cmd
}

func runConfig(app *App, cmd *cobra.Command) error {
	cfg, err := app.loadConfig(cmd.Flags(), bindings(cmd.Flags(), signingBindings...))
	if err != nil {
		return err
	}
	if name := cfg.DefaultEndpoint(); name != "" {
		if _, err := cfg.Signing(name); err != nil {
			return failErr(err)
		}
	}
	settings := cfg.Settings()
	if app.JSON {
		return app.writeJSON(app.Streams.Out, struct {
			File     string           `json:"config_file"`
			Settings []config.Setting `json:"settings"`
		}{cfg.File, settings})
	}
	out := app.Streams.Out
	p := app.palette()
	file := cfg.File
	if file == "" {
		file = "none found"
	}
	fmt.Fprintln(out, p.Dim("# config file: "+file))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE")
	for _, s := range settings {
		src := string(s.Source)
		if s.Origin != "" {
			src += " " + s.Origin
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Key, s.Value, src)
	}
	return tw.Flush()
}
