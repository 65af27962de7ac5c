package listener

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
)

// TestForwardHTTP2: an https app that offers HTTP/2 is forwarded to over
// HTTP/2, with the certificate check off (--forward-insecure) as with a
// local app's self-signed certificate.
func TestForwardHTTP2(t *testing.T) {
	var proto int
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto = r.ProtoMajor
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(204)
	}))
	app.EnableHTTP2 = true
	app.StartTLS()
	t.Cleanup(app.Close)
	c := delivery.New(delivery.Options{Timeout: 5 * time.Second, Insecure: true})
	h := serve(t, Options{EventPath: "event", Forward: forwarder(t, app.URL, httpx.PathReplace, c, nil)})
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/hooks", strings.NewReader(`{"event":"e"}`))
	if resp := h.do(t, req); resp.status != 204 {
		t.Fatalf("answered %d, want the app's 204", resp.status)
	}
	if d := h.one(t); d.ForwardErr != nil {
		t.Fatal(d.ForwardErr)
	}
	if proto != 2 {
		t.Errorf("the app was forwarded to over HTTP/%d, want HTTP/2", proto)
	}
}

// TestForwardKeepsQuery: the delivery's query reaches the app whatever the
// path rule, after the target's own.
func TestForwardKeepsQuery(t *testing.T) {
	for _, tc := range []struct {
		target string
		rule   httpx.PathRule
		want   string
	}{
		{"", httpx.PathReplace, "/hooks/in?a=1&b=2"},
		{"/app", httpx.PathReplace, "/app?a=1&b=2"},
		{"/app?k=v", httpx.PathReplace, "/app?k=v&a=1&b=2"},
		{"/app", httpx.PathPrefix, "/app/hooks/in?a=1&b=2"},
		{"/app?k=v", httpx.PathPrefix, "/app/hooks/in?k=v&a=1&b=2"},
	} {
		app := newSink(t, 200)
		h := serve(t, Options{EventPath: "event", Forward: forwarder(t, app.srv.URL+tc.target, tc.rule, client(5*time.Second), nil)})
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/hooks/in?a=1&b=2", strings.NewReader(`{}`))
		h.do(t, req)
		h.one(t)
		if got := app.requests(); len(got) != 1 || got[0].uri != tc.want {
			t.Errorf("target %q rule %d: the app got %+v, want %s", tc.target, tc.rule, got, tc.want)
		}
	}
}
