package signature

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// The generic scheme's pieces beyond the raw body: a header carrying
// several key=value items (format), and signed content read from a form or
// JSON body. Everything here reads hostile bytes: it is bounded by the
// body's size, and never panics on any input (FuzzHMACPieces).

// headerFormat is an hmac.format such as "ts={timestamp};h1={signature}".
type headerFormat struct {
	sep   byte
	items []formatItem
}

type formatItem struct{ key, placeholder string }

// formatSeparators are the characters that may separate a format's items.
const formatSeparators = ",; &"

func parseFormat(f string) (*headerFormat, error) {
	bad := func(why string) error {
		return &formatError{format: f, why: why}
	}
	out := &headerFormat{}
	rest := f
	for rest != "" {
		eq := strings.Index(rest, "={")
		if eq <= 0 {
			return nil, bad(`each item is key={placeholder}`)
		}
		key := rest[:eq]
		if strings.ContainsAny(key, formatSeparators+"={}") {
			return nil, bad("a key holds a separator, = or a brace: " + key)
		}
		end := strings.IndexByte(rest[eq:], '}')
		if end < 0 {
			return nil, bad("an unclosed {")
		}
		ph := rest[eq+2 : eq+end]
		switch ph {
		case "signature", "timestamp", "id":
		default:
			return nil, bad("unknown placeholder {" + ph + "} (known: {signature}, {timestamp}, {id})")
		}
		for _, it := range out.items {
			if it.key == key {
				return nil, bad("the key " + key + " appears twice")
			}
			if it.placeholder == ph && ph != "signature" {
				return nil, bad("{" + ph + "} appears twice")
			}
		}
		out.items = append(out.items, formatItem{key: key, placeholder: ph})
		rest = rest[eq+end+1:]
		if rest == "" {
			break
		}
		if !strings.ContainsRune(formatSeparators, rune(rest[0])) {
			return nil, bad("items are separated by one of , ; & or a space")
		}
		if out.sep != 0 && out.sep != rest[0] {
			return nil, bad("items are separated by one character, the same each time")
		}
		out.sep = rest[0]
		rest = rest[1:]
		if rest == "" {
			return nil, bad("it ends with a separator")
		}
	}
	if !out.has("signature") {
		return nil, bad("no {signature} item")
	}
	if out.sep == 0 {
		out.sep = ','
	}
	return out, nil
}

type formatError struct{ format, why string }

func (e *formatError) Error() string {
	return "hmac scheme: hmac.format " + quote(e.format) + ": " + e.why
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func (f *headerFormat) has(ph string) bool { return f.key(ph) != "" }

// key is the key of the first item holding placeholder ph.
func (f *headerFormat) key(ph string) string {
	for _, it := range f.items {
		if it.placeholder == ph {
			return it.key
		}
	}
	return ""
}

// write renders the header value, the signature in every {signature} item.
func (f *headerFormat) write(sig, id, ts string) string {
	var b strings.Builder
	for i, it := range f.items {
		if i > 0 {
			b.WriteByte(f.sep)
		}
		b.WriteString(it.key + "=")
		switch it.placeholder {
		case "signature":
			b.WriteString(sig)
		case "timestamp":
			b.WriteString(ts)
		case "id":
			b.WriteString(id)
		}
	}
	return b.String()
}

// read finds the items of v: every signature item that decodes is a
// candidate; unknown keys are skipped (and named if nothing else is
// there). Nothing is trimmed, as Stripe's and Paddle's libraries read
// their headers: "ts=1; h1=…" has no h1 (with a hint saying why).
func (f *headerFormat) read(p *signed, header, v string, enc encoding) *Verdict {
	var others []string
	notDecoded, spaced := false, false
	for _, item := range strings.Split(v, string(f.sep)) {
		k, val, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		if strings.TrimSpace(k) != k && f.sep != ' ' {
			spaced = true
		}
		known := false
		for _, it := range f.items {
			if it.key != k {
				continue
			}
			known = true
			switch it.placeholder {
			case "signature":
				raw, err := enc.decode(val)
				if err != nil {
					notDecoded = true
					continue
				}
				p.sigs = append(p.sigs, raw)
			case "timestamp":
				if p.tsRaw == "" {
					p.tsRaw = val
				}
			case "id":
				if p.id == "" {
					p.id = val
				}
			}
		}
		if !known && len(others) < 8 && len(k) <= 32 {
			others = append(others, k)
		}
	}
	if spaced {
		p.hints = append(p.hints, "an item's key has spaces around it: the providers' libraries split the header on "+quote(string(f.sep))+" and = without trimming, so they do not read that item")
	}
	withHints := func(bad *Verdict) *Verdict {
		bad.Hints = append(bad.Hints, p.hints...)
		return bad
	}
	for _, it := range f.items {
		switch {
		case it.placeholder == "timestamp" && p.tsRaw == "":
			return withHints(malformed(header, "no "+it.key+"= timestamp (expected "+f.write("…", "…", "…")+")"))
		case it.placeholder == "id" && p.id == "":
			return withHints(malformed(header, "no "+it.key+"= id (expected "+f.write("…", "…", "…")+")"))
		}
	}
	switch {
	case len(p.sigs) > 0:
		return nil
	case notDecoded:
		return withHints(malformed(header, "no "+f.key("signature")+"= signature in "+string(enc)))
	case len(others) > 0 && !spaced:
		return withHints(unsupported(header, "only "+strings.Join(others, ", ")+" items, and the profile reads "+f.key("signature")+"="))
	}
	return withHints(malformed(header, "no "+f.key("signature")+"= signature (expected "+f.write("…", "…", "…")+")"))
}

// isJSONObject says whether body is a JSON object (by its first byte that
// is not space): {pairs} then reads its fields, else a form.
func isJSONObject(body []byte) bool {
	t := bytes.TrimLeft(body, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// writeForm writes a form body's parameters as Twilio signs them: sorted
// by name, each name followed by its value, nothing between them (a name
// sent several times: each of its distinct values, sorted). A body that is not a
// form contributes what url.ParseQuery makes of it (nothing, for JSON).
func writeForm(w io.Writer, body []byte) {
	if isJSONObject(body) {
		return
	}
	q, _ := url.ParseQuery(string(body))
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vs := q[k]
		sort.Strings(vs)
		for i, v := range vs {
			if i > 0 && v == vs[i-1] {
				continue // twilio-node signs each distinct value once
			}
			io.WriteString(w, k)
			io.WriteString(w, v)
		}
	}
}

// fieldPairs are a body's fields as (key, value): a form's parameters, or
// a JSON object's top-level members (strings unquoted, other values as
// compact JSON text).
func fieldPairs(body []byte) [][2]string {
	var out [][2]string
	if isJSONObject(body) {
		gjson.ParseBytes(body).ForEach(func(k, v gjson.Result) bool {
			out = append(out, [2]string{k.String(), jsonText(v)})
			return true
		})
		return out
	}
	q, _ := url.ParseQuery(string(body))
	for k, vs := range q {
		for _, v := range vs {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// writePairs writes {pairs}: each field but the signature's, with a value,
// as cfg.PairsFormat, sorted case-insensitively (then byte-wise), joined
// with cfg.PairsSeparator (Billplz's X Signature source string).
func writePairs(w io.Writer, body []byte, cfg HMACConfig) {
	format, sep := cfg.PairsFormat, cfg.PairsSeparator
	if format == "" {
		format = "{key}={value}"
	}
	if sep == "" {
		sep = "&"
	}
	var items []string
	for _, kv := range fieldPairs(body) {
		if kv[1] == "" || kv[0] == cfg.SignatureField {
			continue
		}
		items = append(items, strings.NewReplacer("{key}", kv[0], "{value}", kv[1]).Replace(format))
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := strings.ToLower(items[i]), strings.ToLower(items[j])
		if a != b {
			return a < b
		}
		return items[i] < items[j]
	})
	io.WriteString(w, strings.Join(items, sep))
}

// writeJSONField writes {json:PATH}: the value at the gjson path of a JSON
// body, a string as its characters, anything else as its JSON text with
// the whitespace between tokens removed. That is what JSON.stringify
// writes of a parsed value only when the sender wrote its numbers and
// escapes as JavaScript does: a sub-object is not signed byte for byte.
func writeJSONField(w io.Writer, body []byte, path string) {
	if !isJSONObject(body) && !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("[")) {
		return
	}
	io.WriteString(w, jsonText(gjson.GetBytes(body, path)))
}

// jsonText is a gjson value as signed content: a string's characters, null
// and absent as nothing, anything else as compact JSON text.
func jsonText(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return v.Str
	case gjson.Null:
		return ""
	case gjson.JSON:
		var b bytes.Buffer
		if json.Compact(&b, []byte(v.Raw)) == nil {
			return b.String()
		}
	}
	return v.Raw
}

// parseField reads a signature carried in the body, at SignatureField.
func (s hmacScheme) parseField(body []byte) (signed, *Verdict) {
	name := s.cfg.SignatureField
	p := signed{header: name}
	var v string
	if isJSONObject(body) {
		v = jsonText(gjson.GetBytes(body, name))
	} else {
		q, _ := url.ParseQuery(string(body))
		v = q.Get(name)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		bad := fail("", ReasonMissingHeader, name, "no "+name+" field in the body")
		return p, &bad
	}
	raw, err := s.enc.decode(v)
	if err != nil {
		return p, malformed(name, "the "+name+" field is not "+string(s.enc))
	}
	p.sigs = [][]byte{raw}
	return p, nil
}

// setField returns body with its field name set to value, every other
// byte kept: a JSON object's member is replaced in place (or, at the top
// level, added first; a nested one must be there already, as a sample
// carries it), a form's parameter of that name dropped and added at the
// end.
func setField(body []byte, name, value string) ([]byte, error) {
	if isJSONObject(body) {
		if !gjson.ValidBytes(body) {
			return nil, errors.New("the body is not valid JSON, so the signature cannot be written into it")
		}
		quoted, _ := json.Marshal(value)
		if r := gjson.GetBytes(body, name); r.Exists() && r.Index > 0 {
			out := append([]byte{}, body[:r.Index]...)
			out = append(out, quoted...)
			return append(out, body[r.Index+len(r.Raw):]...), nil
		}
		if strings.Contains(name, ".") {
			return nil, errors.New("the body has no " + name + " field to write the signature into (a nested field is replaced, not added: put it in the payload)")
		}
		open := bytes.IndexByte(body, '{')
		key, _ := json.Marshal(name)
		member := append(append(key, ':'), quoted...)
		rest := bytes.TrimLeft(body[open+1:], " \t\r\n")
		out := append([]byte{}, body[:open+1]...)
		out = append(out, member...)
		if len(rest) > 0 && rest[0] != '}' {
			out = append(out, ',')
		}
		return append(out, body[open+1:]...), nil
	}
	var kept [][]byte
	for _, part := range bytes.Split(body, []byte("&")) {
		k, _, _ := bytes.Cut(part, []byte("="))
		if dk, err := url.QueryUnescape(string(k)); (err == nil && dk == name) || len(part) == 0 {
			continue
		}
		kept = append(kept, part)
	}
	kept = append(kept, []byte(url.QueryEscape(name)+"="+url.QueryEscape(value)))
	return bytes.Join(kept, []byte("&")), nil
}
