package httpx

import (
	"net/url"
	"strings"
	"testing"
)

func TestJoinURL(t *testing.T) {
	for _, tc := range []struct {
		base, path, query, want string
	}{
		{"http://h:1", "/hooks/x", "a=1", "http://h:1/hooks/x?a=1"},
		{"http://h:1/", "/hooks/x", "", "http://h:1/hooks/x"},
		{"http://h:1?token=1", "/hooks/x", "a=1", "http://h:1/hooks/x?token=1&a=1"},
		{"http://h:1/app?token=1", "/hooks/x", "a=1", "http://h:1/app/hooks/x?token=1&a=1"},
		{"http://h:1/app/", "/x", "", "http://h:1/app/x"},
		{"http://h:1/app", "/", "", "http://h:1/app"},
		{"http://h:1/app", "", "q", "http://h:1/app?q"},
		{"http://h:1", "", "", "http://h:1/"},
		{"https://h/app/%2Fesc?token=1", "/hooks/x", "a=1", "https://h/app/%2Fesc/hooks/x?token=1&a=1"},
		{"http://h:1", "/a%2Fb%3Fc", "", "http://h:1/a%2Fb%3Fc"},
		{"http://u:p@h:1", "/x", "", "http://u:p@h:1/x"},
		{"http://h:1", "/x", "q=caf\xc3\xa9&r=\xff", "http://h:1/x?q=caf\xc3\xa9&r=\xff"},
		{"http://h:1", "/x", "a#b", "http://h:1/x?a%23b"},
		{"http://[::1]:1", "/x", "", "http://[::1]:1/x"},
		// Paths that look like an authority stay paths on h.
		{"http://h:1", "//evil:2/x", "", "http://h:1//evil:2/x"},
		{"http://h:1", "/@evil:2/x", "", "http://h:1/@evil:2/x"},
	} {
		base, err := url.Parse(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		got, err := JoinURL(base, tc.path, tc.query)
		if err != nil || got != tc.want {
			t.Errorf("JoinURL(%q, %q, %q) = %q, %v; want %q", tc.base, tc.path, tc.query, got, err, tc.want)
		}
		if u, err := url.Parse(got); err != nil || u.Host != base.Host {
			t.Errorf("JoinURL(%q, %q, %q) = %q: host %v", tc.base, tc.path, tc.query, got, err)
		}
	}
}

// TestJoinURLRefusesWhatIsNotAPath: a path that would name another host or
// port, or end the path or the request line, is refused.
func TestJoinURLRefusesWhatIsNotAPath(t *testing.T) {
	for _, tc := range []struct{ base, path, query string }{
		{"http://127.0.0.1:1", "@127.0.0.1:2/x", ""},
		{"http://127.0.0.1", ":2/x", ""},
		{"http://127.0.0.1:1", "127.0.0.1:2/x", ""},
		{"http://127.0.0.1:1", ".evil/x", ""},
		{"http://127.0.0.1:1", "*", ""},
		{"http://127.0.0.1:1", "/x?y=1", ""},
		{"http://127.0.0.1:1", "/x#y", ""},
		{"http://127.0.0.1:1", "/x y", ""},
		{"http://127.0.0.1:1", "/x\r\nHost: evil", ""},
		{"http://127.0.0.1:1", "/x\x00", ""},
		{"http://127.0.0.1:1", "/caf\xc3\xa9", ""},
		{"http://127.0.0.1:1", "/x", "a=1 HTTP/1.1"},
		{"http://127.0.0.1:1", "/x", "a\r\nb"},
	} {
		base, _ := url.Parse(tc.base)
		if got, err := JoinURL(base, tc.path, tc.query); err == nil {
			t.Errorf("JoinURL(%q, %q, %q) = %q, want an error", tc.base, tc.path, tc.query, got)
		}
	}
	for _, base := range []*url.URL{nil, {Path: "/x"}, {Scheme: "ftp", Host: "h"}} {
		if got, err := JoinURL(base, "/x", ""); err == nil || !strings.Contains(err.Error(), "base URL") {
			t.Errorf("JoinURL(%v) = %q, %v", base, got, err)
		}
	}
}
