package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
	"github.com/spf13/cobra"
)

// ReplayOptions are the flags of `hooktool replay`.
type ReplayOptions struct {
	signing       signingFlags
	sel           selectFlags
	To            string
	KeepPath      bool
	Resign        bool
	Concurrency   int
	Rate          float64
	Retry         int
	RetryBackoff  time.Duration
	Timeout       time.Duration
	StopOnFailure bool
	Headers       []string
	Insecure      bool
}

func newReplayCommand(app *App) *cobra.Command {
	o := &ReplayOptions{}
	cmd := &cobra.Command{
		Use:   "replay FILE... [--to URL | --endpoint NAME]",
		Short: "Re-send captured deliveries, byte-exact or re-signed",
		Long: `Re-send deliveries that listen --save kept: the same method, path, query,
headers (hop-by-hop ones excepted) and body bytes, to --to URL or the
endpoint's URL. When the target URL has no path, each capture's own path and
query are appended (--keep-path=false turns this off).

--resign gives each delivery a new id and timestamp where the scheme has
them, and recomputes the signature with the configured secret, under the
scheme the capture recorded (its provider's profile) or --scheme, so a
receiver with a timestamp tolerance accepts it; the body stays byte-exact.

--concurrency 1 (the default) keeps capture order. --rate limits requests
per second; --retry, --retry-backoff and --timeout work as in trigger.
Selection: --id, --event, --where, --last, as for captures.

Exit status: 0 when every delivery was acknowledged (2xx), 1 when any was
not, 2 for usage errors or unreadable captures.` + exitStatusHelp,
		Example: `  hooktool replay deliveries.jsonl --to http://localhost:3000/webhooks
  hooktool replay deliveries.jsonl --id 01J... --resign --endpoint staging
  hooktool replay deliveries.jsonl --where 'event=="transfer.failed"' --where 'data.amount>5000' --to localhost:3000
  hooktool replay big.jsonl --to http://localhost:3000/hook --concurrency 32 --rate 500`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReplay(app, cmd, o, args)
		},
	}
	fs := cmd.Flags()
	o.signing.addFlags(fs)
	o.signing.addCompletions(app, cmd)
	o.sel.addFlags(fs)
	fs.StringVar(&o.To, "to", "", "target URL (default: the endpoint's URL)")
	fs.BoolVar(&o.KeepPath, "keep-path", true, "append each capture's path and query when the target URL has no path")
	fs.BoolVar(&o.Resign, "resign", false, "new id and timestamp, signature recomputed with the configured secret")
	fs.IntVarP(&o.Concurrency, "concurrency", "c", 1, "deliveries in flight at once, 1 to 1024 (1 keeps capture order)")
	fs.Float64Var(&o.Rate, "rate", 0, "at most this many requests per second (0: no limit)")
	fs.IntVar(&o.Retry, "retry", 0, "retries of a delivery that is not acknowledged")
	spanVar(fs, &o.RetryBackoff, "retry-backoff", time.Second, "wait before the first retry; it doubles each time, with jitter")
	spanVar(fs, &o.Timeout, "timeout", 10*time.Second, "time allowed for each attempt")
	fs.BoolVar(&o.StopOnFailure, "stop-on-failure", false, "send nothing more after a delivery is not acknowledged")
	fs.StringArrayVarP(&o.Headers, "header", "H", nil, "an extra header, 'Name: value' (repeatable)")
	fs.BoolVar(&o.Insecure, "insecure", false, "accept any TLS certificate")
	return cmd
}

// captureSchemes finds the scheme to sign or verify each capture with: a
// flag or the endpoint first, then the capture's provider profile, then the
// scheme it recorded, then the configured one.
type captureSchemes struct {
	app    *App
	r      *resolvedSigning
	mu     sync.Mutex
	cache  map[string]signature.Scheme
	resign map[string]*resigning
}

// schemeKey is what decides a capture's scheme when no flag does: its
// provider and its recorded scheme. Captures with the same key share a
// scheme, a Signer and a Verifier.
func schemeKey(rec *capture.Record) string { return rec.Provider + "\x00" + rec.Scheme }

// resigning is how captures of one provider and scheme are signed again.
type resigning struct {
	scheme signature.Scheme
	signer *signature.Signer
	// drop are the old signature's headers: the new scheme's, and those of
	// the scheme the capture was signed with, when that is another one.
	drop []string
}

// resigningFor returns the resigning for rec's provider and scheme, made
// once (the secret decoded once) for all the captures that share them.
func (c *captureSchemes) resigningFor(rec *capture.Record) (*resigning, error) {
	key := schemeKey(rec)
	c.mu.Lock()
	rs := c.resign[key]
	c.mu.Unlock()
	if rs != nil {
		return rs, nil
	}
	s, err := c.forRecord(rec)
	if err != nil {
		return nil, err
	}
	signer, err := c.r.newSigner(s)
	if err != nil {
		return nil, err
	}
	rs = &resigning{scheme: s, signer: signer, drop: s.HeaderNames()}
	if old, err := c.lookup(rec); err == nil && old != nil {
		rs.drop = append(rs.drop, old.HeaderNames()...)
	}
	c.mu.Lock()
	if c.resign == nil {
		c.resign = map[string]*resigning{}
	}
	c.resign[key] = rs
	c.mu.Unlock()
	return rs, nil
}

func (app *App) newCaptureSchemes(r *resolvedSigning) (*captureSchemes, error) {
	err := app.finishSigning(r, r.cfg.Provider(r.endpoint))
	if err != nil && !errors.Is(err, errNoScheme) {
		return nil, err
	}
	if err != nil {
		r.scheme = nil
	}
	return &captureSchemes{app: app, r: r, cache: map[string]signature.Scheme{}}, nil
}

func (c *captureSchemes) forRecord(rec *capture.Record) (signature.Scheme, error) {
	if c.r.scheme != nil && c.r.signing.SchemeExplicit {
		return c.r.scheme, nil
	}
	key := schemeKey(rec)
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.cache[key]; ok {
		return s, nil
	}
	s, err := c.lookup(rec)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, errors.New("no scheme recorded in the capture: give --scheme or --provider")
	}
	c.cache[key] = s
	return s, nil
}

func (c *captureSchemes) lookup(rec *capture.Record) (signature.Scheme, error) {
	if rec.Provider != "" {
		if cat, err := c.app.loadCatalog(c.r); err == nil {
			if p := cat.Provider(rec.Provider); p != nil && p.Signing.Scheme != "" {
				return signature.Lookup(p.Signing.Scheme, p.Signing.Options())
			}
		}
	}
	if rec.Scheme != "" {
		return signature.Lookup(rec.Scheme, c.r.signing.Options)
	}
	return c.r.scheme, nil
}

// replayTarget is the base URL and whether it names its own path.
func (r *resolvedSigning) replayTarget(to string) (string, bool, error) {
	raw := to
	if raw == "" {
		if r.endpoint == "" {
			return "", false, usageErr("no target: give --to URL or --endpoint NAME")
		}
		raw = r.cfg.Endpoints[r.endpoint].URL
		if raw == "" {
			return "", false, usageErr("endpoint %s has no url: set one, or give --to", r.endpoint)
		}
	}
	withScheme := raw
	if !strings.Contains(withScheme, "://") {
		withScheme = "http://" + withScheme
	}
	u, err := url.Parse(withScheme)
	hasPath := err == nil && u.Path != "" && u.Path != "/"
	norm, err := normalizeURL("--to", raw)
	return norm, hasPath, err
}

// replayResult is what the summary needs of one delivery (not the record:
// a replay of a hundred thousand captures must not hold them all).
type replayResult struct {
	latency time.Duration
	status  int
	failure string // "" when acknowledged: else the status or error kind
}

func resultOf(a delivery.Attempt) replayResult {
	res := replayResult{latency: a.Latency, status: a.Status}
	switch {
	case a.Acknowledged():
	case a.Err != nil:
		res.failure = "error"
		var de *delivery.Error
		if errors.As(a.Err, &de) {
			res.failure = string(de.Kind)
		}
	default:
		res.failure = fmt.Sprint(a.Status)
	}
	return res
}

// maxReplayConcurrency bounds --concurrency: the workers of replay's pool.
const maxReplayConcurrency = 1024

func runReplay(app *App, cmd *cobra.Command, o *ReplayOptions, args []string) error {
	if o.Concurrency < 1 || o.Concurrency > maxReplayConcurrency {
		return usageErr("--concurrency must be 1 to %d", maxReplayConcurrency)
	}
	if o.Rate < 0 || o.Retry < 0 || o.Timeout <= 0 {
		return usageErr("--rate and --retry must be 0 or more, --timeout positive")
	}
	if err := checkRate(o.Rate); err != nil {
		return err
	}
	q, err := app.newCaptureQuery(args, &o.sel)
	if err != nil {
		return err
	}
	r, err := app.loadSigningConfig(cmd.Flags())
	if err != nil {
		return err
	}
	base, hasPath, err := r.replayTarget(o.To)
	if err != nil {
		return err
	}
	to := newReplayTo(base, hasPath, o.KeepPath)
	extra, err := parseHeaderArgs(o.Headers)
	if err != nil {
		return err
	}
	var schemes *captureSchemes
	if !o.Resign {
		// Secrets only, to put back headers the listener redacted.
		r.signing, _ = r.cfg.Signing(r.endpoint)
	}
	if o.Resign {
		if schemes, err = app.newCaptureSchemes(r); err != nil {
			return err
		}
		if err := r.needSecrets("re-sign"); err != nil {
			return err
		}
	}
	client := delivery.New(delivery.Options{
		Timeout: o.Timeout, Retries: o.Retry, Backoff: o.RetryBackoff,
		UserAgent: "hooktool/" + app.Version, Insecure: o.Insecure,
	})
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	defer batchGC()()

	jobs := make(chan *capture.Record, o.Concurrency)
	var readErr error
	go func() {
		defer close(jobs)
		readErr = app.eachCapture(q, func(rec *capture.Record) error {
			select {
			case jobs <- rec:
				return nil
			case <-ctx.Done():
				return capture.ErrStop
			}
		})
		if errors.Is(readErr, capture.ErrStop) {
			readErr = nil
		}
	}()
	var tick <-chan time.Time
	if o.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / o.Rate))
		defer t.Stop()
		tick = t.C
	}
	progress := term.NewProgress(app.Streams.Err, app.Streams.ErrIsTerminal && !app.JSON && !app.Quiet, 0)
	var mu sync.Mutex // serialises output and results
	var results []replayResult
	hinted := map[string]bool{}
	var prepErr error
	var stopped atomic.Bool // --stop-on-failure ended the run
	var wg sync.WaitGroup
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rec := range jobs {
				if ctx.Err() != nil {
					continue
				}
				req, err := replayRequest(app, r, schemes, rec, to, extra)
				if err != nil {
					mu.Lock()
					if prepErr == nil {
						prepErr = fmt.Errorf("capture %s: %w", rec.ID, err)
					}
					mu.Unlock()
					cancel()
					continue
				}
				if tick != nil {
					select {
					case <-tick:
					case <-ctx.Done():
						continue
					}
				}
				label := rec.ID
				if rec.Event != "" {
					label += " " + rec.Event
				}
				item := sentItem{method: rec.Method, event: rec.Event, provider: rec.Provider, captureID: rec.ID, label: label}
				attempts := sendWith(client, ctx, req, func(a delivery.Attempt) {
					mu.Lock()
					progress.Clear()
					app.reportAttempt(r, item, req.URL, len(req.Body), a, o.Retry+1, hinted)
					mu.Unlock()
				})
				last := attempts[len(attempts)-1]
				mu.Lock()
				results = append(results, resultOf(last))
				progress.Step()
				mu.Unlock()
				if !last.Acknowledged() && o.StopOnFailure {
					stopped.Store(true)
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	progress.Clear()
	if readErr != nil || prepErr != nil {
		// What was sent before the bad capture is still worth a summary.
		if len(results) > 0 {
			app.replaySummary(results, false)
		}
		if readErr != nil {
			return readErr
		}
		return failErr(prepErr)
	}
	failed := app.replaySummary(results, stopped.Load())
	if len(results) == 0 {
		app.warn("no capture matched the selection: nothing was sent")
	}
	if failed > 0 {
		return silentExit(ExitInvalid)
	}
	return nil
}

// checkRate refuses a --rate that gives no usable interval between sends
// (NaN, infinite, or so large the interval rounds to nothing).
func checkRate(rate float64) error {
	if rate == 0 {
		return nil
	}
	if math.IsNaN(rate) || math.IsInf(rate, 0) || rate < 0 || time.Duration(float64(time.Second)/rate) <= 0 || float64(time.Second)/rate > float64(24*time.Hour) {
		return usageErr("--rate %v is not a usable number of requests per second", rate)
	}
	return nil
}

// sendWith sends with a per-call attempt callback (the client is shared).
func sendWith(c *delivery.Client, ctx context.Context, req delivery.Request, on func(delivery.Attempt)) []delivery.Attempt {
	cc := *c
	cc.OnAttempt = on
	return cc.Send(ctx, req)
}

// replayTo is where captures go: base itself, or with each capture's path
// and query after it (httpx.JoinURL: never another host).
type replayTo struct {
	base     string
	withPath bool
	parsed   *url.URL
}

func newReplayTo(base string, hasPath, keepPath bool) replayTo {
	to := replayTo{base: base, withPath: keepPath && !hasPath}
	if to.withPath {
		to.parsed, _ = url.Parse(base) // normalizeURL parsed it
	}
	return to
}

func (to replayTo) url(rec *capture.Record) (string, error) {
	if to.withPath {
		return httpx.JoinURL(to.parsed, rec.Path, rec.Query)
	}
	return to.base, nil
}

// replayRequest rebuilds a captured delivery for sending.
func replayRequest(app *App, r *resolvedSigning, schemes *captureSchemes, rec *capture.Record, to replayTo, extra http.Header) (delivery.Request, error) {
	body, err := rec.Bytes()
	if err != nil {
		return delivery.Request{}, err
	}
	// The record is read for this send alone: its header map becomes the
	// request's, without framing and hop-by-hop headers whatever their case
	// (httpx.Sendable copies it only when it drops one).
	received, err := rec.HeaderBytes()
	if err != nil {
		return delivery.Request{}, err
	}
	h, invalid := httpx.Sendable(received)
	if len(invalid) > 0 {
		app.warn("capture %s: not sent: %s (a name that is not a token, or a value with CR, LF or NUL)", rec.ID, quoteNames(invalid))
	}
	if h == nil {
		h = http.Header{}
	}
	restoreRedacted(app, r, rec, h)
	target, err := to.url(rec)
	if err != nil {
		return delivery.Request{}, err
	}
	for k, v := range extra {
		h[k] = v
	}
	req := delivery.Request{Method: rec.Method, URL: target, Header: h, Body: body}
	if schemes == nil {
		return req, nil
	}
	rs, err := schemes.resigningFor(rec)
	if err != nil {
		return req, err
	}
	for _, name := range rs.drop {
		h.Del(name)
	}
	id := ""
	if rs.scheme.UsesID() {
		id = newMessageID()
	}
	req.Sign = app.freshSigner(rs.signer, body, id, target)
	return req, nil
}

// restoreRedacted puts the configured secret back where the listener
// redacted it, in the record's own headers and query, so a byte-exact
// replay of (say) a Flutterwave delivery carries its verif-hash again, and
// one that came with ?token=SECRET carries its token.
func restoreRedacted(app *App, r *resolvedSigning, rec *capture.Record, h http.Header) {
	if len(rec.Redacted) == 0 && !rec.RedactedQuery {
		return
	}
	if len(r.signing.Secrets) == 0 {
		what := strings.Join(rec.Redacted, ", ")
		if rec.RedactedQuery {
			what = strings.TrimPrefix(what+" and its query", " and ")
		}
		app.warnOnce("capture "+rec.ID+" had "+what+" redacted", "configure the secret (HOOKTOOL_SECRET, --secret-file) to put it back, or use --resign")
		return
	}
	secret := r.signing.Secrets[0]
	signature.RestoreHeaders(h, rec.Redacted, secret)
	if rec.RedactedQuery {
		rec.Query = signature.RestoreQuery(rec.Query, secret)
	}
}

// replaySummary prints what was sent and returns how many failed.
// stopped says --stop-on-failure ended the run early.
func (app *App) replaySummary(results []replayResult, stopped bool) int {
	acked, failed := 0, 0
	byFailure := map[string]int{}
	lat := make([]time.Duration, 0, len(results))
	for _, res := range results {
		lat = append(lat, res.latency)
		if res.failure == "" {
			acked++
			continue
		}
		failed++
		byFailure[res.failure]++
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(p*float64(len(lat)-1)+0.5)]
	}
	if app.JSON {
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		app.writeJSON(app.Streams.Err, map[string]any{
			"type": "summary", "sent": len(results), "acknowledged": acked, "failed": failed, "failed_by": byFailure,
			"latency_ms":         map[string]float64{"p50": ms(pct(0.5)), "p95": ms(pct(0.95)), "max": ms(pct(1))},
			"stopped_on_failure": stopped,
		})
		return failed
	}
	if app.Quiet {
		return failed
	}
	fmt.Fprintf(app.Streams.Err, "hooktool: replayed %d: %d acknowledged, %d failed", len(results), acked, failed)
	if len(byFailure) > 0 {
		keys := make([]string, 0, len(byFailure))
		for k := range byFailure {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s×%d", k, byFailure[k])
		}
		fmt.Fprintf(app.Streams.Err, " (%s)", strings.Join(parts, ", "))
	}
	if len(lat) > 0 {
		fmt.Fprintf(app.Streams.Err, "; latency p50 %s, p95 %s, max %s", formatLatency(pct(0.5)), formatLatency(pct(0.95)), formatLatency(pct(1)))
	}
	if stopped {
		fmt.Fprint(app.Streams.Err, "; stopped at the first failure (--stop-on-failure): later captures were not sent")
	}
	fmt.Fprintln(app.Streams.Err)
	return failed
}

// quoteNames lists header names Go-quoted: a name from a capture file may
// hold anything.
func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
