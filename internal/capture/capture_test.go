package capture

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func newRecord(i int, body []byte) *Record {
	r := &Record{V: Version, ID: NewID(time.Now()), ReceivedAt: time.Now().UTC(), Method: "POST", Path: "/hook",
		Headers: http.Header{"X-N": {fmt.Sprint(i)}, "X-Multi": {"first", "second"}}, Matched: true, Answer: Answer{Status: 200}}
	r.SetBody(body)
	return r
}

func readAll(t *testing.T, path string, o ReadOptions) []*Record {
	t.Helper()
	var out []*Record
	if err := ReadFile(path, o, func(r *Record, _ int) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBodiesRoundTripByteExact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, err := Create(path, true)
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	bodies := [][]byte{
		[]byte(`{"a": 1}`), {}, []byte("caf\xe9 \x00 \xff\xfe"), []byte("line\r\nline\n"), []byte("\u2028 \"quoted\" </script>"), big,
	}
	for i, b := range bodies {
		if err := w.Append(newRecord(i, b)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("capture file mode %v, want 0600", st.Mode().Perm())
	}
	recs := readAll(t, path, ReadOptions{})
	if len(recs) != len(bodies) {
		t.Fatalf("%d records, want %d", len(recs), len(bodies))
	}
	for i, r := range recs {
		got, err := r.Bytes()
		if err != nil || !bytes.Equal(got, bodies[i]) || r.BodySize != len(bodies[i]) {
			t.Errorf("record %d: body differs (%v)", i, err)
		}
		if strings.Join(r.Headers["X-Multi"], ",") != "first,second" {
			t.Errorf("record %d: repeated header values lost their order: %v", i, r.Headers)
		}
	}
	if recs[2].BodyEncoding != BodyBase64 || recs[0].BodyEncoding != BodyUTF8 {
		t.Errorf("encodings %s %s", recs[0].BodyEncoding, recs[2].BodyEncoding)
	}
}

// TestConcurrentAppendsEachOnce appends thousands of records from many
// goroutines and finds each in the file exactly once.
func TestConcurrentAppendsEachOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, err := Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := w.Append(newRecord(i, []byte(fmt.Sprintf(`{"n":%d}`, i)))); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	w.Close()
	seen := map[string]int{}
	for _, r := range readAll(t, path, ReadOptions{}) {
		seen[r.Headers.Get("X-N")]++
	}
	if len(seen) != n {
		t.Fatalf("%d distinct records, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Fatalf("record %s appears %d times", k, c)
		}
	}
	if err := w.Append(newRecord(0, nil)); err != ErrClosed {
		t.Errorf("append after close: %v", err)
	}
}

func TestTornLastLineIsSkippedWithWarning(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, _ := Create(path, false)
	w.Append(newRecord(1, []byte("one")))
	w.Append(newRecord(2, []byte("two")))
	w.Close()
	data, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(data, []byte("\n"))
	torn := append(append([]byte{}, lines[0]...), lines[1][:len(lines[1])/2]...)
	os.WriteFile(path, torn, 0o600)
	var warnings []string
	recs := readAll(t, path, ReadOptions{Warn: func(s string) { warnings = append(warnings, s) }})
	if len(recs) != 1 || len(warnings) != 1 || !strings.Contains(warnings[0], ":2: skipped a torn last line") {
		t.Fatalf("%d records, warnings %q", len(recs), warnings)
	}
}

func TestMalformedLineNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, _ := Create(path, false)
	w.Append(newRecord(1, []byte("one")))
	w.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("{not json}\n")
	f.WriteString(`{"v":9,"id":"x","body_encoding":"utf8"}` + "\n")
	f.Close()
	w2, _ := Create(path, false)
	w2.Append(newRecord(4, []byte("four")))
	w2.Close()
	err := ReadFile(path, ReadOptions{}, func(*Record, int) error { return nil })
	if err == nil || !strings.Contains(err.Error(), path+":2:") {
		t.Fatalf("err = %v, want file:2:", err)
	}
	var warnings []string
	recs := readAll(t, path, ReadOptions{SkipBad: true, Warn: func(s string) { warnings = append(warnings, s) }})
	if len(recs) != 2 || len(warnings) != 2 || !strings.Contains(warnings[1], "newer than this hooktool") {
		t.Fatalf("%d records, warnings %q", len(recs), warnings)
	}
}

func TestUnwritableFileReportsError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	w, err := Create("/dev/full", false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Append(newRecord(1, []byte("x"))); err == nil || !strings.Contains(err.Error(), "writing the capture file") {
		t.Fatalf("append to /dev/full: %v", err)
	}
}

func TestIDsAreULIDsInTimeOrder(t *testing.T) {
	var ids []string
	base := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		ids = append(ids, NewID(base.Add(time.Duration(i)*time.Millisecond)))
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("ids do not sort by time")
	}
	for _, id := range ids {
		if len(id) != 26 || strings.ContainsAny(id, "ILOU") {
			t.Fatalf("%q is not a ULID", id)
		}
	}
	// 2026-11-23T18:00:00Z is 1795456800000 ms: 01M84S1580 in Crockford
	// base32 (computed independently).
	if ids[0][:10] != "01M84S1580" {
		t.Errorf("time part %s, want 01M84S1580", ids[0][:10])
	}
	if NewID(base) == NewID(base) {
		t.Error("two ids of the same millisecond are equal")
	}
}

// TestCreateRepairsATornTail: after a crash mid-write, the next run's
// records must not be glued to the torn fragment.
func TestCreateRepairsATornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, _ := Create(path, false)
	w.Append(newRecord(1, []byte("one")))
	w.Append(newRecord(2, []byte("two")))
	w.Close()
	data, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(data, []byte("\n"))
	os.WriteFile(path, append(append([]byte{}, lines[0]...), lines[1][:20]...), 0o600)
	w, err := Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if w.Repaired != 20 {
		t.Errorf("Repaired = %d, want 20", w.Repaired)
	}
	w.Append(newRecord(3, []byte("three")))
	w.Close()
	recs := readAll(t, path, ReadOptions{})
	if len(recs) != 2 || recs[1].Headers.Get("X-N") != "3" {
		t.Fatalf("%d records after the repair", len(recs))
	}
}
