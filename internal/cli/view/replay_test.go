package view

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/replay"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

func replayOut(json, quiet bool) (Out, func() (string, string)) {
	s, out, errb := term.Test("")
	return Out{Streams: s, JSON: json, Quiet: quiet, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false)}, func() (string, string) { return out.String(), errb.String() }
}

func TestReplaySummary(t *testing.T) {
	s := replay.Summary{Sent: 5, Acknowledged: 2, Failed: 3, FailedBy: map[string]int{"500": 2, "connection_refused": 1},
		Latency: replay.Percentiles{P50: 1500 * time.Microsecond, P95: 12 * time.Second, Max: 500 * time.Microsecond}, Stopped: true}
	out, got := replayOut(false, false)
	NewReplayPrinter(out, signature.NewRedactor(nil), 1).Summary(s)
	if _, e := got(); e != "hooktool: replayed 5: 2 acknowledged, 3 failed (500×2, connection_refused×1); latency p50 1ms, p95 12s, max 500µs; stopped at the first failure (--stop-on-failure): later captures were not sent\n" {
		t.Errorf("text summary %q", e)
	}
	out, got = replayOut(true, false)
	NewReplayPrinter(out, signature.NewRedactor(nil), 1).Summary(s)
	if _, e := got(); e != `{"acknowledged":2,"failed":3,"failed_by":{"500":2,"connection_refused":1},"latency_ms":{"max":0.5,"p50":1.5,"p95":12000},"sent":5,"stopped_on_failure":true,"type":"summary"}`+"\n" {
		t.Errorf("JSON summary %s", e)
	}
	out, got = replayOut(true, false)
	NewReplayPrinter(out, signature.NewRedactor(nil), 1).Summary(replay.Summary{})
	if _, e := got(); e != `{"acknowledged":0,"failed":0,"failed_by":{},"latency_ms":{"max":0,"p50":0,"p95":0},"sent":0,"stopped_on_failure":false,"type":"summary"}`+"\n" {
		t.Errorf("JSON summary of nothing %s", e)
	}
	out, got = replayOut(false, true)
	NewReplayPrinter(out, signature.NewRedactor(nil), 1).Summary(s)
	if o, e := got(); o+e != "" {
		t.Errorf("--quiet printed %q %q", o, e)
	}
}

// TestReplayAttempt: a line per attempt, the capture's bytes escaped, a
// hint once, the secret put back in a URL redacted again.
func TestReplayAttempt(t *testing.T) {
	secret := signature.NewSecret("q-SECRET")
	red := signature.NewRedactor(nil, []signature.Secret{secret})
	rec := &capture.Record{ID: "C1", Event: "evil\x1b[2J", Method: "PUT"}
	d := &replay.Delivery{Record: rec, URL: "http://127.0.0.1:1/h?token=q-SECRET", BodyLen: 3}
	refused := delivery.Attempt{Number: 1, Latency: 2 * time.Millisecond, Err: &delivery.Error{Kind: delivery.KindRefused, Msg: "connection refused by 127.0.0.1:1", Hint: "is your server listening on 127.0.0.1:1?"}}
	out, got := replayOut(false, false)
	p := NewReplayPrinter(out, red, 2)
	p.Attempt(d, refused)
	p.Attempt(d, refused)
	p.Attempt(d, delivery.Attempt{Number: 2, Status: 200, Latency: 3 * time.Millisecond, Body: []byte("  ok \n fine ")})
	o, e := got()
	want := "[1/2] C1 evil\\x1b[2J → http://127.0.0.1:1/h?token=%5Bredacted%5D  ✘ connection refused by 127.0.0.1:1  2ms\n" +
		"[1/2] C1 evil\\x1b[2J → http://127.0.0.1:1/h?token=%5Bredacted%5D  ✘ connection refused by 127.0.0.1:1  2ms\n" +
		"[2/2] C1 evil\\x1b[2J → http://127.0.0.1:1/h?token=%5Bredacted%5D  ✔ 200 OK  3ms  ok fine\n"
	if o != want {
		t.Errorf("attempt lines\n%q\nwant\n%q", o, want)
	}
	if e != "hooktool: hint: is your server listening on 127.0.0.1:1?\n" {
		t.Errorf("hints %q, want one", e)
	}

	// An answer echoing the secret across the preview's cut: hidden whole.
	out, got = replayOut(false, false)
	NewReplayPrinter(out, red, 1).Attempt(d, delivery.Attempt{Number: 1, Status: 200, Body: []byte(strings.Repeat("a", 55) + "q-SECRET and more")})
	if o, _ = got(); strings.Contains(o, "q-SEC") || !strings.Contains(o, strings.Repeat("a", 55)+"[reda…") {
		t.Errorf("an answer echoing the secret at the cut: %q", o)
	}
	// --json: an answer that is not UTF-8 (kept in base64) hides it too.
	out, got = replayOut(true, false)
	NewReplayPrinter(out, red, 1).Attempt(d, delivery.Attempt{Number: 1, Status: 200, Body: []byte("\xff q-SECRET")})
	if o, _ = got(); !strings.Contains(o, `"body_base64":"/yBbcmVkYWN0ZWRd"`) {
		t.Errorf("a binary answer echoing the secret: %s", o)
	}

	out, got = replayOut(true, false)
	NewReplayPrinter(out, red, 1).Attempt(d, delivery.Attempt{Number: 1, Status: 200, Latency: 1500 * time.Microsecond,
		Header: http.Header{"X-A": {"1"}}, Response: http.Header{}, Body: []byte("ok")})
	o, _ = got()
	if want := `{"type":"delivery","capture_id":"C1","event":"evil\u001b[2J","provider":"","url":"http://127.0.0.1:1/h?token=%5Bredacted%5D","attempt":1,"max_attempts":1,"acknowledged":true,"status":200,"latency_ms":1.5,"request":{"method":"PUT","headers":{"X-A":"1"},"body_bytes":3},"response":{"status":200,"headers":{},"body":"ok"}}` + "\n"; o != want {
		t.Errorf("JSON attempt\n%s\nwant\n%s", o, want)
	}
}

func TestVerifyPrinter(t *testing.T) {
	rec := &capture.Record{ID: "C1"}
	bad := signature.Verdict{Scheme: "github", Reason: "signature_mismatch", Message: "no match", Hints: []string{"a trailing newline"}}
	at := time.Unix(1_700_000_000, 0)
	out, got := replayOut(false, false)
	p := NewVerifyPrinter(out)
	_ = p.Checked(rec, bad, at)
	_ = p.Unchecked(rec, errors.New("no scheme recorded in the capture: give --scheme or --provider"))
	p.Summary(replay.VerifySummary{Checked: 1, Invalid: 1, Unchecked: 1})
	o, e := got()
	if o != "C1                          -                                         ✘ signature_mismatch: no match\n    hint: a trailing newline\nC1                          -                                         unchecked: no scheme recorded in the capture: give --scheme or --provider\n" {
		t.Errorf("text lines %q", o)
	}
	if e != "hooktool: checked 1: 0 valid, 1 invalid, 1 unchecked (no scheme)\n" {
		t.Errorf("text summary %q", e)
	}
	out, got = replayOut(true, true) // --json wins over --quiet
	p = NewVerifyPrinter(out)
	_ = p.Unchecked(rec, errors.New("why"))
	p.Summary(replay.VerifySummary{Checked: 2, Valid: 1, Invalid: 1, InvalidBy: map[string]int{"missing_header": 1}})
	o, e = got()
	if o != `{"capture_id":"C1","checked":false,"event":"","reason":"why"}`+"\n" {
		t.Errorf("JSON unchecked %s", o)
	}
	if e != `{"checked":2,"invalid":1,"invalid_by":{"missing_header":1},"type":"summary","unchecked":0,"valid":1}`+"\n" {
		t.Errorf("JSON summary %s", e)
	}
}
