package cli

// Sending a capture again (replay) contacts only the target it is given,
// as one request, with the capture's own header bytes.

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
)

// writeCaptures writes recs as a capture file.
func writeCaptures(t *testing.T, name string, recs ...*capture.Record) string {
	t.Helper()
	var b []byte
	for _, r := range recs {
		var err error
		if b, err = r.AppendJSON(b); err != nil {
			t.Fatal(err)
		}
		b = append(b, '\n')
	}
	return writeFile(t, name, b)
}

// resendRecord is a plain captured delivery to path.
func resendRecord(id, path string) *capture.Record {
	r := &capture.Record{V: capture.Version, ID: id, ReceivedAt: time.Unix(1_800_000_000, 0).UTC(), Method: "POST",
		Path: path, Headers: http.Header{"Content-Type": {"application/json"}}, Matched: true, Answer: capture.Answer{Status: 200}}
	r.SetBody([]byte(`{"event":"x"}`))
	return r
}

// TestReplayPathNeverChangesTheHost replays captures whose path, put after
// a --to with no path, would name another host and port: a second loopback
// server, the would-be destination, gets nothing, and the capture is
// refused with its file and line.
func TestReplayPathNeverChangesTheHost(t *testing.T) {
	sandbox(t)
	t.Setenv("HOOKTOOL_SECRET", "resend-SECRET-5x9")
	target := newSecApp(t, "target")
	other := newSecApp(t, "other")
	targetAddr := strings.TrimPrefix(target.srv.URL, "http://")
	otherAddr := strings.TrimPrefix(other.srv.URL, "http://")
	otherPort := otherAddr[strings.LastIndex(otherAddr, ":")+1:]
	cases := []struct {
		name, to, path string
	}{
		{"userinfo", "http://" + targetAddr, "@" + otherAddr + "/x"},
		{"userinfo, no scheme", targetAddr, "@" + otherAddr + "/x"},
		{"port", "http://127.0.0.1", ":" + otherPort + "/x"},
		{"port, trailing slash", "http://127.0.0.1/", ":" + otherPort + "/x"},
		{"no slash", "http://" + targetAddr, otherAddr + "/x"},
		{"dot", "http://" + targetAddr, ".evil/x"},
	}
	for _, tc := range cases {
		redacted := resendRecord("01RESEND00000000000000000B", tc.path)
		redacted.Headers["Verif-Hash"] = []string{"[redacted]"}
		redacted.Redacted = []string{"Verif-Hash"}
		file := writeCaptures(t, "steer.jsonl", resendRecord("01RESEND00000000000000000A", "/fine"), redacted)
		before := target.count()
		code, out, errs := secRun(t, "", "replay", file, "--to", tc.to, "--timeout", "5s")
		if other.count() != 0 {
			t.Fatalf("%s: path %q sent replay to the other server: %+v", tc.name, tc.path, other.last())
		}
		if code != ExitError || !regexp.MustCompile(`steer\.jsonl:2: .*not a path`).MatchString(errs) {
			t.Errorf("%s: exit %d, want %d and steer.jsonl:2 named\n%s%s", tc.name, code, ExitError, out, errs)
		}
		if strings.Contains(out+errs, "resend-SECRET") {
			t.Errorf("%s: the secret was printed", tc.name)
		}
		// The capture before the bad one may have been sent, to the target.
		target.mu.Lock()
		seen := append([]secSeen(nil), target.reqs[before:]...)
		target.mu.Unlock()
		for _, seen := range seen {
			if seen.uri != "/fine" || seen.host != targetAddr {
				t.Errorf("%s: the target got %s %s (Host %s)", tc.name, seen.method, seen.uri, seen.host)
			}
		}
	}
	// A path that only looks like an authority is a path, on the target.
	file := writeCaptures(t, "steer.jsonl", resendRecord("01RESEND00000000000000000D", "//"+otherAddr+"/x"))
	if code, out, errs := secRun(t, "", "replay", file, "--to", target.srv.URL); code != ExitOK || other.count() != 0 || target.last().uri != "//"+otherAddr+"/x" {
		t.Errorf("//host/x: exit %d, other got %d, target %+v\n%s%s", code, other.count(), target.last(), out, errs)
	}
	// --keep-path off, or a --to with a path, never looked at the path;
	// the reader refuses the capture all the same, with its line.
	file = writeCaptures(t, "steer.jsonl", resendRecord("01RESEND00000000000000000C", "@"+otherAddr+"/x"))
	code, _, errs := secRun(t, "", "replay", file, "--to", target.srv.URL+"/hook")
	if code != ExitError || !strings.Contains(errs, "steer.jsonl:1: ") || other.count() != 0 {
		t.Errorf("--to with a path: exit %d, other got %d\n%s", code, other.count(), errs)
	}
}
