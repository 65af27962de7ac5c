package compare

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

func record(id, method, path, query string, h http.Header, body string) *capture.Record {
	r := &capture.Record{V: capture.Version, ID: id, Method: method, Path: path, Query: query, Proto: "HTTP/1.1", Host: "127.0.0.1:4242", Headers: h}
	r.SetBody([]byte(body))
	r.EncodeHeaders()
	return r
}

func TestRecordsSame(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "X-Repeat": {"a", "b"}}
	a := record("A", "POST", "/hook", "x=1", h, `{"data":{"amount":2500}}`)
	b := record("B", "POST", "/hook", "x=1", h.Clone(), `{"data":{"amount":2500}}`)
	res, err := Records(a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Same || len(res.Request) != 0 || len(res.Headers) != 0 || !res.Body.Same || res.Body.Bytes != nil || len(res.Body.Changes) != 0 {
		t.Errorf("identical deliveries: %+v", res)
	}
	if res.A.ID != "A" || res.B.ID != "B" {
		t.Errorf("sides %+v %+v", res.A, res.B)
	}
}

func TestRecordsDiffer(t *testing.T) {
	a := record("A", "POST", "/hook", "x=1", http.Header{
		"Content-Type":  {"application/json"},
		"X-Repeat":      {"a", "b"},
		"X-Gone":        {"old"},
		"Authorization": {"Bearer one"},
		"X-Echo":        {"key s3cret here"},
	}, `{"type":"t","data":{"amount":2500,"fee":5}}`)
	b := record("B", "PUT", "/other", "x=2&token=s3cret", http.Header{
		"Content-Type":  {"application/json"},
		"X-Repeat":      {"b", "a"}, // the same values in another order differ
		"X-New":         {"new\x1b[2Jbytes\xff"},
		"Authorization": {"Bearer two"},
		"X-Echo":        {"key s3cret there"},
	}, `{"type":"t","data":{"amount":3000,"note":"x"}}`)
	red := signature.NewRedactor(nil, []signature.Secret{signature.NewSecret("s3cret")})
	res, err := Records(a, b, Options{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	if res.Same {
		t.Fatal("Same for different deliveries")
	}
	wantReq := []Field{{"method", "POST", "PUT"}, {"path", "/hook", "/other"}, {"query", "x=1", "x=2&token=%5Bredacted%5D"}}
	if !reflect.DeepEqual(res.Request, wantReq) {
		t.Errorf("request:\n got %q\nwant %q", res.Request, wantReq)
	}
	// The sides name the deliveries with their queries as shown too.
	if res.A.Query != "x=1" || res.B.Query != "x=2&token=%5Bredacted%5D" {
		t.Errorf("sides' queries %q and %q: the secret must be [redacted]", res.A.Query, res.B.Query)
	}
	wantH := []Header{
		{Name: "Authorization", Kind: Changed, Old: []string{"[redacted]"}, New: []string{"[redacted]"}},
		{Name: "X-Echo", Kind: Changed, Old: []string{"[redacted]"}, New: []string{"[redacted]"}},
		{Name: "X-Gone", Kind: Removed, Old: []string{"old"}},
		{Name: "X-New", Kind: Added, New: []string{"new\x1b[2Jbytes\xff"}}, // the bytes received: base64 in the record, decoded
		{Name: "X-Repeat", Kind: Changed, Old: []string{"a", "b"}, New: []string{"b", "a"}},
	}
	if !reflect.DeepEqual(res.Headers, wantH) {
		t.Errorf("headers:\n got %q\nwant %q", res.Headers, wantH)
	}
	var lines []string
	for _, c := range res.Body.Changes {
		lines = append(lines, c.String())
	}
	want := []string{"data.amount: 2500 → 3000", "data.fee: removed 5", `data.note: added "x"`}
	if res.Body.Format != FormatJSON || res.Body.Same || res.Body.Bytes != nil || !reflect.DeepEqual(lines, want) {
		t.Errorf("body %+v: %q, want %q", res.Body, lines, want)
	}
	// The JSON form is what the inspector serves: values stay JSON.
	out, err := json.Marshal(res.Body.Changes[0])
	if err != nil || string(out) != `{"path":"data.amount","kind":"changed","old":2500,"new":3000}` {
		t.Errorf("JSON %s (%v)", out, err)
	}
}

// Header names differing only in case are one header; Host is compared.
func TestRecordsHeaderCase(t *testing.T) {
	a := record("A", "POST", "/", "", http.Header{"X-Sig": {"1"}}, "")
	b := record("B", "POST", "/", "", http.Header{"x-sig": {"1"}}, "")
	b.Host = "127.0.0.1:9999"
	res, err := Records(a, b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Header{{Name: "Host", Kind: Changed, Old: []string{"127.0.0.1:4242"}, New: []string{"127.0.0.1:9999"}}}
	if !reflect.DeepEqual(res.Headers, want) {
		t.Errorf("got %q, want %q", res.Headers, want)
	}
}

func TestBodies(t *testing.T) {
	for _, c := range []struct {
		name       string
		a, b       string
		same       bool
		format     string
		wantBytes  *Bytes
		wantChange int
	}{
		{"empty", "", "", true, FormatBytes, nil, 0},
		{"a trailing newline added", `{"a":1}`, "{\"a\":1}\n", false, FormatJSON,
			&Bytes{OldSize: 7, NewSize: 8, Offset: 7, Line: 1, Column: 8, Suffix: 0, Context: Excerpt{Len: 7, Text: `{"a":1}`}, Old: Excerpt{}, New: Excerpt{Len: 1, Text: "\n"}}, 0},
		{"the same JSON re-serialized", `{"a":1,"b":2}`, `{"a": 1, "b": 2}`, false, FormatJSON,
			&Bytes{OldSize: 13, NewSize: 16, Offset: 5, Line: 1, Column: 6, Suffix: 2, Context: Excerpt{Len: 5, Text: `{"a":`}, Old: Excerpt{Len: 6, Text: `1,"b":`}, New: Excerpt{Len: 9, Text: ` 1, "b": `}}, 0},
		{"text", "line one\nline two\n", "line one\nline 2\n", false, FormatBytes,
			&Bytes{OldSize: 18, NewSize: 16, Offset: 14, Line: 2, Column: 6, Suffix: 1, Context: Excerpt{Len: 14, Text: "line one\nline "}, Old: Excerpt{Len: 3, Text: "two"}, New: Excerpt{Len: 1, Text: "2"}}, 0},
		// é is c3 a9, è c3 a8: the run starts at the rune, not inside it.
		{"a rune", "café!", "cafè!", false, FormatBytes,
			&Bytes{OldSize: 6, NewSize: 6, Offset: 3, Line: 1, Column: 4, Suffix: 1, Context: Excerpt{Len: 3, Text: "caf"}, Old: Excerpt{Len: 2, Text: "é"}, New: Excerpt{Len: 2, Text: "è"}}, 0},
		{"binary", "\xff\x00\x01tail", "\xff\x00\x02tail", false, FormatBytes,
			&Bytes{OldSize: 7, NewSize: 7, Offset: 2, Suffix: 4, Context: Excerpt{Len: 2, Hex: "ff 00"}, Old: Excerpt{Len: 1, Hex: "01"}, New: Excerpt{Len: 1, Hex: "02"}}, 0},
		{"JSON against text", `{"a":1}`, `a=1`, false, FormatBytes,
			&Bytes{OldSize: 7, NewSize: 3, Offset: 0, Line: 1, Column: 1, Suffix: 0, Context: Excerpt{}, Old: Excerpt{Len: 7, Text: `{"a":1}`}, New: Excerpt{Len: 3, Text: "a=1"}}, 0},
		{"JSON changed", `{"a":1}`, `{"a":2}`, false, FormatJSON, nil, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Bodies([]byte(c.a), []byte(c.b))
			if err != nil {
				t.Fatal(err)
			}
			if got.Same != c.same || got.Format != c.format || len(got.Changes) != c.wantChange || !reflect.DeepEqual(got.Bytes, c.wantBytes) {
				t.Errorf("got %+v (bytes %+v)\nwant same %v format %s changes %d bytes %+v", got, got.Bytes, c.same, c.format, c.wantChange, c.wantBytes)
			}
		})
	}
}

// A long run is cut at ExcerptBytes, between runes.
func TestBodiesLongRun(t *testing.T) {
	a := strings.Repeat("é", 100)
	got, err := Bodies([]byte(a), nil)
	if err != nil {
		t.Fatal(err)
	}
	o := got.Bytes.Old
	if o.Len != 200 || !o.Truncated || o.Text != strings.Repeat("é", ExcerptBytes/2) || got.Bytes.New.Len != 0 {
		t.Errorf("old %+v new %+v", o, got.Bytes.New)
	}
	got, err = Bodies([]byte(strings.Repeat("\xff", 100)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o := got.Bytes.Old; o.Len != 100 || !o.Truncated || len(o.Hex) != 3*ExcerptBytes-1 {
		t.Errorf("binary: %+v", o)
	}
}
