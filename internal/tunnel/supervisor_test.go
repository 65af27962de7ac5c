//go:build unix

package tunnel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/tunnel/tunneltest"
)

// The stand-in clients, built once: standinBin is the directory holding
// them under the clients' names, standinCert the file of the certificate
// their public ports serve, standinPool a pool trusting it.
var (
	standinBin  string
	standinCert string
	standinPool *x509.CertPool
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hooktool-standin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		bin, err := tunneltest.Build(dir)
		if err == nil {
			standinBin = filepath.Join(dir, "bin")
			err = tunneltest.Install(bin, standinBin)
		}
		if err == nil {
			standinCert, standinPool, err = tunneltest.WriteCert(dir)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// app is the listener's stand-in: it answers the self-check (telling the
// supervisor) while checking is on, and records other requests' sender
// headers.
type app struct {
	sup      *Supervisor
	checking atomic.Bool
	mu       sync.Mutex
	got      []http.Header
	srv      *http.Server
	port     int
}

func startApp(t *testing.T) *app {
	t.Helper()
	a := &app{}
	a.checking.Store(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.port = ln.Addr().(*net.TCPAddr).Port
	a.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == a.sup.CheckPath() {
			if a.checking.Load() {
				a.sup.Arrived()
			}
			return
		}
		a.mu.Lock()
		a.got = append(a.got, r.Header.Clone())
		a.mu.Unlock()
		io.WriteString(w, "kept")
	})}
	go a.srv.Serve(ln)
	t.Cleanup(func() { a.srv.Close() })
	return a
}

// supervise builds a Supervisor for kind in front of a, with a state
// directory for the stand-in, and returns both; the watch's clock is
// After (nil: the real one).
func supervise(t *testing.T, kind, mode string, a *app, c Config) (*Supervisor, string) {
	t.Helper()
	state := t.TempDir()
	for _, f := range []string{"cert.pem", "key.pem"} {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(standinCert), f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(state, f), b, 0o600)
	}
	t.Setenv("STANDIN_DIR", state)
	t.Setenv("STANDIN_MODE", mode)
	k, err := Parse(kind, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Kind, c.Bin, c.Target = k, filepath.Join(standinBin, k.Bin()), Target{Host: "127.0.0.1", Port: a.port}
	c.Client = trusting()
	if c.Timeout == 0 {
		c.Timeout = 20 * time.Second
	}
	s, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	a.sup = s
	t.Cleanup(func() { s.Stop() })
	return s, state
}

func trusting() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: standinPool}}}
}

// post sends a delivery to the public URL as a client on the internet
// at sender would.
func post(t *testing.T, public, sender string, header ...string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, public+"/hooks/in", strings.NewReader(`{"event":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Standin-Client", sender)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := trusting().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func pids(t *testing.T, state, name string) []int {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(state, name+".pid"))
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func alive(pid int) bool { return tunneltest.Alive(pid) }

// Each kind learns the stand-in's public URL (from its local API, or from
// its log when the API does not say it), checks it, and a delivery sent to
// it arrives with the sender the client passed on; Stop leaves no client.
func TestKindsLearnTheURLAndRelay(t *testing.T) {
	tests := []struct{ kind, mode, header string }{
		{"cloudflared", "", "Cf-Connecting-Ip"},
		{"cloudflared", "nolog", "Cf-Connecting-Ip"},
		{"cloudflared", "noapi", "Cf-Connecting-Ip"},
		{"ngrok", "", "X-Forwarded-For"},
		{"ngrok", "nolog", "X-Forwarded-For"},
		{"ngrok", "noapi", "X-Forwarded-For"},
		{"tailscale", "", "X-Forwarded-For"},
	}
	for _, tc := range tests {
		t.Run(tc.kind+"/"+tc.mode, func(t *testing.T) {
			a := startApp(t)
			s, state := supervise(t, tc.kind, tc.mode, a, Config{})
			url, err := s.Start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(url, "https://127.0.0.1:") || url == "https://127.0.0.1:"+strconv.Itoa(a.port) {
				t.Fatalf("public URL %q, want the stand-in's public port", url)
			}
			if got := post(t, url, "203.0.113.7"); got != "kept" {
				t.Fatalf("the app answered %q", got)
			}
			a.mu.Lock()
			got := a.got
			a.mu.Unlock()
			if len(got) != 1 || got[0].Get(tc.header) != "203.0.113.7" {
				t.Fatalf("deliveries %v, want one with %s: 203.0.113.7 (the self-check is not one)", got, tc.header)
			}
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			name := tc.kind
			if len(pids(t, state, name)) == 0 {
				t.Fatalf("no run of %s is known: nothing to find stopped", name)
			}
			for _, pid := range pids(t, state, name) {
				if tc.kind != "tailscale" && alive(pid) {
					t.Errorf("%s (pid %d) still runs after Stop", name, pid)
				}
			}
			if tc.kind == "tailscale" {
				off, _ := os.ReadFile(filepath.Join(state, "funnel-off"))
				if string(off) != "funnel --https=443 off\n" {
					t.Errorf("funnel-off calls %q, want the funnel turned off once", off)
				}
				if _, err := os.Stat(filepath.Join(state, "funnel.pid")); err == nil {
					t.Error("the funnel's daemon was left running")
				}
			}
		})
	}
}

// A client that says no URL, or whose URL does not reach the listener,
// is not ready: Start fails within the timeout, and the client is gone.
func TestStartFailsWhenTheCheckDoesNotArrive(t *testing.T) {
	a := startApp(t)
	s, state := supervise(t, "cloudflared", "norelay", a, Config{Timeout: time.Second})
	_, err := s.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no self-check request sent to https://127.0.0.1:") || !errors.Is(err, ErrNotArrived) {
		t.Fatalf("Start: %v, want the self-check not arrived", err)
	}
	for _, pid := range pids(t, state, "cloudflared") {
		if alive(pid) {
			t.Errorf("cloudflared (pid %d) left running", pid)
		}
	}
}

// watchClock is the watch's clock in tests: the self-check interval
// (an hour) fires when the test says; restart backoffs fire at once.
type watchClock struct{ tick chan time.Time }

func (c *watchClock) after(d time.Duration) <-chan time.Time {
	if d == time.Hour {
		return c.tick
	}
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func collect(events chan Event, n int, t *testing.T) []Event {
	t.Helper()
	var out []Event
	for len(out) < n {
		select {
		case e := <-events:
			out = append(out, e)
		case <-time.After(30 * time.Second):
			t.Fatalf("events %v: want %d", out, n)
		}
	}
	return out
}

// The client killed: the watch says it at once, restarts it, and says
// the new public URL; a delivery to the new URL arrives.
func TestWatchRestartsAKilledClient(t *testing.T) {
	a := startApp(t)
	events := make(chan Event, 1000)
	clock := &watchClock{tick: make(chan time.Time)}
	s, state := supervise(t, "ngrok", "", a, Config{CheckInterval: time.Hour, After: clock.after, OnEvent: func(e Event) { events <- e }})
	first, err := s.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pid := pids(t, state, "ngrok")[0]
	syscall.Kill(pid, syscall.SIGKILL)
	ev := collect(events, 3, t)
	if ev[0].State != Down || !strings.Contains(ev[0].Err.Error(), "ngrok exited (signal: killed") {
		t.Fatalf("first event %+v, want down: ngrok exited", ev[0])
	}
	if ev[1].State != Restarting || ev[1].Attempt != 1 || ev[1].Wait != time.Second {
		t.Fatalf("second event %+v, want restarting, attempt 1 after 1s", ev[1])
	}
	if ev[2].State != Up || !ev[2].Changed || ev[2].URL == first || ev[2].URL != s.URL() {
		t.Fatalf("third event %+v (first URL %s), want up with a new URL", ev[2], first)
	}
	if post(t, ev[2].URL, "203.0.113.9") != "kept" {
		t.Fatal("a delivery to the new URL did not arrive")
	}
	if n := len(pids(t, state, "ngrok")); n != 2 {
		t.Fatalf("%d runs of ngrok, want 2", n)
	}
}

// A self-check that does not arrive takes the tunnel down: the watch
// says so, restarts the client, and retries with backoff until a check
// arrives again.
func TestWatchRestartsOnAFailedCheck(t *testing.T) {
	a := startApp(t)
	events := make(chan Event, 1000)
	clock := &watchClock{tick: make(chan time.Time)}
	s, state := supervise(t, "cloudflared", "", a, Config{Timeout: 2 * time.Second, CheckInterval: time.Hour, After: clock.after, OnEvent: func(e Event) { events <- e }})
	if _, err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.checking.Store(false)
	clock.tick <- time.Time{}
	ev := collect(events, 3, t)
	if ev[0].State != Down || !errors.Is(ev[0].Err, ErrNotArrived) {
		t.Fatalf("first event %+v, want down: the self-check did not arrive", ev[0])
	}
	if ev[1].State != Restarting || ev[2].State != Down {
		t.Fatalf("events %+v, want restarting then down again (the check still fails)", ev)
	}
	a.checking.Store(true)
	ev = collect(events, 2, t)
	if ev[0].State != Restarting || ev[0].Attempt != 2 || ev[1].State != Up || !ev[1].Changed {
		t.Fatalf("events %+v, want restarting (attempt 2) then up with a new URL", ev)
	}
	if n := len(pids(t, state, "cloudflared")); n != 3 {
		t.Fatalf("%d runs of cloudflared, want 3", n)
	}
}

func TestParse(t *testing.T) {
	for _, k := range []string{"cloudflared", "ngrok", "tailscale"} {
		got, err := Parse(k, Options{})
		if err != nil || got.Name() != k || got.Bin() != k {
			t.Errorf("Parse(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := Parse("frp", Options{}); err == nil || !strings.Contains(err.Error(), "cloudflared, ngrok, tailscale, ssh:") {
		t.Errorf("Parse(frp): %v, want the kinds named", err)
	}
	if _, err := Parse("ssh:", Options{}); err == nil {
		t.Error("Parse(ssh:) accepted no destination")
	}
}

func TestBackoffDoubles(t *testing.T) {
	b := DoublingBackoff(time.Second, 30*time.Second)
	var got []time.Duration
	for n := 1; n <= 7; n++ {
		got = append(got, b(n))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("backoff %v, want %v seconds", got, want)
		}
	}
}

// --tunnel-url: a client that says no URL is reachable at the one given,
// and Start checks that one.
func TestStartWithTheURLGiven(t *testing.T) {
	a := startApp(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	given := "https://127.0.0.1:" + port
	s, _ := supervise(t, "cloudflared", "nolog,noapi", a, Config{Options: Options{URL: given}})
	t.Setenv("STANDIN_PORT", port)
	url, err := s.Start(context.Background())
	if err != nil || url != given {
		t.Fatalf("Start: %q, %v; want %s", url, err, given)
	}
}

// A client whose output is still held by a process that left its group
// (a daemon it started) does not hold up Stop.
func TestStopDoesNotWaitForADaemonsOutput(t *testing.T) {
	p, err := startProc("sh", []string{"-c", "setsid sh -c 'echo $$; exec sleep 30' &"}, io.Discard, nil, func(line string) (string, bool) { return line, true })
	if err != nil {
		t.Fatal(err)
	}
	daemon, err := strconv.Atoi(<-p.urls)
	if err != nil {
		t.Fatal(err)
	}
	defer tunneltest.Kill(daemon)
	<-p.exited
	done := make(chan struct{})
	go func() { p.stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop waited for the daemon's output")
	}
}
