package listener

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
)

// Match is the left side of a route or a mirror: which deliveries it
// takes. It is written one of three ways:
//
//	GLOB            a glob over the event type (path.Match, as --events)
//	path:/PREFIX    the request path is /PREFIX or under it (/PREFIX/…)
//	where:COND      a --where condition (capture.ParseCond): a gjson path
//	                into the body, header.NAME or record.FIELD, an
//	                operator and a value
type Match struct {
	text string
	glob string
	// A glob without wildcards is compared as is (exact); one whose only
	// wildcard is a final * as a prefix (globPrefix, the rest holding no
	// "/", as path.Match's * does not): most route tables, at a string
	// compare each.
	exact, globPrefix string
	literal, prefixed bool
	prefix            string
	cond              *capture.Cond
}

// ParseMatch reads a route's left side.
func ParseMatch(text string) (Match, error) {
	m := Match{text: text}
	switch {
	case text == "":
		return Match{}, errors.New("the match is empty: give an event glob, path:/PREFIX or where:COND")
	case strings.HasPrefix(text, "path:"):
		p := strings.TrimPrefix(text, "path:")
		if !strings.HasPrefix(p, "/") {
			return Match{}, fmt.Errorf("%q: the path must start with /", text)
		}
		if p != "/" {
			p = strings.TrimSuffix(p, "/")
		}
		m.prefix = p
	case strings.HasPrefix(text, "where:"):
		c, err := capture.ParseCond(strings.TrimPrefix(text, "where:"))
		if err != nil {
			return Match{}, err
		}
		m.cond = &c
	default:
		if _, err := path.Match(text, ""); err != nil {
			return Match{}, fmt.Errorf("%q is not a valid glob", text)
		}
		m.glob = text
		const meta = `*?[\\`
		switch head := strings.TrimSuffix(text, "*"); {
		case !strings.ContainsAny(text, meta):
			m.exact, m.literal = text, true
		case head != text && !strings.ContainsAny(head, meta):
			m.globPrefix, m.prefixed = head, true
		}
	}
	return m, nil
}

// EventGlob is the glob on the event type the match is, "" for a path:
// or where: match.
func (m Match) EventGlob() string { return m.glob }

// String is the match as it was written: the route's name.
func (m Match) String() string { return m.text }

// Holds says whether the delivery rec (its body the bytes received) is
// one the match takes.
func (m Match) Holds(rec *capture.Record, body []byte) bool {
	return m.holds(rec, body, capture.BodyUnchecked)
}

// holds is Holds, with what is known of the body being JSON (found once
// for a whole route table).
func (m Match) holds(rec *capture.Record, body []byte, kind capture.Body) bool {
	switch {
	case m.cond != nil:
		return m.cond.HoldsFor(rec, body, kind)
	case m.prefix != "":
		p := rec.Path
		return m.prefix == "/" || p == m.prefix || strings.HasPrefix(p, m.prefix+"/")
	}
	ev := rec.Event
	switch {
	case ev == "":
		return false
	case m.literal:
		return ev == m.exact
	case m.prefixed:
		return strings.HasPrefix(ev, m.globPrefix) && !strings.Contains(ev[len(m.globPrefix):], "/")
	}
	ok, _ := path.Match(m.glob, ev)
	return ok
}

// SplitRoute splits "MATCH=URL" at its first lone "=": one outside quotes
// and gjson queries (capture.Unquoted) and not part of an operator (==,
// !=, <=, >=), so that
// where:record.method==PUT=3001 is the condition record.method==PUT and
// the target 3001. A condition's value holding "=" is quoted
// (where:data.note=="a=b"=3001). ok is false when there is no such "=".
func SplitRoute(s string) (match, target string, ok bool) {
	for i := range capture.Unquoted(s) {
		if s[i] != '=' || i > 0 && strings.IndexByte("=!<>", s[i-1]) >= 0 || i+1 < len(s) && s[i+1] == '=' {
			continue // not a lone "=": part of an operator
		}
		return s[:i], s[i+1:], true
	}
	return "", "", false
}

// Route sends the deliveries its Match takes to its own app.
type Route struct {
	Match   Match
	Forward *Forwarder
}

// Mirror copies deliveries to a second target whose answer is recorded
// (Record.Mirrors), never returned to the sender. A nil Match copies every
// delivery.
type Mirror struct {
	Match   *Match
	Forward *Forwarder
}

// routeTable is what New works out of Options.Routes once: the distinct
// left sides of their where: conditions (lefts), and each route's index
// in it (left; -1 for a route without a condition).
type routeTable struct {
	lefts []string
	left  []int
}

func newRouteTable(routes []Route) routeTable {
	var t routeTable
	for _, rt := range routes {
		idx := -1
		if c := rt.Match.cond; c != nil {
			idx = slices.Index(t.lefts, c.Left)
			if idx < 0 {
				idx = len(t.lefts)
				t.lefts = append(t.lefts, c.Left)
			}
		}
		t.left = append(t.left, idx)
	}
	return t
}

// foundSlot is a left side looked up for one delivery.
type foundSlot struct {
	found capture.Found
	set   bool
}

// route picks where a delivery goes: the first route whose match holds,
// else the default (Options.Forward), named capture.DefaultRoute; nil when
// neither takes it.
func (h *Handler) route(rec *capture.Record, body []byte) (*Forwarder, string) {
	t := &h.table
	var found []foundSlot
	if len(t.lefts) > 0 {
		found = make([]foundSlot, len(t.lefts))
	}
	kind := capture.BodyUnchecked
	for i := range h.o.Routes {
		rt := &h.o.Routes[i]
		var ok bool
		if c := rt.Match.cond; c != nil {
			// The body is checked once, and each left side looked up once,
			// for the whole table.
			if kind == capture.BodyUnchecked {
				kind = capture.CheckBody(body)
			}
			slot := &found[t.left[i]]
			if !slot.set {
				slot.found, slot.set = c.Find(rec, body, kind), true
			}
			ok = c.Test(slot.found)
		} else {
			ok = rt.Match.holds(rec, body, kind)
		}
		if ok {
			return rt.Forward, rt.Match.text
		}
	}
	if h.o.Forward != nil {
		return h.o.Forward, capture.DefaultRoute
	}
	return nil, ""
}

// mirror sends the delivery to every mirror that takes it, at the same
// time as the forward, and returns a function that waits for their
// answers (each bounded by its client's timeout) and gives their records,
// secrets hidden, in the order of the mirrors.
func (h *Handler) mirror(rec *capture.Record, body []byte, send func(*Forwarder) *capture.Forward) func() []capture.Forward {
	var picked []Mirror
	for _, m := range h.o.Mirrors {
		if m.Match == nil || m.Match.Holds(rec, body) {
			picked = append(picked, m)
		}
	}
	if len(picked) == 0 {
		return func() []capture.Forward { return nil }
	}
	out := make([]capture.Forward, len(picked))
	var wg sync.WaitGroup
	for i, m := range picked {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = *send(m.Forward)
			if m.Match != nil {
				out[i].Route = h.redact.Text(m.Match.text)
			}
		}()
	}
	return func() []capture.Forward {
		wg.Wait()
		return out
	}
}

// Probe says whether anything answers at the forwarder's target, within
// timeout (delivery.Client.Probe: a connection opened and closed, no
// request; nil for a target behind a proxy).
func (f *Forwarder) Probe(ctx context.Context, timeout time.Duration) error {
	return f.client.Probe(ctx, f.target.String(), timeout)
}
