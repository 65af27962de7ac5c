package listener

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// ---- helpers ---------------------------------------------------------------

// memStore is an Appender that keeps each record as JSON at the moment it was
// appended, so later changes to the record cannot hide what was kept.
type memStore struct {
	mu    sync.Mutex
	lines [][]byte
	err   error
}

func (s *memStore) Append(r *capture.Record) error {
	if s.err != nil {
		return s.err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.lines = append(s.lines, b)
	s.mu.Unlock()
	return nil
}

func (s *memStore) records(t *testing.T) []*capture.Record {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*capture.Record
	for _, b := range s.lines {
		var r capture.Record
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, &r)
	}
	return out
}

// harness runs a Handler on loopback and collects what OnDelivery sees.
type harness struct {
	srv   *httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	got   []Delivery
}

func serve(t *testing.T, o Options) *harness {
	t.Helper()
	return serveOn(t, o, nil)
}

func serveOn(t *testing.T, o Options, ln net.Listener) *harness {
	t.Helper()
	h := &harness{}
	o.OnDelivery = func(d Delivery) {
		h.calls.Add(1)
		h.mu.Lock()
		h.got = append(h.got, d)
		h.mu.Unlock()
	}
	h.srv = httptest.NewUnstartedServer(mustNew(t, o))
	if ln != nil {
		h.srv.Listener.Close()
		h.srv.Listener = ln
	}
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	return h
}

// deliveries closes the server, which waits for every handler to return, and
// gives what OnDelivery saw.
func (h *harness) deliveries() []Delivery {
	h.srv.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Delivery(nil), h.got...)
}

// one closes the server and requires exactly one OnDelivery call.
func (h *harness) one(t *testing.T) Delivery {
	t.Helper()
	ds := h.deliveries()
	if len(ds) != 1 {
		t.Fatalf("OnDelivery called %d times, want exactly 1", len(ds))
	}
	if ds[0].Record == nil {
		t.Fatal("Delivery.Record is nil")
	}
	return ds[0]
}

type response struct {
	status int
	header http.Header
	body   []byte
	close  bool // the server said Connection: close
}

func (h *harness) do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b, resp.Close}
}

func (h *harness) post(t *testing.T, target string, body []byte, hdr http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return h.do(t, req)
}

// raw sends raw bytes on a new connection to addr and reads one response.
func raw(t *testing.T, addr, request string) response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b, resp.Close}
}

func github(t *testing.T) signature.Scheme {
	t.Helper()
	s, err := signature.Lookup("github", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signed returns the github signature headers of body under secret.
func signed(t *testing.T, secret string, body []byte) http.Header {
	t.Helper()
	fields, err := signature.Sign(github(t), signature.NewSecret(secret), signature.SignInput{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for _, f := range fields {
		h.Add(f.Name, f.Value)
	}
	return h
}

func readCapture(t *testing.T, path string) []*capture.Record {
	t.Helper()
	var out []*capture.Record
	err := capture.ReadFile(path, capture.ReadOptions{Warn: func(s string) { t.Errorf("capture warning: %s", s) }},
		func(r *capture.Record, _ int) error { out = append(out, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newWriter(t *testing.T) (*capture.Writer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "capture.jsonl")
	w, err := capture.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, path
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func bodyOf(t *testing.T, r *capture.Record) []byte {
	t.Helper()
	b, err := r.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// app is the user's app that deliveries are forwarded to.
type app struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []appHit
}

type appHit struct {
	Method, Host, RequestURI, EscapedPath, RawQuery string
	Header                                          http.Header
	Body                                            []byte
}

func newApp(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *app {
	t.Helper()
	a := &app{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.hits = append(a.hits, appHit{r.Method, r.Host, r.RequestURI, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), b})
		a.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func answering(status int, contentType, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func (a *app) host() string { return a.srv.Listener.Addr().String() }

func (a *app) got() []appHit {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]appHit(nil), a.hits...)
}

// hostRecorder sees every request the forwarding client makes.
type hostRecorder struct {
	rt    http.RoundTripper
	mu    sync.Mutex
	hosts []string
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.hosts = append(h.hosts, r.URL.Host+" "+r.Host)
	h.mu.Unlock()
	return h.rt.RoundTrip(r)
}

// forwarder forwards to target, an absolute URL, under rule.
func forwarder(t testing.TB, target string, rule httpx.PathRule, c *delivery.Client, extra http.Header) *Forwarder {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewForwarder(u, rule, c, extra)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func client(timeout time.Duration) *delivery.Client {
	return delivery.New(delivery.Options{Timeout: timeout})
}

// ---- tests -----------------------------------------------------------------

// TestSignedDeliveryIsKeptExactly follows one signed delivery into a real
// capture file and out through OnDelivery and the answer.
func TestSignedDeliveryIsKeptExactly(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 8000000, time.FixedZone("X", 3600))
	w, path := newWriter(t)
	h := serve(t, Options{
		Scheme: github(t), Secrets: []signature.Secret{signature.NewSecret("s3cret")},
		Provider: "acme", EventPath: "event", WebhookPath: "/hooks/acme",
		Store: w, Now: func() time.Time { return now },
	})
	body := []byte(`{"event":"payment.succeeded","data":{"amount":100}}` + "\n")
	hdr := signed(t, "s3cret", body)
	hdr.Add("X-Multi", "first")
	hdr.Add("X-Multi", "second")
	hdr.Add("X-Multi", "third")
	hdr.Set("Content-Type", "application/json")
	hdr.Set("User-Agent", "acme-hooks/2")
	resp := h.post(t, "/hooks/acme?b=2&a=1&a=0", body, hdr)
	d := h.one(t)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	if resp.status != http.StatusOK {
		t.Fatalf("status %d, want 200 (%s)", resp.status, resp.body)
	}
	rec := d.Record
	if d.Refused != "" || d.SaveErr != nil || d.ForwardErr != nil {
		t.Errorf("delivery %+v: want no refusal or error", d)
	}
	if !bytes.Contains(resp.body, []byte(rec.ID)) || rec.ID == "" {
		t.Errorf("answer %q does not name record id %q", resp.body, rec.ID)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("answer content type %q", ct)
	}
	if got := bodyOf(t, rec); !bytes.Equal(got, body) {
		t.Errorf("record body %q, want %q", got, body)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"V", rec.V, capture.Version},
		{"ReceivedAt", rec.ReceivedAt.Equal(now) && rec.ReceivedAt.Location() == time.UTC, true},
		{"ID time part", rec.ID[:10], capture.NewID(now)[:10]},
		{"Method", rec.Method, "POST"},
		{"Path", rec.Path, "/hooks/acme"},
		{"Query", rec.Query, "b=2&a=1&a=0"},
		{"Host", rec.Host, h.srv.Listener.Addr().String()},
		{"Proto", rec.Proto, "HTTP/1.1"},
		{"RemoteAddr is loopback", strings.HasPrefix(rec.RemoteAddr, "127.0.0.1:"), true},
		{"X-Multi", rec.Headers["X-Multi"], []string{"first", "second", "third"}},
		{"signature header", rec.Headers.Get("X-Hub-Signature-256"), hdr.Get("X-Hub-Signature-256")},
		{"User-Agent", rec.Headers.Get("User-Agent"), "acme-hooks/2"},
		{"BodySize", rec.BodySize, len(body)},
		{"BodyEncoding", rec.BodyEncoding, capture.BodyUTF8},
		{"Provider", rec.Provider, "acme"},
		{"Scheme", rec.Scheme, "github"},
		{"Event", rec.Event, "payment.succeeded"},
		{"Route", rec.Route, "webhook"},
		{"Verdict != nil", rec.Verdict != nil, true},
		{"Matched", rec.Matched, true},
		{"Answer", rec.Answer, capture.Answer{Status: 200}},
		{"Forward", rec.Forward == nil, true},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if v := rec.Verdict; v == nil || !v.Valid || v.Reason != signature.ReasonValid || v.Scheme != "github" || v.SecretIndex != 1 {
		t.Errorf("verdict %+v, want valid github with secret 1", v)
	}

	kept := readCapture(t, path)
	if len(kept) != 1 {
		t.Fatalf("capture file holds %d records, want 1", len(kept))
	}
	if got, want := mustJSON(t, kept[0]), mustJSON(t, rec); got != want {
		t.Errorf("kept record differs from the reported one:\nkept     %s\nreported %s", got, want)
	}
	if got := bodyOf(t, kept[0]); !bytes.Equal(got, body) {
		t.Errorf("kept body %q, want %q", got, body)
	}
}

func TestVerdicts(t *testing.T) {
	body := []byte(`{"event":"x"}`)
	tampered := []byte(`{"event":"y"}`)
	s3cret := []signature.Secret{signature.NewSecret("s3cret")}
	tests := []struct {
		name       string
		scheme     bool
		secrets    []signature.Secret
		send       []byte
		sign       bool
		reject     bool
		wantStatus int
		wantReason signature.Reason // "" means no verdict
		wantValid  bool
	}{
		{"valid", true, s3cret, body, true, false, 200, signature.ReasonValid, true},
		{"valid with second secret", true, []signature.Secret{signature.NewSecret("new"), signature.NewSecret("s3cret")}, body, true, false, 200, signature.ReasonValid, true},
		{"valid and reject-invalid", true, s3cret, body, true, true, 200, signature.ReasonValid, true},
		{"no scheme", false, s3cret, body, true, false, 200, "", false},
		// A signature that cannot be checked is "not checked", not unsigned
		// and not invalid: --reject-invalid lets it through.
		{"no secret", true, nil, body, true, false, 200, signature.ReasonNoSecret, false},
		{"no secret, reject-invalid", true, nil, body, true, true, 200, signature.ReasonNoSecret, false},
		{"no secret, no signature", true, nil, body, false, false, 200, "", false},
		{"tampered body", true, s3cret, tampered, true, false, 200, signature.ReasonMismatch, false},
		{"tampered body, reject-invalid", true, s3cret, tampered, true, true, 401, signature.ReasonMismatch, false},
		{"signature missing", true, s3cret, body, false, false, 200, signature.ReasonMissingHeader, false},
		{"signature missing, reject-invalid", true, s3cret, body, false, true, 401, signature.ReasonMissingHeader, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStore{}
			a := newApp(t, answering(200, "text/plain", "app"))
			o := Options{
				Secrets: tc.secrets, RejectInvalid: tc.reject, Store: store,
				Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, client(2*time.Second), nil),
			}
			if tc.scheme {
				o.Scheme = github(t)
			}
			h := serve(t, o)
			hdr := http.Header{}
			if tc.sign {
				hdr = signed(t, "s3cret", body)
			}
			resp := h.post(t, "/", tc.send, hdr)
			d := h.one(t)
			if resp.status != tc.wantStatus {
				t.Errorf("status %d, want %d (%s)", resp.status, tc.wantStatus, resp.body)
			}
			if d.Record.Answer.Status != tc.wantStatus {
				t.Errorf("record answer %d, want %d", d.Record.Answer.Status, tc.wantStatus)
			}
			v := d.Record.Verdict
			switch {
			case tc.wantReason == "" && v != nil:
				t.Errorf("verdict %+v, want none", v)
			case tc.wantReason != "" && v == nil:
				t.Errorf("no verdict, want %s", tc.wantReason)
			case v != nil && (v.Reason != tc.wantReason || v.Valid != tc.wantValid):
				t.Errorf("verdict %s valid=%v, want %s valid=%v", v.Reason, v.Valid, tc.wantReason, tc.wantValid)
			}
			// A rejected delivery is not passed on to the app.
			wantHits := 1
			if tc.wantStatus == 401 {
				wantHits = 0
			}
			if hits := a.got(); len(hits) != wantHits || (d.Record.Forward != nil) != (wantHits == 1) {
				t.Errorf("app got %d requests, record forward %+v; want %d", len(hits), d.Record.Forward, wantHits)
			}
			kept := store.records(t)
			if len(kept) != 1 {
				t.Fatalf("%d records kept, want 1", len(kept))
			}
			if got := bodyOf(t, kept[0]); !bytes.Equal(got, tc.send) {
				t.Errorf("kept body %q, want %q", got, tc.send)
			}
			if mustJSON(t, kept[0].Verdict) != mustJSON(t, v) || kept[0].ID != d.Record.ID {
				t.Errorf("kept record %s differs from reported %s", mustJSON(t, kept[0]), mustJSON(t, d.Record))
			}
		})
	}
}

func TestBodiesAreKeptByteExact(t *testing.T) {
	big := make([]byte, 4<<20)
	for i := range big {
		big[i] = byte(i*7 + i>>13)
	}
	tests := []struct {
		name     string
		body     []byte
		encoding string
	}{
		{"empty", []byte{}, capture.BodyUTF8},
		{"not UTF-8", []byte("caf\xe9 \x00\xff\xfe\r\n"), capture.BodyBase64},
		{"UTF-8 with CRLF and NUL", []byte("{\"a\": \"\u2028 \\u00e9\"}\r\n\x00"), capture.BodyUTF8},
		{"4 MiB binary", big, capture.BodyBase64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, path := newWriter(t)
			h := serve(t, Options{Store: w, EventPath: "event"})
			resp := h.post(t, "/in", tc.body, http.Header{"Content-Type": {"application/octet-stream"}})
			d := h.one(t)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if resp.status != 200 {
				t.Fatalf("status %d", resp.status)
			}
			if got := bodyOf(t, d.Record); !bytes.Equal(got, tc.body) {
				t.Errorf("reported body differs (%d bytes, want %d)", len(got), len(tc.body))
			}
			kept := readCapture(t, path)
			if len(kept) != 1 {
				t.Fatalf("%d records in the file, want 1", len(kept))
			}
			if got := bodyOf(t, kept[0]); !bytes.Equal(got, tc.body) {
				t.Errorf("kept body differs (%d bytes, want %d)", len(got), len(tc.body))
			}
			if kept[0].BodySize != len(tc.body) || kept[0].BodyEncoding != tc.encoding {
				t.Errorf("body_size %d encoding %s, want %d %s", kept[0].BodySize, kept[0].BodyEncoding, len(tc.body), tc.encoding)
			}
		})
	}
}

// streamed hides a body's length, so the client sends it chunked.
type streamed struct{ r io.Reader }

func (s streamed) Read(p []byte) (int, error) { return s.r.Read(p) }

func TestMaxBody(t *testing.T) {
	const limit = 1024
	tests := []struct {
		name       string
		size       int
		chunked    bool
		wantStatus int
	}{
		{"under, with length", limit - 1, false, 200},
		{"at the limit, with length", limit, false, 200},
		{"over, with length", limit + 1, false, 413},
		{"far over, with length", 8 * limit, false, 413},
		{"under, chunked", limit - 1, true, 200},
		{"at the limit, chunked", limit, true, 200},
		{"over, chunked", limit + 1, true, 413},
		{"far over, chunked", 8 * limit, true, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // a refused connection lingers half a second on close
			store := &memStore{}
			h := serve(t, Options{Store: store, MaxBody: limit})
			body := bytes.Repeat([]byte("x"), tc.size)
			req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/in", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.chunked {
				req.Body = io.NopCloser(streamed{bytes.NewReader(body)})
				req.ContentLength = -1
			}
			resp := h.do(t, req)
			d := h.one(t)
			if resp.status != tc.wantStatus {
				t.Fatalf("status %d, want %d (%s)", resp.status, tc.wantStatus, resp.body)
			}
			if cl := d.Record.Headers.Get("Content-Length"); tc.chunked != (cl == "") {
				t.Errorf("Content-Length %q: the request was not sent as the case says", cl)
			}
			kept := store.records(t)
			if tc.wantStatus == 413 {
				if d.Refused == "" || !strings.Contains(d.Refused, "max-body") {
					t.Errorf("Refused = %q, want a max-body reason", d.Refused)
				}
				if d.Record.Answer.Status != 413 {
					t.Errorf("record answer %d, want 413", d.Record.Answer.Status)
				}
				if len(kept) != 0 {
					t.Errorf("%d records kept, want none", len(kept))
				}
				return
			}
			if d.Refused != "" {
				t.Errorf("Refused = %q, want none", d.Refused)
			}
			if len(kept) != 1 || !bytes.Equal(bodyOf(t, kept[0]), body) {
				t.Errorf("want the body kept once, got %d records", len(kept))
			}
		})
	}
}

// TestMaxBodyByDeclaredLength refuses a body whose declared length is over
// the limit at once, without waiting for a body that may never come.
func TestMaxBodyByDeclaredLength(t *testing.T) {
	t.Parallel()
	store := &memStore{}
	h := serve(t, Options{Store: store, MaxBody: 1024})
	start := time.Now()
	resp := raw(t, h.srv.Listener.Addr().String(),
		"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n{\"partial\":")
	d := h.one(t)
	if resp.status != 413 || d.Refused == "" {
		t.Errorf("status %d, Refused %q: want 413 and a refusal", resp.status, d.Refused)
	}
	if !resp.close {
		t.Error("no Connection: close, though the rest of the body is not read")
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("refused after %v: the handler waited for the body", elapsed)
	}
	if n := len(store.records(t)); n != 0 {
		t.Errorf("%d records kept, want none", n)
	}
}

func TestAllowIPs(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name  string
		allow []netip.Prefix
		want  int
	}{
		{"no list allows all", nil, 200},
		{"other network", []netip.Prefix{p("10.0.0.0/8")}, 403},
		{"neighbouring address", []netip.Prefix{p("127.0.0.2/32")}, 403},
		{"IPv6 loopback only", []netip.Prefix{p("::1/128")}, 403},
		{"exact address", []netip.Prefix{p("127.0.0.1/32")}, 200},
		{"one of several", []netip.Prefix{p("10.0.0.0/8"), p("127.0.0.0/8")}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStore{}
			h := serve(t, Options{Store: store, AllowIPs: tc.allow})
			resp := h.post(t, "/in", []byte(`{"a":1}`), nil)
			d := h.one(t)
			checkAllow(t, resp, d, store, tc.want)
		})
	}
}

func checkAllow(t *testing.T, resp response, d Delivery, store *memStore, want int) {
	t.Helper()
	if resp.status != want {
		t.Fatalf("status %d, want %d (%s)", resp.status, want, resp.body)
	}
	kept := store.records(t)
	if want == 403 {
		if d.Refused == "" || d.Record.Answer.Status != 403 {
			t.Errorf("Refused %q, answer %d: want a refusal with 403", d.Refused, d.Record.Answer.Status)
		}
		if len(kept) != 0 {
			t.Errorf("%d records kept, want none", len(kept))
		}
		return
	}
	if d.Refused != "" || len(kept) != 1 {
		t.Errorf("Refused %q, %d kept: want accepted and kept", d.Refused, len(kept))
	}
}

func TestAllowIPv6Loopback(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name  string
		allow []netip.Prefix
		want  int
	}{
		{"::1/128", []netip.Prefix{p("::1/128")}, 200},
		{"IPv4 loopback only", []netip.Prefix{p("127.0.0.1/32")}, 403},
		{"other IPv6 network", []netip.Prefix{p("fd00::/8")}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp6", "[::1]:0")
			if err != nil {
				t.Skipf("no IPv6 loopback: %v", err)
			}
			store := &memStore{}
			h := serveOn(t, Options{Store: store, AllowIPs: tc.allow}, ln)
			if !strings.HasPrefix(h.srv.URL, "http://[::1]:") {
				t.Fatalf("server at %s, want [::1]", h.srv.URL)
			}
			resp := h.post(t, "/in", []byte(`{"a":1}`), nil)
			d := h.one(t)
			if !strings.HasPrefix(d.Record.RemoteAddr, "[::1]:") {
				t.Fatalf("remote address %s, want [::1]", d.Record.RemoteAddr)
			}
			checkAllow(t, resp, d, store, tc.want)
		})
	}
}

func TestEventsFilter(t *testing.T) {
	tests := []struct {
		name        string
		events      []string
		eventPath   string
		body        string
		wantEvent   string
		wantMatched bool
	}{
		{"no globs, any event", nil, "event", `{"event":"charge.success"}`, "charge.success", true},
		{"no globs, no event", nil, "event", `not json`, "", true},
		{"glob matches", []string{"transfer.*"}, "event", `{"event":"transfer.success"}`, "transfer.success", true},
		{"glob does not match", []string{"transfer.*"}, "event", `{"event":"charge.success"}`, "charge.success", false},
		{"prefix is not enough", []string{"transfer"}, "event", `{"event":"transfer.success"}`, "transfer.success", false},
		{"second glob matches", []string{"charge.failed", "charge.*"}, "event", `{"event":"charge.success"}`, "charge.success", true},
		{"nested path", []string{"invoice.paid"}, "data.type", `{"data":{"type":"invoice.paid"}}`, "invoice.paid", true},
		{"no event with globs", []string{"*"}, "event", `{"other":1}`, "", false},
		{"body neither JSON nor a form", []string{"*"}, "event", `transfer.success`, "", false},
		{"form body: the path names a parameter", []string{"transfer.*"}, "event", `event=transfer.success`, "transfer.success", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, answering(200, "text/plain", "ok"))
			store := &memStore{}
			h := serve(t, Options{
				Store: store, EventPath: tc.eventPath, Events: tc.events,
				Forward: forwarder(t, "http://"+a.host()+"/app", httpx.PathPrefix, client(2*time.Second), nil),
			})
			resp := h.post(t, "/in", []byte(tc.body), nil)
			d := h.one(t)
			if resp.status != 200 {
				t.Errorf("status %d, want 200", resp.status)
			}
			if d.Record.Event != tc.wantEvent || d.Record.Matched != tc.wantMatched {
				t.Errorf("event %q matched %v, want %q %v", d.Record.Event, d.Record.Matched, tc.wantEvent, tc.wantMatched)
			}
			if kept := store.records(t); len(kept) != 1 || kept[0].Matched != tc.wantMatched {
				t.Errorf("want the delivery kept once with matched=%v, got %d records", tc.wantMatched, len(kept))
			}
			hits := a.got()
			if tc.wantMatched != (len(hits) == 1) || len(hits) > 1 {
				t.Errorf("app got %d requests, matched=%v", len(hits), tc.wantMatched)
			}
			if tc.wantMatched != (d.Record.Forward != nil) {
				t.Errorf("record forward %+v, matched=%v", d.Record.Forward, tc.wantMatched)
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/hooks/acme", "webhook"},
		{"/hooks/acme/callback", "callback"},
		{"/hooks/acme/", ""},
		{"/hooks", ""},
		{"/", ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			h := serve(t, Options{WebhookPath: "/hooks/acme", CallbackPath: "/hooks/acme/callback"})
			if resp := h.post(t, tc.path+"?x=1", []byte("{}"), nil); resp.status != 200 {
				t.Fatalf("status %d", resp.status)
			}
			if got := h.one(t).Record.Route; got != tc.want {
				t.Errorf("route %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAnswer(t *testing.T) {
	tests := []struct {
		name       string
		o          Options
		wantStatus int
		wantType   string
		wantBody   string // "" means the default body naming the id
	}{
		{"default", Options{}, 200, "application/json", ""},
		{"status only", Options{Status: 202, StatusSet: true}, 202, "application/json", ""},
		{"status and body", Options{Status: 418, StatusSet: true, Body: "I'm a teapot\n"}, 418, "text/plain; charset=utf-8", "I'm a teapot\n"},
		{"body only", Options{Body: "thanks"}, 200, "text/plain; charset=utf-8", "thanks"},
		{"server error status", Options{Status: 503, StatusSet: true}, 503, "application/json", ""},
		{"delay", Options{Delay: 100 * time.Millisecond}, 200, "application/json", ""},
		{"delay and status", Options{Delay: 120 * time.Millisecond, Status: 204, StatusSet: true}, 204, "application/json", "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := serve(t, tc.o)
			start := time.Now()
			resp := h.post(t, "/in", []byte(`{"a":1}`), nil)
			elapsed := time.Since(start)
			d := h.one(t)
			if resp.status != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.status, tc.wantStatus)
			}
			if ct := resp.header.Get("Content-Type"); ct != tc.wantType {
				t.Errorf("content type %q, want %q", ct, tc.wantType)
			}
			switch tc.wantBody {
			case "-": // 204 has no body
				if len(resp.body) != 0 {
					t.Errorf("body %q on 204", resp.body)
				}
			case "":
				var got struct {
					Received bool
					ID       string
				}
				if err := json.Unmarshal(resp.body, &got); err != nil || !got.Received || got.ID != d.Record.ID {
					t.Errorf("body %q, want {received, id %s} (%v)", resp.body, d.Record.ID, err)
				}
			default:
				if string(resp.body) != tc.wantBody {
					t.Errorf("body %q, want %q", resp.body, tc.wantBody)
				}
			}
			want := capture.Answer{Status: tc.wantStatus, DelayMS: tc.o.Delay.Milliseconds()}
			if d.Record.Answer != want {
				t.Errorf("record answer %+v, want %+v", d.Record.Answer, want)
			}
			if elapsed < tc.o.Delay {
				t.Errorf("answered after %v, before the %v delay", elapsed, tc.o.Delay)
			}
			if elapsed > tc.o.Delay+3*time.Second {
				t.Errorf("answered after %v, far beyond the %v delay", elapsed, tc.o.Delay)
			}
		})
	}
}

func TestFailRate(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		want int
	}{
		{"always", 1, 500},
		{"above one", 2, 500},
		{"never", 0, 200},
	}
	const n = 30
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &memStore{}
			h := serve(t, Options{FailRate: tc.rate, Store: store})
			for i := 0; i < n; i++ {
				resp := h.post(t, "/in", []byte(`{}`), nil)
				if resp.status != tc.want {
					t.Fatalf("request %d: status %d, want %d", i, resp.status, tc.want)
				}
				if tc.want == 500 && !bytes.Contains(resp.body, []byte("fail-rate")) {
					t.Errorf("body %q does not name --fail-rate", resp.body)
				}
			}
			ds := h.deliveries()
			if len(ds) != n || len(store.records(t)) != n {
				t.Fatalf("%d deliveries, %d kept; want %d each", len(ds), len(store.records(t)), n)
			}
			for _, d := range ds {
				a := d.Record.Answer
				if a.Status != tc.want || (tc.want == 500) != (a.Reason == "--fail-rate") {
					t.Errorf("record answer %+v", a)
				}
			}
		})
	}
}

func TestForwarding(t *testing.T) {
	body := []byte("{\"event\":\"x\"}\n\xff")
	tests := []struct {
		name       string
		o          Options
		targetPath string
		targetQ    string
		rule       httpx.PathRule
		reqTarget  string
		wantURI    string
		wantStatus int
		wantBody   string
		wantType   string
	}{
		{
			name: "app's answer", targetPath: "/app", rule: httpx.PathPrefix, targetQ: "from=target", reqTarget: "/hooks/in?a=1&a=2",
			wantURI: "/app/hooks/in?from=target&a=1&a=2", wantStatus: 201, wantBody: `{"app":"created"}`, wantType: "application/vnd.app+json",
		},
		{
			name: "configured status wins", o: Options{Status: 202, StatusSet: true}, targetPath: "/app", rule: httpx.PathPrefix, reqTarget: "/hooks/in",
			wantURI: "/app/hooks/in", wantStatus: 202, wantBody: "", wantType: "application/json",
		},
		{
			name: "configured status and body", o: Options{Status: 200, StatusSet: true, Body: "ok"}, targetPath: "/app/", rule: httpx.PathPrefix, reqTarget: "/x?q=%20",
			wantURI: "/app/x?q=%20", wantStatus: 200, wantBody: "ok", wantType: "text/plain; charset=utf-8",
		},
		{
			name: "root request goes to the target path", targetPath: "/app", rule: httpx.PathPrefix, targetQ: "k=v", reqTarget: "/",
			wantURI: "/app?k=v", wantStatus: 201, wantBody: `{"app":"created"}`, wantType: "application/vnd.app+json",
		},
		{
			name: "a target path replaces the request's", targetPath: "/app", targetQ: "from=target", reqTarget: "/hooks/in?a=1&a=2",
			wantURI: "/app?from=target&a=1&a=2", wantStatus: 201, wantBody: `{"app":"created"}`, wantType: "application/vnd.app+json",
		},
		{
			name: "a target path replaces an escaped one", targetPath: "/app/", reqTarget: "/a%2Fb/c%3Fd?z=1",
			wantURI: "/app/?z=1", wantStatus: 201, wantBody: `{"app":"created"}`, wantType: "application/vnd.app+json",
		},
		{
			name: "target path / keeps the request's", targetPath: "/", targetQ: "k=v", reqTarget: "/hooks/in?a=1",
			wantURI: "/hooks/in?k=v&a=1", wantStatus: 201, wantBody: `{"app":"created"}`, wantType: "application/vnd.app+json",
		},
		{
			name: "no target path", reqTarget: "/hooks/in",
			wantURI: "/hooks/in", wantStatus: 201, wantBody: `{"app":"created"}`, wantType: "application/vnd.app+json",
		},
		{
			name: "escaped ? and # stay in the path", targetPath: "/app", rule: httpx.PathPrefix, reqTarget: "/a%2Fb/c%3Fd%23e?z=1",
			wantURI: "/app/a%2Fb/c%3Fd%23e?z=1", wantStatus: 201, wantBody: `{"app":"created"}`, wantType: "application/vnd.app+json",
		},
		{
			name: "escaped % stays escaped", targetPath: "/app", rule: httpx.PathPrefix, reqTarget: "/100%25/a%20b",
			wantURI: "/app/100%25/a%20b", wantStatus: 201, wantBody: `{"app":"created"}`, wantType: "application/vnd.app+json",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, answering(201, "application/vnd.app+json", `{"app":"created"}`))
			store := &memStore{}
			extra := http.Header{"X-Forwarded-By": {"hooktool"}, "X-Env": {"one", "two"}}
			o := tc.o
			o.Store = store
			target := "http://" + a.host() + tc.targetPath
			if tc.targetQ != "" {
				target += "?" + tc.targetQ
			}
			o.Forward = forwarder(t, target, tc.rule, client(2*time.Second), extra)
			h := serve(t, o)
			// Sent raw, so that exactly these headers arrive, hop-by-hop
			// ones included.
			request := "PUT " + tc.reqTarget + " HTTP/1.1\r\n" +
				"Host: sender.example\r\n" +
				"User-Agent: sender/1.0\r\n" +
				"Content-Type: application/octet-stream\r\n" +
				fmt.Sprintf("Content-Length: %d\r\n", len(body)) +
				"Connection: keep-alive, X-Drop\r\n" +
				"Connection: X-Drop-Too\r\n" +
				"X-Drop: hop\r\n" +
				"X-Drop-Too: hop\r\n" +
				"Keep-Alive: timeout=5\r\n" +
				"Te: trailers\r\n" +
				"Trailer: X-Checksum\r\n" +
				"Upgrade: example/1\r\n" +
				"Proxy-Authorization: Basic cHJveHk6cHJveHk=\r\n" +
				"Proxy-Connection: keep-alive\r\n" +
				"X-Multi: first\r\n" +
				"X-Multi: second\r\n" +
				"X-Keep: yes\r\n" +
				"\r\n" + string(body)
			resp := raw(t, h.srv.Listener.Addr().String(), request)
			d := h.one(t)

			if resp.status != tc.wantStatus {
				t.Errorf("sender got %d, want %d (%s)", resp.status, tc.wantStatus, resp.body)
			}
			if tc.wantBody == "" {
				if !bytes.Contains(resp.body, []byte(d.Record.ID)) {
					t.Errorf("sender got %q, want the default body naming %s", resp.body, d.Record.ID)
				}
			} else if string(resp.body) != tc.wantBody {
				t.Errorf("sender got body %q, want %q", resp.body, tc.wantBody)
			}
			if ct := resp.header.Get("Content-Type"); ct != tc.wantType {
				t.Errorf("sender got content type %q, want %q", ct, tc.wantType)
			}

			hits := a.got()
			if len(hits) != 1 {
				t.Fatalf("app got %d requests, want 1", len(hits))
			}
			hit := hits[0]
			if hit.Method != "PUT" || hit.RequestURI != tc.wantURI {
				t.Errorf("app got %s %s, want PUT %s", hit.Method, hit.RequestURI, tc.wantURI)
			}
			if hit.Host != a.host() {
				t.Errorf("app got Host %q, want %q", hit.Host, a.host())
			}
			if !bytes.Equal(hit.Body, body) {
				t.Errorf("app got body %q, want %q", hit.Body, body)
			}
			want := http.Header{
				"User-Agent":     {"sender/1.0"},
				"Content-Type":   {"application/octet-stream"},
				"X-Multi":        {"first", "second"},
				"X-Keep":         {"yes"},
				"X-Forwarded-By": {"hooktool"},
				"X-Env":          {"one", "two"},
			}
			got := hit.Header.Clone()
			if cl := got.Get("Content-Length"); cl != fmt.Sprint(len(body)) {
				t.Errorf("app got Content-Length %q, want %d", cl, len(body))
			}
			got.Del("Content-Length")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("app got headers\n%v\nwant\n%v", sortedHeader(got), sortedHeader(want))
			}

			// The record keeps the delivery as it arrived, and the app's side.
			rec := d.Record
			if rec.Headers.Get("X-Drop") != "hop" || len(rec.Headers.Values("Connection")) != 2 {
				t.Errorf("record headers lost what arrived: %v", sortedHeader(rec.Headers))
			}
			fw := rec.Forward
			if fw == nil {
				t.Fatal("record has no forward")
			}
			if fw.URL != "http://"+a.host()+tc.wantURI || fw.Status != 201 || fw.Body != `{"app":"created"}` || fw.Error != "" {
				t.Errorf("record forward %+v", fw)
			}
			if rec.Answer.Status != tc.wantStatus {
				t.Errorf("record answer %d, want %d", rec.Answer.Status, tc.wantStatus)
			}
			if d.ForwardErr != nil {
				t.Errorf("ForwardErr %v", d.ForwardErr)
			}
			if kept := store.records(t); len(kept) != 1 || mustJSON(t, kept[0].Forward) != mustJSON(t, fw) {
				t.Errorf("kept %d records; want one with the forward result", len(kept))
			}
		})
	}
}

func sortedHeader(h http.Header) string {
	var lines []string
	for k, v := range h {
		lines = append(lines, k+": "+strings.Join(v, " | "))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestForwardFailures(t *testing.T) {
	slow := func(t *testing.T) string {
		release := make(chan struct{})
		a := newApp(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			case <-time.After(5 * time.Second):
			}
		})
		t.Cleanup(func() { close(release) }) // runs before a.srv.Close
		return a.host()
	}
	tests := []struct {
		name       string
		o          Options
		app        func(t *testing.T) string
		timeout    time.Duration
		wantStatus int
		wantKind   delivery.Kind
	}{
		{"app down", Options{}, closedPort, 2 * time.Second, 502, delivery.KindRefused},
		{"app down, status set", Options{Status: 200, StatusSet: true}, closedPort, 2 * time.Second, 200, delivery.KindRefused},
		{"app too slow", Options{}, slow, 150 * time.Millisecond, 504, delivery.KindTimeout},
		{"app too slow, status set", Options{Status: 202, StatusSet: true}, slow, 150 * time.Millisecond, 202, delivery.KindTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			host := tc.app(t)
			store := &memStore{}
			o := tc.o
			o.Store = store
			o.Forward = forwarder(t, "http://"+host+"/app", httpx.PathPrefix, client(tc.timeout), nil)
			h := serve(t, o)
			resp := h.post(t, "/in", []byte(`{"a":1}`), nil)
			d := h.one(t)
			if resp.status != tc.wantStatus {
				t.Errorf("status %d, want %d (%s)", resp.status, tc.wantStatus, resp.body)
			}
			if d.ForwardErr == nil || d.ForwardErr.Kind != tc.wantKind {
				t.Fatalf("ForwardErr %#v, want kind %s", d.ForwardErr, tc.wantKind)
			}
			if d.SaveErr != nil || d.Refused != "" {
				t.Errorf("SaveErr %v, Refused %q", d.SaveErr, d.Refused)
			}
			kept := store.records(t)
			if len(kept) != 1 {
				t.Fatalf("%d records kept, want 1", len(kept))
			}
			fw := kept[0].Forward
			if fw == nil || fw.Error == "" || fw.Status != 0 || fw.URL != "http://"+host+"/app/in" {
				t.Errorf("kept forward %+v, want the error", fw)
			}
			if kept[0].Answer.Status != tc.wantStatus {
				t.Errorf("kept answer %d, want %d", kept[0].Answer.Status, tc.wantStatus)
			}
		})
	}
}

// TestAbsoluteFormIsNotProxied sends a proxy-style request: it must reach
// the configured target only.
func TestAbsoluteFormIsNotProxied(t *testing.T) {
	tests := []struct {
		name, target, host, wantURI string
	}{
		{"absolute http", "http://example.com/x?y=1", "example.com", "/app/x?y=1"},
		{"absolute with port", "http://127.0.0.1:9/x", "127.0.0.1:9", "/app/x"},
		{"absolute https", "https://example.com/pay", "example.com", "/app/pay"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newApp(t, answering(200, "text/plain", "app"))
			c := client(2 * time.Second)
			rec := &hostRecorder{rt: c.HTTP.Transport}
			c.HTTP.Transport = rec
			h := serve(t, Options{Forward: forwarder(t, "http://"+a.host()+"/app", httpx.PathPrefix, c, nil)})
			resp := raw(t, h.srv.Listener.Addr().String(),
				"POST "+tc.target+" HTTP/1.1\r\nHost: "+tc.host+"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
			d := h.one(t)
			if resp.status != 200 || string(resp.body) != "app" {
				t.Errorf("sender got %d %q, want the app's 200", resp.status, resp.body)
			}
			hits := a.got()
			if len(hits) != 1 || hits[0].RequestURI != tc.wantURI || hits[0].Host != a.host() {
				t.Fatalf("app got %+v, want one request for %s", hits, tc.wantURI)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.hosts) != 1 || rec.hosts[0] != a.host()+" "+a.host() {
				t.Errorf("forwarding client contacted %q, want only %s", rec.hosts, a.host())
			}
			if d.Record.Forward == nil || !strings.HasPrefix(d.Record.Forward.URL, "http://"+a.host()+"/") {
				t.Errorf("record forward %+v", d.Record.Forward)
			}
		})
	}
}

func TestStoreFailure(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"plain", Options{}},
		{"status set", Options{Status: 202, StatusSet: true, Body: "ok"}},
		{"with a delay", Options{Delay: 10 * time.Millisecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			failure := errors.New("disk full")
			o := tc.o
			o.Store = &memStore{err: failure}
			h := serve(t, o)
			resp := h.post(t, "/in", []byte(`{"a":1}`), nil)
			d := h.one(t)
			if resp.status != 503 {
				t.Errorf("status %d, want 503 (%s)", resp.status, resp.body)
			}
			if !bytes.Contains(resp.body, []byte("could not be kept")) {
				t.Errorf("body %q", resp.body)
			}
			if !errors.Is(d.SaveErr, failure) {
				t.Errorf("SaveErr %v, want %v", d.SaveErr, failure)
			}
			if d.Record.Answer.Status != 503 || !strings.Contains(d.Record.Answer.Reason, "disk full") {
				t.Errorf("record answer %+v", d.Record.Answer)
			}
		})
	}
}

// TestOnDeliveryOncePerRequest runs 200 requests at once, some refused, and
// finds each reported exactly once with its own id, and each accepted one
// in the capture file.
func TestOnDeliveryOncePerRequest(t *testing.T) {
	const n = 200
	const limit = 64
	w, path := newWriter(t)
	h := serve(t, Options{Store: w, MaxBody: limit, EventPath: "n"})
	cl := h.srv.Client()
	var wg sync.WaitGroup
	var oversized atomic.Int64
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := fmt.Sprintf(`{"n":"%d"}`, i)
			want := 200
			if i%4 == 3 {
				body += strings.Repeat(" ", limit)
				want = 413
				oversized.Add(1)
			}
			resp, err := cl.Post(h.srv.URL+"/in", "application/json", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				errs <- fmt.Errorf("request %d: status %d, want %d", i, resp.StatusCode, want)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	ds := h.deliveries()
	if got := h.calls.Load(); got != n {
		t.Fatalf("OnDelivery called %d times for %d requests", got, n)
	}
	ids := map[string]bool{}
	events := map[string]int{}
	refused := 0
	for _, d := range ds {
		if ids[d.Record.ID] {
			t.Errorf("id %s reported twice", d.Record.ID)
		}
		ids[d.Record.ID] = true
		if d.Refused != "" {
			refused++
			continue
		}
		events[d.Record.Event]++
	}
	if refused != int(oversized.Load()) {
		t.Errorf("%d refused, want %d", refused, oversized.Load())
	}
	for e, c := range events {
		if c != 1 {
			t.Errorf("event %s reported %d times", e, c)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	kept := readCapture(t, path)
	if len(kept) != n-refused {
		t.Fatalf("%d records kept, want %d", len(kept), n-refused)
	}
	for _, r := range kept {
		if !ids[r.ID] || events[r.Event] != 1 {
			t.Errorf("kept record %s (event %s) was not reported as accepted", r.ID, r.Event)
		}
		delete(events, r.Event)
	}
}
