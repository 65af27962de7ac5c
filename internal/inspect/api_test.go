package inspect

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/export"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// inspector is a running Server over real capture files, its index
// following them.
type inspector struct {
	t    testing.TB
	srv  *Server
	ix   *Index
	base string // http://127.0.0.1:PORT
}

func startInspector(t testing.TB, o Options, paths ...string) *inspector {
	t.Helper()
	ix, err := NewIndex(paths, IndexOptions{Keep: 8})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { ix.Follow(ctx); close(followed) }()
	o.Index = ix
	srv := New(o)
	ls, err := srv.Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ls) }()
	t.Cleanup(func() {
		cancel()
		srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		<-followed
		ix.Close()
	})
	return &inspector{t: t, srv: srv, ix: ix, base: "http://127.0.0.1:" + strconv.Itoa(srv.Port())}
}

// get sends GET path with the token (as the page does, in its cookie).
func (in *inspector) get(path string) *http.Response {
	in.t.Helper()
	req, err := http.NewRequest("GET", in.base+path, nil)
	if err != nil {
		in.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: in.srv.cookieName(), Value: in.srv.token})
	return in.do(req)
}

func (in *inspector) do(req *http.Request) *http.Response {
	in.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		in.t.Fatal(err)
	}
	in.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// getJSON GETs path, wants status, and decodes the answer into v; it
// returns the raw answer.
func (in *inspector) getJSON(path string, status int, v any) string {
	in.t.Helper()
	resp := in.get(path)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		in.t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, b, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		in.t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			in.t.Fatalf("GET %s: %v: %s", path, err, b)
		}
	}
	return string(b)
}

func summaryIDs(ss []Summary) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func TestAPIListPagesAndFilters(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 30)
	writeFile(t, path, recs...)
	in := startInspector(t, Options{}, path)

	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		var ans ListAnswer
		in.getJSON("/api/deliveries?limit=7&cursor="+cursor, 200, &ans)
		if ans.Total != 30 || len(ans.Deliveries) > 7 {
			t.Fatalf("page %d: total %d, %d deliveries", pages, ans.Total, len(ans.Deliveries))
		}
		got = append(got, summaryIDs(ans.Deliveries)...)
		if ans.Next == "" {
			break
		}
		cursor = ans.Next
	}
	if !slices.Equal(got, reversed(recIDs(recs))) {
		t.Fatalf("paged: %v", got)
	}

	var ans ListAnswer
	in.getJSON("/api/deliveries?event=charge.failed&where=data.amount%3E2000&where=record.method==POST", 200, &ans)
	if want := reversed(pick(recs, func(i int) bool { return i%2 == 1 && i > 20 })); !slices.Equal(summaryIDs(ans.Deliveries), want) {
		t.Fatalf("filtered: %v, want %v", summaryIDs(ans.Deliveries), want)
	}
	in.getJSON("/api/deliveries?q=EVT_12%22", 200, &ans)
	if want := []string{recs[12].ID}; !slices.Equal(summaryIDs(ans.Deliveries), want) {
		t.Fatalf("text: %v", summaryIDs(ans.Deliveries))
	}
	s := ans.Deliveries[0]
	if s.Event != "charge.succeeded" || s.Verdict != "valid" || !s.Valid || s.Answer.Status != 200 || s.BodySize != len(recs[12].Body) || s.Method != "POST" || s.Path != "/hooks/stripe" {
		t.Fatalf("summary: %+v", s)
	}

	for _, bad := range []string{"limit=0", "limit=501", "limit=x", "cursor=-2", "cursor=x", "where=data.amount", "where=x~%5B"} {
		var e map[string]string
		in.getJSON("/api/deliveries?"+bad, 400, &e)
		if e["error"] == "" {
			t.Errorf("%s: no error said", bad)
		}
	}
}

// hostileRecord carries a secret the run knows, credentials, header bytes
// that are not UTF-8 and a body that is not UTF-8.
func hostileRecord() *capture.Record {
	r := delivery(0, "charge.failed", "")
	r.SetBody([]byte("\xff\x00binary"))
	r.Headers = http.Header{
		"Authorization": {"Bearer tok_live"},
		"Cookie":        {"session=abc"},
		"X-Echo":        {"echo s3cret echo"},
		"X-Bytes":       {"caf\xe9"},
		"Content-Type":  {"application/octet-stream"},
	}
	r.EncodeHeaders()
	r.Query = "a=1&token=s3cret"
	r.Verdict = &signature.Verdict{Scheme: "stripe", Reason: "mismatch", Message: "no v1 matches (secret s3cret?)", Hints: []string{"the body was changed on the way"}}
	r.Answer = capture.Answer{Status: 400, Reason: "signature invalid"}
	r.Forward = &capture.Forward{URL: "http://127.0.0.1:3000/hooks?key=s3cret", Status: 502, LatencyMS: 12.5, Body: "app says s3cret"}
	return r
}

func TestAPIDetailHidesSecretsAndKeepsBytes(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	rec := hostileRecord()
	writeFile(t, path, rec, delivery(1, "charge.succeeded", amountBody(1)))
	in := startInspector(t, Options{Redactor: signature.NewRedactor(nil, []signature.Secret{signature.NewSecret("s3cret")})}, path)

	var d Detail
	raw := in.getJSON("/api/deliveries/"+rec.ID, 200, &d)
	for _, secret := range []string{"s3cret", "tok_live", "session=abc"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the detail holds %q: %s", secret, raw)
		}
	}
	want := []HeaderShown{
		{Name: "Authorization", Values: []string{"[redacted]"}, Redacted: true},
		{Name: "Content-Type", Values: []string{"application/octet-stream"}},
		{Name: "Cookie", Values: []string{"[redacted]"}, Redacted: true},
		{Name: "X-Bytes", Values: []string{"caf\ufffd"}, NotUTF8: true},
		{Name: "X-Echo", Values: []string{"[redacted]"}, Redacted: true},
	}
	gotH, _ := json.Marshal(d.Headers)
	wantH, _ := json.Marshal(want)
	if string(gotH) != string(wantH) {
		t.Errorf("headers:\n%s\nwant\n%s", gotH, wantH)
	}
	if d.Body.Encoding != "base64" || d.Body.Text != "" || d.Body.JSON || d.Body.Size != 8 {
		t.Errorf("body: %+v", d.Body)
	}
	if b, _ := base64.StdEncoding.DecodeString(d.Body.Base64); string(b) != "\xff\x00binary" {
		t.Errorf("body base64 is %q", b)
	}
	if d.Signature == nil || d.Signature.Reason != "mismatch" || d.Signature.Message != "no v1 matches (secret [redacted]?)" ||
		!slices.Equal(d.Signature.Hints, []string{"the body was changed on the way"}) || d.Verdict != "mismatch" || d.Valid {
		t.Errorf("signature: %+v, verdict %q", d.Signature, d.Verdict)
	}
	if d.Forward == nil || d.Forward.Status != 502 || d.Forward.LatencyMS != 12.5 || d.Forward.Body != "app says [redacted]" || !strings.HasPrefix(d.Forward.URL, "http://127.0.0.1:3000/hooks?key=") {
		t.Errorf("forward: %+v", d.Forward)
	}
	if d.Answer.Status != 400 || d.Answer.Reason != "signature invalid" {
		t.Errorf("answer: %+v", d.Answer)
	}

	// The bytes as received, as a download.
	resp := in.get("/api/deliveries/" + rec.ID + "/body")
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "\xff\x00binary" || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("raw body %q, headers %v", b, resp.Header)
	}

	// A JSON body is text, and said to be JSON.
	var d2 Detail
	in.getJSON("/api/deliveries/"+delivery(1, "", "").ID, 200, &d2)
	if d2.Body.Encoding != "utf8" || d2.Body.Text != amountBody(1) || !d2.Body.JSON {
		t.Errorf("json body: %+v", d2.Body)
	}

	var e map[string]string
	in.getJSON("/api/deliveries/NOSUCH", 404, &e)
}

// har is the part of a HAR document checked here.
type har struct {
	Log struct {
		Entries []struct {
			Comment string `json:"comment"`
			Request struct {
				URL     string `json:"url"`
				Headers []struct{ Name, Value string }
			} `json:"request"`
		} `json:"entries"`
	} `json:"log"`
}

func TestAPIHAROneSelectedAllShown(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := append([]*capture.Record{hostileRecord()}, deliveries(1, 9)...)
	writeFile(t, path, recs...)
	in := startInspector(t, Options{Version: "v-test", Redactor: signature.NewRedactor(nil, []signature.Secret{signature.NewSecret("s3cret")})}, path)

	getHAR := func(p string) (har, string) {
		resp := in.get(p)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("GET %s: %d %v %s", p, resp.StatusCode, resp.Header, b)
		}
		var h har
		if err := json.Unmarshal(b, &h); err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		return h, string(b)
	}
	comments := func(h har) []string {
		var out []string
		for _, e := range h.Log.Entries {
			out = append(out, e.Comment)
		}
		return out
	}

	one, raw := getHAR("/api/deliveries/" + recs[0].ID + "/har")
	if !slices.Equal(comments(one), []string{recs[0].ID}) {
		t.Fatalf("one: %v", comments(one))
	}
	for _, secret := range []string{"s3cret", "tok_live", "session=abc"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the HAR holds %q", secret)
		}
	}
	for _, h := range one.Log.Entries[0].Request.Headers {
		if (h.Name == "Authorization" || h.Name == "X-Echo") && h.Value != "[redacted]" {
			t.Errorf("HAR header %s: %q", h.Name, h.Value)
		}
		if h.Name == "X-Bytes" && h.Value != "caf\ufffd" {
			t.Errorf("HAR header X-Bytes: %q", h.Value)
		}
	}

	sel, _ := getHAR("/api/har?id=" + recs[3].ID + "&id=" + recs[5].ID)
	if !slices.Equal(comments(sel), []string{recs[3].ID, recs[5].ID}) {
		t.Fatalf("selected: %v", comments(sel))
	}
	shown, _ := getHAR("/api/har?event=charge.failed")
	if want := reversed(pick(recs, func(i int) bool { return i%2 == 1 || i == 0 })); !slices.Equal(comments(shown), want) {
		t.Fatalf("all shown: %v, want %v", comments(shown), want)
	}
	var e map[string]string
	in.getJSON("/api/har?id=NOSUCH", 404, &e)
}

// sse reads a Server-Sent Events stream.
type sse struct{ r *bufio.Reader }

// next returns the next event's name, id and data.
func (s sse) next(t testing.TB) (event, id, data string) {
	t.Helper()
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended: %v", err)
		}
		l = strings.TrimSuffix(l, "\n")
		switch {
		case l == "" && event != "":
			return event, id, data
		case strings.HasPrefix(l, "event: "):
			event = strings.TrimPrefix(l, "event: ")
		case strings.HasPrefix(l, "id: "):
			id = strings.TrimPrefix(l, "id: ")
		case strings.HasPrefix(l, "data: "):
			data = strings.TrimPrefix(l, "data: ")
		}
	}
}

func TestAPIEventsStreamWhatIsAppended(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 5)
	writeFile(t, path, recs[:2]...)
	in := startInspector(t, Options{}, path)

	all := in.get("/api/events")
	failed := in.get("/api/events?event=charge.failed")
	if ct := all.Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	// Appended by the writer `listen --save` uses, while the streams are
	// open.
	w, err := capture.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[2:] {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()

	s := sse{bufio.NewReader(all.Body)}
	for i := 2; i < 5; i++ {
		ev, id, data := s.next(t)
		var sum Summary
		if err := json.Unmarshal([]byte(data), &sum); err != nil {
			t.Fatal(err)
		}
		if ev != "delivery" || id != strconv.Itoa(i) || sum.ID != recs[i].ID || sum.Seq != i || sum.Event != recs[i].Event {
			t.Fatalf("event %q id %q: %+v, want %s", ev, id, sum, recs[i].ID)
		}
	}
	ev, id, _ := sse{bufio.NewReader(failed.Body)}.next(t)
	if ev != "delivery" || id != "3" {
		t.Fatalf("filtered stream: %s %s, want delivery 3 (the one charge.failed)", ev, id)
	}

	// Reconnecting with Last-Event-ID, as a browser does, sends what came
	// after it.
	req, _ := http.NewRequest("GET", in.base+"/api/events", nil)
	req.Header.Set("X-Hooktool-Token", in.srv.token)
	req.Header.Set("Last-Event-ID", "2")
	ev, id, _ = sse{bufio.NewReader(in.do(req).Body)}.next(t)
	if ev != "delivery" || id != "3" {
		t.Fatalf("after Last-Event-ID 2: %s %s", ev, id)
	}
}

// TestAPIEventsResetWhenFarBehind: a stream asked to start further back
// than a page says "reset" rather than send them all.
func TestAPIEventsResetWhenFarBehind(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	writeFile(t, path, deliveries(0, MaxLimit+3)...)
	in := startInspector(t, Options{}, path)
	ev, _, data := sse{bufio.NewReader(in.get("/api/events?after=0").Body)}.next(t)
	if ev != "reset" || data != `{"seq":`+strconv.Itoa(MaxLimit+2)+`}` {
		t.Fatalf("%s %s", ev, data)
	}
}

func TestSafetyHost(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	writeFile(t, path, deliveries(0, 1)...)
	in := startInspector(t, Options{}, path)
	port := strconv.Itoa(in.srv.Port())
	for host, want := range map[string]int{
		"127.0.0.1:" + port:    200,
		"localhost:" + port:    200,
		"LocalHost:" + port:    200,
		"[::1]:" + port:        200,
		"evil.example:" + port: http.StatusMisdirectedRequest, // DNS rebinding
		"127.0.0.1":            http.StatusMisdirectedRequest,
		"127.0.0.1:1":          http.StatusMisdirectedRequest,
		"localhost.:" + port:   http.StatusMisdirectedRequest,
		"127.0.0.2:" + port:    http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest("GET", in.base+"/api/deliveries", nil)
		req.Host = host
		req.Header.Set("X-Hooktool-Token", in.srv.token)
		if got := in.do(req).StatusCode; got != want {
			t.Errorf("Host %q: %d, want %d", host, got, want)
		}
	}
}

func TestSafetyToken(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	writeFile(t, path, deliveries(0, 1)...)
	in := startInspector(t, Options{}, path)

	// The URL printed sets the cookie and drops the token from the address.
	resp := in.do(mustRequest(t, "GET", in.srv.URL()))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("the URL printed: %d %v", resp.StatusCode, resp.Header)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Value != in.srv.token || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Path != "/" {
		t.Fatalf("cookie: %+v", cookies)
	}
	req := mustRequest(t, "GET", in.base+"/")
	req.AddCookie(cookies[0])
	if resp := in.do(req); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("the page with the cookie: %d", resp.StatusCode)
	}

	for name, set := range map[string]func(*http.Request){
		"none": func(*http.Request) {},
		"wrong cookie": func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: in.srv.cookieName(), Value: otherFirst(in.srv.token)})
		},
		"wrong header": func(r *http.Request) { r.Header.Set("X-Hooktool-Token", in.srv.token[:31]) },
		"another port's cookie": func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: "hooktool_inspect_1", Value: in.srv.token})
		},
	} {
		for _, p := range []string{"/api/deliveries", "/api/events", "/api/har", "/"} {
			req := mustRequest(t, "GET", in.base+p)
			set(req)
			if got := in.do(req).StatusCode; got != http.StatusForbidden {
				t.Errorf("%s token, GET %s: %d", name, p, got)
			}
		}
	}
	if got := in.do(mustRequest(t, "GET", in.base+"/?token=wrong")).StatusCode; got != http.StatusForbidden {
		t.Errorf("a wrong token in the URL: %d", got)
	}
}

// otherFirst is token with its first character changed: a token one
// character off (Base62 may start with any letter, "x" too).
func otherFirst(token string) string {
	if token[0] == 'x' {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestSafetyOrigin: a request that could change state needs the token and
// no foreign Origin; a request the browser says is from another site is
// refused whatever it is. (No endpoint changes state yet: a POST that
// passes the guard reaches the router, which answers 405.)
func TestSafetyOrigin(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	writeFile(t, path, deliveries(0, 1)...)
	in := startInspector(t, Options{}, path)
	port := strconv.Itoa(in.srv.Port())
	cases := []struct {
		method, origin, site string
		token                bool
		want                 int
	}{
		{"POST", "", "", true, http.StatusMethodNotAllowed},
		{"POST", "http://127.0.0.1:" + port, "same-origin", true, http.StatusMethodNotAllowed},
		{"POST", "http://localhost:" + port, "", true, http.StatusMethodNotAllowed},
		{"POST", "http://evil.example", "cross-site", true, http.StatusForbidden},
		{"POST", "http://evil.example", "", true, http.StatusForbidden},
		{"POST", "null", "", true, http.StatusForbidden},
		{"POST", "http://127.0.0.1:1", "", true, http.StatusForbidden},
		{"POST", "https://127.0.0.1:" + port, "", true, http.StatusForbidden},
		{"POST", "", "", false, http.StatusForbidden},
		{"DELETE", "http://127.0.0.1:" + port, "", false, http.StatusForbidden},
		{"GET", "", "cross-site", true, http.StatusForbidden},
		{"GET", "", "same-site", true, http.StatusForbidden},
		{"GET", "", "none", true, http.StatusOK},
	}
	for _, c := range cases {
		req := mustRequest(t, c.method, in.base+"/api/deliveries")
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if c.site != "" {
			req.Header.Set("Sec-Fetch-Site", c.site)
		}
		if c.token {
			req.AddCookie(&http.Cookie{Name: in.srv.cookieName(), Value: in.srv.token})
		}
		if got := in.do(req).StatusCode; got != c.want {
			t.Errorf("%s Origin %q Sec-Fetch-Site %q token %v: %d, want %d", c.method, c.origin, c.site, c.token, got, c.want)
		}
	}
}

func TestSafetyHeadersOnEveryAnswer(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	recs := deliveries(0, 1)
	writeFile(t, path, recs...)
	in := startInspector(t, Options{}, path)
	check := func(what string, resp *http.Response) {
		t.Helper()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") && !strings.Contains(csp, "sandbox") {
			t.Errorf("%s: CSP %q allows framing", what, csp)
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", what, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: %v", what, resp.Header)
		}
	}
	for _, p := range []string{"/", "/assets/app.js", "/assets/style.css", "/api/deliveries", "/api/deliveries/" + recs[0].ID,
		"/api/deliveries/" + recs[0].ID + "/body", "/api/deliveries/" + recs[0].ID + "/har", "/api/har", "/api/deliveries/NOSUCH", "/nosuch"} {
		check(p, in.get(p))
	}
	check("no token", in.do(mustRequest(t, "GET", in.base+"/api/deliveries")))
	page := in.get("/")
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("the page's CSP: %q", csp)
	}
	b, _ := io.ReadAll(page.Body)
	if strings.Contains(string(b), "<script>") || strings.Contains(string(b), " style=") || strings.Contains(string(b), "onclick") {
		t.Errorf("the page has inline script or style")
	}
}

// TestHostileContentComesBackAsJSONStrings: markup in a delivery's body,
// path, event, headers and query reaches the page only inside JSON
// strings, with <, > and & escaped, never as HTML.
func TestHostileContentComesBackAsJSONStrings(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	xss := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	rec := delivery(0, xss, `{"html":"`+strings.ReplaceAll(xss, `"`, `\"`)+`","href":"javascript:alert(3)"}`)
	rec.Path = "/<script>alert(1)</script>"
	rec.Query = "q=<img/src=x/onerror=alert(4)>"
	rec.Headers.Set("X-Html", xss)
	rec.Answer.Reason = xss
	rec.Forward = &capture.Forward{URL: "http://127.0.0.1:3000/", Status: 500, Error: xss, Body: xss}
	writeFile(t, path, rec)
	in := startInspector(t, Options{}, path)
	// The stream, opened before a second hostile delivery comes.
	stream := sse{bufio.NewReader(in.get("/api/events").Body)}
	rec2 := *rec
	rec2.ID = rec.ID[:len(rec.ID)-1] + "Z"
	appendRaw(t, path, line(t, &rec2))

	noMarkup := func(what, body string) {
		t.Helper()
		for _, m := range []string{"<script", "<img", "</"} {
			if strings.Contains(body, m) {
				t.Errorf("%s holds %q unescaped: %s", what, m, body)
			}
		}
	}
	_, _, data := stream.next(t)
	noMarkup("the stream", data)
	var sum Summary
	if err := json.Unmarshal([]byte(data), &sum); err != nil || sum.Event != xss || sum.ID != rec2.ID {
		t.Fatalf("stream: %+v %v", sum, err)
	}
	var ans ListAnswer
	noMarkup("the list", in.getJSON("/api/deliveries", 200, &ans))
	if len(ans.Deliveries) != 2 || ans.Deliveries[1].Event != xss || ans.Deliveries[1].Path != rec.Path || ans.Deliveries[1].Query != rec.Query {
		t.Fatalf("list: %+v", ans.Deliveries)
	}
	var d Detail
	noMarkup("the detail", in.getJSON("/api/deliveries/"+rec.ID, 200, &d))
	if d.Body.Text != rec.Body || d.Event != xss || d.Forward.Error != xss || d.Answer.Reason != xss {
		t.Fatalf("detail: %+v", d)
	}
	for _, h := range d.Headers {
		if h.Name == "X-Html" && h.Values[0] != xss {
			t.Fatalf("header: %+v", h)
		}
	}
	var e map[string]string
	noMarkup("an error", in.getJSON("/api/deliveries/%3Cscript%3E", 404, &e))
	noMarkup("a filter error", in.getJSON("/api/deliveries?where=%3Cscript%3E", 400, &e))
}

func TestListenBindsLoopbackOnly(t *testing.T) {
	srv := New(Options{})
	ls, err := srv.Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for _, l := range ls {
		addr := l.Addr().(*net.TCPAddr)
		if !addr.IP.IsLoopback() || addr.Port != srv.Port() {
			t.Errorf("bound %v, port %d", addr, srv.Port())
		}
	}
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:"+strconv.Itoa(srv.Port())+"/?token=") {
		t.Errorf("URL %s", srv.URL())
	}
}

// TestCloseBeforeServe: a server closed between Listen and Serve (Ctrl-C
// as it starts) does not serve.
func TestCloseBeforeServe(t *testing.T) {
	srv := New(Options{})
	ls, err := srv.Listen(0)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := srv.Serve(ls); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Dial("tcp", ls[0].Addr().String()); err == nil {
		t.Fatal("still listening")
	}
}

// TestAPIEventsFloodIsAReset: deliveries coming faster than EventEvery are
// sent together; a batch of more than MaxLimit is a reset (the page lists
// again), not an event each.
func TestAPIEventsFloodIsAReset(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	writeFile(t, path, deliveries(0, 1)...)
	in := startInspector(t, Options{EventEvery: 2 * time.Second}, path)
	stream := sse{bufio.NewReader(in.get("/api/events").Body)}
	w, err := capture.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Append(delivery(1, "e", "{}")); err != nil {
		t.Fatal(err)
	}
	if ev, id, _ := stream.next(t); ev != "delivery" || id != "1" {
		t.Fatalf("the first: %s %s, want delivery 1", ev, id)
	}
	// A flood, in three waves each indexed before the next (without the
	// batching, each wave was sent as events of its own), all before the
	// stream may write again.
	n := 2
	for range 3 {
		for range MaxLimit/2 + 1 {
			if err := w.Append(delivery(n, "e", "{}")); err != nil {
				t.Fatal(err)
			}
			n++
		}
		for in.ix.Len() < n {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if ev, _, data := stream.next(t); ev != "reset" || data != `{"seq":`+strconv.Itoa(n-1)+`}` {
		t.Fatalf("after the flood: %s %s, want a reset to %d", ev, data, n-1)
	}
}

// TestAPICurlIsTheExportersCommand: the page's "Copy curl" is export.Curl's
// command (every value shell-quoted, framing headers left out), with the
// secrets "[redacted]", served by GET /api/deliveries/{id}/curl; the page
// no longer writes one of its own.
func TestAPICurlIsTheExportersCommand(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	d := delivery(0, "e", `{"note":"it's $(touch pwned)"}`)
	d.Headers.Set("X-Evil", "a'b; rm -rf ~")
	d.Headers.Set("Transfer-Encoding", "chunked")
	d.Headers.Set("Authorization", "Bearer "+testSecret)
	d.Host = "127.0.0.1:4242"
	d.Query = "token=" + testSecret
	writeFile(t, path, d)
	secret := signature.NewSecret(testSecret)
	in := startInspector(t, Options{Redactor: signature.NewRedactor(nil, []signature.Secret{secret})}, path)
	var got struct{ Curl string }
	in.getJSON("/api/deliveries/"+d.ID+"/curl", http.StatusOK, &got)
	var want strings.Builder
	shown := *d
	shown.Headers = d.Headers.Clone()
	shown.Headers.Set("Authorization", signature.Redacted)
	shown.Query = "token=%5Bredacted%5D"
	if _, err := export.Curl(&want, &shown, nil, httpx.PathReplace); err != nil {
		t.Fatal(err)
	}
	if got.Curl != want.String() {
		t.Errorf("curl:\n%s\nwant export.Curl's:\n%s", got.Curl, want.String())
	}
	if strings.Contains(got.Curl, testSecret) || strings.Contains(got.Curl, "Transfer-Encoding") || !strings.Contains(got.Curl, `'X-Evil: a'\''b; rm -rf ~'`) {
		t.Errorf("curl command:\n%s", got.Curl)
	}
}
