package cli

// Sending a capture again (replay) contacts only the target it is given,
// as one request, with the capture's own header bytes.

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
)

// writeCaptures writes recs as a capture file.
func writeCaptures(t *testing.T, name string, recs ...*capture.Record) string {
	t.Helper()
	var b []byte
	for _, r := range recs {
		var err error
		if b, err = r.AppendJSON(b); err != nil {
			t.Fatal(err)
		}
		b = append(b, '\n')
	}
	return writeFile(t, name, b)
}

// resendRecord is a plain captured delivery to path.
func resendRecord(id, path string) *capture.Record {
	r := &capture.Record{V: capture.Version, ID: id, ReceivedAt: time.Unix(1_800_000_000, 0).UTC(), Method: "POST",
		Path: path, Headers: http.Header{"Content-Type": {"application/json"}}, Matched: true, Answer: capture.Answer{Status: 200}}
	r.SetBody([]byte(`{"event":"x"}`))
	return r
}

// TestReplayPathNeverChangesTheHost replays captures whose path, put after
// a --to with no path, would name another host and port: a second loopback
// server, the would-be destination, gets nothing, and the capture is
// refused with its file and line.
func TestReplayPathNeverChangesTheHost(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "resend-SECRET-5x9")
	target := newSecApp(t, "target")
	other := newSecApp(t, "other")
	targetAddr := strings.TrimPrefix(target.srv.URL, "http://")
	otherAddr := strings.TrimPrefix(other.srv.URL, "http://")
	otherPort := otherAddr[strings.LastIndex(otherAddr, ":")+1:]
	cases := []struct {
		name, to, path string
	}{
		{"userinfo", "http://" + targetAddr, "@" + otherAddr + "/x"},
		{"userinfo, no scheme", targetAddr, "@" + otherAddr + "/x"},
		{"port", "http://127.0.0.1", ":" + otherPort + "/x"},
		{"port, trailing slash", "http://127.0.0.1/", ":" + otherPort + "/x"},
		{"no slash", "http://" + targetAddr, otherAddr + "/x"},
		{"dot", "http://" + targetAddr, ".evil/x"},
	}
	for _, tc := range cases {
		redacted := resendRecord("01RESEND00000000000000000B", tc.path)
		redacted.Headers["Verif-Hash"] = []string{"[redacted]"}
		redacted.Redacted = []string{"Verif-Hash"}
		file := writeCaptures(t, "steer.jsonl", resendRecord("01RESEND00000000000000000A", "/fine"), redacted)
		before := target.count()
		code, out, errs := secRun(t, "", "replay", file, "--to", tc.to, "--timeout", "5s")
		if other.count() != 0 {
			t.Fatalf("%s: path %q sent replay to the other server: %+v", tc.name, tc.path, other.last())
		}
		if code != ExitError || !regexp.MustCompile(`steer\.jsonl:2: .*not a path`).MatchString(errs) {
			t.Errorf("%s: exit %d, want %d and steer.jsonl:2 named\n%s%s", tc.name, code, ExitError, out, errs)
		}
		if strings.Contains(out+errs, "resend-SECRET") {
			t.Errorf("%s: the secret was printed", tc.name)
		}
		// The capture before the bad one may have been sent, to the target.
		target.mu.Lock()
		seen := append([]secSeen(nil), target.reqs[before:]...)
		target.mu.Unlock()
		for _, seen := range seen {
			if seen.uri != "/fine" || seen.host != targetAddr {
				t.Errorf("%s: the target got %s %s (Host %s)", tc.name, seen.method, seen.uri, seen.host)
			}
		}
	}
	// A path that only looks like an authority is a path, on the target.
	file := writeCaptures(t, "steer.jsonl", resendRecord("01RESEND00000000000000000D", "//"+otherAddr+"/x"))
	if code, out, errs := secRun(t, "", "replay", file, "--to", target.srv.URL); code != ExitOK || other.count() != 0 || target.last().uri != "//"+otherAddr+"/x" {
		t.Errorf("//host/x: exit %d, other got %d, target %+v\n%s%s", code, other.count(), target.last(), out, errs)
	}
	// --keep-path off, or a --to with a path, never looked at the path;
	// the reader refuses the capture all the same, with its line.
	file = writeCaptures(t, "steer.jsonl", resendRecord("01RESEND00000000000000000C", "@"+otherAddr+"/x"))
	code, _, errs := secRun(t, "", "replay", file, "--to", target.srv.URL+"/hook")
	if code != ExitError || !strings.Contains(errs, "steer.jsonl:1: ") || other.count() != 0 {
		t.Errorf("--to with a path: exit %d, other got %d\n%s", code, other.count(), errs)
	}
}

// rawTarget is a loopback HTTP/1.1 server over plain TCP: it reads the
// requests of each connection one after the other, as any keep-alive server
// would, and keeps each request's line and headers as they came.
type rawTarget struct {
	addr string
	mu   sync.Mutex
	reqs []*http.Request
}

func newRawTarget(t *testing.T) *rawTarget {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	rt := &rawTarget{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go rt.serve(c)
		}
	}()
	return rt
}

func (rt *rawTarget) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, err = io.Copy(io.Discard, req.Body)
		rt.mu.Lock()
		rt.reqs = append(rt.reqs, req)
		rt.mu.Unlock()
		if err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	}
}

func (rt *rawTarget) requests() []*http.Request {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]*http.Request(nil), rt.reqs...)
}

// TestReplaySendsOneRequestPerCapture replays captures whose framing
// headers are written in lower case (so that no filter by canonical name
// sees them) and whose body is a chunked end followed by a second request:
// a target that honours Transfer-Encoding over Content-Length, as RFC 9112
// says it must, would read two requests. It must read one, the capture's
// path, for a body over 1 MiB (sent by net/http) and for a small one.
func TestReplaySendsOneRequestPerCapture(t *testing.T) {
	sandbox(t)
	for _, size := range []int{64, 1<<20 + 4096} {
		target := newRawTarget(t)
		pad := strings.Repeat("p", size)
		body := "0\r\n\r\nPOST /smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(pad)) + "\r\n\r\n" + pad
		rec := resendRecord("01SMUGGLE0000000000000000A", "/hook")
		rec.SetBody([]byte(body))
		rec.Headers = http.Header{
			"Content-Type":        {"application/json"},
			"transfer-encoding":   {"chunked"},
			"content-length":      {strconv.Itoa(len(body))},
			"connection":          {"keep-alive, x-hop"},
			"x-hop":               {"1"},
			"proxy-authorization": {"Basic eDp5"},
			"trailer":             {"X-T"},
			"te":                  {"trailers"},
			"upgrade":             {"h2c"},
			"keep-alive":          {"timeout=5"},
			"x-kept":              {"kept"},
		}
		file := writeCaptures(t, "smuggle.jsonl", rec)
		code, out, errs := secRun(t, "", "replay", file, "--to", "http://"+target.addr, "--timeout", "5s")
		time.Sleep(100 * time.Millisecond) // a second request would follow the first on its connection
		reqs := target.requests()
		var uris []string
		for _, r := range reqs {
			uris = append(uris, r.Method+" "+r.RequestURI)
		}
		if len(reqs) != 1 || reqs[0].RequestURI != "/hook" {
			t.Errorf("body of %d bytes: the target read %d requests %q, want one, POST /hook (exit %d)\n%s%s", len(body), len(reqs), uris, code, out, lastLines(errs, 5))
			continue
		}
		got := reqs[0].Header
		for _, name := range []string{"Transfer-Encoding", "Connection", "X-Hop", "Proxy-Authorization", "Trailer", "Te", "Upgrade", "Keep-Alive"} {
			if v, ok := got[name]; ok {
				t.Errorf("body of %d bytes: %s: %q was sent", len(body), name, v)
			}
		}
		if got.Get("X-Kept") != "kept" || len(got["Content-Length"]) != 1 || reqs[0].ContentLength != int64(len(body)) {
			t.Errorf("body of %d bytes: headers %v, length %d", len(body), got, reqs[0].ContentLength)
		}
		if code != ExitOK {
			t.Errorf("body of %d bytes: exit %d\n%s%s", len(body), code, out, errs)
		}
	}
}

// TestHeaderBytesKeptAndReplayedExactly: a header value that is not UTF-8
// goes through listen --save and replay byte for byte.
func TestHeaderBytesKeptAndReplayedExactly(t *testing.T) {
	dir := sandbox(t)
	file := dir + "/bin.jsonl"
	l := secListen(t, "--save", file, "--timeout", "60s")
	addr := strings.TrimPrefix(l.url, "http://")
	value := "a\xff\xfe b\x80\xc3"
	body := `{"event":"bytes"}`
	status := secRaw(t, addr, "POST /bytes HTTP/1.1\r\nHost: "+addr+"\r\nX-Bin: "+value+"\r\nX-Bin: plain\r\nX-Text: caf\xc3\xa9\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
	if !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("listen answered %q", status)
	}
	if code, out, errs := l.stop(t); code != ExitOK {
		t.Fatalf("listen: exit %d\n%s%s", code, out, errs)
	}
	target := newRawTarget(t)
	code, out, errs := secRun(t, "", "replay", file, "--to", "http://"+target.addr)
	reqs := target.requests()
	if code != ExitOK || len(reqs) != 1 {
		t.Fatalf("replay: exit %d, the target got %d requests\n%s%s", code, len(reqs), out, errs)
	}
	if got := reqs[0].Header["X-Bin"]; len(got) != 2 || got[0] != value || got[1] != "plain" {
		t.Errorf("X-Bin: got %q, want %q", got, []string{value, "plain"})
	}
	if got := reqs[0].Header.Get("X-Text"); got != "caf\xc3\xa9" {
		t.Errorf("X-Text: got %q", got)
	}
}
