package view

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
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
	tab := NewTable(p.out.Streams.Out, pal, "PROVIDER", "EVENT", "DESCRIPTION")
	for _, pr := range providers {
		for i := range pr.Events {
			e := &pr.Events[i]
			// A catalog file is the user's, or anyone's they copied it from.
			desc := term.Escape(e.Description)
			if e.IsIllustrative() {
				desc += " " + pal.Dim("(illustrative)")
			}
			tab.Row(term.Escape(pr.ID), term.Escape(e.Name), desc)
		}
	}
	return tab.Flush()
}

// Sample prints an event's rendered payload byte for byte (`events show`),
// the same under --json: the payload is the data.
func Sample(out Out, body []byte) error {
	_, err := out.Streams.Out.Write(body)
	return err
}

// ProvidersPrinter prints `hooktool providers`: a table for people, one
// JSON line per provider for scripts; and `providers show`: one
// provider's profile and events.
type ProvidersPrinter interface {
	Providers(providers []*catalog.Provider) error
	Provider(p *catalog.Provider) error
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
	Category     string      `json:"category,omitempty"`
	Regions      []string    `json:"regions,omitempty"`
	DocsURL      string      `json:"docs_url,omitempty"`
	Docs         string      `json:"docs"`
	Source       string      `json:"source"`
	EventPath    string      `json:"event_path"`
	EventHeader  string      `json:"event_header,omitempty"`
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
	// Tolerance is the provider's documented one, as a Go duration.
	Tolerance string `json:"tolerance,omitempty"`
	Note      string `json:"note,omitempty"`
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

func providerJSONOf(pr *catalog.Provider) providerJSON {
	out := providerJSON{
		ID: pr.ID, Name: pr.Name, Category: pr.Category, Regions: pr.Regions, DocsURL: pr.DocsURL, Docs: pr.Docs, Source: pr.Source,
		EventPath: pr.EventPath, EventHeader: pr.EventHeader,
		EventIDPath: pr.EventIDPath, ContentType: pr.ContentType, Illustrative: pr.Illustrative, Events: pr.EventNames(), File: pr.File, Builtin: pr.Builtin,
		Signing: signingJSON{Scheme: pr.Signing.Scheme, HMAC: hmacOf(pr.Signing), Note: pr.Signing.Note}, Retry: retryOf(pr.Retry),
	}
	if pr.Signing.Tolerance > 0 {
		out.Signing.Tolerance = time.Duration(pr.Signing.Tolerance).String()
	}
	return out
}

func (p providersJSON) Providers(providers []*catalog.Provider) error {
	for _, pr := range providers {
		if err := JSONLine(p.out.Streams.Out, providerJSONOf(pr)); err != nil {
			return err
		}
	}
	return nil
}

// Provider is the same line as the list's, for one provider.
func (p providersJSON) Provider(pr *catalog.Provider) error {
	return JSONLine(p.out.Streams.Out, providerJSONOf(pr))
}

type providersText struct{ out Out }

// Providers is one table, grouped by category (the providers come
// grouped: catalog.Grouped), with each provider's documentation URL.
func (p providersText) Providers(providers []*catalog.Provider) error {
	tab := NewTable(p.out.Streams.Out, p.out.Palette, "CATEGORY", "ID", "NAME", "EVENTS", "SIGNING", "DOCS", "NOTE")
	for _, pr := range providers {
		tab.Row(term.Escape(cmp.Or(pr.Category, "-")), term.Escape(pr.ID), term.Escape(pr.Name), strconv.Itoa(len(pr.Events)), term.Escape(describeSigning(pr.Signing)), term.Escape(cmp.Or(pr.DocsURL, "-")), term.Escape(strings.Join(providerNotes(pr), ", ")))
	}
	return tab.Flush()
}

func providerNotes(pr *catalog.Provider) []string {
	var notes []string
	if pr.Illustrative {
		notes = append(notes, "illustrative")
	}
	if !pr.Builtin {
		notes = append(notes, "from "+pr.File)
	}
	return notes
}

// Provider prints the profile as a FIELD VALUE table, then the events.
func (p providersText) Provider(pr *catalog.Provider) error {
	out, pal := p.out.Streams.Out, p.out.Palette
	tab := NewTable(out, pal, "FIELD", "VALUE")
	row := func(k, v string) {
		if v != "" {
			tab.Row(k, term.Escape(v))
		}
	}
	row("id", pr.ID)
	row("name", pr.Name)
	row("category", pr.Category)
	row("regions", strings.Join(pr.Regions, ", "))
	row("docs url", pr.DocsURL)
	row("scheme", cmp.Or(pr.Signing.Scheme, "-"))
	if s, err := signature.Lookup(pr.Signing.Scheme, pr.Signing.Options()); err == nil {
		row("scheme is", s.Description())
	}
	if pr.Signing.Scheme == "hmac" {
		h := pr.Signing.HMAC
		row("  header", h.Header)
		row("  hash", cmp.Or(h.Hash, "sha256"))
		row("  encoding", cmp.Or(h.Encoding, "hex"))
		if h.Prefix != "" {
			row("  prefix", strconv.Quote(h.Prefix))
		}
		row("  signed content", cmp.Or(h.Template, "{body}"))
		row("  id header", h.IDHeader)
		row("  timestamp header", h.TimestampHeader)
		row("  timestamp field", h.TimestampField)
		row("  timestamp format", h.TimestampFormat)
		row("  signature field", h.SignatureField)
		row("  secret encoding", h.SecretEncoding)
	}
	if pr.Signing.Tolerance > 0 {
		row("tolerance", time.Duration(pr.Signing.Tolerance).String())
	}
	if pr.EventHeader != "" {
		row("event type", "header "+pr.EventHeader)
	}
	if pr.EventPath != "" {
		row("event type", "body "+pr.EventPath)
	}
	row("event id", pr.EventIDPath)
	row("content type", pr.ContentType)
	row("note", pr.Signing.Note)
	var waits []string
	for _, w := range pr.Retry.Waits() {
		waits = append(waits, w.String())
	}
	row("retry schedule", strings.Join(waits, ", ")) // what --retry provider follows
	row("retries", pr.Retry.Note)
	row("source", pr.Source)
	row("file", pr.File)
	if len(providerNotes(pr)) > 0 {
		row("marked", strings.Join(providerNotes(pr), ", "))
	}
	if err := tab.Flush(); err != nil {
		return err
	}
	if _, err := io.WriteString(out, "\n"); err != nil {
		return err
	}
	return eventsText{p.out}.Events([]*catalog.Provider{pr})
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
	h := s.HMAC
	switch {
	case h.Mode == "token":
		return "token in " + h.Header
	case h.SignatureField != "":
		kind := "hmac"
		if h.Mode == "digest" {
			kind = "digest"
		}
		return fmt.Sprintf("%s %s %s in body field %s", kind, hash, enc, h.SignatureField)
	}
	return fmt.Sprintf("hmac %s %s in %s", hash, enc, h.Header)
}
