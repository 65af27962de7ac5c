package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/textproto"
	"os"
	"slices"

	"github.com/hooktool/hooktool/internal/httpx"
)

// ReadOptions tune reading.
type ReadOptions struct {
	// SkipBad skips malformed lines (with a warning) instead of failing.
	SkipBad bool
	// Warn receives warnings: a torn last line, skipped lines.
	Warn func(string)
	// MaxLine bounds a line (a record); 0 means MaxLine. A longer one is
	// not gathered: it is malformed (skipped with SkipBad), so a file such
	// as /dev/zero cannot grow memory without bound.
	MaxLine int
}

// MaxLine is the longest record line read by default, 256 MiB: a record
// holding a body of some 190 MiB kept as base64, far past listen's
// --max-body default of 5 MiB.
const MaxLine = 256 << 20

// ErrStop, returned by a Read callback, ends reading without error.
var ErrStop = errors.New("stop reading")

// ReadFile reads the records of a capture file ("-" is stdin, handled by
// the caller) in order.
func ReadFile(path string, o ReadOptions, fn func(rec *Record, line int) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return Read(f, path, o, fn)
}

// Read reads records from r, calling fn for each. A last line without its
// newline that does not parse is a torn write (a crash mid-append): it is
// skipped with a warning. Any other malformed line is an error naming the
// file and line, unless o.SkipBad.
func Read(r io.Reader, name string, o ReadOptions, fn func(rec *Record, line int) error) error {
	warn := o.Warn
	if warn == nil {
		warn = func(string) {}
	}
	maxLine := o.MaxLine
	if maxLine <= 0 {
		maxLine = MaxLine
	}
	br := bufio.NewReaderSize(r, 1<<16)
	var long []byte // a line longer than br's buffer, gathered
	for line := 1; ; line++ {
		// A line is read in br's buffer, and decoded from there (a record
		// keeps no byte of it); only a longer one is copied, into long.
		data, err := br.ReadSlice('\n')
		tooLong := int64(0)
		if err == bufio.ErrBufferFull {
			long = append(long[:0], data...)
			for err == bufio.ErrBufferFull {
				data, err = br.ReadSlice('\n')
				switch {
				case tooLong > 0:
					tooLong += int64(len(data))
				case len(long)+len(data) > maxLine:
					tooLong, long = int64(len(long)+len(data)), nil
				default:
					long = append(long, data...)
				}
			}
			data = long
			if cap(long) > maxRetained {
				long = nil // data still holds it for this line
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: %w", name, err)
		}
		if tooLong > 0 {
			perr := fmt.Errorf("not a capture record: a line of %d bytes or more, past the %d-byte limit", tooLong, maxLine)
			if !o.SkipBad {
				return &ParseError{File: name, Line: line, Err: perr}
			}
			warn(fmt.Sprintf("%s:%d: skipped: %v", name, line, perr))
			if err != nil { // EOF
				return nil
			}
			continue
		}
		complete := bytes.HasSuffix(data, []byte("\n"))
		text := bytes.TrimSpace(data)
		if len(text) > 0 {
			rec, perr := parse(text)
			switch {
			case perr == nil:
				if ferr := fn(rec, line); ferr != nil {
					if errors.Is(ferr, ErrStop) {
						return nil
					}
					return ferr
				}
			case !complete:
				warn(fmt.Sprintf("%s:%d: skipped a torn last line (%d bytes): the writer stopped mid-record", name, line, len(data)))
			case o.SkipBad:
				warn(fmt.Sprintf("%s:%d: skipped: %v", name, line, perr))
			default:
				return &ParseError{File: name, Line: line, Err: perr}
			}
		}
		if err != nil { // EOF
			return nil
		}
	}
}

// ParseError is a malformed line of a capture file.
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }
func (e *ParseError) Unwrap() error { return e.Err }

// parse decodes and checks one line.
func parse(text []byte) (*Record, error) {
	var rec Record
	if err := decodeRecord(text, &rec); err != nil {
		return nil, fmt.Errorf("not a capture record: %v", err)
	}
	switch {
	case rec.V == 0 || rec.ID == "":
		return nil, errors.New("not a capture record: no \"v\" or \"id\"")
	case rec.V > Version:
		return nil, fmt.Errorf("record format v%d is newer than this hooktool reads (v%d): upgrade hooktool", rec.V, Version)
	case rec.BodyEncoding != BodyUTF8 && rec.BodyEncoding != BodyBase64:
		return nil, fmt.Errorf("unknown body_encoding %q", rec.BodyEncoding)
	}
	if rec.BodyEncoding == BodyBase64 {
		if _, err := rec.Bytes(); err != nil {
			return nil, fmt.Errorf("the body is not valid base64: %v", err)
		}
	}
	if err := normalizeHeaders(&rec); err != nil {
		return nil, err
	}
	if err := CheckPath(rec.Path); err != nil {
		return nil, err
	}
	return &rec, nil
}

// CheckPath says whether a record may hold p as its path: a path is sent
// again after a base URL, and one that is not a path could name another
// host. "" and "*" (CONNECT and asterisk-form requests) are what the
// listener keeps for requests without one. The listener refuses a request
// whose path this refuses, so that what it keeps always reads back.
func CheckPath(p string) error {
	if p == "" || p == "*" {
		return nil
	}
	return httpx.CheckPath(p)
}

// normalizeHeaders canonicalises the record's header names and checks its
// base64 headers, which are decoded first when there are any: a value
// marked base64 under one name and plain under another of the same
// canonical name is merged as bytes, and encoded again as a whole.
func normalizeHeaders(rec *Record) error {
	if len(rec.Base64Headers) == 0 {
		rec.Headers = canonicalHeaders(rec.Headers)
		return nil
	}
	h, err := rec.HeaderBytes()
	if err != nil {
		return err
	}
	rec.Headers, rec.Base64Headers = canonicalHeaders(h), nil
	rec.EncodeHeaders()
	return nil
}

// canonicalHeaders returns h with every name in its canonical form (what
// the listener writes), so that whoever reads a record finds a header by
// its name whatever case a capture file wrote it in: a filter of framing
// headers that looks for "Transfer-Encoding" also finds
// "transfer-encoding". Values of names that differ only in case are
// merged, in the byte order of the names as written. h itself is returned
// when its names are canonical already.
func canonicalHeaders(h http.Header) http.Header {
	canonical := true
	for k := range h {
		if textproto.CanonicalMIMEHeaderKey(k) != k {
			canonical = false
			break
		}
	}
	if canonical {
		return h
	}
	out := make(http.Header, len(h))
	for _, k := range slices.Sorted(maps.Keys(h)) {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		out[ck] = append(out[ck], h[k]...)
	}
	return out
}
