package view

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/capture/export"
	"github.com/hooktool/hooktool/internal/signature"
)

// WriteCurl prints a curl command that sends a signed request. The body is
// referenced by file when it came from one (byte-exact, whatever it holds),
// inlined when it is printable text, and read from stdin otherwise. A
// secret header's value is a shell expansion (signature.Redactor put it
// there) and is left unquoted so the shell expands it.
func WriteCurl(w io.Writer, target, contentType string, headers []signature.HeaderField, body []byte, payloadFile string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "curl -sS -X POST %s \\\n", export.ShellQuote(target))
	fmt.Fprintf(&b, "  -H %s \\\n", export.ShellQuote("Content-Type: "+contentType))
	for _, h := range headers {
		if h.Secret {
			fmt.Fprintf(&b, "  -H \"%s: %s\" \\\n", h.Name, h.Value)
			continue
		}
		fmt.Fprintf(&b, "  -H %s \\\n", export.ShellQuote(h.Name+": "+h.Value))
	}
	switch {
	case payloadFile != "" && payloadFile != "-":
		fmt.Fprintf(&b, "  --data-binary @%s\n", export.ShellQuote(payloadFile))
	case utf8.Valid(body) && !bytes.ContainsRune(body, 0):
		// --data-raw: curl would read a body starting with @ as a file name.
		fmt.Fprintf(&b, "  --data-raw %s\n", export.ShellQuote(string(body)))
	default:
		b.WriteString("  --data-binary @-   # the body is binary: pipe it in\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteHTTP prints the raw HTTP/1.1 POST request to target.
func WriteHTTP(w io.Writer, target, contentType string, headers []signature.HeaderField, body []byte) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("--to %q is not an absolute URL", target)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\n", u.RequestURI(), u.Host)
	fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %s\r\n", contentType, strconv.Itoa(len(body)))
	for _, h := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
	}
	b.WriteString("\r\n")
	b.Write(body)
	_, err = w.Write(b.Bytes())
	return err
}
