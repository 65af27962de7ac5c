package view

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/listener"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

func listenPrinter(json, quiet bool) (ListenPrinter, *bytes.Buffer, *bytes.Buffer) {
	streams, out, errb := term.Test("")
	plain := term.NewPalette(false)
	o := Out{Streams: streams, JSON: json, Quiet: quiet, Palette: plain, ErrPalette: plain}
	return NewListenPrinter(o, ListenSettings{Redact: signature.NewRedactor(nil, nil, nil)}), out, errb
}

func listenRecord(event string, status int) *capture.Record {
	r := &capture.Record{
		V: capture.Version, ID: "01ABC", ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Method: "POST", Path: "/hook", Event: event, Matched: true, Answer: capture.Answer{Status: status},
	}
	r.SetBody([]byte(`{"event":"x"}`))
	return r
}

func TestListenSummaryJSON(t *testing.T) {
	stats := listener.Stats{
		Received: 3, Kept: 2, Refused: 1,
		ByEvent:   map[string]int{"": 1, "a.b": 2},
		ByVerdict: map[string]int{"valid": 2, "unsigned": 1},
		ByAnswer:  map[int]int{200: 2, 503: 1, 413: 1},
	}
	p, _, errb := listenPrinter(true, true) // --quiet does not hide JSON
	p.Summary(ListenSummary{Stats: stats, Save: "f.jsonl"})
	p.Summary(ListenSummary{Stats: stats, Save: "f.jsonl", File: &ListenFile{InFile: 1, Recreated: 1}})
	want := `{"by_answer":{"200":2,"413":1,"503":1},"by_event":{"(none)":1,"a.b":2},"by_verdict":{"unsigned":1,"valid":2},"kept":2,"received":3,"refused":1,"type":"summary"}
{"by_answer":{"200":2,"413":1,"503":1},"by_event":{"(none)":1,"a.b":2},"by_verdict":{"unsigned":1,"valid":2},"in_file":1,"kept":2,"lost":0,"received":3,"recreated":1,"refused":1,"type":"summary"}
`
	if errb.String() != want {
		t.Errorf("got\n%s\nwant\n%s", errb, want)
	}
}

func TestListenReady(t *testing.T) {
	p, _, errb := listenPrinter(true, false)
	if err := p.Ready(ListenReady{URL: "http://127.0.0.1:1", Save: "f", Unsigned: "no secret is configured"}); err != nil {
		t.Fatal(err)
	}
	if want := `{"forward_to":"","save":"f","type":"ready","url":"http://127.0.0.1:1","verifying":false}` + "\n"; errb.String() != want {
		t.Errorf("got %s want %s", errb, want)
	}
	p, _, errb = listenPrinter(false, false)
	p.Ready(ListenReady{URL: "http://127.0.0.1:1", Scheme: "hmac", Provider: "aella", ForwardTo: "http://localhost:3000/"})
	if want := "hooktool: listening on http://127.0.0.1:1 (verifying hmac (aella); forwarding to http://localhost:3000/)\n"; errb.String() != want {
		t.Errorf("got %q want %q", errb, want)
	}
}

// TestListenText: a line per shown delivery, escaped; a problem once with
// its hint; the summary's groups sorted and escaped.
func TestListenText(t *testing.T) {
	p, out, errb := listenPrinter(false, false)
	full := errors.New("disk full")
	hostile := listenRecord("evil\x1b[2J", 503)
	hostile.Verdict = &signature.Verdict{Reason: signature.ReasonMismatch}
	p.Delivery(listener.Delivery{Record: hostile, SaveErr: full})
	p.Delivery(listener.Delivery{Record: listenRecord("", 503), SaveErr: full})
	filtered := listenRecord("other", 200)
	filtered.Matched = false
	p.Delivery(listener.Delivery{Record: filtered, ForwardErr: &delivery.Error{Kind: delivery.KindTimeout, Msg: "timed out"}})
	p.Delivery(listener.Delivery{Record: listenRecord("", 413), Refused: "body over --max-body (5 bytes)"})
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3 (the filtered delivery is not shown):\n%s", len(lines), out)
	}
	for i, want := range []string{
		"  POST /hook  evil\\x1b[2J  ✘ signature_mismatch  13 B  → 503",
		"  POST /hook  -  unsigned  13 B  → 503",
		"  POST /hook  ✘ refused 413: body over --max-body (5 bytes)",
	} {
		if !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d: %q, want it to end %q", i+1, lines[i], want)
		}
	}
	wantErr := `hooktool: warning: capture: disk full
hooktool: hint: the sender got 503 and will retry; free space or fix the file's permissions
hooktool: warning: forward: timed out
hooktool: hint: raise --forward-timeout, or check the app is not stuck on the request
`
	if errb.String() != wantErr {
		t.Errorf("stderr\n%s\nwant\n%s", errb, wantErr)
	}
	errb.Reset()
	p.Summary(ListenSummary{Save: "f.jsonl", File: &ListenFile{Lost: 2}, Stats: listener.Stats{
		Received: 2, Kept: 0, Refused: 1,
		ByEvent:   map[string]int{"": 1, "evil\x1b[2J": 1},
		ByVerdict: map[string]int{"unsigned": 1, "signature_mismatch": 1},
		ByAnswer:  map[int]int{503: 2, 413: 1},
	}})
	wantSummary := `hooktool: received 2 deliveries, kept 0 in f.jsonl (2 of them lost: it was deleted or moved and could not be created anew), refused 1
hooktool:   by event: (none) 1, evil\x1b[2J 1
hooktool:   by verdict: signature_mismatch 1, unsigned 1
hooktool:   by answer: 413 1, 503 2
`
	if errb.String() != wantSummary {
		t.Errorf("summary\n%s\nwant\n%s", errb, wantSummary)
	}
}

// TestListenQuietPrintsFailures: with --quiet, a delivery that went well
// prints nothing, and one that was not kept prints its line alone.
func TestListenQuietPrintsFailures(t *testing.T) {
	p, out, errb := listenPrinter(false, true)
	p.Ready(ListenReady{URL: "http://127.0.0.1:1"})
	p.Delivery(listener.Delivery{Record: listenRecord("a", 200)})
	p.Delivery(listener.Delivery{Record: listenRecord("b", 503), SaveErr: errors.New("disk full")})
	p.Summary(ListenSummary{Stats: listener.Stats{Received: 2}})
	if !strings.HasSuffix(out.String(), "  POST /hook  b  unsigned  13 B  → 503\n") || strings.Count(out.String(), "\n") != 1 || errb.Len() != 0 {
		t.Errorf("--quiet printed %q and %q", out, errb)
	}
}

// TestListenLineCutsLongParts: a sender's method, path, query and event
// type of a hundred kilobytes each make a live line of bounded length.
func TestListenLineCutsLongParts(t *testing.T) {
	p, out, _ := listenPrinter(false, false)
	rec := listenRecord(strings.Repeat("e\x1b", 100_000), 200)
	rec.Method, rec.Path, rec.Query = strings.Repeat("M", 100_000), "/"+strings.Repeat("p", 100_000), strings.Repeat("q", 100_000)
	p.Delivery(listener.Delivery{Record: rec})
	if n := len(out.String()); n > 2000 || strings.Contains(out.String(), "\x1b") || strings.Count(out.String(), "…") != 3 {
		t.Errorf("a line of %d bytes:\n%.500s", n, out)
	}
}
