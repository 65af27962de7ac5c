package listener

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestSecretInPathNeverKept: a configured secret in the path
// (/hooks/SECRET) is kept and shown as a marker (redacted_path), as one in
// the query is, while the app, the mirrors and the route table get the
// path as it came (the route's name, written with the secret, is kept
// with it hidden); a refused delivery (--allow-ip) is shown with its
// secrets hidden too.
func TestSecretInPathNeverKept(t *testing.T) {
	const sec = "path-s3cret-token"
	secrets := []signature.Secret{signature.NewSecret(sec)}
	app, copy := newSink(t, 200), newSink(t, 202)
	c := client(5 * time.Second)
	store := &memStore{}
	h := serve(t, Options{
		EventPath: "event", Store: store, Secrets: secrets,
		Routes:  []Route{{mustMatch(t, "path:/hooks/"+sec), forwarder(t, app.srv.URL, httpx.PathReplace, c, nil)}},
		Mirrors: []Mirror{{Forward: forwarder(t, copy.srv.URL, httpx.PathReplace, c, nil)}},
	})
	h.post(t, "/hooks/"+sec+"?token="+sec, []byte(`{"event":"x"}`), http.Header{"X-Echo": {sec}})
	d := h.one(t)
	if got := app.requests(); len(got) != 1 || got[0].uri != "/hooks/"+sec+"?token="+sec {
		t.Fatalf("the app got %v, want the path as it came (through its route)", got)
	}
	if got := copy.requests(); len(got) != 1 || got[0].uri != "/hooks/"+sec+"?token="+sec {
		t.Errorf("the mirror got %v, want the path as it came", got)
	}
	rec := d.Record
	if rec.Path != "/hooks/%5Bredacted%5D" || !rec.RedactedPath || !rec.RedactedQuery || rec.Forward == nil || rec.Forward.Route != "path:/hooks/[redacted]" {
		t.Errorf("record path %q (redacted %v), query redacted %v, forward %+v", rec.Path, rec.RedactedPath, rec.RedactedQuery, rec.Forward)
	}
	for _, b := range append(store.lines, []byte(mustJSON(t, rec))) {
		if strings.Contains(string(b), sec) {
			t.Errorf("kept or shown with the secret: %s", b)
		}
	}

	// Refused: shown (listen's line, its --json) without the secret.
	r := serve(t, Options{Secrets: secrets, AllowIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	r.post(t, "/hooks/"+sec+"?token="+sec, []byte(`{}`), http.Header{"X-Echo": {sec}})
	refused := r.one(t)
	if refused.Refused == "" {
		t.Fatalf("not refused: %+v", refused)
	}
	if b := mustJSON(t, refused.Record); strings.Contains(b, sec) {
		t.Errorf("a refused delivery is shown with the secret: %s", b)
	}
}
