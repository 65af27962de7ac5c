package catalog

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/hooktool/hooktool/internal/randid"
)

// Sample templates are Go text/template over JSON text. Every send gets
// fresh values; a value asked for twice under the same name (uuid "mandate")
// is the same within one payload, so internal references agree:
//
//	{{uuid "name"}}            a random (v4) UUID
//	{{digits "name" 10}}       10 random decimal digits
//	{{alnum "name" 12}}        12 random upper-case letters and digits
//	{{hex "name" 24}}          24 random lower-case hex digits
//	{{int "name" 100 50000}}   a random integer in [100, 50000]
//	{{pick "name" "a" "b"}}    one of the choices
//	{{now "layout"}}           the current time (UTC)
//	{{ago "90m" "layout"}}     the current time less a duration
//	{{.Event}}                 the event's name
//
// Layouts: rfc3339 (2024-12-06T14:00:00Z), rfc3339ms
// (2025-03-25T10:17:00.380Z, as JavaScript writes it), unix, unixms, date
// (2006-01-02), or any Go time layout.
//
// A sample is user input (a --catalog directory), so what it may cost is
// bounded: see the limits below.

// The limits of one sample.
const (
	// maxRandomLen bounds digits, alnum and hex.
	maxRandomLen = 4096
	// maxRangeLoops bounds the loops of a sample's ranges, all counted
	// (nested ones multiplied). A range takes a number literal only, so
	// this is known when the catalog is read.
	maxRangeLoops = 100_000
	// maxRendered bounds the bytes one render writes.
	maxRendered = 4 << 20
)

// parseFuncs stand in for the render-time functions while parsing.
var parseFuncs = renderFuncs(nil, time.Time{})

// parseSample parses a sample template. On error it returns the line within
// the sample (from 1) that the parser blames, or 0.
func parseSample(name, text string) (*template.Template, int, error) {
	t, err := template.New(name).Option("missingkey=error").Funcs(parseFuncs).Parse(text)
	if err != nil {
		// "template: transfer.completed:3: unexpected ..." → 3, "unexpected ..."
		msg := strings.TrimPrefix(err.Error(), "template: "+name+":")
		line := 0
		if n, rest, ok := strings.Cut(msg, ": "); ok {
			if _, scanErr := fmt.Sscanf(n, "%d", &line); scanErr == nil {
				msg = rest
			}
		}
		return nil, line, errors.New(msg)
	}
	c := sampleCheck{text: text}
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		if loops := c.list(tt.Tree.Root); loops > maxRangeLoops {
			c.fail(c.lastRange, "the ranges loop %d times, more than %d", loops, maxRangeLoops)
		}
		if c.err != nil {
			return nil, c.line, c.err
		}
	}
	return t, 0, nil
}

// sampleCheck walks a parsed sample and refuses what would cost too much
// to render: template calls (recursion), ranges over anything but a number
// literal or looping more than maxRangeLoops times, random strings longer
// than maxRandomLen.
type sampleCheck struct {
	text      string
	lastRange parse.Node // where a sum of sibling ranges is blamed
	err       error
	line      int
}

func (c *sampleCheck) fail(n parse.Node, format string, a ...any) {
	if c.err != nil {
		return
	}
	c.err = fmt.Errorf(format, a...)
	if n != nil && int(n.Position()) <= len(c.text) {
		c.line = 1 + strings.Count(c.text[:n.Position()], "\n")
	}
}

// list returns the loops of l's ranges, saturating at MaxInt64.
func (c *sampleCheck) list(l *parse.ListNode) int64 {
	if l == nil {
		return 0
	}
	var total int64
	for _, n := range l.Nodes {
		total = satAdd(total, c.node(n))
	}
	return total
}

func (c *sampleCheck) node(n parse.Node) int64 {
	switch n := n.(type) {
	case *parse.ActionNode:
		c.pipe(n.Pipe)
	case *parse.IfNode:
		c.pipe(n.Pipe)
		return satAdd(c.list(n.List), c.list(n.ElseList))
	case *parse.WithNode:
		c.pipe(n.Pipe)
		return satAdd(c.list(n.List), c.list(n.ElseList))
	case *parse.TemplateNode:
		c.fail(n, "a sample cannot call templates ({{template %q}})", n.Name)
	case *parse.RangeNode:
		count, ok := rangeCount(n.Pipe)
		if !ok {
			c.fail(n, "range takes a number such as {{range 3}}, not %s", n.Pipe)
			return 0
		}
		body := c.list(n.List)
		hi, lo := bits.Mul64(uint64(count), uint64(satAdd(body, 1)))
		loops := int64(math.MaxInt64)
		if hi == 0 && lo <= math.MaxInt64 {
			loops = int64(lo)
		}
		loops = satAdd(loops, c.list(n.ElseList))
		c.lastRange = n
		if loops > maxRangeLoops {
			c.fail(n, "the ranges loop %d times, more than %d", loops, maxRangeLoops)
		}
		return loops
	}
	return 0
}

func (c *sampleCheck) pipe(p *parse.PipeNode) {
	if p == nil {
		return
	}
	for _, cmd := range p.Cmds {
		for _, a := range cmd.Args {
			if sub, ok := a.(*parse.PipeNode); ok {
				c.pipe(sub)
			}
		}
		if len(cmd.Args) < 3 {
			continue
		}
		fn, ok := cmd.Args[0].(*parse.IdentifierNode)
		num, isNum := cmd.Args[2].(*parse.NumberNode)
		if !ok || !isNum || !num.IsInt {
			continue
		}
		switch fn.Ident {
		case "digits", "alnum", "hex":
			if err := checkRandomLen(fn.Ident, num.Int64); err != nil {
				c.fail(cmd, "%v", err)
			}
		}
	}
}

// rangeCount is the count of {{range N}}, a number literal.
func rangeCount(p *parse.PipeNode) (int64, bool) {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return 0, false
	}
	num, ok := p.Cmds[0].Args[0].(*parse.NumberNode)
	if !ok || !num.IsInt {
		return 0, false
	}
	return max(num.Int64, 0), true
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// checkRandomLen bounds the length asked of digits, alnum and hex.
func checkRandomLen(fn string, n int64) error {
	switch {
	case n < 0:
		return fmt.Errorf("%s asks for %d characters", fn, n)
	case n > maxRandomLen:
		return fmt.Errorf("%s asks for %d characters, more than %d", fn, n, maxRandomLen)
	}
	return nil
}

// Render produces the event's sample payload with fresh values as of now.
func (e *Event) Render(now time.Time) ([]byte, error) {
	t, err := e.sample.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(renderFuncs(map[string]string{}, now.UTC()))
	var out limitedBuffer
	if err := t.Execute(&out, struct{ Event string }{e.Name}); err != nil {
		return nil, fmt.Errorf("%s: event %s: %v", e.provider.File, e.Name, err)
	}
	return out.Bytes(), nil
}

var errRenderedTooLarge = fmt.Errorf("the sample renders to more than %d MiB", maxRendered>>20)

// limitedBuffer is a buffer that refuses to grow past maxRendered: the
// write error ends the template's execution.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxRendered {
		return 0, errRenderedTooLarge
	}
	return b.Buffer.Write(p)
}

func renderFuncs(memo map[string]string, now time.Time) template.FuncMap {
	once := func(kind, name string, make func() string) string {
		if memo == nil {
			return ""
		}
		key := kind + "\x00" + name
		if v, ok := memo[key]; ok {
			return v
		}
		v := make()
		memo[key] = v
		return v
	}
	random := func(kind, name, alphabet string, n int) (string, error) {
		if err := checkRandomLen(kind, int64(n)); err != nil {
			return "", err
		}
		return once(kind, name, func() string { return randid.String(alphabet, n) }), nil
	}
	return template.FuncMap{
		"uuid": func(name string) string { return once("uuid", name, randid.UUID) },
		"digits": func(name string, n int) (string, error) {
			return random("digits", name, "0123456789", n)
		},
		"alnum": func(name string, n int) (string, error) {
			return random("alnum", name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", n)
		},
		"hex": func(name string, n int) (string, error) {
			return random("hex", name, "0123456789abcdef", n)
		},
		"int": func(name string, lo, hi int) string {
			return once("int", name, func() string {
				if hi <= lo {
					return fmt.Sprint(lo)
				}
				// In big.Int: hi-lo+1 overflows an int across the whole range.
				span := new(big.Int).Sub(big.NewInt(int64(hi)), big.NewInt(int64(lo)))
				v, err := rand.Int(rand.Reader, span.Add(span, big.NewInt(1)))
				if err != nil {
					panic(err) // crypto/rand does not fail on supported platforms
				}
				return v.Add(v, big.NewInt(int64(lo))).String()
			})
		},
		"pick": func(name string, choices ...string) string {
			return once("pick", name, func() string {
				if len(choices) == 0 {
					return ""
				}
				return choices[randomInt(len(choices))]
			})
		},
		"now": func(layout string) string { return formatTime(now, layout) },
		"ago": func(d, layout string) (string, error) {
			dur, err := time.ParseDuration(d)
			if err != nil {
				return "", err
			}
			return formatTime(now.Add(-dur), layout), nil
		},
	}
}

func formatTime(t time.Time, layout string) string {
	switch layout {
	case "rfc3339":
		return t.Format(time.RFC3339)
	case "rfc3339ms":
		return t.Format("2006-01-02T15:04:05.000Z07:00")
	case "unix":
		return fmt.Sprint(t.Unix())
	case "unixms":
		return fmt.Sprint(t.UnixMilli())
	case "date":
		return t.Format(time.DateOnly)
	}
	return t.Format(layout)
}

func randomInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return int(v.Int64())
}
