// Package httpx holds the HTTP policies of everything that sends a request
// on or again (the listener's forwarder, replay, the exporters, the
// delivery client): which headers frame a message or belong to one
// connection and so are never copied, which names and values are valid
// (for flags as for captures), and how a base URL and a request's path
// make one URL that never leaves the base's host.
package httpx

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// CheckPath reports whether p can be sent as a request's path after a base
// URL: it starts with "/" and holds only printable ASCII other than space,
// "?" and "#" (a path as it comes on the wire, %-escapes kept). Anything
// else could name another host (":8080/x", "@evil/x") or end the path.
func CheckPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("path %q is not a path: it must start with /", p)
	}
	if i := strings.IndexFunc(p, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '?' || r == '#' }); i >= 0 {
		return fmt.Errorf("path %q is not a path: byte %d is %q", p, i, p[i])
	}
	return nil
}

// checkQuery refuses a raw query that would end the request line: a space
// or a control byte.
func checkQuery(q string) error {
	if i := strings.IndexFunc(q, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return fmt.Errorf("query %q: byte %d is %q", q, i, q[i])
	}
	return nil
}

// JoinURL is base with path after base's own path, and base's query
// followed by rawQuery (a "#" in it escaped). A path of "" or "/" leaves base's path as it is.
// The URL is built from base's parts, never by parsing what a request
// says, and the result is checked to name base's scheme, user and host:
// only base's host is ever contacted.
func JoinURL(base *url.URL, path, rawQuery string) (string, error) {
	if base == nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return "", errors.New("the base URL is not an absolute http:// or https:// URL")
	}
	p := base.EscapedPath()
	if path != "" && path != "/" {
		if err := CheckPath(path); err != nil {
			return "", err
		}
		p = strings.TrimSuffix(p, "/") + path
	}
	if p == "" {
		p = "/"
	}
	if err := checkQuery(rawQuery); err != nil {
		return "", err
	}
	q := base.RawQuery
	if rawQuery != "" {
		if q != "" {
			q += "&"
		}
		// A "#" in a request's query is data (a request has no fragment);
		// after a base URL it would start one, and be lost.
		q += strings.ReplaceAll(rawQuery, "#", "%23")
	}
	var b strings.Builder
	b.Grow(len(base.Scheme) + len(base.Host) + len(p) + len(q) + 5)
	b.WriteString(base.Scheme)
	b.WriteString("://")
	if base.User != nil {
		b.WriteString(base.User.String())
		b.WriteByte('@')
	}
	b.WriteString(base.Host)
	b.WriteString(p)
	if q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	out := b.String()
	u, err := url.Parse(out)
	if err != nil {
		return "", fmt.Errorf("path %q and query %q make no URL: %v", path, rawQuery, err)
	}
	if u.Scheme != base.Scheme || u.Host != base.Host || u.User.String() != base.User.String() {
		return "", fmt.Errorf("path %q and query %q would leave %s", path, rawQuery, base.Host)
	}
	return out, nil
}

// PathRule is how a target URL and a delivery's path and query make the
// URL the delivery is sent to: one rule for listen --forward-to, replay
// --to and captures export --to (the README's "Target URLs").
type PathRule uint8

const (
	// PathReplace, the default: a target with a path sends each delivery
	// to that path; a target without one ("" or "/") keeps the delivery's
	// path. Either way the delivery's query follows the target's own.
	PathReplace PathRule = iota
	// PathPrefix (--path-prefix): the delivery's path after the target's,
	// and its query after the target's.
	PathPrefix
	// PathExact (replay --keep-path=false): the target as given, without
	// the delivery's path or query.
	PathExact
)

// TargetURL is where a delivery with this path and raw query is sent
// under rule: the target's scheme, user and host always; a path as rule
// says; the target's query, then the delivery's after "&" (both as they
// are: nothing is decoded, merged or dropped). It is built by JoinURL, so
// a delivery's path or query never names another host.
func TargetURL(target *url.URL, rule PathRule, path, rawQuery string) (string, error) {
	switch rule {
	case PathExact:
		path, rawQuery = "", ""
	case PathReplace:
		if target != nil && target.EscapedPath() != "" && target.EscapedPath() != "/" {
			path = ""
		}
	}
	return JoinURL(target, path, rawQuery)
}
