package view

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/jsondiff"
	"github.com/hooktool/hooktool/internal/scenario"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

func runOf(t *testing.T) (*scenario.Scenario, []scenario.Rendered, []scenario.Result, *scenario.Report) {
	t.Helper()
	ex, err := scenario.ParseExpect("2xx")
	if err != nil {
		t.Fatal(err)
	}
	st := &scenario.Step{Name: "paid\x1b[2K", Event: "payment.success", Times: 1, Expect: ex}
	s := &scenario.Scenario{ID: "shop/paid", Steps: []*scenario.Step{st}}
	steps := []scenario.Rendered{{Step: st, Body: []byte(`{}`)}}
	res := []scenario.Result{
		{Delivery: &scenario.Delivery{Rendered: &steps[0], Copy: 1, Phase: "flow"}, Attempt: delivery.Attempt{Status: 200, Latency: 1500 * time.Microsecond, Body: []byte("ok\n")}, OK: true},
		{Delivery: &scenario.Delivery{Rendered: &steps[0], Copy: 2, Phase: "storm", Round: 1}, Attempt: delivery.Attempt{Err: errors.New("refused")}},
	}
	probe := scenario.ProbeResult{Probe: &scenario.Probe{Method: "GET", URL: "http://h/x"}, Status: 200}
	return s, steps, res, &scenario.Report{Scenario: s, Results: res, Probes: []scenario.ProbeResult{probe}, Seed: 7, Seeded: true, Elapsed: 1234 * time.Millisecond}
}

// The JSON lines of a run are the ones scripts have always read: the same
// fields, in the same order.
func TestScenarioRunJSON(t *testing.T) {
	s, steps, res, rep := runOf(t)
	streams, out, errs := term.Test("")
	p := NewScenarioRun(Out{Streams: streams, JSON: true}, s.ID, nil)
	p.Start(s, "http://h/in", steps, scenario.Options{}, false)
	for _, r := range res {
		p.Delivery(r)
	}
	p.Probe(rep.Probes[0])
	p.Summary(rep)
	want := `{"copy":1,"event":"payment.success","expect":"2xx","latency_ms":1.5,"ok":true,"phase":"flow","scenario":"shop/paid","status":200,"step":"paid\u001b[2K","type":"delivery"}
{"copy":2,"error":"refused","event":"payment.success","expect":"2xx","latency_ms":0,"ok":false,"phase":"storm","round":1,"scenario":"shop/paid","step":"paid\u001b[2K","type":"delivery"}
{"failed":[],"got":[],"method":"GET","ok":true,"scenario":"shop/paid","status":200,"type":"probe","url":"http://h/x"}
`
	if out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if got := errs.String(); got != `{"deliveries":2,"elapsed_ms":1234,"failed":1,"probes":1,"probes_failed":0,"scenario":"shop/paid","seed":7,"type":"summary"}`+"\n" {
		t.Errorf("stderr: %s", got)
	}
}

// Under --json a field that does not apply is left out, and a list is
// always one: nothing drawn from a seed has no "seed" (not "seed":0), a
// probe that held fails nothing ("failed":[], not null), a request that got
// no answer has no "status"; its failure is told with internal/delivery's
// kind and hint, a probe's and a reset's as a delivery's.
func TestScenarioRunJSONOmitsWhatDoesNotApply(t *testing.T) {
	s, _, res, rep := runOf(t)
	refused := &delivery.Error{Kind: delivery.KindRefused, Msg: "connection refused by 127.0.0.1:1", Hint: "is your server listening on 127.0.0.1:1?"}
	rep.Seed, rep.Seeded = 0, false
	streams, out, errs := term.Test("")
	p := NewScenarioRun(Out{Streams: streams, JSON: true}, s.ID, nil)
	down := res[1]
	down.Attempt.Err = refused
	p.Delivery(down)
	gone := scenario.ProbeResult{Probe: &scenario.Probe{Method: "GET", URL: "http://127.0.0.1:1/x"}, Err: refused}
	p.Probe(gone)
	gone.Probe.Method = "POST"
	p.Reset(gone)
	p.Summary(rep)
	want := `{"copy":2,"error":"connection refused by 127.0.0.1:1","error_kind":"connection_refused","event":"payment.success","expect":"2xx","hint":"is your server listening on 127.0.0.1:1?","latency_ms":0,"ok":false,"phase":"storm","round":1,"scenario":"shop/paid","step":"paid\u001b[2K","type":"delivery"}
{"error":"connection refused by 127.0.0.1:1","error_kind":"connection_refused","failed":[],"got":[],"hint":"is your server listening on 127.0.0.1:1?","method":"GET","ok":false,"scenario":"shop/paid","type":"probe","url":"http://127.0.0.1:1/x"}
{"error":"connection refused by 127.0.0.1:1","error_kind":"connection_refused","hint":"is your server listening on 127.0.0.1:1?","method":"POST","ok":false,"scenario":"shop/paid","type":"reset","url":"http://127.0.0.1:1/x"}
`
	if out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if got := errs.String(); got != `{"deliveries":2,"elapsed_ms":1234,"failed":1,"probes":1,"probes_failed":0,"scenario":"shop/paid","type":"summary"}`+"\n" {
		t.Errorf("stderr: %s", got)
	}
}

func TestScenarioRunText(t *testing.T) {
	s, steps, res, rep := runOf(t)
	streams, out, errs := term.Test("")
	p := NewScenarioRun(Out{Streams: streams, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false)}, s.ID, nil)
	p.Start(s, "http://h/in", steps, scenario.Options{Shuffle: true, Seed: 42}, false)
	for _, r := range res {
		p.Delivery(r)
	}
	p.Probe(rep.Probes[0])
	p.Summary(rep)
	want := "paid\\x1b[2K payment.success  ✔ 200  1ms  ok\n[storm 1] paid\\x1b[2K payment.success #2  ✘ refused  0µs\nprobe GET http://h/x  ✔ held\n"
	if out.String() != want {
		t.Errorf("stdout:\n%q\nwant:\n%q", out, want)
	}
	wantErr := "hooktool: scenario shop/paid → http://h/in: paid\\x1b[2K (shuffled, --seed 42)\nhooktool: shop/paid: 2 deliveries, 1 met their expectation; 1 of 1 probes held (1.234s)\n"
	if errs.String() != wantErr {
		t.Errorf("stderr:\n%q\nwant:\n%q", errs, wantErr)
	}
	// --quiet: nothing but errors.
	streams, out, errs = term.Test("")
	p = NewScenarioRun(Out{Streams: streams, Quiet: true, Palette: term.NewPalette(false)}, s.ID, nil)
	p.Start(s, "http://h/in", steps, scenario.Options{}, false)
	p.Delivery(res[0])
	p.Probe(rep.Probes[0])
	p.Summary(rep)
	if out.Len()+errs.Len() != 0 {
		t.Errorf("--quiet printed %q %q", out, errs)
	}
}

func TestScenarioList(t *testing.T) {
	s, _, _, _ := runOf(t)
	s.Provider, s.Description, s.File = "payments", "pay", "builtin:p.yaml"
	streams, out, _ := term.Test("")
	if err := NewScenarioList(Out{Streams: streams, JSON: true}).List([]*scenario.Scenario{s}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != `{"description":"pay","file":"builtin:p.yaml","id":"shop/paid","provider":"payments","steps":["payment.success"]}`+"\n" {
		t.Errorf("JSON: %s", got)
	}
	streams, out, _ = term.Test("")
	if err := NewScenarioList(Out{Streams: streams, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false)}).List([]*scenario.Scenario{s}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "SCENARIO ") || !strings.HasPrefix(lines[1], "shop/paid ") || !strings.HasSuffix(lines[1], " pay") {
		t.Errorf("text:\n%s", out)
	}
}

// An idempotency check's resets, run-marked lines and comparisons: as text
// (the receiver's keys and values escaped, so an answer cannot rewrite the
// terminal) and as JSON lines (the values as the JSON they were).
func TestScenarioIdempotency(t *testing.T) {
	s, steps, res, rep := runOf(t)
	res[0].Delivery.Run = 2
	res[0].Attempt.Number = 3
	probe := rep.Probes[0]
	probe.Run = 1
	failed := scenario.ProbeResult{Probe: probe.Probe, Status: 200, Run: 2, Failed: []string{"balance==-10000"}, Got: []string{"-30000"}}
	reset := scenario.ProbeResult{Probe: &scenario.Probe{Method: "POST", URL: "http://h/reset"}, Status: 204}
	changes, err := jsondiff.Compare([]byte(`{"balance":-10000,"k\u001b[2K":"a"}`), []byte(`{"balance":-30000,"k\u001b[2K":"b\u202e"}`), jsondiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	changed := scenario.AnswerDiff{Probe: probe.Probe, Status: [2]int{200, 200}, Changes: changes}
	same := scenario.AnswerDiff{Probe: probe.Probe, Status: [2]int{200, 200}}
	notJSON := scenario.AnswerDiff{Probe: probe.Probe, Status: [2]int{200, 500}, Body: true, Bodies: [2][]byte{[]byte("ok"), []byte("oops\x1b[2J")}}
	rep.Idempotency = &scenario.IdempotencyReport{Resets: []scenario.ProbeResult{reset, reset}, Answers: []scenario.AnswerDiff{changed, same, notJSON}}
	play := func(p ScenarioRun) {
		p.Start(s, "http://h/in", steps, scenario.Options{}, true)
		p.Reset(reset)
		p.Delivery(res[0])
		p.Probe(probe)
		p.Probe(failed)
		for _, a := range rep.Idempotency.Answers {
			p.Answer(a)
		}
		p.Summary(rep)
	}
	streams, out, errs := term.Test("")
	play(NewScenarioRun(Out{Streams: streams, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false)}, s.ID, nil))
	want := `reset POST http://h/reset  ✔ 204
[run 2] paid\x1b[2K payment.success  ✔ 200 (attempt 3)  1ms  ok
[run 1] probe GET http://h/x  ✔ held
[run 2] probe GET http://h/x  ✘ did not hold: balance==-10000 (got -30000)
idempotency GET http://h/x  ✘ the answer changed between the runs:
  balance: -10000 → -30000
  k\x1b\[2K: "a" → "b\u202e"
idempotency GET http://h/x  ✔ the same answer after both runs
idempotency GET http://h/x  ✘ the answer changed between the runs:
  status: 200 → 500
  body (not JSON): 2 bytes → 8 bytes, not the same
  before: ok
  after:  oops\x1b[2J
`
	if out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if !strings.Contains(errs.String(), "idempotency check: run 1 sends the flow once in order") ||
		!strings.HasSuffix(errs.String(), "; not idempotent: 2 of 3 answers changed (1.234s)\n") {
		t.Errorf("stderr:\n%s", errs)
	}

	streams, out, errs = term.Test("")
	play(NewScenarioRun(Out{Streams: streams, JSON: true}, s.ID, nil))
	want = `{"method":"POST","ok":true,"scenario":"shop/paid","status":204,"type":"reset","url":"http://h/reset"}
{"attempts":3,"copy":1,"event":"payment.success","expect":"2xx","latency_ms":1.5,"ok":true,"phase":"flow","run":2,"scenario":"shop/paid","status":200,"step":"paid\u001b[2K","type":"delivery"}
{"failed":[],"got":[],"method":"GET","ok":true,"run":1,"scenario":"shop/paid","status":200,"type":"probe","url":"http://h/x"}
{"failed":["balance==-10000"],"got":["-30000"],"method":"GET","ok":false,"run":2,"scenario":"shop/paid","status":200,"type":"probe","url":"http://h/x"}
{"changes":[{"kind":"changed","new":-30000,"old":-10000,"path":"balance"},{"kind":"changed","new":"b\u202e","old":"a","path":"k\u001b\\[2K"}],"method":"GET","ok":false,"scenario":"shop/paid","status":[200,200],"type":"idempotency","url":"http://h/x"}
{"changes":[],"method":"GET","ok":true,"scenario":"shop/paid","status":[200,200],"type":"idempotency","url":"http://h/x"}
{"body_differs":true,"changes":[],"method":"GET","ok":false,"scenario":"shop/paid","status":[200,500],"type":"idempotency","url":"http://h/x"}
`
	if out.String() != want {
		t.Errorf("JSON stdout:\n%s\nwant:\n%s", out, want)
	}
	if got := errs.String(); got != `{"deliveries":2,"elapsed_ms":1234,"failed":1,"idempotent":false,"probes":1,"probes_failed":0,"resets":2,"resets_failed":0,"scenario":"shop/paid","seed":7,"type":"summary"}`+"\n" {
		t.Errorf("JSON stderr: %s", got)
	}
}

// TestScenarioSummaryOneDelivery: one delivery is "1 delivery".
func TestScenarioSummaryOneDelivery(t *testing.T) {
	s, _, res, rep := runOf(t)
	rep.Results, rep.Probes = res[:1], nil
	streams, _, errs := term.Test("")
	p := NewScenarioRun(Out{Streams: streams, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false)}, s.ID, nil)
	p.Summary(rep)
	if want := "hooktool: shop/paid: 1 delivery, 1 met its expectation (1.234s)\n"; errs.String() != want {
		t.Errorf("stderr %q, want %q", errs, want)
	}
}

// TestScenarioHugeAnswers: a receiver's answers of a megabyte (a value that
// long, an array of a hundred thousand changed numbers, a probe's value
// that long) give the terminal a bounded account: the first differences,
// each line cut, and how many more there are; --json keeps them all.
func TestScenarioHugeAnswers(t *testing.T) {
	_, _, _, rep := runOf(t)
	probe := rep.Probes[0].Probe
	long := strings.Repeat("x\x1b", 500_000)
	var a, b strings.Builder
	a.WriteString(`{"v":"` + strings.ReplaceAll(long, "\x1b", `\u001b`) + `","n":[`)
	b.WriteString(`{"v":"y","n":[`)
	for i := range 100_000 {
		if i > 0 {
			a.WriteString(",")
			b.WriteString(",")
		}
		a.WriteString("1")
		b.WriteString("2")
	}
	a.WriteString("]}")
	b.WriteString("]}")
	changes, err := jsondiff.Compare([]byte(a.String()), []byte(b.String()), jsondiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	diff := scenario.AnswerDiff{Probe: probe, Status: [2]int{200, 200}, Changes: changes}
	failed := scenario.ProbeResult{Probe: probe, Status: 200, Failed: []string{"v==y"}, Got: []string{`"` + long + `"`}}
	for _, quiet := range []bool{false, true} {
		streams, out, _ := term.Test("")
		p := NewScenarioRun(Out{Streams: streams, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false), Quiet: quiet}, "s", nil)
		p.Answer(diff)
		p.Probe(failed)
		text := out.String()
		if len(text) > 16<<10 {
			t.Errorf("quiet %v: %d bytes for the terminal, want a bounded account", quiet, len(text))
		}
		if !strings.Contains(text, "and 99981 more differences (--json lists them all)") {
			t.Errorf("quiet %v: how many more is not said:\n%.2000s", quiet, text)
		}
		if strings.Contains(text, "\x1b") {
			t.Errorf("quiet %v: an escape reached the terminal", quiet)
		}
	}
	streams, out, _ := term.Test("")
	NewScenarioRun(Out{Streams: streams, JSON: true}, "s", nil).Answer(diff)
	if n := strings.Count(out.String(), `"kind":"changed"`); n != len(changes) {
		t.Errorf("--json: %d changes, want all %d", n, len(changes))
	}
}

// TestScenarioHidesEchoedSecrets: the app's answers, a delivery's error
// and a probe's values may echo the secret the flow signs with: hidden in
// text and in --json, before any cut.
func TestScenarioHidesEchoedSecrets(t *testing.T) {
	const sec = "scn-s3cret-echoed"
	red := signature.NewRedactor(nil, []signature.Secret{signature.NewSecret(sec)})
	_, _, res, rep := runOf(t)
	res[0].Attempt.Body = []byte(strings.Repeat("a", 45) + sec)
	res[1].Attempt.Err = errors.New(`Post "http://h/in?token=` + sec + `": refused`)
	failed := scenario.ProbeResult{Probe: rep.Probes[0].Probe, Status: 200, Failed: []string{"v==1"}, Got: []string{`"` + sec + `"`}}
	changes, err := jsondiff.Compare([]byte(`{"t":"`+sec+`"}`), []byte(`{"t":1}`), jsondiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	diff := scenario.AnswerDiff{Probe: failed.Probe, Status: [2]int{200, 200}, Changes: changes}
	for _, json := range []bool{false, true} {
		streams, out, errs := term.Test("")
		p := NewScenarioRun(Out{Streams: streams, JSON: json, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false)}, "s", red)
		p.Delivery(res[0])
		p.Delivery(res[1])
		p.Probe(failed)
		p.Answer(diff)
		// A body that is not JSON, and a probe that got no answer, its
		// error quoting the query.
		p.Answer(scenario.AnswerDiff{Probe: failed.Probe, Status: [2]int{200, 200}, Body: true, Bodies: [2][]byte{[]byte("before " + sec), []byte("after " + sec)}})
		p.Answer(scenario.AnswerDiff{Probe: failed.Probe, Err: errors.New(`no answer after run 2: Get "http://h/balance?token=` + sec + `": refused`)})
		if text := out.String() + errs.String(); strings.Contains(text, sec[:5]) || !strings.Contains(text, "[redacted]") {
			t.Errorf("json %v: the secret is shown:\n%s", json, text)
		}
	}
}
