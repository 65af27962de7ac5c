package listener

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// The tunnel's self-check path is answered, told to OnCheck, and neither
// kept nor shown; a path that differs from it by one character is an
// ordinary delivery. --allow-ip does not refuse it (the check comes from
// this machine's public address, through the tunnel).
func TestSelfCheckIsAnsweredNotKept(t *testing.T) {
	const check = "/.hooktool-tunnel-check/00112233445566778899aabbccddeeff"
	var checks atomic.Int64
	store := &memStore{}
	h := serve(t, Options{Store: store, CheckPath: check, OnCheck: func() { checks.Add(1) },
		AllowIPs: []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}})
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+check, nil)
	if resp := h.do(t, req); resp.status != http.StatusOK {
		t.Fatalf("self-check answered %d, want 200", resp.status)
	}
	if checks.Load() != 1 {
		t.Fatalf("OnCheck called %d times, want 1", checks.Load())
	}
	near := check[:len(check)-1] + "0"
	req, _ = http.NewRequest(http.MethodPost, h.srv.URL+near, strings.NewReader("{}"))
	if resp := h.do(t, req); resp.status != http.StatusForbidden {
		t.Fatalf("a near path answered %d, want 403 (an ordinary request, outside --allow-ip)", resp.status)
	}
	ds := h.deliveries()
	if len(ds) != 1 || ds[0].Record.Path != near {
		t.Fatalf("deliveries %v, want only the near path's refusal", ds)
	}
	if checks.Load() != 1 || len(store.records(t)) != 0 {
		t.Fatalf("checks %d, kept %d: want 1 and 0", checks.Load(), len(store.records(t)))
	}
}

// Behind a tunnel, --allow-ip judges the sender's address the client
// passed on in SenderHeader (for X-Forwarded-For its last address: the one
// the client added), and only on a connection from loopback (the client);
// with no tunnel (SenderHeader "") the header is never read.
func TestAllowIPJudgesTheTunnelsSender(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}
	tests := []struct {
		name, header, peer string
		values             []string
		want               int
	}{
		{"cloudflared, allowed sender", "Cf-Connecting-Ip", "127.0.0.1:5000", []string{"203.0.113.7"}, 200},
		{"cloudflared, other sender", "Cf-Connecting-Ip", "127.0.0.1:5000", []string{"198.51.100.1"}, 403},
		{"cloudflared over IPv6 loopback", "Cf-Connecting-Ip", "[::1]:5000", []string{"203.0.113.7"}, 200},
		{"no header: the peer is judged", "Cf-Connecting-Ip", "127.0.0.1:5000", nil, 403},
		{"ngrok, the client's address last", "X-Forwarded-For", "127.0.0.1:5000", []string{"198.51.100.1, 203.0.113.7"}, 200},
		{"ngrok, a sender's own claim first", "X-Forwarded-For", "127.0.0.1:5000", []string{"203.0.113.7, 198.51.100.1"}, 403},
		{"ngrok, repeated header", "X-Forwarded-For", "127.0.0.1:5000", []string{"203.0.113.7", "198.51.100.1"}, 403},
		{"not an address", "X-Forwarded-For", "127.0.0.1:5000", []string{"203.0.113.7x"}, 403},
		{"a direct connection from elsewhere", "Cf-Connecting-Ip", "192.0.2.1:5000", []string{"203.0.113.7"}, 403},
		{"no tunnel: the header is not read", "", "127.0.0.1:5000", []string{"203.0.113.7"}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(Options{AllowIPs: allow, SenderHeader: tc.header})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, "/in", strings.NewReader("{}"))
			req.RemoteAddr = tc.peer
			name := tc.header
			if name == "" {
				name = "Cf-Connecting-Ip"
			}
			for _, v := range tc.values {
				req.Header.Add(name, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("answered %d, want %d", rec.Code, tc.want)
			}
		})
	}
}
