package randid

import (
	"regexp"
	"strings"
	"testing"
)

func TestMessageIDShape(t *testing.T) {
	re := regexp.MustCompile(`^msg_[0-9A-Za-z]{24}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := MessageID()
		if !re.MatchString(id) {
			t.Fatalf("MessageID() = %q, want msg_ and 24 base62 characters", id)
		}
		if seen[id] {
			t.Fatalf("MessageID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestUUIDShape(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for range 100 {
		if u := UUID(); !re.MatchString(u) {
			t.Fatalf("UUID() = %q, not a version 4 UUID", u)
		}
	}
}

// TestStringUnbiased draws from a 62-character alphabet, where taking a
// byte modulo 62 favours the first 8 characters (5 chances in 256 instead
// of 4): their share would be about 25% above the others'. A chi-square
// test over 620,000 draws tells the two apart by far.
func TestStringUnbiased(t *testing.T) {
	const n = 620_000
	s := String(Base62, n)
	if len(s) != n {
		t.Fatalf("len = %d, want %d", len(s), n)
	}
	counts := map[byte]int{}
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	if len(counts) != len(Base62) {
		t.Fatalf("%d distinct characters, want %d", len(counts), len(Base62))
	}
	want := float64(n) / float64(len(Base62))
	chi := 0.0
	for _, c := range []byte(Base62) {
		d := float64(counts[c]) - want
		chi += d * d / want
	}
	// 61 degrees of freedom: p = 1e-6 is at about 140. A modulo bias
	// gives a chi-square in the thousands.
	if chi > 140 {
		t.Errorf("chi-square %.0f over 61 degrees of freedom: the characters are not equally likely", chi)
	}
}

func TestStringAlphabets(t *testing.T) {
	for _, a := range []string{"x", "01", strings.Repeat("a", 256)} {
		if s := String(a, 50); len(s) != 50 || strings.Trim(s, a) != "" {
			t.Errorf("String(%d-character alphabet) = %q", len(a), s)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("String with an empty alphabet did not panic")
		}
	}()
	String("", 1)
}

func BenchmarkMessageID(b *testing.B) {
	for b.Loop() {
		_ = MessageID()
	}
}
