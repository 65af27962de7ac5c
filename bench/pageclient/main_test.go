package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestClientFollowsAsThePageDoes: it lists, follows the events after the
// newest, lists again on a reset and follows on, with the token on every
// request, until the stream ends.
func TestClientFollowsAsThePageDoes(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	streams := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("X-Hooktool-Token") != "T0K" {
			http.Error(w, "no token", http.StatusForbidden)
			return
		}
		seen = append(seen, r.URL.RequestURI())
		switch r.URL.Path {
		case "/api/deliveries":
			fmt.Fprintf(w, `{"deliveries":[{"id":"a"}],"total":%d}`, 3+streams*10)
		case "/api/events":
			streams++
			w.Header().Set("Content-Type", "text/event-stream")
			if streams == 1 {
				fmt.Fprint(w, "event: delivery\nid: 3\ndata: {\"id\":\"x\",\"seq\":3}\n\n: still here\n\n")
				fmt.Fprint(w, "event: delivery\nid: 4\ndata: {\"id\":\"y\",\"seq\":4}\n\nevent: reset\ndata: {\"seq\":900}\n\n")
				return
			}
			fmt.Fprint(w, "event: delivery\nid: 13\ndata: {\"id\":\"z\",\"seq\":13}\n\n")
		}
	}))
	defer srv.Close()
	ready := filepath.Join(t.TempDir(), "ready")
	c := &client{base: srv.URL, token: "T0K", http: srv.Client()}
	if err := c.run(context.Background(), ready); err != nil {
		t.Fatal(err)
	}
	if c.events != 3 || c.resets != 1 || c.lists != 2 {
		t.Errorf("events %d, resets %d, lists %d; want 3, 1, 2", c.events, c.resets, c.lists)
	}
	want := []string{"/api/deliveries", "/api/events?after=2", "/api/deliveries", "/api/events?after=12"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", seen, want)
	}
	if b, err := os.ReadFile(ready); err != nil || string(b) != "ready\n" {
		t.Errorf("ready file %q %v", b, err)
	}
}
