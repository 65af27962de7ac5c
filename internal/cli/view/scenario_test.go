package view

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/scenario"
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
	return s, steps, res, &scenario.Report{Scenario: s, Results: res, Probes: []scenario.ProbeResult{probe}, Seed: 7, Elapsed: 1234 * time.Millisecond}
}

// The JSON lines of a run are the ones scripts have always read: the same
// fields, in the same order.
func TestScenarioRunJSON(t *testing.T) {
	s, steps, res, rep := runOf(t)
	streams, out, errs := term.Test("")
	p := NewScenarioRun(Out{Streams: streams, JSON: true}, s.ID)
	p.Start(s, "http://h/in", steps, scenario.Options{})
	for _, r := range res {
		p.Delivery(r)
	}
	p.Probe(rep.Probes[0])
	p.Summary(rep)
	want := `{"copy":1,"event":"payment.success","expect":"2xx","latency_ms":1.5,"ok":true,"phase":"flow","scenario":"shop/paid","status":200,"step":"paid\u001b[2K","type":"delivery"}
{"copy":2,"error":"refused","event":"payment.success","expect":"2xx","latency_ms":0,"ok":false,"phase":"storm","round":1,"scenario":"shop/paid","status":0,"step":"paid\u001b[2K","type":"delivery"}
{"failed":null,"method":"GET","ok":true,"scenario":"shop/paid","status":200,"type":"probe","url":"http://h/x"}
`
	if out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if got := errs.String(); got != `{"deliveries":2,"elapsed_ms":1234,"failed":1,"probes":1,"probes_failed":0,"scenario":"shop/paid","seed":7,"type":"summary"}`+"\n" {
		t.Errorf("stderr: %s", got)
	}
}

func TestScenarioRunText(t *testing.T) {
	s, steps, res, rep := runOf(t)
	streams, out, errs := term.Test("")
	p := NewScenarioRun(Out{Streams: streams, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false)}, s.ID)
	p.Start(s, "http://h/in", steps, scenario.Options{Shuffle: true, Seed: 42})
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
	p = NewScenarioRun(Out{Streams: streams, Quiet: true, Palette: term.NewPalette(false)}, s.ID)
	p.Start(s, "http://h/in", steps, scenario.Options{})
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
