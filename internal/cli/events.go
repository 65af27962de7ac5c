package cli

import (
	"fmt"
	"strings"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/spf13/cobra"
)

// EventsOptions are what `hooktool events` lists: the events of one
// provider, or of all.
type EventsOptions struct {
	signing  *resolvedSigning
	Provider string
}

func newEventsCommand(app *App, runF func(*EventsOptions) error) *cobra.Command {
	o := &EventsOptions{}
	cmd := &cobra.Command{
		Use:   "events [--provider P]",
		Short: "List the event types of the catalog's providers",
		Long: `List event types with one-line descriptions, for one provider or all.
Events marked illustrative are hooktool's stand-ins for events a provider's
documents name without showing a payload.` + exitStatus("the events were listed", "", couldNotRun+" (an unknown provider)"),
		Example: `  hooktool events --provider aella
  hooktool events show transfer.completed
  hooktool events --json | jq -r 'select(.provider=="accounts") | .name'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.signing, err = app.loadSigningConfig(cmd.Flags()); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return runEvents(app, o)
		},
	}
	cmd.Flags().StringVarP(&o.Provider, "provider", "P", "", "list this provider's events only")
	_ = cmd.RegisterFlagCompletionFunc("provider", app.completeProviders)
	cmd.AddCommand(newEventsShowCommand(app, nil))
	return cmd
}

func runEvents(app *App, o *EventsOptions) error {
	c, err := app.loadCatalog(o.signing)
	if err != nil {
		return err
	}
	providers := c.Providers
	if o.Provider != "" {
		p := c.Provider(o.Provider)
		if p == nil {
			return unknownNameErr(fmt.Errorf("unknown provider %q (known: %s)", o.Provider, strings.Join(c.ProviderIDs(), ", ")), o.Provider, c.ProviderIDs(), "see --help for usage")
		}
		providers = []*catalog.Provider{p}
	}
	return view.NewEventsPrinter(app.out()).Events(providers)
}

// EventsShowOptions are what `hooktool events show` renders: an event, of
// the provider given or configured, and the edits to its sample.
type EventsShowOptions struct {
	signing  *resolvedSigning
	Event    string
	Provider string
	edits    payloadEdits
}

func newEventsShowCommand(app *App, runF func(*EventsShowOptions) error) *cobra.Command {
	o := &EventsShowOptions{}
	cmd := &cobra.Command{
		Use:   "show EVENT [--provider P] [--set path=value]...",
		Short: "Print an event's sample payload, as it will be sent",
		Long: `Render an event's sample payload with fresh ids and times, apply any
--set, --set-str and --unset edits, and print it byte for byte as trigger
would send it.` + exitStatus("the payload was printed", "", couldNotRun+" (an unknown event, a bad --set path)"),
		Example: `  hooktool events show transfer.completed
  hooktool events show mandate.debit.failed --set data.transaction.amount=2500
  hooktool events show ACCOUNT_CREDITED --provider accounts | jq .`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeEvents,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.signing, err = app.loadSigningConfig(cmd.Flags()); err != nil {
				return err
			}
			o.Event = args[0]
			if o.Provider == "" {
				o.Provider = o.signing.cfg.Provider(o.signing.endpoint)
			}
			if runF != nil {
				return runF(o)
			}
			return runEventsShow(app, o)
		},
	}
	cmd.Flags().StringVarP(&o.Provider, "provider", "P", "", "the provider, when the event name is not unique")
	o.edits.addFlags(cmd.Flags())
	_ = cmd.RegisterFlagCompletionFunc("provider", app.completeProviders)
	return cmd
}

func runEventsShow(app *App, o *EventsShowOptions) error {
	c, err := app.loadCatalog(o.signing)
	if err != nil {
		return err
	}
	ev, err := c.Find(o.Event, o.Provider)
	if err != nil {
		return catalogLookupErr(c, err, o.Event, o.Provider)
	}
	body, err := ev.Render(app.Now())
	if err != nil {
		return failErr(err)
	}
	if body, err = o.edits.apply(body); err != nil {
		return err
	}
	if ev.IsIllustrative() {
		app.warn("%s of %s is illustrative: the provider does not publish this payload", ev.Name, ev.Provider().ID)
	}
	return view.Sample(app.out(), body)
}
