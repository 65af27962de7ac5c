package cli

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/scenario"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

func newScenarioCommand(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenario",
		Short: "Run event flows with duplicates, disorder and retry storms against a receiver",
		Long: `Scenarios are ordered steps of a provider's events that share their ids
(the mandate confirmed is the mandate created), delivered the way real
providers deliver: more than once (--duplicate), raced (--concurrent), out of
order (--shuffle --seed), late (--jitter), and in bursts after an outage
(--storm). Each answer is checked against the step's expectation, and probes
ask the receiver afterwards whether it stayed idempotent.

Built-in scenarios live in the catalog; your own are YAML files (run them by
path, or put them in the --catalog directory):

  id: shop/pay-twice
  provider: payments
  steps:
    - name: paid
      event: payment.success
      set: {data.amount: 2500}
    - name: refunded
      event: refund.processed
      set:
        data.transaction_id: "{{ steps.paid.data.transaction_id }}"
      expect: 2xx            # or 200, 4xx, 409, 200-299
      times: 1
      delay: 100ms
  probes:
    - request: GET http://localhost:3000/orders/1
      expect: ['status=="refunded"']` + exitStatusHelp,
		Example: `  hooktool scenario list
  hooktool scenario run aella/mandate-lifecycle --to http://localhost:3000/webhooks
  hooktool scenario run aella/transfer-completed --duplicate 3 --concurrent
  hooktool scenario run accounts/credit-then-debit --shuffle --seed 42
  hooktool scenario run ./flows/refund.yaml --probe 'GET http://localhost:3000/orders/ord_1' --expect 'status=="refunded"' --junit report.xml`,
	}
	cmd.AddCommand(newScenarioListCommand(app), newScenarioRunCommand(app))
	return cmd
}

// loadScenarios reads the built-in scenarios and those of the catalog
// directory.
func (app *App) loadScenarios(r *resolvedSigning) (*scenario.Library, error) {
	var dirs []string
	if r.cfg.Catalog != "" {
		dirs = append(dirs, r.cfg.Catalog)
	}
	lib, err := scenario.Load(catalog.BuiltinScenarios(), dirs...)
	if err != nil {
		return nil, failErr(err)
	}
	return lib, nil
}

func newScenarioListCommand(app *App) *cobra.Command {
	var provider string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the scenarios: built-in ones and those of the catalog directory",
		Long: `List the scenarios in effect: the built-in ones and those in the catalog
directory (--catalog, or catalog: in the config), with their steps.` + exitStatusHelp,
		Example: `  hooktool scenario list
  hooktool scenario list --provider aella --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := app.loadSigningConfig(cmd.Flags())
			if err != nil {
				return err
			}
			lib, err := app.loadScenarios(r)
			if err != nil {
				return err
			}
			out := app.Streams.Out
			p := app.palette()
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			if !app.JSON {
				fmt.Fprintln(tw, p.Bold("SCENARIO")+"\t"+p.Bold("STEPS")+"\t"+p.Bold("DESCRIPTION"))
			}
			for _, s := range lib.Scenarios {
				if provider != "" && s.Provider != provider {
					continue
				}
				var steps []string
				for _, st := range s.Steps {
					steps = append(steps, st.Event)
				}
				if app.JSON {
					if err := app.writeJSON(out, map[string]any{"id": s.ID, "provider": s.Provider, "description": s.Description, "steps": steps, "file": s.File}); err != nil {
						return err
					}
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.ID, strings.Join(steps, " → "), s.Description)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&provider, "provider", "P", "", "only this provider's scenarios")
	_ = cmd.RegisterFlagCompletionFunc("provider", app.completeProviders)
	return cmd
}

// ScenarioOptions are the flags of `hooktool scenario run`.
type ScenarioOptions struct {
	signing    signingFlags
	To         string
	ID         string
	Duplicate  int
	Concurrent bool
	Shuffle    bool
	Seed       uint64
	Jitter     time.Duration
	Storm      int
	Rate       float64
	Probes     []string
	Expects    []string
	JUnit      string
	Save       string
	Timeout    time.Duration
	Headers    []string
	Insecure   bool
}

func newScenarioRunCommand(app *App) *cobra.Command {
	o := &ScenarioOptions{}
	cmd := &cobra.Command{
		Use:   "run ID|FILE",
		Short: "Run a scenario against a receiver and check its answers",
		Long: `Run a scenario: render every step (shared ids resolved), deliver them with
the disorders asked for, check each answer against its step's expectation
(default 2xx), run the probes, and print a line per delivery and a summary.

--probe 'METHOD URL' (repeatable) asks the receiver after the flow; every
--expect condition (a gjson path into its JSON answer, OP, VALUE, as for
replay --where) must hold on each --probe's answer.

Exit status: 0 when every expectation held, 1 when any did not, 2 for usage
errors or a malformed scenario.` + exitStatusHelp,
		Example: `  hooktool scenario run aella/mandate-lifecycle --to http://localhost:3000/webhooks
  hooktool scenario run aella/transfer-completed --duplicate 3 --concurrent
  hooktool scenario run accounts/credit-then-debit --shuffle --seed 42 --json
  hooktool scenario run payments/pay-then-refund --storm 5 --rate 50 --junit report.xml`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeScenarios,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScenario(app, cmd, o, args[0])
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	fs.StringVar(&o.To, "to", "", "the receiver's URL (default: the endpoint's URL, else http://127.0.0.1:4242/)")
	fs.StringVar(&o.ID, "id", "", "with a FILE holding several scenarios, the one to run")
	fs.IntVar(&o.Duplicate, "duplicate", 1, "send each delivery N times (at most 10000), byte-identical with the same event id (re-signed when the scheme is timestamped)")
	fs.BoolVar(&o.Concurrent, "concurrent", false, "race every delivery in parallel (at most 64 in flight) instead of in order")
	fs.BoolVar(&o.Shuffle, "shuffle", false, "send the steps in a random order (reproducible with --seed)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed for --shuffle and --jitter (default: a random one, printed)")
	spanVar(fs, &o.Jitter, "jitter", 0, "wait a random time up to this before each delivery")
	fs.IntVar(&o.Storm, "storm", 0, "after the flow, redeliver everything N more times (at most 10000) as fast as --rate allows")
	fs.Float64Var(&o.Rate, "rate", 0, "storm deliveries per second (0: no limit)")
	fs.StringArrayVar(&o.Probes, "probe", nil, "after the flow, request 'METHOD URL' from the receiver (repeatable)")
	fs.StringArrayVar(&o.Expects, "expect", nil, "a condition on each probe's JSON answer, such as 'status==\"refunded\"' (repeatable)")
	fs.StringVar(&o.JUnit, "junit", "", "write JUnit XML to this file (a test case per step and per probe)")
	fs.StringVar(&o.Save, "save", "", "keep every delivery sent in this capture file (replay reads it)")
	spanVar(fs, &o.Timeout, "timeout", 10*time.Second, "time allowed for each delivery and probe")
	fs.StringArrayVarP(&o.Headers, "header", "H", nil, "an extra header on every delivery, 'Name: value' (repeatable)")
	fs.BoolVar(&o.Insecure, "insecure", false, "accept any TLS certificate")
	return cmd
}

func (app *App) completeScenarios(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	r, err := app.loadSigningConfig(cmd.Flags())
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	lib, err := app.loadScenarios(r)
	if err != nil {
		return nil, cobra.ShellCompDirectiveDefault
	}
	var out []string
	for _, s := range lib.Scenarios {
		out = append(out, s.ID+"\t"+s.Description)
	}
	// Files too: a scenario can be run by path.
	return out, cobra.ShellCompDirectiveDefault
}

// pickScenario finds the scenario to run: a file path, or an id.
func (app *App) pickScenario(r *resolvedSigning, arg, id string) (*scenario.Scenario, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		list, err := scenario.LoadFile(arg)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		if id != "" {
			for _, s := range list {
				if s.ID == id {
					return s, nil
				}
			}
			return nil, usageErr("%s has no scenario %q", arg, id)
		}
		if len(list) > 1 {
			ids := make([]string, len(list))
			for i, s := range list {
				ids[i] = s.ID
			}
			return nil, usageErr("%s holds %d scenarios (%s): pick one with --id", arg, len(list), strings.Join(ids, ", "))
		}
		return list[0], nil
	}
	lib, err := app.loadScenarios(r)
	if err != nil {
		return nil, err
	}
	if s := lib.Find(arg); s != nil {
		return s, nil
	}
	return nil, &exitError{code: ExitError, err: fmt.Errorf("no scenario %q (and no such file)", arg), hints: []string{"`hooktool scenario list` lists them: " + strings.Join(lib.IDs(), ", ")}}
}

func runScenario(app *App, cmd *cobra.Command, o *ScenarioOptions, arg string) error {
	if o.Duplicate < 1 || o.Duplicate > scenario.MaxDuplicate {
		return usageErr("--duplicate must be 1 to %d", scenario.MaxDuplicate)
	}
	if o.Storm < 0 || o.Storm > scenario.MaxStorm {
		return usageErr("--storm must be 0 to %d", scenario.MaxStorm)
	}
	if o.Rate < 0 || o.Jitter < 0 || o.Timeout <= 0 {
		return usageErr("--rate and --jitter must be 0 or more; --timeout positive")
	}
	if err := checkRate(o.Rate); err != nil {
		return err
	}
	if len(o.Expects) > 0 && len(o.Probes) == 0 {
		return usageErr("--expect checks a --probe's answer: give --probe 'METHOD URL'")
	}
	r, err := app.loadSigningConfig(cmd.Flags())
	if err != nil {
		return err
	}
	sc, err := app.pickScenario(r, arg, o.ID)
	if err != nil {
		return err
	}
	if n := scenario.Deliveries(sc, o.Duplicate, o.Storm); n > scenario.MaxDeliveries {
		return usageErr("%s with --duplicate %d and --storm %d would make %d deliveries, more than %d", sc.ID, o.Duplicate, o.Storm, n, scenario.MaxDeliveries)
	}
	var probes []*scenario.Probe
	probes = append(probes, sc.Probes...)
	for _, ps := range o.Probes {
		p, err := scenario.ParseProbe(ps)
		if err != nil {
			return usageErr("--probe: %v", err)
		}
		for _, e := range o.Expects {
			c, err := capture.ParseCond(e)
			if err != nil {
				return usageErr("--expect %v", err)
			}
			p.Expect = append(p.Expect, c)
		}
		probes = append(probes, p)
	}
	if err := app.finishSigning(r, sc.Provider); err != nil {
		return err
	}
	if err := r.needSecrets("sign"); err != nil {
		return err
	}
	signer, err := r.newSigner(r.scheme)
	if err != nil {
		return err
	}
	target, err := r.target(o.To, false)
	if err != nil {
		return err
	}
	extra, err := parseHeaderArgs(o.Headers)
	if err != nil {
		return err
	}
	cat, err := app.loadCatalog(r)
	if err != nil {
		return err
	}
	steps, err := scenario.Render(sc, cat, app.Now(), nil)
	if err != nil {
		return usageErr("%v", err)
	}
	if (o.Shuffle || o.Jitter > 0) && !cmd.Flags().Changed("seed") {
		var b [8]byte
		_, _ = rand.Read(b[:])
		o.Seed = binary.LittleEndian.Uint64(b[:])
	}
	var store *capture.Writer
	if o.Save != "" {
		if store, err = app.createCapture("--save", o.Save, false); err != nil {
			return err
		}
		defer store.Close()
	}
	client := delivery.New(delivery.Options{Timeout: o.Timeout, UserAgent: "hooktool/" + app.Version, Insecure: o.Insecure})
	// Every send of a step carries the same message id (a redelivery);
	// the signature is made afresh, with the current time.
	ids := map[int]string{}
	for i := range steps {
		if r.scheme.UsesID() {
			ids[i] = newMessageID()
		}
	}
	contentType := "application/json"
	if r.provider != nil {
		contentType = r.provider.ContentType
	}
	send := func(ctx context.Context, d *scenario.Delivery) delivery.Attempt {
		h := http.Header{"Content-Type": {contentType}}
		for k, v := range extra {
			h[k] = v
		}
		body := d.Rendered.Body
		req := delivery.Request{Method: http.MethodPost, URL: target, Header: h, Body: body,
			Sign: app.freshSigner(signer, body, ids[d.Step], target)}
		attempts := client.Send(ctx, req)
		a := attempts[len(attempts)-1]
		if store != nil {
			app.keepSent(store, sc, r, d, target, a, body)
		}
		return a
	}
	view := &scenarioView{app: app, r: r, sc: sc, target: target, hinted: map[string]bool{}}
	if !app.JSON && !app.Quiet {
		order := scenario.Options{Shuffle: o.Shuffle, Seed: o.Seed}.Order(len(steps))
		names := make([]string, len(order))
		for i, idx := range order {
			names[i] = steps[idx].Step.Name
		}
		fmt.Fprintf(app.Streams.Err, "hooktool: scenario %s → %s: %s", term.Escape(sc.ID), target, term.Escape(strings.Join(names, " → ")))
		switch {
		case o.Shuffle:
			fmt.Fprintf(app.Streams.Err, " (shuffled, --seed %d)", o.Seed)
		case o.Jitter > 0:
			fmt.Fprintf(app.Streams.Err, " (jitter up to %s, --seed %d)", o.Jitter, o.Seed)
		}
		fmt.Fprintln(app.Streams.Err)
	}
	start := time.Now()
	results := scenario.Run(cmd.Context(), steps, scenario.Options{
		Duplicate: o.Duplicate, Concurrent: o.Concurrent, Shuffle: o.Shuffle, Seed: o.Seed,
		Jitter: o.Jitter, Storm: o.Storm, Rate: o.Rate, Send: send, OnResult: view.result,
	})
	var probeResults []scenario.ProbeResult
	probeClient := &http.Client{Timeout: o.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range probes {
		pr := scenario.RunProbe(cmd.Context(), probeClient, p)
		view.probe(pr)
		probeResults = append(probeResults, pr)
	}
	elapsed := time.Since(start)
	if o.JUnit != "" {
		f, err := os.Create(o.JUnit)
		if err != nil {
			return failErr(fmt.Errorf("--junit: %w", err))
		}
		werr := scenario.WriteJUnit(f, sc, results, probeResults, elapsed)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return failErr(fmt.Errorf("--junit: %w", werr))
		}
	}
	if failed := view.summary(results, probeResults, o, elapsed); failed > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}

// keepSent records a delivery as sent, in the capture format, so it can be
// replayed.
func (app *App) keepSent(store *capture.Writer, sc *scenario.Scenario, r *resolvedSigning, d *scenario.Delivery, target string, a delivery.Attempt, body []byte) {
	u, _ := url.Parse(target)
	sent := &http.Request{Method: http.MethodPost, URL: u, Host: u.Host, Proto: "HTTP/1.1", Header: a.Header}
	rec := capture.NewRecord(sent, app.Now())
	rec.Scheme, rec.Event, rec.Matched, rec.Answer = r.scheme.Name(), d.Rendered.Step.Event, true, capture.Answer{Status: a.Status}
	if r.provider != nil {
		rec.Provider = r.provider.ID
	}
	if a.Err != nil {
		rec.Answer.Reason = a.Err.Error()
	}
	rec.SetBody(body)
	// As listen does: no configured secret is kept (Flutterwave's
	// verif-hash is the secret itself).
	rec.Redact(r.redactor())
	if err := store.Append(rec); err != nil {
		app.warn("--save: %v", err)
	}
}

type scenarioView struct {
	app    *App
	r      *resolvedSigning
	sc     *scenario.Scenario
	target string
	mu     sync.Mutex
	hinted map[string]bool
}

func (v *scenarioView) result(res scenario.Result) {
	v.mu.Lock()
	defer v.mu.Unlock()
	d, a, app := res.Delivery, res.Attempt, v.app
	st := d.Rendered.Step
	if app.JSON {
		j := map[string]any{
			"type": "delivery", "scenario": v.sc.ID, "step": st.Name, "event": st.Event, "phase": d.Phase, "copy": d.Copy,
			"status": a.Status, "ok": res.OK, "expect": st.Expect.String(), "latency_ms": float64(a.Latency.Microseconds()) / 1000,
		}
		if d.Round > 0 {
			j["round"] = d.Round
		}
		if a.Err != nil {
			j["error"] = a.Err.Error()
		}
		app.writeJSON(app.Streams.Out, j)
		return
	}
	if app.Quiet {
		return
	}
	p := app.palette()
	// Step names and events come from a scenario file, the answer from the
	// receiver: escaped, so neither can rewrite the line.
	label := fmt.Sprintf("%s %s", term.Escape(st.Name), p.Dim(term.Escape(st.Event)))
	if d.Copy > 1 || d.Phase == "storm" {
		label += p.Dim(fmt.Sprintf(" #%d", d.Copy))
	}
	if d.Phase == "storm" {
		label = p.Dim(fmt.Sprintf("[storm %d] ", d.Round)) + label
	}
	var status string
	switch {
	case a.Err != nil:
		status = p.Bad("✘ " + term.Escape(a.Err.Error()))
	case res.OK:
		status = p.OK(fmt.Sprintf("✔ %d", a.Status))
	default:
		status = p.Bad(fmt.Sprintf("✘ %d (expected %s)", a.Status, st.Expect))
	}
	line := fmt.Sprintf("%s  %s  %s", label, status, formatLatency(a.Latency))
	if a.Err == nil && len(a.Body) > 0 {
		line += "  " + p.Dim(preview(a.Body, 50))
	}
	fmt.Fprintln(app.Streams.Out, line)
	if de, ok := a.Err.(*delivery.Error); ok && de.Hint != "" && !v.hinted[de.Hint] {
		v.hinted[de.Hint] = true
		fmt.Fprintf(app.Streams.Err, "hooktool: hint: %s\n", term.Escape(de.Hint))
	}
}

func (v *scenarioView) probe(pr scenario.ProbeResult) {
	app := v.app
	if app.JSON {
		j := map[string]any{"type": "probe", "scenario": v.sc.ID, "method": pr.Probe.Method, "url": pr.Probe.URL, "status": pr.Status, "ok": pr.OK(), "failed": pr.Failed}
		if pr.Err != nil {
			j["error"] = pr.Err.Error()
		}
		app.writeJSON(app.Streams.Out, j)
		return
	}
	if app.Quiet {
		return
	}
	p := app.palette()
	status := p.OK("✔ held")
	if !pr.OK() {
		status = p.Bad("✘ " + term.Escape(scenario.ProbeProblem(pr)))
	}
	fmt.Fprintf(app.Streams.Out, "probe %s %s  %s\n", term.Escape(pr.Probe.Method), term.Escape(pr.Probe.URL), status)
}

// summary prints the totals and returns how many expectations failed.
func (v *scenarioView) summary(results []scenario.Result, probes []scenario.ProbeResult, o *ScenarioOptions, elapsed time.Duration) int {
	bad := 0
	for _, r := range results {
		if !r.OK {
			bad++
		}
	}
	badProbes := 0
	for _, p := range probes {
		if !p.OK() {
			badProbes++
		}
	}
	app := v.app
	if app.JSON {
		app.writeJSON(app.Streams.Err, map[string]any{"type": "summary", "scenario": v.sc.ID, "deliveries": len(results), "failed": bad,
			"probes": len(probes), "probes_failed": badProbes, "seed": o.Seed, "elapsed_ms": elapsed.Milliseconds()})
	} else if !app.Quiet {
		fmt.Fprintf(app.Streams.Err, "hooktool: %s: %d deliveries, %d met their expectation", term.Escape(v.sc.ID), len(results), len(results)-bad)
		if len(probes) > 0 {
			fmt.Fprintf(app.Streams.Err, "; %d of %d probes held", len(probes)-badProbes, len(probes))
		}
		fmt.Fprintf(app.Streams.Err, " (%s)\n", elapsed.Round(time.Millisecond))
	}
	return bad + badProbes
}
