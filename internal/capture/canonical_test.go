package capture

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// TestReadCanonicalisesHeaderNames: whatever case a capture file writes a
// header name in, a reader finds it under its canonical name, with the
// values of names that differ only in case merged (names in byte order).
func TestReadCanonicalisesHeaderNames(t *testing.T) {
	line := `{"v":1,"id":"01CANON","method":"POST","path":"/h","headers":{"transfer-encoding":["chunked"],` +
		`"Content-Length":["5"],"content-length":["6"],"x-a":["3"],"X-A":["1","2"],"HOST":["evil"],"Bad Name":["x"]},"body":"","body_encoding":"utf8"}` + "\n"
	var got *Record
	if err := Read(strings.NewReader(line), "c.jsonl", ReadOptions{}, func(r *Record, _ int) error { got = r; return nil }); err != nil {
		t.Fatal(err)
	}
	want := http.Header{"Transfer-Encoding": {"chunked"}, "Content-Length": {"5", "6"}, "X-A": {"1", "2", "3"}, "Host": {"evil"}, "Bad Name": {"x"}}
	if !reflect.DeepEqual(got.Headers, want) {
		t.Errorf("headers %v, want %v", got.Headers, want)
	}
}

// TestReadRefusesAPathThatIsNotAPath: a path is sent again after a base
// URL, so one that does not start with / is refused with its file and line.
func TestReadRefusesAPathThatIsNotAPath(t *testing.T) {
	for _, path := range []string{"@127.0.0.1:9/x", ":9/x", "evil/x", "/x?y", "/x\ny"} {
		line := `{"v":1,"id":"01PATH","method":"POST","path":` + strings.ReplaceAll(`"`+path+`"`, "\n", `\n`) + `,"body":"","body_encoding":"utf8"}`
		err := Read(strings.NewReader("\n"+line+"\n"), "p.jsonl", ReadOptions{}, func(*Record, int) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), "p.jsonl:2: ") || !strings.Contains(err.Error(), "not a path") {
			t.Errorf("path %q: %v", path, err)
		}
	}
	for _, path := range []string{"", "*", "/", "//h/x", "/@h:9/x", "/a%2Fb"} {
		line := `{"v":1,"id":"01PATH","method":"POST","path":"` + path + `","body":"","body_encoding":"utf8"}`
		if err := Read(strings.NewReader(line+"\n"), "p.jsonl", ReadOptions{}, func(*Record, int) error { return nil }); err != nil {
			t.Errorf("path %q: %v", path, err)
		}
	}
}

// TestHeaderBytesRoundTrip: header values that are not UTF-8 are written
// as base64, named in base64_headers, and read back byte for byte; a
// base64 header merged with a plain one of the same canonical name is
// merged as bytes; a value marked base64 that is not is refused.
func TestHeaderBytesRoundTrip(t *testing.T) {
	r := &Record{V: Version, ID: "01BYTES", Method: "POST", Path: "/h",
		Headers: http.Header{"X-Bin": {"a\xff\xfe", "plain"}, "X-Text": {"café"}}}
	r.SetBody(nil)
	orig := r.Headers
	r.EncodeHeaders()
	if !reflect.DeepEqual(orig, http.Header{"X-Bin": {"a\xff\xfe", "plain"}, "X-Text": {"café"}}) {
		t.Fatalf("EncodeHeaders changed the map it was given: %v", orig)
	}
	if want := []string{"X-Bin"}; !reflect.DeepEqual(r.Base64Headers, want) || r.Headers.Get("X-Text") != "café" {
		t.Fatalf("encoded: %v, %v", r.Base64Headers, r.Headers)
	}
	line, err := r.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(line), `"X-Bin":["Yf/+","cGxhaW4="]`) || !strings.Contains(string(line), `"base64_headers":["X-Bin"]`) {
		t.Errorf("written as %s", line)
	}
	read := func(line string) (*Record, error) {
		var got *Record
		err := Read(strings.NewReader(line+"\n"), "b.jsonl", ReadOptions{}, func(r *Record, _ int) error { got = r; return nil })
		return got, err
	}
	got, err := read(string(line))
	if err != nil {
		t.Fatal(err)
	}
	if h, err := got.HeaderBytes(); err != nil || !reflect.DeepEqual(h, orig) {
		t.Errorf("read back %v, %v; want %v", h, err, orig)
	}
	// Names in other case: merged as bytes, encoded again as one header.
	got, err = read(`{"v":1,"id":"01MERGE","path":"/h","headers":{"x-bin":["/w=="],"X-Bin":["plain"],"x-ok":["Yg=="]},` +
		`"base64_headers":["x-bin","x-ok"],"body":"","body_encoding":"utf8"}`)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := got.HeaderBytes(); !reflect.DeepEqual(h, http.Header{"X-Bin": {"plain", "\xff"}, "X-Ok": {"b"}}) || !reflect.DeepEqual(got.Base64Headers, []string{"X-Bin"}) {
		t.Errorf("merged: %v %v", h, got.Base64Headers)
	}
	if _, err := read(`{"v":1,"id":"01BAD","path":"/h","headers":{"X-Bin":["not base64!"]},"base64_headers":["X-Bin"],"body":"","body_encoding":"utf8"}`); err == nil || !strings.HasPrefix(err.Error(), "b.jsonl:1: ") {
		t.Errorf("a value marked base64 that is not: %v", err)
	}
}
