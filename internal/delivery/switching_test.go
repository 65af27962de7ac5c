package delivery

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// A target that answers 101 Switching Protocols (and then stays silent on
// the connection) gives its answer at once: the switched connection, which
// net/http hands over as the body, is not read until the timeout.
func TestSwitchingProtocolsAnswerEndsTheAttempt(t *testing.T) {
	srv := newRawServer(t, func(n int, req *http.Request) (string, bool) {
		return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", false
	})
	c := fast(Options{Timeout: 5 * time.Second})
	start := time.Now()
	as := c.Send(context.Background(), Request{URL: srv.url() + "/"})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the attempt took %s", d)
	}
	if a := as[0]; a.Err != nil || a.Status != http.StatusSwitchingProtocols || a.Acknowledged() {
		t.Fatalf("attempt %+v, want the 101, not acknowledged", a)
	}
}
