package term

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape makes a sender-controlled string (an event type, a path, a header
// value) safe to print on a terminal as one line: what a terminal would act
// on instead of showing is shown visibly. C0 controls, DEL and C1 controls
// become \xNN (\t, \n, \r as such), a byte that is not UTF-8 becomes \xNN,
// and the Unicode bidi embeddings, overrides and isolates (U+202A-U+202E,
// U+2066-U+2069), which reorder what follows them, become \uNNNN. So an ESC
// sequence cannot erase the line or forge another, and a line break cannot
// start a line of its own. Everything else, backslashes included, is kept,
// and a string with nothing to escape is returned as it is.
func Escape(s string) string { return escape(s, false) }

// EscapeText is Escape for text shown on several lines (a body): line
// breaks (\n, and \r\n) and tabs are kept, everything else as Escape.
func EscapeText(s string) string { return escape(s, true) }

func escape(s string, multiline bool) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if visible(r, size, s[i:], multiline) {
			i += size
			continue
		}
		break
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case visible(r, size, s[i:], multiline):
			b.WriteString(s[i : i+size])
		case size == 1 && r == utf8.RuneError:
			writeByteEscape(&b, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100:
			writeByteEscape(&b, byte(r))
		default:
			b.WriteString(`\u`)
			b.WriteString(strconv.FormatInt(int64(r), 16))
		}
		i += size
	}
	return b.String()
}

// visible reports whether the rune r (size bytes at the start of rest) is
// printed as it is.
func visible(r rune, size int, rest string, multiline bool) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return false // a byte that is not UTF-8
	case multiline && (r == '\n' || r == '\t'):
		return true
	case multiline && r == '\r':
		return len(rest) > 1 && rest[1] == '\n' // a CRLF line break
	case r < 0x20 || r == 0x7f:
		return false // C0 controls and DEL
	case r >= 0x80 && r <= 0x9f:
		return false // C1 controls (U+009B is CSI on some terminals)
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return false // bidi embeddings, overrides and isolates
	}
	return true
}

func writeByteEscape(b *strings.Builder, c byte) {
	const hex = "0123456789abcdef"
	b.WriteString(`\x`)
	b.WriteByte(hex[c>>4])
	b.WriteByte(hex[c&15])
}
