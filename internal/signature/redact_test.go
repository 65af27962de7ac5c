package signature

import (
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestRedactorQuery(t *testing.T) {
	const sec = "tok_S3cret+/="
	r := NewRedactor(nil, []Secret{NewSecret(sec)}, []Secret{NewSecret("other-endpoint-secret")})
	esc := url.QueryEscape(sec) // tok_S3cret%2B%2F%3D
	for _, tc := range []struct {
		in, want string
		redacted bool
	}{
		{"", "", false},
		{"a=1&b=two%20x+y&c", "a=1&b=two%20x+y&c", false},
		// As it came on the wire; the rest of the query byte for byte.
		{"token=" + sec + "&a=%41+b", "token=%5Bredacted%5D&a=%41+b", true},
		{"x=pre" + sec + "post", "x=pre%5Bredacted%5Dpost", true},
		// %-escaped, wholly or in part, or in odd case.
		{"token=" + esc + "&z=1", "token=%5Bredacted-escaped%5D&z=1", true},
		{"token=%74ok_S3cret%2b%2f%3d", "token=%5Bredacted-escaped%5D", true},
		{"a=%ZZ&t=" + esc + "%", "a=%ZZ&t=%5Bredacted-escaped%5D%", true},
		// Another endpoint's secret, as a key.
		{"other-endpoint-secret&a=1", "%5Bredacted%5D&a=1", true},
		{"k=other%2Dendpoint%2Dsecret", "k=%5Bredacted-escaped%5D", true},
	} {
		got, redacted := r.Query(tc.in)
		if got != tc.want || redacted != tc.redacted {
			t.Errorf("Query(%q) = %q, %v; want %q, %v", tc.in, got, redacted, tc.want, tc.redacted)
		}
		if strings.Contains(got, sec) || strings.Contains(got, esc) {
			t.Errorf("Query(%q) kept the secret: %q", tc.in, got)
		}
	}
	// Restored, the query is as it came: escaped where it was escaped.
	for _, in := range []string{"token=" + sec + "&a=%41+b", "token=" + esc + "&z=1", "x=pre" + sec + "post&y=" + esc} {
		kept, _ := r.Query(in)
		if back := RestoreQuery(kept, NewSecret(sec)); back != in {
			t.Errorf("RestoreQuery(Query(%q)) = %q", in, back)
		}
	}
	if got := r.URL("http://h:1/p/" + sec + "?token=" + esc); got != "http://h:1/p/[redacted]?token=%5Bredacted-escaped%5D" {
		t.Errorf("URL: %q", got)
	}
	var none *Redactor
	if got, red := none.Query("token=" + sec); got != "token="+sec || red {
		t.Errorf("a nil Redactor changed a query: %q", got)
	}
	if got, red := NewRedactor(nil).Query("a=%41"); got != "a=%41" || red {
		t.Errorf("a Redactor with no secret changed a query: %q", got)
	}
}

func TestRedactorLongestSecretFirst(t *testing.T) {
	r := NewRedactor(nil, []Secret{NewSecret("abc")}, []Secret{NewSecret("abcdef")})
	if got := r.Text("x abcdef y abc"); got != "x [redacted] y [redacted]" {
		t.Errorf("Text: %q", got)
	}
}

func TestRedactorHeaders(t *testing.T) {
	fw, _ := Lookup("flutterwave", Options{})
	r := NewRedactor(fw, []Secret{NewSecret("s3cret")}, []Secret{NewSecret("0ther")})
	in := http.Header{
		"Verif-Hash":   {"anything"},
		"X-Echo":       {"a s3cret b", "fine"},
		"X-Other":      {"0ther"},
		"Content-Type": {"application/json"},
	}
	kept, names := r.Headers(in)
	want := http.Header{
		"Verif-Hash":   {Redacted},
		"X-Echo":       {"a [redacted] b", "fine"},
		"X-Other":      {Redacted},
		"Content-Type": {"application/json"},
	}
	if !reflect.DeepEqual(kept, want) || !reflect.DeepEqual(names, []string{"Verif-Hash", "X-Echo", "X-Other"}) {
		t.Errorf("Headers: %v %v", kept, names)
	}
	if in.Get("X-Echo") != "a s3cret b" {
		t.Errorf("Headers changed its argument")
	}
	plain := http.Header{"A": {"b"}}
	if kept, names := r.Headers(plain); names != nil || reflect.ValueOf(kept).Pointer() != reflect.ValueOf(plain).Pointer() {
		t.Errorf("Headers copied a header with nothing to redact")
	}
	RestoreHeaders(kept, names, NewSecret("s3cret"))
	if kept.Get("X-Echo") != "a s3cret b" || kept.Get("Verif-Hash") != "s3cret" {
		t.Errorf("RestoreHeaders: %v", kept)
	}

	shown := r.Shown(http.Header{"Authorization": {"Bearer x"}, "Cookie": {"c"}, "Verif-Hash": {"v"}, "X-Echo": {"s3cret"}, "X-Sig": {"a", "b"}})
	if !reflect.DeepEqual(shown, map[string]string{"Authorization": Redacted, "Cookie": Redacted, "Verif-Hash": Redacted, "X-Echo": Redacted, "X-Sig": "a, b"}) {
		t.Errorf("Shown: %v", shown)
	}
	for _, c := range []struct {
		red         *Redactor
		name, value string
		want        string
	}{
		{r, "authorization", "Bearer x", Redacted}, {r, "verif-hash", "v", Redacted}, {r, "X-Echo", "a s3cret", Redacted},
		{r, "X-Sig", "abc", "abc"}, {nil, "Cookie", "c", Redacted}, {nil, "X-Echo", "s3cret", "s3cret"},
	} {
		if got := c.red.ShownValue(c.name, c.value); got != c.want {
			t.Errorf("ShownValue(%q, %q) = %q, want %q", c.name, c.value, got, c.want)
		}
	}

	fields := []HeaderField{{Name: "Verif-Hash", Value: "s3cret", Secret: true}, {Name: "X-Echo", Value: "0ther!"}, {Name: "X-Sig", Value: "abc"}}
	if names := r.Fields(fields, "$SECRET"); !reflect.DeepEqual(names, []string{"Verif-Hash"}) || fields[0].Value != "$SECRET" || fields[1].Value != Redacted || fields[2].Value != "abc" {
		t.Errorf("Fields: %v %v", names, fields)
	}
}

func TestRedactorText(t *testing.T) {
	r := NewRedactor(nil, []Secret{NewSecret("tok+S3cret")})
	for in, want := range map[string]string{
		"plain 100% text":                        "plain 100% text",
		"echo tok+S3cret!":                       "echo [redacted]!",
		`Post "http://h/?t=tok%2BS3cret": EOF`:   `Post "http://h/?t=[redacted]": EOF`,
		`Post "http://h/?t=tok%2bS3cre%74": EOF`: `Post "http://h/?t=[redacted]": EOF`,
		"tok S3cret, a + is not a space here":    "tok S3cret, a + is not a space here",
	} {
		if got := r.Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	// Kept header values are redacted as they are, so that RestoreHeaders
	// gives them back exactly.
	kept, names := r.Headers(http.Header{"X-A": {"tok%2BS3cret"}})
	if names != nil || kept.Get("X-A") != "tok%2BS3cret" {
		t.Errorf("Headers: %v %v", kept, names)
	}
}

// TestHidesHeaderIsShownsRule: HidesHeader hides what Shown shows as
// "[redacted]", header by header; a nil Redactor still hides credentials.
func TestHidesHeaderIsShownsRule(t *testing.T) {
	fw, _ := Lookup("flutterwave", Options{})
	r := NewRedactor(fw, []Secret{NewSecret("s3cret")})
	h := http.Header{"Authorization": {"Bearer x"}, "Proxy-Authorization": {"p"}, "Set-Cookie": {"s"}, "Verif-Hash": {"v"}, "X-Echo": {"a", "s3cret"}, "X-Sig": {"a", "b"}}
	shown := r.Shown(h)
	for k, v := range h {
		if got, want := r.HidesHeader(k, v), shown[k] == Redacted; got != want {
			t.Errorf("HidesHeader(%s) = %v, Shown gives %q", k, got, shown[k])
		}
	}
	var none *Redactor
	if !none.HidesHeader("cookie", []string{"c"}) || none.HidesHeader("X-Echo", []string{"s3cret"}) {
		t.Errorf("a nil Redactor: credentials hidden, nothing else")
	}
}

// TestRedactorPath: a secret in a path (/hooks/SECRET, a provider's token
// in its callback path) is kept as the query keeps one, and put back
// exactly by RestorePath; a one-byte secret is not looked for in paths.
func TestRedactorPath(t *testing.T) {
	const sec = "tok_S3cret+/="
	r := NewRedactor(nil, []Secret{NewSecret(sec)}, []Secret{NewSecret("other-endpoint-secret")}, []Secret{NewSecret("o")})
	esc := url.PathEscape(sec) // tok_S3cret+%2F=
	for _, tc := range []struct {
		in, want string
		redacted bool
	}{
		{"/", "/", false},
		{"/hooks/stripe%20x", "/hooks/stripe%20x", false},
		// A whole segment, as it came or %-escaped, wholly or in part.
		{"/hooks/" + sec, "/hooks/%5Bredacted%5D", true},
		{"/hooks/" + esc + "/x", "/hooks/%5Bredacted-escaped%5D/x", true},
		{"/hooks/%74ok_S3cret%2b%2f%3d", "/hooks/%5Bredacted-escaped%5D", true},
		// Inside a segment; another endpoint's secret.
		{"/hooks/id-" + sec + ".json", "/hooks/id-%5Bredacted%5D.json", true},
		{"/other-endpoint-secret/x", "/%5Bredacted%5D/x", true},
		// A "+" is no space in a path.
		{"/tok_S3cret%20%2F=", "/tok_S3cret%20%2F=", false},
	} {
		got, redacted := r.Path(tc.in)
		if got != tc.want || redacted != tc.redacted {
			t.Errorf("Path(%q) = %q, %v; want %q, %v", tc.in, got, redacted, tc.want, tc.redacted)
		}
		if strings.Contains(got, sec) || strings.Contains(got, esc) || strings.Contains(got, "other-endpoint-secret") {
			t.Errorf("Path(%q) kept the secret: %q", tc.in, got)
		}
	}
	for _, in := range []string{"/hooks/" + sec, "/hooks/" + esc + "/x", "/a/" + sec + "/b/" + esc} {
		kept, _ := r.Path(in)
		if back := RestorePath(kept, NewSecret(sec)); back != in {
			t.Errorf("RestorePath(Path(%q)) = %q", in, back)
		}
	}
	// A one-byte secret would mark that letter in every path: not looked
	// for there (it is, in headers, the query and text).
	if got, red := NewRedactor(nil, []Secret{NewSecret("o")}).Path("/hooks/o"); got != "/hooks/o" || red {
		t.Errorf("a one-byte secret redacted in a path: %q", got)
	}
	var none *Redactor
	if got, red := none.Path("/hooks/" + sec); got != "/hooks/"+sec || red {
		t.Errorf("a nil Redactor changed a path: %q", got)
	}
}

// TestRedactorTextStart: the start of a text, every secret hidden before
// the cut (as it is or %-escaped), none kept in part.
func TestRedactorTextStart(t *testing.T) {
	const sec = "tok+S3cret"
	r := NewRedactor(nil, []Secret{NewSecret(sec)})
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"0123456789abc", 10, "0123456789"},
		{"abcdef" + sec + " tail", 10, "abcdef[red"},
		{"abcdef" + url.QueryEscape(sec) + strings.Repeat("z", 100), 10, "abcdef[red"},
		{strings.Repeat("y", 9) + "tok%2BS3cret", 12, strings.Repeat("y", 9) + "[re"},
	} {
		if got := r.TextStart([]byte(tc.in), tc.n); got != tc.want {
			t.Errorf("TextStart(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	var none *Redactor
	if got := none.TextStart([]byte(sec+"x"), 5); got != sec[:5] {
		t.Errorf("a nil Redactor: %q", got)
	}
}

// FuzzRedactPath: for any path and any secret of two bytes or more, Path
// keeps no trace of the secret (as it came or %-escaped in any way: what
// is left between its markers neither holds it nor decodes to hold it),
// and RestorePath gives back the path as it came where the secret came as
// it is (but for the markers' own text in a path that held the secret,
// "%5Bredacted" put back as "%5bredacted"); where it came %-escaped, it is
// put back escaped as url.PathEscape escapes it, so the path restored
// decodes (url.PathUnescape) to what the original decoded to. A path that
// did not hold the secret is returned unchanged, unmarked.
func FuzzRedactPath(f *testing.F) {
	const sec = "tok_S3cret+/="
	esc := url.PathEscape(sec)
	for _, in := range []string{
		"/", "/hooks/stripe%20x", "/hooks/" + sec, "/hooks/" + esc + "/x",
		"/hooks/%74ok_S3cret%2b%2f%3d", "/hooks/id-" + sec + ".json",
		"/tok_S3cret%20%2F=", "/a/" + sec + "/b/" + esc,
	} {
		f.Add(in, sec)
	}
	for _, c := range [][2]string{
		{"/hooks/%5Bredacted%5D/tok", "tok"},       // the marker's text in the path as it came
		{"/x/%5Bredacted-escaped%5D/%74ok", "tok"}, // the escaped marker's text, the secret escaped
		{"/d]%64%5D", "d]"},                        // the secret ends the marker's decoded text
		{"/%5Bredacted%5D", "ed"},                  // the secret inside the marker's text
		{"/%5Bredacted%5D%5B", "%5B"},              // the secret is the marker's first escape
		{"/a%255Bb", "%5B"},                        // ... and escaped
		{"/a/b//c", "/"}, {"/a//b", "//"},          // a slash, empty segments
		{"/a/../b/%2E%2E/c", ".."},         // dot segments, as they are and escaped
		{"/tktk%74k%74%6Btk", "tk"},        // repeated, adjacent, mixed
		{"/ababab", "aba"},                 // overlapping occurrences
		{"/%4%31b", "1b"}, {"/%41b", "1b"}, // a malformed escape before the secret
		{"/%E2%82%AC/\u20ac", "\u20ac"}, // bytes that need escaping
		{"/p%20q/p q", "p q"}, {"/%00%ff", "\x00\xff"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, path, sec string) {
		sec = NewSecret(sec).Reveal() // a secret is read without the spaces around it
		if len(sec) < minPathSecret {
			return
		}
		r := NewRedactor(nil, []Secret{NewSecret(sec)})
		kept, redacted := r.Path(path)
		if !redacted && kept != path {
			t.Fatalf("Path(%q) = %q, not redacted but changed", path, kept)
		}
		for _, piece := range splitMarkers(kept) {
			if strings.Contains(piece, sec) {
				t.Fatalf("Path(%q) = %q keeps the secret %q as it is", path, kept, sec)
			}
			if strings.Contains(lenientUnescape(piece), sec) {
				t.Fatalf("Path(%q) = %q keeps the secret %q escaped", path, kept, sec)
			}
		}
		if !redacted {
			return // nothing to restore: a replay restores a path kept redacted (capture.Record.RedactedPath)
		}
		back := RestorePath(kept, NewSecret(sec))
		if !strings.Contains(kept, queryRedactedEscaped) && !sameButMarkerText(path, back) {
			t.Fatalf("RestorePath(Path(%q)) = %q (kept %q): not the path as it came", path, back, kept)
		}
		if want, err := url.PathUnescape(path); err == nil {
			if got, err := url.PathUnescape(back); err != nil || got != want {
				t.Fatalf("RestorePath(Path(%q)) = %q (kept %q) decodes to %q, %v; want %q", path, back, kept, got, err, want)
			}
		}
	})
}

// sameButMarkerText reports whether back is came, but for some of the
// markers' text in came ("%5Bredacted") written "%5bredacted".
func sameButMarkerText(came, back string) bool {
	if len(came) != len(back) {
		return false
	}
	for i := range came {
		if came[i] != back[i] && !(back[i] == 'b' && i >= 2 && strings.HasPrefix(came[i-2:], markerText)) {
			return false
		}
	}
	return true
}

// splitMarkers cuts a kept path or query at the markers Path and Query put.
func splitMarkers(s string) []string {
	var out []string
	for _, p := range strings.Split(s, queryRedactedEscaped) {
		out = append(out, strings.Split(p, queryRedacted)...)
	}
	return out
}

// lenientUnescape decodes every well-formed %XX escape of s, leaving the
// rest as it is.
func lenientUnescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if c, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(c))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// BenchmarkRedactTextNoSecret: the text most often redacted holds no
// secret (a whole body); Redactor.mayHold spares it replace's scan.
// go test ./internal/signature -run '^$' -bench RedactTextNoSecret
func BenchmarkRedactTextNoSecret(b *testing.B) {
	r := NewRedactor(nil, []Secret{NewSecret("a-secret-value")})
	body := strings.Repeat(`{"event":"transfer.completed","amount":10000}`, 1500)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_ = r.Text(body)
	}
}
