package delivery

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSendNeverCopiesFramingHeaders: a request whose header map holds
// framing and hop-by-hop headers in any case, with a small body or a large
// one, reaches a keep-alive target as one request with the client's own
// framing. The
// body ends a chunked message and starts a second request, which a target
// honouring a copied Transfer-Encoding would read.
func TestSendNeverCopiesFramingHeaders(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var got []*http.Request
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					c.SetDeadline(time.Now().Add(5 * time.Second))
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					mu.Lock()
					got = append(got, req)
					mu.Unlock()
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
				}
			}()
		}
	}()
	c := fast(Options{})
	for _, size := range []int{16, 1<<20 + 1} {
		pad := strings.Repeat("p", size)
		body := "0\r\n\r\nPOST /smuggled HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n" + pad
		h := http.Header{"transfer-encoding": {"chunked"}, "content-length": {strconv.Itoa(len(body))}, "host": {"evil.example"},
			"expect": {"100-continue"}, "connection": {"x-hop"}, "x-hop": {"1"}, "X-Kept": {"kept"}}
		mu.Lock()
		got = nil
		mu.Unlock()
		as := c.Send(context.Background(), Request{URL: "http://" + ln.Addr().String() + "/hook", Header: h, Body: []byte(body)})
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		reqs := got
		mu.Unlock()
		if len(reqs) != 1 || reqs[0].RequestURI != "/hook" || !as[len(as)-1].Acknowledged() {
			t.Errorf("body of %d bytes: the target read %d requests (%+v)", len(body), len(reqs), as[len(as)-1])
			continue
		}
		r := reqs[0]
		if r.Host != ln.Addr().String() || r.ContentLength != int64(len(body)) || len(r.TransferEncoding) != 0 || r.Header.Get("X-Kept") != "kept" {
			t.Errorf("body of %d bytes: Host %q, length %d, transfer encoding %q, headers %v", len(body), r.Host, r.ContentLength, r.TransferEncoding, r.Header)
		}
		for _, name := range []string{"Expect", "Connection", "X-Hop"} {
			if v, ok := r.Header[name]; ok {
				t.Errorf("body of %d bytes: %s: %q was sent", len(body), name, v)
			}
		}
		if len(h) != 7 {
			t.Errorf("the request's header map was changed: %v", h)
		}
	}
}
