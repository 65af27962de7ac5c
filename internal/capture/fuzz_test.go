package capture

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// Fuzz targets for what reads capture files and selects from them. Run one
// with, e.g.:
//
//	go test ./internal/capture -run '^$' -fuzz '^FuzzReadCapture$' -fuzztime 30s

// fuzzCaptureLine is a record line as listen writes it.
func fuzzCaptureLine(f *testing.F, id string, body []byte) []byte {
	f.Helper()
	r := &Record{V: Version, ID: id, ReceivedAt: time.Unix(1_800_000_000, 0).UTC(), RemoteAddr: "127.0.0.1:5000",
		Method: "POST", Host: "127.0.0.1:4242", Path: "/hooks/%2Fx", Query: "a=1", Proto: "HTTP/1.1",
		Headers: http.Header{"Content-Type": {"application/json"}, "X-Multi": {"a", "b"}}, Provider: "aella",
		Scheme: "hmac", Event: "transfer.completed", Route: "webhook",
		Verdict: &signature.Verdict{Scheme: "hmac", Reason: signature.ReasonMismatch, Hints: []string{"h"}},
		Matched: true, Answer: Answer{Status: 200, DelayMS: 5, Reason: "r"}, Forward: &Forward{URL: "http://a/", Status: 502, Error: "e"}}
	r.SetBody(body)
	b, err := r.AppendJSON(nil)
	if err != nil {
		f.Fatal(err)
	}
	return append(b, '\n')
}

// FuzzReadCapture reads arbitrary bytes as a capture file: no panic; every
// record returned has a body that decodes and survives being written and
// read again; a strict read fails only with a ParseError, and its records
// are the first of those a SkipBad read returns; SkipBad never fails (the
// input is in memory, so there are no read errors).
func FuzzReadCapture(f *testing.F) {
	good := fuzzCaptureLine(f, "01J00000000000000000000000", []byte(`{"event":"transfer.completed","amount":5000}`))
	bin := fuzzCaptureLine(f, "01J00000000000000000000001", []byte("caf\xe9\x00\xff"))
	empty := fuzzCaptureLine(f, "01J00000000000000000000002", nil)
	for _, seed := range [][]byte{
		good,
		append(append(bytes.Clone(good), bin...), empty...),
		append(bytes.Clone(good), bin[:len(bin)/2]...), // torn last line
		append(append(bytes.Clone(good[:40]), '\n'), bin...),
		[]byte("not json\n" + string(good)),
		[]byte(`{"v":2,"id":"X","body":"","body_encoding":"utf8"}` + "\n"),
		[]byte(`{"v":1,"id":"X","body":"!!","body_encoding":"base64"}` + "\n"),
		[]byte(`{"v":1,"id":"X","body":"QUJD","body_encoding":"base64"}` + "\r\n\n  \n"),
		[]byte(`{"v":1,"id":"X","body":"x","body_encoding":"gzip"}`),
		[]byte(`{"v":1,"id":"X","headers":{"A":["\u2028",null]},"body":"\ud800","body_encoding":"utf8"}` + "\n"),
		[]byte(`{"v":1,"id":"X","path":"/h","headers":{"x-b":["/w=="],"X-B":["p"]},"base64_headers":["x-b"],"body":"","body_encoding":"utf8"}` + "\n"),
		[]byte(`{"v":1,"id":"X","path":"@evil:1/x","body":"","body_encoding":"utf8"}` + "\n"),
		[]byte("null\n[]\n{}\n\"s\"\n1\n"),
		{},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		read := func(skipBad bool) ([]*Record, error) {
			var recs []*Record
			err := Read(bytes.NewReader(data), "fuzz.jsonl", ReadOptions{SkipBad: skipBad, Warn: func(string) {}},
				func(r *Record, line int) error {
					if line < 1 {
						t.Fatalf("line %d", line)
					}
					recs = append(recs, r)
					return nil
				})
			return recs, err
		}
		strict, err := read(false)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "fuzz.jsonl" || pe.Line < 1 || !strings.HasPrefix(err.Error(), "fuzz.jsonl:") {
				t.Fatalf("strict read: %v is not a ParseError naming the file and line", err)
			}
		}
		lenient, err := read(true)
		if err != nil {
			t.Fatalf("SkipBad read failed: %v", err)
		}
		if len(strict) > len(lenient) {
			t.Fatalf("strict read %d records, SkipBad only %d", len(strict), len(lenient))
		}
		for i, r := range lenient {
			body, err := r.Bytes()
			if err != nil {
				t.Fatalf("record %d: body does not decode: %v", i, err)
			}
			if r.V < 1 || r.V > Version || r.ID == "" {
				t.Fatalf("record %d: v %d id %q accepted", i, r.V, r.ID)
			}
			if i < len(strict) && strict[i].ID != r.ID {
				t.Fatalf("record %d: strict read %q, SkipBad %q", i, strict[i].ID, r.ID)
			}
			// Written again as listen writes, it reads back the same.
			line, err := r.AppendJSON(nil)
			if err != nil {
				t.Fatalf("record %d: re-encoding: %v", i, err)
			}
			var again []*Record
			if err := Read(bytes.NewReader(append(line, '\n')), "again", ReadOptions{}, func(r *Record, _ int) error {
				again = append(again, r)
				return nil
			}); err != nil || len(again) != 1 {
				t.Fatalf("record %d re-encoded does not read back (%v): %s", i, err, line)
			}
			b2, err := again[0].Bytes()
			if err != nil || !bytes.Equal(b2, body) || again[0].ID != r.ID || again[0].BodyEncoding != r.BodyEncoding {
				t.Fatalf("record %d changed in a round trip: %s", i, line)
			}
		}
	})
}

// fuzzCondRecords are records to match conditions against: JSON, binary and
// no body.
func fuzzCondRecords() []*Record {
	base := func() *Record {
		return &Record{V: Version, ID: "01M84S1580ABCDEFGHJKMNPQRS", ReceivedAt: time.Unix(1_800_000_000, 0).UTC(),
			RemoteAddr: "127.0.0.1:50123", Method: "POST", Host: "127.0.0.1:4242", Path: "/hooks/aella", Query: "a=1&b=2",
			Headers:  http.Header{"Content-Type": {"application/json"}, "X-Repeat": {"one", "two"}, "X-Attempt": {"10"}},
			Provider: "aella", Scheme: "hmac", Event: "transfer.completed", Route: "webhook",
			Verdict: &signature.Verdict{Scheme: "hmac", Valid: true, Reason: signature.ReasonValid}, Matched: true, Answer: Answer{Status: 200}}
	}
	js, bin, none := base(), base(), base()
	js.SetBody([]byte(`{"event":"transfer.completed","data":{"amount":6000,"fee":12.5,"ref":"900","tags":["urgent","retry"],` +
		`"ok":true,"customer":{"email":"ada@example.com"},"nested":[[{"a":[1,{"b":null}]}]]}}`))
	bin.SetBody([]byte("\xff\xfe{\"amount\":1}"))
	none.Verdict, none.Event = nil, ""
	return []*Record{js, bin, none}
}

// FuzzParseCond parses arbitrary --where expressions and, when one parses,
// matches it (also as an event glob) against fixed records: no panic, and
// a condition shows as it was written.
func FuzzParseCond(f *testing.F) {
	for _, seed := range []string{
		`data.amount>5000`, `data.amount<=6000`, `data.fee>=12.5`, `event=="transfer.completed"`, `data.ref=="900"`,
		`header.User-Agent~"hooktool/*"`, `header.X-Repeat==one, two`, `record.status!=200`, `record.verdict==valid`,
		`record.body_size>10`, `data.tags.#>1`, `data.tags.#(=="urgent")==urgent`, `data.nested.0.0.a.1.b==null`,
		`data.customer.email~*@example.com`, `data..x==1`, `"a==b"==1`, `data.amount>'5000'`, `x~[`, `==`, `a!b`,
		`data.@reverse==1`, `@this.event==x`, `data.tags|@reverse|0==retry`, `#(event=="x")#==1`, `record.nope==1`,
	} {
		f.Add(seed)
	}
	recs := fuzzCondRecords()
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseCond(expr)
		if err != nil {
			return
		}
		if c.String() != expr {
			t.Fatalf("String() = %q, want %q", c.String(), expr)
		}
		switch c.Op {
		case "==", "!=", "<", ">", "<=", ">=", "~":
		default:
			t.Fatalf("operator %q", c.Op)
		}
		if c.Left == "" {
			t.Fatalf("%q parsed with an empty left side", expr)
		}
		for _, r := range recs {
			s := Selector{Where: []Cond{c}}
			s.Match(r)
			s = Selector{Event: expr}
			s.Match(r)
		}
	})
}
