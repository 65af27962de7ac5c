package inspect

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
)

// BenchmarkFirstPage100k is `hooktool inspect` on a file of 100,000
// deliveries: index the file, then list the first page (50, newest
// first), as the page's first request does. The issue asks for under 1 s.
func BenchmarkFirstPage100k(b *testing.B) {
	path := write100k(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	var held uint64
	for b.Loop() {
		var before, after runtime.MemStats
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&before)
		b.StartTimer()
		ix, err := NewIndex([]string{path}, IndexOptions{})
		if err != nil {
			b.Fatal(err)
		}
		p := ix.List(Filter{}, PageOptions{Before: -1, Limit: 50})
		if len(p.Items) != 50 || ix.Len() != 100000 {
			b.Fatalf("%d items of %d", len(p.Items), ix.Len())
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		held = after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(ix)
		ix.Close()
		b.StartTimer()
	}
	// What the index holds per delivery (its entries, the id map, the 50
	// records read): the memory that grows with the file.
	b.ReportMetric(float64(held)/100000, "heap-B/delivery")
}

// BenchmarkFilteredPage100k is a page of a filter that matches nothing
// where it starts, in the middle of 100,000 deliveries, far from the
// newest Keep held in memory: one request reads its budget (10,000
// records) from disk by offset, and returns where to go on.
func BenchmarkFilteredPage100k(b *testing.B) {
	path := write100k(b)
	ix, err := NewIndex([]string{path}, IndexOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	f, err := NewFilter("charge.*", []string{"data.amount<5000"}, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		p := ix.List(f, PageOptions{Before: 50000, Limit: 50, Budget: DefaultBudget})
		if p.Scanned != DefaultBudget {
			b.Fatalf("scanned %d", p.Scanned)
		}
	}
}

// write100k writes 100,000 deliveries of about 900 bytes each.
func write100k(b *testing.B) string {
	b.Helper()
	path := b.TempDir() + "/big.jsonl"
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	pad := strings.Repeat("x", 400)
	var buf []byte
	for i := range 100000 {
		body := fmt.Sprintf(`{"id":"evt_%d","object":"event","type":"charge.succeeded","data":{"object":{"id":"ch_%d","amount":%d,"currency":"usd","description":%q}}}`, i, i, i, pad)
		rec := delivery(i, "charge.succeeded", body)
		buf, err = rec.AppendJSON(buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		w.Write(buf)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

// BenchmarkAppendToEvent is the time from a record's append to its
// capture file (by the writer listen --save uses) to its event on an open
// stream: the page wants 500 ms; Follow looks every
// capture.FollowInterval.
func BenchmarkAppendToEvent(b *testing.B) {
	path := b.TempDir() + "/d.jsonl"
	writeFile(b, path, deliveries(0, 1)...)
	in := startInspector(b, Options{}, path)
	stream := sse{bufio.NewReader(in.get("/api/events").Body)}
	w, err := capture.Create(path, false)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	i := 1
	for b.Loop() {
		if err := w.Append(delivery(i, "e", "{}")); err != nil {
			b.Fatal(err)
		}
		if _, id, _ := stream.next(b); id != strconv.Itoa(i) {
			b.Fatalf("event %s, want %d", id, i)
		}
		i++
	}
}
