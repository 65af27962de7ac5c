package term

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"transfer.completed", "transfer.completed"},
		{"café ✔ 日本", "café ✔ 日本"},
		{`back\slash`, `back\slash`},
		{"\x1b[2K\r✔ valid", `\x1b[2K\r✔ valid`},
		{"a\nb\tc\rd", `a\nb\tc\rd`},
		{"\x00\x07\x08\x7f", `\x00\x07\x08\x7f`},
		{"\u0085\u009b2J", `\x85\x9b2J`},
		{"caf\xe9 \xff\xfe", `caf\xe9 \xff\xfe`},
		{"\xc2", `\xc2`},
		{"abc\u202egnp.exe", `abc\u202egnp.exe`},
		{"\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069`},
		{"\uFFFD kept", "\uFFFD kept"},
	} {
		if got := Escape(tc.in); got != tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEscapeText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"{\n  \"a\": 1\n}", "{\n  \"a\": 1\n}"},
		{"line one\r\nline two\tx", "line one\r\nline two\tx"},
		{"fake\r✔ valid\x1b[2K", `fake\r✔ valid\x1b[2K`},
		{"end\r", `end\r`},
		{"\u009b31m\u202e", `\x9b31m\u202e`},
	} {
		if got := EscapeText(tc.in); got != tc.want {
			t.Errorf("EscapeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestEscapeLeavesNoControls: whatever the input, the output holds no byte
// a terminal acts on and is valid UTF-8.
func TestEscapeLeavesNoControls(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	for r := rune(0x80); r < 0x3000; r++ {
		all.WriteRune(r)
	}
	out := Escape(all.String())
	for _, r := range out {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == '\uFFFD' {
			t.Fatalf("Escape left %U in its output", r)
		}
	}
}

// TestJSONEscapesControls: --json output is encoding/json's, which writes
// every C0 control as an escape, so JSON lines carry no raw ESC, CR or LF
// and still decode to the exact string.
func TestJSONEscapesControls(t *testing.T) {
	in := "\x1b[2K\r✔ valid\n\x00\t"
	b, err := json.Marshal(map[string]string{"event": in})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(b), "\x1b\r\n\x00\t") {
		t.Errorf("encoding/json left a control in %q", b)
	}
	var back map[string]string
	if err := json.Unmarshal(b, &back); err != nil || back["event"] != in {
		t.Errorf("round trip: %q, %v", back["event"], err)
	}
}
