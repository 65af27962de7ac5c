package listener

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hooktool/hooktool/internal/delivery"
	"github.com/hooktool/hooktool/internal/httpx"
	"github.com/hooktool/hooktool/internal/signature"
)

// TestAppEchoingASecretAtTheCut: the start of the app's answer is kept
// (forward.body, each of forward_attempts, a mirror's), cut at 256 bytes:
// a secret the app echoes across the cut is hidden whole, not kept in part.
func TestAppEchoingASecretAtTheCut(t *testing.T) {
	const sec = "echo-s3cret-spanning-the-cut"
	answer := strings.Repeat("a", 250) + sec + " tail"
	a := newApp(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, answer)
	})
	c := client(5 * time.Second)
	store := &memStore{}
	h := serve(t, Options{
		Store: store, Secrets: []signature.Secret{signature.NewSecret(sec)},
		Forward:      forwarder(t, "http://"+a.host(), httpx.PathReplace, c, nil),
		Mirrors:      []Mirror{{Forward: forwarder(t, "http://"+a.host(), httpx.PathReplace, c, nil)}},
		ForwardRetry: delivery.Doubling(time.Millisecond, time.Millisecond, 1),
	})
	h.post(t, "/hooks", []byte(`{}`), nil)
	d := h.one(t)
	rec := d.Record
	if rec.Forward == nil || len(rec.ForwardAttempts) != 2 || len(rec.Mirrors) != 1 {
		t.Fatalf("forward %+v, attempts %d, mirrors %d", rec.Forward, len(rec.ForwardAttempts), len(rec.Mirrors))
	}
	for _, b := range append(store.lines, []byte(mustJSON(t, rec))) {
		if strings.Contains(string(b), sec[:6]) {
			t.Errorf("the start of the secret is kept: %s", b)
		}
	}
	if !strings.HasPrefix(rec.Forward.Body, strings.Repeat("a", 250)+signature.Redacted[:6]) {
		t.Errorf("forward body %q: want the answer's start, the secret hidden", rec.Forward.Body)
	}
}
