package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchBody is the size of bench/replay.sh's signed body.
var benchBody = []byte(`{"event":"payment.succeeded","data":{"id":"` + strings.Repeat("x", 568-50) + `"}}`)

const benchConcurrency = 32

// benchURL is the sink's URL: $HOOKTOOL_BENCH_URL (a sink in another
// process, such as bench/bare, so that cpu-ns/op is the client's alone),
// or a local httptest server.
func benchURL(b *testing.B) string {
	b.Helper()
	if u := os.Getenv("HOOKTOOL_BENCH_URL"); u != "" {
		return u
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// sendAll runs send b.N times over benchConcurrency goroutines.
func sendAll(b *testing.B, send func() error) {
	b.Helper()
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	b.ResetTimer()
	for range benchConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := send(); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed: %v", n, b.N, firstErr.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	// The process's CPU time per request (the client's and, without
	// $HOOKTOOL_BENCH_URL, the server's): steadier than req/s on a machine
	// shared with other work.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSendConcurrent32 sends deliveries of bench/replay.sh's body size
// at concurrency 32 to a local server through one Client, as
// `replay --concurrency 32` does.
func BenchmarkSendConcurrent32(b *testing.B) {
	c := New(Options{Timeout: 10 * time.Second, UserAgent: "hooktool/bench", Concurrency: benchConcurrency})
	h := http.Header{"Content-Type": {"application/json"}, "X-Aella-Signature": {strings.Repeat("ab", 64)}}
	url := benchURL(b) + "/hook"
	sendAll(b, func() error {
		as := c.Send(context.Background(), Request{Method: http.MethodPost, URL: url, Header: h, Body: benchBody})
		if a := as[len(as)-1]; !a.Acknowledged() {
			return fmt.Errorf("status %d: %v", a.Status, a.Err)
		}
		return nil
	})
}

// BenchmarkHeyLike sends the same requests the way hey does (a cloned
// request with a client trace through http.Client.Do, the answer copied to
// io.Discard), with hey's transport: BenchmarkSendConcurrent32 over this
// is the ratio bench/replay.sh measures between replay and hey.
func BenchmarkHeyLike(b *testing.B) {
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as hey
		MaxIdleConnsPerHost: benchConcurrency,
		DisableCompression:  true,
		Proxy:               http.ProxyFromEnvironment,
	}}
	base, err := http.NewRequest(http.MethodPost, benchURL(b)+"/hook", nil)
	if err != nil {
		b.Fatal(err)
	}
	base.Header = http.Header{"Content-Type": {"application/json"}, "X-Aella-Signature": {strings.Repeat("ab", 64)}, "User-Agent": {"hey/0.0.1"}}
	sendAll(b, func() error {
		req := base.Clone(context.Background())
		req.Header = base.Header.Clone()
		req.Body = io.NopCloser(bytes.NewReader(benchBody))
		req.ContentLength = int64(len(benchBody))
		var got, wrote time.Time
		trace := &httptrace.ClientTrace{
			GotConn:              func(httptrace.GotConnInfo) { got = time.Now() },
			WroteRequest:         func(httptrace.WroteRequestInfo) { wrote = time.Now() },
			GotFirstResponseByte: func() { _ = got.Sub(wrote) },
		}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}
