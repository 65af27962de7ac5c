package catalog

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"text/template"
	"time"
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
	return t, 0, nil
}

// Render produces the event's sample payload with fresh values as of now.
func (e *Event) Render(now time.Time) ([]byte, error) {
	t, err := e.sample.Clone()
	if err != nil {
		return nil, err
	}
	t.Funcs(renderFuncs(map[string]string{}, now.UTC()))
	var out bytes.Buffer
	if err := t.Execute(&out, struct{ Event string }{e.Name}); err != nil {
		return nil, fmt.Errorf("%s: event %s: %v", e.provider.File, e.Name, err)
	}
	return out.Bytes(), nil
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
	return template.FuncMap{
		"uuid": func(name string) string { return once("uuid", name, newUUID) },
		"digits": func(name string, n int) string {
			return once("digits", name, func() string { return randomFrom("0123456789", n) })
		},
		"alnum": func(name string, n int) string {
			return once("alnum", name, func() string { return randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", n) })
		},
		"hex": func(name string, n int) string {
			return once("hex", name, func() string { return randomFrom("0123456789abcdef", n) })
		},
		"int": func(name string, lo, hi int) string {
			return once("int", name, func() string {
				if hi <= lo {
					return fmt.Sprint(lo)
				}
				return fmt.Sprint(lo + randomInt(hi-lo+1))
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

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randomInt(len(alphabet))]
	}
	return string(b)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
