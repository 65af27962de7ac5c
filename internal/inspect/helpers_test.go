package inspect

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/signature"
)

// t0 is when the test deliveries start arriving.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// delivery is the i-th test delivery: event, body and time from i.
func delivery(i int, event, body string) *capture.Record {
	at := t0.Add(time.Duration(i) * time.Millisecond)
	r := &capture.Record{
		V: capture.Version, ID: fmt.Sprintf("%s%04d", capture.NewID(at)[:10], i), ReceivedAt: at,
		RemoteAddr: "127.0.0.1:5000", Method: "POST", Path: "/hooks/stripe", Proto: "HTTP/1.1",
		Headers:  http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {"t=1,v1=abc"}},
		Provider: "stripe", Scheme: "stripe", Event: event, Matched: true,
		Verdict: &signature.Verdict{Scheme: "stripe", Valid: true},
		Answer:  capture.Answer{Status: 200},
	}
	r.SetBody([]byte(body))
	return r
}

// amountBody is a JSON body with an amount.
func amountBody(i int) string {
	return fmt.Sprintf(`{"id":"evt_%d","type":"charge.succeeded","data":{"amount":%d}}`, i, i*100)
}

// writeFile writes records as a capture file, as `listen --save` does.
func writeFile(t testing.TB, path string, recs ...*capture.Record) {
	t.Helper()
	w, err := capture.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// deliveries are n test deliveries, events alternating.
func deliveries(from, n int) []*capture.Record {
	var out []*capture.Record
	for i := from; i < from+n; i++ {
		ev := "charge.succeeded"
		if i%2 == 1 {
			ev = "charge.failed"
		}
		out = append(out, delivery(i, ev, amountBody(i)))
	}
	return out
}

// appendRaw appends bytes to a file.
func appendRaw(t testing.TB, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// line is rec as a capture line.
func line(t testing.TB, rec *capture.Record) string {
	t.Helper()
	b, err := rec.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func tempFile(t testing.TB, name string) string {
	return filepath.Join(t.TempDir(), name)
}

// ids lists the items' ids.
func ids(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Rec.ID)
	}
	return out
}

func recIDs(recs []*capture.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}
