package listener

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
)

// An app that starts its status line and stalls past the forward timeout
// did not answer in time: 504, never 502 "could not be reached". The
// connection's deadline and the context's race, so it is tried many times.
func TestAppStallingMidStatusLineIs504(t *testing.T) {
	a := newRawApp(t, "HTT", false)
	h := serve(t, Options{Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(20*time.Millisecond), nil)})
	for i := range 30 {
		resp := h.post(t, "/", []byte(`{"a":1}`), nil)
		if resp.status != 504 {
			t.Fatalf("run %d: status %d (%s), want 504", i, resp.status, resp.body)
		}
	}
	for _, d := range h.deliveries() {
		if d.ForwardErr == nil || d.ForwardErr.Kind != delivery.KindTimeout {
			t.Fatalf("ForwardErr %#v, want kind %s", d.ForwardErr, delivery.KindTimeout)
		}
	}
}

// rawExchange sends requests one after another on one connection to addr
// and reads each answer; the connection must stay usable between them.
func rawExchange(t *testing.T, addr string, requests ...string) []*http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	br := bufio.NewReader(c)
	var out []*http.Response
	for i, req := range requests {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading answer %d: %v", i, err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Fatalf("reading the body of answer %d: %v", i, err)
		}
		resp.Body.Close()
		out = append(out, resp)
	}
	return out
}

func rawPost(body []byte) string {
	return fmt.Sprintf("POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// An app that answers 101 Switching Protocols (or another 1xx as its
// final answer) cannot be relayed: the sender gets 502 at once, on a
// connection it can go on using, and listen says why.
func TestAppSwitchingProtocolsIs502(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
		body   []byte
	}{
		{"101", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", []byte(`{"a":1}`)},
		{"101 without Upgrade", "HTTP/1.1 101 Switching Protocols\r\n\r\n", []byte(`{"a":1}`)},
		{"101, large body (net/http)", "HTTP/1.1 101 Switching Protocols\r\n\r\n", bytes.Repeat([]byte("x"), 2<<20)},
		{"101 with Upgrade, large body (net/http)", "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", bytes.Repeat([]byte("x"), 2<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newRawApp(t, tc.answer, false)
			store := &memStore{}
			h := serve(t, Options{Store: store, Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(5*time.Second), nil)})
			start := time.Now()
			resps := rawExchange(t, h.srv.Listener.Addr().String(), rawPost(tc.body), rawPost(tc.body))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("the answers took %s", d)
			}
			for i, resp := range resps {
				if resp.StatusCode != 502 {
					t.Errorf("answer %d: status %d, want 502", i, resp.StatusCode)
				}
				if v, ok := resp.Header["Upgrade"]; ok {
					t.Errorf("answer %d: Upgrade %q relayed", i, v)
				}
				for k, vv := range resp.Header {
					for _, v := range vv {
						if v == "" {
							t.Errorf("answer %d: empty header %s", i, k)
						}
					}
				}
			}
			for _, d := range h.deliveries() {
				if d.ForwardErr == nil || !strings.Contains(d.ForwardErr.Msg, "101") || d.ForwardErr.Hint == "" {
					t.Errorf("ForwardErr %#v, want one naming the 101, with a hint", d.ForwardErr)
				}
				if d.Record.Answer.Status != 502 || d.Record.Forward == nil || d.Record.Forward.Status != 101 {
					t.Errorf("kept answer %+v, forward %+v", d.Record.Answer, d.Record.Forward)
				}
			}
		})
	}
}

// The app's answer is relayed with the app's Content-Type, and with none
// when it gave none: never an empty one, never one sniffed from the body.
func TestAppAnswerWithoutContentTypeIsRelayedWithout(t *testing.T) {
	a := newRawApp(t, "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n<html>ok</html>", false)
	h := serve(t, Options{Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(5*time.Second), nil)})
	resp := rawExchange(t, h.srv.Listener.Addr().String(), rawPost([]byte(`{}`)))[0]
	if v, ok := resp.Header["Content-Type"]; resp.StatusCode != 200 || ok {
		t.Fatalf("status %d, Content-Type %q: want 200 and no Content-Type", resp.StatusCode, v)
	}
}
