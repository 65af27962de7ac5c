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

// TestTargetURL: the one rule for target paths, under each PathRule, with
// and without a target path and query.
func TestTargetURL(t *testing.T) {
	const path, query = "/hooks/aella", "src=x"
	for _, tc := range []struct {
		target  string
		rule    PathRule
		path, q string
		want    string
	}{
		// A target with a path replaces the delivery's; the query is kept.
		{"http://h:1/webhooks", PathReplace, path, query, "http://h:1/webhooks?src=x"},
		{"http://h:1/webhooks/", PathReplace, path, query, "http://h:1/webhooks/?src=x"},
		{"http://h:1/webhooks?k=v", PathReplace, path, query, "http://h:1/webhooks?k=v&src=x"},
		{"http://h:1/webhooks?k=v", PathReplace, path, "", "http://h:1/webhooks?k=v"},
		{"http://h:1/a%2Fb", PathReplace, path, query, "http://h:1/a%2Fb?src=x"},
		// No path, or just "/": the delivery's path.
		{"http://h:1", PathReplace, path, query, "http://h:1/hooks/aella?src=x"},
		{"http://h:1/", PathReplace, path, query, "http://h:1/hooks/aella?src=x"},
		{"http://h:1/?k=v", PathReplace, path, query, "http://h:1/hooks/aella?k=v&src=x"},
		{"http://h:1/", PathReplace, "/", "", "http://h:1/"},
		{"http://h:1/", PathReplace, "/a%3Fb", "", "http://h:1/a%3Fb"},
		// --path-prefix: the target's path, then the delivery's.
		{"http://h:1/webhooks", PathPrefix, path, query, "http://h:1/webhooks/hooks/aella?src=x"},
		{"http://h:1/webhooks/?k=v", PathPrefix, path, query, "http://h:1/webhooks/hooks/aella?k=v&src=x"},
		{"http://h:1", PathPrefix, path, query, "http://h:1/hooks/aella?src=x"},
		{"http://h:1/webhooks", PathPrefix, "/", query, "http://h:1/webhooks?src=x"},
		// Exact: the target as given.
		{"http://h:1/webhooks?k=v", PathExact, path, query, "http://h:1/webhooks?k=v"},
		{"http://h:1", PathExact, path, query, "http://h:1/"},
		// A path is only ever a path on the target's host.
		{"http://h:1", PathReplace, "//evil:2/x", "", "http://h:1//evil:2/x"},
		{"http://u:p@h:1/in", PathPrefix, "/@evil:2/x", "", "http://u:p@h:1/in/@evil:2/x"},
	} {
		target, err := url.Parse(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		got, err := TargetURL(target, tc.rule, tc.path, tc.q)
		if err != nil || got != tc.want {
			t.Errorf("TargetURL(%q, %d, %q, %q) = %q, %v; want %q", tc.target, tc.rule, tc.path, tc.q, got, err, tc.want)
		}
	}
}

// TestTargetURLRefuses: what JoinURL refuses, TargetURL refuses under
// every rule that uses it; a replaced path is not sent, so not looked at.
func TestTargetURLRefuses(t *testing.T) {
	for _, rule := range []PathRule{PathReplace, PathPrefix} {
		base, _ := url.Parse("http://127.0.0.1:1")
		if got, err := TargetURL(base, rule, "@127.0.0.1:2/x", ""); err == nil {
			t.Errorf("rule %d: = %q, want an error", rule, got)
		}
		with, _ := url.Parse("http://127.0.0.1:1/in")
		if got, err := TargetURL(with, rule, "/x", "a\r\nb"); err == nil {
			t.Errorf("rule %d: a query with CRLF = %q, want an error", rule, got)
		}
	}
	for _, rule := range []PathRule{PathReplace, PathPrefix, PathExact} {
		if got, err := TargetURL(nil, rule, "/x", ""); err == nil {
			t.Errorf("rule %d: a nil target = %q, want an error", rule, got)
		}
		rel, _ := url.Parse("/relative")
		if got, err := TargetURL(rel, rule, "/x", ""); err == nil {
			t.Errorf("rule %d: a relative target = %q, want an error", rule, got)
		}
	}
	with, _ := url.Parse("http://127.0.0.1:1/in")
	if got, err := TargetURL(with, PathReplace, "@127.0.0.1:2/x", ""); err != nil || got != "http://127.0.0.1:1/in" {
		t.Errorf("a replaced path = %q, %v", got, err)
	}
}
