package inspect

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/capture"
	"github.com/hooktool/hooktool/internal/capture/compare"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// headerDelivery is a captured Stripe delivery with headers to edit.
func headerDelivery() *capture.Record {
	orig := delivery(0, "charge.succeeded", `{"id":"evt_1","data":{"amount":2500}}`)
	orig.Headers = http.Header{
		"Content-Type": {"application/json"}, "Stripe-Signature": {"t=1,v1=abc"}, "Content-Length": {"38"},
		"X-Tenant": {"acme"}, "X-Trace": {"t-1"}, "X-Kept": {"k"},
	}
	return orig
}

// TestResendEditsHeaders: a resend sets and unsets headers besides its
// body edits; the preview says how the headers and the body change and
// which headers cannot be edited (framing, the signature's), sending
// nothing; the send carries the edited headers, re-signed, and is
// recorded with replay_of.
func TestResendEditsHeaders(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	orig := headerDelivery()
	writeFile(t, path, orig)
	target := newSink(t)
	store := &memStore{}
	secret := signature.NewSecret(testSecret)
	now := time.Now()
	in := startInspector(t, Options{Target: target.URL, Store: store, Secrets: []signature.Secret{secret},
		Redactor: signature.NewRedactor(nil, []signature.Secret{secret}), Now: func() time.Time { return now }}, path)

	edit := `{"set":[{"path":"data.amount","value":"3000"}],
		"set_headers":[{"name":"X-Tenant","value":"globex"},{"name":"x-new","value":"1"},{"name":"x-new","value":"2"},{"name":"Authorization","value":"Bearer tok_secret"}],
		"unset_headers":["x-trace"]}`
	status, b := in.post("/api/deliveries/"+orig.ID+"/resend?preview=1", edit, true, "")
	if status != http.StatusOK {
		t.Fatalf("preview: %d %s", status, b)
	}
	var p Preview
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	want := []compare.Header{
		{Name: "Authorization", Kind: compare.Added, New: []string{signature.Redacted}},
		{Name: "X-New", Kind: compare.Added, New: []string{"1", "2"}},
		{Name: "X-Tenant", Kind: compare.Changed, Old: []string{"acme"}, New: []string{"globex"}},
		{Name: "X-Trace", Kind: compare.Removed, Old: []string{"t-1"}},
	}
	if got, _ := json.Marshal(p.Headers); string(got) != string(mustJSON(t, want)) {
		t.Errorf("preview headers %s, want %s", got, mustJSON(t, want))
	}
	if len(p.Changes.Changes) != 1 || p.Changes.Changes[0].Path != "data.amount" {
		t.Errorf("preview body changes %+v", p.Changes)
	}
	fixed := map[string]string{}
	for _, f := range p.Fixed {
		fixed[f.Name] = f.Reason
	}
	if fixed["Content-Length"] != httpx.ReasonFraming || !strings.Contains(fixed["Stripe-Signature"], "made anew") || fixed["X-Tenant"] != "" {
		t.Errorf("preview fixed %+v", p.Fixed)
	}
	if strings.Contains(string(b), "tok_secret") {
		t.Errorf("the preview shows a credential: %s", b)
	}
	if n := len(target.got()); n != 0 {
		t.Fatalf("a preview sent %d requests", n)
	}

	status, b = in.post("/api/deliveries/"+orig.ID+"/resend", edit, true, "")
	if status != http.StatusOK {
		t.Fatalf("resend: %d %s", status, b)
	}
	got := target.got()
	if len(got) != 1 {
		t.Fatalf("the target got %d requests", len(got))
	}
	h := got[0].header
	if h.Get("X-Tenant") != "globex" || strings.Join(h["X-New"], ",") != "1,2" || h.Get("X-Trace") != "" || h.Get("X-Kept") != "k" ||
		h.Get("Authorization") != "Bearer tok_secret" {
		t.Errorf("sent headers %v", h)
	}
	if string(got[0].body) != `{"id":"evt_1","data":{"amount":3000}}` {
		t.Errorf("sent body %s", got[0].body)
	}
	scheme, _ := signature.Lookup("stripe", signature.Options{})
	v, err := signature.Verify(scheme, signature.Message{Header: h, Body: got[0].body}, []signature.Secret{secret}, signature.VerifyOptions{Now: now, Tolerance: time.Minute})
	if err != nil || !v.Valid {
		t.Errorf("the resent delivery does not verify: %+v %v", v, err)
	}
	if strings.Contains(string(b), "tok_secret") {
		t.Errorf("the answer shows a credential: %s", b)
	}
	if len(store.recs) != 1 || store.recs[0].ReplayOf != orig.ID || store.recs[0].Headers.Get("X-Tenant") != "globex" {
		t.Errorf("recorded %+v", store.recs)
	}
}

// TestResendRefusesHeaderEdits: a framing or hop-by-hop header, the
// signature's, an invalid one, or one both set and unset is refused with
// the reason, in a preview and a send alike; nothing is sent.
func TestResendRefusesHeaderEdits(t *testing.T) {
	path := tempFile(t, "d.jsonl")
	orig := headerDelivery()
	writeFile(t, path, orig)
	target := newSink(t)
	secret := signature.NewSecret(testSecret)
	in := startInspector(t, Options{Target: target.URL, Secrets: []signature.Secret{secret}}, path)
	for _, c := range []struct{ name, edit, msg string }{
		{"set Content-Length", `{"set_headers":[{"name":"Content-Length","value":"1"}]}`, "framing"},
		{"set Host", `{"set_headers":[{"name":"host","value":"evil.example"}]}`, "framing"},
		{"set Connection", `{"set_headers":[{"name":"Connection","value":"close"}]}`, "framing"},
		{"unset Transfer-Encoding", `{"unset_headers":["Transfer-Encoding"]}`, "framing"},
		{"set the signature", `{"set_headers":[{"name":"stripe-signature","value":"t=1,v1=forged"}]}`, "made anew"},
		{"unset the signature", `{"unset_headers":["Stripe-Signature"]}`, "made anew"},
		{"bad name", `{"set_headers":[{"name":"Bad Name","value":"x"}]}`, "not sendable"},
		{"empty name", `{"set_headers":[{"name":"","value":"x"}]}`, "not sendable"},
		{"CR LF value", `{"set_headers":[{"name":"X-A","value":"a\r\nX-Injected: 1"}]}`, "not sendable"},
		{"set and unset", `{"set_headers":[{"name":"X-Tenant","value":"x"}],"unset_headers":["x-tenant"]}`, "both set and unset"},
	} {
		for _, q := range []string{"?preview=1", ""} {
			status, b := in.post("/api/deliveries/"+orig.ID+"/resend"+q, c.edit, true, "")
			if status != http.StatusBadRequest || !strings.Contains(string(b), c.msg) {
				t.Errorf("%s%s: %d %s, want 400 %q", c.name, q, status, b, c.msg)
			}
		}
	}
	if n := len(target.got()); n != 0 {
		t.Errorf("refused edits sent %d requests", n)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
