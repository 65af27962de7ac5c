package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/spf13/cobra"
)

// ProvidersOptions are what `hooktool providers` lists: the catalog the
// config in effect names, narrowed by a search, a region and a category.
type ProvidersOptions struct {
	signing  *resolvedSigning
	Search   string
	Region   string
	Category string
}

func newProvidersCommand(app *App, runF func(*ProvidersOptions) error) *cobra.Command {
	o := &ProvidersOptions{}
	cmd := &cobra.Command{
		Use:   "providers [--search TEXT] [--region CODE] [--category C]",
		Short: "List and search the providers in the catalog",
		Long: `List the providers hooktool knows, grouped by category, each with its
signing profile and the URL of the documentation it was read from: the
built-in catalog, plus the provider files of --catalog DIR (or catalog: in
the config), where a file with a built-in id replaces that provider.

--search TEXT finds TEXT (case ignored) in a provider's id, name, category
or event names; --region CODE keeps the providers that name the ISO 3166
country code (NG, MY, KE) or "global" in their regions; --category C keeps
one category (` + strings.Join(catalog.Categories, ", ") + `).
` + "`hooktool providers show ID`" + ` prints one provider's profile and events.

Providers marked illustrative name events their documents describe without
publishing payloads: their samples are hooktool's plausible stand-ins. The
seed providers do not publish their signing schemes either: each profile
says which header and HMAC it assumes.` + exitStatus("the providers were listed", "no provider matches --search, --region and --category", couldNotRun+" (a provider file that cannot be read, an unknown --category)"),
		Example: `  hooktool providers
  hooktool providers --search pay --region NG
  hooktool providers --category code
  hooktool providers show stripe
  hooktool providers --json | jq -r .id
  hooktool providers --catalog ./hooks`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.signing, err = app.loadSigningConfig(cmd.Flags()); err != nil {
				return err
			}
			if o.Category != "" && !slices.Contains(catalog.Categories, strings.ToLower(o.Category)) {
				return unknownNameErr(fmt.Errorf("unknown category %q (known: %s)", o.Category, strings.Join(catalog.Categories, ", ")), o.Category, catalog.Categories, "see --help for usage")
			}
			if runF != nil {
				return runF(o)
			}
			return runProviders(app, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.Search, "search", "s", "", "find `TEXT` in ids, names, categories and event names")
	fs.StringVar(&o.Region, "region", "", "only providers that name this ISO 3166 country `CODE` (or global) in their regions")
	fs.StringVar(&o.Category, "category", "", "only this category")
	_ = cmd.RegisterFlagCompletionFunc("category", cobra.FixedCompletions(catalog.Categories, cobra.ShellCompDirectiveNoFileComp))
	cmd.AddCommand(newProvidersShowCommand(app, nil))
	return cmd
}

// errNoProviderMatches is the answer no of a search.
var errNoProviderMatches = errors.New("no provider matches")

func runProviders(app *App, o *ProvidersOptions) error {
	c, err := app.loadCatalog(o.signing)
	if err != nil {
		return err
	}
	found := c.Grouped(catalog.Filter{Search: o.Search, Region: o.Region, Category: o.Category})
	if len(found) == 0 {
		return &exitError{code: ExitInvalid, err: errNoProviderMatches, hints: []string{"`hooktool providers` lists them all"}}
	}
	return view.NewProvidersPrinter(app.out()).Providers(found)
}

// ProvidersShowOptions are what `hooktool providers show` prints: one
// provider of the catalog in effect.
type ProvidersShowOptions struct {
	signing *resolvedSigning
	ID      string
}

func newProvidersShowCommand(app *App, runF func(*ProvidersShowOptions) error) *cobra.Command {
	o := &ProvidersShowOptions{}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Print a provider's signing profile and events",
		Long: `Print one provider's profile: its scheme and the scheme's settings, the
tolerance its documents give, where the event type and event id are, the
note on how sure the profile is, the documentation URL and the source; then
its events.` + exitStatus("the provider was printed", "", couldNotRun+" (an unknown provider)"),
		Example: `  hooktool providers show github
  hooktool providers show square --json | jq .signing`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeProviders,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.signing, err = app.loadSigningConfig(cmd.Flags()); err != nil {
				return err
			}
			o.ID = args[0]
			if runF != nil {
				return runF(o)
			}
			return runProvidersShow(app, o)
		},
	}
	return cmd
}

func runProvidersShow(app *App, o *ProvidersShowOptions) error {
	p, err := app.findProvider(o.signing, o.ID)
	if err != nil {
		return err
	}
	return view.NewProvidersPrinter(app.out()).Provider(p)
}
