//go:build unix

package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/hooktool/hooktool/internal/listener"
	"github.com/hooktool/hooktool/internal/tunnel"
	"github.com/hooktool/hooktool/internal/tunnel/tunneltest"
)

// tunnelRig is a listener on loopback and the stand-in cloudflared in
// front of it, started by the tunnel supervisor as `listen --tunnel`
// does.
type tunnelRig struct {
	local, public string
	sup           *tunnel.Supervisor
	client        *http.Client // keeps its connections, trusts the stand-in
	stop          func()
}

var standinOnce struct {
	sync.Once
	dir, bin string
	pool     *x509.CertPool
	err      error
}

func startTunnelRig(tb testing.TB) *tunnelRig {
	tb.Helper()
	s := &standinOnce
	s.Do(func() {
		if s.dir, s.err = os.MkdirTemp("", "hooktool-bench-standin-"); s.err != nil {
			return
		}
		var bin string
		if bin, s.err = tunneltest.Build(s.dir); s.err != nil {
			return
		}
		s.bin = filepath.Join(s.dir, "bin")
		if s.err = tunneltest.Install(bin, s.bin); s.err != nil {
			return
		}
		_, s.pool, s.err = tunneltest.WriteCert(s.dir)
	})
	if s.err != nil {
		tb.Fatal(s.err)
	}
	os.Setenv("STANDIN_DIR", s.dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	rig := &tunnelRig{local: "http://" + ln.Addr().String()}
	rig.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.pool}, MaxIdleConnsPerHost: 4}}
	k, err := tunnel.Parse("cloudflared", tunnel.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	sup, err := tunnel.New(tunnel.Config{Kind: k, Bin: filepath.Join(s.bin, "cloudflared"), Client: rig.client,
		Target: tunnel.Target{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}, CheckInterval: time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	h, err := listener.New(listener.Options{CheckPath: sup.CheckPath(), OnCheck: sup.Arrived, SenderHeader: k.SenderHeader()})
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	if rig.public, err = sup.Start(context.Background()); err != nil {
		srv.Close()
		tb.Fatal(err)
	}
	rig.sup = sup
	rig.stop = func() { sup.Stop(); srv.Close() }
	return rig
}

var tunnelBody = bytes.Repeat([]byte("a"), 1024)

func deliver(b *testing.B, c *http.Client, url string) {
	resp, err := c.Post(url+"/hooks/in", "application/json", bytes.NewReader(tunnelBody))
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("answered %s", resp.Status)
	}
}

// BenchmarkTunnelDelivery sends 1 KiB deliveries one after another to the
// listener directly (path=direct) and through the stand-in tunnel
// (path=tunnel: TLS to a loopback port, a reverse proxy, the listener),
// and reports each path's latency percentiles. The self-check
// (path=selfcheck) is one round trip through the tunnel plus its
// arrival's signal.
func BenchmarkTunnelDelivery(b *testing.B) {
	rig := startTunnelRig(b)
	defer rig.stop()
	for _, path := range []string{"direct", "tunnel", "selfcheck"} {
		b.Run("path="+path, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			deliver(b, rig.client, rig.local) // connections made outside the timing
			deliver(b, rig.client, rig.public)
			if path != "selfcheck" {
				b.SetBytes(int64(len(tunnelBody)))
			}
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				switch path {
				case "direct":
					deliver(b, rig.client, rig.local)
				case "tunnel":
					deliver(b, rig.client, rig.public)
				case "selfcheck":
					if err := rig.sup.Check(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			p50, p99 := percentiles(lat)
			b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
		})
	}
}

func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[len(s)*50/100], s[min(len(s)-1, len(s)*99/100)]
}

// TestTunnelRatios prints the latency of a delivery sent directly and
// through the stand-in tunnel, side by side in one run, and the
// self-check's cost, with their ratios to direct. It runs only when asked:
//
//	HOOKTOOL_BENCH=1 go test ./bench -run TestTunnelRatios -v
//
// HOOKTOOL_BENCH_N sets the deliveries per path (2000 by default).
func TestTunnelRatios(t *testing.T) {
	if os.Getenv("HOOKTOOL_BENCH") != "1" {
		t.Skip("set HOOKTOOL_BENCH=1 to measure")
	}
	n := 2000
	if v := os.Getenv("HOOKTOOL_BENCH_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	rig := startTunnelRig(t)
	defer rig.stop()
	measure := func(send func() error) (p50, p99 time.Duration) {
		lat := make([]time.Duration, 0, n)
		for range n {
			t0 := time.Now()
			if err := send(); err != nil {
				t.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		return percentiles(lat)
	}
	post := func(url string) func() error {
		return func() error {
			resp, err := rig.client.Post(url+"/hooks/in", "application/json", bytes.NewReader(tunnelBody))
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil
		}
	}
	// Warm both paths' connections, then interleave nothing: each path
	// runs n in a row, in the same process.
	post(rig.local)()
	post(rig.public)()
	d50, d99 := measure(post(rig.local))
	t50, t99 := measure(post(rig.public))
	c50, c99 := measure(func() error { return rig.sup.Check(context.Background()) })
	var out strings.Builder
	w := tabwriter.NewWriter(&out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "path\tp50\tp99\tp50 ÷ direct\tp99 ÷ direct\tadded p50\tadded p99\t\n")
	row := func(name string, p50, p99 time.Duration) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%.2f\t%.2f\t%s\t%s\t\n", name, p50, p99, float64(p50)/float64(d50), float64(p99)/float64(d99), p50-d50, p99-d99)
	}
	row("direct", d50, d99)
	row("stand-in tunnel", t50, t99)
	row("self-check", c50, c99)
	w.Flush()
	fmt.Printf("1 KiB deliveries one at a time, %d per path, keep-alive connections:\n%s", n, out.String())
}
