package listener

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// An IPv4-mapped prefix (::ffff:127.0.0.0/104, what one writes for IPv4
// senders of a listener on "::") allows the IPv4 addresses it maps, and
// only those; as does a mapped address. Both sides are compared unmapped.
func TestAllowIPv4MappedPrefixes(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name   string
		listen string // the listener's address; the sender dials its port
		dial   string // the sender's host
		allow  []netip.Prefix
		want   int
	}{
		{"mapped prefix", "127.0.0.1:0", "127.0.0.1", []netip.Prefix{p("::ffff:127.0.0.0/104")}, 200},
		{"mapped address", "127.0.0.1:0", "127.0.0.1", []netip.Prefix{p("::ffff:127.0.0.1/128")}, 200},
		{"mapped prefix of another network", "127.0.0.1:0", "127.0.0.1", []netip.Prefix{p("::ffff:10.0.0.0/104")}, 403},
		{"mapped neighbour", "127.0.0.1:0", "127.0.0.1", []netip.Prefix{p("::ffff:127.0.0.2/128")}, 403},
		{"on ::, mapped prefix", "[::]:0", "127.0.0.1", []netip.Prefix{p("::ffff:127.0.0.0/104")}, 200},
		{"on ::, mapped prefix of another network", "[::]:0", "127.0.0.1", []netip.Prefix{p("::ffff:10.0.0.0/104")}, 403},
		{"on ::, IPv6 sender, mapped prefix", "[::]:0", "::1", []netip.Prefix{p("::ffff:127.0.0.0/104")}, 403},
		{"on ::, IPv6 sender, IPv6 prefix", "[::]:0", "::1", []netip.Prefix{p("::ffff:127.0.0.0/104"), p("::1/128")}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.dial == "::1" {
				// The IPv6 senders only: the IPv4 ones above hold the fix
				// on every machine.
				requireIPv6Loopback(t)
			}
			ln, err := net.Listen("tcp", tc.listen)
			if err != nil {
				t.Fatal(err)
			}
			store := &memStore{}
			h := serveOn(t, Options{Store: store, AllowIPs: tc.allow}, ln)
			url := "http://" + net.JoinHostPort(tc.dial, portOf(t, ln)) + "/in"
			req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"a":1}`))
			if err != nil {
				t.Fatal(err)
			}
			resp := h.do(t, req)
			d := h.one(t)
			if host, _, _ := net.SplitHostPort(d.Record.RemoteAddr); host != tc.dial {
				t.Fatalf("remote address %s, want %s", d.Record.RemoteAddr, tc.dial)
			}
			checkAllow(t, resp, d, store, tc.want)
		})
	}
}

func portOf(t *testing.T, ln net.Listener) string {
	t.Helper()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func requireIPv6Loopback(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
}
