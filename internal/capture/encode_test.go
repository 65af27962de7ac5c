package capture

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/signature"
)

// TestAppendJSONMatchesEncodingJSON holds AppendJSON (go-json) to the
// exact bytes encoding/json produces, over records with every field set or
// empty and strings full of characters that need escaping.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	tricky := []string{"", "plain", "quote \" back \\ slash", "<script>&amp;</script>", "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
		"caf\xe9 invalid \xff\xfe", "ünïcödé ✔ 😀", "\u2028 and \u2029", "\xe2\x80", "a\xc0\x80b"}
	skew := int64(-42)
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return tricky[rng.IntN(len(tricky))] }
	for i := 0; i < 2000; i++ {
		r := &Record{V: Version, ID: pick(), ReceivedAt: time.Unix(rng.Int64N(2e9), rng.Int64N(1e9)).UTC(), RemoteAddr: pick(),
			Method: pick(), Host: pick(), Path: pick(), Query: pick(), Proto: pick(), Provider: pick(), Scheme: pick(),
			Event: pick(), Route: pick(), Matched: rng.IntN(2) == 0, Answer: Answer{Status: rng.IntN(600), DelayMS: rng.Int64N(3), Reason: pick()}}
		if i%3 == 0 {
			r.Type = pick()
		}
		if i%4 != 0 {
			r.Headers = http.Header{pick(): {pick(), pick()}, pick(): {pick()}, "X-Nil": nil}
		}
		body := []byte(pick() + pick())
		if i%5 == 0 {
			body = []byte{0xff, 0, byte(i)}
		}
		r.SetBody(body)
		if i%2 == 0 {
			r.Verdict = &signature.Verdict{Scheme: pick(), Valid: i%4 == 0, Reason: signature.Reason(pick()), Message: pick(), Header: pick(), SecretIndex: i % 3}
			if i%8 < 4 {
				r.Verdict.SkewSeconds, r.Verdict.Hints = &skew, []string{pick(), pick()}
			}
			if i%16 == 6 {
				r.Verdict.Hints = []string{}
			}
		}
		switch i % 7 {
		case 1:
			r.Redacted = []string{pick()}
		case 2:
			r.Redacted = []string{}
		case 3:
			r.Base64Headers = []string{pick(), pick()}
		}
		if i%3 == 1 {
			r.Forward = &Forward{URL: pick(), Status: 200, LatencyMS: 1.25, Error: pick(), ErrorKind: pick(), Body: pick()}
		}
		sameAsMarshal(t, r)
	}
}

func BenchmarkEncodeRecord(b *testing.B) {
	r := &Record{V: Version, ID: NewID(time.Now()), ReceivedAt: time.Now().UTC(), RemoteAddr: "127.0.0.1:5555", Method: "POST", Path: "/hooks",
		Headers: http.Header{"Content-Type": {"application/json"}, "X-Aella-Signature": {"abc123"}, "User-Agent": {"x"}}, Matched: true, Answer: Answer{Status: 200}}
	r.SetBody(bytes.Repeat([]byte(`{"event":"transfer.completed","n":1}`), 16))
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(r)
		}
	})
	b.Run("go-json", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = r.AppendJSON(buf[:0])
		}
	})
}
