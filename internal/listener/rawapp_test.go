package listener

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// rawApp is an app that answers every request with the same raw bytes,
// then holds the connection open, silent, until the test ends (or closes
// it, with hangUp).
type rawApp struct {
	ln     net.Listener
	answer string
	hangUp bool
	done   chan struct{}
	wg     sync.WaitGroup
}

func newRawApp(t *testing.T, answer string, hangUp bool) *rawApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &rawApp{ln: ln, answer: answer, hangUp: hangUp, done: make(chan struct{})}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				a.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		close(a.done)
		ln.Close()
		a.wg.Wait()
	})
	return a
}

func (a *rawApp) host() string { return a.ln.Addr().String() }

func (a *rawApp) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return
		}
		if _, err := io.WriteString(c, a.answer); err != nil || a.hangUp {
			return
		}
		select { // silent until the test ends
		case <-a.done:
			return
		case <-time.After(10 * time.Second):
			return
		}
	}
}
