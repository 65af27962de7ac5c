package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdWire speaks raw HTTP/1.1 where the script language cannot: an app
// that answers exact bytes, a sender that writes its whole body before
// reading, and several requests on one connection. Loopback only, bounded
// in time.
//
//	wire app NAME ANSWER
//	    listen on 127.0.0.1 (a free port) and set $NAME_URL; every request
//	    is read whole and answered with ANSWER (a Go string literal's
//	    contents: \r\n for CRLF), then the connection is held open, silent,
//	    until the script ends (30s at most).
//	wire sendfirst [-within D] URL SIZE
//	    POST a body of SIZE bytes with its Content-Length, all of it before
//	    reading, as Python's http.client does; print "status N" and the
//	    answer's body. A write or read error fails the command.
//	wire exchange [-within D] URL N
//	    POST {} N times on one connection; print each answer's status line
//	    and headers (but Date), "Name: value" one a line, sorted.
//	-within bounds the whole exchange (default 10s): an answer that does
//	not come in time fails the command.
//	wire loopback NAME URL
//	    set $NAME to URL with its host replaced by 127.0.0.1 (URL is a
//	    listener's, on a wildcard host such as [::]).
func cmdWire(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: wire app|sendfirst|exchange|loopback ...")
	}
	within := 10 * time.Second
	if len(args) > 2 && args[1] == "-within" {
		d, err := time.ParseDuration(args[2])
		ts.Check(err)
		within, args = d, append([]string{args[0]}, args[3:]...)
	}
	switch args[0] {
	case "app":
		if len(args) != 3 {
			ts.Fatalf("usage: wire app NAME ANSWER")
		}
		answer, err := strconv.Unquote(`"` + args[2] + `"`)
		ts.Check(err)
		startWireApp(ts, args[1], answer)
	case "sendfirst":
		if len(args) != 3 {
			ts.Fatalf("usage: wire sendfirst URL SIZE")
		}
		size, err := strconv.Atoi(args[2])
		ts.Check(err)
		if size < 0 || size > 64<<20 {
			ts.Fatalf("wire sendfirst: SIZE must be 0..64 MiB")
		}
		c, br := wireDial(ts, args[1], within)
		defer c.Close()
		req := fmt.Sprintf("POST /sendfirst HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", c.RemoteAddr(), size)
		if _, err := io.WriteString(c, req+strings.Repeat("x", size)); err != nil {
			ts.Fatalf("wire sendfirst: writing the request: %v", err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			ts.Fatalf("wire sendfirst: reading the answer: %v", err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			ts.Fatalf("wire sendfirst: reading the answer's body: %v", err)
		}
		fmt.Fprintf(ts.Stdout(), "status %d\n%s\n", resp.StatusCode, strings.TrimSpace(string(body)))
	case "exchange":
		if len(args) != 3 {
			ts.Fatalf("usage: wire exchange URL N")
		}
		n, err := strconv.Atoi(args[2])
		ts.Check(err)
		if n < 1 || n > 100 {
			ts.Fatalf("wire exchange: N must be 1..100")
		}
		c, br := wireDial(ts, args[1], within)
		defer c.Close()
		out := ts.Stdout()
		for i := 0; i < n; i++ {
			req := fmt.Sprintf("POST /exchange/%d HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", i+1, c.RemoteAddr())
			if _, err := io.WriteString(c, req); err != nil {
				ts.Fatalf("wire exchange: request %d: %v", i+1, err)
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				ts.Fatalf("wire exchange: reading answer %d: %v", i+1, err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				ts.Fatalf("wire exchange: reading the body of answer %d: %v", i+1, err)
			}
			resp.Body.Close()
			fmt.Fprintf(out, "%s %s\n", resp.Proto, resp.Status)
			var lines []string
			for k, vv := range resp.Header {
				if k == "Date" {
					continue
				}
				for _, v := range vv {
					lines = append(lines, k+": "+v)
				}
			}
			sort.Strings(lines)
			for _, l := range lines {
				fmt.Fprintln(out, l)
			}
		}
	case "loopback":
		if len(args) != 3 {
			ts.Fatalf("usage: wire loopback NAME URL")
		}
		u, err := url.Parse(args[2])
		ts.Check(err)
		u.Host = net.JoinHostPort("127.0.0.1", u.Port())
		ts.Setenv(args[1], u.String())
	default:
		ts.Fatalf("usage: wire app|sendfirst|exchange|loopback ...")
	}
}

// wireDial connects to URL's host, with d for the whole exchange.
func wireDial(ts *testscript.TestScript, rawURL string, d time.Duration) (net.Conn, *bufio.Reader) {
	u, err := url.Parse(rawURL)
	ts.Check(err)
	c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	ts.Check(err)
	_ = c.SetDeadline(time.Now().Add(d))
	return c, bufio.NewReader(c)
}

func startWireApp(ts *testscript.TestScript, name, answer string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					if _, err := io.Copy(io.Discard, req.Body); err != nil {
						return
					}
					if _, err := io.WriteString(c, answer); err != nil {
						return
					}
					select { // silent: the answer is all the app says
					case <-done:
						return
					case <-time.After(30 * time.Second):
						return
					}
				}
			}()
		}
	}()
	ts.Setenv(strings.ToUpper(name)+"_URL", "http://"+ln.Addr().String())
	ts.Defer(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
}
