package cli

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSecretInQueryNeverKeptOrShown: a configured secret in a delivery's
// query string (?token=SECRET, as it came or %-escaped) is kept as
// [redacted] (named by redacted_query), shown by no command, and put back
// by replay, so the target gets the query as it was sent.
func TestSecretInQueryNeverKeptOrShown(t *testing.T) {
	sandbox(t)
	const secret = "hk-query-SECRET-7x9Q"
	escaped := "hk%2Dquery%2dSECRET-7x9Q" // the same, partly %-escaped
	t.Setenv("HOOKTOOL_SECRET", secret)
	app := newSecApp(t, "ok")
	hidden := func(place, text string) {
		t.Helper()
		if strings.Contains(text, secret) || strings.Contains(text, escaped) || strings.Contains(strings.ToLower(text), strings.ToLower(escaped)) {
			t.Errorf("%s shows the secret from the query:\n%s", place, text)
		}
	}
	send := func(url string) {
		t.Helper()
		resp, err := http.Post(url, "application/json", strings.NewReader(`{"event":"transfer.completed"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for _, mode := range []string{"text", "json"} {
		args := []string{"--scheme", "github", "--save", mode + ".jsonl", "--exit-after", "2", "--timeout", "20s", "--verbose", "--forward-to", app.srv.URL + "/app", "--path-prefix"}
		if mode == "json" {
			args = append(args, "--json")
		}
		l := secListen(t, args...)
		send(l.url + "/hook?token=" + secret + "&a=%41+b")
		send(l.url + "/hook?a=1&token=" + escaped)
		code, out, errs := l.wait(t)
		if code != ExitOK {
			t.Fatalf("listen (%s): exit %d: %s", mode, code, errs)
		}
		hidden("listen ("+mode+")", out+errs)
		if !strings.Contains(out, "token=%5Bredacted%5D&a=%41+b") {
			t.Errorf("listen (%s) does not show the query, redacted and otherwise exact:\n%s", mode, out)
		}
	}
	// The app got the real query.
	if got := app.reqs[0].uri; got != "/app/hook?token="+secret+"&a=%41+b" {
		t.Errorf("the app got %q", got)
	}
	data, _ := os.ReadFile("text.jsonl")
	hidden("the capture file", string(data))
	if strings.Count(string(data), `"redacted_query":true`) != 2 {
		t.Errorf("the capture does not record that the query was redacted:\n%s", data)
	}
	id := regexp.MustCompile(`"id":"([0-9A-Z]{26})"`).FindStringSubmatch(string(data))[1]
	for _, args := range [][]string{
		{"captures", "list", "text.jsonl"},
		{"captures", "list", "text.jsonl", "--json"},
		{"captures", "show", "text.jsonl", id},
		{"captures", "export", "text.jsonl", "--format", "har"},
		{"captures", "export", "text.jsonl", "--format", "curl"},
	} {
		code, out, errs := run(t, "", args...)
		if code != ExitOK {
			t.Errorf("%s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		hidden(strings.Join(args, " "), out+errs)
	}
	// replay puts the secret back: the target gets the query as sent.
	target := newSecApp(t, "ok")
	for _, extra := range []string{"", "--json"} {
		args := []string{"replay", "text.jsonl", "--to", target.srv.URL}
		if extra != "" {
			args = append(args, extra)
		}
		code, out, errs := secRun(t, "", args...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
		}
		hidden(strings.Join(args, " "), out+errs)
	}
	if got := target.reqs[0].uri; got != "/hook?token="+secret+"&a=%41+b" {
		t.Errorf("replay sent %q, want the query as received", got)
	}
	if got := target.reqs[1].uri; got != "/hook?a=1&token="+secret {
		t.Errorf("replay sent %q, want the escaped secret back (escaped)", got)
	}
	// Without the secret, replay says so and sends the query as kept.
	t.Setenv("HOOKTOOL_SECRET", "")
	code, out, errs := secRun(t, "", "replay", "text.jsonl", "--to", target.srv.URL, "--id", id)
	if code != ExitOK || !strings.Contains(errs, "query redacted") {
		t.Errorf("replay without the secret: exit %d: %s%s", code, out, errs)
	}
}

// TestVerifyCapturesRedactedQuery: a scheme that signs the URL is checked
// against the query as it came: verify puts the secret back first.
func TestVerifyCapturesRedactedQuery(t *testing.T) {
	sandbox(t)
	const secret = "hk-urlsig-SECRET-3k8W"
	t.Setenv("HOOKTOOL_SECRET", secret)
	scheme := []string{"--scheme", "hmac", "--hmac-header", "X-Sig", "--hmac-template", "{url}:{body}"}
	l := secListen(t, append(scheme, "--save", "u.jsonl", "--exit-after", "1", "--timeout", "20s", "--expect-valid")...)
	url := l.url + "/hook?token=" + secret
	writeFile(t, "body.json", []byte(`{"event":"x"}`))
	code, out, errs := run(t, "", append([]string{"sign", "--payload", "body.json", "--to", url}, scheme...)...)
	if code != ExitOK {
		t.Fatalf("sign: %d %s", code, errs)
	}
	req, _ := http.NewRequest("POST", url, strings.NewReader(`{"event":"x"}`))
	req.Header.Set("X-Sig", strings.TrimSpace(strings.TrimPrefix(out, "X-Sig:")))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _, errs := l.wait(t); code != ExitOK {
		t.Fatalf("listen: %d %s", code, errs)
	}
	if code, out, errs := run(t, "", append([]string{"verify", "u.jsonl"}, scheme...)...); code != ExitOK || strings.Contains(out+errs, secret) {
		t.Errorf("verify of a capture with a redacted query: exit %d: %s%s", code, out, errs)
	}
}
