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
