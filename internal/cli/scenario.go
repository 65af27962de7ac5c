package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/catalog"
	"github.com/hooktool/hooktool/internal/cli/view"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/jsondiff"
	"github.com/hooktool/hooktool/internal/randid"
	"github.com/hooktool/hooktool/internal/scenario"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
      expect: ['status=="refunded"']
  reset: POST http://localhost:3000/test/reset   # for --idempotency` + groupExitStatus,
		Example: `  hooktool scenario list
  hooktool scenario run aella/mandate-lifecycle --to http://localhost:3000/webhooks
  hooktool scenario run aella/transfer-completed --duplicate 3 --concurrent
  hooktool scenario run accounts/credit-then-debit --shuffle --seed 42
  hooktool scenario run ./flows/refund.yaml --probe 'GET http://localhost:3000/orders/ord_1' --expect 'status=="refunded"' --junit report.xml
  hooktool scenario run aella/transfer-completed --idempotency --probe 'GET http://localhost:3000/balance' --reset 'POST http://localhost:3000/test/reset' --duplicate 3 --concurrent`,
	}
	cmd.AddCommand(newScenarioListCommand(app, nil), newScenarioRunCommand(app, nil))
	return cmd
}

// loadScenarios reads the built-in scenarios and those of the catalog
// directory. With broken files it returns the others too, and an error
// that names each broken file (errors.Join of one error per file).
func (app *App) loadScenarios(r *resolvedSigning) (*scenario.Library, error) {
	var dirs []string
	if r.cfg.Catalog != "" {
		dirs = append(dirs, r.cfg.Catalog)
	}
	return scenario.Load(catalog.BuiltinScenarios(), dirs...)
}

// ScenarioListOptions are the flags of `hooktool scenario list`.
type ScenarioListOptions struct {
	Provider string
	flags    *pflag.FlagSet
}

func newScenarioListCommand(app *App, runF func(*ScenarioListOptions) error) *cobra.Command {
	o := &ScenarioListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the scenarios: built-in ones and those of the catalog directory",
		Long: `List the scenarios in effect: the built-in ones and those in the catalog
directory (--catalog, or catalog: in the config), with their steps. A file
that cannot be read is named on stderr with its line and what is wrong, and
the others are listed.` + exitStatus("the scenarios were listed", "", couldNotRun+" (a scenario file that cannot be read: the others are listed)"),
		Example: `  hooktool scenario list
  hooktool scenario list --provider aella --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.flags = cmd.Flags()
			if runF != nil {
				return runF(o)
			}
			return runScenarioList(app, o)
		},
	}
	cmd.Flags().StringVarP(&o.Provider, "provider", "P", "", "only this provider's scenarios")
	_ = cmd.RegisterFlagCompletionFunc("provider", app.completeProviders)
	return cmd
}

func runScenarioList(app *App, o *ScenarioListOptions) error {
	r, err := app.loadSigningConfig(o.flags)
	if err != nil {
		return err
	}
	if o.Provider != "" {
		if _, err := app.findProvider(r, o.Provider); err != nil {
			return err
		}
	}
	lib, loadErr := app.loadScenarios(r)
	if lib == nil {
		return failErr(loadErr)
	}
	var list []*scenario.Scenario
	for _, s := range lib.Scenarios {
		if o.Provider == "" || s.Provider == o.Provider {
			list = append(list, s)
		}
	}
	if err := view.NewScenarioList(app.out()).List(list); err != nil {
		return err
	}
	if loadErr == nil {
		return nil
	}
	// An error each broken file, after the list of the others.
	if joined, ok := loadErr.(interface{ Unwrap() []error }); ok {
		for _, err := range joined.Unwrap() {
			app.reportError(failErr(err))
		}
		return silentExit(ExitError)
	}
	return failErr(loadErr)
}

// ScenarioOptions are the flags and argument of `hooktool scenario run`.
type ScenarioOptions struct {
	signing    signingFlags
	Arg        string // a scenario's id, or a file
	To         string
	ID         string
	Duplicate  int
	Concurrent bool
	Shuffle    bool
	Seed       uint64
	SeedGiven  bool // --seed was given (else a random one is drawn)
	Jitter     time.Duration
	Storm      int
	Rate       float64
	// Probes are the --probe flags, each with the --expect flags given
	// after it.
	Probes []ProbeArg
	// Idempotency, Reset and ProbeIgnore are the idempotency check.
	Idempotency bool
	Reset       string
	ProbeIgnore []string
	// Retry is "" (none), a number of retries, or "provider" (the
	// provider's documented schedule, its waits times RetryScale, or
	// scaled to fit maxProviderRetryWait when RetryScale is 0).
	Retry        string
	RetryBackoff time.Duration
	RetryScale   float64
	JUnit        string
	Save         string
	Timeout      time.Duration
	Headers      []string
	Insecure     bool

	flags *pflag.FlagSet
	ctx   context.Context
}

func newScenarioRunCommand(app *App, runF func(*ScenarioOptions) error) *cobra.Command {
	o := &ScenarioOptions{}
	cmd := &cobra.Command{
		Use:   "run ID|FILE",
		Short: "Run a scenario against a receiver and check its answers",
		Long: `Run a scenario: render every step (shared ids resolved), deliver them with
the disorders asked for, check each answer against its step's expectation
(default 2xx), run the probes, and print a line per delivery and a summary.

--probe 'METHOD URL' (repeatable) asks the receiver after the flow; each
--expect condition after it (a gjson path into its JSON answer, OP, VALUE,
as for replay --where) must hold on that probe's answer. A condition that
does not hold is shown with the value it found.

--idempotency needs no hand-written expectation: it runs the flow once in
order and probes, then runs the same deliveries again (the same events, ids
and bodies, re-signed) with the disorders asked for and probes again, and
fails when a probe's answer changed, printing each difference
(balance: -10000 → -30000). --reset 'METHOD URL' (or reset: in the file; a
URL alone is POST) is requested before each run to put the receiver back in
its first state; without one, the second run redelivers events the receiver
has already handled, and must change nothing. An answer is its status and
its body: JSON compared by structure (key order, whitespace and how a number
is written do not count), anything else byte for byte; headers do not count.
--probe-ignore PATH leaves a path that changes on every read (a timestamp)
out of the comparison; # in it stands for any array index.

--retry N retries a delivery the receiver does not acknowledge (non-2xx, or
no answer) as a provider does: the same body and event id, signed afresh,
after --retry-backoff, doubling. --retry provider follows the provider's
documented schedule (retry: schedule: in its catalog file), its waits
scaled to fit 10s in all unless --retry-scale F says otherwise. A delivery
meets its expectation by its last attempt; --save keeps every attempt.
` + exitStatus("every expectation held", "an expectation did not hold (with --idempotency: an answer changed, or a reset failed)", couldNotRun+" (a malformed scenario)"),
		Example: `  hooktool scenario run aella/mandate-lifecycle --to http://localhost:3000/webhooks
  hooktool scenario run aella/transfer-completed --duplicate 3 --concurrent
  hooktool scenario run accounts/credit-then-debit --shuffle --seed 42 --json
  hooktool scenario run payments/pay-then-refund --storm 5 --rate 50 --junit report.xml
  hooktool scenario run aella/transfer-completed --idempotency --probe 'GET http://localhost:3000/balance' --reset 'POST http://localhost:3000/test/reset' --duplicate 3 --concurrent
  hooktool scenario run aella/transfer-completed --retry 2 --retry-backoff 100ms --probe 'GET http://localhost:3000/balance' --expect 'balance==-10000'`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: app.completeScenarios,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Arg, o.SeedGiven, o.flags, o.ctx = args[0], cmd.Flags().Changed("seed"), cmd.Flags(), cmd.Context()
			if runF != nil {
				return runF(o)
			}
			return runScenario(app, o)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	urlVar(fs, &o.To, "to", "the receiver's URL (default: the endpoint's URL, else http://127.0.0.1:4242/)")
	fs.StringVar(&o.ID, "id", "", "with a FILE holding several scenarios, the one to run")
	fs.IntVar(&o.Duplicate, "duplicate", 1, "send each delivery N times (at most 10000), byte-identical with the same event id (re-signed when the scheme is timestamped)")
	fs.BoolVar(&o.Concurrent, "concurrent", false, "race every delivery in parallel (at most 64 in flight) instead of in order")
	fs.BoolVar(&o.Shuffle, "shuffle", false, "send the steps in a random order (reproducible with --seed)")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed for --shuffle and --jitter (default: a random one, printed)")
	spanVar(fs, &o.Jitter, "jitter", 0, "wait a random time up to this before each delivery")
	fs.IntVar(&o.Storm, "storm", 0, "after the flow, redeliver everything N more times (at most 10000) as fast as --rate allows")
	fs.Float64Var(&o.Rate, "rate", 0, "storm deliveries per second (0: no limit)")
	fs.Var(&probeFlag{&o.Probes}, "probe", "after the flow, request 'METHOD URL' from the receiver (repeatable)")
	fs.Var(&expectFlag{&o.Probes}, "expect", "a condition on the JSON answer of the --probe before it, such as 'status==\"refunded\"' (repeatable)")
	fs.BoolVar(&o.Idempotency, "idempotency", false, "check idempotency: run the flow once in order, probe, reset, run it again with the disorders, probe again; the answers must be the same")
	urlVar(fs, &o.Reset, "reset", "with --idempotency, request 'METHOD URL' (a URL alone: POST) before each run to put the receiver back in its first state")
	fs.StringArrayVar(&o.ProbeIgnore, "probe-ignore", nil, "with --idempotency, a path of the probes' JSON answers that may change, such as updated_at or items.#.id (repeatable)")
	fs.StringVar(&o.Retry, "retry", "", "retry a delivery that is not acknowledged, as a provider does: N times (see --retry-backoff), or 'provider' for the provider's documented schedule")
	spanVar(fs, &o.RetryBackoff, "retry-backoff", time.Second, "with --retry N, the wait before the first retry; it doubles each time, with jitter")
	fs.Float64Var(&o.RetryScale, "retry-scale", 0, "with --retry provider, multiply the schedule's waits by this (default: whatever fits them in 10s)")
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
	lib, _ := app.loadScenarios(r) // a broken file hides none of the others
	if lib == nil {
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
		ids := make([]string, len(list))
		for i, s := range list {
			ids[i] = s.ID
		}
		if id != "" {
			for _, s := range list {
				if s.ID == id {
					return s, nil
				}
			}
			return nil, unknownNameErr(fmt.Errorf("%s has no scenario %q (it holds %s)", arg, id, strings.Join(ids, ", ")), id, ids, "see --help for usage")
		}
		if len(list) > 1 {
			return nil, usageErr("%s holds %d scenarios (%s): pick one with --id", arg, len(list), strings.Join(ids, ", "))
		}
		return list[0], nil
	}
	// Any broken file stops the run: it may be the one meant.
	lib, err := app.loadScenarios(r)
	if err != nil {
		return nil, failErr(err)
	}
	if s := lib.Find(arg); s != nil {
		return s, nil
	}
	return nil, unknownNameErr(fmt.Errorf("no scenario %q (and no such file)", arg), arg, lib.IDs(), "`hooktool scenario list` lists them: "+strings.Join(lib.IDs(), ", "))
}

// ProbeArg is a --probe and the --expect conditions given after it.
type ProbeArg struct {
	Request string
	Expects []string
}

// probeFlag is --probe and expectFlag is --expect: the two share one list,
// so that each --expect belongs to the --probe before it.
type (
	probeFlag  struct{ list *[]ProbeArg }
	expectFlag struct{ list *[]ProbeArg }
)

func (f *probeFlag) Set(v string) error {
	*f.list = append(*f.list, ProbeArg{Request: v})
	return nil
}

func (f *expectFlag) Set(v string) error {
	n := len(*f.list)
	if n == 0 {
		return errors.New("--expect checks a --probe's answer, the --probe given before it: give --probe 'METHOD URL' first")
	}
	(*f.list)[n-1].Expects = append((*f.list)[n-1].Expects, v)
	return nil
}

func (f *probeFlag) Type() string  { return "stringArray" }
func (f *expectFlag) Type() string { return "stringArray" }
func (f *probeFlag) String() string {
	var out []string
	for _, p := range *f.list {
		out = append(out, p.Request)
	}
	return "[" + strings.Join(out, ",") + "]"
}
func (f *expectFlag) String() string {
	var out []string
	for _, p := range *f.list {
		out = append(out, p.Expects...)
	}
	return "[" + strings.Join(out, ",") + "]"
}

// scenarioProbes are the scenario's own probes and those of --probe, each
// with the --expect conditions given after it.
func scenarioProbes(sc *scenario.Scenario, probes []ProbeArg) ([]*scenario.Probe, error) {
	out := slices.Clone(sc.Probes)
	for _, pa := range probes {
		p, err := scenario.ParseProbe(pa.Request)
		if err != nil {
			return nil, usageErr("--probe: %v", err)
		}
		for _, e := range pa.Expects {
			c, err := capture.ParseCond(e)
			if err != nil {
				return nil, usageErr("--expect %v", err)
			}
			p.Expect = append(p.Expect, c)
		}
		out = append(out, p)
	}
	return out, nil
}

func runScenario(app *App, o *ScenarioOptions) error {
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
	if !o.Idempotency && (o.Reset != "" || len(o.ProbeIgnore) > 0) {
		return usageErr("--reset and --probe-ignore belong to --idempotency")
	}
	var ignore []jsondiff.Path
	for _, s := range o.ProbeIgnore {
		p, err := jsondiff.ParsePath(s)
		if err != nil {
			return usageErr("--probe-ignore: %v", err)
		}
		ignore = append(ignore, p)
	}
	r, err := app.loadSigningConfig(o.flags)
	if err != nil {
		return err
	}
	sc, err := app.pickScenario(r, o.Arg, o.ID)
	if err != nil {
		return err
	}
	if n := scenario.Deliveries(sc, o.Duplicate, o.Storm); n > scenario.MaxDeliveries {
		return usageErr("%s with --duplicate %d and --storm %d would make %d deliveries, more than %d", sc.ID, o.Duplicate, o.Storm, n, scenario.MaxDeliveries)
	}
	probes, err := scenarioProbes(sc, o.Probes)
	if err != nil {
		return err
	}
	var idem *scenario.Idempotency
	if o.Idempotency {
		if len(probes) == 0 {
			return usageErr("--idempotency compares the answers of probes: give --probe 'GET URL' (or probes: in the scenario file)")
		}
		idem = &scenario.Idempotency{Reset: sc.Reset, Ignore: ignore}
		if o.Reset != "" {
			if idem.Reset, err = scenario.ParseReset(o.Reset); err != nil {
				return usageErr("--reset: %v", err)
			}
		}
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
	header, err := parseHeaderArgs(o.Headers)
	if err != nil {
		return err
	}
	contentType, provider := "application/json", ""
	if r.provider != nil {
		contentType, provider = r.provider.ContentType, r.provider.ID
	}
	if _, given := header["Content-Type"]; !given {
		header.Set("Content-Type", contentType) // --header may say otherwise
	}
	cat, err := app.loadCatalog(r)
	if err != nil {
		return err
	}
	steps, err := scenario.Render(sc, cat, app.Now(), nil)
	if err != nil {
		return usageErr("%v", err)
	}
	sign := func(body []byte, id string) func(int) (http.Header, error) {
		return signer.PerAttempt(body, id, target, app.Now)
	}
	if signature.SignsInBody(r.scheme) {
		// The signature travels in the body (Mailgun's signature.signature,
		// Billplz's x_signature): it is written there once per step, as
		// trigger does, and no header is signed per attempt.
		for i := range steps {
			if steps[i].Body, err = signer.SignBody(signature.SignInput{Body: steps[i].Body, URL: target}); err != nil {
				return failErr(err)
			}
		}
		sign = nil
	}
	if (o.Shuffle || o.Jitter > 0) && !o.SeedGiven {
		o.Seed = scenario.RandomSeed()
	}
	sending := delivery.Options{Timeout: o.Timeout, UserAgent: "hooktool/" + app.Version, Insecure: o.Insecure}
	retryNote, err := scenarioRetry(r, o, &sending)
	if err != nil {
		return err
	}
	flow := scenario.FlowOptions{
		Options: scenario.Options{Duplicate: o.Duplicate, Concurrent: o.Concurrent, Shuffle: o.Shuffle, Seed: o.Seed,
			Jitter: o.Jitter, Storm: o.Storm, Rate: o.Rate},
		Target: target, Header: header, Probes: probes, ProbeTimeout: o.Timeout, Idempotency: idem,
		Client: delivery.New(sending),
		Sign:   sign,
	}
	if r.scheme.UsesID() {
		flow.NewID = randid.MessageID
	}
	if o.Save != "" {
		store, err := app.createCapture("--save", o.Save, false)
		if err != nil {
			return err
		}
		defer store.Close()
		// Each kept delivery gets the verdict listen would give it.
		checker, err := signature.NewChecker(r.scheme, r.signing.Secrets, r.signing.Tolerance)
		if err != nil {
			return unusableSecret(err)
		}
		keeper, err := scenario.NewKeeper(scenario.KeepOptions{Store: store, Redactor: r.redactor(), Checker: checker, Target: target,
			Scheme: r.scheme.Name(), Provider: provider, Now: app.Now, OnError: func(err error) { app.warn("--save: %v", err) }})
		if err != nil {
			return failErr(fmt.Errorf("--save: %w", err))
		}
		flow.Keep = keeper.Keep
	}
	printer := view.NewScenarioRun(app.out(), sc.ID, r.redactor())
	flow.OnResult, flow.OnProbe = printer.Delivery, printer.Probe
	if idem != nil {
		idem.OnReset = printer.Reset
	}
	printer.Start(sc, target, steps, flow.Options, idem != nil)
	if retryNote != "" {
		printer.Note(retryNote)
	}
	report := scenario.RunFlow(o.ctx, sc, steps, flow)
	if o.JUnit != "" {
		if err := writeJUnit(o.JUnit, report, r.redactor()); err != nil {
			return failErr(fmt.Errorf("--junit: %w", err))
		}
	}
	if report.Idempotency != nil {
		for _, a := range report.Idempotency.Answers {
			printer.Answer(a)
		}
	}
	printer.Summary(report)
	if !report.OK() {
		return silentExit(ExitInvalid)
	}
	return nil
}

func writeJUnit(path string, r *scenario.Report, red *signature.Redactor) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	werr := scenario.WriteJUnit(f, r, red)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// maxProviderRetryWait is what --retry provider scales a provider's
// schedule to, unless --retry-scale says otherwise: a CI job does not wait
// a provider's hours.
const maxProviderRetryWait = 10 * time.Second

// maxRetries bounds --retry N.
const maxRetries = 100

// scenarioRetry sets the retries of --retry on the sending options, and
// returns a line saying what a provider's schedule became ("" for none).
func scenarioRetry(r *resolvedSigning, o *ScenarioOptions, sending *delivery.Options) (string, error) {
	if o.flags != nil && o.flags.Changed("retry-backoff") {
		switch o.Retry {
		case "":
			return "", usageErr("--retry-backoff is the wait before the first retry of --retry N: give --retry N too")
		case "provider":
			return "", usageErr("--retry-backoff is the wait before the first retry of --retry N: --retry provider follows the provider's own waits")
		}
	}
	if o.RetryScale != 0 && o.Retry != "provider" {
		return "", usageErr("--retry-scale scales a provider's schedule: give --retry provider")
	}
	switch o.Retry {
	case "":
		return "", nil
	case "provider":
		if r.provider == nil {
			return "", usageErr("--retry provider follows a provider's schedule, and no provider is known: give --provider or --retry N")
		}
		waits := delivery.Schedule(r.provider.Retry.Waits())
		if len(waits) == 0 {
			hints := []string{"use `hooktool scenario run --retry N --retry-backoff D`, or give the provider a retry: schedule: in a catalog file (README: Adding a provider)"}
			if note := strings.Join(strings.Fields(r.provider.Retry.Note), " "); note != "" {
				hints = append([]string{note}, hints...)
			}
			return "", &exitError{code: ExitError, err: fmt.Errorf("--retry provider: %s publishes no retry schedule", r.provider.ID), hints: hints}
		}
		scale := o.RetryScale
		if scale == 0 {
			scale = waits.FitScale(maxProviderRetryWait)
		}
		if scale <= 0 || scale > 1 || math.IsNaN(scale) {
			return "", usageErr("--retry-scale must be more than 0 and at most 1")
		}
		sending.Schedule = waits.Scaled(scale)
		return fmt.Sprintf("retrying as %s does: %d retries after %s, scaled by %.3g to %s in all", r.provider.ID, len(waits),
			fmtWaits(waits), scale, sending.Schedule.Total().Round(time.Millisecond)), nil
	}
	n, err := strconv.Atoi(o.Retry)
	if err != nil || n < 0 || n > maxRetries {
		return "", usageErr("--retry is a number of retries from 0 to %d, or 'provider'", maxRetries)
	}
	sending.Retries, sending.Backoff = n, o.RetryBackoff
	return "", nil
}

func fmtWaits(waits delivery.Schedule) string {
	out := make([]string, len(waits))
	for i, w := range waits {
		out[i] = w.String()
	}
	return strings.Join(out, ", ")
}
