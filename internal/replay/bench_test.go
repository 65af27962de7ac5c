package replay

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// BenchmarkRun replays b.N captures with 32 workers to a local receiver
// that reads the body and answers 200: the engine's cost per delivery on
// top of net/http's.
func BenchmarkRun(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	recs := make([]*capture.Record, b.N)
	for i := range recs {
		rec := &capture.Record{V: 1, ID: fmt.Sprint(i), Method: "POST", Path: "/hook", Query: "a=1",
			Headers: http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {"t=1,v1=00"}, "User-Agent": {"Stripe/1.0"}}}
		rec.SetBody([]byte(`{"id":"evt_1","type":"transfer.completed","data":{"amount":6000}}`))
		recs[i] = rec
	}
	to, err := NewTarget(srv.URL, httpx.PathReplace)
	if err != nil {
		b.Fatal(err)
	}
	o := Options{Source: source(recs), Target: to, Concurrency: 32,
		Client: delivery.New(delivery.Options{Timeout: 10 * time.Second})}
	b.ReportAllocs()
	b.ResetTimer()
	sum, err := Run(context.Background(), o)
	if err != nil || sum.Acknowledged != b.N {
		b.Fatalf("%v %+v", err, sum)
	}
}

// BenchmarkVerify checks b.N captures of two providers' schemes: a
// Verifier per scheme, nothing per capture but the body and the verdict.
func BenchmarkVerify(b *testing.B) {
	secret := signature.NewSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	at := time.Unix(1_700_000_000, 0)
	pool := []*capture.Record{
		signed(b, lookup(b, "stripe", signature.Options{}), secret, `{"id":"evt_1","type":"transfer.completed","data":{"amount":6000}}`, at, "", "stripe"),
		signed(b, lookup(b, "github", signature.Options{}), secret, `{"action":"opened","number":7}`, at, "", "github"),
	}
	src := func(each func(*capture.Record) error) error {
		for i := 0; i < b.N; i++ {
			if err := each(pool[i%len(pool)]); err != nil {
				return err
			}
		}
		return nil
	}
	b.ReportAllocs()
	b.ResetTimer()
	sum, err := Verify(VerifyOptions{Source: src, Schemes: NewSchemes(SchemeOptions{}), Secrets: []signature.Secret{secret}, Tolerance: 5 * time.Minute,
		OnChecked: func(*capture.Record, signature.Verdict, time.Time) error { return nil }})
	if err != nil || sum.Valid != b.N {
		b.Fatalf("%v %+v", err, sum)
	}
}
