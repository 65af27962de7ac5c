package view

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/signature"
)

// EventsPrinter prints `hooktool events`: the event types of providers, a
// table for people, one JSON line per event for scripts.
type EventsPrinter interface {
	Events(providers []*catalog.Provider) error
}

// NewEventsPrinter returns the printer for out.
func NewEventsPrinter(out Out) EventsPrinter {
	if out.JSON {
		return eventsJSON{out}
	}
	return eventsText{out}
}

type eventJSON struct {
	Provider     string `json:"provider"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Illustrative bool   `json:"illustrative"`
}

type eventsJSON struct{ out Out }

func (p eventsJSON) Events(providers []*catalog.Provider) error {
	for _, pr := range providers {
		for i := range pr.Events {
			e := &pr.Events[i]
			if err := JSONLine(p.out.Streams.Out, eventJSON{pr.ID, e.Name, e.Description, e.IsIllustrative()}); err != nil {
				return err
			}
		}
	}
	return nil
}

type eventsText struct{ out Out }

func (p eventsText) Events(providers []*catalog.Provider) error {
	pal := p.out.Palette
	tw := tabwriter.NewWriter(p.out.Streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, pal.Bold("PROVIDER")+"\t"+pal.Bold("EVENT")+"\t"+pal.Bold("DESCRIPTION"))
	for _, pr := range providers {
		for i := range pr.Events {
			e := &pr.Events[i]
			desc := e.Description
			if e.IsIllustrative() {
				desc += " " + pal.Dim("(illustrative)")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", pr.ID, e.Name, desc)
		}
	}
	return tw.Flush()
}

// Sample prints an event's rendered payload byte for byte (`events show`),
// the same under --json: the payload is the data.
func Sample(out Out, body []byte) error {
	_, err := out.Streams.Out.Write(body)
	return err
}

// ProvidersPrinter prints `hooktool providers`: a table for people, one
// JSON line per provider for scripts.
type ProvidersPrinter interface {
	Providers(providers []*catalog.Provider) error
}

// NewProvidersPrinter returns the printer for out.
func NewProvidersPrinter(out Out) ProvidersPrinter {
	if out.JSON {
		return providersJSON{out}
	}
	return providersText{out}
}

type providerJSON struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Docs         string      `json:"docs"`
	Source       string      `json:"source"`
	EventPath    string      `json:"event_path"`
	EventIDPath  string      `json:"event_id_path,omitempty"`
	ContentType  string      `json:"content_type"`
	Illustrative bool        `json:"illustrative"`
	Signing      signingJSON `json:"signing"`
	Retry        *retryJSON  `json:"retry,omitempty"`
	Events       []string    `json:"events"`
	File         string      `json:"file"`
	Builtin      bool        `json:"builtin"`
}

type signingJSON struct {
	Scheme string                `json:"scheme"`
	HMAC   *signature.HMACConfig `json:"hmac,omitempty"`
	Note   string                `json:"note,omitempty"`
}

// retryJSON is what the provider documents about retries (schedule: the
// waits before each retry, as Go durations).
type retryJSON struct {
	Schedule []string `json:"schedule,omitempty"`
	Note     string   `json:"note,omitempty"`
}

func retryOf(r catalog.Retry) *retryJSON {
	if len(r.Schedule) == 0 && r.Note == "" {
		return nil
	}
	out := &retryJSON{Note: r.Note}
	for _, w := range r.Waits() {
		out.Schedule = append(out.Schedule, w.String())
	}
	return out
}

func hmacOf(s catalog.Signing) *signature.HMACConfig {
	if s.Scheme != "hmac" {
		return nil
	}
	h := s.HMAC
	return &h
}

type providersJSON struct{ out Out }

func (p providersJSON) Providers(providers []*catalog.Provider) error {
	for _, pr := range providers {
		if err := JSONLine(p.out.Streams.Out, providerJSON{
			ID: pr.ID, Name: pr.Name, Docs: pr.Docs, Source: pr.Source, EventPath: pr.EventPath,
			EventIDPath: pr.EventIDPath, ContentType: pr.ContentType, Illustrative: pr.Illustrative, Events: pr.EventNames(), File: pr.File, Builtin: pr.Builtin,
			Signing: signingJSON{Scheme: pr.Signing.Scheme, HMAC: hmacOf(pr.Signing), Note: pr.Signing.Note}, Retry: retryOf(pr.Retry),
		}); err != nil {
			return err
		}
	}
	return nil
}

type providersText struct{ out Out }

func (p providersText) Providers(providers []*catalog.Provider) error {
	pal := p.out.Palette
	tw := tabwriter.NewWriter(p.out.Streams.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, pal.Bold("ID")+"\t"+pal.Bold("NAME")+"\t"+pal.Bold("EVENTS")+"\t"+pal.Bold("SIGNING")+"\t"+pal.Bold("NOTE"))
	for _, pr := range providers {
		var notes []string
		if pr.Illustrative {
			notes = append(notes, "illustrative")
		}
		if !pr.Builtin {
			notes = append(notes, "from "+pr.File)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", pr.ID, pr.Name, len(pr.Events), describeSigning(pr.Signing), strings.Join(notes, ", "))
	}
	return tw.Flush()
}

// describeSigning is a provider's signing profile in a few words.
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
