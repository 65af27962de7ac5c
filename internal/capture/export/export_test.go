package export

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/httpx"
)

// hostileRecords are deliveries whose every sender-chosen part tries to run
// a command when the export is run: `touch pwned`, written every way a
// shell might run it.
func hostileRecords() []*capture.Record {
	const cmd = "touch pwned"
	base := func(id string) *capture.Record {
		return &capture.Record{V: capture.Version, ID: id, ReceivedAt: time.Unix(1_800_000_000, 0).UTC(),
			LocalAddr: "127.0.0.1:4242", Host: "evil.example:1"}
	}
	text := base("01HOSTILE0000000000000000A")
	text.Method = "POST&" + cmd
	text.Event = "x\n" + cmd + "; " + cmd + "\r\n" + cmd
	text.Path = "/a'b\"c`touch${IFS}pwned`$(touch${IFS}pwned);touch${IFS}pwned&&|>pwned"
	text.Query = "q='$(touch${IFS}pwned)'&r=\"`touch${IFS}pwned`\"&s=\\';touch${IFS}pwned"
	text.Headers = http.Header{
		"Content-Type":   {"application/json"},
		"X-Quote":        {`it's "quoted" $(` + cmd + `) ` + "`" + cmd + "`" + ` \' \" ; ` + cmd},
		"X-Dollar":       {"${IFS}$(" + cmd + ")$((1+1))!!"},
		"x-newline":      {"a\n" + cmd + "\r\n" + cmd}, // left out: it would end the header
		"content-length": {"1"},                        // left out: curl frames the request
	}
	text.SetBody([]byte("{\"a\":\"it's\",\n\"b\":\"$(" + cmd + ")\",\n\"c\":\"`" + cmd + "`\"}\n'; " + cmd + "; '"))
	bin := base("01HOSTILE0000000000000000B")
	bin.Method = "$(" + cmd + ")"
	bin.Event = "e`" + cmd + "`\n$(" + cmd + ")"
	bin.Path = "/bin"
	bin.Headers = http.Header{"X-Back": {"`" + cmd + "`"}}
	bin.SetBody([]byte("\xff\xfe$(" + cmd + ")\n'`"))
	return []*capture.Record{text, bin}
}

// TestCurlExportOfHostileCapturesIsInert writes the curl export of hostile
// captures, checks it with bash -n, and runs it with bash in an empty
// directory with curl replaced by a stand-in that records its arguments
// and stdin: nothing else runs (no file pwned appears), and curl gets each
// method, URL, header and body byte for byte.
func TestCurlExportOfHostileCapturesIsInert(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("this test needs bash: %v", err)
	}
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	stubs := filepath.Join(dir, "bin")
	for _, d := range []string{work, stubs} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// The stand-in curl: argument after argument, each ended by a NUL, then
	// its stdin, into the next numbered file.
	stub := "#!/bin/sh\nn=$(ls \"$CURL_LOG\" | grep -c argv)\nprintf '%s\\0' \"$@\" > \"$CURL_LOG/$n.argv\"\ncat > \"$CURL_LOG/$n.stdin\"\n"
	if err := os.WriteFile(filepath.Join(stubs, "curl"), []byte(stub), 0o700); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "log")
	if err := os.Mkdir(log, 0o700); err != nil {
		t.Fatal(err)
	}

	recs := hostileRecords()
	var script bytes.Buffer
	for i, r := range recs {
		invalid, err := Curl(&script, r, nil, httpx.PathReplace)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"x-newline"}[:1-i]; strings.Join(invalid, ",") != strings.Join(want, ",") {
			t.Errorf("record %d: left out %q, want %q", i, invalid, want)
		}
	}
	file := filepath.Join(dir, "export.sh")
	if err := os.WriteFile(file, script.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s\nthe script:\n%s", err, out, script.Bytes())
	}
	run := exec.Command(bash, file)
	run.Dir = work
	run.Env = append(os.Environ(), "PATH="+stubs+string(os.PathListSeparator)+os.Getenv("PATH"), "CURL_LOG="+log)
	out, err := run.CombinedOutput()
	if err != nil {
		t.Errorf("bash: %v\n%s", err, out)
	}
	for _, d := range []string{work, dir, stubs, log} {
		if _, err := os.Stat(filepath.Join(d, "pwned")); err == nil {
			t.Errorf("running the export created %s: a sender's command ran\nthe script:\n%s", filepath.Join(d, "pwned"), script.Bytes())
		}
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("running the export created %d files in its directory", len(entries))
	}

	text, bin := recs[0], recs[1]
	textBody, _ := text.Bytes()
	binBody, _ := bin.Bytes()
	want := [][]string{
		{"-sS", "-X", text.Method, "http://127.0.0.1:4242" + text.Path + "?" + text.Query,
			"-H", "Content-Type: application/json", "-H", "X-Dollar: " + text.Headers.Get("X-Dollar"), "-H", "X-Quote: " + text.Headers.Get("X-Quote"),
			"--data-raw", string(textBody)},
		{"-sS", "-X", bin.Method, "http://127.0.0.1:4242/bin", "-H", "X-Back: " + bin.Headers.Get("X-Back"), "--data-binary", "@-"},
	}
	wantStdin := []string{"", string(binBody)}
	for i := range want {
		argv, err := os.ReadFile(filepath.Join(log, string(rune('0'+i))+".argv"))
		if err != nil {
			t.Errorf("curl run %d: %v", i, err)
			continue
		}
		got := strings.Split(strings.TrimSuffix(string(argv), "\x00"), "\x00")
		if strings.Join(got, "\x00") != strings.Join(want[i], "\x00") {
			t.Errorf("curl run %d got\n  %q\nwant\n  %q", i, got, want[i])
		}
		stdin, _ := os.ReadFile(filepath.Join(log, string(rune('0'+i))+".stdin"))
		if string(stdin) != wantStdin[i] {
			t.Errorf("curl run %d read %q from stdin, want %q", i, stdin, wantStdin[i])
		}
	}
	if entries, _ := os.ReadDir(log); len(entries) != 2*len(want) {
		t.Errorf("curl ran %d times, want %d", len(entries)/2, len(want))
	}
	// Comments hold no raw line break: every line is a comment, a command
	// or a continuation of one, and a comment is one line.
	for _, line := range strings.Split(script.String(), "\n") {
		if strings.Contains(line, "\r") && strings.HasPrefix(line, "#") {
			t.Errorf("a comment holds a carriage return: %q", line)
		}
	}
}

func TestCaptureURL(t *testing.T) {
	rec := &capture.Record{Path: "/hooks/x", Query: "a=1", Host: "127.0.0.1:4242"}
	for _, tc := range []struct {
		base string
		rule httpx.PathRule
		want string
	}{
		{"", httpx.PathReplace, "http://127.0.0.1:4242/hooks/x?a=1"},
		{"http://h:1", httpx.PathReplace, "http://h:1/hooks/x?a=1"},
		{"http://h:1/", httpx.PathReplace, "http://h:1/hooks/x?a=1"},
		{"http://h:1?token=1", httpx.PathReplace, "http://h:1/hooks/x?token=1&a=1"},
		{"http://h:1/app?token=1", httpx.PathReplace, "http://h:1/app?token=1&a=1"},
		{"http://h:1/app?token=1", httpx.PathPrefix, "http://h:1/app/hooks/x?token=1&a=1"},
		{"https://h/app/%2Fesc?token=1", httpx.PathReplace, "https://h/app/%2Fesc?token=1&a=1"},
		{"https://h/app/%2Fesc?token=1", httpx.PathPrefix, "https://h/app/%2Fesc/hooks/x?token=1&a=1"},
	} {
		u := ReceivedURL(rec)
		if tc.base != "" {
			var err error
			if u, err = url.Parse(tc.base); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := captureURL(rec, u, tc.rule); err != nil || got != tc.want {
			t.Errorf("captureURL(%q, %d) = %q, want %q", tc.base, tc.rule, got, tc.want)
		}
	}
}
