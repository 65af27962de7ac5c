package cli

// Terminal escape injection: what a sender controls (event type, method,
// path, query, header names and values, bodies, the app's answers) reaches
// human output only through term.Escape, so an ESC sequence cannot erase a
// line and forge a "✔ valid" one; --json output stays exact JSON.

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
)

// forged is what a hostile sender puts where hooktool prints: erase the
// line, return to its start, and print a verdict of its own.
const forged = "\x1b[2K\r✔ valid"

// rawControls are what must never reach a terminal from a delivery: ESC,
// CR, an 8-bit CSI (U+009B), a bidi override, a byte that is not UTF-8.
var rawControls = []string{"\x1b", "\r", "\u009b", "\u202e", "\xff"}

func checkNoRawControls(t *testing.T, what, text string) {
	t.Helper()
	for _, c := range rawControls {
		if i := strings.Index(text, c); i >= 0 {
			lo, hi := max(0, i-40), min(len(text), i+40)
			t.Errorf("%s printed a raw %q: %q", what, c, text[lo:hi])
		}
	}
}

// checkNoC0 checks JSON lines: encoding/json escapes every C0 control
// (the rest of Unicode is JSON's to carry as it is).
func checkNoC0(t *testing.T, what, text string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if i := strings.IndexFunc(line, func(r rune) bool { return r < 0x20 }); i >= 0 {
			t.Errorf("%s printed a raw control in JSON: %q", what, line)
		}
	}
}

// hostileRecord is a capture as a hostile file (or a hostile sender) has
// it: controls in every field a command prints.
func hostileRecord(id string) *capture.Record {
	rec := &capture.Record{V: capture.Version, ID: id, ReceivedAt: time.Unix(1_800_000_000, 0).UTC(),
		RemoteAddr: "127.0.0.1:5555" + forged, Method: "POST" + forged, Host: "h" + forged, Path: "/hook/" + url.PathEscape(forged),
		Query: "q=" + forged, Proto: "HTTP/1.1" + forged,
		Headers: map[string][]string{
			"Content-Type":    {"application/json"},
			"X-Evil":          {"a\x1b[2K\rb\nc\u009b31m\u202eexe.txt"},
			"X-Evil" + forged: {"name too"},
		},
		Provider: "aella" + forged, Scheme: "github", Event: forged, Matched: true,
		Answer:  capture.Answer{Status: 200, Reason: "ok" + forged},
		Forward: &capture.Forward{URL: "http://app" + forged, Status: 200, Body: "app said" + forged},
	}
	rec.SetBody([]byte(`{"event":"\u001b[2K\r\u2714 valid","note":"` + "\u009b31m\u202e" + `"}`))
	return rec
}

func writeHostileCaptures(t *testing.T, name string, recs ...*capture.Record) {
	t.Helper()
	var data []byte
	for _, r := range recs {
		var err error
		if data, err = r.AppendJSON(data); err != nil {
			t.Fatal(err)
		}
		data = append(data, '\n')
	}
	writeFile(t, name, data)
}

func TestTermEscapeCaptures(t *testing.T) {
	sandbox(t)
	text := hostileRecord("01HOSTILE0000000000000TEXT")
	bin := hostileRecord("01HOSTILE00000000000000BIN")
	bin.SetBody([]byte("not json " + forged + "\xff"))
	writeHostileCaptures(t, "hostile.jsonl", text, bin)
	for _, args := range [][]string{
		{"captures", "list", "hostile.jsonl"},
		{"captures", "show", "hostile.jsonl", text.ID},
		{"captures", "show", "hostile.jsonl", bin.ID},
		{"verify", "hostile.jsonl", "--scheme", "github", "--secret", "s3cret"},
	} {
		code, out, errs := run(t, "", args...)
		if code == ExitError {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		checkNoRawControls(t, strings.Join(args, " "), out+errs)
		if !strings.Contains(out, `\x1b[2K\r✔ valid`) {
			t.Errorf("%s: the event type is not shown escaped:\n%s", strings.Join(args, " "), out)
		}
	}
	// A path with raw controls is no path (a listener never keeps one):
	// the reader refuses the file, and its error shows them escaped.
	raw := hostileRecord("01HOSTILE00000000000000RAW")
	raw.Path = "/hook" + forged
	writeHostileCaptures(t, "rawpath.jsonl", raw)
	code, out, errs := run(t, "", "captures", "list", "rawpath.jsonl")
	if code != ExitError || !strings.Contains(errs, `rawpath.jsonl:1: path "/hook\x1b[2K\r✔ valid" is not a path`) {
		t.Errorf("captures list of a raw-control path: exit %d, stderr %q", code, errs)
	}
	checkNoRawControls(t, "captures list (raw path)", out+errs)
	// Text bodies that are not JSON keep their lines, and nothing else.
	bin.SetBody([]byte("line one\r\nline two " + forged))
	writeHostileCaptures(t, "lines.jsonl", bin)
	_, out, _ = run(t, "", "captures", "show", "lines.jsonl", bin.ID)
	checkNoRawControls(t, "captures show (text body)", strings.ReplaceAll(out, "line one\r\n", ""))
	if !strings.Contains(out, "line one\r\nline two \\x1b[2K\\r✔ valid") {
		t.Errorf("captures show: the body's lines are not kept:\n%q", out)
	}
	// --json is exact JSON: no raw controls, and the record decodes back.
	for _, args := range [][]string{
		{"captures", "list", "hostile.jsonl", "--json"},
		{"captures", "show", "hostile.jsonl", text.ID, "--json"},
	} {
		_, out, _ := run(t, "", args...)
		checkNoC0(t, strings.Join(args, " "), out)
		var rec capture.Record
		if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rec); err != nil || rec.Event != forged || rec.Path != text.Path {
			t.Errorf("%s: the record does not decode to the exact strings (%v): %q", strings.Join(args, " "), err, rec.Event)
		}
	}
}

func TestTermEscapeReplay(t *testing.T) {
	sandbox(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "answer "+forged+"\u009b\u202e")
	}))
	defer app.Close()
	rec := hostileRecord("01HOSTILE000000000000REPLY")
	// The request itself is a valid one: only what is printed is hostile.
	rec.Method, rec.Path, rec.Query = "POST", "/hook", "q=1"
	rec.Headers = map[string][]string{"Content-Type": {"application/json"}}
	writeHostileCaptures(t, "hostile.jsonl", rec)
	code, out, errs := run(t, "", "replay", "hostile.jsonl", "--to", app.URL)
	if code != ExitOK {
		t.Fatalf("replay: exit %d: %s%s", code, out, errs)
	}
	checkNoRawControls(t, "replay", out+errs)
	if !strings.Contains(out, `\x1b[2K\r✔ valid`) || !strings.Contains(out, `\x9b\u202e`) {
		t.Errorf("replay: the event type or the answer is not shown escaped:\n%s", out)
	}
}

func TestTermEscapeListen(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "s3cret")
	for _, args := range [][]string{
		{"--scheme", "github", "--verbose"},
		{"--scheme", "github", "--json"},
	} {
		l := secListen(t, append(args, "--exit-after", "1", "--timeout", "20s")...)
		// The Go client refuses controls in header values; a raw
		// connection sends what a hostile sender would.
		body := `{"event":"\u001b[2K\r\u2714 valid","x":"\u009b"}`
		conn, err := net.Dial("tcp", strings.TrimPrefix(l.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /hook?q=%%1b HTTP/1.1\r\nHost: x\r\nX-Evil: \xc2\x9b31m\xe2\x80\xae\xff\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		io.Copy(io.Discard, conn)
		conn.Close()
		code, out, errs := l.wait(t)
		if code != ExitOK {
			t.Fatalf("listen %v: exit %d: %s", args, code, errs)
		}
		if args[2] == "--json" {
			checkNoC0(t, "listen --json", out+errs)
			var rec capture.Record
			if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rec); err != nil || rec.Event != forged {
				t.Errorf("listen --json: the event type is not exact (%v): %q", err, rec.Event)
			}
			continue
		}
		checkNoRawControls(t, "listen --verbose", out+errs)
		if !strings.Contains(out, `\x1b[2K\r✔ valid`) || !strings.Contains(out, `\x9b31m\u202e\xff`) {
			t.Errorf("listen: the event type or a header is not shown escaped:\n%s", out)
		}
		if !strings.Contains(errs, `\x1b[2K\r✔ valid 1`) {
			t.Errorf("listen: the summary does not show the event type escaped:\n%s", errs)
		}
	}
}

func TestTermEscapeScenario(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "s3cret")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok \u009b2J\u202e")
	}))
	defer srv.Close()
	writeFile(t, "evil.yaml", []byte("id: evil\nprovider: aella\nsteps:\n  - name: \"one\\e[2K\\r✔ fine\"\n    event: transfer.completed\n"))
	code, out, errs := run(t, "", "scenario", "run", "evil.yaml", "--to", srv.URL)
	if code != ExitOK {
		t.Fatalf("scenario: exit %d: %s%s", code, out, errs)
	}
	checkNoRawControls(t, "scenario run", out+errs)
	if !strings.Contains(out, `one\x1b[2K\r✔ fine`) {
		t.Errorf("scenario: the step name is not shown escaped:\n%s", out)
	}
	_ = os.Remove("evil.yaml")
}
