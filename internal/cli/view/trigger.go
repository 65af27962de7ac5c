package view

import (
	"fmt"

	"github.com/hooktool/hooktool/internal/signature"
)

// PrintedRequest is a request `trigger --print` shows instead of sending.
type PrintedRequest struct {
	Event, Provider string
	Method, URL     string
	ContentType     string
	// Headers are the signature's and the extra ones, secrets hidden,
	// Content-Type apart.
	Headers []signature.HeaderField
	Body    []byte
}

// TriggerPrinter prints what trigger does: the requests of --print, and the
// closing count of deliveries not acknowledged (each attempt is printed by
// an AttemptPrinter).
type TriggerPrinter interface {
	Request(PrintedRequest) error
	NotAcknowledged(failed, total int)
}

// NewTriggerPrinter prints --print requests in format (http, curl or json,
// as --format says; the command has checked it).
func NewTriggerPrinter(out Out, format string) TriggerPrinter {
	return triggerPrinter{out: out, format: format}
}

type triggerPrinter struct {
	out    Out
	format string
}

// triggerRequestJSON is --print --format json.
type triggerRequestJSON struct {
	Body     string            `json:"body"`
	Event    string            `json:"event"`
	Headers  map[string]string `json:"headers"`
	Method   string            `json:"method"`
	Provider string            `json:"provider"`
	URL      string            `json:"url"`
}

func (p triggerPrinter) Request(r PrintedRequest) error {
	w := p.out.Streams.Out
	switch p.format {
	case "curl":
		return WriteCurl(w, r.URL, r.ContentType, r.Headers, r.Body, "")
	case "json":
		hm := map[string]string{"Content-Type": r.ContentType}
		for _, f := range r.Headers {
			hm[f.Name] = f.Value
		}
		return JSONLine(w, triggerRequestJSON{
			Event: r.Event, Provider: r.Provider, Method: r.Method, URL: r.URL,
			Headers: hm, Body: string(r.Body),
		})
	}
	if err := WriteHTTP(w, r.URL, r.ContentType, r.Headers, r.Body); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

// NotAcknowledged closes a run of several deliveries with how many failed,
// on stderr, for people only (the JSON lines say it delivery by delivery).
func (p triggerPrinter) NotAcknowledged(failed, total int) {
	if total > 1 && p.out.Shows(SummaryLine) && !p.out.JSON {
		fmt.Fprintf(p.out.Streams.Err, "hooktool: %d of %s not acknowledged\n", failed, Plural(total, "delivery", "deliveries"))
	}
}
