package delivery

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// TestNoLoopbackProxy: the environment's proxy is used for every target
// but a loopback one, whatever NO_PROXY says.
func TestNoLoopbackProxy(t *testing.T) {
	proxy, _ := url.Parse("http://proxy.example:3128")
	pick := noLoopbackProxy(func(*http.Request) (*url.URL, error) { return proxy, nil })
	for host, want := range map[string]bool{
		"localhost:3000": false, "LOCALHOST.:3000": false, "app.localhost:3000": false, "127.0.0.1:3000": false,
		"127.1.2.3": false, "[::1]:3000": false,
		"app.example:3000": true, "10.0.0.1:3000": true, "[2001:db8::1]:443": true, "localhost.example": true,
	} {
		got, err := pick(&http.Request{URL: &url.URL{Scheme: "http", Host: host}})
		if err != nil || (got != nil) != want {
			t.Errorf("%s: proxy %v (%v), want proxied %v", host, got, err, want)
		}
	}
	// The client's own transport uses this policy.
	if tr := New(Options{}).HTTP.Transport.(*http.Transport); tr.Proxy == nil {
		t.Error("the client's transport reads no proxy")
	} else if p, _ := tr.Proxy(&http.Request{URL: &url.URL{Scheme: "http", Host: "app.localhost:1"}}); p != nil {
		t.Errorf("the client's transport proxies app.localhost through %v", p)
	}
}

// TestProbe: a target that answers, one that refuses, and one reached
// through a proxy (not probed).
func TestProbe(t *testing.T) {
	up := httptest.NewServer(http.NotFoundHandler())
	defer up.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/hooks"
	ln.Close()
	c := New(Options{})
	if err := c.Probe(context.Background(), up.URL+"/x", time.Second); err != nil {
		t.Errorf("probe of a live app: %v", err)
	}
	var de *Error
	if err := c.Probe(context.Background(), down, time.Second); !errors.As(err, &de) || de.Kind != KindRefused {
		t.Errorf("probe of a closed port: %v, want connection_refused", err)
	}
	proxy, _ := url.Parse("http://127.0.0.1:1")
	c.HTTP.Transport.(*http.Transport).Proxy = func(*http.Request) (*url.URL, error) { return proxy, nil }
	if err := c.Probe(context.Background(), down, time.Second); err != nil {
		t.Errorf("a proxied target was probed: %v", err)
	}
}
