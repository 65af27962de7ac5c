package listener

import (
	"net/http"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/httpx"
)

// TestForwardStripsExpect: the listener holds the whole body before it
// forwards, so an Expect: 100-continue from the sender is not passed on
// (the app would wait for its own 100 Continue to be read); nor are the
// other framing and hop-by-hop headers.
func TestForwardStripsExpect(t *testing.T) {
	a := newApp(t, answering(200, "text/plain", "app"))
	h := serve(t, Options{Forward: forwarder(t, "http://"+a.host()+"/app", httpx.PathPrefix, client(5*time.Second), nil)})
	body := []byte(`{"event":"expect"}`)
	resp := h.post(t, "/hook", body, http.Header{"Expect": {"100-continue"}, "Connection": {"X-Hop"}, "X-Hop": {"1"}, "Keep-Alive": {"timeout=5"}})
	if resp.status != 200 {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	hits := a.got()
	if len(hits) != 1 {
		t.Fatalf("the app got %d requests", len(hits))
	}
	for _, name := range []string{"Expect", "Connection", "X-Hop", "Keep-Alive"} {
		if v, ok := hits[0].Header[name]; ok {
			t.Errorf("the app got %s: %q", name, v)
		}
	}
	if string(hits[0].Body) != string(body) {
		t.Errorf("the app got %q", hits[0].Body)
	}
	// The capture keeps what the sender sent, Expect included.
	if d := h.one(t); d.Record.Headers.Get("Expect") != "100-continue" {
		t.Errorf("the record's headers: %v", d.Record.Headers)
	}
}
