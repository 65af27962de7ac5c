// Package export turns kept deliveries back into requests for other tools:
// a HAR 1.2 document, or shell commands that run curl. Whatever came from a
// delivery is inert in the output: every word of a command is shell-quoted
// (ShellQuote, the one quoting of hooktool), and comments hold no raw
// newline.
package export

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/httpx"
)

// ShellQuote quotes s as one word for a POSIX shell: in single quotes,
// where nothing is special, and each single quote of s closes the quotes,
// is written escaped, and opens them again. The word is s byte for byte (a
// shell cannot hold a NUL byte in a word).
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// commentText makes s safe in a shell comment, which ends at a newline:
// text with anything unprintable (newlines, carriage returns, escapes) is
// shown Go-quoted.
func commentText(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// ReceivedURL is the base URL a delivery was received on: the listener's
// own address (the Host header is the sender's to choose), else the Host
// header, else localhost.
func ReceivedURL(r *capture.Record) *url.URL {
	host := r.LocalAddr
	if host == "" {
		host = r.Host
	}
	if host == "" {
		host = "localhost"
	}
	return &url.URL{Scheme: "http", Host: host, Path: "/"}
}

// Curl writes a curl command that sends r again, byte-exact, to base (nil:
// where it was received) with the capture's path and query placed as rule
// says (httpx.TargetURL), and the headers a request sent again carries
// (httpx.Sendable). The body
// is inlined when it is text, and piped in through base64 -d otherwise.
// invalid names the headers left out because their name is not a token or
// a value holds CR, LF or NUL.
func Curl(w io.Writer, r *capture.Record, base *url.URL, rule httpx.PathRule) (invalid []string, err error) {
	body, err := r.Bytes()
	if err != nil {
		return nil, err
	}
	if base == nil {
		base = ReceivedURL(r)
	}
	target, err := captureURL(r, base, rule)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s %s\n", commentText(r.ID), r.ReceivedAt.Format(time.RFC3339), commentText(r.Event))
	binary := !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0
	if binary {
		fmt.Fprintf(&b, "printf %%s %s | base64 -d | ", ShellQuote(base64.StdEncoding.EncodeToString(body)))
	}
	fmt.Fprintf(&b, "curl -sS -X %s %s", ShellQuote(r.Method), ShellQuote(target))
	received, err := r.HeaderBytes()
	if err != nil {
		return nil, err
	}
	h, invalid := httpx.Sendable(received)
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(&b, " \\\n  -H %s", ShellQuote(k+": "+v))
		}
	}
	switch {
	case binary:
		b.WriteString(" \\\n  --data-binary @-")
	case len(body) > 0:
		// --data-raw: curl would read a body starting with @ as a file name.
		fmt.Fprintf(&b, " \\\n  --data-raw %s", ShellQuote(string(body)))
	}
	b.WriteString("\n\n")
	_, err = io.WriteString(w, b.String())
	return invalid, err
}

// captureURL is where r is sent again under rule: httpx.TargetURL, so
// never another host.
func captureURL(r *capture.Record, base *url.URL, rule httpx.PathRule) (string, error) {
	u, err := httpx.TargetURL(base, rule, r.Path, r.Query)
	if err != nil {
		return "", fmt.Errorf("capture %s: %w", r.ID, err)
	}
	return u, nil
}
