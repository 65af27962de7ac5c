package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// inspectClient opens an inspector's URL as a browser does (the token in
// the URL traded for its cookie) and returns a client that sends the
// cookie, and the inspector's base URL. Without token it sends none.
func inspectClient(ts *testscript.TestScript, printed string, token bool) (*http.Client, string) {
	u, err := url.Parse(strings.TrimSpace(printed))
	ts.Check(err)
	base := u.Scheme + "://" + u.Host
	c := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if !token {
		return c, base
	}
	resp, err := c.Get(u.String())
	ts.Check(err)
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
		ts.Fatalf("opening %s: %d, %d cookies", base, resp.StatusCode, len(cookies))
	}
	c.Transport = cookieTransport{cookies[0]}
	return c, base
}

type cookieTransport struct{ c *http.Cookie }

func (t cookieTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.AddCookie(t.c)
	return http.DefaultTransport.RoundTrip(r)
}

// cmdInspectGet GETs a path of an inspector, and prints "status N" and
// the answer:
//
//	inspectget [-notoken] [-host HOST] [-post FILE] URL PATH
//
// URL is the one `hooktool inspect` printed, with its token; -host sends
// another Host header (a DNS rebinding page's); -post POSTs FILE as JSON
// from the inspector's own page (its Origin), as an action does.
func cmdInspectGet(ts *testscript.TestScript, neg bool, args []string) {
	token, host, post := true, "", ""
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-notoken":
			token, args = false, args[1:]
		case "-host":
			host, args = args[1], args[2:]
		case "-post":
			post, args = args[1], args[2:]
		default:
			ts.Fatalf("inspectget: unknown option %s", args[0])
		}
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: inspectget [-notoken] [-host HOST] [-post FILE] URL PATH")
	}
	c, base := inspectClient(ts, args[0], token)
	req, err := http.NewRequest(http.MethodGet, base+args[1], nil)
	ts.Check(err)
	if post != "" {
		req, err = http.NewRequest(http.MethodPost, base+args[1], strings.NewReader(ts.ReadFile(post)))
		ts.Check(err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", base)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := c.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(ts.Stdout(), "status %d\n%s\n", resp.StatusCode, b)
}

// cmdInspectEvents reads an inspector's stream of new deliveries from
// after the delivery numbered AFTER until it has N, and prints each
// event's data on a line; it fails after 10 s without them:
//
//	inspectevents URL AFTER N
func cmdInspectEvents(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: inspectevents URL AFTER N")
	}
	var n int
	_, err := fmt.Sscan(args[2], &n)
	ts.Check(err)
	c, base := inspectClient(ts, args[0], true)
	c.Timeout = 0
	resp, err := c.Get(base + "/api/events?after=" + url.QueryEscape(args[1]))
	ts.Check(err)
	defer resp.Body.Close()
	timer := time.AfterFunc(10*time.Second, func() { resp.Body.Close() })
	defer timer.Stop()
	r := bufio.NewReader(resp.Body)
	for got := 0; got < n; {
		l, err := r.ReadString('\n')
		if err != nil {
			ts.Fatalf("the stream ended after %d of %d deliveries: %v", got, n, err)
		}
		if data, ok := strings.CutPrefix(l, "data: "); ok {
			fmt.Fprint(ts.Stdout(), data)
			got++
		}
	}
}
