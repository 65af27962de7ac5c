package cli

import (
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/spf13/cobra"
)

// ProvidersOptions are what `hooktool providers` lists: the catalog the
// config in effect names.
type ProvidersOptions struct {
	signing *resolvedSigning
}

func newProvidersCommand(app *App, runF func(*ProvidersOptions) error) *cobra.Command {
	o := &ProvidersOptions{}
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "List the providers in the catalog",
		Long: `List the providers hooktool knows: the built-in catalog, plus the provider
files of --catalog DIR (or catalog: in the config), where a file with a
built-in id replaces that provider.

Providers marked illustrative name events their documents describe without
publishing payloads: their samples are hooktool's plausible stand-ins. The
seed providers do not publish their signing schemes either: each profile
says which header and HMAC it assumes.` + exitStatus("the providers were listed", "", couldNotRun+" (a provider file that cannot be read)"),
		Example: `  hooktool providers
  hooktool providers --json | jq -r .id
  hooktool providers --catalog ./hooks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.signing, err = app.loadSigningConfig(cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runProviders(app, o)
		},
	}
	return cmd
}

func runProviders(app *App, o *ProvidersOptions) error {
	c, err := app.loadCatalog(o.signing)
	if err != nil {
		return err
	}
	return view.NewProvidersPrinter(app.out()).Providers(c.Providers)
}
