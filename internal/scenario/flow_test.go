package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/jsondiff"
	"github.com/hooktool/hooktool/internal/signature"
)

// RunFlow sends every copy of every step to the target with the headers,
// a fresh signature made with the step's message id, keeps each delivery
// as sent, runs the probes, and reports it all.
func TestRunFlow(t *testing.T) {
	type got struct{ path, ct, extra, sig, body string }
	var mu sync.Mutex
	var received []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			fmt.Fprint(w, `{"deliveries":6}`)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, got{r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("X-Extra"), r.Header.Get("X-Sig"), string(b)})
		mu.Unlock()
		if strings.Contains(string(b), `"n":1`) {
			w.WriteHeader(http.StatusConflict)
		}
	}))
	defer srv.Close()

	steps := fakeSteps(t, "2xx", "2xx")
	sc := &Scenario{ID: "t/flow", Steps: []*Step{steps[0].Step, steps[1].Step}}
	probe, err := ParseProbe("GET " + srv.URL + "/state")
	if err != nil {
		t.Fatal(err)
	}
	cond, err := capture.ParseCond("deliveries==6")
	if err != nil {
		t.Fatal(err)
	}
	probe.Expect = []capture.Cond{cond}
	ids := 0
	var kept []string
	var probed []ProbeResult
	var results int
	rep := RunFlow(context.Background(), sc, steps, FlowOptions{
		Options: Options{Duplicate: 3, Seed: 9, OnResult: func(Result) { mu.Lock(); results++; mu.Unlock() }},
		Target:  srv.URL + "/in",
		Header:  http.Header{"Content-Type": {"application/x-test"}, "X-Extra": {"yes"}},
		Client:  delivery.New(delivery.Options{Timeout: 5 * time.Second}),
		Sign: func(body []byte, id string) func(int) (http.Header, error) {
			return func(int) (http.Header, error) {
				return http.Header{"X-Sig": {id + "/" + string(body)}}, nil
			}
		},
		NewID: func() string { ids++; return fmt.Sprintf("msg_%d", ids) },
		Keep: func(d *Delivery, a delivery.Attempt) {
			kept = append(kept, fmt.Sprintf("%s %d %d", d.Rendered.Step.Name, d.Copy, a.Status))
		},
		Probes:       []*Probe{probe},
		ProbeTimeout: 5 * time.Second,
		OnProbe:      func(p ProbeResult) { probed = append(probed, p) },
	})
	if len(received) != 6 || len(rep.Results) != 6 || results != 6 || len(kept) != 6 {
		t.Fatalf("%d received, %d results, %d seen, %d kept; want 6 each", len(received), len(rep.Results), results, len(kept))
	}
	for i, r := range received {
		step := i / 3 // in order: the copies of a step together
		wantSig := fmt.Sprintf("msg_%d/%s", step+1, steps[step].Body)
		if r.path != "/in" || r.ct != "application/x-test" || r.extra != "yes" || r.sig != wantSig || r.body != string(steps[step].Body) {
			t.Errorf("delivery %d = %+v, want the step %d body signed %q", i+1, r, step, wantSig)
		}
	}
	if kept[0] != "s0 1 200" || kept[5] != "s1 3 409" {
		t.Errorf("kept %v", kept)
	}
	if len(probed) != 1 || len(rep.Probes) != 1 || !rep.Probes[0].OK() {
		t.Errorf("probes %+v", rep.Probes)
	}
	if rep.Failed() != 3 || rep.ProbesFailed() != 0 || rep.OK() || rep.Seed != 9 || rep.Scenario != sc || rep.Elapsed <= 0 {
		t.Errorf("report: failed %d, probes failed %d, ok %v, seed %d", rep.Failed(), rep.ProbesFailed(), rep.OK(), rep.Seed)
	}

	// Without NewID every send has no id; without a probe, none is run.
	received = nil
	rep = RunFlow(context.Background(), sc, steps[:1], FlowOptions{Target: srv.URL, Client: delivery.New(delivery.Options{Timeout: 5 * time.Second}),
		Sign: func(body []byte, id string) func(int) (http.Header, error) {
			return func(int) (http.Header, error) { return http.Header{"X-Sig": {"[" + id + "]"}}, nil }
		}})
	if len(received) != 1 || received[0].sig != "[]" || !rep.OK() || len(rep.Probes) != 0 {
		t.Errorf("without ids: %+v, report %+v", received, rep)
	}
}

type memStore struct {
	recs []*capture.Record
	err  error
}

func (m *memStore) Append(r *capture.Record) error {
	m.recs = append(m.recs, r)
	return m.err
}

// A kept delivery is a capture record of what was sent, with no
// configured secret in it, that replay can send again.
func TestKeeper(t *testing.T) {
	if _, err := NewKeeper(KeepOptions{}); err == nil {
		t.Error("a Keeper without a store was made")
	}
	scheme, err := signature.Lookup("flutterwave", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{}
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	var warned []error
	secrets := []signature.Secret{signature.NewSecret("flw-SECRET")}
	checker, err := signature.NewChecker(scheme, secrets, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKeeper(KeepOptions{Store: store, Redactor: signature.NewRedactor(scheme, secrets), Checker: checker,
		Target: "http://127.0.0.1:9/hooks?token=flw-SECRET&a=1", Scheme: "flutterwave", Provider: "payments", Now: func() time.Time { return now },
		OnError: func(err error) { warned = append(warned, err) }})
	if err != nil {
		t.Fatal(err)
	}
	steps := fakeSteps(t, "2xx")
	d := &Delivery{Rendered: &steps[0], Copy: 1, Phase: "flow"}
	k.Keep(d, delivery.Attempt{Status: 202, Header: http.Header{"Verif-Hash": {"flw-SECRET"}, "Content-Type": {"application/json"}},
		LocalAddr: "127.0.0.1:50000", RemoteAddr: "127.0.0.1:9"})
	store.err = errors.New("disk full")
	k.Keep(d, delivery.Attempt{Err: errors.New("connection refused")})
	if len(store.recs) != 2 || len(warned) != 1 {
		t.Fatalf("%d kept, %d warnings", len(store.recs), len(warned))
	}
	r := store.recs[0]
	if r.Method != http.MethodPost || r.Host != "127.0.0.1:9" || r.Path != "/hooks" || r.Event != "e" || r.Provider != "payments" ||
		r.Scheme != "flutterwave" || r.Answer.Status != 202 || !r.ReceivedAt.Equal(now) || r.ID == "" {
		t.Errorf("record = %+v", r)
	}
	if body, err := r.Bytes(); err != nil || string(body) != string(steps[0].Body) {
		t.Errorf("body %q, %v", body, err)
	}
	var all strings.Builder
	for _, rec := range store.recs {
		fmt.Fprintf(&all, "%v %v %s", rec.Headers, rec.Query, rec.Answer.Reason)
	}
	if strings.Contains(all.String(), "flw-SECRET") || len(r.Redacted) != 1 || !r.RedactedQuery {
		t.Errorf("a secret was kept: %s (redacted %v, query %v)", all.String(), r.Redacted, r.RedactedQuery)
	}
	// The verdict listen would have given it on receipt, checked before the
	// secret was redacted; the addresses of the connection it went on.
	if v := r.Verdict; v == nil || !v.Valid || r.RemoteAddr != "127.0.0.1:50000" || r.LocalAddr != "127.0.0.1:9" {
		t.Errorf("verdict %+v, from %q to %q", v, r.RemoteAddr, r.LocalAddr)
	}
	if v := store.recs[1].Verdict; v == nil || v.Valid || v.Reason != signature.ReasonMissingHeader {
		t.Errorf("a send without its header: %+v", v)
	}
	if store.recs[1].Answer.Reason != "connection refused" {
		t.Errorf("the failed send's reason: %q", store.recs[1].Answer.Reason)
	}
}

// An idempotency check resets before each run, sends the flow once in
// order and then again with the disorders (the same bodies and ids, each
// send signed afresh), probes after each run, and compares the answers.
func TestRunFlowIdempotency(t *testing.T) {
	var mu sync.Mutex
	var events []string // what the server saw, in order
	balance := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/reset":
			balance = 0
			events = append(events, "reset")
		case r.Method == http.MethodGet:
			events = append(events, "probe")
			fmt.Fprintf(w, `{"balance":%d,"at":%d}`, balance, len(events))
		default:
			b, _ := io.ReadAll(r.Body)
			balance -= 10 // books every delivery: not idempotent
			events = append(events, r.Header.Get("X-Sig")+" "+string(b))
		}
	}))
	defer srv.Close()
	steps := fakeSteps(t, "2xx", "2xx")
	sc := &Scenario{ID: "t/idem", Steps: []*Step{steps[0].Step, steps[1].Step}}
	probe, _ := ParseProbe("GET " + srv.URL + "/balance")
	reset, _ := ParseReset(srv.URL + "/reset")
	at, _ := jsondiff.ParsePath("at")
	ids, signed := 0, 0
	var runs []string
	var resets, probes []ProbeResult
	var delivered []Result
	rep := RunFlow(context.Background(), sc, steps, FlowOptions{
		Options: Options{Duplicate: 2, Shuffle: true, Seed: 1, OnResult: func(r Result) { mu.Lock(); delivered = append(delivered, r); mu.Unlock() }},
		Target:  srv.URL + "/in",
		Client:  delivery.New(delivery.Options{Timeout: 5 * time.Second}),
		Sign: func(body []byte, id string) func(int) (http.Header, error) {
			return func(int) (http.Header, error) { signed++; return http.Header{"X-Sig": {id}}, nil }
		},
		NewID:        func() string { ids++; return fmt.Sprintf("msg_%d", ids) },
		Probes:       []*Probe{probe},
		ProbeTimeout: 5 * time.Second,
		OnProbe:      func(p ProbeResult) { probes = append(probes, p) },
		Idempotency: &Idempotency{Reset: reset, Ignore: []jsondiff.Path{at},
			OnReset: func(p ProbeResult) { resets = append(resets, p) },
			OnRun:   func(run int, o Options) { runs = append(runs, fmt.Sprintf("%d:%d:%v", run, o.Duplicate, o.Shuffle)) }},
	})
	if ids != 2 || signed != 6 {
		t.Errorf("%d ids drawn, %d signatures made; want 2 and 6", ids, signed)
	}
	if !slices.Equal(runs, []string{"1:1:false", "2:2:true"}) {
		t.Errorf("runs %q", runs)
	}
	body0, body1 := "msg_1 "+string(steps[0].Body), "msg_2 "+string(steps[1].Body)
	want := []string{"reset", body0, body1, "probe", "reset"}
	if len(events) != 10 || !slices.Equal(events[:5], want) || events[9] != "probe" {
		t.Fatalf("events %q", events)
	}
	second := slices.Clone(events[5:9])
	slices.Sort(second)
	if !slices.Equal(second, []string{body0, body0, body1, body1}) {
		t.Errorf("run 2 sent %q, want each step's body and id twice", second)
	}
	if len(resets) != 2 || len(probes) != 2 || probes[0].Run != 1 || probes[1].Run != 2 || len(delivered) != 6 || len(rep.Results) != 6 {
		t.Fatalf("%d resets, probes %+v, %d results", len(resets), probes, len(rep.Results))
	}
	for i, r := range rep.Results {
		if want := 1 + min(i/2, 1); r.Delivery.Run != want {
			t.Errorf("result %d is of run %d, want %d", i, r.Delivery.Run, want)
		}
	}
	idem := rep.Idempotency
	if idem == nil || len(idem.Resets) != 2 || idem.ResetsFailed() != 0 || len(idem.Answers) != 1 || idem.Changed() != 1 || rep.OK() {
		t.Fatalf("report %+v", idem)
	}
	if got := idem.Answers[0].Lines(); !slices.Equal(got, []string{"balance: -20 → -40"}) {
		t.Errorf("the difference: %q", got)
	}
	if rep.Failed() != 0 || rep.ProbesFailed() != 0 {
		t.Errorf("failed %d, probes failed %d", rep.Failed(), rep.ProbesFailed())
	}
}

// Two answers are the same when their statuses are and their bodies are:
// JSON by structure, anything else byte for byte.
func TestCompareAnswers(t *testing.T) {
	p := &Probe{Method: "GET", URL: "http://h/x"}
	ans := func(status int, body string) ProbeResult {
		return ProbeResult{Probe: p, Status: status, Body: []byte(body)}
	}
	at, _ := jsondiff.ParsePath("at")
	for _, tc := range []struct {
		name    string
		a, b    ProbeResult
		ignore  []jsondiff.Path
		same    bool
		lines   []string
		problem string
	}{
		{"the same JSON, written otherwise", ans(200, `{"a":1,"b":[1,2]}`), ans(200, "{ \"b\": [1, 2.0], \"a\": 1 }\n"), nil, true, nil, ""},
		{"a changed value", ans(200, `{"a":1}`), ans(200, `{"a":2}`), nil, false, []string{"a: 1 → 2"}, "the answer changed between the runs"},
		{"an ignored path", ans(200, `{"a":1,"at":"10:00"}`), ans(200, `{"a":1,"at":"10:01"}`), []jsondiff.Path{at}, true, nil, ""},
		{"the status", ans(200, `{}`), ans(500, `{}`), nil, false, []string{"status: 200 → 500"}, "the answer changed between the runs"},
		{"the same text", ans(200, "ok\n"), ans(200, "ok\n"), nil, true, nil, ""},
		{"other text", ans(200, "ok"), ans(200, "ok!"), nil, false, []string{"body (not JSON): 2 bytes → 3 bytes, not the same"}, "the answer changed between the runs"},
		{"JSON, then not", ans(200, `{"a":1}`), ans(200, "<html>"), nil, false, []string{"body (not JSON): 7 bytes → 6 bytes, not the same"}, "the answer changed between the runs"},
		{"empty bodies", ans(204, ""), ans(204, ""), nil, true, nil, ""},
		{"no answer", ProbeResult{Probe: p, Err: errors.New("connection refused")}, ans(200, `{}`), nil, false, nil, "nothing to compare: no answer after run 1: connection refused"},
		{"answers too long to compare", ProbeResult{Probe: p, Status: 200, Truncated: true}, ans(200, ""), nil, false, nil, "nothing to compare: an answer is longer than 1048576 bytes"},
		{"no second answer", ans(200, `{}`), ProbeResult{Probe: p, Err: errors.New("timeout")}, nil, false, nil, "nothing to compare: no answer after run 2: timeout"},
	} {
		d := CompareAnswers(tc.a, tc.b, tc.ignore)
		if d.Same() != tc.same || !slices.Equal(d.Lines(), tc.lines) || d.Problem() != tc.problem || d.Probe != p {
			t.Errorf("%s: same %v, lines %q, problem %q", tc.name, d.Same(), d.Lines(), d.Problem())
		}
	}
}
