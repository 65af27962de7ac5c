package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdCIApp runs an app under test for the README's CI job
// (testdata/script/ci_*.txtar): it answers each delivery by how many times
// it has seen its body before, as an app that fails and then recovers does.
//
//	ciapp start NAME MODE
//	    serve on a free loopback port and set $NAME_URL; MODE is
//	    ok (200 to everything), fail (500 to everything) or
//	    first500 (500 to the first attempt of each body, 200 to the
//	    others).
//	ciapp hits NAME N
//	    check the app was sent N requests in all.
func cmdCIApp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: ciapp start NAME MODE | ciapp hits NAME N")
	}
	ciApps.mu.Lock()
	defer ciApps.mu.Unlock()
	if ciApps.m[ts] == nil {
		ciApps.m[ts] = map[string]*ciApp{}
	}
	name := args[1]
	switch args[0] {
	case "start":
		if len(args) != 3 {
			ts.Fatalf("usage: ciapp start NAME ok|fail|first500")
		}
		switch args[2] {
		case "ok", "fail", "first500":
		default:
			ts.Fatalf("ciapp: unknown mode %q", args[2])
		}
		a := &ciApp{mode: args[2], seen: map[[32]byte]int{}}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		ts.Defer(func() { srv.Close() })
		ciApps.m[ts][name] = a
		ts.Setenv(strings.ToUpper(name)+"_URL", "http://"+ln.Addr().String())
	case "hits":
		a := ciApps.m[ts][name]
		if a == nil || len(args) != 3 {
			ts.Fatalf("usage: ciapp hits NAME N (after ciapp start NAME)")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		a.mu.Lock()
		got := a.hits
		a.mu.Unlock()
		if got != want {
			ts.Fatalf("ciapp %s: %d requests, want %d", name, got, want)
		}
	default:
		ts.Fatalf("usage: ciapp start NAME MODE | ciapp hits NAME N")
	}
}

var ciApps = struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]map[string]*ciApp
}{m: map[*testscript.TestScript]map[string]*ciApp{}}

type ciApp struct {
	mode string
	mu   sync.Mutex
	hits int
	seen map[[32]byte]int
}

func (a *ciApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	a.mu.Lock()
	a.hits++
	k := sha256.Sum256(body)
	a.seen[k]++
	n := a.seen[k]
	a.mu.Unlock()
	status := http.StatusOK
	if a.mode == "fail" || a.mode == "first500" && n == 1 {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"attempt":%d,"ok":%t}`, n, status == http.StatusOK)
}
