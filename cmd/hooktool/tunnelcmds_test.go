package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/tunnel/tunneltest"
	"github.com/rogpeppe/go-internal/testscript"
)

// The stand-in tunnel clients (internal/tunnel/testdata/standin), built
// once per test run.
var standin struct {
	once sync.Once
	bin  string
	err  error
}

// cmdTunnel drives the stand-in tunnel clients of the tunnel specs
// (testdata/script/tunnel_*.txtar):
//
//	tunnel install
//	    put cloudflared, ngrok and tailscale (the stand-ins) first on PATH,
//	    with their state in $WORK/standin ($STANDIN_DIR), and trust the
//	    certificate of their public ports (SSL_CERT_FILE)
//	tunnel post URL BODYFILE ['Name: value']...
//	    as the post command, trusting that certificate; X-Standin-Client
//	    names the sender on the internet the client passes on
//	tunnel kill NAME
//	    SIGKILL the latest run of client NAME
//	tunnel runs NAME N [TIMEOUT]
//	    wait until client NAME has been started N times
//	tunnel gone NAME [TIMEOUT]
//	    wait until no run of client NAME is left
//	tunnel changed FILE OLD [TIMEOUT]
//	    wait until FILE holds something other than OLD, and set $CHANGED
//	    to it
func cmdTunnel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: tunnel install|post|kill|runs|gone|changed ...")
	}
	state := ts.MkAbs("standin")
	timeout := func(i int) time.Duration {
		if len(args) > i {
			d, err := time.ParseDuration(args[i])
			ts.Check(err)
			return d
		}
		return 20 * time.Second
	}
	switch args[0] {
	case "install":
		standin.once.Do(func() {
			dir, err := os.MkdirTemp("", "hooktool-standin-")
			if err != nil {
				standin.err = err
				return
			}
			standin.bin, standin.err = tunneltest.Build(dir)
		})
		ts.Check(standin.err)
		bin := ts.MkAbs("bin")
		ts.Check(tunneltest.Install(standin.bin, bin))
		ts.Check(os.MkdirAll(state, 0o755))
		cert, _, err := tunneltest.WriteCert(state)
		ts.Check(err)
		ts.Setenv("PATH", bin+string(os.PathListSeparator)+ts.Getenv("PATH"))
		ts.Setenv("STANDIN_DIR", state)
		ts.Setenv("SSL_CERT_FILE", cert)
	case "post":
		if len(args) < 3 {
			ts.Fatalf("usage: tunnel post URL BODYFILE ['Name: value']...")
		}
		pem, err := os.ReadFile(filepath.Join(state, "cert.pem"))
		ts.Check(err)
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		body, err := os.ReadFile(ts.MkAbs(args[2]))
		ts.Check(err)
		req, err := http.NewRequest(http.MethodPost, args[1], bytes.NewReader(body))
		ts.Check(err)
		for _, h := range args[3:] {
			k, v, ok := strings.Cut(h, ":")
			if !ok {
				ts.Fatalf("tunnel post: header %q is not 'Name: value'", h)
			}
			req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		resp, err := client.Do(req)
		ts.Check(err)
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		fmt.Fprintf(ts.Stdout(), "status %d\n%s\n", resp.StatusCode, out)
	case "kill":
		pids := standinPids(ts, state, args[1])
		if len(pids) == 0 {
			ts.Fatalf("no run of %s", args[1])
		}
		ts.Check(tunneltest.Kill(pids[len(pids)-1]))
	case "runs":
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		waitFor(ts, timeout(3), func() bool { return len(standinPids(ts, state, args[1])) >= n }, "%s started %d times", args[1], n)
	case "gone":
		// A client that never started (no pid written) is not one gone.
		if len(standinPids(ts, state, args[1])) == 0 {
			ts.Fatalf("tunnel gone %s: no run of it is known", args[1])
		}
		waitFor(ts, timeout(2), func() bool {
			for _, pid := range standinPids(ts, state, args[1]) {
				if tunneltest.Alive(pid) {
					return false
				}
			}
			return true
		}, "every run of %s gone", args[1])
	case "changed":
		var now string
		waitFor(ts, timeout(3), func() bool {
			b, _ := os.ReadFile(ts.MkAbs(args[1]))
			now = strings.TrimSpace(string(b))
			return now != "" && now != args[2]
		}, "%s to change from %s", args[1], args[2])
		ts.Setenv("CHANGED", now)
	default:
		ts.Fatalf("tunnel: unknown subcommand %s", args[0])
	}
}

func standinPids(ts *testscript.TestScript, state, name string) []int {
	b, _ := os.ReadFile(filepath.Join(state, name+".pid"))
	var out []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		ts.Check(err)
		out = append(out, n)
	}
	return out
}

func waitFor(ts *testscript.TestScript, timeout time.Duration, ok func() bool, format string, a ...any) {
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			ts.Fatalf("waited %s for "+format, append([]any{timeout}, a...)...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
