package view

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/term"
)

// Latency is a delivery's round trip for people: µs, ms, then seconds.
func Latency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
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
