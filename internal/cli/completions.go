package cli

import (
	"bytes"
	"sort"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Completions renders the shell completion scripts committed in
// completions/, keyed by file name. A test keeps the committed files current.
func Completions(root *cobra.Command) (map[string][]byte, error) {
	out := map[string][]byte{}
	gen := map[string]func(*bytes.Buffer) error{
		"hooktool.bash": func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) },
		"_hooktool":     func(b *bytes.Buffer) error { return root.GenZshCompletion(b) },
		"hooktool.fish": func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) },
		"hooktool.ps1":  func(b *bytes.Buffer) error { return root.GenPowerShellCompletionWithDesc(b) },
	}
	for name, g := range gen {
		var b bytes.Buffer
		if err := g(&b); err != nil {
			return nil, err
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

// catalogOnly loads the config (for catalog:) and the catalog, for the
// completions.
func (app *App) catalogOnly(fs *pflag.FlagSet) (*resolvedSigning, *catalog.Catalog, error) {
	r, err := app.loadSigningConfig(fs)
	if err != nil {
		return nil, nil, err
	}
	c, err := app.loadCatalog(r)
	return r, c, err
}

// completeProviders and completeEvents complete from the built-in catalog
// plus the configured one; a broken config completes nothing.
func (app *App) completeProviders(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	_, c, err := app.catalogOnly(cmd.Flags())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range c.Providers {
		out = append(out, p.ID+"\t"+p.Name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (app *App) completeEvents(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	r, c, err := app.catalogOnly(cmd.Flags())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	only := ""
	if f := cmd.Flags().Lookup("provider"); f != nil {
		only = f.Value.String()
	}
	if only == "" {
		only = r.cfg.Provider(r.endpoint)
	}
	var out []string
	for _, p := range c.Providers {
		if only != "" && p.ID != only {
			continue
		}
		for _, e := range p.Events {
			out = append(out, e.Name+"\t"+p.ID+": "+e.Description)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeEndpoints lists the endpoints of the config in effect.
func (app *App) completeEndpoints(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	r, err := app.loadSigningConfig(cmd.Flags())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for name, e := range r.cfg.Endpoints {
		desc := e.URL
		if e.Provider != "" {
			desc = e.Provider + " " + desc
		}
		out = append(out, name+"\t"+desc)
	}
	sort.Strings(out)
	return out, cobra.ShellCompDirectiveNoFileComp
}
