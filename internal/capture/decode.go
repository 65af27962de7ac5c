package capture

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"net/http"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hooktool/hooktool/internal/signature"
)

// decodeRecord sets *rec to the record in data exactly as
// json.Unmarshal(data, rec) would on a zero Record: the same fields, nil
// and empty maps and slices alike, and an error exactly when json.Unmarshal
// fails. It is the reader's hot path: a single pass over the layout
// AppendJSON writes (keys in any order, whitespace allowed), without
// reflection and with a handful of allocations. Whatever it is not sure of
// (an unknown key or one in other case, a duplicate key, a number with a
// fraction, a value of another type, any syntax error, ...) it leaves to
// json.Unmarshal, on the whole line. No string of rec aliases data.
func decodeRecord(data []byte, rec *Record) error {
	d := decoders.Get().(*decoder)
	err := d.decode(data, rec)
	decoders.Put(d)
	return err
}

var decoders = sync.Pool{New: func() any { return new(decoder) }}

// maxRetained is the capacity above which a buffer used for one record
// (a long line, a long decoded body) is dropped rather than kept for the
// next.
const maxRetained = 8 << 20

// decoder holds the scratch space of decoding, reused from record to
// record. The small strings of a record (id, addresses, header names and
// values, verdict, ...) are decoded one after the other into arena, and
// become substrings of one string made at the end: one allocation instead
// of one each. The body, which can be large, gets its own.
type decoder struct {
	data  []byte
	i     int
	arena []byte
	later []deferred // where each small string goes, once the arena is done
	// The headers object, built at the end too: its keys are small strings.
	headers bool // the record has a headers object (not null, not absent)
	hdrs    []headerEntry
	hvals   []span // the header values, entry after entry
	elems   []span // the elements of the string list being read
}

// span is a string in the arena: arena[off:end].
type span struct{ off, end int }

type deferred struct {
	dst *string
	span
}

type headerEntry struct {
	key      span
	first, n int // the values are hvals[first:first+n]
	null     bool
}

// verdictAlloc allocates a verdict and its skew together.
type verdictAlloc struct {
	v    signature.Verdict
	skew int64
}

func (d *decoder) decode(data []byte, rec *Record) error {
	*rec = Record{}
	ok := d.record(data, rec)
	if ok {
		d.finish(rec)
	}
	d.reset()
	if ok {
		return nil
	}
	*rec = Record{}
	return json.Unmarshal(data, rec)
}

func (d *decoder) reset() {
	clear(d.later)
	d.data, d.i = nil, 0
	d.arena, d.later = d.arena[:0], d.later[:0]
	d.headers, d.hdrs, d.hvals, d.elems = false, d.hdrs[:0], d.hvals[:0], d.elems[:0]
	if cap(d.arena) > maxRetained {
		d.arena = nil
	}
}

// finish makes the small strings out of the arena and builds the headers.
func (d *decoder) finish(rec *Record) {
	s := string(d.arena)
	for _, l := range d.later {
		*l.dst = s[l.off:l.end]
	}
	if !d.headers {
		return
	}
	h := make(http.Header, len(d.hdrs))
	all := make([]string, len(d.hvals)) // not nil even when empty: [] is not null
	for i, sp := range d.hvals {
		all[i] = s[sp.off:sp.end]
	}
	for _, e := range d.hdrs {
		k := s[e.key.off:e.key.end]
		if e.null {
			h[k] = nil
			continue
		}
		h[k] = all[e.first : e.first+e.n : e.first+e.n]
	}
	rec.Headers = h
}

// The fields of a record, in AppendJSON's order.
const (
	kType = iota
	kV
	kID
	kReceivedAt
	kRemoteAddr
	kLocalAddr
	kMethod
	kHost
	kPath
	kQuery
	kRedactedQuery
	kProto
	kHeaders
	kBase64Headers
	kRedacted
	kBody
	kBodyEncoding
	kBodySize
	kProvider
	kScheme
	kEvent
	kRoute
	kVerdict
	kMatched
	kAnswer
	kForward
)

func recordKey(key []byte) int {
	switch string(key) {
	case "type":
		return kType
	case "v":
		return kV
	case "id":
		return kID
	case "received_at":
		return kReceivedAt
	case "remote_addr":
		return kRemoteAddr
	case "local_addr":
		return kLocalAddr
	case "method":
		return kMethod
	case "host":
		return kHost
	case "path":
		return kPath
	case "query":
		return kQuery
	case "redacted_query":
		return kRedactedQuery
	case "proto":
		return kProto
	case "headers":
		return kHeaders
	case "base64_headers":
		return kBase64Headers
	case "redacted_headers":
		return kRedacted
	case "body":
		return kBody
	case "body_encoding":
		return kBodyEncoding
	case "body_size":
		return kBodySize
	case "provider":
		return kProvider
	case "scheme":
		return kScheme
	case "event":
		return kEvent
	case "route":
		return kRoute
	case "verdict":
		return kVerdict
	case "matched":
		return kMatched
	case "answer":
		return kAnswer
	case "forward":
		return kForward
	}
	return -1
}

// record is the fast path: it reports false on anything it does not
// handle, leaving rec and the scratch space to be reset.
func (d *decoder) record(data []byte, rec *Record) bool {
	d.data, d.i = data, 0
	d.ws()
	if !d.eat('{') {
		return false
	}
	ok := d.members(func(key []byte) (uint32, bool) {
		k := recordKey(key)
		if k < 0 {
			return 0, false // unknown, or in other case
		}
		ok := false
		switch k {
		case kType:
			ok = d.str(&rec.Type)
		case kV:
			ok = d.int(&rec.V)
		case kID:
			ok = d.str(&rec.ID)
		case kReceivedAt:
			ok = d.time(&rec.ReceivedAt)
		case kRemoteAddr:
			ok = d.str(&rec.RemoteAddr)
		case kLocalAddr:
			ok = d.str(&rec.LocalAddr)
		case kMethod:
			ok = d.str(&rec.Method)
		case kHost:
			ok = d.str(&rec.Host)
		case kPath:
			ok = d.str(&rec.Path)
		case kQuery:
			ok = d.str(&rec.Query)
		case kRedactedQuery:
			ok = d.bool(&rec.RedactedQuery)
		case kProto:
			ok = d.str(&rec.Proto)
		case kHeaders:
			ok = d.header()
		case kBase64Headers:
			ok = d.strings(&rec.Base64Headers)
		case kRedacted:
			ok = d.strings(&rec.Redacted)
		case kBody:
			ok = d.ownStr(&rec.Body)
		case kBodyEncoding:
			ok = d.str(&rec.BodyEncoding)
		case kBodySize:
			ok = d.int(&rec.BodySize)
		case kProvider:
			ok = d.str(&rec.Provider)
		case kScheme:
			ok = d.str(&rec.Scheme)
		case kEvent:
			ok = d.str(&rec.Event)
		case kRoute:
			ok = d.str(&rec.Route)
		case kVerdict:
			ok = d.verdict(&rec.Verdict)
		case kMatched:
			ok = d.bool(&rec.Matched)
		case kAnswer:
			ok = d.answer(&rec.Answer)
		case kForward:
			ok = d.forward(&rec.Forward)
		}
		return 1 << k, ok
	})
	if !ok {
		return false
	}
	d.ws()
	return d.i == len(d.data)
}

// members reads the members of an object whose '{' is read: field decodes
// the value of each key and returns the key's bit, or false for a key it
// does not know or a value it cannot take. A repeated key fails too, so
// that encoding/json decides what it means.
func (d *decoder) members(field func(key []byte) (bit uint32, ok bool)) bool {
	var seen uint32
	for first := true; ; first = false {
		key, done, ok := d.member(first)
		if !ok {
			return false
		}
		if done {
			return true
		}
		bit, ok := field(key)
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

func (d *decoder) verdict(dst **signature.Verdict) bool {
	if d.peek() == 'n' {
		return d.null() // nil, as it is
	}
	if !d.eat('{') {
		return false
	}
	va := new(verdictAlloc)
	v := &va.v
	*dst = v
	return d.members(func(key []byte) (k uint32, ok bool) {
		switch string(key) {
		case "scheme":
			k, ok = 1<<0, d.str(&v.Scheme)
		case "valid":
			k, ok = 1<<1, d.bool(&v.Valid)
		case "reason":
			k, ok = 1<<2, d.str((*string)(&v.Reason))
		case "message":
			k, ok = 1<<3, d.str(&v.Message)
		case "header":
			k, ok = 1<<4, d.str(&v.Header)
		case "skew_seconds":
			k = 1 << 5
			if d.peek() == 'n' {
				ok = d.null()
			} else {
				var n int64
				if n, ok = d.integer(); ok {
					va.skew = n
					v.SkewSeconds = &va.skew
				}
			}
		case "secret_index":
			k, ok = 1<<6, d.int(&v.SecretIndex)
		case "hints":
			k, ok = 1<<7, d.strings(&v.Hints)
		}
		return k, ok
	})
}

func (d *decoder) answer(a *Answer) bool {
	if d.peek() == 'n' {
		return d.null() // null leaves a struct as it is
	}
	if !d.eat('{') {
		return false
	}
	return d.members(func(key []byte) (k uint32, ok bool) {
		switch string(key) {
		case "status":
			k, ok = 1<<0, d.int(&a.Status)
		case "delay_ms":
			k = 1 << 1
			if d.peek() == 'n' {
				ok = d.null()
			} else {
				a.DelayMS, ok = d.integer()
			}
		case "reason":
			k, ok = 1<<2, d.str(&a.Reason)
		}
		return k, ok
	})
}

// forward, rare, is left to encoding/json, on its own bytes: decoding
// them alone is decoding them in the record, once they are known to be a
// whole JSON value that does not nest too deep for the record.
func (d *decoder) forward(dst **Forward) bool {
	if d.peek() == 'n' {
		return d.null()
	}
	if d.peek() != '{' {
		return false
	}
	end, ok := skipValue(d.data, d.i)
	if !ok {
		return false
	}
	f := new(Forward)
	if json.Unmarshal(d.data[d.i:end], f) != nil {
		return false
	}
	*dst, d.i = f, end
	return true
}

// skipValue returns the end of the object or array at data[i], or false
// when it finds none or it nests deeper than the fast path goes (well
// within encoding/json's limit of 10000 for the whole record). It does
// not check the syntax: whoever takes the value does.
func skipValue(data []byte, i int) (int, bool) {
	const maxDepth = 1000
	depth := 0
	for ; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			if depth++; depth > maxDepth {
				return 0, false
			}
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}

// header reads the headers: null (nil, as it is) or an object of lists
// of strings (or nulls).
func (d *decoder) header() bool {
	if d.peek() == 'n' {
		return d.null()
	}
	if !d.eat('{') {
		return false
	}
	d.headers = true
	d.ws()
	if d.peek() == '}' {
		d.i++
		return true
	}
	for {
		if d.peek() != '"' {
			return false
		}
		key, ok := d.small()
		if !ok {
			return false
		}
		d.ws()
		if !d.eat(':') {
			return false
		}
		d.ws()
		e := headerEntry{key: key, first: len(d.hvals)}
		if d.peek() == 'n' {
			e.null = true
			ok = d.null()
		} else {
			d.hvals, ok = d.list(d.hvals)
		}
		if !ok {
			return false
		}
		e.n = len(d.hvals) - e.first
		d.hdrs = append(d.hdrs, e)
		d.ws()
		switch d.next() {
		case ',':
			d.ws()
		case '}':
			return true
		default:
			return false
		}
	}
}

// strings reads a list of strings or null.
func (d *decoder) strings(dst *[]string) bool {
	if d.peek() == 'n' {
		return d.null() // nil, as it is
	}
	first := len(d.elems)
	var ok bool
	if d.elems, ok = d.list(d.elems); !ok {
		return false
	}
	l := make([]string, len(d.elems)-first) // [] is empty, not nil
	for i, sp := range d.elems[first:] {
		d.later = append(d.later, deferred{&l[i], sp})
	}
	d.elems = d.elems[:first]
	*dst = l
	return true
}

// list reads a JSON array of strings into spans appended to to; a null
// element is "" (null leaves a string as it is).
func (d *decoder) list(to []span) ([]span, bool) {
	if !d.eat('[') {
		return to, false
	}
	d.ws()
	if d.peek() == ']' {
		d.i++
		return to, true
	}
	for {
		switch d.peek() {
		case '"':
			sp, ok := d.small()
			if !ok {
				return to, false
			}
			to = append(to, sp)
		case 'n':
			if !d.null() {
				return to, false
			}
			to = append(to, span{})
		default:
			return to, false
		}
		d.ws()
		switch d.next() {
		case ',':
			d.ws()
		case ']':
			return to, true
		default:
			return to, false
		}
	}
}

// member reads up to the value of an object's next member (the '{' read,
// and, unless first, a value): it returns its key, or done at the object's
// end. A key is returned raw, and one with an escape, a control character
// or a non-ASCII byte is refused: it matches no field exactly, and goes the
// slow way.
func (d *decoder) member(first bool) (key []byte, done, ok bool) {
	d.ws()
	c := d.peek()
	if c == '}' {
		d.i++
		return nil, true, true
	}
	if !first {
		if c != ',' {
			return nil, false, false
		}
		d.i++
		d.ws()
		c = d.peek()
	}
	if c != '"' {
		return nil, false, false
	}
	j := scanPlain(d.data, d.i+1)
	if j >= len(d.data) || d.data[j] != '"' {
		return nil, false, false // an escape, or bytes no key of ours has
	}
	key = d.data[d.i+1 : j]
	d.i = j + 1
	d.ws()
	if !d.eat(':') {
		return nil, false, false
	}
	d.ws()
	return key, false, true
}

// str reads a string or null into *dst, by way of the arena.
func (d *decoder) str(dst *string) bool {
	switch d.peek() {
	case 'n':
		return d.null() // null leaves a string as it is
	case '"':
		sp, ok := d.small()
		if ok {
			d.later = append(d.later, deferred{dst, sp})
		}
		return ok
	}
	return false
}

// small reads the string at d.i into the arena.
func (d *decoder) small() (span, bool) {
	off := len(d.arena)
	s, plain, ok := d.unquote()
	if plain {
		d.arena = append(d.arena, s...)
	}
	return span{off, len(d.arena)}, ok
}

// ownStr reads a string or null into *dst, a string of its own.
func (d *decoder) ownStr(dst *string) bool {
	switch d.peek() {
	case 'n':
		return d.null()
	case '"':
		off := len(d.arena)
		s, _, ok := d.unquote()
		if ok {
			*dst = string(s)
		}
		d.arena = d.arena[:off]
		return ok
	}
	return false
}

// time reads a time or null as time.Time.UnmarshalJSON does, which is
// what encoding/json calls, with the string as it is in the JSON, quotes
// and escapes included.
func (d *decoder) time(t *time.Time) bool {
	switch d.peek() {
	case 'n':
		return d.null() // UnmarshalJSON ignores null
	case '"':
		start, off := d.i, len(d.arena)
		_, _, ok := d.unquote() // to check the string and find its end
		d.arena = d.arena[:off]
		return ok && t.UnmarshalJSON(d.data[start:d.i]) == nil
	}
	return false
}

func (d *decoder) int(dst *int) bool {
	if d.peek() == 'n' {
		return d.null()
	}
	n, ok := d.integer()
	if !ok || int64(int(n)) != n {
		return false
	}
	*dst = int(n)
	return true
}

// integer reads a JSON number that is an integer in int64's range, written
// without fraction or exponent (encoding/json refuses those for an int
// field, and so falls back to it).
func (d *decoder) integer() (int64, bool) {
	data, i := d.data, d.i
	neg := i < len(data) && data[i] == '-'
	if neg {
		i++
	}
	if i >= len(data) {
		return 0, false
	}
	var n uint64
	switch c := data[i]; {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		for ; i < len(data) && '0' <= data[i] && data[i] <= '9'; i++ {
			if n > (1<<63)/10 {
				return 0, false // beyond int64 either way
			}
			n = n*10 + uint64(data[i]-'0')
		}
	default:
		return 0, false
	}
	if i < len(data) {
		switch c := data[i]; {
		case c == '.', c == 'e', c == 'E', '0' <= c && c <= '9':
			return 0, false // a fraction, an exponent, a leading zero
		}
	}
	d.i = i
	switch {
	case neg && n <= 1<<63:
		return int64(-n), true
	case !neg && n < 1<<63:
		return int64(n), true
	}
	return 0, false
}

func (d *decoder) bool(dst *bool) bool {
	data := d.data[d.i:]
	switch {
	case len(data) >= 4 && string(data[:4]) == "true":
		*dst = true
		d.i += 4
	case len(data) >= 5 && string(data[:5]) == "false":
		*dst = false
		d.i += 5
	default:
		return d.null() // null leaves a bool as it is
	}
	return true
}

func (d *decoder) null() bool {
	if len(d.data)-d.i >= 4 && string(d.data[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// ws skips whitespace, of which AppendJSON writes none.
func (d *decoder) ws() {
	if d.i < len(d.data) && d.data[d.i] > ' ' {
		return
	}
	d.skipWS()
}

func (d *decoder) skipWS() {
	i := d.i
	for ; i < len(d.data); i++ {
		switch d.data[i] {
		case ' ', '\t', '\n', '\r':
		default:
			d.i = i
			return
		}
	}
	d.i = i
}

func (d *decoder) peek() byte {
	if d.i < len(d.data) {
		return d.data[d.i]
	}
	return 0
}

func (d *decoder) next() byte {
	if d.i < len(d.data) {
		d.i++
		return d.data[d.i-1]
	}
	return 0
}

func (d *decoder) eat(c byte) bool {
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return true
	}
	return false
}

// unquote reads the JSON string at d.i (its opening quote) as encoding/json
// does: escapes decoded, a lone or broken surrogate escape and each byte of
// invalid UTF-8 replaced by U+FFFD. When the string needs none of that,
// plain is true and s is its bytes in data; otherwise s is what unquote
// appended to the arena. ok is false on a syntax error (a control
// character, an unknown escape, no closing quote).
func (d *decoder) unquote() (s []byte, plain, ok bool) {
	data := d.data
	begin := d.i + 1
	i := begin
	for {
		i = scanPlain(data, i)
		if i >= len(data) {
			return nil, false, false
		}
		c := data[i]
		if c == '"' {
			d.i = i + 1
			return data[begin:i], true, true
		}
		if c < utf8.RuneSelf {
			break // an escape or a control character
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	off := len(d.arena)
	d.arena, i, ok = unquoteFrom(append(d.arena, data[begin:i]...), data, i)
	d.i = i
	return d.arena[off:], false, ok
}

// unquoteFrom appends to buf the decoded string from data[i] on, up to its
// closing quote, and returns the index after it.
func unquoteFrom(buf, data []byte, i int) ([]byte, int, bool) {
	for {
		// Plain bytes, eight at a time: each word is appended whole and cut
		// back to the bytes before its first special one, if any.
		for i+8 <= len(data) {
			x := binary.LittleEndian.Uint64(data[i:])
			n := 8
			if m := specials(x); m != 0 {
				n = bits.TrailingZeros64(m) >> 3
			}
			l := len(buf)
			buf = binary.LittleEndian.AppendUint64(buf, x)[:l+n]
			i += n
			if n < 8 {
				break
			}
		}
		for ; i < len(data) && plainInString[data[i]]; i++ {
			buf = append(buf, data[i])
		}
		if i >= len(data) {
			return buf, i, false
		}
		switch c := data[i]; {
		case c == '"':
			return buf, i + 1, true
		case c == '\\':
			if i+1 < len(data) && unescape[data[i+1]] != 0 { // not \u
				buf = append(buf, unescape[data[i+1]])
				i += 2
				continue
			}
			var n int
			if buf, n = appendUEscape(buf, data, i); n == 0 {
				return buf, i, false
			}
			i += n
		case c < 0x20:
			return buf, i, false
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, data[i:i+size]...)
			}
			i += size
		}
	}
}

// unescape maps the letter of each two-character escape to the byte it
// stands for.
var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// appendUEscape appends the rune of the \u escape at data[i] (of the two
// escapes from there if they make a surrogate pair) and returns their
// length, 0 if there is no such escape there.
func appendUEscape(buf, data []byte, i int) ([]byte, int) {
	if i+1 >= len(data) || data[i+1] != 'u' {
		return buf, 0
	}
	r := hex4(data, i+2)
	if r < 0 {
		return buf, 0
	}
	if utf16.IsSurrogate(r) {
		r2 := rune(-1)
		if i+12 <= len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
			r2 = hex4(data, i+8)
		}
		if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
			return utf8.AppendRune(buf, dec), 12
		}
		r = utf8.RuneError
	}
	return utf8.AppendRune(buf, r), 6
}

// hex4 returns the value of the four hex digits at data[i:], or -1.
func hex4(data []byte, i int) rune {
	if i+4 > len(data) {
		return -1
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// plainInString marks the bytes a JSON string holds as they are: not the
// quote, the backslash, control characters or the start of a multi-byte
// sequence, which may be invalid UTF-8.
var plainInString = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanPlain returns the index of the first byte at or after i that is not
// plainInString (len(data) if none), eight bytes at a time.
func scanPlain(data []byte, i int) int {
	for ; i+8 <= len(data); i += 8 {
		if m := specials(binary.LittleEndian.Uint64(data[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(data) && plainInString[data[i]]; i++ {
	}
	return i
}

// specials flags, in the eight bytes of x (the first the lowest), those
// that are not plainInString: the high bit of each byte below 0x20, equal
// to '"' or '\\', or with the high bit set. A flag above the lowest may be
// wrong (a borrow carries out of a flagged byte, never out of another).
func specials(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ ones*'"'
	b := x ^ ones*'\\'
	return ((x-ones*0x20)&^x | (q-ones)&^q | (b-ones)&^b | x) & highs
}
