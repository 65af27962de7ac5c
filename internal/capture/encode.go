package capture

import (
	"encoding/json"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/signature"
)

// AppendJSON appends the record as one JSON object, exactly as
// encoding/json would marshal it (a test holds the two to the same bytes),
// without reflection: the listener encodes one record per delivery, and
// this is its hot path.
func (r *Record) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if r.Type != "" {
		b = append(b, `"type":`...)
		b = appendString(b, r.Type)
		b = append(b, ',')
	}
	b = append(b, `"v":`...)
	b = strconv.AppendInt(b, int64(r.V), 10)
	b = append(b, `,"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"received_at":"`...)
	b = r.ReceivedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","remote_addr":`...)
	b = appendString(b, r.RemoteAddr)
	b = appendOmitEmpty(b, "local_addr", r.LocalAddr)
	b = append(b, `,"method":`...)
	b = appendString(b, r.Method)
	b = appendOmitEmpty(b, "host", r.Host)
	b = append(b, `,"path":`...)
	b = appendString(b, r.Path)
	b = appendOmitEmpty(b, "query", r.Query)
	if r.RedactedQuery {
		b = append(b, `,"redacted_query":true`...)
	}
	b = appendOmitEmpty(b, "proto", r.Proto)
	b = append(b, `,"headers":`...)
	if r.Headers == nil {
		b = append(b, "null"...)
	} else {
		names := make([]string, 0, len(r.Headers))
		for k := range r.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		b = append(b, '{')
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			vals := r.Headers[k]
			if vals == nil {
				b = append(b, "null"...)
				continue
			}
			b = appendStrings(b, vals)
		}
		b = append(b, '}')
	}
	if len(r.Base64Headers) > 0 {
		b = append(b, `,"base64_headers":`...)
		b = appendStrings(b, r.Base64Headers)
	}
	if r.Redacted != nil {
		b = append(b, `,"redacted_headers":`...)
		b = appendStrings(b, r.Redacted)
	}
	b = append(b, `,"body":`...)
	b = appendString(b, r.Body)
	b = append(b, `,"body_encoding":`...)
	b = appendString(b, r.BodyEncoding)
	b = append(b, `,"body_size":`...)
	b = strconv.AppendInt(b, int64(r.BodySize), 10)
	b = appendOmitEmpty(b, "provider", r.Provider)
	b = appendOmitEmpty(b, "scheme", r.Scheme)
	b = appendOmitEmpty(b, "event", r.Event)
	b = appendOmitEmpty(b, "route", r.Route)
	if r.Verdict != nil {
		b = append(b, `,"verdict":`...)
		b = appendVerdict(b, r.Verdict)
	}
	b = append(b, `,"matched":`...)
	b = strconv.AppendBool(b, r.Matched)
	b = append(b, `,"answer":{"status":`...)
	b = strconv.AppendInt(b, int64(r.Answer.Status), 10)
	if r.Answer.DelayMS != 0 {
		b = append(b, `,"delay_ms":`...)
		b = strconv.AppendInt(b, r.Answer.DelayMS, 10)
	}
	b = appendOmitEmpty(b, "reason", r.Answer.Reason)
	b = append(b, '}')
	if r.Forward != nil {
		f, err := json.Marshal(r.Forward)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"forward":`...)
		b = append(b, f...)
	}
	return append(b, '}'), nil
}

// appendVerdict writes v as encoding/json would (every record of a signed
// delivery has one).
func appendVerdict(b []byte, v *signature.Verdict) []byte {
	b = append(b, `{"scheme":`...)
	b = appendString(b, v.Scheme)
	b = append(b, `,"valid":`...)
	b = strconv.AppendBool(b, v.Valid)
	b = append(b, `,"reason":`...)
	b = appendString(b, string(v.Reason))
	b = append(b, `,"message":`...)
	b = appendString(b, v.Message)
	b = appendOmitEmpty(b, "header", v.Header)
	if v.SkewSeconds != nil {
		b = append(b, `,"skew_seconds":`...)
		b = strconv.AppendInt(b, *v.SkewSeconds, 10)
	}
	if v.SecretIndex != 0 {
		b = append(b, `,"secret_index":`...)
		b = strconv.AppendInt(b, int64(v.SecretIndex), 10)
	}
	if len(v.Hints) > 0 {
		b = append(b, `,"hints":`...)
		b = appendStrings(b, v.Hints)
	}
	return append(b, '}')
}

// appendStrings writes a JSON array of strings.
func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

func appendOmitEmpty(b []byte, key, val string) []byte {
	if val == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, val)
}

const hexDigits = "0123456789abcdef"

// plain marks the ASCII bytes encoding/json writes as they are (it escapes
// control characters, quote, backslash and, for HTML safety, <, > and &).
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString writes s as a JSON string the way encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
