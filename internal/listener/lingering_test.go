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
)

// A sender that writes its whole body before reading (Python's
// http.client, many SDKs) gets the 413, not a reset: the listener reads and
// drops the rest of a refused body before it closes the connection.
func TestTooLargeIsReadByASenderThatWritesFirst(t *testing.T) {
	const limit = 1 << 20
	const size = 6 << 20
	chunk := strings.Repeat("x", 64<<10)
	var chunked strings.Builder
	for chunked.Len() < size {
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	chunked.WriteString("0\r\n\r\n")
	for _, tc := range []struct{ name, request string }{
		{"with length", fmt.Sprintf("POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", size, strings.Repeat("x", size))},
		{"chunked", "POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStore{}
			h := serve(t, Options{Store: store, MaxBody: limit})
			for i := range 3 {
				c, err := net.DialTimeout("tcp", h.srv.Listener.Addr().String(), 2*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				// All of it, then read: what the sender does.
				if _, err := io.WriteString(c, tc.request); err != nil {
					c.Close()
					t.Fatalf("run %d: writing the request: %v", i, err)
				}
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					c.Close()
					t.Fatalf("run %d: reading the answer: %v", i, err)
				}
				b, err := io.ReadAll(resp.Body)
				c.Close()
				if err != nil || resp.StatusCode != 413 || !bytes.Contains(b, []byte("max-body")) {
					t.Fatalf("run %d: status %d, body %q, error %v: want the whole 413", i, resp.StatusCode, b, err)
				}
			}
			if n := len(store.records(t)); n != 0 {
				t.Errorf("%d records kept, want none", n)
			}
		})
	}
}
