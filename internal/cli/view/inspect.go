package view

import "fmt"

// InspectReady is what `inspect` says once it serves.
type InspectReady struct {
	URL        string
	Deliveries int
	Files      int
}

// InspectPrinter prints `hooktool inspect`.
type InspectPrinter interface {
	// Ready says where the inspector is. It is said even with --quiet:
	// the URL, with its token, is the only way in.
	Ready(InspectReady) error
}

// NewInspectPrinter returns the printer for out.
func NewInspectPrinter(out Out) InspectPrinter {
	if out.JSON {
		return inspectJSON{out}
	}
	return inspectText{out}
}

type inspectJSON struct{ out Out }

type inspectReadyJSON struct {
	Type       string `json:"type"`
	URL        string `json:"url"`
	Deliveries int    `json:"deliveries"`
}

func (p inspectJSON) Ready(r InspectReady) error {
	return JSONLine(p.out.Streams.Err, inspectReadyJSON{Type: "ui", URL: r.URL, Deliveries: r.Deliveries})
}

type inspectText struct{ out Out }

func (p inspectText) Ready(r InspectReady) error {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	_, err := fmt.Fprintf(p.out.Streams.Err, "hooktool: inspector on %s (%s in %s; Ctrl-C stops)\n", r.URL, plural(r.Deliveries, "delivery", "deliveries"), plural(r.Files, "file", "files"))
	return err
}
