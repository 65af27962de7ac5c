package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// got is one request a test target received.
type got struct {
	method, uri string
	header      http.Header
	body        string
}

// target is a local receiver that keeps what it gets and answers with
// answer (200 when nil).
type target struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []got
	answer func(r *http.Request) int
}

func newTarget(t *testing.T, answer func(*http.Request) int) *target {
	t.Helper()
	tg := &target{answer: answer}
	tg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.reqs = append(tg.reqs, got{r.Method, r.RequestURI, r.Header.Clone(), string(b)})
		tg.mu.Unlock()
		code := 200
		if tg.answer != nil {
			code = tg.answer(r)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(tg.srv.Close)
	return tg
}

func (tg *target) got() []got {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]got(nil), tg.reqs...)
}

// records are n captures, each with its own path (/0, /1, ...).
func records(n int) []*capture.Record {
	out := make([]*capture.Record, n)
	for i := range out {
		rec := &capture.Record{V: 1, ID: fmt.Sprintf("C%03d", i), Method: "POST", Path: fmt.Sprintf("/%d", i),
			Headers: http.Header{"Content-Type": {"application/json"}}, ReceivedAt: time.Unix(1_700_000_000, 0)}
		rec.SetBody([]byte(fmt.Sprintf(`{"n":%d}`, i)))
		out[i] = rec
	}
	return out
}

// source gives recs in order.
func source(recs []*capture.Record) Source {
	return func(each func(*capture.Record) error) error {
		for _, r := range recs {
			if err := each(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// options are a replay of recs to tg, appending each capture's path.
func options(t *testing.T, tg *target, recs []*capture.Record) Options {
	t.Helper()
	to, err := NewTarget(tg.srv.URL+"/", httpx.PathReplace)
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Source: source(recs), Target: to, Concurrency: 1,
		Client: delivery.New(delivery.Options{Timeout: 5 * time.Second, Backoff: time.Millisecond}),
	}
}

func TestRunSendsEveryCaptureInOrderWithConcurrencyOne(t *testing.T) {
	tg := newTarget(t, nil)
	recs := records(20)
	var done []string
	o := options(t, tg, recs)
	o.OnDone = func(d *Delivery, last delivery.Attempt) { done = append(done, d.Record.ID) }
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	reqs := tg.got()
	if len(reqs) != len(recs) {
		t.Fatalf("target got %d requests, want %d", len(reqs), len(recs))
	}
	for i, r := range reqs {
		if want := fmt.Sprintf("/%d", i); r.uri != want || r.body != fmt.Sprintf(`{"n":%d}`, i) {
			t.Errorf("request %d: %s %q, want %s in capture order", i, r.uri, r.body, want)
		}
		if done[i] != recs[i].ID {
			t.Errorf("OnDone %d saw %s, want %s", i, done[i], recs[i].ID)
		}
	}
	if sum.Sent != 20 || sum.Acknowledged != 20 || sum.Failed != 0 || sum.Stopped || len(sum.FailedBy) != 0 {
		t.Errorf("summary %+v", sum)
	}
	if sum.Latency.Max <= 0 || sum.Latency.P50 > sum.Latency.P95 || sum.Latency.P95 > sum.Latency.Max {
		t.Errorf("latency percentiles %+v", sum.Latency)
	}
}

// TestRunBoundsConcurrency holds every request at the target until as
// many as Concurrency are in flight: the pool reaches its bound and never
// goes past it.
func TestRunBoundsConcurrency(t *testing.T) {
	const workers = 4
	var inflight, most atomic.Int32
	full := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	tg := newTarget(t, func(*http.Request) int {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if n == workers {
			once.Do(func() { close(full) })
		}
		<-release
		return 200
	})
	o := options(t, tg, records(3*workers))
	o.Concurrency = workers
	done := make(chan Summary)
	go func() {
		sum, err := Run(context.Background(), o)
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	select {
	case <-full:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatalf("never %d requests in flight at once (most: %d)", workers, most.Load())
	}
	close(release)
	sum := <-done
	if m := most.Load(); m != workers {
		t.Errorf("at most %d requests were in flight, want %d", m, workers)
	}
	if sum.Sent != 3*workers || sum.Acknowledged != 3*workers {
		t.Errorf("summary %+v", sum)
	}
}

// gate is a rate limiter that lets a request through for each token the
// test gives.
type gate struct {
	tokens chan struct{}
	waits  atomic.Int32
}

func (g *gate) Wait(ctx context.Context) error {
	g.waits.Add(1)
	select {
	case <-g.tokens:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestRunWaitsForTheLimiterBeforeEachSend counts: with k tokens given, the
// target has exactly k requests, whatever the concurrency.
func TestRunWaitsForTheLimiterBeforeEachSend(t *testing.T) {
	tg := newTarget(t, nil)
	o := options(t, tg, records(10))
	o.Concurrency = 8
	g := &gate{tokens: make(chan struct{})}
	o.limiter = g
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Summary)
	go func() {
		sum, _ := Run(ctx, o)
		done <- sum
	}()
	for k := 1; k <= 3; k++ {
		g.tokens <- struct{}{}
		waitFor(t, func() bool { return len(tg.got()) == k })
		if n := len(tg.got()); n != k {
			t.Fatalf("after %d tokens the target got %d requests", k, n)
		}
	}
	cancel()
	sum := <-done
	if sum.Sent != 3 || len(tg.got()) != 3 {
		t.Errorf("cancelled after 3 tokens: sent %d, target got %d", sum.Sent, len(tg.got()))
	}
}

// waitFor polls cond (a condition on another goroutine's progress, not a
// timing measure) for up to ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
}

func TestRunStopsOnFailure(t *testing.T) {
	tg := newTarget(t, func(*http.Request) int { return 500 })
	o := options(t, tg, records(10))
	o.StopOnFailure = true
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tg.got()); n != 1 {
		t.Errorf("target got %d requests after the first failed, want 1", n)
	}
	if !sum.Stopped || sum.Sent != 1 || sum.Failed != 1 || sum.FailedBy["500"] != 1 {
		t.Errorf("summary %+v", sum)
	}
	// Without it, every capture is tried.
	o = options(t, tg, records(10))
	sum, _ = Run(context.Background(), o)
	if sum.Stopped || sum.Sent != 10 || sum.FailedBy["500"] != 10 {
		t.Errorf("without StopOnFailure: summary %+v", sum)
	}
}

func TestRunCountsErrorsByKind(t *testing.T) {
	tg := newTarget(t, nil)
	o := options(t, tg, records(2))
	tg.srv.Close() // nothing listens
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 2 || sum.FailedBy[string(delivery.KindRefused)] != 2 {
		t.Errorf("summary %+v, want 2 connection_refused", sum)
	}
}

// TestRunStopsAtACaptureItCannotSend: a body that does not decode is a
// *CaptureError; what came before is sent and summed up, nothing after.
func TestRunStopsAtACaptureItCannotSend(t *testing.T) {
	tg := newTarget(t, nil)
	recs := records(3)
	recs[1].Body, recs[1].BodyEncoding = "%%%", capture.BodyBase64
	sum, err := Run(context.Background(), options(t, tg, recs))
	var ce *CaptureError
	if !errors.As(err, &ce) || ce.ID != recs[1].ID {
		t.Fatalf("error %v, want a CaptureError for %s", err, recs[1].ID)
	}
	if len(tg.got()) != 1 || sum.Sent != 1 || sum.Stopped {
		t.Errorf("target got %d, summary %+v: want the first capture only", len(tg.got()), sum)
	}
}

func TestRunReturnsTheSourceError(t *testing.T) {
	tg := newTarget(t, nil)
	o := options(t, tg, records(1))
	bad := errors.New("file.jsonl:2: not a capture record")
	inner := o.Source
	o.Source = func(each func(*capture.Record) error) error {
		if err := inner(each); err != nil {
			return err
		}
		return bad
	}
	sum, err := Run(context.Background(), o)
	if !errors.Is(err, bad) || sum.Sent != 1 {
		t.Errorf("Run: %v, sent %d; want the source's error after 1 sent", err, sum.Sent)
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	tg := newTarget(t, nil)
	for name, change := range map[string]func(*Options){
		"concurrency 0":    func(o *Options) { o.Concurrency = 0 },
		"concurrency 1025": func(o *Options) { o.Concurrency = MaxConcurrency + 1 },
		"rate -1":          func(o *Options) { o.Rate = -1 },
		"resign, no secret": func(o *Options) {
			o.Resign, o.Schemes, o.Now, o.NewID = true, NewSchemes(SchemeOptions{}), time.Now, func() string { return "x" }
		},
		"no client":          func(o *Options) { o.Client = nil },
		"resign, no schemes": func(o *Options) { o.Resign, o.Secrets = true, []signature.Secret{signature.NewSecret("s")} },
		"set Content-Length": func(o *Options) { o.Header = http.Header{"Content-Length": {"1"}} },
		"set Host":           func(o *Options) { o.Header = http.Header{"Host": {"evil.example"}} },
		"set a CR":           func(o *Options) { o.Header = http.Header{"X-A": {"a\rb"}} },
		"unset Transfer-Enc": func(o *Options) { o.UnsetHeader = []string{"transfer-encoding"} },
		"unset a bad name":   func(o *Options) { o.UnsetHeader = []string{"Bad Name"} },
	} {
		o := options(t, tg, records(1))
		change(&o)
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(tg.got()); n != 0 {
		t.Errorf("refused options sent %d requests", n)
	}
}

// TestRunHeaders: the record's headers are sent but for framing and
// hop-by-hop ones (silently) and invalid ones (reported); -H headers
// replace captured ones.
func TestRunHeaders(t *testing.T) {
	tg := newTarget(t, nil)
	rec := records(1)[0]
	rec.Headers = http.Header{
		"X-Custom": {"kept"}, "X-Repeat": {"one", "two"}, "Connection": {"keep-alive, X-Drop"}, "X-Drop": {"hop"},
		"Bad Name": {"v"}, "X-Override": {"captured"},
	}
	o := options(t, tg, []*capture.Record{rec})
	o.Header = http.Header{"X-Override": {"flag"}}
	var dropped []string
	o.OnDropped = func(r *capture.Record, names []string) { dropped = append(dropped, names...) }
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	h := tg.got()[0].header
	if h.Get("X-Custom") != "kept" || strings.Join(h["X-Repeat"], ",") != "one,two" || h.Get("X-Override") != "flag" {
		t.Errorf("sent headers %v", h)
	}
	if h.Get("X-Drop") != "" || h.Get("Bad Name") != "" {
		t.Errorf("hop-by-hop or invalid header sent: %v", h)
	}
	if len(dropped) != 1 || dropped[0] != "Bad Name" {
		t.Errorf("OnDropped saw %q, want the invalid name", dropped)
	}
}

// TestRunHeaderEdits: UnsetHeader takes captured headers out whatever
// their case, Header replaces them (all values of the name), and the
// record itself is not changed.
func TestRunHeaderEdits(t *testing.T) {
	tg := newTarget(t, nil)
	rec := records(1)[0]
	rec.Headers = http.Header{"X-Gone": {"a"}, "x-lower": {"b"}, "X-Set": {"old1", "old2"}, "X-Kept": {"k"}}
	before := rec.Headers.Clone()
	o := options(t, tg, []*capture.Record{rec})
	o.UnsetHeader = []string{"x-gone", "X-Lower", "X-Absent"}
	o.Header = http.Header{"X-Set": {"new"}, "X-Added": {"1", "2"}}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	h := tg.got()[0].header
	if h.Get("X-Gone") != "" || h.Get("X-Lower") != "" || strings.Join(h["X-Set"], ",") != "new" ||
		strings.Join(h["X-Added"], ",") != "1,2" || h.Get("X-Kept") != "k" {
		t.Errorf("sent headers %v", h)
	}
	if !reflect.DeepEqual(rec.Headers, before) {
		t.Errorf("the record's headers changed: %v", rec.Headers)
	}
}

// TestSchemesSignatureHeaders: the headers a re-signing makes anew are
// the resolved scheme's and the recorded one's.
func TestSchemesSignatureHeaders(t *testing.T) {
	github, _ := signature.Lookup("github", signature.Options{})
	rec := records(1)[0]
	rec.Scheme = "stripe"
	got, err := NewSchemes(SchemeOptions{Fixed: github}).SignatureHeaders(rec)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"X-Hub-Signature-256", "Stripe-Signature"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SignatureHeaders = %q, want %q", got, want)
	}
	rec.Scheme, rec.Provider = "", ""
	if _, err := NewSchemes(SchemeOptions{}).SignatureHeaders(rec); err == nil {
		t.Errorf("no scheme: no error")
	}
}

func TestRunKeepsTheTargetHost(t *testing.T) {
	tg := newTarget(t, nil)
	recs := records(1)
	recs[0].Path = "//evil.example/x"
	// A path that reads as another host stays a path on the target.
	if _, err := Run(context.Background(), options(t, tg, recs)); err != nil {
		t.Fatal(err)
	}
	if got := tg.got(); len(got) != 1 || got[0].uri != "//evil.example/x" {
		t.Errorf("target got %+v, want the path //evil.example/x", got)
	}
	// The target URL as it is, under httpx.PathExact.
	to, _ := NewTarget(tg.srv.URL+"/fixed", httpx.PathExact)
	o := options(t, tg, records(1))
	o.Target = to
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if got := tg.got(); got[len(got)-1].uri != "/fixed" {
		t.Errorf("sent to %q, want /fixed", got[len(got)-1].uri)
	}
}

// redacted returns rec with the secret in its verif-hash header, its path
// (/0/SECRET) and token query redacted as the listener keeps them.
func redacted(t *testing.T, secret signature.Secret) *capture.Record {
	t.Helper()
	fw, err := signature.Lookup("flutterwave", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	red := signature.NewRedactor(fw, []signature.Secret{secret})
	rec := records(1)[0]
	rec.Headers, rec.Redacted = red.Headers(http.Header{"Verif-Hash": {secret.Reveal()}, "X-Other": {"o"}})
	rec.Query, rec.RedactedQuery = red.Query("token=" + secret.Reveal() + "&a=1")
	rec.Path, rec.RedactedPath = red.Path(rec.Path + "/" + secret.Reveal())
	if len(rec.Redacted) != 1 || !rec.RedactedQuery || !rec.RedactedPath || strings.Contains(rec.Query+rec.Path, secret.Reveal()) {
		t.Fatalf("the redactor kept %v %q %q", rec.Headers, rec.Path, rec.Query)
	}
	return rec
}

func TestRunRestoresRedactedSecrets(t *testing.T) {
	secret := signature.NewSecret("fw-SECRET-1")
	tg := newTarget(t, nil)
	o := options(t, tg, []*capture.Record{redacted(t, secret)})
	o.Secrets = []signature.Secret{secret}
	o.OnUnrestored = func(*capture.Record) { t.Error("OnUnrestored with a secret configured") }
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	g := tg.got()[0]
	if g.header.Get("Verif-Hash") != "fw-SECRET-1" || g.uri != "/0/fw-SECRET-1?token=fw-SECRET-1&a=1" {
		t.Errorf("sent %q with verif-hash %q: want the secret back in all three", g.uri, g.header.Get("Verif-Hash"))
	}

	// No secret configured: said once per capture, sent as kept.
	var unrestored []string
	o = options(t, tg, []*capture.Record{redacted(t, secret)})
	o.OnUnrestored = func(r *capture.Record) { unrestored = append(unrestored, r.ID) }
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	g = tg.got()[1]
	if len(unrestored) != 1 || strings.Contains(g.uri, "fw-SECRET") || g.header.Get("Verif-Hash") != signature.Redacted {
		t.Errorf("without a secret: unrestored %v, sent %q %v", unrestored, g.uri, g.header)
	}
}

// TestRunResign: each delivery is signed anew under the scheme resolved,
// the old signature's headers dropped, and the result verifies.
func TestRunResign(t *testing.T) {
	secret := signature.NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	stripe, _ := signature.Lookup("stripe", signature.Options{})
	github, _ := signature.Lookup("github", signature.Options{})
	now := time.Unix(1_800_000_000, 0)
	old := time.Unix(1_700_000_000, 0)
	recs := records(3)
	for _, rec := range recs {
		body, _ := rec.Bytes()
		fields, err := signature.Sign(stripe, secret, signature.SignInput{Body: body, Timestamp: old})
		if err != nil {
			t.Fatal(err)
		}
		rec.Headers.Set(fields[0].Name, fields[0].Value)
		rec.Scheme = "stripe"
	}
	for _, tc := range []struct {
		name   string
		fixed  signature.Scheme
		want   signature.Scheme
		header string
	}{
		{"recorded scheme", nil, stripe, "Stripe-Signature"},
		{"fixed scheme", github, github, "X-Hub-Signature-256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t, nil)
			o := options(t, tg, recs)
			o.Resign, o.Secrets = true, []signature.Secret{secret}
			o.Schemes = NewSchemes(SchemeOptions{Fixed: tc.fixed})
			o.Now, o.NewID = func() time.Time { return now }, func() string { return "msg_test" }
			if _, err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			vf, err := signature.NewVerifier(tc.want, []signature.Secret{secret})
			if err != nil {
				t.Fatal(err)
			}
			for i, g := range tg.got() {
				if tc.fixed != nil && g.header.Get("Stripe-Signature") != "" {
					t.Errorf("request %d: the old stripe signature was sent with the new %s one", i, tc.header)
				}
				if n := len(g.header.Values(tc.header)); n != 1 {
					t.Errorf("request %d: %d %s headers, want 1", i, n, tc.header)
				}
				v := vf.Verify(signature.Message{Header: g.header, Body: []byte(g.body)}, signature.VerifyOptions{Now: now, Tolerance: 5 * time.Minute})
				if !v.Valid {
					t.Errorf("request %d: re-signed delivery does not verify: %s %s", i, v.Reason, v.Message)
				}
				if g.body != fmt.Sprintf(`{"n":%d}`, i) {
					t.Errorf("request %d: body %q changed", i, g.body)
				}
			}
		})
	}
}

func TestRunResignNeedsAScheme(t *testing.T) {
	tg := newTarget(t, nil)
	o := options(t, tg, records(2))
	o.Resign, o.Secrets = true, []signature.Secret{signature.NewSecret("s")}
	o.Schemes = NewSchemes(SchemeOptions{})
	o.Now, o.NewID = time.Now, func() string { return "x" }
	_, err := Run(context.Background(), o)
	if !errors.Is(err, ErrNoScheme) || len(tg.got()) != 0 {
		t.Errorf("Run: %v, sent %d; want ErrNoScheme and nothing sent", err, len(tg.got()))
	}
	// A secret the scheme cannot use stops it just the same.
	swh, _ := signature.Lookup("standard-webhooks", signature.Options{})
	o.Schemes = NewSchemes(SchemeOptions{Fixed: swh})
	o.Secrets = []signature.Secret{signature.NewSecret("whsec_%%%")}
	_, err = Run(context.Background(), o)
	var se *signature.SecretError
	if !errors.As(err, &se) || len(tg.got()) != 0 {
		t.Errorf("Run: %v; want a SecretError and nothing sent", err)
	}
}

func TestPercentiles(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	p := percentiles(lat)
	if p.P50 != 51*time.Millisecond || p.P95 != 95*time.Millisecond || p.Max != 100*time.Millisecond {
		t.Errorf("percentiles %+v", p)
	}
	if percentiles(nil) != (Percentiles{}) {
		t.Error("percentiles of nothing are not zero")
	}
}
