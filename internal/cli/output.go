package cli

import (
	"net/http"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/delivery"
)

// The printing helpers shared by several commands. Their bodies live in
// package view, where the printers are; these names are what the command
// files call.

// formatLatency is a delivery's latency for people (view.Latency).
func formatLatency(d time.Duration) string { return view.Latency(d) }

// preview is the start of a body on one line, escaped (view.Preview).
func preview(b []byte, max int) string { return view.Preview(b, max) }

// shownHeaders are a record's headers as received, for people
// (view.CaptureHeaders).
func shownHeaders(r *capture.Record) http.Header { return view.CaptureHeaders(r) }

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sentItem names what an attempt sent: an event of trigger, or a capture of
// replay (label is what a line shows first).
type sentItem struct {
	method, event, provider, captureID, label string
}

// reportAttempt prints one delivery attempt through view's AttemptPrinter;
// hinted remembers the hints said already.
func (app *App) reportAttempt(r *resolvedSigning, it sentItem, target string, bodyLen int, a delivery.Attempt, max int, hinted map[string]bool) {
	// Replay calls this for every attempt: the palette is made only when a
	// text line will use it.
	out := view.Out{Streams: app.Streams, JSON: app.JSON, Quiet: app.Quiet}
	if !app.JSON && !app.Quiet {
		out.Palette = app.palette()
	}
	view.NewAttemptPrinter(out, r.redactor(), hinted).Attempt(view.Sent{
		Method: it.method, Event: it.event, Provider: it.provider, CaptureID: it.captureID, Label: it.label,
		URL: target, BodyBytes: bodyLen,
	}, a, max)
}
