package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// sameAsUnmarshal decodes data with go-json (unmarshal), with decodeRecord
// and with json.Unmarshal, and fails unless all fail (decodeRecord with
// json.Unmarshal's message) or all give the same record; that record,
// encoded again, must be json.Marshal's bytes. The decoders read a copy of
// data that is overwritten afterwards: no string of the record may alias
// it.
func sameAsUnmarshal(t testing.TB, data []byte) {
	t.Helper()
	var want Record
	werr := json.Unmarshal(data, &want)
	for _, dec := range []struct {
		name   string
		decode func([]byte, *Record) error
	}{{"go-json", unmarshal}, {"decodeRecord", decodeRecord}} {
		in := bytes.Clone(data)
		got := Record{}
		if dec.name == "decodeRecord" {
			got = Record{ID: "stale", Headers: http.Header{"Stale": nil}} // decodeRecord starts from a zero Record
		}
		gerr := dec.decode(in, &got)
		for i := range in {
			in[i] = '#'
		}
		switch {
		case (gerr == nil) != (werr == nil):
			t.Fatalf("%s: %v, json.Unmarshal: %v, for\n%q", dec.name, gerr, werr, data)
		case werr == nil && !reflect.DeepEqual(got, want):
			t.Fatalf("%s and json.Unmarshal differ for\n%q\n got  %#v\n want %#v", dec.name, data, got, want)
		case werr != nil && dec.name == "decodeRecord" && gerr.Error() != werr.Error():
			t.Fatalf("decodeRecord: %v, json.Unmarshal: %v, for\n%q", gerr, werr, data)
		}
	}
	if werr == nil {
		sameAsMarshal(t, &want)
	}
}

// sameAsMarshal fails unless AppendJSON writes r as json.Marshal does.
func sameAsMarshal(t testing.TB, r *Record) {
	t.Helper()
	want, werr := json.Marshal(r)
	got, gerr := r.AppendJSON([]byte("prefix"))
	switch {
	case (gerr == nil) != (werr == nil):
		t.Fatalf("AppendJSON: %v, json.Marshal: %v, for %#v", gerr, werr, r)
	case werr == nil && (!bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want)):
		t.Fatalf("AppendJSON and json.Marshal differ:\n got  %s\n want prefix%s", got, want)
	}
}

// trickyRecords are records with every field set or empty, nil and empty
// maps and lists, bodies that are not UTF-8 and strings in need of escapes.
func trickyRecords() []*Record {
	skew, zero := int64(-42), int64(0)
	at := time.Date(2026, 11, 23, 18, 4, 5, 123456789, time.UTC)
	base := func() *Record {
		r := &Record{V: Version, ID: "01M84S1580ABCDEFGHJKMNPQRS", ReceivedAt: at, RemoteAddr: "127.0.0.1:50123",
			LocalAddr: "127.0.0.1:4242", Method: "POST", Host: "127.0.0.1:4242", Path: "/hooks/aella", Query: "a=1&b=2", Proto: "HTTP/1.1",
			Headers:  http.Header{"Content-Type": {"application/json"}, "X-Repeat": {"one", "two", "three"}, "User-Agent": {"hooktool/1"}},
			Provider: "aella", Scheme: "hmac", Event: "transfer.completed", Route: "webhook",
			Verdict: &signature.Verdict{Scheme: "hmac", Valid: true, Reason: signature.ReasonValid, Message: "signature valid", SecretIndex: 1},
			Matched: true, Answer: Answer{Status: 200}}
		r.SetBody([]byte(`{"event":"transfer.completed","data":{"amount":5000}}`))
		return r
	}
	escapes := "quote \" back \\ slash / <script>&amp;</script> tab\tnl\ncr\rbs\bff\f \x00\x01\x1f\x7f ünïcödé ✔ 😀 \u2028 \u2029 \ufffd"
	var recs []*Record
	add := func(f func(r *Record)) {
		r := base()
		f(r)
		recs = append(recs, r)
	}
	add(func(*Record) {})
	add(func(r *Record) { r.SetBody([]byte("caf\xe9 \x00\xff\xfe binary")) })
	add(func(r *Record) { r.SetBody(nil) })
	add(func(r *Record) { r.SetBody([]byte(escapes)) })
	add(func(r *Record) { r.Body = "caf\xe9 \xff invalid \xe2\x80 \xed\xa0\x80 \xc0\x80" }) // written as \ufffd
	add(func(r *Record) { r.Headers = nil })
	add(func(r *Record) { r.Headers = http.Header{} })
	add(func(r *Record) {
		r.Headers = http.Header{"X-Nil": nil, "X-Empty": {}, "X-Blank": {""}, "": {"no name"}}
	})
	add(func(r *Record) {
		r.Headers = http.Header{escapes: {escapes, "", escapes}, "\xff": {"\xfe"}, "Content-Type": {"text/plain; charset=\"utf-8\""}}
	})
	add(func(r *Record) {
		r.Verdict = &signature.Verdict{Scheme: "stripe", Reason: signature.ReasonTimestampTooOld, Message: escapes, Header: "Stripe-Signature",
			SkewSeconds: &skew, SecretIndex: 3, Hints: []string{"the clock is off", escapes, ""}}
	})
	add(func(r *Record) { r.Verdict = &signature.Verdict{SkewSeconds: &zero, Hints: []string{}} })
	add(func(r *Record) { r.Verdict = &signature.Verdict{} })
	add(func(r *Record) { r.Verdict, r.Provider, r.Scheme, r.Event, r.Route = nil, "", "", "", "" })
	add(func(r *Record) {
		r.Forward = &Forward{URL: "http://127.0.0.1:3000/hook", Status: 502, LatencyMS: 12.5, Error: "connection refused", ErrorKind: "connection_refused", Body: escapes}
	})
	add(func(r *Record) { r.Forward = &Forward{} })
	add(func(r *Record) { r.Type = "delivery" })
	add(func(r *Record) { r.Type = escapes })
	add(func(r *Record) { r.Redacted = []string{"Verif-Hash", escapes} })
	add(func(r *Record) { r.Redacted = []string{} })
	add(func(r *Record) { r.Query, r.RedactedQuery = "token=%5Bredacted%5D&a=1", true })
	add(func(r *Record) { r.Path, r.RedactedPath = "/hooks/%5Bredacted%5D", true })
	add(func(r *Record) {
		r.Headers["X-Bin"] = []string{"a\xff\xfe", "plain"}
		r.EncodeHeaders()
	})
	add(func(r *Record) { r.Base64Headers = []string{"X-Repeat", escapes} })
	add(func(r *Record) { r.Matched, r.Answer = false, Answer{Status: 401, DelayMS: 1500, Reason: escapes} })
	add(func(r *Record) { r.Answer = Answer{Status: -1, DelayMS: math.MinInt64} })
	add(func(r *Record) { r.V, r.BodySize, r.Answer.Status = math.MaxInt64, math.MinInt64, 0 })
	add(func(r *Record) { r.ReceivedAt = time.Time{} })
	add(func(r *Record) { r.ReceivedAt = at.In(time.FixedZone("", 5*3600+1800)) })
	add(func(r *Record) { r.ReceivedAt = at.In(time.FixedZone("", -7*3600)) })
	add(func(r *Record) { r.ReceivedAt = time.Unix(1_800_000_000, 0).UTC() })
	add(func(r *Record) {
		r.ID, r.RemoteAddr, r.LocalAddr, r.Method, r.Host = escapes, escapes, escapes, escapes, escapes
		r.Path, r.Query, r.Proto, r.BodyEncoding = escapes, escapes, escapes, escapes
		r.Provider, r.Scheme, r.Event, r.Route = escapes, escapes, escapes, escapes
	})
	add(func(r *Record) { *r = Record{} })
	return recs
}

// trickyLines are lines where a decoder may part from encoding/json: keys
// in other case or escaped, duplicates, numbers that are not plain
// integers, strings with every escape, nulls everywhere, syntax errors.
var trickyLines = []string{
	`{}`, " \t\r\n{ \t\r\n} \t\r\n", `null`, ` null `, `[]`, `""`, `1`, `true`, ``, ` `, `{`, `}`, `{}}`, `{} x`, `{}{}`, `{},`, "\xef\xbb\xbf{}",
	"{ \"v\" :\t1 ,\r\n\"id\" : \"x\" , \"headers\" : { \"A\" : [ \"b\" , null ] } , \"verdict\" : { \"valid\" : true , \"hints\" : [ ] } , \"answer\" : { \"status\" : 200 } }",
	// Keys.
	`{"V":1,"ID":"x"}`, `{"Id":"x"}`, `{"BODY":"x"}`, `{"ſcheme":"x"}`, `{"\u0069d":"x"}`, `{"i\"d":"x"}`, `{"id\\":"x"}`, `{"zzz":1}`,
	`{"zzz":[1,{"a":null}],"id":"x"}`, `{"verdict":{"Valid":true}}`, `{"verdict":{"zzz":1}}`, `{"answer":{"STATUS":1}}`, `{"answer":{"zzz":1}}`,
	`{"id" "x"}`, `{"id":}`, `{"id":"x",}`, `{,"id":"x"}`, `{"id":"x" "v":1}`, `{id:"x"}`, `{'id':'x'}`,
	// Duplicates: the last wins, but maps and pointers are merged into.
	`{"redacted_query":true}`, `{"redacted_query":false}`, `{"redacted_query":null}`, `{"redacted_query":1}`, `{"redacted_query":"true"}`,
	`{"redacted_query":true,"redacted_query":false}`, `{"id":"a","id":"b"}`, `{"headers":{"A":["1"]},"headers":{"B":["2"]}}`, `{"headers":{"A":["1"]},"headers":null}`,
	`{"verdict":{"scheme":"a","valid":true},"verdict":{"reason":"r"}}`, `{"verdict":{"hints":["a","b"],"hints":["c"]}}`,
	`{"answer":{"status":1},"answer":{"reason":"r"}}`, `{"answer":{"status":1,"status":2}}`, `{"redacted_headers":["a","b"],"redacted_headers":["c"]}`,
	`{"headers":{"A":["1"],"A":["2","3"]}}`, `{"headers":{"\u0041":["1"],"A":null}}`, "{\"headers\":{\"\xff\":[\"1\"],\"\xfe\":[\"2\"]}}",
	`{"forward":{"url":"a"},"forward":{"status":1}}`, `{"verdict":{"skew_seconds":1,"skew_seconds":null}}`,
	// Numbers.
	`{"v":1.0}`, `{"v":1e2}`, `{"v":1E2}`, `{"v":-0}`, `{"v":0}`, `{"v":01}`, `{"v":-}`, `{"v":1.}`, `{"v":.1}`, `{"v":+1}`, `{"v":-01}`,
	`{"v":9223372036854775807}`, `{"v":9223372036854775808}`, `{"v":-9223372036854775808}`, `{"v":-9223372036854775809}`,
	`{"v":18446744073709551615}`, `{"v":18446744073709551616}`, `{"v":99999999999999999999999}`, `{"v":1e400}`, `{"v":"1"}`, `{"v":true}`,
	`{"v":null}`, `{"v":[1]}`, `{"v":{}}`, `{"v":1x}`, `{"v":1-2}`, `{"v":NaN}`, `{"body_size":-5}`, `{"answer":{"delay_ms":9223372036854775807}}`,
	`{"answer":{"delay_ms":1.5}}`, `{"answer":{"status":"200"}}`, `{"verdict":{"secret_index":2.0}}`, `{"verdict":{"skew_seconds":-9223372036854775808}}`,
	`{"verdict":{"skew_seconds":"1"}}`, `{"verdict":{"skew_seconds":1e1}}`,
	// Strings.
	`{"id":"\ud83d\ude00"}`, `{"id":"\ud83d"}`, `{"id":"\ud83dx"}`, `{"id":"\ud83d\u0041"}`, `{"id":"\ude00"}`, `{"id":"\ud83d\ud83d\ude00"}`,
	`{"id":"\ude00\ud83d"}`, `{"id":"\uDBFF\uDFFF"}`, `{"id":"\ud800\udc00\ud800"}`, `{"id":"\ud83d\u"}`, `{"id":"\ud83d\uZZZZ"}`, `{"id":"\ud83d\"}`,
	`{"id":"\u00e9\u00E9\u0000\u001f\u2028\uffff\ufffe"}`, `{"id":"\/\"\\\b\f\n\r\t"}`, `{"id":"\'"}`, `{"id":"\x41"}`, `{"id":"\a"}`, `{"id":"\u12"}`,
	`{"id":"\u12G4"}`, `{"id":"\`, `{"id":"\u`, `{"id":"x`, `{"id":"`, `{"id`, "{\"id\":\"a\tb\"}", "{\"id\":\"a\nb\"}", "{\"id\":\"a\x00b\"}",
	"{\"id\":\"a\x7fb\"}", "{\"id\":\"caf\xe9\"}", "{\"id\":\"\xff\xfe\xfd\"}", "{\"id\":\"\xe2\x80\"}", "{\"id\":\"\xe2\x80\xa8\"}", "{\"id\":\"\xed\xa0\x80\"}",
	"{\"id\":\"\xc0\x80\"}", "{\"id\":\"\xf4\x90\x80\x80\"}", "{\"id\":\"\xf0\x9f\x98\x80\xf0\x9f\x98\"}", "{\"id\":\"12345678\xff12345678\\\"12345678\"}",
	"{\"body\":\"" + strings.Repeat("abcdefg\\\"", 40) + "\xff\"}", "{\"body\":\"" + strings.Repeat("\xe2\x9c\x94", 40) + "\"}",
	`{"id":null,"body":null,"type":null,"body_encoding":null}`, `{"id":1}`, `{"id":true}`, `{"id":["x"]}`, `{"body":{}}`,
	// received_at.
	`{"received_at":"2026-01-02T03:04:05Z"}`, `{"received_at":"2026-01-02T03:04:05.123456789+05:30"}`, `{"received_at":"2026-01-02T03:04:05-07:00"}`,
	`{"received_at":"2026-01-02T03:04:05.1Z"}`, `{"received_at":"2026-01-02t03:04:05z"}`, `{"received_at":"2026-01-02T03:04:05,1Z"}`,
	`{"received_at":"2026-01-02T3:04:05Z"}`, `{"received_at":"2026-01-02T03:04:05+24:00"}`, `{"received_at":"2026-01-02T03:04:05+23:59"}`,
	`{"received_at":"2026-02-30T03:04:05Z"}`, `{"received_at":"0000-01-01T00:00:00Z"}`, `{"received_at":"9999-12-31T23:59:59.999999999Z"}`,
	`{"received_at":"yesterday"}`, `{"received_at":""}`, `{"received_at":null}`, `{"received_at":12}`, `{"received_at":true}`, `{"received_at":{}}`,
	`{"received_at":"2026\u002d01-02T03:04:05Z"}`, `{"received_at":" 2026-01-02T03:04:05Z"}`, "{\"received_at\":\"2026-01-02T03:04:05Z\xff\"}",
	`{"received_at":"2026-01-02T03:04:05Z","received_at":null}`,
	// headers and lists.
	`{"headers":null}`, `{"headers":{}}`, `{"headers":{"A":null}}`, `{"headers":{"A":[]}}`, `{"headers":{"A":[null]}}`, `{"headers":{"A":["x",null,"y"]}}`,
	`{"headers":{"A":"b"}}`, `{"headers":{"A":[1]}}`, `{"headers":{"A":[[]]}}`, `{"headers":{"A":["x",]}}`, `{"headers":{"A":[,"x"]}}`, `{"headers":{"A":["x"],}}`,
	`{"headers":{"A":["x"]`, `{"headers":{"A":["x"`, `{"headers":["a"]}`, `{"headers":"a"}`, `{"headers":1}`, `{"headers":{"":[""]}}`, `{"headers":{A:[]}}`,
	`{"headers":{"\ud83d\ude00\n\"":["\u2028"]}}`, `{"redacted_headers":null}`, `{"redacted_headers":[]}`, `{"redacted_headers":[null,"a"]}`,
	`{"redacted_headers":"a"}`, `{"redacted_headers":[1]}`, `{"redacted_headers":{}}`,
	`{"base64_headers":null}`, `{"base64_headers":[]}`, `{"base64_headers":["A",null]}`, `{"base64_headers":"A"}`, `{"base64_headers":["A"],"base64_headers":["B"]}`,
	// verdict, answer, matched, forward.
	`{"verdict":null}`, `{"verdict":{}}`, `{"verdict":{"valid":null,"reason":null,"skew_seconds":null,"hints":null,"secret_index":null}}`,
	`{"verdict":{"hints":[]}}`, `{"verdict":{"hints":[null]}}`, `{"verdict":{"valid":1}}`, `{"verdict":{"valid":"true"}}`, `{"verdict":[]}`,
	`{"verdict":"valid"}`, `{"verdict":{"scheme":"a","valid":false,"reason":"valid","message":"m","header":"h","skew_seconds":7,"secret_index":-1,"hints":["x"]}}`,
	`{"answer":null}`, `{"answer":{}}`, `{"answer":{"status":null,"delay_ms":null,"reason":null}}`, `{"answer":[]}`, `{"answer":1}`,
	`{"matched":true}`, `{"matched":false}`, `{"matched":null}`, `{"matched":"true"}`, `{"matched":1}`, `{"matched":tru}`, `{"matched":truee}`, `{"matched":nul}`,
	`{"forward":null}`, `{"forward":{}}`, `{"forward":{"url":"u","status":200,"latency_ms":1.5e2,"error":"e","body":"b","zzz":[{"}":"]"}]}}`,
	`{"forward":{"latency_ms":"x"}}`, `{"forward":{"URL":"u"}}`, `{"forward":[]}`, `{"forward":"x"}`, `{"forward":1}`, `{"forward":{"url":"u"}]}`,
	`{"forward":{"url":"u"]}`, `{"forward":{"url":"\"}"}}`, `{"forward":{"url":"u"`, `{"forward":{"url":"u"}} x`, `{"forward":{"a":[}]}}`,
}

func TestDecodeRecordMatchesUnmarshal(t *testing.T) {
	for _, r := range trickyRecords() {
		sameAsMarshal(t, r)
		line, err := r.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		sameAsUnmarshal(t, line)
		// Whitespace between every token.
		var spaced bytes.Buffer
		if err := json.Indent(&spaced, line, " \r", "\t\n"); err != nil {
			t.Fatal(err)
		}
		sameAsUnmarshal(t, spaced.Bytes())
		// Every prefix is a torn line.
		for n := range line {
			sameAsUnmarshal(t, line[:n])
		}
	}
	for _, line := range trickyLines {
		sameAsUnmarshal(t, []byte(line))
	}
	// Nesting: encoding/json refuses a record nested deeper than 10000.
	for _, n := range []int{999, 1000, 1001, 9998, 9999, 10000} {
		sameAsUnmarshal(t, []byte(`{"forward":{"zzz":`+strings.Repeat("[", n)+strings.Repeat("]", n)+`}}`))
		sameAsUnmarshal(t, []byte(`{"forward":{"zzz":`+strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n)+`}}`))
	}
	// A line longer than maxRetained, decoded by encoding/json itself, and
	// one just short of it.
	for _, long := range []bool{false, true} {
		r := typicalRecord()
		r.Body = "" // its other fields take under 2000 bytes
		n := maxRetained - 2000
		if long {
			n = maxRetained
		}
		r.Body = strings.Repeat("é", n/2) + "\xff"
		line, err := r.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if long != (len(line) > maxRetained) {
			t.Fatalf("a line of %d bytes", len(line))
		}
		sameAsUnmarshal(t, line)
	}
}

// typicalRecord is a delivery as listen keeps it: a JSON body of 568
// bytes, six headers and a valid verdict.
func typicalRecord() *Record {
	body := `{"id":"evt_01J9Z3K8Q6","event":"transfer.completed","created_at":"2026-11-23T18:04:05Z","data":{"id":"trf_8812","amount":500000,` +
		`"currency":"NGN","fee":1250,"status":"successful","reference":"ref-2026-11-23-0001","narration":"Invoice 1042 \u2013 October",` +
		`"customer":{"id":"cus_77","email":"ada@example.com","name":"Ada Obi"},"bank":{"code":"058","account":"0123456789","name":"GTBank"},` +
		`"meta":{"attempt":1,"tags":["urgent","retry"],"note":"<b>paid</b> & settled"}},"livemode":false}`
	body += strings.Repeat(" ", 568-len(body))
	r := &Record{V: Version, ID: "01M84S1580ABCDEFGHJKMNPQRS", ReceivedAt: time.Date(2026, 11, 23, 18, 4, 5, 123456789, time.UTC),
		RemoteAddr: "203.0.113.7:50123", LocalAddr: "127.0.0.1:4242", Method: "POST", Host: "hooks.example.com", Path: "/hooks/aella",
		Proto: "HTTP/1.1",
		Headers: http.Header{"Content-Type": {"application/json"}, "User-Agent": {"Aella-Webhooks/2.1"}, "Content-Length": {"568"},
			"Accept-Encoding": {"gzip"}, "X-Aella-Signature": {"t=1795456845,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"},
			"X-Request-Id": {"req_3f2a9c"}},
		Provider: "aella", Scheme: "hmac", Event: "transfer.completed", Route: "webhook",
		Verdict: &signature.Verdict{Scheme: "hmac", Valid: true, Reason: signature.ReasonValid, Message: "signature valid", SecretIndex: 1},
		Matched: true, Answer: Answer{Status: 200}}
	r.SetBody([]byte(body))
	return r
}

func TestTypicalRecord(t *testing.T) {
	r := typicalRecord()
	if r.BodySize != 568 || len(r.Headers) != 6 {
		t.Fatalf("body %d bytes, %d headers", r.BodySize, len(r.Headers))
	}
	line, err := r.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	sameAsUnmarshal(t, line)
	var got Record
	if err := decodeRecord(line, &got); err != nil || !reflect.DeepEqual(&got, r) {
		t.Fatalf("decodeRecord: %v\n got  %#v\n want %#v", err, got, *r)
	}
}

func BenchmarkDecodeRecord(b *testing.B) {
	line, err := typicalRecord().AppendJSON(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=go-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var rec Record
			if err := decodeRecord(line, &rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(line)))
		for b.Loop() {
			var rec Record
			if err := json.Unmarshal(line, &rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzDecodeRecord: go-json and decodeRecord fail exactly when
// json.Unmarshal does, and otherwise give the same record, none of whose
// strings aliases the input, and which AppendJSON writes as json.Marshal
// does. Run it with:
//
//	go test ./internal/capture -run '^$' -fuzz '^FuzzDecodeRecord$' -fuzztime 120s
func FuzzDecodeRecord(f *testing.F) {
	recs := append(trickyRecords(), typicalRecord())
	for _, r := range recs {
		line, err := r.AppendJSON(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(line)
	}
	// Mutated variants of a real line: the ways a line can differ from
	// AppendJSON's and still be JSON, or almost.
	line, err := typicalRecord().AppendJSON(nil)
	if err != nil {
		f.Fatal(err)
	}
	s := string(line)
	for _, m := range [][2]string{
		{`"id":`, `"ID":`}, {`"verdict":{"scheme"`, `"verdict":{"Scheme"`}, {`"v":1`, `"v":1.0`}, {`"v":1`, `"v":1e0`},
		{`"status":200`, `"status":200,"status":201`}, {`"headers":{`, `"headers":{"A":["1"]},"headers":{`}, {`"id":`, `"\u0069d":`},
		{`"matched":true`, `"matched":null`}, {`,`, ` ,`}, {`:`, ": \t"}, {`"method":"POST"`, `"method":"P\u004fST\ud83d"`},
		{`"secret_index":1`, `"secret_index":1,"skew_seconds":-3,"hints":["h",null]`}, {`"answer":{`, `"forward":{"url":"u","latency_ms":2.5},"answer":{`},
		{`}`, `} `}, {`"received_at":"2026-11-23T18:04:05.123456789Z"`, `"received_at":"2026-11-23T18:04:05+01:00"`},
		{`"body_encoding":"utf8"`, `"body_encoding":"utf8","zzz":{}`}, {`"Content-Type":["application/json"]`, `"Content-Type":null`},
	} {
		f.Add([]byte(strings.Replace(s, m[0], m[1], 1)))
	}
	f.Add([]byte(s + "x"))
	f.Add([]byte(s[:len(s)/2]))
	for _, line := range trickyLines {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsUnmarshal(t, data)
	})
}

// TestReadLinesAroundTheBufferSize: Read decodes lines in its reader's
// buffer and gathers longer ones into a buffer of its own, reused from one
// long line to the next; lines of about the buffer's size, long lines
// after longer ones, and a long torn last line read as they were written.
func TestReadLinesAroundTheBufferSize(t *testing.T) {
	base := typicalRecord()
	base.Verdict.Hints = []string{"pad"}
	probe, err := base.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	// line returns a record line of exactly n bytes with its newline.
	line := func(n int) []byte {
		r := *base
		v := *base.Verdict
		r.Verdict = &v
		v.Hints = []string{strings.Repeat("h", n-len(probe)-1+len("pad"))}
		b, err := r.AppendJSON(nil)
		if err != nil || len(b)+1 != n {
			t.Fatalf("line of %d bytes: %d (%v)", n, len(b)+1, err)
		}
		return append(b, '\n')
	}
	const size = 1 << 16 // Read's buffer
	var file bytes.Buffer
	var lines [][]byte
	for _, n := range []int{size - 1, size, size + 1, 3 * size, 2000, 2*size + 7, size + 1, 5000, 4 * size, size} {
		l := line(n)
		lines = append(lines, l)
		file.Write(l)
	}
	torn := line(3 * size)
	file.Write(torn[:len(torn)-10])
	var got []*Record
	var warns []string
	err = Read(bytes.NewReader(file.Bytes()), "c.jsonl", ReadOptions{Warn: func(s string) { warns = append(warns, s) }}, func(r *Record, _ int) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(lines) {
		t.Fatalf("%d records, want %d", len(got), len(lines))
	}
	for i, l := range lines {
		var want Record
		if err := json.Unmarshal(l, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i], &want) {
			t.Errorf("record %d (%d bytes) is not as written", i, len(l))
		}
	}
	want := fmt.Sprintf("c.jsonl:%d: skipped a torn last line (%d bytes)", len(lines)+1, len(torn)-10)
	if len(warns) != 1 || !strings.HasPrefix(warns[0], want) {
		t.Errorf("warnings %q, want %q…", warns, want)
	}
}

// BenchmarkRead reads a capture file of 1000 typical records from memory,
// as verify and replay do.
func BenchmarkRead(b *testing.B) {
	line, err := typicalRecord().AppendJSON(nil)
	if err != nil {
		b.Fatal(err)
	}
	const records = 1000
	file := bytes.Repeat(append(line, '\n'), records)
	b.ReportAllocs()
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		if err := Read(bytes.NewReader(file), "b.jsonl", ReadOptions{}, func(*Record, int) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
}
