package view

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/signature"
	"github.com/hooktool/hooktool/internal/term"
)

func testOut(jsonOut bool) (Out, *bytes.Buffer, *bytes.Buffer) {
	s, out, errb := term.Test("")
	return Out{Streams: s, JSON: jsonOut, Palette: term.NewPalette(false), ErrPalette: term.NewPalette(false)}, out, errb
}

// mapLine is how a document printed as a map (sorted keys) reads: the
// typed forms must print the same bytes.
func mapLine(t *testing.T, m map[string]any) string {
	t.Helper()
	var b bytes.Buffer
	if err := JSONLine(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSignJSONForm(t *testing.T) {
	headers := []signature.HeaderField{{Name: "webhook-id", Value: "msg_1"}, {Name: "webhook-signature", Value: "v1,<&>"}}
	for _, c := range []struct {
		s    Signed
		want map[string]any
	}{
		{Signed{Scheme: "standard-webhooks", ID: "msg_1", HasID: true, Timestamp: 0, HasTimestamp: true, Headers: headers},
			map[string]any{"scheme": "standard-webhooks", "id": "msg_1", "timestamp": 0, "headers": map[string]string{"webhook-id": "msg_1", "webhook-signature": "v1,<&>"}}},
		{Signed{Scheme: "github", Headers: headers[1:]},
			map[string]any{"scheme": "github", "headers": map[string]string{"webhook-signature": "v1,<&>"}}},
	} {
		out, stdout, _ := testOut(true)
		if err := NewSignPrinter(out, "json").Signed(c.s); err != nil {
			t.Fatal(err)
		}
		if want := mapLine(t, c.want); stdout.String() != want {
			t.Errorf("got  %s want %s", stdout, want)
		}
	}
}

func TestSignHeadersAndHTTPForms(t *testing.T) {
	s := Signed{URL: "http://localhost:3000/hook?x=1", ContentType: "application/json", Body: []byte(`{}`),
		Headers: []signature.HeaderField{{Name: "X-Sig", Value: "abc"}}}
	out, stdout, _ := testOut(false)
	if err := NewSignPrinter(out, "headers").Signed(s); err != nil || stdout.String() != "X-Sig: abc\n" {
		t.Errorf("headers form: %q, %v", stdout, err)
	}
	out, stdout, _ = testOut(false)
	if err := NewSignPrinter(out, "http").Signed(s); err != nil {
		t.Fatal(err)
	}
	want := "POST /hook?x=1 HTTP/1.1\r\nHost: localhost:3000\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-Sig: abc\r\n\r\n{}"
	if stdout.String() != want {
		t.Errorf("http form:\n%q\nwant\n%q", stdout, want)
	}
}

func TestCurlQuotesHostileBytes(t *testing.T) {
	var b bytes.Buffer
	body := []byte(`'; rm -rf ~; echo '`)
	if err := WriteCurl(&b, "http://h/$(id)", "application/json", []signature.HeaderField{{Name: "X-A", Value: "`id`"}}, body, ""); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{`'http://h/$(id)'`, "'X-A: `id`'", `--data-raw ''\''; rm -rf ~; echo '\'''`} {
		if !strings.Contains(got, want) {
			t.Errorf("curl form lacks %s:\n%s", want, got)
		}
	}
}

func TestTriggerRequestJSONForm(t *testing.T) {
	out, stdout, _ := testOut(false)
	r := PrintedRequest{Event: "e", Provider: "p", Method: "POST", URL: "http://h/", ContentType: "application/json",
		Headers: []signature.HeaderField{{Name: "X-Sig", Value: "s"}}, Body: []byte(`{"a":1}`)}
	if err := NewTriggerPrinter(out, "json").Request(r); err != nil {
		t.Fatal(err)
	}
	want := mapLine(t, map[string]any{"event": "e", "provider": "p", "method": "POST", "url": "http://h/",
		"headers": map[string]string{"Content-Type": "application/json", "X-Sig": "s"}, "body": `{"a":1}`})
	if stdout.String() != want {
		t.Errorf("got  %s want %s", stdout, want)
	}
}

func TestAttemptPrinter(t *testing.T) {
	scheme, err := signature.Lookup("github", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	red := signature.NewRedactor(scheme, []signature.Secret{signature.NewSecret("hunter2secret")}, nil)
	sent := Sent{Event: "e", Provider: "p", Label: "e\x1b[2J", URL: "http://h/hook?token=hunter2secret", BodyBytes: 3}
	ok := delivery.Attempt{Number: 1, Status: 200, Latency: 1500 * time.Microsecond, Body: []byte("ok hunter2secret \x1b]0;x\x07"), Header: http.Header{}, Response: http.Header{}}
	t.Run("text", func(t *testing.T) {
		out, stdout, stderr := testOut(false)
		hinted := map[string]bool{}
		p := NewAttemptPrinter(out, red, hinted)
		p.Attempt(sent, ok, 1)
		redirect := delivery.Attempt{Number: 1, Status: 302, Response: http.Header{"Location": {"http://elsewhere/"}}}
		p.Attempt(sent, redirect, 2)
		p.Attempt(sent, redirect, 2)
		got := stdout.String()
		if strings.Contains(got, "hunter2secret") || strings.ContainsAny(got, "\x1b\x07") {
			t.Errorf("a secret or a control character reached the terminal: %q", got)
		}
		if !strings.Contains(got, "✔ 200 OK  1ms") || !strings.Contains(got, "[1/2] ") {
			t.Errorf("lines: %q", got)
		}
		if n := strings.Count(stderr.String(), "hint: redirected to http://elsewhere/"); n != 1 {
			t.Errorf("the redirect hint said %d times, want once: %q", n, stderr)
		}
	})
	t.Run("json", func(t *testing.T) {
		out, stdout, _ := testOut(true)
		out.Quiet = true // --json prints the data even with --quiet
		p := NewAttemptPrinter(out, red, nil)
		p.Attempt(sent, ok, 1)
		p.Attempt(sent, delivery.Attempt{Number: 1, Err: &delivery.Error{Kind: delivery.KindRefused, Msg: "refused", Hint: "start it"}}, 1)
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if len(lines) != 2 || strings.Contains(stdout.String(), "hunter2secret") {
			t.Fatalf("got %q", stdout)
		}
		var a, b attemptJSON
		if err := json.Unmarshal([]byte(lines[0]), &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(lines[1]), &b); err != nil {
			t.Fatal(err)
		}
		if !a.Acknowledged || a.Response == nil || a.Request.Method != "POST" || a.LatencyMS != 1.5 || a.Request.BodyBytes != 3 {
			t.Errorf("first: %+v", a)
		}
		if b.Acknowledged || b.ErrorKind != delivery.KindRefused || b.Hint != "start it" || b.Response != nil {
			t.Errorf("second: %+v", b)
		}
	})
	t.Run("quiet text prints a failure's line alone", func(t *testing.T) {
		out, stdout, stderr := testOut(false)
		out.Quiet = true
		p := NewAttemptPrinter(out, red, map[string]bool{})
		p.Attempt(sent, ok, 1)
		p.Attempt(sent, delivery.Attempt{Err: &delivery.Error{Kind: delivery.KindRefused, Msg: "x", Hint: "start it"}}, 1)
		if strings.Count(stdout.String(), "\n") != 1 || !strings.Contains(stdout.String(), "  ✘ x  ") || stderr.Len() != 0 {
			t.Errorf("printed %q %q", stdout, stderr)
		}
	})
}

func TestCaptureShowEscapes(t *testing.T) {
	r := &capture.Record{ID: "01J\x1b[31m", Method: "POST", Path: "/h", Proto: "HTTP/1.1",
		Headers: http.Header{"X-A\x07": {"v\x1b"}}, Event: "e\x1b", ReceivedAt: time.Unix(0, 0).UTC()}
	for _, jsonOut := range []bool{false, true} {
		out, stdout, _ := testOut(jsonOut)
		if err := NewCaptureShowPrinter(out, false).Show(r, []byte("{\"a\":\"\\u001b\"}\x1b")); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(stdout.String(), "\x1b\x07") {
			t.Errorf("json=%v: a control character reached stdout: %q", jsonOut, stdout)
		}
	}
	out, stdout, _ := testOut(true)
	if err := NewCaptureShowPrinter(out, true).Show(r, []byte("\x00\x1bexact")); err != nil || stdout.String() != "\x00\x1bexact" {
		t.Errorf("--raw is byte-exact, even with --json: %q, %v", stdout, err)
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Latency(900 * time.Microsecond), "900µs"},
		{Latency(1500 * time.Millisecond), "1500ms"},
		{Latency(12340 * time.Millisecond), "12.3s"},
		{Size(10), "10 B"},
		{Size(1536), "1.5 KiB"},
		{Size(3 << 20), "3.0 MiB"},
		{QuoteNames([]string{"a", "b\n"}), `"a", "b\n"`},
		{Preview([]byte{0xff, 0xfe}, 10), "(2 bytes, binary)"},
		{Preview([]byte("  a \n\t b  "), 10), "a b"},
		{Preview([]byte("abcdef"), 3), "abc…"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
