package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/rogpeppe/go-internal/testscript"
)

// Commands for the fault specs (testdata/script/faults*.txtar): sustained
// load that survives the listener's death, a check of what was acknowledged
// against what was kept, misbehaving raw clients, and an app that hangs,
// resets or is slow on some paths only. Every one is bounded in count and
// time, and talks to loopback only.

// ---- load --------------------------------------------------------------------

// cmdLoad sends many distinct deliveries at once and notes each one that was
// acknowledged (2xx):
//
//	load run [-close] [-path P] [-for D] URL N CONCURRENCY ACKFILE
//	load start NAME [-close] [-path P] [-for D] URL N CONCURRENCY ACKFILE
//	    run: send and wait; start: send in the background.
//	    Delivery i (0 <= i < N) has the body loadBody(i). Each 2xx answer
//	    appends "i ID" to ACKFILE at once (ID from the listener's answer
//	    {"received":true,"id":...}, "-" if none). The first connection error
//	    (the listener was killed or stopped) stops sending: requests already
//	    in flight end, no new one starts. Errors never fail the command: they
//	    are counted. -close sends each delivery on a new connection; -for
//	    bounds the sending time (default 20s); each request gets 10s.
//	load waitacks NAME K [TIMEOUT]
//	    wait until NAME has K acknowledged deliveries (fails if it ends first).
//	load waitinflight NAME CAPTUREFILE K [TIMEOUT]
//	    wait until CAPTUREFILE holds K of NAME's deliveries that NAME has
//	    not seen acknowledged: the listener accepted and kept them and has
//	    not answered yet (it answers only after keeping). A count of
//	    acknowledgements says nothing of that: a load of keep-alive waves
//	    can have every request answered and the next ones not yet read.
//	load wait NAME
//	    wait for NAME to end, print what happened and set $NAME_ACKED:
//	    "load NAME: sent S, acked A, not acked X, errors E (refused R, cut C, timeout T, other O)",
//	    then "acked after the last wait: M" (those answered after the
//	    last waitacks or waitinflight returned: in flight when a script
//	    acted on it) and the first error.
func cmdLoad(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: load run|start|waitacks|wait ...")
	}
	switch args[0] {
	case "run":
		l := startLoad(ts, "run", args[1:])
		<-l.done
		l.report(ts, "run")
	case "start":
		if len(args) < 2 {
			ts.Fatalf("usage: load start NAME [-close] [-path P] [-for D] URL N CONCURRENCY ACKFILE")
		}
		name := args[1]
		if loads.get(ts, name) != nil {
			ts.Fatalf("load %s is already running", name)
		}
		loads.set(ts, name, startLoad(ts, name, args[2:]))
		ts.Defer(func() { loads.set(ts, name, nil) })
	case "waitacks":
		if len(args) < 3 || len(args) > 4 {
			ts.Fatalf("usage: load waitacks NAME K [TIMEOUT]")
		}
		l := loads.get(ts, args[1])
		if l == nil {
			ts.Fatalf("no load %s", args[1])
		}
		k, err := strconv.Atoi(args[2])
		ts.Check(err)
		timeout := 15 * time.Second
		if len(args) == 4 {
			timeout, err = time.ParseDuration(args[3])
			ts.Check(err)
		}
		deadline := time.Now().Add(timeout)
		for {
			l.mu.Lock()
			acked := l.acked
			if acked >= k {
				l.mark = acked
				l.marked = true
			}
			l.mu.Unlock()
			if acked >= k {
				return
			}
			select {
			case <-l.done:
				l.mu.Lock()
				acked = l.acked
				l.mark, l.marked = acked, true
				l.mu.Unlock()
				if acked >= k {
					return
				}
				ts.Fatalf("load %s ended with %d acknowledged, before %d", args[1], acked, k)
			case <-time.After(5 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				ts.Fatalf("load %s: %d acknowledged after %s, want %d", args[1], acked, timeout, k)
			}
		}
	case "waitinflight":
		if len(args) < 4 || len(args) > 5 {
			ts.Fatalf("usage: load waitinflight NAME CAPTUREFILE K [TIMEOUT]")
		}
		l := loads.get(ts, args[1])
		if l == nil {
			ts.Fatalf("no load %s", args[1])
		}
		k, err := strconv.Atoi(args[3])
		ts.Check(err)
		timeout := 15 * time.Second
		if len(args) == 5 {
			timeout, err = time.ParseDuration(args[4])
			ts.Check(err)
		}
		file := ts.MkAbs(args[2])
		deadline := time.Now().Add(timeout)
		for {
			// The acknowledgements first, then the file: a delivery kept
			// and not in this snapshot is acknowledged, if ever, after it.
			l.mu.Lock()
			acked, ackedN := l.acked, make(map[int]bool, len(l.ackedN))
			for n := range l.ackedN {
				ackedN[n] = true
			}
			l.mu.Unlock()
			kept, err := keptLoadDeliveries(file)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				ts.Fatalf("load waitinflight: %v", err)
			}
			inFlight := 0
			for _, n := range kept {
				if !ackedN[n] {
					inFlight++
				}
			}
			if inFlight >= k {
				l.mu.Lock()
				l.mark, l.marked = acked, true
				l.mu.Unlock()
				return
			}
			select {
			case <-l.done:
				ts.Fatalf("load %s ended with %d of its deliveries kept and not acknowledged, before %d", args[1], inFlight, k)
			case <-time.After(5 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				ts.Fatalf("load %s: %d of its deliveries kept and not acknowledged after %s, want %d", args[1], inFlight, timeout, k)
			}
		}
	case "wait":
		if len(args) != 2 {
			ts.Fatalf("usage: load wait NAME")
		}
		l := loads.get(ts, args[1])
		if l == nil {
			ts.Fatalf("no load %s", args[1])
		}
		select {
		case <-l.done:
		case <-time.After(30 * time.Second):
			ts.Fatalf("load %s did not end within 30s", args[1])
		}
		l.report(ts, args[1])
		loads.set(ts, args[1], nil)
	default:
		ts.Fatalf("usage: load run|start|waitacks|wait ...")
	}
}

// loadBody is the body of load delivery i: distinct, valid JSON with an
// event type, a few hundred bytes (records of about 500).
func loadBody(i int) []byte {
	return []byte(fmt.Sprintf(`{"event":"load.test","n":%d,"pad":"%0200d"}`, i, i))
}

type loadRun struct {
	url     string
	n, conc int
	stopAt  time.Time
	client  *http.Client
	ackFile *os.File

	next    atomic.Int64
	stopped atomic.Bool
	done    chan struct{}

	mu       sync.Mutex
	sent     int
	acked    int
	rejected int
	ackedN   map[int]bool // the deliveries acknowledged
	errs     map[string]int
	firstErr string
	mark     int // acked when waitacks last returned
	marked   bool
}

type loadSet struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]map[string]*loadRun
}

var loads = &loadSet{m: map[*testscript.TestScript]map[string]*loadRun{}}

func (s *loadSet) get(ts *testscript.TestScript, name string) *loadRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[ts][name]
}

func (s *loadSet) set(ts *testscript.TestScript, name string, l *loadRun) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[ts] == nil {
		s.m[ts] = map[string]*loadRun{}
	}
	if l == nil {
		delete(s.m[ts], name)
		if len(s.m[ts]) == 0 {
			delete(s.m, ts)
		}
		return
	}
	s.m[ts][name] = l
}

func startLoad(ts *testscript.TestScript, name string, args []string) *loadRun {
	const usage = "usage: load run|start NAME [-close] [-path P] [-for D] URL N CONCURRENCY ACKFILE"
	keepAlive, path, dur := true, "/load", 20*time.Second
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch {
		case args[0] == "-close":
			keepAlive, args = false, args[1:]
		case args[0] == "-path" && len(args) > 1:
			path, args = args[1], args[2:]
		case args[0] == "-for" && len(args) > 1:
			d, err := time.ParseDuration(args[1])
			ts.Check(err)
			dur, args = d, args[2:]
		default:
			ts.Fatalf("%s", usage)
		}
	}
	if len(args) != 4 {
		ts.Fatalf("%s", usage)
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	conc, err := strconv.Atoi(args[2])
	ts.Check(err)
	if n < 1 || n > 100000 || conc < 1 || conc > 256 {
		ts.Fatalf("load: N must be 1..100000 and CONCURRENCY 1..256")
	}
	ackFile, err := os.OpenFile(ts.MkAbs(args[3]), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	ts.Check(err)
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: conc,
		DisableKeepAlives:   !keepAlive,
	}
	l := &loadRun{
		url: strings.TrimSuffix(args[0], "/") + path, n: n, conc: conc, stopAt: time.Now().Add(dur),
		client:  &http.Client{Transport: tr, Timeout: 10 * time.Second},
		ackFile: ackFile, done: make(chan struct{}), errs: map[string]int{}, ackedN: map[int]bool{},
	}
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.work()
		}()
	}
	go func() {
		wg.Wait()
		tr.CloseIdleConnections()
		ackFile.Close()
		close(l.done)
	}()
	// A script that ends (or fails) with the load running stops it.
	ts.Defer(func() {
		l.stopped.Store(true)
		<-l.done
	})
	return l
}

func (l *loadRun) work() {
	for !l.stopped.Load() && time.Now().Before(l.stopAt) {
		i := int(l.next.Add(1) - 1)
		if i >= l.n {
			return
		}
		l.mu.Lock()
		l.sent++
		l.mu.Unlock()
		resp, err := l.client.Post(l.url, "application/json", strings.NewReader(string(loadBody(i))))
		var body []byte
		if err == nil {
			body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		l.mu.Lock()
		switch {
		case err != nil:
			// The listener is gone or going: this burst ends the load.
			l.errs[errClass(err)]++
			if l.firstErr == "" {
				l.firstErr = err.Error()
			}
			l.stopped.Store(true)
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			var answer struct {
				ID string `json:"id"`
			}
			id := "-"
			if json.Unmarshal(body, &answer) == nil && answer.ID != "" {
				id = answer.ID
			}
			// Noted at once: a script may kill the listener any moment.
			fmt.Fprintf(l.ackFile, "%d %s\n", i, id)
			l.acked++
			l.ackedN[i] = true
		default:
			l.rejected++
		}
		l.mu.Unlock()
	}
}

func errClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "cut"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "other"
}

func (l *loadRun) report(ts *testscript.TestScript, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	total := 0
	for _, c := range l.errs {
		total += c
	}
	fmt.Fprintf(ts.Stdout(), "load %s: sent %d, acked %d, not acked %d, errors %d (refused %d, cut %d, timeout %d, other %d)\n",
		name, l.sent, l.acked, l.rejected, total, l.errs["refused"], l.errs["cut"], l.errs["timeout"], l.errs["other"])
	if l.marked {
		fmt.Fprintf(ts.Stdout(), "acked after the last wait: %d\n", l.acked-l.mark)
	}
	if l.firstErr != "" {
		fmt.Fprintf(ts.Stdout(), "first error: %s\n", l.firstErr)
	}
	ts.Setenv(strings.ToUpper(name)+"_ACKED", strconv.Itoa(l.acked))
}

// keptLoadDeliveries reads a capture file being written (a torn last line
// is skipped) and returns the load deliveries in it (loadBody's n).
func keptLoadDeliveries(file string) ([]int, error) {
	var ns []int
	err := capture.ReadFile(file, capture.ReadOptions{Warn: func(string) {}}, func(r *capture.Record, _ int) error {
		b, err := r.Bytes()
		if err != nil {
			return err
		}
		var body struct {
			Event string `json:"event"`
			N     *int   `json:"n"`
		}
		if json.Unmarshal(b, &body) == nil && body.Event == "load.test" && body.N != nil {
			ns = append(ns, *body.N)
		}
		return nil
	})
	return ns, err
}

// ---- ackcheck ------------------------------------------------------------------

// cmdAckCheck reads a capture file with hooktool's own reader and checks it
// against a load's ACKFILE:
//
//	ackcheck [-exact] ACKFILE CAPTUREFILE
//
// Every acknowledged delivery must be kept exactly once, under the id it was
// answered with, byte-exact; no load delivery may be kept twice. With
// -exact, every load delivery kept must also have been acknowledged (what a
// graceful stop guarantees: in-flight deliveries were answered). Prints
// "acked A, kept K (U not acknowledged), other records O" and each reader
// warning; sets $ACKED and $KEPT.
func cmdAckCheck(ts *testscript.TestScript, neg bool, args []string) {
	exact := false
	if len(args) > 0 && args[0] == "-exact" {
		exact, args = true, args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: ackcheck [-exact] ACKFILE CAPTUREFILE")
	}
	acked := map[int]string{}
	for _, line := range strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), "\n") {
		if line == "" {
			continue
		}
		ns, id, ok := strings.Cut(line, " ")
		n, err := strconv.Atoi(ns)
		if !ok || err != nil {
			ts.Fatalf("%s: bad line %q", args[0], line)
		}
		if _, dup := acked[n]; dup {
			ts.Fatalf("%s: delivery %d acknowledged twice", args[0], n)
		}
		acked[n] = id
	}
	type kept struct {
		id   string
		line int
	}
	byN := map[int][]kept{}
	byID := map[string]int{}
	other := 0
	var warnings []string
	err := capture.ReadFile(ts.MkAbs(args[1]), capture.ReadOptions{Warn: func(w string) { warnings = append(warnings, w) }},
		func(r *capture.Record, line int) error {
			byID[r.ID]++
			b, err := r.Bytes()
			if err != nil {
				return err
			}
			var body struct {
				Event string `json:"event"`
				N     *int   `json:"n"`
			}
			if json.Unmarshal(b, &body) != nil || body.Event != "load.test" || body.N == nil {
				other++
				return nil
			}
			if string(b) != string(loadBody(*body.N)) {
				return fmt.Errorf("line %d: the body of delivery %d is not the one sent: %.80q", line, *body.N, b)
			}
			byN[*body.N] = append(byN[*body.N], kept{r.ID, line})
			return nil
		})
	ts.Check(err)
	var problems []string
	ns := make([]int, 0, len(acked))
	for n := range acked {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	for _, n := range ns {
		id, k := acked[n], byN[n]
		switch {
		case len(k) == 0:
			problems = append(problems, fmt.Sprintf("delivery %d was acknowledged (id %s) but is not kept", n, id))
		case id != "-" && k[0].id != id:
			problems = append(problems, fmt.Sprintf("delivery %d was acknowledged as %s but kept as %s", n, id, k[0].id))
		case id != "-" && byID[id] != 1:
			problems = append(problems, fmt.Sprintf("id %s is in the file %d times", id, byID[id]))
		}
	}
	unacked := 0
	for n, k := range byN {
		if len(k) > 1 {
			problems = append(problems, fmt.Sprintf("delivery %d is kept %d times (lines %d and %d)", n, len(k), k[0].line, k[1].line))
		}
		if _, ok := acked[n]; !ok {
			unacked++
			if exact {
				problems = append(problems, fmt.Sprintf("delivery %d is kept (line %d) but was never acknowledged", n, k[0].line))
			}
		}
	}
	fmt.Fprintf(ts.Stdout(), "acked %d, kept %d (%d not acknowledged), other records %d\n", len(acked), len(byN), unacked, other)
	for _, w := range warnings {
		fmt.Fprintf(ts.Stdout(), "warning: %s\n", w)
	}
	ts.Setenv("ACKED", strconv.Itoa(len(acked)))
	ts.Setenv("KEPT", strconv.Itoa(len(byN)))
	if len(problems) > 0 {
		sort.Strings(problems)
		if len(problems) > 20 {
			problems = append(problems[:20], fmt.Sprintf("... and %d more", len(problems)-20))
		}
		ts.Fatalf("ackcheck:\n%s", strings.Join(problems, "\n"))
	}
}

// ---- rawconn -------------------------------------------------------------------

// cmdRawConn plays a misbehaving client on a raw TCP connection and prints
// what the server did:
//
//	rawconn [-within D] URL slowheaders [INTERVAL]
//	    send a request's headers one byte every INTERVAL (50ms); the server
//	    must hang up (or answer) within D (default 5s).
//	rawconn [-within D] URL stuckbody
//	    send headers declaring 64 bytes and only 10 of them, then wait.
//	rawconn URL cutbody
//	    send headers declaring 1000 bytes and 100 of them, then hang up.
//	rawconn URL cutchunked
//	    send a chunked body's first chunk (no last chunk), then hang up.
//	rawconn URL idle N
//	    open N connections that send nothing and keep them open until the
//	    script ends.
//	rawconn URL stuckbodies N
//	    open N connections that send headers and part of a body, as
//	    stuckbody, and leave them so.
//	rawconn [-within D] URL collect
//	    read the answer on each connection stuckbodies opened (within D,
//	    5s by default), print one "answer after..." line for each, and
//	    close them.
//
// The request path is /slow-headers, /stuck-body, /cut-body or /cut-chunked.
// Output: "sent B of T bytes", then "closed without an answer after Dms" or
// "answer after Dms: STATUS-LINE" and the answer body.
func cmdRawConn(ts *testscript.TestScript, neg bool, args []string) {
	within := 5 * time.Second
	if len(args) > 1 && args[0] == "-within" {
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		within, args = d, args[2:]
	}
	if neg || len(args) < 2 {
		ts.Fatalf("usage: rawconn [-within D] URL slowheaders|stuckbody|cutbody|cutchunked|idle ...")
	}
	u, err := url.Parse(args[0])
	ts.Check(err)
	addr := u.Host
	dial := func() net.Conn {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		ts.Check(err)
		return c
	}
	head := func(path, extra string) string {
		return "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nUser-Agent: rawconn\r\n" + extra + "\r\n"
	}
	out := ts.Stdout()
	switch mode := args[1]; mode {
	case "slowheaders":
		interval := 50 * time.Millisecond
		if len(args) > 2 {
			interval, err = time.ParseDuration(args[2])
			ts.Check(err)
		}
		c := dial()
		defer c.Close()
		req := head("/slow-headers", "Content-Length: 2\r\n") + "{}"
		start := time.Now()
		answer := readAnswer(c, start.Add(within))
		sent := 0
		for sent < len(req) {
			select {
			case a := <-answer:
				fmt.Fprintf(out, "sent %d of %d bytes\n", sent, len(req))
				a.print(ts, out, start)
				return
			case <-time.After(interval):
			}
			if _, err := c.Write([]byte{req[sent]}); err != nil {
				break
			}
			sent++
		}
		fmt.Fprintf(out, "sent %d of %d bytes\n", sent, len(req))
		(<-answer).print(ts, out, start)
	case "stuckbody":
		c := dial()
		defer c.Close()
		req := head("/stuck-body", "Content-Length: 64\r\n") + `{"stuck":1`
		start := time.Now()
		_, err := io.WriteString(c, req)
		ts.Check(err)
		fmt.Fprintf(out, "sent %d of %d bytes\n", len(req), len(req)+54)
		(<-readAnswer(c, start.Add(within))).print(ts, out, start)
	case "cutbody", "cutchunked":
		c := dial()
		req := head("/cut-body", "Content-Length: 1000\r\n") + `{"cut":"` + strings.Repeat("x", 90) + `"}`
		total := len(req) - 100 + 1000
		if mode == "cutchunked" {
			req = head("/cut-chunked", "Transfer-Encoding: chunked\r\n") + "a\r\n{\"cut\":99}\r\n"
			total = len(req) + len("0\r\n\r\n")
		}
		_, err := io.WriteString(c, req)
		ts.Check(err)
		// Give the server the bytes before the hang-up, as a client that
		// dies mid-body would.
		time.Sleep(50 * time.Millisecond)
		ts.Check(c.Close())
		fmt.Fprintf(out, "sent %d of %d bytes, then hung up\n", len(req), total)
	case "idle", "stuckbodies":
		if len(args) != 3 {
			ts.Fatalf("usage: rawconn URL idle|stuckbodies N")
		}
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		if n < 1 || n > 2000 {
			ts.Fatalf("rawconn idle: N must be 1..2000")
		}
		conns := make([]net.Conn, 0, n)
		ts.Defer(func() {
			for _, c := range conns {
				c.Close()
			}
			held.mu.Lock()
			delete(held.m, ts)
			held.mu.Unlock()
		})
		for i := 0; i < n; i++ {
			c := dial()
			conns = append(conns, c)
			if mode == "stuckbodies" {
				_, err := io.WriteString(c, head("/stuck-bodies", "Content-Length: 64\r\n")+`{"stuck":1`)
				ts.Check(err)
			}
		}
		if mode == "idle" {
			fmt.Fprintf(out, "opened %d idle connections\n", n)
		} else {
			held.mu.Lock()
			held.m[ts] = append(held.m[ts], conns...)
			held.mu.Unlock()
			fmt.Fprintf(out, "opened %d connections with stuck bodies\n", n)
		}
	case "collect":
		held.mu.Lock()
		conns := held.m[ts]
		delete(held.m, ts)
		held.mu.Unlock()
		if len(conns) == 0 {
			ts.Fatalf("rawconn collect: no connections with stuck bodies")
		}
		start := time.Now()
		for _, c := range conns {
			(<-readAnswer(c, start.Add(within))).print(ts, out, start)
			c.Close()
		}
	default:
		ts.Fatalf("rawconn: unknown mode %s", mode)
	}
}

// held are the connections rawconn stuckbodies left open, by script.
var held = struct {
	mu sync.Mutex
	m  map[*testscript.TestScript][]net.Conn
}{m: map[*testscript.TestScript][]net.Conn{}}

type rawAnswer struct {
	status string // "" when the server hung up without an answer
	body   string
	err    error // the read error that ended it, or a timeout
	at     time.Time
}

// readAnswer reads one HTTP answer from c (or the end of the connection)
// until deadline.
func readAnswer(c net.Conn, deadline time.Time) <-chan rawAnswer {
	ch := make(chan rawAnswer, 1)
	_ = c.SetReadDeadline(deadline)
	go func() {
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			ch <- rawAnswer{err: err, at: time.Now()}
			return
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		ch <- rawAnswer{status: resp.Proto + " " + resp.Status, body: string(b), at: time.Now()}
	}()
	return ch
}

func (a rawAnswer) print(ts *testscript.TestScript, out io.Writer, start time.Time) {
	ms := a.at.Sub(start).Milliseconds()
	var ne net.Error
	switch {
	case a.status != "":
		fmt.Fprintf(out, "answer after %dms: %s\n%s\n", ms, a.status, strings.TrimSpace(a.body))
	case errors.As(a.err, &ne) && ne.Timeout():
		ts.Fatalf("the server neither answered nor hung up within %dms", ms)
	default:
		fmt.Fprintf(out, "closed without an answer after %dms\n", ms)
	}
}

// ---- within ----------------------------------------------------------------------

// cmdWithin runs another command and fails if it takes longer than D:
//
//	within D post ARGS...
//	within D status CODE PROGRAM ARGS...
//	within D exec PROGRAM ARGS...
//
// The command runs as it would on its own (exec keeps the program's output
// for stdout and stderr, and honours !).
func cmdWithin(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: within D post|status|exec ARGS...")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	start := time.Now()
	switch args[1] {
	case "post":
		cmdPost(ts, neg, args[2:])
	case "status":
		cmdStatus(ts, neg, args[2:])
	case "exec":
		err := ts.Exec(args[2], args[3:]...)
		if err != nil && !neg {
			ts.Fatalf("%s: %v", args[2], err)
		}
		if err == nil && neg {
			ts.Fatalf("%s: unexpected success", args[2])
		}
	default:
		ts.Fatalf("within: %s is not post, status or exec", args[1])
	}
	if took := time.Since(start); took > d {
		ts.Fatalf("%s took %s, more than %s", args[1], took.Round(time.Millisecond), d)
	}
}

// ---- faultapp ----------------------------------------------------------------------

// faultApp is an app (a forward target, or a receiver for trigger and
// replay) that misbehaves on some paths only:
//
//	faultapp start NAME [-slow D] [-flaky K]
//	    listen on 127.0.0.1 (a free port), set $NAME_URL; by path:
//	      /hang...     never answers (until the client gives up; 30s at most)
//	      /reset...    reads the request, then resets the connection (RST)
//	      /close...    reads the request, then hangs up without an answer
//	      /slow...     answers 201 after D (default 300ms)
//	      /flaky...    the first K requests (default 1) are reset, then 200
//	      anything else: 200 at once
//	    Answers are JSON: {"app":PATH,"n":COUNT}.
//	faultapp hits NAME SEGMENT N
//	    assert requests to /SEGMENT... came exactly N times ("all": any path).
//	faultapp waithits NAME SEGMENT N [TIMEOUT]
//	    wait until they came at least N times.
//	faultapp stop NAME
type faultApp struct {
	slow  time.Duration
	flaky int
	srv   *http.Server
	ln    net.Listener

	mu   sync.Mutex
	hits map[string]int
	stop chan struct{}
}

var faultApps = struct {
	mu sync.Mutex
	m  map[*testscript.TestScript]map[string]*faultApp
}{m: map[*testscript.TestScript]map[string]*faultApp{}}

func cmdFaultApp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: faultapp start|hits|waithits|stop NAME ...")
	}
	faultApps.mu.Lock()
	byName := faultApps.m[ts]
	if byName == nil {
		byName = map[string]*faultApp{}
		faultApps.m[ts] = byName
	}
	faultApps.mu.Unlock()
	name := args[1]
	count := func(a *faultApp, seg string) int {
		a.mu.Lock()
		defer a.mu.Unlock()
		if seg == "all" {
			total := 0
			for _, n := range a.hits {
				total += n
			}
			return total
		}
		return a.hits[seg]
	}
	switch args[0] {
	case "start":
		a := &faultApp{slow: 300 * time.Millisecond, flaky: 1, hits: map[string]int{}, stop: make(chan struct{})}
		for rest := args[2:]; len(rest) > 0; rest = rest[2:] {
			if len(rest) < 2 {
				ts.Fatalf("faultapp start: %s needs a value", rest[0])
			}
			var err error
			switch rest[0] {
			case "-slow":
				a.slow, err = time.ParseDuration(rest[1])
			case "-flaky":
				a.flaky, err = strconv.Atoi(rest[1])
			default:
				ts.Fatalf("faultapp start: unknown option %s", rest[0])
			}
			ts.Check(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		a.ln = ln
		a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
		go a.srv.Serve(ln)
		byName[name] = a
		ts.Setenv(strings.ToUpper(name)+"_URL", "http://"+ln.Addr().String())
		ts.Defer(a.close)
	case "hits", "waithits":
		a := byName[name]
		if a == nil || len(args) < 4 {
			ts.Fatalf("usage: faultapp hits|waithits NAME SEGMENT N [TIMEOUT] (after faultapp start NAME)")
		}
		want, err := strconv.Atoi(args[3])
		ts.Check(err)
		if args[0] == "hits" {
			if got := count(a, args[2]); got != want {
				ts.Fatalf("faultapp %s: /%s got %d requests, want %d", name, args[2], got, want)
			}
			return
		}
		timeout := 10 * time.Second
		if len(args) > 4 {
			timeout, err = time.ParseDuration(args[4])
			ts.Check(err)
		}
		deadline := time.Now().Add(timeout)
		for count(a, args[2]) < want {
			if time.Now().After(deadline) {
				ts.Fatalf("faultapp %s: /%s got %d requests within %s, want %d", name, args[2], count(a, args[2]), timeout, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	case "stop":
		if a := byName[name]; a != nil {
			a.close()
			delete(byName, name)
		}
	default:
		ts.Fatalf("usage: faultapp start|hits|waithits|stop NAME ...")
	}
}

func (a *faultApp) close() {
	a.mu.Lock()
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	a.mu.Unlock()
	a.ln.Close()
	a.srv.Close()
}

func (a *faultApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 8<<20))
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	a.mu.Lock()
	a.hits[seg]++
	n := a.hits[seg]
	a.mu.Unlock()
	hangUp := func(reset bool) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		if tc, ok := c.(*net.TCPConn); ok && reset {
			_ = tc.SetLinger(0) // close with RST
		}
		c.Close()
	}
	status := http.StatusOK
	switch {
	case strings.HasPrefix(seg, "hang"):
		select {
		case <-r.Context().Done():
		case <-a.stop:
		case <-time.After(30 * time.Second):
		}
		return
	case strings.HasPrefix(seg, "reset"):
		hangUp(true)
		return
	case strings.HasPrefix(seg, "close"):
		hangUp(false)
		return
	case strings.HasPrefix(seg, "flaky") && n <= a.flaky:
		hangUp(true)
		return
	case strings.HasPrefix(seg, "slow"):
		select {
		case <-time.After(a.slow):
		case <-a.stop:
		}
		status = http.StatusCreated
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"app":%q,"n":%d}`, r.URL.Path, n)
}
