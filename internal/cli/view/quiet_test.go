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
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/scenario"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

// quietOut is a text Out with --quiet, and its two streams.
func quietOut() (Out, *bytes.Buffer, *bytes.Buffer) {
	s, out, errb := term.Test("")
	plain := term.NewPalette(false)
	return Out{Streams: s, Quiet: true, Palette: plain, ErrPalette: plain}, out, errb
}

// lines is what was printed on both streams, a line each.
func lines(out, errb *bytes.Buffer) []string {
	all := strings.TrimSpace(out.String() + errb.String())
	if all == "" {
		return nil
	}
	return strings.Split(all, "\n")
}

func TestOutShows(t *testing.T) {
	for _, k := range []LineKind{ProgressLine, SuccessLine, SummaryLine, DetailLine, FailureLine} {
		if !(Out{}).Shows(k) || !(Out{Quiet: true, JSON: true}).Shows(k) {
			t.Errorf("line kind %d hidden without --quiet, or with --json", k)
		}
		if got := (Out{Quiet: true}).Shows(k); got != (k == FailureLine) {
			t.Errorf("--quiet shows kind %d: %v", k, got)
		}
	}
}

// TestQuietRule: with --quiet, every printer drops progress, success
// lines, summaries and hints, and prints each failure as one line.
func TestQuietRule(t *testing.T) {
	red := signature.NewRedactor(nil, nil, nil)
	rec := &capture.Record{ID: "01ABC", Event: "transfer.completed"}
	invalid := signature.Verdict{Scheme: "hmac", Reason: signature.ReasonMismatch, Message: "signature does not match the body", Hints: []string{"a trailing newline"}}
	valid := signature.Verdict{Scheme: "hmac", Valid: true, Reason: signature.ReasonValid, Message: "signature matches", Hints: []string{"a note"}}
	refused := delivery.Attempt{Number: 1, Err: &delivery.Error{Kind: delivery.KindRefused, Msg: "connection refused by h:1", Hint: "is your server listening?"}}
	failed500 := delivery.Attempt{Number: 1, Status: 500, Body: []byte("boom")}
	ok200 := delivery.Attempt{Number: 1, Status: 200}
	sent := Sent{Label: "transfer.completed", URL: "http://h:1/hook"}

	s, steps, res, rep := runOf(t)
	probeBad := scenario.ProbeResult{Probe: &scenario.Probe{Method: "GET", URL: "http://h/x"}, Status: 500}

	appRec := listenRecord("transfer.completed", 200)
	appRec.Forward = &capture.Forward{URL: "http://app/", Status: 500}
	badSig := listenRecord("transfer.completed", 200)
	badSig.Verdict = &invalid
	good := listenRecord("transfer.completed", 200)
	good.Verdict = &valid
	at := good.ReceivedAt.Local().Format("15:04:05.000")

	for _, tc := range []struct {
		name  string
		print func(Out)
		want  []string // the lines, each as a regexp-free prefix
	}{
		{"verify valid", func(o Out) { _ = NewVerifyPrinter(o).Verdict(valid, time.Time{}) }, nil},
		{"verify invalid", func(o Out) { _ = NewVerifyPrinter(o).Verdict(invalid, time.Time{}) },
			[]string{"✘ invalid (hmac, signature_mismatch): signature does not match the body"}},
		{"verify captures", func(o Out) {
			p := NewVerifyPrinter(o)
			_ = p.Checked(rec, valid, time.Time{})
			_ = p.Checked(rec, invalid, time.Time{})
			_ = p.Unchecked(rec, errors.New("no scheme recorded"))
			p.Summary(replay.VerifySummary{Checked: 2, Valid: 1, Invalid: 1, Unchecked: 1})
		}, []string{"01ABC                       transfer.completed                        ✘ signature_mismatch: signature does not match the body", "01ABC                       transfer.completed                        unchecked: no scheme recorded"}},
		{"attempts", func(o Out) {
			p := NewAttemptPrinter(o, red, map[string]bool{})
			p.Attempt(sent, ok200, 1)
			p.Attempt(sent, failed500, 1)
			p.Attempt(sent, refused, 1)
		}, []string{"transfer.completed → http://h:1/hook  ✘ 500 Internal Server Error", "transfer.completed → http://h:1/hook  ✘ connection refused by h:1"}},
		{"trigger summary", func(o Out) { NewTriggerPrinter(o, "").NotAcknowledged(1, 3) }, nil},
		{"replay", func(o Out) {
			p := NewReplayPrinter(o, red, 1)
			d := &replay.Delivery{Record: rec, URL: "http://h:1/hook"}
			p.Attempt(d, ok200)
			p.Attempt(d, failed500)
			p.Done(d, failed500)
			p.Close()
			p.Summary(replay.Summary{Sent: 2, Acknowledged: 1, Failed: 1})
		}, []string{"01ABC transfer.completed → http://h:1/hook  ✘ 500 Internal Server Error"}},
		{"scenario", func(o Out) {
			p := NewScenarioRun(o, s.ID, nil)
			p.Start(s, "http://h/in", steps, scenario.Options{}, true)
			p.Note("a note")
			for _, r := range res {
				p.Delivery(r)
			}
			p.Probe(rep.Probes[0])
			p.Probe(probeBad)
			p.Reset(rep.Probes[0])
			p.Answer(scenario.AnswerDiff{Probe: probeBad.Probe, Status: [2]int{200, 200}})
			p.Answer(scenario.AnswerDiff{Probe: probeBad.Probe, Status: [2]int{200, 500}, Body: true, Bodies: [2][]byte{[]byte("a"), []byte("b\x1b")}})
			p.Summary(rep)
		}, []string{"[storm 1] paid\\x1b[2K payment.success #2  ✘ refused", "probe GET http://h/x  ✘ ",
			"idempotency GET http://h/x  ✘ the answer changed between the runs: status: 200 → 500; body (not JSON): 1 bytes → 2 bytes, not the same"}},
		{"listen", func(o Out) {
			p := NewListenPrinter(o, ListenSettings{Redact: red})
			_ = p.Ready(ListenReady{URL: "http://127.0.0.1:1"})
			p.Delivery(listener.Delivery{Record: good})
			p.Delivery(listener.Delivery{Record: badSig})
			p.Delivery(listener.Delivery{Record: appRec})
			p.Summary(ListenSummary{Stats: listener.Stats{Received: 3}})
			p.AppFailures(ListenAppFailures{Failures: []listener.AppFailure{{ID: "01ABC", Event: "transfer.completed", Status: 500, Attempts: 1}}, Distinct: 3, Save: "f.jsonl"})
		}, []string{at + "  POST /hook  transfer.completed  ✘ signature_mismatch", at + "  POST /hook  transfer.completed  ", "hooktool: error: ", "hooktool:   01ABC  transfer.completed  → app 500  (1 attempt)"}},
		{"init", func(o Out) { Wrote(o, "hooktool.yaml") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, out, errb := quietOut()
			tc.print(o)
			got := lines(out, errb)
			if len(got) != len(tc.want) {
				t.Fatalf("--quiet printed %d lines, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("line %d: %q, want it to start %q", i+1, got[i], w)
				}
			}
			if strings.Contains(out.String()+errb.String(), "hint:") {
				t.Errorf("--quiet printed a hint:\n%s%s", out, errb)
			}
		})
	}
}
