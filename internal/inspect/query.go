package inspect

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
)

// Filter picks deliveries: the selection language of `--event` and
// `--where` (capture.Selector, the one home of its rules), and free text
// over bodies.
type Filter struct {
	Select capture.Selector
	// Text, when set, must occur in the body (its bytes as received),
	// ASCII letters matched in either case.
	Text string
}

// NewFilter parses a filter as the CLI's flags give one: an event glob,
// --where conditions, free text.
func NewFilter(event string, where []string, text string) (Filter, error) {
	f := Filter{Select: capture.Selector{Event: event}, Text: text}
	for _, w := range where {
		c, err := capture.ParseCond(w)
		if err != nil {
			return Filter{}, fmt.Errorf("where: %w", err)
		}
		f.Select.Where = append(f.Select.Where, c)
	}
	return f, nil
}

// Match reports whether rec passes the filter.
func (f Filter) Match(rec *capture.Record) bool {
	if !f.Select.Match(rec) {
		return false
	}
	if f.Text == "" {
		return true
	}
	body, err := rec.Bytes()
	if err != nil {
		return false
	}
	return containsFold(body, f.Text)
}

// containsFold reports whether text occurs in b, ASCII letters in either
// case (bytes that are not UTF-8 compared as they are).
func containsFold(b []byte, text string) bool {
	if bytes.Contains(b, []byte(text)) {
		return true
	}
	lower := strings.ToLower(text)
	if !utf8.Valid(b) {
		return bytes.Contains(bytes.ToLower(b), []byte(lower))
	}
	return strings.Contains(strings.ToLower(string(b)), lower)
}

// Item is a delivery at its position.
type Item struct {
	Pos int
	Rec *capture.Record
}

// Page is one page of a listing, newest first.
type Page struct {
	Items []Item
	// Next is the position to continue from (the next call's before), or
	// -1 when every older delivery was looked at.
	Next int
	// Scanned is how many deliveries were looked at; Skipped how many of
	// them could not be read (said by Warn, once each).
	Scanned, Skipped int
}

// PageOptions bound one page.
type PageOptions struct {
	// Before is the position to start below (newest first): -1 or a
	// position past the end start at the newest.
	Before int
	// Limit is the most deliveries returned.
	Limit int
	// Budget is the most deliveries looked at (a filter that matches
	// little stops there and returns a partial page with Next set, so no
	// request reads 100,000 records from disk); 0 means no bound.
	Budget int
}

// List returns deliveries below o.Before that f matches, newest first.
func (ix *Index) List(f Filter, o PageOptions) Page {
	n := ix.Len()
	start := o.Before - 1
	if o.Before < 0 || o.Before > n {
		start = n - 1
	}
	p := Page{Next: -1}
	for pos := start; pos >= 0; pos-- {
		if len(p.Items) >= o.Limit || (o.Budget > 0 && p.Scanned >= o.Budget) {
			p.Next = pos + 1
			break
		}
		p.Scanned++
		rec, err := ix.Record(pos)
		if err != nil {
			p.Skipped++
			ix.warnUnreadable(pos, err)
			continue
		}
		if f.Match(rec) {
			p.Items = append(p.Items, Item{Pos: pos, Rec: rec})
		}
	}
	return p
}
