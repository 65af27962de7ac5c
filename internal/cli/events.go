package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// payloadEdits are the flags that change a sample before it is shown or
// sent.
type payloadEdits struct {
	sets, setStrings, unsets []string
}

func (e *payloadEdits) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&e.sets, "set", nil, "set a field, path=value (plain path: data.items.0.id; the value is JSON if it parses, else a string); repeatable")
	fs.StringArrayVar(&e.setStrings, "set-str", nil, "set a field to a string, path=value, even if the value looks like JSON; repeatable")
	fs.StringArrayVar(&e.unsets, "unset", nil, "remove a field (plain path); repeatable")
}

// apply makes the edits: --set, then --set-str, then --unset.
func (e *payloadEdits) apply(body []byte) ([]byte, error) {
	var edits []catalog.Edit
	for _, list := range []struct {
		flag     string
		args     []string
		asString bool
	}{{"--set", e.sets, false}, {"--set-str", e.setStrings, true}} {
		for _, a := range list.args {
			ed, err := catalog.ParseSet(a, list.asString)
			if err != nil {
				return nil, usageErr("%s %v", list.flag, err)
			}
			edits = append(edits, ed)
		}
	}
	for _, u := range e.unsets {
		edits = append(edits, catalog.Edit{Path: u, Unset: true})
	}
	if len(edits) == 0 {
		return body, nil
	}
	out, err := catalog.Apply(body, edits)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return out, nil
}

func newEventsCommand(app *App) *cobra.Command {
	var provider string
	cmd := &cobra.Command{
		Use:   "events [--provider P]",
		Short: "List the event types of the catalog's providers",
		Long: `List event types with one-line descriptions, for one provider or all.
Events marked illustrative are hooktool's stand-ins for events a provider's
documents name without showing a payload.` + exitStatusHelp,
		Example: `  hooktool events --provider aella
  hooktool events show transfer.completed
  hooktool events --json | jq -r 'select(.provider=="accounts") | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, c, err := app.catalogOnly(cmd.Flags())
			if err != nil {
				return err
			}
			providers := c.Providers
			if provider != "" {
				p := c.Provider(provider)
				if p == nil {
					return usageErr("unknown provider %q (known: %s)", provider, strings.Join(c.ProviderIDs(), ", "))
				}
				providers = []*catalog.Provider{p}
			}
			return app.printEvents(providers)
		},
	}
	cmd.Flags().StringVarP(&provider, "provider", "P", "", "list this provider's events only")
	_ = cmd.RegisterFlagCompletionFunc("provider", app.completeProviders)
	cmd.AddCommand(newEventsShowCommand(app))
	return cmd
}

type eventJSON struct {
	Provider     string `json:"provider"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Illustrative bool   `json:"illustrative"`
}

func (app *App) printEvents(providers []*catalog.Provider) error {
	out := app.Streams.Out
	if app.JSON {
		for _, p := range providers {
			for i := range p.Events {
				e := &p.Events[i]
				if err := app.writeJSON(out, eventJSON{p.ID, e.Name, e.Description, e.IsIllustrative()}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	pal := app.palette()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, pal.Bold("PROVIDER")+"\t"+pal.Bold("EVENT")+"\t"+pal.Bold("DESCRIPTION"))
	for _, p := range providers {
		for i := range p.Events {
			e := &p.Events[i]
			desc := e.Description
			if e.IsIllustrative() {
				desc += " " + pal.Dim("(illustrative)")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.ID, e.Name, desc)
		}
	}
	return tw.Flush()
}

func newEventsShowCommand(app *App) *cobra.Command {
	var provider string
	var edits payloadEdits
	cmd := &cobra.Command{
		Use:   "show EVENT [--provider P] [--set path=value]...",
		Short: "Print an event's sample payload, as it will be sent",
		Long: `Render an event's sample payload with fresh ids and times, apply any
--set, --set-str and --unset edits, and print it byte for byte as trigger
would send it.` + exitStatusHelp,
		Example: `  hooktool events show transfer.completed
  hooktool events show mandate.debit.failed --set data.transaction.amount=2500
  hooktool events show ACCOUNT_CREDITED --provider accounts | jq .`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeEvents,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, c, err := app.catalogOnly(cmd.Flags())
			if err != nil {
				return err
			}
			if provider == "" {
				provider = r.cfg.Provider(r.endpoint)
			}
			ev, err := c.Find(args[0], provider)
			if err != nil {
				return &exitError{code: ExitError, err: err, hints: []string{"`hooktool events` lists the event types"}}
			}
			body, err := ev.Render(app.Now())
			if err != nil {
				return failErr(err)
			}
			if body, err = edits.apply(body); err != nil {
				return err
			}
			if ev.IsIllustrative() {
				app.warn("%s of %s is illustrative: the provider does not publish this payload", ev.Name, ev.Provider().ID)
			}
			_, err = app.Streams.Out.Write(body)
			return err
		},
	}
	cmd.Flags().StringVarP(&provider, "provider", "P", "", "the provider, when the event name is not unique")
	edits.addFlags(cmd.Flags())
	_ = cmd.RegisterFlagCompletionFunc("provider", app.completeProviders)
	return cmd
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
