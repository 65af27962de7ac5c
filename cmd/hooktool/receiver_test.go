package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// receiver is an HTTP server inside the test process that keeps every
// request it gets as a file, for specs that send to it:
//
//	receiver start NAME [-status CODE] [-fail N] [-delay D]
//	    listen on 127.0.0.1 (a free port), set $NAME_URL, and keep each
//	    request as $WORK/NAME/<n>.http (raw HTTP) and <n>.body (exact bytes).
//	    The first N requests get 500; the rest get CODE (default 200).
//	receiver count NAME N
//	    assert NAME has received exactly N requests.
//	receiver stop NAME
//
// Servers left running are stopped when the script ends.
type receiver struct {
	mu     sync.Mutex
	dir    string
	count  int
	status int
	fail   int
	delay  time.Duration
	srv    *http.Server
	ln     net.Listener
}

type receivers struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]map[string]*receiver
}

var running = &receivers{m: map[*testscript.TestScript]map[string]*receiver{}}

func cmdReceiver(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: receiver start|count|stop NAME ...")
	}
	running.mu.Lock()
	byName := running.m[ts]
	if byName == nil {
		byName = map[string]*receiver{}
		running.m[ts] = byName
	}
	running.mu.Unlock()
	name := args[1]
	switch args[0] {
	case "start":
		rc := &receiver{dir: ts.MkAbs(name), status: 200}
		for rest := args[2:]; len(rest) > 0; rest = rest[2:] {
			if len(rest) < 2 {
				ts.Fatalf("receiver start: %s needs a value", rest[0])
			}
			var err error
			switch rest[0] {
			case "-status":
				rc.status, err = strconv.Atoi(rest[1])
			case "-fail":
				rc.fail, err = strconv.Atoi(rest[1])
			case "-delay":
				rc.delay, err = time.ParseDuration(rest[1])
			default:
				ts.Fatalf("receiver start: unknown option %s", rest[0])
			}
			ts.Check(err)
		}
		ts.Check(os.MkdirAll(rc.dir, 0o755))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		rc.srv = &http.Server{Handler: rc, ReadHeaderTimeout: 5 * time.Second}
		rc.ln = ln
		go rc.srv.Serve(ln)
		byName[name] = rc
		ts.Setenv(strings.ToUpper(name)+"_URL", "http://"+ln.Addr().String())
		ts.Defer(func() { rc.srv.Close() })
	case "count":
		rc := byName[name]
		if rc == nil || len(args) != 3 {
			ts.Fatalf("usage: receiver count NAME N (after receiver start NAME)")
		}
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		rc.mu.Lock()
		got := rc.count
		rc.mu.Unlock()
		if got != want {
			ts.Fatalf("receiver %s got %d requests, want %d", name, got, want)
		}
	case "stop":
		if rc := byName[name]; rc != nil {
			// Close the socket itself too: Serve may not have taken it over
			// yet, and a stopped receiver must refuse connections at once.
			rc.ln.Close()
			rc.srv.Close()
			delete(byName, name)
		}
	default:
		ts.Fatalf("usage: receiver start|count|stop NAME ...")
	}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	rc.mu.Lock()
	rc.count++
	n := rc.count
	rc.mu.Unlock()
	var raw bytes.Buffer
	fmt.Fprintf(&raw, "%s %s HTTP/1.1\r\nHost: %s\r\n", r.Method, r.URL.RequestURI(), r.Host)
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range r.Header[k] {
			fmt.Fprintf(&raw, "%s: %s\r\n", k, v)
		}
	}
	raw.WriteString("\r\n")
	raw.Write(body)
	base := filepath.Join(rc.dir, strconv.Itoa(n))
	_ = os.WriteFile(base+".http", raw.Bytes(), 0o644)
	_ = os.WriteFile(base+".body", body, 0o644)
	time.Sleep(rc.delay)
	status := rc.status
	if n <= rc.fail {
		status = 500
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"received":%d}`, n)
}

// cmdHMACCheck checks a kept request's signature independently of hooktool:
//
//	hmaccheck sha256|sha512|sha1 hex|base64 SECRET REQUEST.http HEADER [PREFIX]
//
// It recomputes the HMAC of the request's body with crypto/hmac and
// compares it with the header's value (after PREFIX).
func cmdHMACCheck(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 5 {
		ts.Fatalf("usage: hmaccheck HASH ENCODING SECRET REQUEST HEADER [PREFIX]")
	}
	var h func() hash.Hash
	switch args[0] {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha512":
		h = sha512.New
	default:
		ts.Fatalf("hmaccheck: unknown hash %s", args[0])
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader([]byte(ts.ReadFile(args[3])))))
	ts.Check(err)
	body, err := io.ReadAll(req.Body)
	ts.Check(err)
	m := hmac.New(h, []byte(args[2]))
	m.Write(body)
	want := hex.EncodeToString(m.Sum(nil))
	if args[1] == "base64" {
		want = base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	if len(args) > 5 {
		want = args[5] + want
	}
	got := req.Header.Get(args[4])
	if (got == want) == neg {
		ts.Fatalf("%s: %s = %q, independent HMAC %q", args[3], args[4], got, want)
	}
}
