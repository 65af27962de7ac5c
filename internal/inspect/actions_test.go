package inspect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/compare"
	"github.com/hooktool/hooktool/internal/signature"
)

// sink is a loopback target that keeps every request's bytes.
type sink struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []sunk
}

type sunk struct {
	method, uri string
	header      http.Header
	body        []byte
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, sunk{r.Method, r.RequestURI, r.Header.Clone(), b})
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "thanks <b>")
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sink) got() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.reqs...)
}

// post sends POST path with a JSON body, the token when token, and an
// Origin when origin is not "".
func (in *inspector) post(path, body string, token bool, origin string) (int, []byte) {
	in.t.Helper()
	req, err := http.NewRequest("POST", in.base+path, strings.NewReader(body))
	if err != nil {
		in.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token {
		req.AddCookie(&http.Cookie{Name: in.srv.cookieName(), Value: in.srv.token})
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp := in.do(req)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// memStore is an Appender that keeps records in memory.
type memStore struct {
	mu   sync.Mutex
	recs []*capture.Record
}

func (m *memStore) Append(r *capture.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, r)
	return nil
}

const testSecret = "whsec_inspector_test"

func TestAPIDiffIsCompareResult(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	a, b := delivery(0, "charge.succeeded", `{"data":{"amount":2500}}`), delivery(1, "charge.succeeded", `{"data":{"amount":3000,"note":"x"}}`)
	b.Headers = http.Header{"Content-Type": {"application/json"}, "Stripe-Signature": {"t=2,v1=" + testSecret}}
	writeFile(t, path, a, b)
	red := signature.NewRedactor(nil, []signature.Secret{signature.NewSecret(testSecret)})
	in := startInspector(t, Options{Redactor: red}, path)

	raw := in.getJSON("/api/diff?a="+a.ID+"&b="+b.ID, http.StatusOK, nil)
	want, err := compare.Records(a, b, compare.Options{Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	var wantJSON bytes.Buffer
	enc := json.NewEncoder(&wantJSON)
	enc.SetEscapeHTML(true)
	enc.Encode(want)
	if raw != wantJSON.String() {
		t.Errorf("diff:\n%s\nwant compare.Result:\n%s", raw, wantJSON.String())
	}
	if strings.Contains(raw, testSecret) {
		t.Errorf("the secret is in the diff: %s", raw)
	}
	for _, c := range []string{"data.amount", `"same":false`, "note"} {
		if !strings.Contains(raw, c) {
			t.Errorf("diff lacks %s: %s", c, raw)
		}
	}
	in.getJSON("/api/diff?a="+a.ID, http.StatusBadRequest, nil)
	in.getJSON("/api/diff?a="+a.ID+"&b=..%2F..%2Fetc", http.StatusNotFound, nil)
}

func TestReplayByteExactSendsTheCapturedBytes(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	orig := delivery(0, "charge.succeeded", "{\"id\":\"evt_1\",  \"amount\": 1.50e2 }\n")
	writeFile(t, path, orig)
	target := newSink(t)
	store := &memStore{}
	in := startInspector(t, Options{Target: target.URL, Store: store}, path)

	status, b := in.post("/api/deliveries/"+orig.ID+"/replay", `{"resign":false}`, true, in.base)
	if status != http.StatusOK {
		t.Fatalf("replay: %d %s", status, b)
	}
	var res ActionResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	got := target.got()
	if len(got) != 1 {
		t.Fatalf("the target got %d requests, want 1", len(got))
	}
	if string(got[0].body) != "{\"id\":\"evt_1\",  \"amount\": 1.50e2 }\n" || got[0].uri != "/hooks/stripe" || got[0].method != "POST" {
		t.Errorf("the target got %s %s %q", got[0].method, got[0].uri, got[0].body)
	}
	if sig := got[0].header.Get("Stripe-Signature"); sig != "t=1,v1=abc" {
		t.Errorf("Stripe-Signature %q: a byte-exact replay keeps the captured one", sig)
	}
	if !res.Acknowledged || res.Status != http.StatusAccepted || res.Answer != "thanks <b>" || res.Resigned || res.BodySize != len(got[0].body) {
		t.Errorf("result %+v", res)
	}
	if len(store.recs) != 1 || store.recs[0].ReplayOf != orig.ID || store.recs[0].ID != res.Recorded || store.recs[0].Body != orig.Body ||
		store.recs[0].Forward == nil || store.recs[0].Forward.Status != http.StatusAccepted {
		t.Fatalf("recorded %+v, want one record with replay_of %s", store.recs, orig.ID)
	}
	line, _ := store.recs[0].AppendJSON(nil)
	if !strings.Contains(string(line), `"replay_of":"`+orig.ID+`"`) {
		t.Errorf("record line lacks replay_of: %s", line)
	}
}

func TestResendIsResignedAndVerifies(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	orig := delivery(0, "charge.succeeded", `{"id":"evt_1","data":{"amount":2500,"fee":30}}`)
	writeFile(t, path, orig)
	target := newSink(t)
	secret := signature.NewSecret(testSecret)
	now := time.Now()
	in := startInspector(t, Options{Secrets: []signature.Secret{secret}, Redactor: signature.NewRedactor(nil, []signature.Secret{secret}),
		Now: func() time.Time { return now }}, path)

	edit := `{"to":"` + target.URL + `/in","set":[{"path":"data.amount","value":"3000"},{"path":"data.note","value":"3000","string":true}],"unset":["data.fee"]}`
	status, b := in.post("/api/deliveries/"+orig.ID+"/resend?preview=1", edit, true, "")
	if status != http.StatusOK {
		t.Fatalf("preview: %d %s", status, b)
	}
	var p Preview
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	wantBody := `{"id":"evt_1","data":{"amount":3000,"note":"3000"}}`
	if p.Body.Text != wantBody || len(p.Changes.Changes) != 3 {
		t.Errorf("preview %s", b)
	}
	if n := len(target.got()); n != 0 {
		t.Fatalf("a preview sent %d requests", n)
	}

	status, b = in.post("/api/deliveries/"+orig.ID+"/resend", edit, true, "")
	if status != http.StatusOK {
		t.Fatalf("resend: %d %s", status, b)
	}
	got := target.got()
	if len(got) != 1 || string(got[0].body) != wantBody || got[0].uri != "/in" {
		t.Fatalf("the target got %+v", got)
	}
	scheme, err := signature.Lookup("stripe", signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := signature.Verify(scheme, signature.Message{Header: got[0].header, Body: got[0].body}, []signature.Secret{secret}, signature.VerifyOptions{Now: now, Tolerance: time.Minute})
	if err != nil || !v.Valid {
		t.Errorf("the resent delivery does not verify: %+v %v", v, err)
	}
	if strings.Contains(string(b), testSecret) {
		t.Errorf("the secret is in the answer: %s", b)
	}
	var res ActionResult
	json.Unmarshal(b, &res)
	if !res.Resigned {
		t.Errorf("result %+v: a resend is re-signed", res)
	}

	// A whole edited body.
	status, b = in.post("/api/deliveries/"+orig.ID+"/resend", `{"to":"`+target.URL+`","body":"{\"x\":1}"}`, true, "")
	if got := target.got(); status != http.StatusOK || len(got) != 2 || string(got[1].body) != `{"x":1}` {
		t.Fatalf("whole body: %d %s", status, b)
	}
}

// TestActionsFailClosed: every refused action sends nothing.
func TestActionsFailClosed(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	orig := delivery(0, "charge.succeeded", amountBody(1))
	writeFile(t, path, orig)
	target := newSink(t)
	in := startInspector(t, Options{}, path)
	replayPath := "/api/deliveries/" + orig.ID + "/replay"
	to := `{"to":"` + target.URL + `"}`
	cases := []struct {
		name, path, body string
		token            bool
		origin           string
		want             int
		msg              string
	}{
		{"no token", replayPath, to, false, "", http.StatusForbidden, "no token"},
		{"foreign origin", replayPath, to, true, "http://evil.example", http.StatusForbidden, "another origin"},
		{"resend without token", "/api/deliveries/" + orig.ID + "/resend", to, false, "", http.StatusForbidden, "no token"},
		{"no target", replayPath, `{}`, true, "", http.StatusBadRequest, "no target"},
		{"resign without secret", replayPath, `{"to":"` + target.URL + `","resign":true}`, true, "", http.StatusBadRequest, "no secret to re-sign with"},
		{"resend without secret", "/api/deliveries/" + orig.ID + "/resend", to, true, "", http.StatusBadRequest, "no secret to re-sign with"},
		{"file URL", replayPath, `{"to":"file:///etc/passwd"}`, true, "", http.StatusBadRequest, "http://"},
		{"ftp URL", replayPath, `{"to":"ftp://127.0.0.1/x"}`, true, "", http.StatusBadRequest, "http://"},
		{"unknown field", replayPath, `{"to":"` + target.URL + `","evil":1}`, true, "", http.StatusBadRequest, "JSON"},
		{"hostile id", "/api/deliveries/..%2F..%2Fx/replay", to, true, "", http.StatusNotFound, "no delivery"},
		{"unknown id", "/api/deliveries/nope/replay", to, true, "", http.StatusNotFound, "no delivery"},
		{"too large", replayPath, `{"to":"` + target.URL + `","x":"` + strings.Repeat("a", MaxActionBody) + `"}`, true, "", http.StatusRequestEntityTooLarge, "larger"},
	}
	for _, c := range cases {
		status, b := in.post(c.path, c.body, c.token, c.origin)
		if status != c.want || !strings.Contains(string(b), c.msg) {
			t.Errorf("%s: %d %s, want %d %q", c.name, status, b, c.want, c.msg)
		}
	}
	// Not JSON: a form post cannot reach an action.
	req, _ := http.NewRequest("POST", in.base+replayPath, strings.NewReader("to="+target.URL))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: in.srv.cookieName(), Value: in.srv.token})
	if got := in.do(req).StatusCode; got != http.StatusUnsupportedMediaType {
		t.Errorf("form post: %d", got)
	}
	if n := len(target.got()); n != 0 {
		t.Errorf("refused actions sent %d requests", n)
	}
}

// TestReplayRecordedAppearsInTheList: with the capture writer of the
// followed file as Store, a replay is appended to that file and comes
// back as a new delivery with replay_of.
func TestReplayRecordedAppearsInTheList(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	orig := delivery(0, "charge.succeeded", amountBody(1))
	writeFile(t, path, orig)
	w, err := capture.Create(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	target := newSink(t)
	in := startInspector(t, Options{Target: target.URL, Store: w}, path)
	events := in.get("/api/events")

	status, b := in.post("/api/deliveries/"+orig.ID+"/replay", `{}`, true, "")
	if status != http.StatusOK {
		t.Fatalf("replay: %d %s", status, b)
	}
	var res ActionResult
	json.Unmarshal(b, &res)
	ev, _, data := sse{bufio.NewReader(events.Body)}.next(t)
	var sum Summary
	if err := json.Unmarshal([]byte(data), &sum); err != nil {
		t.Fatal(err)
	}
	if ev != "delivery" || sum.ID != res.Recorded || sum.ReplayOf != orig.ID || sum.Seq != 1 || sum.Forward == nil || sum.Forward.Status != http.StatusAccepted {
		t.Fatalf("event %s %+v, want the replay of %s recorded as %s", ev, sum, orig.ID, res.Recorded)
	}
	var d Detail
	in.getJSON("/api/deliveries/"+sum.ID, http.StatusOK, &d)
	if d.Body.Text != orig.Body || d.ReplayOf != orig.ID {
		t.Errorf("the recorded replay: %+v", d)
	}
}

// TestReplayPutsTheSecretBackAndNeverShowsIt: a capture whose secret the
// listener redacted is replayed with the secret put back (as `hooktool
// replay` does); the answer shows it "[redacted]", and the index's
// record is not changed.
func TestReplayPutsTheSecretBackAndNeverShowsIt(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	orig := delivery(0, "charge.completed", amountBody(1))
	orig.Provider, orig.Scheme = "flutterwave", "flutterwave"
	orig.Headers = http.Header{"Content-Type": {"application/json"}, "Verif-Hash": {signature.Redacted}}
	orig.Redacted = []string{"Verif-Hash"}
	writeFile(t, path, orig)
	target := newSink(t)
	secret := signature.NewSecret(testSecret)
	in := startInspector(t, Options{Target: target.URL, Secrets: []signature.Secret{secret}, Redactor: signature.NewRedactor(nil, []signature.Secret{secret})}, path)

	for range 2 {
		status, b := in.post("/api/deliveries/"+orig.ID+"/replay", `{}`, true, "")
		if status != http.StatusOK || strings.Contains(string(b), testSecret) || !strings.Contains(string(b), signature.Redacted) {
			t.Fatalf("replay: %d %s", status, b)
		}
	}
	for i, got := range target.got() {
		if v := got.header.Get("Verif-Hash"); v != testSecret {
			t.Errorf("request %d: Verif-Hash %q, want the secret put back", i, v)
		}
	}
	rec, _, err := in.srv.lookup(orig.ID)
	if err != nil || rec.Headers.Get("Verif-Hash") != signature.Redacted {
		t.Errorf("the index's record changed: %v %v", rec.Headers, err)
	}
}

// TestReplayGoesWhereTheDeliveryWasRouted: with listen's route table, a
// replay without its own `to` goes to the URL of the route the delivery
// took (forward.route), not the default target; one no route took, or
// forwarded by default, goes to the default.
func TestReplayGoesWhereTheDeliveryWasRouted(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	routed := delivery(0, "invoice.paid", amountBody(1))
	routed.Forward = &capture.Forward{Status: 200, Route: "invoice.*"}
	plain := delivery(1, "charge.succeeded", amountBody(2))
	plain.Forward = &capture.Forward{Status: 200, Route: capture.DefaultRoute}
	writeFile(t, path, routed, plain)
	def, invoices := newSink(t), newSink(t)
	in := startInspector(t, Options{Target: def.URL, Routes: map[string]string{"invoice.*": invoices.URL}}, path)

	for _, id := range []string{routed.ID, plain.ID} {
		if status, b := in.post("/api/deliveries/"+id+"/replay", `{}`, true, ""); status != http.StatusOK {
			t.Fatalf("replay of %s: %d %s", id, status, b)
		}
	}
	if got := invoices.got(); len(got) != 1 || string(got[0].body) != string(amountBody(1)) {
		t.Errorf("the invoices route's app got %d requests, want the routed delivery", len(got))
	}
	if got := def.got(); len(got) != 1 || string(got[0].body) != string(amountBody(2)) {
		t.Errorf("the default app got %d requests, want the delivery forwarded by default", len(got))
	}
}
