package compare

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// FuzzBodies: whatever two bodies hold, Bodies says they are the same
// exactly when their bytes are, and a byte difference describes them:
// the shared start and end do not overlap and hold equal bytes, and the
// excerpts are the bytes between (text only for UTF-8 bodies).
func FuzzBodies(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":1}`, "{\"a\":1}\n"}, {"café", "cafè"}, {"\xff\x00", "\xff\x01"}, {"", "x"}, {`[1,2]`, `[1,3]`}, {`{"a":[[[`, `{}`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		body, err := Bodies(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if body.Same != bytes.Equal(a, b) {
			t.Fatalf("Same %v for %q, %q", body.Same, a, b)
		}
		d := body.Bytes
		if d == nil {
			if !body.Same && len(body.Changes) == 0 {
				t.Fatalf("different bodies with neither changes nor a byte difference: %q, %q", a, b)
			}
			return
		}
		if d.OldSize != len(a) || d.NewSize != len(b) || d.Offset+d.Suffix > min(len(a), len(b)) {
			t.Fatalf("sizes %d %d offset %d suffix %d for %q, %q", d.OldSize, d.NewSize, d.Offset, d.Suffix, a, b)
		}
		if !bytes.Equal(a[:d.Offset], b[:d.Offset]) || !bytes.Equal(a[len(a)-d.Suffix:], b[len(b)-d.Suffix:]) {
			t.Fatalf("the shared start or end differ: %+v for %q, %q", d, a, b)
		}
		for _, c := range []struct {
			e    Excerpt
			run  []byte
			text bool
		}{{d.Old, a[d.Offset : len(a)-d.Suffix], utf8.Valid(a)}, {d.New, b[d.Offset : len(b)-d.Suffix], utf8.Valid(b)}} {
			if c.e.Len != len(c.run) || c.e.Truncated != (len(c.run) > ExcerptBytes) {
				t.Fatalf("excerpt %+v of %q", c.e, c.run)
			}
			if c.text && (c.e.Hex != "" || !bytes.HasPrefix(c.run, []byte(c.e.Text))) || !c.text && c.e.Text != "" {
				t.Fatalf("excerpt %+v of %q (text %v)", c.e, c.run, c.text)
			}
		}
	})
}
