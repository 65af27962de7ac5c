package view

import (
	"fmt"

	"github.com/hooktool/hooktool/internal/signature"
)

// Signed is what `hooktool sign` made: the request to send and what its
// signature covers.
type Signed struct {
	Scheme string
	// ID and Timestamp are printed (json form) only when the scheme signs
	// them.
	ID           string
	HasID        bool
	Timestamp    int64
	HasTimestamp bool
	URL          string
	ContentType  string
	Headers      []signature.HeaderField
	Body         []byte
	// PayloadFile is where the body came from ("" or "-": stdin); the curl
	// form refers to it rather than inlining the bytes.
	PayloadFile string
}

// SignPrinter prints a signed request in one of sign's --format forms.
type SignPrinter interface {
	Signed(Signed) error
}

// NewSignPrinter returns the printer of format: headers, json, curl or
// http (the command has checked it is one of them).
func NewSignPrinter(out Out, format string) SignPrinter {
	switch format {
	case "json":
		return signJSON{out}
	case "curl":
		return signCurl{out}
	case "http":
		return signHTTP{out}
	}
	return signHeaders{out}
}

type signHeaders struct{ out Out }

func (p signHeaders) Signed(s Signed) error {
	for _, h := range s.Headers {
		if _, err := fmt.Fprintf(p.out.Streams.Out, "%s: %s\n", h.Name, h.Value); err != nil {
			return err
		}
	}
	return nil
}

type signJSON struct{ out Out }

// signedJSON is sign's json form; its fields are in the order
// encoding/json gives a map's keys, as earlier versions printed it.
type signedJSON struct {
	Headers   map[string]string `json:"headers"`
	ID        *string           `json:"id,omitempty"`
	Scheme    string            `json:"scheme"`
	Timestamp *int64            `json:"timestamp,omitempty"`
}

func (p signJSON) Signed(s Signed) error {
	doc := signedJSON{Headers: map[string]string{}, Scheme: s.Scheme}
	for _, h := range s.Headers {
		doc.Headers[h.Name] = h.Value
	}
	if s.HasID {
		doc.ID = &s.ID
	}
	if s.HasTimestamp {
		doc.Timestamp = &s.Timestamp
	}
	return JSONLine(p.out.Streams.Out, doc)
}

type signCurl struct{ out Out }

func (p signCurl) Signed(s Signed) error {
	return WriteCurl(p.out.Streams.Out, s.URL, s.ContentType, s.Headers, s.Body, s.PayloadFile)
}

type signHTTP struct{ out Out }

func (p signHTTP) Signed(s Signed) error {
	return WriteHTTP(p.out.Streams.Out, s.URL, s.ContentType, s.Headers, s.Body)
}
