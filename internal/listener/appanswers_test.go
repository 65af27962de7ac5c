package listener

import (
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
)

// An app that starts its status line and stalls past the forward timeout
// did not answer in time: 504, never 502 "could not be reached". The
// connection's deadline and the context's race, so it is tried many times.
func TestAppStallingMidStatusLineIs504(t *testing.T) {
	a := newRawApp(t, "HTT", false)
	h := serve(t, Options{Forward: NewForwarder("http", a.host(), "", "", client(20*time.Millisecond), nil)})
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
