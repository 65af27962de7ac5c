package view

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/term"
)

// Latency is a delivery's latency for people: µs below a millisecond, ms
// below ten seconds, then tenths of a second.
func Latency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// Size is a byte count for people: B, KiB or MiB.
func Size(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// Preview is the start of a body on one line: runs of white space become
// one space, other control characters are escaped (term.Escape), and a
// binary body is described rather than shown.
func Preview(b []byte, max int) string {
	if !utf8.Valid(b) {
		return fmt.Sprintf("(%d bytes, binary)", len(b))
	}
	s := strings.Join(strings.Fields(string(bytes.TrimSpace(b))), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return term.Escape(s)
}

// QuoteNames lists header names Go-quoted: a name from a capture file may
// hold anything.
func QuoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// CaptureHeaders are a record's headers as received, the values kept in
// base64 (not UTF-8) decoded back to their bytes, for term.Escape to show
// as \xNN; a record whose base64 is broken shows what it holds.
func CaptureHeaders(r *capture.Record) http.Header {
	if h, err := r.HeaderBytes(); err == nil {
		return h
	}
	return r.Headers
}
