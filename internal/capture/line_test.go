package capture

import (
	"bytes"
	"strings"
	"testing"
)

// TestParseLineAgreesWithRead: a line read back by its offset gives the
// record Read gives, and is refused for what Read refuses.
func TestParseLineAgreesWithRead(t *testing.T) {
	good := `{"v":1,"id":"A1","received_at":"2026-01-02T03:04:05Z","method":"POST","path":"/x","headers":{"content-type":["a"]},"body":"hi","body_encoding":"utf8","body_size":2,"matched":true,"answer":{"status":200}}` + "\n"
	var fromRead *Record
	if err := Read(strings.NewReader(good), "f", ReadOptions{}, func(r *Record, _ int) error { fromRead = r; return nil }); err != nil {
		t.Fatal(err)
	}
	line := []byte(good)
	rec, err := ParseLine(line)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != fromRead.ID || rec.Body != fromRead.Body || rec.Headers.Get("Content-Type") != "a" {
		t.Fatalf("ParseLine gave %+v, Read %+v", rec, fromRead)
	}
	copy(line, bytes.Repeat([]byte("x"), len(line)))
	if rec.ID != "A1" || rec.Body != "hi" {
		t.Fatalf("the record aliases the line: %+v", rec)
	}
	for _, bad := range []string{
		`{"v":1}`,
		`{"v":1,"id":"A","path":"@evil/x","body":"","body_encoding":"utf8"}`,
		`{"v":1,"id":"A","path":"/","body":"","body_encoding":"rot13"}`,
		`not json`,
	} {
		if _, err := ParseLine([]byte(bad)); err == nil {
			t.Errorf("ParseLine(%s) = nil error", bad)
		}
	}
}
