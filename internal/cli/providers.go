package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// catalogOnly loads the config (for catalog:) and the catalog, for the
// commands that only read it.
func (app *App) catalogOnly(fs *pflag.FlagSet) (*resolvedSigning, *catalog.Catalog, error) {
	r, err := app.loadSigningConfig(fs)
	if err != nil {
		return nil, nil, err
	}
	c, err := app.loadCatalog(r)
	return r, c, err
}

func newProvidersCommand(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "List the providers in the catalog",
		Long: `List the providers hooktool knows: the built-in catalog, plus the provider
files of --catalog DIR (or catalog: in the config), where a file with a
built-in id replaces that provider.

Providers marked illustrative name events their documents describe without
publishing payloads: their samples are hooktool's plausible stand-ins. The
seed providers do not publish their signing schemes either: each profile
says which header and HMAC it assumes.` + exitStatusHelp,
		Example: `  hooktool providers
  hooktool providers --json | jq -r .id
  hooktool providers --catalog ./hooks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, c, err := app.catalogOnly(cmd.Flags())
			if err != nil {
				return err
			}
			return app.printProviders(c)
		},
	}
	return cmd
}

type providerJSON struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Docs         string      `json:"docs"`
	Source       string      `json:"source"`
	EventPath    string      `json:"event_path"`
	ContentType  string      `json:"content_type"`
	Illustrative bool        `json:"illustrative"`
	Signing      signingJSON `json:"signing"`
	Events       []string    `json:"events"`
	File         string      `json:"file"`
	Builtin      bool        `json:"builtin"`
}

type signingJSON struct {
	Scheme string                `json:"scheme"`
	HMAC   *signature.HMACConfig `json:"hmac,omitempty"`
	Note   string                `json:"note,omitempty"`
}

func hmacOf(s catalog.Signing) *signature.HMACConfig {
	if s.Scheme != "hmac" {
		return nil
	}
	h := s.HMAC
	return &h
}

func describeSigning(s catalog.Signing) string {
	if s.Scheme == "" {
		return "-"
	}
	if s.Scheme != "hmac" {
		return s.Scheme
	}
	hash, enc := s.HMAC.Hash, s.HMAC.Encoding
	if hash == "" {
		hash = "sha256"
	}
	if enc == "" {
		enc = "hex"
	}
	return fmt.Sprintf("hmac %s %s in %s", hash, enc, s.HMAC.Header)
}

func (app *App) printProviders(c *catalog.Catalog) error {
	out := app.Streams.Out
	if app.JSON {
		for _, p := range c.Providers {
			if err := app.writeJSON(out, providerJSON{
				ID: p.ID, Name: p.Name, Docs: p.Docs, Source: p.Source, EventPath: p.EventPath,
				ContentType: p.ContentType, Illustrative: p.Illustrative, Events: p.EventNames(), File: p.File, Builtin: p.Builtin,
				Signing: signingJSON{Scheme: p.Signing.Scheme, HMAC: hmacOf(p.Signing), Note: p.Signing.Note},
			}); err != nil {
				return err
			}
		}
		return nil
	}
	pal := app.palette()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, pal.Bold("ID")+"\t"+pal.Bold("NAME")+"\t"+pal.Bold("EVENTS")+"\t"+pal.Bold("SIGNING")+"\t"+pal.Bold("NOTE"))
	for _, p := range c.Providers {
		var notes []string
		if p.Illustrative {
			notes = append(notes, "illustrative")
		}
		if !p.Builtin {
			notes = append(notes, "from "+p.File)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", p.ID, p.Name, len(p.Events), describeSigning(p.Signing), strings.Join(notes, ", "))
	}
	return tw.Flush()
}
