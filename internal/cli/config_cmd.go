package cli

import (
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/config"
	"github.com/spf13/cobra"
)

// ConfigOptions are what `hooktool config` prints: the configuration its
// flags, the environment and the file produce.
type ConfigOptions struct {
	signing signingFlags
	Config  *config.Config
}

func newConfigCommand(app *App, runF func(*ConfigOptions) error) *cobra.Command {
	o := &ConfigOptions{}
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
HOOKTOOL_ENDPOINTS_STAGING_URL, and so on.` + exitStatus("the configuration in effect was printed", "", ""),
		Example: `  hooktool config
  HOOKTOOL_SCHEME=github hooktool config --json
  hooktool config --config ./ci/hooktool.yaml --endpoint staging`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Config, err = app.loadConfig(cmd.Flags(), bindings(cmd.Flags(), signingBindings...)); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runConfig(app, o)
		},
	}
	o.signing.addFlags(cmd.Flags())
	o.signing.addToleranceFlag(cmd.Flags())
	o.signing.addCompletions(app, cmd)
	return cmd
}

func runConfig(app *App, o *ConfigOptions) error {
	cfg := o.Config
	if name := cfg.DefaultEndpoint(); name != "" {
		if err := checkEndpoint(cfg, name); err != nil {
			return err
		}
		if _, err := cfg.Signing(name); err != nil {
			return failErr(err)
		}
	}
	return view.NewConfigPrinter(app.out()).Config(cfg.File, cfg.Settings())
}
