package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// Hostile capture files: what Read makes of lines a crash, an editor, a
// newer hooktool or an attacker could leave in a file. Whatever the input,
// Read does not panic, every record it returns has a body that decodes, a
// bad line is an error naming the file and line, and with SkipBad nothing
// but a read error is an error.

// hostileLine is a valid record line (with its newline) with the given id
// and body.
func hostileLine(t testing.TB, id string, body []byte) string {
	t.Helper()
	r := &Record{V: Version, ID: id, ReceivedAt: time.Unix(1_800_000_000, 0).UTC(), Method: "POST", Path: "/hook",
		Headers: http.Header{"Content-Type": {"application/json"}}, Matched: true, Answer: Answer{Status: 200}}
	r.SetBody(body)
	b, err := r.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// hostileRead reads data as file "c.jsonl" and returns the ids read, the
// warnings and the error, checking every record's body decodes.
func hostileRead(t *testing.T, data io.Reader, skipBad bool) ([]string, []string, error) {
	t.Helper()
	return hostileReadOpts(t, data, ReadOptions{SkipBad: skipBad})
}

func hostileReadOpts(t *testing.T, data io.Reader, o ReadOptions) ([]string, []string, error) {
	t.Helper()
	var ids, warns []string
	o.Warn = func(s string) { warns = append(warns, s) }
	err := Read(data, "c.jsonl", o,
		func(r *Record, line int) error {
			if _, err := r.Bytes(); err != nil {
				t.Errorf("line %d: a returned record's body does not decode: %v", line, err)
			}
			ids = append(ids, r.ID)
			return nil
		})
	return ids, warns, err
}

func TestHostileCaptureLines(t *testing.T) {
	a, b, c := hostileLine(t, "A", []byte(`{"event":"a"}`)), hostileLine(t, "B", []byte("caf\xe9\x00")), hostileLine(t, "C", nil)
	// rec builds a line from raw JSON fields after "v" and "id".
	rec := func(fields string) string { return `{"v":1,"id":"X",` + fields + "}\n" }
	tests := []struct {
		name    string
		data    string
		good    []string // ids read in order (strict reading stops at the bad line)
		badLine int      // the line strict reading fails on; 0: none
		wantErr string   // in the strict error
		warn    string   // a warning both modes give (torn lines)
	}{
		{name: "empty file", data: "", good: nil},
		{name: "blank and whitespace lines, CRLF", data: "\n \t\r\n" + strings.TrimSuffix(a, "\n") + "\r\n\n" + b, good: []string{"A", "B"}},
		{name: "torn last line", data: a + b + c[:len(c)/2], good: []string{"A", "B"}, warn: "c.jsonl:3: skipped a torn last line"},
		{name: "torn last line of one byte", data: a + "{", good: []string{"A"}, warn: "torn last line"},
		{name: "torn line in the middle (a crash, then more appends)", data: a + b[:len(b)/2] + c + a, good: []string{"A", "A"}, badLine: 2, wantErr: "not a capture record"},
		{name: "a line that is not JSON", data: a + "hello, world\n" + b, good: []string{"A", "B"}, badLine: 2, wantErr: "not a capture record"},
		{name: "JSON array", data: "[1,2,3]\n" + a, good: []string{"A"}, badLine: 1, wantErr: "not a capture record"},
		{name: "JSON null", data: "null\n" + a, good: []string{"A"}, badLine: 1, wantErr: `no "v" or "id"`},
		{name: "JSON string", data: `"v"` + "\n" + a, good: []string{"A"}, badLine: 1, wantErr: "not a capture record"},
		{name: "JSON number", data: "42\n" + a, good: []string{"A"}, badLine: 1, wantErr: "not a capture record"},
		{name: "empty object", data: "{}\n" + a, good: []string{"A"}, badLine: 1, wantErr: `no "v" or "id"`},
		{name: "NUL bytes", data: "\x00\x00\x00\n" + a, good: []string{"A"}, badLine: 1, wantErr: "not a capture record"},
		{name: "binary garbage", data: a + "\xff\xfe\x80{\"v\":1}\n", good: []string{"A"}, badLine: 2, wantErr: "not a capture record"},
		{name: "100,000 nested arrays", data: a + strings.Repeat("[", 100_000) + "\n" + b, good: []string{"A", "B"}, badLine: 2, wantErr: "not a capture record"},
		{name: "no v", data: `{"id":"X","body":"","body_encoding":"utf8"}` + "\n" + a, good: []string{"A"}, badLine: 1, wantErr: `no "v" or "id"`},
		{name: "no id", data: `{"v":1,"body":"","body_encoding":"utf8"}` + "\n" + a, good: []string{"A"}, badLine: 1, wantErr: `no "v" or "id"`},
		{name: "v 0", data: `{"v":0,"id":"X","body":"","body_encoding":"utf8"}` + "\n" + a, good: []string{"A"}, badLine: 1, wantErr: `no "v" or "id"`},
		{name: "no body_encoding", data: rec(`"body":"x"`) + a, good: []string{"A"}, badLine: 1, wantErr: `unknown body_encoding ""`},
		{name: "only v, id and body_encoding", data: rec(`"body_encoding":"utf8"`) + a, good: []string{"X", "A"}},
		{name: "every other field null", data: rec(`"received_at":null,"headers":null,"body":null,"body_encoding":"utf8","verdict":null,"answer":null,"forward":null`), good: []string{"X"}},
		{name: "base64 body that does not decode", data: a + rec(`"body":"!!not base64!!","body_encoding":"base64"`) + b, good: []string{"A", "B"}, badLine: 2, wantErr: "not valid base64"},
		{name: "base64 body cut short", data: rec(`"body":"QUJD","body_encoding":"base64"`) + rec(`"body":"QUJ","body_encoding":"base64"`), good: []string{"X"}, badLine: 2, wantErr: "not valid base64"},
		{name: "unknown body_encoding", data: rec(`"body":"x","body_encoding":"gzip"`) + a, good: []string{"A"}, badLine: 1, wantErr: `unknown body_encoding "gzip"`},
		{name: "body_encoding in capitals", data: rec(`"body":"x","body_encoding":"UTF8"`) + a, good: []string{"A"}, badLine: 1, wantErr: `unknown body_encoding "UTF8"`},
		{name: "a newer v", data: a + `{"v":2,"id":"N","body":"","body_encoding":"utf8","new_field":{"x":1}}` + "\n" + b, good: []string{"A", "B"}, badLine: 2, wantErr: "record format v2 is newer"},
		{name: "v far in the future", data: `{"v":9223372036854775807,"id":"N","body_encoding":"utf8"}` + "\n", badLine: 1, wantErr: "is newer"},
		{name: "v beyond int64", data: `{"v":1e400,"id":"N","body_encoding":"utf8"}` + "\n", badLine: 1, wantErr: "not a capture record"},
		{name: "v as a string", data: `{"v":"1","id":"N","body_encoding":"utf8"}` + "\n", badLine: 1, wantErr: "not a capture record"},
		{name: "id as a number", data: `{"v":1,"id":5,"body_encoding":"utf8"}` + "\n", badLine: 1, wantErr: "not a capture record"},
		{name: "headers as a list", data: rec(`"headers":["a"],"body_encoding":"utf8"`), badLine: 1, wantErr: "not a capture record"},
		{name: "header values as a string", data: rec(`"headers":{"A":"b"},"body_encoding":"utf8"`), badLine: 1, wantErr: "not a capture record"},
		{name: "received_at not a time", data: rec(`"received_at":"yesterday","body_encoding":"utf8"`), badLine: 1, wantErr: "not a capture record"},
		{name: "body as a number", data: rec(`"body":12,"body_encoding":"utf8"`), badLine: 1, wantErr: "not a capture record"},
		{name: "unknown fields", data: rec(`"zzz":[1,{"a":null}],"body_encoding":"utf8"`), good: []string{"X"}},
		{name: "duplicate keys (the last wins)", data: `{"v":1,"id":"X","id":"Y","body_encoding":"base64","body_encoding":"utf8"}` + "\n", good: []string{"Y"}},
		{name: "invalid UTF-8 inside strings", data: rec("\"body\":\"caf\xe9\",\"method\":\"\xff\",\"body_encoding\":\"utf8\""), good: []string{"X"}},
		{name: "trailing garbage after the object", data: rec(`"body_encoding":"utf8"`)[:len(rec(`"body_encoding":"utf8"`))-1] + " tail\n", badLine: 1, wantErr: "not a capture record"},
		{name: "two objects on one line", data: strings.TrimSuffix(a, "\n") + a, good: nil, badLine: 1, wantErr: "not a capture record"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Strict: the records before the bad line, then an error naming
			// the file and line.
			ids, warns, err := hostileRead(t, strings.NewReader(tc.data), false)
			if tc.badLine == 0 {
				if err != nil {
					t.Fatalf("strict: %v", err)
				}
				if fmt.Sprint(ids) != fmt.Sprint(tc.good) {
					t.Errorf("strict: read %v, want %v", ids, tc.good)
				}
			} else {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.File != "c.jsonl" || pe.Line != tc.badLine {
					t.Fatalf("strict: error %v, want a ParseError on c.jsonl:%d", err, tc.badLine)
				}
				if prefix := fmt.Sprintf("c.jsonl:%d: ", tc.badLine); !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("strict: error %q, want %q…%q", err, prefix, tc.wantErr)
				}
				if len(ids) > len(tc.good) {
					t.Errorf("strict: read %v past the bad line", ids)
				}
			}
			if tc.warn != "" && !strings.Contains(strings.Join(warns, "\n"), tc.warn) {
				t.Errorf("strict: warnings %q, want %q", warns, tc.warn)
			}

			// SkipBad: every good record, a warning for each bad line, and
			// no error.
			ids, warns, err = hostileRead(t, strings.NewReader(tc.data), true)
			if err != nil {
				t.Fatalf("SkipBad: %v", err)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.good) {
				t.Errorf("SkipBad: read %v, want %v", ids, tc.good)
			}
			if tc.badLine != 0 && !strings.Contains(strings.Join(warns, "\n"), fmt.Sprintf("c.jsonl:%d: skipped", tc.badLine)) {
				t.Errorf("SkipBad: warnings %q, want one for line %d", warns, tc.badLine)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(warns, "\n"), tc.warn) {
				t.Errorf("SkipBad: warnings %q, want %q", warns, tc.warn)
			}
		})
	}
}

// hostileRepeater yields b forever.
type hostileRepeater struct {
	b   []byte
	off int
}

func (r *hostileRepeater) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.b[r.off:])
		n += c
		r.off = (r.off + c) % len(r.b)
	}
	return n, nil
}

// hostileLazyLine is a record line whose body is n bytes of fill, generated as it
// is read, never held whole by the test.
func hostileLazyLine(id string, n int64, fill string) io.Reader {
	return io.MultiReader(
		strings.NewReader(`{"v":1,"id":"`+id+`","method":"POST","path":"/hook","headers":{},"body":"`),
		io.LimitReader(&hostileRepeater{b: []byte(fill)}, n),
		strings.NewReader(`","body_encoding":"utf8","body_size":`+fmt.Sprint(n)+`,"matched":true,"answer":{"status":200}}`+"\n"))
}

func TestHostileCaptureLongLine(t *testing.T) {
	size := int64(50 << 20)
	if hostileRace() {
		size = 8 << 20 // the same paths, at a size the race detector reads in seconds
	}
	a, b := hostileLine(t, "A", []byte(`{"event":"a"}`)), hostileLine(t, "B", []byte("b"))
	t.Run("a long record between two others", func(t *testing.T) {
		var sizes []int
		start := time.Now()
		err := Read(io.MultiReader(strings.NewReader(a), hostileLazyLine("L", size, "abcdefgh"), strings.NewReader(b)), "c.jsonl", ReadOptions{},
			func(r *Record, _ int) error {
				body, err := r.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				if r.ID == "L" && (!bytes.HasPrefix(body, []byte("abcdefghabcdefgh")) || int64(r.BodySize) != size) {
					t.Errorf("the long body is not as written")
				}
				sizes = append(sizes, len(body))
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(sizes) != fmt.Sprint([]int{13, int(size), 1}) {
			t.Errorf("body sizes %v", sizes)
		}
		t.Logf("read in %v", time.Since(start))
	})
	t.Run("a long line that is not JSON, skipped", func(t *testing.T) {
		garbage := io.MultiReader(io.LimitReader(&hostileRepeater{b: []byte("not json ")}, size), strings.NewReader("\n"))
		ids, warns, err := hostileRead(t, io.MultiReader(strings.NewReader(a), garbage, strings.NewReader(b)), true)
		if err != nil || fmt.Sprint(ids) != "[A B]" || len(warns) != 1 || !strings.HasPrefix(warns[0], "c.jsonl:2: skipped") {
			t.Errorf("ids %v, warnings %.200q, err %v", ids, warns, err)
		}
	})
	t.Run("a long torn last line", func(t *testing.T) {
		torn := io.LimitReader(hostileLazyLine("T", size, "x"), size)
		ids, warns, err := hostileRead(t, io.MultiReader(strings.NewReader(a), torn), false)
		if err != nil || fmt.Sprint(ids) != "[A]" || len(warns) != 1 || !strings.Contains(warns[0], "torn last line") {
			t.Errorf("ids %v, warnings %.200q, err %v", ids, warns, err)
		}
	})
}

// TestHostileCaptureLongLineIsNotKept: once a long record is read and
// handed over, nothing of its size stays behind while the next records
// are read (no buffer of the reader's or the JSON decoder's kept at its
// size).
func TestHostileCaptureLongLineIsNotKept(t *testing.T) {
	if hostileRace() {
		t.Skip("single-goroutine and slow under the race detector; the plain run covers it")
	}
	const size = 48 << 20
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	small := hostileLine(t, "S", []byte(`{"event":"a"}`))
	var after []io.Reader
	for range 2000 {
		after = append(after, strings.NewReader(small))
	}
	before := heap()
	var peak uint64
	n := 0
	err := Read(io.MultiReader(append([]io.Reader{hostileLazyLine("L", size, "abcdefgh")}, after...)...), "c.jsonl", ReadOptions{},
		func(r *Record, _ int) error {
			if n++; n > 1 && n%500 == 0 {
				peak = max(peak, heap())
			}
			return nil
		})
	if err != nil || n != 2001 {
		t.Fatalf("read %d records: %v", n, err)
	}
	if peak > before+8<<20 {
		t.Errorf("heap in use %d KiB while reading small records after a %d MiB one (%d KiB before): its buffers were kept", peak>>10, size>>20, before>>10)
	}
}

// hostileRace reports whether the test runs under the race detector, which
// makes encoding/json some 20 times slower (50 MiB of JSON: 12 s).
func hostileRace() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				return true
			}
		}
	}
	return false
}

// TestHostileCaptureLargeFileFlatMemory reads a capture file of ~200 MiB
// and checks the heap in use stays flat: records are streamed, not
// gathered. Read runs on one goroutine, so the race detector has nothing to
// find here; under it, the test is skipped (it would take a minute).
func TestHostileCaptureLargeFileFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 200 MiB file")
	}
	if hostileRace() {
		t.Skip("single-goroutine and slow under the race detector; the plain run covers it")
	}
	const target = 200 << 20
	path := filepath.Join(t.TempDir(), "big.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Generated one record at a time: half the bodies valid UTF-8, half
	// binary (base64 in the file), each about 16 KiB.
	bw := bufio.NewWriterSize(f, 1<<20)
	text := bytes.Repeat([]byte(`{"event":"transfer.completed","amount":5000,"note":"\u00e9"} `), 16<<10/60)
	bin := bytes.Repeat([]byte("\x00\xff\xfe\x80binary"), 16<<10/10)
	r := &Record{V: Version, ReceivedAt: time.Unix(1_800_000_000, 0).UTC(), Method: "POST", Path: "/hook",
		Headers: http.Header{"Content-Type": {"application/json"}, "X-Hub-Signature-256": {"sha256=00"}}, Answer: Answer{Status: 200}}
	var line []byte
	written := 0
	want := 0
	for written < target {
		r.ID = fmt.Sprintf("%026d", want)
		if want%2 == 0 {
			r.SetBody(text)
		} else {
			r.SetBody(bin)
		}
		if line, err = r.AppendJSON(line[:0]); err != nil {
			t.Fatal(err)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			t.Fatal(err)
		}
		written += len(line)
		want++
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r, text, bin, line = nil, nil, nil, nil

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	before := heap()
	var peak uint64
	got, bytesRead := 0, 0
	start := time.Now()
	err = ReadFile(path, ReadOptions{}, func(rec *Record, _ int) error {
		body, err := rec.Bytes()
		if err != nil {
			return err
		}
		if rec.ID != fmt.Sprintf("%026d", got) {
			return fmt.Errorf("record %d has id %s", got, rec.ID)
		}
		got++
		bytesRead += len(body)
		if got%(want/8+1) == 0 { // a few samples: each stops the world
			peak = max(peak, heap())
		}
		return nil
	})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("read %d records, want %d", got, want)
	}
	t.Logf("%d MiB, %d records read in %v; heap in use %d KiB before, at most %d KiB while reading", written>>20, got, took, before>>10, peak>>10)
	if peak > before+8<<20 || peak > uint64(written/16) {
		t.Errorf("heap in use reached %d KiB (%d KiB before) reading a %d MiB file: records are not streamed", peak>>10, before>>10, written>>20)
	}
}

// TestHostileCaptureEndlessLine: a "capture file" that is one endless line
// (replay /dev/zero) is refused once the line passes the limit, not
// gathered until memory runs out; with SkipBad the rest of the line is
// skipped without being kept and reading goes on.
func TestHostileCaptureEndlessLine(t *testing.T) {
	const limit = 1 << 20
	a, b := hostileLine(t, "A", []byte(`{"event":"a"}`)), hostileLine(t, "B", []byte("b"))
	zeros := io.LimitReader(&hostileRepeater{b: []byte{0}}, 64<<20)
	var ids []string
	err := Read(io.MultiReader(strings.NewReader(a), zeros), "zero", ReadOptions{MaxLine: limit}, func(r *Record, _ int) error {
		ids = append(ids, r.ID)
		return nil
	})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(err.Error(), "past the 1048576-byte limit") || fmt.Sprint(ids) != "[A]" {
		t.Errorf("ids %v, err %v", ids, err)
	}
	long := io.MultiReader(io.LimitReader(&hostileRepeater{b: []byte("x")}, 3*limit), strings.NewReader("\n"))
	ids, warns, err := hostileReadOpts(t, io.MultiReader(strings.NewReader(a), long, strings.NewReader(b)), ReadOptions{SkipBad: true, MaxLine: limit})
	if err != nil || fmt.Sprint(ids) != "[A B]" || len(warns) != 1 || !strings.Contains(warns[0], "c.jsonl:2: skipped: not a capture record: a line of") {
		t.Errorf("ids %v, warnings %q, err %v", ids, warns, err)
	}
}
