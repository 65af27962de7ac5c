package view

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/listener"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestListenNotChecked: a signature not checked for want of a secret is
// "not checked (no secret)" on the line and in the summary; a delivery
// with no signature is "unsigned"; JSON keeps the reason no_secret.
func TestListenNotChecked(t *testing.T) {
	p, out, errb := listenPrinter(false, false)
	rec := listenRecord("a", 200)
	rec.Verdict = signature.NotChecked(mustScheme(t, "github"), map[string][]string{"X-Hub-Signature-256": {"sha256=00"}}, nil)
	p.Delivery(listener.Delivery{Record: rec})
	p.Delivery(listener.Delivery{Record: listenRecord("b", 200)})
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "  POST /hook  a  not checked (no secret)  13 B  → 200") || !strings.HasSuffix(lines[1], "  POST /hook  b  unsigned  13 B  → 200") {
		t.Errorf("lines\n%s", out)
	}
	p.Summary(ListenSummary{Stats: listener.Stats{Received: 2, ByVerdict: map[string]int{"no_secret": 1, "unsigned": 1}}})
	if !strings.Contains(errb.String(), "hooktool:   by verdict: not checked (no secret) 1, unsigned 1\n") {
		t.Errorf("summary\n%s", errb)
	}
	pj, outj, _ := listenPrinter(true, false)
	pj.Delivery(listener.Delivery{Record: rec})
	if !strings.Contains(outj.String(), `"verdict":{"scheme":"github","valid":false,"reason":"no_secret","message":"not checked: no secret is configured to check the signature with","header":"X-Hub-Signature-256"}`) {
		t.Errorf("JSON %s", outj)
	}
}

func mustScheme(t *testing.T, name string) signature.Scheme {
	t.Helper()
	s, err := signature.Lookup(name, signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestListenFirstHint: under the line of a delivery whose signature
// failed, its first hint, escaped; none for a valid one; --verbose shows
// them all with the headers instead.
func TestListenFirstHint(t *testing.T) {
	p, out, _ := listenPrinter(false, false)
	bad := listenRecord("a", 200)
	bad.Verdict = &signature.Verdict{Reason: signature.ReasonMismatch, Hints: []string{"the body verifies with its trailing newline removed\x1b[2J", "second"}}
	ok := listenRecord("b", 200)
	ok.Verdict = &signature.Verdict{Valid: true, Reason: signature.ReasonValid, Hints: []string{"a note"}}
	p.Delivery(listener.Delivery{Record: bad})
	p.Delivery(listener.Delivery{Record: ok})
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || lines[1] != `    hint: the body verifies with its trailing newline removed\x1b[2J` || strings.Contains(out.String(), "second") || strings.Contains(out.String(), "a note") {
		t.Errorf("lines\n%s", out)
	}
}

// TestListenRepeatAndAttempts: a repeat names the first delivery; the
// app's earlier attempts are listed before the last one's answer.
func TestListenRepeatAndAttempts(t *testing.T) {
	p, out, _ := listenPrinter(false, false)
	rec := listenRecord("a", 200)
	rec.RepeatOf = "01FIRST\x1b"
	rec.ForwardAttempts = []capture.Forward{{Status: 500}, {Error: "connection refused"}, {Status: 200, LatencyMS: 1, Body: "ok"}}
	rec.Forward = &rec.ForwardAttempts[2]
	p.Delivery(listener.Delivery{Record: rec})
	if want := "  → 200  ⇢ app 200 1ms (attempt 3, after 500, ✘)  ok  ↻ repeat of 01FIRST\\x1b\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("line %q, want it to end %q", out, want)
	}
}

// TestListenRetryStopped: a forward whose retry the listener's stop cut
// short says so, after the attempts made.
func TestListenRetryStopped(t *testing.T) {
	for _, c := range []struct {
		attempts []capture.Forward
		want     string
	}{
		{[]capture.Forward{{Status: 500, LatencyMS: 1}}, "  → 500  ⇢ app 500 1ms (no retry: listen stopped)\n"},
		{[]capture.Forward{{Status: 500}, {Status: 503, LatencyMS: 1}}, "  → 503  ⇢ app 503 1ms (attempt 2, after 500; no retry: listen stopped)\n"},
	} {
		p, out, _ := listenPrinter(false, false)
		rec := listenRecord("a", 500)
		last := c.attempts[len(c.attempts)-1]
		rec.Answer.Status, rec.Forward = last.Status, &last
		if len(c.attempts) > 1 {
			rec.ForwardAttempts = c.attempts
		}
		p.Delivery(listener.Delivery{Record: rec, RetryStopped: true})
		if !strings.HasSuffix(out.String(), c.want) {
			t.Errorf("line %q, want it to end %q", out, c.want)
		}
	}
}

// TestListenAppFailures: the --expect-app-2xx error names each delivery
// the app did not accept, escaped, a line each, with --quiet too (without
// the hint); JSON for machines.
func TestListenAppFailures(t *testing.T) {
	f := ListenAppFailures{Distinct: 3, Save: "got.jsonl", Untold: 1, Failures: []listener.AppFailure{
		{ID: "01B", FirstID: "01A", Event: "transfer.completed", Status: 500, Attempts: 3},
		{ID: "01C", FirstID: "01C", Event: "evil\x1b[2J", Error: "connection refused by 127.0.0.1:3000", Attempts: 1},
	}}
	failures := "hooktool: error: the app did not answer 2xx to the last attempt of 3 of 3 deliveries (--expect-app-2xx)\n" +
		"hooktool:   01B  transfer.completed  → app 500  (3 attempts)\n" +
		"hooktool:   01C  evil\\x1b[2J  → app ✘ connection refused by 127.0.0.1:3000  (1 attempt)\n" +
		"hooktool:   and 1 more\n"
	hint := "hooktool: hint: see what the app answered with `hooktool captures show 'got.jsonl' ID`\n"
	for _, quiet := range []bool{false, true} {
		p, out, errb := listenPrinter(false, quiet)
		p.AppFailures(f)
		want := failures + hint
		if quiet {
			want = failures
		}
		if out.Len() != 0 || errb.String() != want {
			t.Errorf("quiet=%v: stdout %q, stderr\n%s\nwant\n%s", quiet, out, errb, want)
		}
	}
	p, _, errb := listenPrinter(true, false)
	p.AppFailures(f)
	wantJSON := `{"type":"error","message":"the app did not answer 2xx to the last attempt of 3 of 3 deliveries (--expect-app-2xx)","deliveries":[{"id":"01B","first_id":"01A","event":"transfer.completed","status":500,"attempts":3},{"id":"01C","first_id":"01C","event":"evil\u001b[2J","error":"connection refused by 127.0.0.1:3000","attempts":1}],"untold":1,"hints":["see what the app answered with ` + "`hooktool captures show 'got.jsonl' ID`" + `"],"exit_code":1}` + "\n"
	if errb.String() != wantJSON {
		t.Errorf("JSON\n%s\nwant\n%s", errb, wantJSON)
	}
}

// TestListenSelfSignedAppHint: an app whose certificate is not trusted
// gets a hint that names listen's own flag.
func TestListenSelfSignedAppHint(t *testing.T) {
	p, _, errb := listenPrinter(false, false)
	certErr := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	e := &delivery.Error{Kind: delivery.KindTLS, Msg: "TLS certificate of localhost:3000 is not trusted", Hint: "pass --insecure", Err: fmt.Errorf("Post: %w", certErr)}
	p.Delivery(listener.Delivery{Record: listenRecord("a", 502), ForwardErr: e})
	if want := "hooktool: hint: for a local app with a self-signed certificate, pass --forward-insecure\n"; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr\n%s\nwant %q", errb, want)
	}
}

// TestListenAppFailuresHintQuotesThePath: the --save path in the hint's
// command is one shell word, quoted as every command hooktool prints is
// (export.ShellQuote), so a path with a space or a `$` pastes as itself.
func TestListenAppFailuresHintQuotesThePath(t *testing.T) {
	f := ListenAppFailures{Distinct: 1, Save: "ci runs/$RUN it's.jsonl", Failures: []listener.AppFailure{
		{ID: "01B", FirstID: "01A", Event: "transfer.completed", Status: 500, Attempts: 3},
	}}
	const cmd = `hooktool captures show 'ci runs/$RUN it'\''s.jsonl' ID`
	p, _, errb := listenPrinter(false, false)
	p.AppFailures(f)
	if want := "hooktool: hint: see what the app answered with `" + cmd + "`\n"; !strings.HasSuffix(errb.String(), want) {
		t.Errorf("stderr\n%s\nwant it to end\n%s", errb, want)
	}
	p, _, errb = listenPrinter(true, false)
	p.AppFailures(f)
	var j struct{ Hints []string }
	if err := json.Unmarshal(errb.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if want := []string{"see what the app answered with `" + cmd + "`"}; !slices.Equal(j.Hints, want) {
		t.Errorf("JSON hints %q, want %q", j.Hints, want)
	}
}

// TestListenMirrorTLSHint: a mirror whose TLS certificate is not trusted
// is told how to get past it, as the app is: --forward-insecure covers
// mirrors too.
func TestListenMirrorTLSHint(t *testing.T) {
	p, _, errb := listenPrinter(false, false)
	r := listenRecord("a", 200)
	r.Mirrors = []capture.Forward{{URL: "https://localhost:3001/m", Error: "TLS certificate of localhost:3001 is not trusted", ErrorKind: "tls"}}
	p.Delivery(listener.Delivery{Record: r})
	if want := "hooktool: hint: for a local mirror with a self-signed certificate, pass --forward-insecure (it covers --mirror too)\n"; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr\n%s\nwant %q", errb, want)
	}
	// Another TLS failure is not a certificate to skip.
	p, _, errb = listenPrinter(false, false)
	r = listenRecord("b", 200)
	r.Mirrors = []capture.Forward{{URL: "https://localhost:3001/m", Error: "TLS handshake with localhost:3001 failed: the server does not speak HTTPS", ErrorKind: "tls"}}
	p.Delivery(listener.Delivery{Record: r})
	if strings.Contains(errb.String(), "--forward-insecure") {
		t.Errorf("a handshake failure told to skip the certificate check:\n%s", errb)
	}
}
