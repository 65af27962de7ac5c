package listener

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
)

// sink is an app that keeps what it got: the request line, headers, body
// and protocol of each request.
type sink struct {
	srv    *httptest.Server
	status int
	delay  time.Duration
	mu     sync.Mutex
	got    []sunk
}

type sunk struct {
	uri    string
	header http.Header
	body   []byte
	proto  int
}

func newSink(t *testing.T, status int) *sink {
	t.Helper()
	s := &sink{status: status}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.got = append(s.got, sunk{uri: r.URL.RequestURI(), header: r.Header.Clone(), body: body, proto: r.ProtoMajor})
	s.mu.Unlock()
	time.Sleep(s.delay)
	w.WriteHeader(s.status)
	io.WriteString(w, "sink")
}

func (s *sink) requests() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.got...)
}

func mustMatch(t testing.TB, text string) Match {
	t.Helper()
	m, err := ParseMatch(text)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSplitRoute: "MATCH=URL" splits at its first lone "=", so that a
// condition's operators and a quoted value stay in the match, and the
// URL may hold "=" (a query).
func TestSplitRoute(t *testing.T) {
	for _, tc := range []struct{ in, match, target string }{
		{"invoice.*=3001", "invoice.*", "3001"},
		{"path:/github=localhost:3002/gh?a=1&b=2", "path:/github", "localhost:3002/gh?a=1&b=2"},
		{"where:record.method==PUT=3003", "where:record.method==PUT", "3003"},
		{"where:data.amount>=5000=3004", "where:data.amount>=5000", "3004"},
		{"where:data.amount<=5=3004", "where:data.amount<=5", "3004"},
		{"where:header.X-Tenant!=acme=/t", "where:header.X-Tenant!=acme", "/t"},
		{`where:data.note=="a=b"=3005`, `where:data.note=="a=b"`, "3005"},
		{`where:data.note=='a=b'=3005`, `where:data.note=='a=b'`, "3005"},
	} {
		m, target, ok := SplitRoute(tc.in)
		if !ok || m != tc.match || target != tc.target {
			t.Errorf("SplitRoute(%q) = %q, %q, %v; want %q, %q", tc.in, m, target, ok, tc.match, tc.target)
		}
		if _, err := ParseMatch(m); err != nil {
			t.Errorf("ParseMatch(%q): %v", m, err)
		}
	}
	for _, in := range []string{"3001", "where:record.method==PUT", `where:data.note=="a=b"`} {
		if m, target, ok := SplitRoute(in); ok {
			t.Errorf("SplitRoute(%q) = %q, %q: want no split", in, m, target)
		}
	}
	for _, bad := range []string{"", "[a", "path:github", "where:nope", "where:record.nope==1"} {
		if _, err := ParseMatch(bad); err == nil {
			t.Errorf("ParseMatch(%q): no error", bad)
		}
	}
}

// TestMatchHolds: each kind of left side, on a delivery's record and body.
func TestMatchHolds(t *testing.T) {
	rec := &capture.Record{Event: "invoice.paid", Path: "/github/push", Method: "PUT", Headers: http.Header{"X-Tenant": {"acme"}}}
	body := []byte(`{"data":{"amount":6000}}`)
	for _, tc := range []struct {
		match string
		want  bool
	}{
		{"invoice.*", true}, {"*", true}, {"invoice", false}, {"charge.*", false},
		{"path:/github", true}, {"path:/github/", true}, {"path:/git", false}, {"path:/github/push", true}, {"path:/", true}, {"path:/gitlab", false},
		{"where:record.method==PUT", true}, {"where:record.method==POST", false},
		{"where:header.X-Tenant==acme", true}, {"where:data.amount>5000", true}, {"where:data.amount>7000", false},
	} {
		if got := mustMatch(t, tc.match).Holds(rec, body); got != tc.want {
			t.Errorf("%s holds: %v, want %v", tc.match, got, tc.want)
		}
	}
	if mustMatch(t, "*").Holds(&capture.Record{}, nil) {
		t.Error("a glob took a delivery without an event type")
	}
}

// TestRoutes: each delivery goes to the first route that takes it, else
// to the default; the record names the route; the sender gets the routed
// app's answer.
func TestRouteTable(t *testing.T) {
	billing, github, tenant, fallback := newSink(t, 201), newSink(t, 202), newSink(t, 203), newSink(t, 200)
	c := client(5 * time.Second)
	store := &memStore{}
	h := serve(t, Options{
		EventPath: "event", Store: store,
		Routes: []Route{
			{mustMatch(t, "invoice.*"), forwarder(t, billing.srv.URL, httpx.PathReplace, c, nil)},
			{mustMatch(t, "path:/github"), forwarder(t, github.srv.URL, httpx.PathReplace, c, nil)},
			{mustMatch(t, "where:header.X-Tenant==acme"), forwarder(t, tenant.srv.URL+"/acme", httpx.PathReplace, c, nil)},
		},
		Forward: forwarder(t, fallback.srv.URL, httpx.PathReplace, c, nil),
	})
	send := func(path, event, tenantHeader string) int {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(`{"event":"`+event+`"}`))
		if tenantHeader != "" {
			req.Header.Set("X-Tenant", tenantHeader)
		}
		return h.do(t, req).status
	}
	wantStatus := []int{
		send("/hooks", "invoice.paid", ""),   // billing
		send("/github/push", "push", ""),     // github
		send("/github/x", "invoice.due", ""), // billing: the first match wins
		send("/hooks", "x", "acme"),          // tenant
		send("/hooks?a=1", "other", ""),      // default
	}
	if want := []int{201, 202, 201, 203, 200}; !equalInts(wantStatus, want) {
		t.Errorf("answers %v, want %v (each the routed app's)", wantStatus, want)
	}
	ds := h.deliveries()
	routes := map[string]string{}
	for _, d := range ds {
		routes[d.Record.Path+" "+d.Record.Event] = d.Record.Forward.Route
	}
	want := map[string]string{
		"/hooks invoice.paid": "invoice.*", "/github/push push": "path:/github", "/github/x invoice.due": "invoice.*",
		"/hooks x": "where:header.X-Tenant==acme", "/hooks other": "default",
	}
	for k, v := range want {
		if routes[k] != v {
			t.Errorf("%s took route %q, want %q", k, routes[k], v)
		}
	}
	if n := [4]int{len(billing.requests()), len(github.requests()), len(tenant.requests()), len(fallback.requests())}; n != [4]int{2, 1, 1, 1} {
		t.Errorf("billing, github, tenant, default got %v requests, want [2 1 1 1]", n)
	}
	if got := tenant.requests()[0].uri; got != "/acme" {
		t.Errorf("the tenant route's path rule: got %s, want /acme", got)
	}
	if got := fallback.requests()[0].uri; got != "/hooks?a=1" {
		t.Errorf("default route got %s, want /hooks?a=1", got)
	}
	// The kept record names the route, as a --where field reads it.
	sel := capture.Selector{Where: []capture.Cond{mustCond(t, "record.forward.route==invoice.*")}}
	n := 0
	for _, r := range store.records(t) {
		if sel.Match(r) {
			n++
		}
	}
	if n != 2 {
		t.Errorf("record.forward.route==invoice.* selects %d kept records, want 2", n)
	}
}

func mustCond(t *testing.T, expr string) capture.Cond {
	t.Helper()
	c, err := capture.ParseCond(expr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestUnroutedIsKeptAndAnswered: with routes and no default, a delivery
// no route takes is kept and answered as without forwarding.
func TestUnroutedIsKeptAndAnswered(t *testing.T) {
	app := newSink(t, 500)
	store := &memStore{}
	h := serve(t, Options{
		EventPath: "event", Store: store, Status: 202,
		Routes: []Route{{mustMatch(t, "invoice.*"), forwarder(t, app.srv.URL, httpx.PathReplace, client(5*time.Second), nil)}},
	})
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/hooks", strings.NewReader(`{"event":"charge.paid"}`))
	resp := h.do(t, req)
	d := h.one(t)
	if resp.status != 202 || !bytes.Contains(resp.body, []byte(`"received":true`)) {
		t.Errorf("answered %d %s, want the listener's own 202", resp.status, resp.body)
	}
	if !d.Unrouted || d.Record.Forward != nil || len(app.requests()) != 0 {
		t.Errorf("unrouted %v, forward %+v, app got %d", d.Unrouted, d.Record.Forward, len(app.requests()))
	}
	if len(store.records(t)) != 1 {
		t.Error("the unrouted delivery was not kept")
	}
}

// TestMirrors: every mirror that takes a delivery gets a byte-exact copy
// with the forward's header policy; its answer is recorded, the sender
// gets the app's; a mirror slower than its timeout is recorded as such
// (the answer waited for that timeout, not for the mirror).
func TestMirrors(t *testing.T) {
	app, all, routed, slow := newSink(t, 200), newSink(t, 500), newSink(t, 204), newSink(t, 200)
	slow.delay = time.Second
	// Each mirror's client sets its timeout; the slow one's is short.
	mirrorClient, shortClient := client(10*time.Second), delivery.New(delivery.Options{Timeout: 200 * time.Millisecond})
	store := &memStore{}
	h := serve(t, Options{
		EventPath: "event", Store: store,
		Forward: forwarder(t, app.srv.URL, httpx.PathReplace, client(5*time.Second), nil),
		Mirrors: []Mirror{
			{nil, forwarder(t, all.srv.URL, httpx.PathReplace, mirrorClient, nil)},
			{ptr(mustMatch(t, "invoice.*")), forwarder(t, routed.srv.URL+"/copy", httpx.PathReplace, mirrorClient, nil)},
			{ptr(mustMatch(t, "path:/slow")), forwarder(t, slow.srv.URL, httpx.PathReplace, shortClient, nil)},
		},
	})
	body := "{\"event\":\"invoice.paid\",\"x\":\"\xff\"}"
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/hooks?a=1&b=2", strings.NewReader(body))
	req.Header.Set("X-Sig", "v1")
	req.Header.Set("Keep-Alive", "timeout=5")
	if resp := h.do(t, req); resp.status != 200 || string(resp.body) != "sink" {
		t.Errorf("answered %d %s, want the app's 200", resp.status, resp.body)
	}
	req, _ = http.NewRequest(http.MethodPost, h.srv.URL+"/slow", strings.NewReader(`{"event":"x"}`))
	if resp := h.do(t, req); resp.status != 200 {
		t.Errorf("answered %d with a slow mirror, want 200", resp.status)
	}
	ds := h.deliveries()
	first := ds[0].Record
	if len(first.Mirrors) != 2 || first.Mirrors[0].Status != 500 || first.Mirrors[1].Status != 204 || first.Mirrors[1].Route != "invoice.*" || first.Mirrors[0].Route != "" {
		t.Errorf("mirrors recorded %+v", first.Mirrors)
	}
	if first.Mirrors[1].URL != routed.srv.URL+"/copy?a=1&b=2" {
		t.Errorf("routed mirror URL %s", first.Mirrors[1].URL)
	}
	for _, m := range []*sink{all, routed} {
		got := m.requests()
		if len(got) < 1 || string(got[0].body) != body || got[0].header.Get("X-Sig") != "v1" || got[0].header.Get("Keep-Alive") != "" {
			t.Errorf("mirror got %+v", got)
		}
	}
	second := ds[1].Record
	if len(second.Mirrors) != 2 || second.Mirrors[1].ErrorKind != string(delivery.KindTimeout) || second.Mirrors[0].Status != 500 {
		t.Errorf("slow mirror recorded %+v", second.Mirrors)
	}
	if len(store.records(t)) != 2 || len(store.records(t)[1].Mirrors) != 2 {
		t.Error("the mirrors' answers are not in the kept record")
	}
}

func ptr[T any](v T) *T { return &v }

// TestGlobAsPathMatch: a route's glob takes exactly the event types
// path.Match would (the literal and trailing-* globs are compared without
// it).
func TestGlobAsPathMatch(t *testing.T) {
	globs := []string{"invoice.paid", "invoice.*", "*", "inv*.paid", "invoice.?aid", "a/*", "[ab].x", `invoice\.paid`, "invoice.**"}
	events := []string{"invoice.paid", "invoice.", "invoice", "invoice.paid.late", "invoice.a/b", "a/b", "a/b/c", "b.x", "", "invoicexpaid"}
	for _, g := range globs {
		m := mustMatch(t, g)
		for _, ev := range events {
			want, _ := path.Match(g, ev)
			want = want && ev != ""
			if got := m.Holds(&capture.Record{Event: ev}, nil); got != want {
				t.Errorf("glob %q on %q: %v, path.Match says %v", g, ev, got, want)
			}
		}
	}
}

// TestSameLeftFoundOnce: conditions on the same left side (a route per
// tenant) are all tested, on one lookup, in order.
func TestSameLeftFoundOnce(t *testing.T) {
	a, b, c := newSink(t, 201), newSink(t, 202), newSink(t, 203)
	cl := client(5 * time.Second)
	h := serve(t, Options{EventPath: "event", Routes: []Route{
		{mustMatch(t, "where:data.tenant==a"), forwarder(t, a.srv.URL, httpx.PathReplace, cl, nil)},
		{mustMatch(t, "where:data.amount>100"), forwarder(t, b.srv.URL, httpx.PathReplace, cl, nil)},
		{mustMatch(t, "where:data.tenant==c"), forwarder(t, c.srv.URL, httpx.PathReplace, cl, nil)},
	}})
	var got []int
	for _, body := range []string{`{"data":{"tenant":"c","amount":5}}`, `{"data":{"tenant":"a"}}`, `{"data":{"tenant":"c","amount":500}}`, `not json`} {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/", strings.NewReader(body))
		got = append(got, h.do(t, req).status)
	}
	if want := []int{203, 201, 202, 200}; !equalInts(got, want) {
		t.Errorf("answers %v, want %v", got, want)
	}
}
