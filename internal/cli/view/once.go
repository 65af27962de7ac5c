package view

import "net/url"

// MaxOnce is how many distinct problems a Once remembers having said.
const MaxOnce = 64

// Once is the "said once" memory of a printer or a command: each problem
// is said the first time its key is given. The key names the problem's
// kind and target (OnceKey), never its full text: a forward error's text
// may quote the delivery (a URL with its path and query), and a hostile
// sender varying it would otherwise get a warning, and an entry, per
// delivery. At most MaxOnce keys are kept; the problems given after that
// are counted (Untold), not said. The zero value is ready; it is not safe
// for concurrent use (its owner holds its lock).
type Once struct {
	seen   map[string]struct{}
	untold int
}

// First reports whether key is to be said now: the first time it is given,
// while fewer than MaxOnce keys are remembered.
func (o *Once) First(key string) bool {
	if _, ok := o.seen[key]; ok {
		return false
	}
	if len(o.seen) >= MaxOnce {
		o.untold++
		return false
	}
	if o.seen == nil {
		o.seen = map[string]struct{}{}
	}
	o.seen[key] = struct{}{}
	return true
}

// Untold is how many problems were not said because the memory was full.
func (o *Once) Untold() int { return o.untold }

// Len is how many keys are remembered (at most MaxOnce).
func (o *Once) Len() int { return len(o.seen) }

// OnceKey is the key of a problem met sending to target: what (forward,
// mirror, …), the error's kind and target's scheme and host, never its
// path or query (a delivery's own).
func OnceKey(what, kind, target string) string {
	if u, err := url.Parse(target); err == nil {
		target = u.Scheme + "://" + u.Host
	} else {
		target = ""
	}
	return what + "\x00" + kind + "\x00" + target
}
