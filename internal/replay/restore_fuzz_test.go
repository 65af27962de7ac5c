package replay

import (
	"net/url"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

// FuzzRedactRestore: a delivery's path and query, kept by
// capture.Record.Redact and put back by a replay's restore, hold no trace
// of the secret once kept, and decode, restored, to what they decoded to
// as they came (url.PathUnescape, url.QueryUnescape); where the secret
// came only as it is (no escaped marker kept), they are byte-equal but
// for the markers' own text, "%5Bredacted", that came in them, which may
// come back "%5bredacted" (signature.Redactor.Path).
func FuzzRedactRestore(f *testing.F) {
	for _, c := range [][3]string{
		{"/hooks/tok_S3cret", "token=tok_S3cret&a=1", "tok_S3cret"},
		{"/hooks/tok%5FS3cret", "token=tok%5fS3cret", "tok_S3cret"},
		{"/a+b/a%20b", "x=a+b&y=a%20b&z=a%2Bb", "a b"},
		{"/hooks/%5Bredacted%5D/tok", "q=%5Bredacted%5D&t=tok", "tok"},
		{"/d]%64%5D", "d]%64%5D", "d]"},
		{"/%5Bredacted-escaped%5D", "%5Bredacted-escaped%5D", "ed"},
		{"/x%5Bredacted-escaped", "x%5Bredacted-escaped%5D", "x%5Bredacted-escaped"},
	} {
		f.Add(c[0], c[1], c[2])
	}
	f.Fuzz(func(t *testing.T, path, query, sec string) {
		secret := signature.NewSecret(sec)
		if sec = secret.Reveal(); len(sec) < 2 { // a secret is read without the spaces around it
			return
		}
		rec := &capture.Record{Path: path, Query: query}
		rec.Redact(signature.NewRedactor(nil, []signature.Secret{secret}))
		for _, kept := range []struct {
			s        string
			unescape func(string) (string, error)
		}{{rec.Path, url.PathUnescape}, {rec.Query, url.QueryUnescape}} {
			for _, piece := range strings.Split(strings.ReplaceAll(kept.s, "%5Bredacted-escaped%5D", "%5Bredacted%5D"), "%5Bredacted%5D") {
				if d, err := kept.unescape(piece); strings.Contains(piece, sec) || err == nil && strings.Contains(d, sec) {
					t.Fatalf("kept %q, %q: holds the secret %q", rec.Path, rec.Query, sec)
				}
			}
		}
		kept := *rec
		(&run{o: Options{Secrets: []signature.Secret{secret}}}).restore(rec, nil)
		for _, c := range []struct {
			came, kept, back string
			unescape         func(string) (string, error)
		}{
			{path, kept.Path, rec.Path, url.PathUnescape},
			{query, kept.Query, rec.Query, url.QueryUnescape},
		} {
			if !strings.Contains(c.kept, "%5Bredacted-escaped%5D") && !sameButMarkerText(c.came, c.back) {
				t.Fatalf("%q kept as %q restored as %q", c.came, c.kept, c.back)
			}
			if want, err := c.unescape(c.came); err == nil {
				if got, err := c.unescape(c.back); err != nil || got != want {
					t.Fatalf("%q kept as %q restored as %q: decodes to %q, %v; want %q", c.came, c.kept, c.back, got, err, want)
				}
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
		if came[i] != back[i] && !(back[i] == 'b' && i >= 2 && strings.HasPrefix(came[i-2:], "%5Bredacted")) {
			return false
		}
	}
	return true
}
